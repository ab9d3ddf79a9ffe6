/*
 * queue.h - the ingest queue on Redis Streams, over media/redis.h (the hiredis adapter).
 *
 * Keys (prefix MEDIAGATE_QUEUE_PREFIX, default "mediagate"):
 *   <p>:jobs      stream of jobs, consumer group "workers" (at-least-once delivery)
 *   <p>:delayed   sorted set of jobs waiting for a retry, scored by due time (ms)
 *   <p>:dlq       stream of dead letters with their full error context
 * A job carries media id, tenant, source URL, attempt and request id; the catalog row stays
 * the source of truth (workers re-read it).
 *
 * Moving due retries back to the stream and moving a job to the dead letters are single Lua
 * scripts, so a crash between the two halves cannot lose or duplicate the job.
 * A connection's failures and reconnects are redis.h's (rediss:// is refused there).
 *
 * Thread: a media_queue is one connection; one thread at a time.
 */
#ifndef MEDIA_QUEUE_H
#define MEDIA_QUEUE_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct media_queue media_queue;

typedef struct media_queue_options {
    const char *url;    /* redis://[:password@]host[:port][/db] */
    const char *prefix; /* key prefix; NULL: "mediagate" */
    long timeout_ms;    /* connect and command timeout (default 2000) */
} media_queue_options;

/* Parse and check a Redis URL without connecting (for start-up validation). */
media_code media_queue_url_check(const char *url, media_error *err);

/* Connect. MEDIA_ERR_CONFIG for a bad or rediss:// URL; MEDIA_ERR_NETWORK (transient) when
 * Redis cannot be reached. Never echoes the URL's password. Caller closes. */
media_queue *media_queue_connect(const media_queue_options *o, media_error *err);
void media_queue_close(media_queue *q);
/* The queue's Redis connection (borrowed), for other users of the same server: the shared
 * rate limiter (ratelimit.h). Same thread rules as the queue. */
struct media_redis;
struct media_redis *media_queue_redis(media_queue *q);

typedef struct media_job {
    char msg_id[48]; /* stream entry id ("" for a job not yet in the stream) */
    char media_id[40];
    char tenant[64];
    char source_url[8200];
    int attempt; /* attempts made before this delivery */
    char request_id[80];
    long deliveries; /* times the stream delivered this entry (1 when fresh) */
} media_job;

/* Pure: a job from a stream entry's fields (name/value pairs, not NUL-terminated; unknown
 * ones ignored, values cut to their field's size, attempt clamped to 0..1000000). job->msg_id
 * is kept. False when there is no media_id. */
bool media_job_from_fields(size_t n, const char *const *names, const size_t *name_lens,
                           const char *const *values, const size_t *value_lens, media_job *job);

/* Create the consumer group (and stream) when missing. Once per handle: again only after a
 * take failed. */
media_code media_queue_ensure_group(media_queue *q, media_error *err);
/* Append a job to the stream. */
media_code media_queue_add(media_queue *q, const media_job *job, media_error *err);
/*
 * Take up to one job for consumer: first a pending entry idle for at least reclaim_idle_ms
 * (XAUTOCLAIM: a dead worker's job; looked for at most once a second per handle while none is
 * found), else a new one (XREADGROUP, blocking up to block_ms).
 * *got is false when there was nothing. job->deliveries counts deliveries (poison check).
 */
media_code media_queue_take(media_queue *q, const char *consumer, long reclaim_idle_ms,
                            long block_ms, media_job *job, bool *got, media_error *err);
/*
 * The stream as a clock, for the outbox sweeper: *delivered_ms gets the time part of the last
 * entry the consumer group was given (stream ids are the adding server's clock in ms; 0 when
 * nothing was), *drained whether every entry ever added has been given to a worker (then
 * nothing waits in the stream). A missing stream is drained.
 */
media_code media_queue_delivered(media_queue *q, int64_t *delivered_ms, bool *drained,
                                 media_error *err);
/* Keep an entry's claim alive (resets its idle time) while it is being worked on. */
media_code media_queue_touch(media_queue *q, const char *consumer, const char *msg_id,
                             media_error *err);
/* Acknowledge and delete an entry. */
media_code media_queue_ack(media_queue *q, const char *msg_id, media_error *err);
/* The same, and PUBLISH message on channel in the same round trip (one script: both happen or
 * neither). channel NULL: only the ack. */
media_code media_queue_ack_publish(media_queue *q, const char *msg_id, const char *channel,
                                   const char *message, media_error *err);
/* Atomically acknowledge entry msg_id (may be "") and schedule job for due_ms (a retry). */
media_code media_queue_retry_later(media_queue *q, const char *msg_id, const media_job *job,
                                   int64_t due_ms, media_error *err);
/* Atomically move due retries (score <= now_ms) back to the stream; *moved gets the count. */
media_code media_queue_promote_due(media_queue *q, int64_t now_ms, int limit, long *moved,
                                   media_error *err);

/* Dead-letter context. */
typedef struct media_dead_letter {
    char id[48]; /* dlq entry id */
    media_job job;
    char error_class[16];
    char error[512];
    int http_status;
    char worker[128];
    int64_t failed_at_ms;
} media_dead_letter;

/* Atomically acknowledge msg_id (may be "") and add a dead letter. Entries older than
 * retention_ms are trimmed in the same step. */
media_code media_queue_dead_letter(media_queue *q, const char *msg_id, const media_dead_letter *dl,
                                   int64_t now_ms, int64_t retention_ms, media_error *err);
/* List dead letters oldest first from `after` (exclusive; NULL = start), up to count. *out
 * is malloc'd (free it). */
media_code media_queue_dlq_list(media_queue *q, const char *after, int count,
                                media_dead_letter **out, size_t *n, media_error *err);
/* One dead letter by id. MEDIA_ERR_NOT_FOUND when absent. */
media_code media_queue_dlq_get(media_queue *q, const char *id, media_dead_letter *out,
                               media_error *err);
/* Delete one (replayed or purged). */
media_code media_queue_dlq_delete(media_queue *q, const char *id, media_error *err);
/* Delete entries older than older_than_ms before now_ms (0: all). *removed gets the count. */
media_code media_queue_dlq_purge(media_queue *q, int64_t now_ms, int64_t older_than_ms,
                                 long *removed, media_error *err);

typedef struct media_queue_stats {
    long stream_length; /* entries in the job stream (waiting + pending) */
    long pending;       /* delivered, not acknowledged */
    long delayed;       /* waiting for a retry */
    long dead;          /* dead letters */
} media_queue_stats;

media_code media_queue_stats_get(media_queue *q, media_queue_stats *out, media_error *err);
media_code media_queue_ping(media_queue *q, media_error *err);

#endif
