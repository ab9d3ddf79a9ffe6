/*
 * limiter.h - local leases on the shared token bucket, so most requests are rate limited
 * without a network round trip.
 *
 * The budget lives in Redis (media/ratelimit.h: one Lua call, shared by every replica).
 * A replica that needs a token reserves `want` of them in one call and keeps the extras as a
 * lease valid for lease_ms; later requests spend leased tokens locally
 * (presign_limiter_take) until the lease runs dry or ends. The total admitted never exceeds
 * the shared budget: every token is taken from Redis before it is spent, and tokens left when
 * a lease ends are dropped (the limit errs strict, never loose). `want` adapts per bucket: it
 * doubles when a lease runs dry early (demand is high) and halves when a lease ends unused,
 * between 1 and the caller's max_batch, which should be about one second of refill: a small
 * budget then reserves one token at a time and behaves exactly like a call per request.
 *
 * Thread-safe (a presign_hot underneath). Time is a parameter (presign_hot_now_ms()).
 */
#ifndef PRESIGN_LIMITER_H
#define PRESIGN_LIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct presign_limiter presign_limiter;

/* What the RateLimit-* headers say after a decision. */
typedef struct presign_rate_view {
    long limit, remaining, reset_s;
} presign_rate_view;

/* Room for about `buckets` keys; leases last lease_ms. Free with presign_limiter_destroy. */
presign_limiter *presign_limiter_new(size_t buckets, int64_t lease_ms);
void presign_limiter_destroy(presign_limiter *l);

/* Spend one leased token of bucket: true (and *view filled) when one was available. */
bool presign_limiter_take(presign_limiter *l, const char *bucket, int64_t now_ms,
                          presign_rate_view *view);

/* How many tokens to reserve from the shared bucket now (1..max_batch). */
long presign_limiter_want(presign_limiter *l, const char *bucket, long max_batch, int64_t now_ms);

/* After a reservation granted tokens and one was spent: lease the other `extra`, with the
 * shared bucket's limit, remaining tokens and reset time for the headers. */
void presign_limiter_deposit(presign_limiter *l, const char *bucket, long extra, long limit,
                             long remaining, long reset_s, int64_t now_ms);

#endif
