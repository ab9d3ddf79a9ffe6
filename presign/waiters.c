/*
 * waiters.c - parked waiting reads (see waiters.h). Linear scans: a loop parks thousands at
 * most, and each wake-up costs one pass.
 */
#include "waiters.h"
#include "media/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECENT 1024 /* wake-ups remembered (a park arrives milliseconds after its read) */

typedef struct {
    char id[40];
    char tenant[64];
    int64_t deadline_ms;
    void *item;
} slot;

typedef struct {
    char id[40];
    int64_t at_ms;
} wake;

struct presign_waiters {
    slot *slots;
    size_t n, cap, per_tenant;
    wake recent[RECENT];
    size_t next_recent;
    int64_t all_woken_ms; /* the last "*" */
};

presign_waiters *presign_waiters_new(size_t capacity, size_t per_tenant)
{
    presign_waiters *w = media_calloc(1, sizeof(*w));
    w->cap = capacity;
    w->per_tenant = per_tenant;
    w->slots = media_calloc(capacity ? capacity : 1, sizeof(slot));
    w->all_woken_ms = INT64_MIN;
    for (size_t i = 0; i < RECENT; i++)
        w->recent[i].at_ms = INT64_MIN;
    return w;
}

void presign_waiters_destroy(presign_waiters *w)
{
    if (w == NULL)
        return;
    free(w->slots);
    free(w);
}

static bool woken_since(const presign_waiters *w, const char *id, int64_t since_ms)
{
    if (w->all_woken_ms >= since_ms)
        return true;
    for (size_t i = 0; i < RECENT; i++)
        if (w->recent[i].at_ms >= since_ms && strcmp(w->recent[i].id, id) == 0)
            return true;
    return false;
}

presign_park_result presign_waiters_park(presign_waiters *w, const char *id, const char *tenant,
                                         int64_t since_ms, int64_t deadline_ms, void *item)
{
    if (woken_since(w, id, since_ms))
        return PRESIGN_WOKEN;
    if (w->n >= w->cap)
        return PRESIGN_FULL;
    size_t mine = 0;
    for (size_t i = 0; i < w->n; i++)
        mine += strcmp(w->slots[i].tenant, tenant) == 0;
    if (mine >= w->per_tenant)
        return PRESIGN_FULL;
    slot *s = &w->slots[w->n++];
    snprintf(s->id, sizeof(s->id), "%s", id);
    snprintf(s->tenant, sizeof(s->tenant), "%s", tenant);
    s->deadline_ms = deadline_ms;
    s->item = item;
    return PRESIGN_PARKED;
}

/* Move slot i out (the last slot takes its place). */
static void *take(presign_waiters *w, size_t i)
{
    void *item = w->slots[i].item;
    w->slots[i] = w->slots[--w->n];
    return item;
}

bool presign_waiters_remove(presign_waiters *w, const void *item)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->slots[i].item == item) {
            take(w, i);
            return true;
        }
    return false;
}

size_t presign_waiters_wake(presign_waiters *w, const char *id, int64_t now_ms, void **out,
                            size_t cap)
{
    bool all = strcmp(id, "*") == 0;
    if (all) {
        w->all_woken_ms = now_ms;
    } else {
        wake *r = &w->recent[w->next_recent];
        w->next_recent = (w->next_recent + 1) % RECENT;
        snprintf(r->id, sizeof(r->id), "%s", id);
        r->at_ms = now_ms;
    }
    size_t got = 0;
    for (size_t i = 0; i < w->n && got < cap;) {
        if (all || strcmp(w->slots[i].id, id) == 0)
            out[got++] = take(w, i); /* slot i now holds another: look at it again */
        else
            i++;
    }
    return got;
}

size_t presign_waiters_expired(presign_waiters *w, int64_t now_ms, void **out, size_t cap)
{
    size_t got = 0;
    for (size_t i = 0; i < w->n && got < cap;) {
        if (w->slots[i].deadline_ms <= now_ms)
            out[got++] = take(w, i);
        else
            i++;
    }
    return got;
}

size_t presign_waiters_take_if(presign_waiters *w, bool (*gone)(void *item, void *ud), void *ud,
                               void **out, size_t cap)
{
    size_t got = 0;
    for (size_t i = 0; i < w->n && got < cap;) {
        if (gone(w->slots[i].item, ud))
            out[got++] = take(w, i);
        else
            i++;
    }
    return got;
}

size_t presign_waiters_count(const presign_waiters *w)
{
    return w->n;
}
