/*
 * uploads.c - direct uploads in the catalog (see uploads.h).
 */
#include "uploads.h"
#include "json.h"
#include "s3_location.h"
#include "uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS MEDIA_RECORD_COLS

/* what an idempotent replay must match: the declared size, type, filename and metadata */
#define FINGERPRINT(size, type, name, meta)                                                        \
    "encode(sha256(convert_to('upload' || chr(10) || " size " || chr(10) || coalesce(" type        \
    ", '') || chr(10) || coalesce(" name ", '') || chr(10) || " meta "::jsonb::text, 'UTF8')),"    \
    " 'hex')"

static bool printable(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !media_utf8_valid(s))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

media_code media_upload_create(media_db *db, const media_upload_request *req, media_record *out,
                               bool *created, media_error *err)
{
    *created = false;
    memset(out, 0, sizeof(*out));
    if (!media_tenant_valid(req->tenant))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "invalid tenant");
    if (req->size_bytes < -1)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "size_bytes must be 0 or more (-1: not declared)");
    if (req->idempotency_key && !media_idempotency_key_valid(req->idempotency_key))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "idempotency key must be 1..%d printable ASCII characters",
                               MEDIA_IDEMPOTENCY_KEY_MAX);
    if (req->filename && !printable(req->filename, 255))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "filename must be 1..255 printable characters");
    if (req->content_type && !printable(req->content_type, 127))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "content_type is not a media type");
    const char *metadata = req->metadata ? req->metadata : "{}";
    if (strlen(metadata) > MEDIA_METADATA_MAX_BYTES)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "metadata is larger than %d bytes", MEDIA_METADATA_MAX_BYTES);
    if (!media_s3_bucket_name_valid(req->bucket))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "invalid bucket");
    char id[MEDIA_UUID_STR], key[MEDIA_OBJECT_KEY_MAX], size[24], exp[24];
    media_uuid7_new(id);
    media_object_key(req->tenant, id, key);
    snprintf(size, sizeof(size), "%lld", (long long)req->size_bytes);
    snprintf(exp, sizeof(exp), "%ld", req->expires_s);
    const char *tp = req->traceparent && strlen(req->traceparent) == 55 ? req->traceparent : NULL;
    const char *sz = req->size_bytes >= 0 ? size : NULL;
    const char *p[] = {
        id, req->tenant,       req->idempotency_key, metadata, req->bucket, key, req->request_id,
        sz, req->content_type, req->filename,        exp,      tp};
    bool found;
    media_code rc = media_record_query_one(
        db,
        "INSERT INTO media (id, tenant_id, status, origin, idempotency_key, request_sha256,"
        " metadata, bucket, object_key, request_id, declared_size, declared_type, filename,"
        " upload_expires_at, staged_until, traceparent) VALUES ($1, $2, 'uploading', 'upload', "
        "$3, " FINGERPRINT(
            "coalesce($8::text, '-')", "$9::text", "$10::text",
            "$4") ", $4::jsonb, $5, $6, $7, $8::bigint, $9, $10,"
                  " now() + $11::bigint * interval '1 second',"
                  " now() + $11::bigint * interval '1 second', $12)"
                  " ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING " COLS,
        12, p, out, &found, err);
    if (rc != MEDIA_OK) {
        const char *state = media_db_last_sqlstate(db);
        if (strcmp(state, "23503") == 0)
            return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                                   "unknown tenant '%s'", req->tenant);
        if (strncmp(state, "22", 2) == 0 || strcmp(state, "23514") == 0)
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "metadata must be a JSON object");
        return rc;
    }
    if (found) {
        *created = true;
        return MEDIA_OK;
    }
    /* the key was used before: the same declaration returns that row */
    media_db_result *r;
    const char *q[] = {req->tenant,       req->idempotency_key, sz,
                       req->content_type, req->filename,        metadata};
    rc = media_db_query(db,
                        "SELECT " COLS ", request_sha256 = " FINGERPRINT(
                            "coalesce($3::text, '-')", "$4::text", "$5::text",
                            "$6") " FROM media WHERE tenant_id = $1 AND idempotency_key = $2",
                        6, q, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    bool same = media_db_result_rows(r) > 0 &&
                strcmp(media_db_result_value(r, 0, MEDIA_RECORD_NCOLS), "t") == 0;
    if (same)
        media_record_parse_row(r, 0, out);
    media_db_result_free(r);
    if (!same)
        return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT,
                               "idempotency key already used for a different request");
    return MEDIA_OK;
}

media_code media_upload_record_multipart(media_db *db, const char *id, const char *upload_id,
                                         media_error *err)
{
    const char *p[] = {id, upload_id};
    return media_db_exec(db,
                         "UPDATE media SET upload_id = $2, updated_at = now() WHERE id = $1"
                         " AND upload_expires_at IS NOT NULL",
                         2, p, NULL, err);
}

media_code media_upload_complete(media_db *db, const char *tenant, const char *id,
                                 media_record *out, bool *changed, media_error *err)
{
    *changed = false;
    memset(out, 0, sizeof(*out));
    if (!media_uuid_valid(id) || !media_tenant_valid(tenant))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such upload");
    const char *p[] = {id, tenant};
    bool found;
    media_code rc = media_record_query_one(
        db,
        "UPDATE media SET status = 'queued', upload_expires_at = NULL, upload_id = NULL,"
        " next_attempt_at = now(), updated_at = now() WHERE id = $1 AND tenant_id = $2"
        " AND status = 'uploading' AND upload_expires_at > now() RETURNING " COLS,
        2, p, out, &found, err);
    if (rc != MEDIA_OK || found) {
        *changed = found;
        return rc;
    }
    rc = media_catalog_get(db, tenant, id, out, err);
    if (rc != MEDIA_OK)
        return rc;
    if (!out->upload || out->status == MEDIA_STATUS_DELETED)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such upload");
    if (out->status == MEDIA_STATUS_UPLOADING ||
        (out->status == MEDIA_STATUS_FAILED && out->upload_expires_at[0]))
        return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT,
                               "the upload expired or was aborted before it was completed "
                               "(expiry %s)",
                               out->upload_expires_at);
    return MEDIA_OK; /* completed before */
}

static media_code page_of(media_db *db, const char *sql, int n, const char *const *p,
                          media_page *out, media_error *err)
{
    memset(out, 0, sizeof(*out));
    media_db_result *r;
    media_code rc = media_db_query(db, sql, n, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    media_record_fill_page(r, out);
    out->total = -1;
    media_db_result_free(r);
    return MEDIA_OK;
}

media_code media_uploads_expired(media_db *db, int limit, media_page *out, media_error *err)
{
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *p[] = {lim};
    return page_of(db,
                   "SELECT " COLS " FROM media WHERE upload_expires_at < now()"
                   " AND status = 'uploading' ORDER BY upload_expires_at LIMIT $1::int",
                   1, p, out, err);
}

void media_upload_write_key(const media_record *r, char out[MEDIA_UPLOAD_WRITE_KEY_MAX])
{
    snprintf(out, MEDIA_UPLOAD_WRITE_KEY_MAX, "%s%s", r->staged ? MEDIA_UPLOAD_STAGING_PREFIX : "",
             r->object_key);
}

media_code media_uploads_staged_done(media_db *db, int limit, media_page *out, media_error *err)
{
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *p[] = {lim};
    return page_of(db,
                   "SELECT " COLS " FROM media WHERE staged_until < now()"
                   " AND status IN ('ready', 'failed', 'deleted') ORDER BY staged_until"
                   " LIMIT $1::int",
                   1, p, out, err);
}

media_code media_upload_staging_cleared(media_db *db, const char *id, media_error *err)
{
    const char *p[] = {id};
    return media_db_exec(db, "UPDATE media SET staged_until = NULL WHERE id = $1", 1, p, NULL, err);
}

media_code media_uploads_puts_to_check(media_db *db, int per_tenant, int limit, media_page *out,
                                       media_error *err)
{
    char pt[16], lim[16];
    snprintf(pt, sizeof(pt), "%d", per_tenant);
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *p[] = {pt, lim};
    return page_of(db,
                   "SELECT " COLS " FROM (SELECT *, row_number() OVER (PARTITION BY tenant_id"
                   " ORDER BY random()) AS turn FROM media WHERE upload_expires_at IS NOT NULL"
                   " AND status = 'uploading' AND upload_id IS NULL) m WHERE turn <= $1::int"
                   " ORDER BY turn, upload_expires_at LIMIT $2::int",
                   2, p, out, err);
}

media_code media_uploads_growing(media_db *db, int per_tenant, int limit, media_page *out,
                                 media_error *err)
{
    char pt[16], lim[16];
    snprintf(pt, sizeof(pt), "%d", per_tenant);
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *p[] = {pt, lim};
    return page_of(db,
                   "SELECT " COLS " FROM (SELECT *, row_number() OVER (PARTITION BY tenant_id"
                   " ORDER BY random()) AS turn FROM media WHERE upload_expires_at IS NOT NULL"
                   " AND status = 'uploading' AND upload_id IS NOT NULL AND declared_size IS NULL)"
                   " m WHERE turn <= $1::int ORDER BY turn, upload_expires_at LIMIT $2::int",
                   2, p, out, err);
}

media_code media_upload_fail(media_db *db, const char *id, const char *reason, bool *changed,
                             media_error *err)
{
    *changed = false;
    const char *p[] = {id, reason};
    media_record m;
    bool found;
    media_code rc = media_record_query_one(
        db,
        "WITH m AS (UPDATE media SET status = 'failed', error_class = 'permanent',"
        " last_error = $2, upload_id = NULL, updated_at = now() WHERE id = $1"
        " AND status = 'uploading' RETURNING *)" MEDIA_CATALOG_EVENTS("media.failed"),
        2, p, &m, &found, err);
    if (rc == MEDIA_OK && found) {
        *changed = true;
        media_record_cleanup(&m);
    }
    return rc;
}

media_code media_uploads_pending(media_db *db, const char *tenant, int limit, media_page *out,
                                 media_error *err)
{
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *p[] = {tenant, lim};
    return page_of(db,
                   "SELECT " COLS " FROM media WHERE upload_expires_at IS NOT NULL"
                   " AND status = 'uploading' AND ($1::text IS NULL OR tenant_id = $1)"
                   " ORDER BY upload_expires_at LIMIT $2::int",
                   2, p, out, err);
}

media_code media_upload_find_multipart(media_db *db, const char *tenant, const char *upload_id,
                                       media_record *out, media_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *p[] = {tenant, upload_id};
    bool found;
    media_code rc =
        media_record_query_one(db,
                               "SELECT " COLS " FROM media WHERE tenant_id = $1 AND upload_id = $2"
                               " AND upload_expires_at IS NOT NULL",
                               2, p, out, &found, err);
    if (rc == MEDIA_OK && !found)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such upload");
    return rc;
}

media_code media_upload_abort(media_db *db, const char *tenant, const char *id, media_error *err)
{
    const char *p[] = {id, tenant};
    media_record m;
    bool found;
    media_code rc = media_record_query_one(
        db,
        "WITH m AS (UPDATE media SET status = 'failed', error_class = 'permanent',"
        " last_error = 'the client aborted the upload',"
        " upload_id = NULL, updated_at = now() WHERE id = $1 AND tenant_id = $2"
        " AND status = 'uploading' RETURNING *)" MEDIA_CATALOG_EVENTS("media.failed"),
        2, p, &m, &found, err);
    if (rc == MEDIA_OK && found)
        media_record_cleanup(&m);
    return rc;
}

media_code media_upload_expire(media_db *db, const char *id, bool *changed, media_error *err)
{
    *changed = false;
    const char *p[] = {id};
    media_record m;
    bool found;
    media_code rc = media_record_query_one(
        db,
        "WITH m AS (UPDATE media SET status = 'failed', error_class = 'permanent',"
        " last_error = 'upload expired before it was completed',"
        " upload_id = NULL, updated_at = now() WHERE id = $1 AND status = 'uploading'"
        " AND upload_expires_at < now() RETURNING *)" MEDIA_CATALOG_EVENTS("media.failed"),
        1, p, &m, &found, err);
    if (rc == MEDIA_OK && found) {
        *changed = true;
        media_record_cleanup(&m);
    }
    return rc;
}
