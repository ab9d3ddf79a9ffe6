/*
 * ports.h - inside the front end: what every handler family (media, uploads, Uppy, webhooks,
 * readiness) needs from PostgreSQL, Redis and S3, as one struct of functions.
 * presign_ports_backend gives the real ones, over a backend thread's connections (a
 * connection that failed is closed there and re-opened on next use); unit tests pass fakes
 * and run the handlers without servers (tests/unit/test_handlers.c, test_upload_handlers.c).
 *
 * Every function returns MEDIA_OK or an error whose code the handler maps: MEDIA_ERR_NOT_FOUND
 * (404), MEDIA_ERR_INVALID (422/400), MEDIA_ERR_CONFLICT (409), anything else a dependency
 * that failed (presign_unavailable: 503 with Retry-After). Output records are the caller's to
 * clean up (media_record_cleanup) whatever the result; lists as documented per function.
 */
#ifndef PRESIGN_PORTS_H
#define PRESIGN_PORTS_H

#include "body.h"
#include "media/catalog.h"
#include "media/error.h"
#include "media/uploads.h"
#include "media/webhook.h"

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

    /* ---- direct uploads and Uppy (uploads.h, uppy.h) ---- */
    /* An uploading row (media/uploads.h media_upload_create: idempotent replays, 409, 422). */
    media_code (*upload_create)(void *ud, const media_upload_request *req, media_record *out,
                                bool *created, media_error *err);
    /* S3 starts a multipart upload of rec's staging key (type declared when non-NULL) and the
     * catalog records its id, which lands in rec->upload_id. */
    media_code (*upload_start_multipart)(void *ud, media_record *rec, const char *type,
                                         media_error *err);
    /* The tenant's uploading row of a multipart upload id (Uppy names uploads by it). */
    media_code (*upload_find_multipart)(void *ud, const char *tenant, const char *upload_id,
                                        media_record *out, media_error *err);
    /* S3 completes rec's multipart upload with parts (MEDIA_OK too when it was completed
     * before). An error of class MEDIA_CLASS_PERMANENT is S3 refusing the parts (422). */
    media_code (*upload_finish_multipart)(void *ud, const media_record *rec,
                                          const presign_complete_body *parts, media_error *err);
    /* uploading -> queued, then the verification job published (best effort: the outbox
     * sweeper covers a Redis failure). *changed false when it was completed before. */
    media_code (*upload_complete)(void *ud, const char *tenant, const char *id, media_record *out,
                                  bool *changed, media_error *err);
    /* S3 aborts rec's multipart upload, then the row turns failed. */
    media_code (*upload_abort)(void *ud, const char *tenant, const media_record *rec,
                               media_error *err);

    /* ---- webhook endpoints and deliveries (webhooks.h; media/webhook.h for each) ---- */
    media_code (*webhook_create)(void *ud, const char *tenant, const char *url, unsigned events,
                                 media_webhook_endpoint *out, media_error *err);
    /* *out (count *n) freed by the caller with media_webhook_endpoints_free. */
    media_code (*webhook_list)(void *ud, const char *tenant, media_webhook_endpoint **out,
                               size_t *n, media_error *err);
    media_code (*webhook_delete)(void *ud, const char *tenant, const char *id, media_error *err);
    media_code (*webhook_rotate_secret)(void *ud, const char *tenant,
                                        char out[MEDIA_WEBHOOK_SECRET_LEN + 1], media_error *err);
    /* *out (count *n) freed by the caller with media_deliveries_free. */
    media_code (*webhook_deliveries)(void *ud, const char *tenant,
                                     const media_delivery_status *status, int limit,
                                     media_delivery **out, size_t *n, media_error *err);
    media_code (*webhook_replay)(void *ud, const char *tenant, const char *id, media_error *err);

    /* ---- the tenant's settings (settings.h; media/catalog.h) ---- */
    /* its metadata policy into out ("" when the service's applies) */
    media_code (*settings_get)(void *ud, const char *tenant, char out[16], media_error *err);
    /* set it (policy ""/NULL: back to the service's) */
    media_code (*settings_set)(void *ud, const char *tenant, const char *policy, media_error *err);
    void *ud;
} presign_ports;

#endif
