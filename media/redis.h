/*
 * redis.h - the hiredis adapter: redis.c is the only file that includes hiredis. One
 * synchronous connection from a redis:// URL, commands in argv form, replies as read-only
 * values. The queue (queue.h) and the shared rate limiter (ratelimit.h) are built on it.
 *
 * A connection that failed is replaced on the next command (hiredis sync contexts are
 * unusable after an error); a command whose connection the server closed while idle (a
 * restart) is sent once more on a new one — so a command may run twice, and writers that must
 * not (the queue's adds) make themselves idempotent. Every failure is a media_error that
 * never holds the URL's password: Redis unreachable is transient (MEDIA_ERR_NETWORK), a
 * refused command permanent (MEDIA_ERR_PROTOCOL, with Redis's own text).
 *
 * High availability: redis-sentinel://[:password@]host[:port][,host[:port]...]/master[/db]
 * asks the sentinels (port 26379 by default, no password) where the master named `master` is,
 * connects there and checks with ROLE that it is the master: a command never reaches a
 * replica. A lost connection, or a READONLY/LOADING reply (the server became a replica in a
 * failover), is a transient MEDIA_ERR_NETWORK and the next command asks the sentinels again.
 *
 * Debian 12's hiredis (0.14) has no TLS: rediss:// URLs are refused (use a TLS sidecar such
 * as stunnel next to each replica and point MEDIAGATE_REDIS_URL at it on loopback).
 *
 * Thread: a media_redis is one connection; one thread at a time.
 */
#ifndef MEDIA_REDIS_H
#define MEDIA_REDIS_H

#include "error.h"

#include <stddef.h>

typedef struct media_redis media_redis;
typedef struct media_redis_reply media_redis_reply; /* read-only, owned by whoever got it */

typedef enum {
    MEDIA_REDIS_NIL,
    MEDIA_REDIS_INTEGER,
    MEDIA_REDIS_STRING, /* bulk strings and status replies */
    MEDIA_REDIS_ARRAY,
    MEDIA_REDIS_OTHER,
} media_redis_type;

/* Parse and check redis://[:password@]host[:port][/db] or the redis-sentinel:// form above,
 * without connecting. */
media_code media_redis_url_check(const char *url, media_error *err);

/* Connect (AUTH and SELECT as the URL says). timeout_ms bounds connect and every command.
 * MEDIA_ERR_CONFIG for a bad URL or a refused password; MEDIA_ERR_NETWORK when unreachable.
 * Close with media_redis_close. */
media_redis *media_redis_connect(const char *url, long timeout_ms, media_error *err);
void media_redis_close(media_redis *r);

/* Run a command given as a NULL-terminated argv; on MEDIA_OK *out owns the reply (free it
 * with media_redis_reply_free). A Redis error reply is MEDIA_ERR_PROTOCOL, *out NULL. */
media_code media_redis_run(media_redis *r, const char *const *argv, media_redis_reply **out,
                           media_error *err);
/* The same for a command that blocks on the server (XREADGROUP BLOCK block_ms): the timeout
 * is stretched by block_ms for this command only. */
media_code media_redis_run_blocking(media_redis *r, long block_ms, const char *const *argv,
                                    media_redis_reply **out, media_error *err);
/* On a connection that sent SUBSCRIBE (with media_redis_run, which returns its confirmation):
 * wait up to wait_ms for the next message Redis pushes. MEDIA_OK with *out the message (an
 * array: "message", channel, payload; free it), or *out NULL when none came in time. A lost
 * connection is MEDIA_ERR_NETWORK: connect and subscribe again. */
media_code media_redis_next_push(media_redis *r, long wait_ms, media_redis_reply **out,
                                 media_error *err);
/* Run a command given inline: MEDIA_REDIS_RUN(r, &reply, err, "XLEN", key). */
#define MEDIA_REDIS_RUN(r, out, err, ...)                                                          \
    media_redis_run(r, (const char *const[]){__VA_ARGS__, NULL}, out, err)

/* Commands this process sent (every connection; AUTH/SELECT not counted), for /metrics. */
unsigned long long media_redis_commands_total(void);

void media_redis_reply_free(media_redis_reply *reply);
media_redis_type media_redis_type_of(const media_redis_reply *reply);
/* The integer (0 when the reply is not one). */
long long media_redis_integer(const media_redis_reply *reply);
/* The string's bytes and length (NULL, 0 when the reply is not a string); not NUL-safe:
 * use the length. */
const char *media_redis_str(const media_redis_reply *reply, size_t *len);
/* An array's length (0 otherwise) and its element i (NULL when out of range). */
size_t media_redis_count(const media_redis_reply *reply);
const media_redis_reply *media_redis_at(const media_redis_reply *reply, size_t i);

#endif
