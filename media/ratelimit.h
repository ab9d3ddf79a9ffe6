/*
 * ratelimit.h - a token bucket per key, shared by every replica, kept in Redis (one Lua call
 * per reservation, on Redis's own clock, so replicas' clocks do not matter).
 */
#ifndef MEDIA_RATELIMIT_H
#define MEDIA_RATELIMIT_H

#include "error.h"
#include "redis.h"

#include <stddef.h>

/* The bucket's Redis key: "<queue prefix>:jobs:rl:<bucket>" (the form every replica of every
 * version uses, so a rolling upgrade shares budgets). Cut to cap. */
void media_ratelimit_key(const char *queue_prefix, const char *bucket, char *out, size_t cap);

/*
 * Take up to `want` tokens (at least 1) from the bucket at key: capacity tokens, refilled at
 * per_second. *granted is how many were taken (0 = refused), *remaining the tokens left,
 * *reset_s the time until full again and *retry_after_s the time until the next token when
 * refused. Errors are redis.h's (the caller decides whether to fail open).
 */
media_code media_ratelimit_reserve(media_redis *r, const char *key, long capacity,
                                   double per_second, long want, long *granted, long *remaining,
                                   long *reset_s, long *retry_after_s, media_error *err);

#endif
