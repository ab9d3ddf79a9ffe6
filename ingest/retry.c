/*
 * retry.c - backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): spreads retries of many failed jobs instead of synchronising them.
 */
#include "retry.h"

long ingest_retry_delay_ms(const ingest_retry_policy *p, int attempts, media_error_class cls,
                           long retry_after_s, double random01)
{
    if (cls != MEDIA_CLASS_TRANSIENT && cls != MEDIA_CLASS_RATE_LIMITED)
        return -1;
    if (attempts >= p->max_attempts)
        return -1;
    double ceiling = (double)p->base_ms;
    for (int i = 1; i < attempts && ceiling < (double)p->cap_ms; i++)
        ceiling *= 2;
    if (ceiling > (double)p->cap_ms)
        ceiling = (double)p->cap_ms;
    if (random01 < 0)
        random01 = 0;
    if (random01 >= 1)
        random01 = 0.999999;
    long delay = (long)(random01 * ceiling);
    long floor_ms = retry_after_s > 0 ? retry_after_s * 1000 : 0;
    if (delay < floor_ms)
        delay = floor_ms;
    return delay > p->cap_ms ? p->cap_ms : delay;
}
