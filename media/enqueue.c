/*
 * enqueue.c - row first, stream second.
 */
#include "enqueue.h"

#include <stdio.h>
#include <string.h>

/* Add the job of queued row r to the stream (attempt = r->attempts). */
static media_code add(media_queue *q, const media_record *r, media_error *err)
{
    media_job job;
    memset(&job, 0, sizeof(job));
    snprintf(job.media_id, sizeof(job.media_id), "%s", r->id);
    snprintf(job.tenant, sizeof(job.tenant), "%s", r->tenant);
    snprintf(job.source_url, sizeof(job.source_url), "%s", r->source_url ? r->source_url : "");
    snprintf(job.request_id, sizeof(job.request_id), "%s", r->request_id);
    job.attempt = r->attempts;
    return media_queue_add(q, &job, err);
}

media_code media_enqueue_publish(media_db *db, media_queue *q, const media_record *r,
                                 media_error *err)
{
    media_code rc = add(q, r, err);
    if (rc == MEDIA_OK) { /* published: the sweeper is only the safety net now */
        media_error e;    /* not marking is harmless: at worst the sweeper publishes it again,
                           * and the claim makes the second message a no-op */
        (void)media_catalog_mark_published(db, r->id, 0, &e);
    }
    return rc;
}

bool media_enqueue_may_be_waiting(int64_t due_ms, int64_t delivered_ms, bool drained,
                                  int64_t now_ms)
{
    if (drained || due_ms < 0)
        return false; /* nothing waits in the stream (or the row's time is unreadable) */
    if (due_ms < now_ms - MEDIA_REPUBLISH_AFTER_S * 1000L)
        return false; /* as long as a published row is trusted; clocks far apart end here */
    return delivered_ms < due_ms + MEDIA_STREAM_CLOCK_MARGIN_MS;
}

media_code media_enqueue_reschedule(media_db *db, media_queue *q, const char *msg_id,
                                    const media_job *job, long delay_ms, int64_t now_ms,
                                    media_error *err)
{
    if (delay_ms < 0)
        delay_ms = 0;
    media_code rc = media_queue_retry_later(q, msg_id, job, now_ms + delay_ms, err);
    if (rc == MEDIA_OK && db) {
        media_error e; /* not marking is harmless: at worst the sweeper publishes it again */
        (void)media_catalog_mark_published(db, job->media_id, delay_ms, &e);
    }
    return rc;
}

media_code media_enqueue(media_db *db, media_queue *q, const media_create_request *req,
                         media_record *out, bool *created, bool *queued, media_error *queue_err,
                         media_error *err)
{
    *queued = false;
    media_code rc = media_catalog_create(db, req, out, created, err);
    if (rc != MEDIA_OK || !*created)
        return rc; /* an idempotent repeat: the first request enqueued it (or the sweeper will) */
    if (q == NULL) {
        media_error_set(queue_err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                        "Redis unavailable; the outbox sweeper will enqueue the job");
        return MEDIA_OK;
    }
    /* not marked published: the sweeper tells a waiting entry by the stream's clock
     * (media_enqueue_may_be_waiting), which saves the accept path a catalog write */
    *queued = add(q, out, queue_err) == MEDIA_OK;
    return MEDIA_OK;
}
