/*
 * breaker.h - circuit breakers: closed -> open after N consecutive failures -> half-open
 * after a cool-down (one probe allowed) -> closed on success, open again on failure.
 *
 * A pure state machine (time is a parameter) plus a small thread-safe registry of breakers
 * by name (source hosts) for the worker.
 */
#ifndef MEDIA_BREAKER_H
#define MEDIA_BREAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    MEDIA_BREAKER_CLOSED,
    MEDIA_BREAKER_OPEN,
    MEDIA_BREAKER_HALF_OPEN
} media_breaker_state;

const char *media_breaker_state_name(media_breaker_state s);

typedef struct media_breaker {
    media_breaker_state state;
    int failures;        /* consecutive, while closed */
    int threshold;       /* failures that open it */
    int64_t cooldown_ms; /* open -> half-open after this */
    int64_t opened_at_ms;
    bool probing; /* half-open: the one probe is out */
} media_breaker;

void media_breaker_init(media_breaker *b, int threshold, int64_t cooldown_ms);
/* May a request go now? Open: no (until the cool-down ends, then half-open). Half-open: one
 * caller gets true (the probe) until it reports. */
bool media_breaker_allow(media_breaker *b, int64_t now_ms);
void media_breaker_success(media_breaker *b);
void media_breaker_failure(media_breaker *b, int64_t now_ms);
/* The state as of now (open turns half-open when the cool-down has passed). */
media_breaker_state media_breaker_state_at(media_breaker *b, int64_t now_ms);
/* Milliseconds until an open breaker lets a probe through (0 when not open). */
int64_t media_breaker_wait_ms(const media_breaker *b, int64_t now_ms);

/* Breakers by name (e.g. source host), created on first use; at most `capacity` kept (the
 * least recently used closed ones are forgotten). When every one is open the set grows, up to
 * 8 x capacity; past that a name it cannot track is refused (allow: false, a cool-down's wait),
 * never allowed. Thread-safe. */
typedef struct media_breaker_set media_breaker_set;
media_breaker_set *media_breaker_set_new(size_t capacity, int threshold, int64_t cooldown_ms);
void media_breaker_set_destroy(media_breaker_set *s);
bool media_breaker_set_allow(media_breaker_set *s, const char *name, int64_t now_ms,
                             int64_t *wait_ms);
void media_breaker_set_report(media_breaker_set *s, const char *name, bool ok, int64_t now_ms);
/* Count of breakers in each state: out[3] indexed by media_breaker_state. */
void media_breaker_set_counts(media_breaker_set *s, int64_t now_ms, size_t out[3]);

#endif
