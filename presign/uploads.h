/*
 * uploads.h - direct uploads (issue 16): the client puts the bytes into the bucket with
 * presigned requests; the API never sees them, and nothing is ready until a verification job
 * has checked the object (ingest/verify.h). Routes (scope write; Idempotency-Key honoured):
 *
 *   POST /api/v1/uploads  {"size_bytes", "content_type"?, "filename"?, "metadata"?,
 *                          "multipart"?}
 *     -> 201 {"media": the record (status uploading), "expires_at", and how to send:
 *             "put":  {"method": "PUT", "url", "headers": {"Content-Length"[, "Content-Type"]}}
 *                     (signed: S3 refuses another length or type) and
 *             "post": {"url", "fields": {...}} (an HTML form: its policy pins the key, the exact
 *                     length and the type), when size_bytes <= MEDIAGATE_UPLOAD_SINGLE_MAX and
 *                     multipart was not asked for; else
 *             "multipart": {"upload_id", "part_size", "parts": [{"part_number", "size", "url"}]}
 *                     (the service created the upload; each part URL signs its number, the
 *                     upload id and the part's length)}
 *     A size over MEDIAGATE_MAX_BYTES (413) or a content type that is not allowed (422) is
 *     refused before any URL is issued.
 *   POST /api/v1/uploads/{id}/complete  [{"parts": [{"part_number", "etag"}]}]
 *     -> 202 the record (queued: the verification job). For multipart the service completes
 *     the upload itself with the parts given (required). Completing again answers 202 with
 *     the record as it is; an expired upload 409; another tenant's 404.
 *
 * The handlers reach the catalog, the queue and S3 through ports.h (unit-tested with fakes in
 * tests/unit/test_upload_handlers.c); the backend's ports block on a backend thread.
 */
#ifndef PRESIGN_UPLOADS_H
#define PRESIGN_UPLOADS_H

#include "body.h"
#include "config.h"
#include "media/catalog.h"
#include "media/mem.h"
#include "request.h"
#include "routes.h"

#include <time.h>

#include <stdbool.h>
#include <stdint.h>

/* The route table's row for /api/v1/uploads (routes.h): POST /api/v1/uploads (body UPLOAD)
 * and POST /api/v1/uploads/{id}/complete (body COMPLETE; the id into call->rt.id,
 * lower-case). */
int presign_uploads_match(const presign_request *req, presign_response *res, presign_call *call);
void presign_uploads_handle(const presign_handler_ctx *c, const presign_request *req,
                            const presign_call *call, presign_response *res);

/* Shared with the Uppy routes (uppy.h). */
/* A presigned PUT of rec's staging object, or of part `part` of multipart upload upload_id;
 * length (>= 0) and type (non-NULL) are signed. url: cap bytes. */
media_code presign_upload_put_url(const presign_handler_ctx *c, const media_record *rec, time_t now,
                                  long expires, const char *part, const char *upload_id,
                                  int64_t length, const char *type, char *url, size_t cap,
                                  media_error *err);
/* The members "url": ..., "fields": {...} of an HTML form upload of rec's staging object. */
media_code presign_upload_post_form(const presign_handler_ctx *c, const media_record *rec,
                                    time_t now, long expires, const char *type, media_buf *out,
                                    media_error *err);
/* Answer a completion that failed: at the S3 step (s3_step) a permanent refusal is 422, at
 * the catalog's a lapsed upload 409; anything else presign_unavailable's 503. */
void presign_upload_complete_failed(const presign_handler_ctx *c, const presign_request *req,
                                    presign_response *res, bool s3_step, const media_error *err);
/* Seconds a URL for rec's upload may live from now: MEDIAGATE_UPLOAD_EXPIRES_S, but never past
 * the upload's own expiry (0 or less: it is over). */
long presign_upload_lifetime(const presign_config *cfg, const media_record *rec, time_t now);

/* Pure: the part size for size bytes: the configured one, grown so that no more than 10000
 * parts are needed; *count gets the number of parts. */
int64_t presign_upload_part_size(int64_t size, int64_t configured, int *count);

#endif
