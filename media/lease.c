/*
 * lease.c - expiring leases in Redis (see lease.h). Each call is one Lua script, so taking,
 * renewing and releasing compare the holder and act in one step.
 */
#include "lease.h"

#include <stdio.h>

static const char *TAKE_SCRIPT = "local v = redis.call('GET', KEYS[1]) "
                                 "if v == false or v == ARGV[1] then "
                                 "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
                                 "return 0";

static const char *RELEASE_SCRIPT =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

void media_lease_key(const char *queue_prefix, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%.80s:lease:%.80s",
             queue_prefix && queue_prefix[0] ? queue_prefix : "mediagate", name);
}

media_code media_lease_take(media_redis *r, const char *key, const char *owner, long ttl_ms,
                            bool *mine, media_error *err)
{
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%ld", ttl_ms > 0 ? ttl_ms : 1);
    *mine = false;
    media_redis_reply *rep;
    media_code rc = MEDIA_REDIS_RUN(r, &rep, err, "EVAL", TAKE_SCRIPT, "1", key, owner, ttl);
    if (rc != MEDIA_OK)
        return rc;
    *mine = media_redis_integer(rep) == 1;
    media_redis_reply_free(rep);
    return MEDIA_OK;
}

media_code media_lease_release(media_redis *r, const char *key, const char *owner, media_error *err)
{
    media_redis_reply *rep;
    media_code rc = MEDIA_REDIS_RUN(r, &rep, err, "EVAL", RELEASE_SCRIPT, "1", key, owner);
    if (rc == MEDIA_OK)
        media_redis_reply_free(rep);
    return rc;
}
