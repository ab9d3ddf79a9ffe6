/*
 * retry.h - when to try a failed job again: exponential backoff with full jitter, honouring
 * Retry-After, bounded by a cap. Pure (the random draw is a parameter).
 */
#ifndef INGEST_RETRY_H
#define INGEST_RETRY_H

#include "media/error.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ingest_retry_policy {
    int max_attempts; /* MEDIAGATE_RETRY_ATTEMPTS (3): attempts in all, the first included */
    long base_ms;     /* MEDIAGATE_RETRY_BASE_MS (1000) */
    long cap_ms;      /* MEDIAGATE_RETRY_CAP_MS (300000) */
} ingest_retry_policy;

/*
 * Delay before attempt `attempts + 1` after a failure of class cls, or -1 when the job must
 * not be retried (permanent, or attempts exhausted). random01 in [0, 1) is the jitter draw:
 * delay = random01 * min(cap, base * 2^(attempts-1)), and at least Retry-After when the
 * source asked for it (rate-limited), still bounded by the cap.
 */
long ingest_retry_delay_ms(const ingest_retry_policy *p, int attempts, media_error_class cls,
                           long retry_after_s, double random01);

#endif
