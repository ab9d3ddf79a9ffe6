/*
 * enqueue.h - accept an ingest job: the catalog row first (status queued: the outbox), then
 * the Redis stream. If Redis is unreachable the job is still accepted; the workers' outbox
 * sweeper enqueues rows that stayed queued. Shared by `mediagate enqueue` and the front end.
 */
#ifndef MEDIA_ENQUEUE_H
#define MEDIA_ENQUEUE_H

#include "catalog.h"
#include "db.h"
#include "queue.h"

#include <stdbool.h>

/*
 * Publish the job of queued row r: add it to the stream (attempt = r->attempts), then mark the
 * row published so the outbox sweeper leaves it alone. Errors are Redis's (the row stays as it
 * was, for the sweeper); failing to mark the row is not an error (worst case: republished
 * later, which delivery tolerates).
 */
media_code media_enqueue_publish(media_db *db, media_queue *q, const media_record *r,
                                 media_error *err);

/*
 * Put a job back to run after delay_ms: acknowledge msg_id (may be "") and add the job to the
 * delayed set in one Redis step, then mark the row published (db may be NULL: not marked) so
 * the outbox sweeper leaves it alone. now_ms is the wall clock (the delayed set's scores).
 * Errors are Redis's: the message then stays where it was (pending: reclaimed later).
 */
media_code media_enqueue_reschedule(media_db *db, media_queue *q, const char *msg_id,
                                    const media_job *job, long delay_ms, int64_t now_ms,
                                    media_error *err);

/*
 * Create (or, with an idempotency key, find) the row and enqueue it when newly created.
 * q may be NULL (Redis down at start). *queued tells whether the stream got the job now;
 * *queue_err (may be NULL) says why not. Errors are the catalog's only.
 * The row is not marked published (one write less per job): the sweeper leaves it alone while
 * media_enqueue_may_be_waiting says its entry may still wait in the stream.
 */
media_code media_enqueue(media_db *db, media_queue *q, const media_create_request *req,
                         media_record *out, bool *created, bool *queued, media_error *queue_err,
                         media_error *err);

/*
 * The outbox sweeper's test for a queued row it found due since due_ms (its next_attempt_at,
 * the catalog's clock) and never marked published: may its stream entry still be waiting?
 * Entries are delivered in id order and an id is the adding server's clock, so once the
 * consumer group has been given entries added MEDIA_STREAM_CLOCK_MARGIN_MS after due_ms
 * (delivered_ms, from media_queue_delivered), the row's entry, if it was ever added, was
 * delivered before them; and when the stream is drained nothing waits. False (publish
 * again) in both cases, and for rows due longer than MEDIA_REPUBLISH_AFTER_S ago whatever the
 * clocks say. A wrong "false" costs one duplicate message, which the claim makes harmless;
 * "true" only ever postpones, until later entries are delivered or the stream drains.
 */
#define MEDIA_STREAM_CLOCK_MARGIN_MS 5000
bool media_enqueue_may_be_waiting(int64_t due_ms, int64_t delivered_ms, bool drained,
                                  int64_t now_ms);

#endif
