/*
 * breaker.c - the circuit-breaker state machine and a named set of breakers.
 */
#include "breaker.h"
#include "mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const char *media_breaker_state_name(media_breaker_state s)
{
    return s == MEDIA_BREAKER_OPEN ? "open" : s == MEDIA_BREAKER_HALF_OPEN ? "half_open" : "closed";
}

void media_breaker_init(media_breaker *b, int threshold, int64_t cooldown_ms)
{
    memset(b, 0, sizeof(*b));
    b->threshold = threshold < 1 ? 1 : threshold;
    b->cooldown_ms = cooldown_ms;
}

media_breaker_state media_breaker_state_at(media_breaker *b, int64_t now_ms)
{
    if (b->state == MEDIA_BREAKER_OPEN && now_ms - b->opened_at_ms >= b->cooldown_ms) {
        b->state = MEDIA_BREAKER_HALF_OPEN;
        b->probing = false;
    }
    return b->state;
}

bool media_breaker_allow(media_breaker *b, int64_t now_ms)
{
    switch (media_breaker_state_at(b, now_ms)) {
    case MEDIA_BREAKER_CLOSED:
        return true;
    case MEDIA_BREAKER_OPEN:
        return false;
    case MEDIA_BREAKER_HALF_OPEN:
        if (b->probing)
            return false;
        b->probing = true;
        return true;
    }
    return true;
}

void media_breaker_success(media_breaker *b)
{
    b->state = MEDIA_BREAKER_CLOSED;
    b->failures = 0;
    b->probing = false;
}

void media_breaker_failure(media_breaker *b, int64_t now_ms)
{
    if (b->state == MEDIA_BREAKER_HALF_OPEN || ++b->failures >= b->threshold) {
        b->state = MEDIA_BREAKER_OPEN;
        b->opened_at_ms = now_ms;
        b->failures = 0;
        b->probing = false;
    }
}

int64_t media_breaker_wait_ms(const media_breaker *b, int64_t now_ms)
{
    if (b->state != MEDIA_BREAKER_OPEN)
        return 0;
    int64_t left = b->opened_at_ms + b->cooldown_ms - now_ms;
    return left > 0 ? left : 0;
}

typedef struct {
    char *name;
    media_breaker b;
    int64_t used_ms;
} entry;

struct media_breaker_set {
    pthread_mutex_t mu;
    entry *items;
    size_t count, capacity, limit; /* limit: how far capacity may grow (8x the initial) */
    int threshold;
    int64_t cooldown_ms;
};

media_breaker_set *media_breaker_set_new(size_t capacity, int threshold, int64_t cooldown_ms)
{
    media_breaker_set *s = media_calloc(1, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    s->capacity = capacity ? capacity : 1;
    s->items = media_calloc(s->capacity, sizeof(*s->items));
    s->limit = s->capacity * 8;
    s->threshold = threshold;
    s->cooldown_ms = cooldown_ms;
    return s;
}

void media_breaker_set_destroy(media_breaker_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i].name);
    free(s->items);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Find or create; caller holds mu. */
static entry *lookup(media_breaker_set *s, const char *name, int64_t now_ms)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i].name, name) == 0) {
            s->items[i].used_ms = now_ms;
            return &s->items[i];
        }
    size_t slot = s->count;
    if (s->count == s->capacity) { /* forget the least recently used closed breaker */
        slot = s->capacity;
        for (size_t i = 0; i < s->count; i++)
            if (s->items[i].b.state == MEDIA_BREAKER_CLOSED &&
                (slot == s->capacity || s->items[i].used_ms < s->items[slot].used_ms))
                slot = i;
        if (slot == s->capacity && s->capacity < s->limit) { /* all open: room for more */
            size_t grown = s->capacity * 2 < s->limit ? s->capacity * 2 : s->limit;
            s->items = media_realloc(s->items, grown * sizeof(*s->items));
            s->capacity = grown;
            slot = s->count++;
        } else if (slot == s->capacity) {
            return NULL; /* every one of limit open: the caller refuses (never allows) */
        } else {
            free(s->items[slot].name);
        }
    } else {
        s->count++;
    }
    entry *e = &s->items[slot];
    e->name = media_strdup(name);
    e->used_ms = now_ms;
    media_breaker_init(&e->b, s->threshold, s->cooldown_ms);
    return e;
}

bool media_breaker_set_allow(media_breaker_set *s, const char *name, int64_t now_ms,
                             int64_t *wait_ms)
{
    pthread_mutex_lock(&s->mu);
    entry *e = lookup(s, name, now_ms);
    /* not trackable (every breaker open, up to the limit): refused for a cool-down, never
     * waved through (issue 24, defect 4: it used to allow everything) */
    bool ok = e != NULL && media_breaker_allow(&e->b, now_ms);
    if (wait_ms)
        *wait_ms = e == NULL ? s->cooldown_ms : !ok ? media_breaker_wait_ms(&e->b, now_ms) : 0;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

void media_breaker_set_report(media_breaker_set *s, const char *name, bool ok, int64_t now_ms)
{
    pthread_mutex_lock(&s->mu);
    entry *e = lookup(s, name, now_ms);
    if (e) {
        if (ok)
            media_breaker_success(&e->b);
        else
            media_breaker_failure(&e->b, now_ms);
    }
    pthread_mutex_unlock(&s->mu);
}

void media_breaker_set_counts(media_breaker_set *s, int64_t now_ms, size_t out[3])
{
    out[0] = out[1] = out[2] = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->count; i++)
        out[media_breaker_state_at(&s->items[i].b, now_ms)]++;
    pthread_mutex_unlock(&s->mu);
}
