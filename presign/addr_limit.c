/*
 * addr_limit.c - per-address token buckets on presign_hot (see addr_limit.h).
 */
#include "addr_limit.h"
#include "hot.h"
#include "media/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct presign_addr_limit {
    presign_hot *buckets;
    double capacity, per_ms;
};

typedef struct {
    double tokens;
    int64_t ts_ms;
} bucket;

typedef struct {
    const presign_addr_limit *l;
    int64_t now_ms;
    bool allowed;
    long retry_after_s;
} take_ctx;

presign_addr_limit *presign_addr_limit_new(size_t entries, long per_min)
{
    presign_addr_limit *l = media_calloc(1, sizeof(*l));
    l->capacity = (double)(per_min > 0 ? per_min : 1);
    l->per_ms = l->capacity / 60000.0;
    /* a bucket left alone for a minute is full again: it need not be kept longer */
    l->buckets = presign_hot_new(entries, sizeof(bucket), 60000, 0);
    return l;
}

void presign_addr_limit_destroy(presign_addr_limit *l)
{
    if (l == NULL)
        return;
    presign_hot_destroy(l->buckets);
    free(l);
}

static bool take(void *value, bool present, void *ud)
{
    bucket *b = value;
    take_ctx *t = ud;
    if (!present) {
        b->tokens = t->l->capacity;
        b->ts_ms = t->now_ms;
    }
    int64_t dt = t->now_ms > b->ts_ms ? t->now_ms - b->ts_ms : 0;
    b->tokens = fmin(t->l->capacity, b->tokens + (double)dt * t->l->per_ms);
    b->ts_ms = t->now_ms;
    t->allowed = b->tokens >= 1.0;
    if (t->allowed)
        b->tokens -= 1.0;
    else
        t->retry_after_s = (long)ceil((1.0 - b->tokens) / t->l->per_ms / 1000.0);
    return true;
}

bool presign_addr_limit_take(presign_addr_limit *l, const uint8_t key[16], int64_t now_ms,
                             long *retry_after_s)
{
    take_ctx t = {l, now_ms, false, 1};
    presign_hot_update(l->buckets, key, 16, now_ms, take, &t);
    if (!t.allowed && retry_after_s)
        *retry_after_s = t.retry_after_s > 0 ? t.retry_after_s : 1;
    return t.allowed;
}

void presign_addr_key(int family, const uint8_t *addr, uint8_t key[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memset(key, 0, 16);
    if (family == AF_INET) {
        memcpy(key, mapped, 12);
        memcpy(key + 12, addr, 4);
    } else if (memcmp(addr, mapped, 12) == 0) {
        memcpy(key, addr, 16); /* an IPv4 client on a dual-stack socket */
    } else {
        memcpy(key, addr, 8); /* the /64 */
    }
}
