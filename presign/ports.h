/*
 * ports.h - inside the front end: what the /api/v1 handlers need from PostgreSQL, Redis and
 * S3, as a small struct of functions. presign_ports_backend gives the real ones, over a
 * backend thread's connections (a connection that failed is closed and re-opened on next
 * use); unit tests pass fakes and run the handlers without servers.
 *
 * Every function returns MEDIA_OK or an error whose code the handler maps: MEDIA_ERR_NOT_FOUND
 * (404), MEDIA_ERR_INVALID (422/400), MEDIA_ERR_CONFLICT, anything else "unavailable" (503).
 */
#ifndef PRESIGN_PORTS_H
#define PRESIGN_PORTS_H

#include "media/catalog.h"
#include "media/error.h"

#include <stdbool.h>

typedef struct presign_ports {
    /* Accept an ingest: the catalog row, then the stream (*queued false when Redis failed:
     * the row is the outbox and a sweeper publishes it; *queue_err says why). */
    media_code (*create)(void *ud, const media_create_request *req, media_record *out,
                         bool *created, bool *queued, media_error *queue_err, media_error *err);
    /* The tenant's record (deleted ones included: the handler answers 404 for them). */
    media_code (*get)(void *ud, const char *tenant, const char *id, media_record *out,
                      media_error *err);
    /* A page of the tenant's records: by page number, or after a cursor (after != NULL). */
    media_code (*list)(void *ud, const char *tenant, const media_status *status, const char *after,
                       long long page, int size, media_page *out, media_error *err);
    /* Ingest the tenant's failed record again (dead-letter replay): failed -> queued with
     * attempts from zero, then the stream (*queued as for create; the sweeper covers a Redis
     * failure). MEDIA_ERR_NOT_FOUND for another tenant's or a deleted record,
     * MEDIA_ERR_CONFLICT when it is not failed. *out is the row. */
    media_code (*retry)(void *ud, const char *tenant, const char *id, media_record *out,
                        bool *queued, media_error *err);
    /* Mark the tenant's record deleted; *out is the row as it was. */
    media_code (*soft_delete)(void *ud, const char *tenant, const char *id, media_record *out,
                              media_error *err);
    /* Delete an object from the bucket (gc retries what fails). */
    media_code (*delete_object)(void *ud, const char *key, media_error *err);
    /* Abort a multipart upload (the workers' upload sweeper retries what fails). */
    media_code (*abort_upload)(void *ud, const char *key, const char *upload_id, media_error *err);
    /* Readiness of each dependency. */
    bool (*ping_db)(void *ud);
    bool (*ping_queue)(void *ud);
    bool (*ping_s3)(void *ud);
    /* The record left queued/fetching or was deleted: wake waiting reads on every replica
     * (media/events.h; best effort). With the tenant (a delete), every replica also drops its
     * cached copy of the record at once (issue 29, item 5): the message is "tenant/id". */
    void (*announce)(void *ud, const char *tenant, const char *id);
    void *ud;
} presign_ports;

#endif
