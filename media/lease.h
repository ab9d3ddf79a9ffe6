/*
 * lease.h - a named, expiring lease in Redis: at most one holder at a time while Redis keeps
 * its data, renewed by its holder, free again ttl_ms after the holder stops renewing (a
 * killed replica needs no cleanup).
 *
 * For work that is merely wasteful when done twice (the workers' sweepers), not for work that
 * must not be: a Redis failover can lose the key and let a second holder in. Replaces a
 * PostgreSQL session advisory lock, which a transaction-pooling pgbouncer breaks (the unlock
 * may reach another server connection and leave the lock held).
 */
#ifndef MEDIA_LEASE_H
#define MEDIA_LEASE_H

#include "error.h"
#include "redis.h"

#include <stdbool.h>
#include <stddef.h>

/* The lease's Redis key: "<queue prefix>:lease:<name>". Cut to cap. */
void media_lease_key(const char *queue_prefix, const char *name, char *out, size_t cap);

/* Take the lease at key for owner, or renew it when owner holds it, for ttl_ms. *mine: owner
 * holds it now. Errors are redis.h's (*mine false). */
media_code media_lease_take(media_redis *r, const char *key, const char *owner, long ttl_ms,
                            bool *mine, media_error *err);

/* Give it up when owner holds it (a clean shutdown: another replica takes over at once). */
media_code media_lease_release(media_redis *r, const char *key, const char *owner,
                               media_error *err);

#endif
