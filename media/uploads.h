/*
 * uploads.h - direct uploads in the catalog (issue 16): a row in 'uploading' while the client
 * puts the bytes into the bucket with presigned requests, completed into the queue (the
 * verification job: ingest/verify.h), or failed by the sweeper when it expires.
 *
 *   (create) -> uploading --complete--> queued -> fetching -> ready | failed (verified)
 *                   \--expire (sweeper)--> failed
 *
 * An upload's row is an ordinary media row (origin 'upload', no source_url) with what the
 * client declared (size, type, filename) and when the upload lapses; once ready it is
 * indistinguishable from an ingested one. Multipart uploads the service creates are recorded
 * in upload_id while uploading (the sweeper aborts them; the ingest upload sweeper leaves rows
 * with an upload expiry alone).
 *
 * Ownership: as catalog.h. Thread: the caller's media_db.
 */
#ifndef MEDIA_UPLOADS_H
#define MEDIA_UPLOADS_H

#include "catalog.h"

typedef struct media_upload_request {
    const char *tenant;
    int64_t size_bytes; /* -1: not declared (Uppy's routes); verified against the limit only */
    const char *content_type;    /* NULL: none declared */
    const char *filename;        /* NULL: none */
    const char *metadata;        /* JSON object text; NULL: {} */
    const char *idempotency_key; /* NULL: none */
    const char *bucket;
    const char *request_id;  /* NULL: none */
    long expires_s;          /* the upload lapses after this */
    const char *traceparent; /* NULL: none */
} media_upload_request;

/* Create an 'uploading' row. With an idempotency key the same tenant + key returns the existing
 * row (*created false) when size, type, filename and metadata are the same, and
 * MEDIA_ERR_CONFLICT when they differ. MEDIA_ERR_INVALID for bad fields. */
media_code media_upload_create(media_db *db, const media_upload_request *req, media_record *out,
                               bool *created, media_error *err);
/* Record the multipart upload the service created for an uploading row. */
media_code media_upload_record_multipart(media_db *db, const char *id, const char *upload_id,
                                         media_error *err);
/* uploading -> queued (the verification job), for the tenant's row before it expires; the
 * multipart upload, completed by the caller first, is forgotten. Already completed (queued,
 * fetching, ready, failed): MEDIA_OK with *changed false (completing twice is harmless).
 * MEDIA_ERR_NOT_FOUND: another tenant's, deleted or not an upload. MEDIA_ERR_CONFLICT: it
 * expired. *out holds the row. */
media_code media_upload_complete(media_db *db, const char *tenant, const char *id,
                                 media_record *out, bool *changed, media_error *err);
/* Uploads whose expiry passed, oldest first (the sweeper's work). */
media_code media_uploads_expired(media_db *db, int limit, media_page *out, media_error *err);
/* The key a direct upload's presigned requests write (issue 25, defect 1): for a staged upload
 * "staging/<object key>", never the key that is served — the verification promotes what it
 * checked from there (ingest/verify.h), so bytes put after the check are never served; for an
 * upload created before staging, the object key itself. out: MEDIA_UPLOAD_WRITE_KEY_MAX. */
#define MEDIA_UPLOAD_STAGING_PREFIX "staging/"
#define MEDIA_UPLOAD_WRITE_KEY_MAX  (MEDIA_OBJECT_KEY_MAX + sizeof(MEDIA_UPLOAD_STAGING_PREFIX))
void media_upload_write_key(const media_record *r, char out[MEDIA_UPLOAD_WRITE_KEY_MAX]);
/* Finished uploads (ready, failed or deleted) whose last URL has lapsed and whose staging key
 * may still hold what a late PUT left: the workers delete the key, then clear it. */
media_code media_uploads_staged_done(media_db *db, int limit, media_page *out, media_error *err);
media_code media_upload_staging_cleared(media_db *db, const char *id, media_error *err);

/* Single (not multipart) uploads still uploading, for the worker's check of which are in the
 * bucket: at most per_tenant of each tenant, so one tenant's unused uploads never crowd out
 * another's (issue 25, defect 3), drawn at random within a tenant so all of its are seen in
 * turn; at most limit in all. */
media_code media_uploads_puts_to_check(media_db *db, int per_tenant, int limit, media_page *out,
                                       media_error *err);
/* Multipart uploads of no declared size (Uppy's: nothing signed their parts' lengths) still
 * open, to be measured against MEDIAGATE_MAX_BYTES (issue 25, defect 4): at most per_tenant
 * of each tenant, at most limit in all, fairly as above. */
media_code media_uploads_growing(media_db *db, int per_tenant, int limit, media_page *out,
                                 media_error *err);
/* An open upload -> failed with reason (permanent), its media.failed event sent. MEDIA_OK
 * with *changed false when it was no longer uploading. */
media_code media_upload_fail(media_db *db, const char *id, const char *reason, bool *changed,
                             media_error *err);
/* Uploads still uploading (any tenant when tenant is NULL), oldest first: `mediagate uploads
 * --direct`. */
media_code media_uploads_pending(media_db *db, const char *tenant, int limit, media_page *out,
                                 media_error *err);
/* The tenant's uploading row of a multipart upload, by its upload id (Uppy's routes name
 * uploads by it). MEDIA_ERR_NOT_FOUND otherwise. */
media_code media_upload_find_multipart(media_db *db, const char *tenant, const char *upload_id,
                                       media_record *out, media_error *err);
/* uploading -> failed ("the client aborted the upload"); a row not uploading is left alone. */
media_code media_upload_abort(media_db *db, const char *tenant, const char *id, media_error *err);
/* An expired upload -> failed ("upload expired ..."), with its media.failed event. MEDIA_OK
 * with *changed false when it was completed meanwhile. Expired and aborted rows keep their
 * upload_expires_at (completed ones have none): completing them later is MEDIA_ERR_CONFLICT,
 * never mistaken for a completed upload whose verification failed. */
media_code media_upload_expire(media_db *db, const char *id, bool *changed, media_error *err);

#endif
