/*
 * ratelimit.c - the shared token bucket (see ratelimit.h).
 */
#include "ratelimit.h"

#include <stdio.h>

static const char *BUCKET_SCRIPT =
    "local cap = tonumber(ARGV[1]) local rate = tonumber(ARGV[2]) / 1000 "
    "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "
    "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts') "
    "local tokens = tonumber(b[1]) local ts = tonumber(b[2]) "
    "if tokens == nil then tokens = cap ts = now end "
    "tokens = math.min(cap, tokens + math.max(0, now - ts) * rate) "
    "local want = math.max(1, tonumber(ARGV[3])) "
    "local allowed = math.min(want, math.floor(tokens)) tokens = tokens - allowed "
    "redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now) "
    "local full = math.ceil((cap - tokens) / rate) "
    "redis.call('PEXPIRE', KEYS[1], full + 1000) "
    "local wait = 0 if allowed < 1 then wait = math.ceil((1 - tokens) / rate) end "
    "return {allowed, math.floor(tokens), full, wait}";

void media_ratelimit_key(const char *queue_prefix, const char *bucket, char *out, size_t cap)
{
    snprintf(out, cap, "%.80s:jobs:rl:%.160s",
             queue_prefix && queue_prefix[0] ? queue_prefix : "mediagate", bucket);
}

media_code media_ratelimit_reserve(media_redis *r, const char *key, long capacity,
                                   double per_second, long want, long *granted, long *remaining,
                                   long *reset_s, long *retry_after_s, media_error *err)
{
    char cap[24], rate[32], n[24];
    snprintf(cap, sizeof(cap), "%ld", capacity);
    snprintf(rate, sizeof(rate), "%.6f", per_second);
    snprintf(n, sizeof(n), "%ld", want > 0 ? want : 1);
    media_redis_reply *rep;
    media_code rc = MEDIA_REDIS_RUN(r, &rep, err, "EVAL", BUCKET_SCRIPT, "1", key, cap, rate, n);
    if (rc != MEDIA_OK)
        return rc;
    if (media_redis_count(rep) != 4) {
        media_redis_reply_free(rep);
        return media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                               "unexpected rate-limit reply");
    }
    *granted = (long)media_redis_integer(media_redis_at(rep, 0));
    *remaining = (long)media_redis_integer(media_redis_at(rep, 1));
    *reset_s = (long)((media_redis_integer(media_redis_at(rep, 2)) + 999) / 1000);
    *retry_after_s = (long)((media_redis_integer(media_redis_at(rep, 3)) + 999) / 1000);
    media_redis_reply_free(rep);
    return MEDIA_OK;
}
