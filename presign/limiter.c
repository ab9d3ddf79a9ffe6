/*
 * limiter.c - local token leases (see limiter.h).
 */
#include "limiter.h"
#include "hot.h"
#include "media/mem.h"

#include <stdlib.h>
#include <string.h>

struct presign_limiter {
    presign_hot *leases;
    int64_t lease_ms;
};

typedef struct {
    int64_t lease_until_ms;
    long tokens; /* leased, unspent */
    long want;   /* next reservation size */
    bool dry;    /* a request found the lease spent before it ended: demand is high */
    bool wasted; /* a lease ended with tokens unspent: demand is low */
    presign_rate_view view;
} lease;

presign_limiter *presign_limiter_new(size_t buckets, int64_t lease_ms)
{
    presign_limiter *l = media_calloc(1, sizeof(*l));
    /* the entry outlives its lease so `want` is remembered between bursts */
    l->leases = presign_hot_new(buckets, sizeof(lease), 60000 + lease_ms, 0);
    l->lease_ms = lease_ms;
    return l;
}

void presign_limiter_destroy(presign_limiter *l)
{
    if (l == NULL)
        return;
    presign_hot_destroy(l->leases);
    free(l);
}

typedef struct {
    int64_t now_ms;
    bool taken;
    presign_rate_view *view;
} take_ctx;

static bool take_fn(void *value, bool present, void *ud)
{
    lease *v = value;
    take_ctx *t = ud;
    if (!present)
        return false;
    if (v->lease_until_ms <= t->now_ms) {
        if (v->tokens > 0)
            v->wasted = true;
        v->tokens = 0;
        return true;
    }
    if (v->tokens <= 0) {
        v->dry = true;
        return true;
    }
    v->tokens--;
    t->taken = true;
    *t->view = v->view;
    t->view->remaining += v->tokens;
    return true;
}

bool presign_limiter_take(presign_limiter *l, const char *bucket, int64_t now_ms,
                          presign_rate_view *view)
{
    take_ctx t = {now_ms, false, view};
    presign_hot_update(l->leases, bucket, strlen(bucket), now_ms, take_fn, &t);
    return t.taken;
}

typedef struct {
    int64_t now_ms;
    long max_batch, want;
} want_ctx;

static bool want_fn(void *value, bool present, void *ud)
{
    lease *v = value;
    want_ctx *w = ud;
    long want = present && v->want > 0 ? v->want : 1;
    if (present && v->dry)
        want *= 2;
    else if (present && (v->wasted || (v->lease_until_ms <= w->now_ms && v->tokens > 0)))
        want /= 2;
    if (want > w->max_batch)
        want = w->max_batch;
    if (want < 1)
        want = 1;
    v->want = w->want = want;
    v->dry = v->wasted = false;
    return true;
}

long presign_limiter_want(presign_limiter *l, const char *bucket, long max_batch, int64_t now_ms)
{
    want_ctx w = {now_ms, max_batch, 1};
    presign_hot_update(l->leases, bucket, strlen(bucket), now_ms, want_fn, &w);
    return w.want;
}

typedef struct {
    int64_t now_ms, lease_ms;
    long extra;
    presign_rate_view view;
} deposit_ctx;

static bool deposit_fn(void *value, bool present, void *ud)
{
    lease *v = value;
    deposit_ctx *d = ud;
    if (!present || v->lease_until_ms <= d->now_ms)
        v->tokens = 0;
    v->tokens += d->extra;
    v->lease_until_ms = d->now_ms + d->lease_ms;
    v->view = d->view;
    if (v->want < 1)
        v->want = 1;
    return true;
}

void presign_limiter_deposit(presign_limiter *l, const char *bucket, long extra, long limit,
                             long remaining, long reset_s, int64_t now_ms)
{
    deposit_ctx d = {now_ms, l->lease_ms, extra > 0 ? extra : 0, {limit, remaining, reset_s}};
    presign_hot_update(l->leases, bucket, strlen(bucket), now_ms, deposit_fn, &d);
}
