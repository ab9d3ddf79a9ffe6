/*
 * waiters.h - the waiting reads one event loop has parked (GET /media/{id}?wait=S): by media
 * id, with deadlines, and a memory of recent wake-ups so a wake that arrives while a read is on
 * its way to being parked is not missed. Pure data (no I/O, no clock: times are parameters);
 * one loop thread owns one registry (not thread-safe). Items are the caller's; the registry
 * never frees them.
 */
#ifndef PRESIGN_WAITERS_H
#define PRESIGN_WAITERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct presign_waiters presign_waiters;

/* At most capacity parked at once, and at most per_tenant of one tenant (issue 24, defect 8:
 * one tenant's waits must not take every slot). Free with presign_waiters_destroy. */
presign_waiters *presign_waiters_new(size_t capacity, size_t per_tenant);
void presign_waiters_destroy(presign_waiters *w);

typedef enum {
    PRESIGN_PARKED, /* it waits for a wake-up or its deadline */
    PRESIGN_WOKEN,  /* id was woken at or after since_ms: ask again now */
    PRESIGN_FULL,   /* no room (or the tenant's share is taken): answer with what you have */
} presign_park_result;

/* Park item for id (a media id of tenant) until deadline_ms. since_ms: when the record was read
 * (a wake after that may mean it changed). */
presign_park_result presign_waiters_park(presign_waiters *w, const char *id, const char *tenant,
                                         int64_t since_ms, int64_t deadline_ms, void *item);
/* Take item out before its wake or deadline (its client went away). False when not parked. */
bool presign_waiters_remove(presign_waiters *w, const void *item);
/* Remove the items parked for id ("*": every one) into out (at most cap; call again while it
 * returns cap) and remember the wake at now_ms. */
size_t presign_waiters_wake(presign_waiters *w, const char *id, int64_t now_ms, void **out,
                            size_t cap);
/* Remove the items whose deadline is at or before now_ms into out (at most cap). */
size_t presign_waiters_expired(presign_waiters *w, int64_t now_ms, void **out, size_t cap);
/* Remove the items for which gone(item, ud) is true into out (at most cap; call again while it
 * returns cap): the reads whose clients went away. */
size_t presign_waiters_take_if(presign_waiters *w, bool (*gone)(void *item, void *ud), void *ud,
                               void **out, size_t cap);
size_t presign_waiters_count(const presign_waiters *w);

#endif
