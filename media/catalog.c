/*
 * catalog.c - the media repository on PostgreSQL (SQL and row mapping; no libpq here).
 *
 * Every statement is parameterised. Transitions are single guarded UPDATEs; when one matches
 * no row, the row is read to tell "already done" from "not allowed".
 * To add a column: add it to a migration, to COLS (same position as in parse_row) and to
 * media_record / media_record_json.
 */
#include "catalog.h"
#include "hash.h"
#include "json.h"
#include "s3_location.h"
#include "source_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS  MEDIA_RECORD_COLS
#define NCOLS MEDIA_RECORD_NCOLS

/* the fingerprint of a create request: source URL and canonical (jsonb) metadata */
#define FINGERPRINT(url, meta, cb)                                                                 \
    "encode(sha256(convert_to(" url " || chr(10) || " meta "::jsonb::text"                         \
    " || coalesce(chr(10) || " cb ", ''), 'UTF8')), 'hex')"

#define EVENTS(ev) MEDIA_CATALOG_EVENTS(ev)

static const char *const status_names[] = {"queued", "fetching", "ready",
                                           "failed", "deleted",  "uploading"};

const char *media_status_name(media_status s)
{
    return (unsigned)s <= MEDIA_STATUS_UPLOADING ? status_names[s] : "unknown";
}

bool media_status_parse(const char *s, media_status *out)
{
    for (int i = 0; s && i <= MEDIA_STATUS_UPLOADING; i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (media_status)i;
            return true;
        }
    return false;
}

void media_record_cleanup(media_record *r)
{
    free(r->source_url);
    free(r->idempotency_key);
    free(r->metadata);
    free(r->last_error);
    free(r->callback_url);
    free(r->filename);
    memset(r, 0, sizeof(*r));
}

bool media_tenant_valid(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    if (n == 0 || n >= MEDIA_TENANT_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '-' && c != '_')))
            return false;
    }
    return true;
}

bool media_idempotency_key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > MEDIA_IDEMPOTENCY_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)k[i] < 0x20 || (unsigned char)k[i] > 0x7e)
            return false;
    return true;
}

void media_object_key(const char *tenant, const char *id, char out[MEDIA_OBJECT_KEY_MAX])
{
    char in[MEDIA_TENANT_MAX + MEDIA_UUID_STR + 2];
    uint8_t h[MEDIA_SHA256_LEN];
    char hex[2 * MEDIA_SHA256_LEN + 1];
    int n = snprintf(in, sizeof(in), "%s/%s", tenant, id);
    media_sha256(in, (size_t)n, h);
    media_hex(h, sizeof(h), hex);
    snprintf(out, MEDIA_OBJECT_KEY_MAX, "%.4s/%s/%s", hex, tenant, id);
}

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

void media_record_parse_row(const media_db_result *r, int row, media_record *m)
{
    memset(m, 0, sizeof(*m));
    const char *v;
    copy(m->id, sizeof(m->id), media_db_result_value(r, row, 0));
    copy(m->tenant, sizeof(m->tenant), media_db_result_value(r, row, 1));
    media_status_parse(media_db_result_value(r, row, 2), &m->status);
    m->source_url = media_strdup(media_db_result_value(r, row, 3));
    m->idempotency_key = media_strdup(media_db_result_value(r, row, 4));
    m->metadata = media_strdup(media_db_result_value(r, row, 5));
    copy(m->bucket, sizeof(m->bucket), media_db_result_value(r, row, 6));
    copy(m->object_key, sizeof(m->object_key), media_db_result_value(r, row, 7));
    copy(m->content_type, sizeof(m->content_type), media_db_result_value(r, row, 8));
    v = media_db_result_value(r, row, 9);
    m->size_bytes = v ? strtoll(v, NULL, 10) : -1;
    copy(m->sha256, sizeof(m->sha256), media_db_result_value(r, row, 10));
    copy(m->etag, sizeof(m->etag), media_db_result_value(r, row, 11));
    v = media_db_result_value(r, row, 12);
    m->attempts = v ? atoi(v) : 0;
    copy(m->error_class, sizeof(m->error_class), media_db_result_value(r, row, 13));
    m->last_error = media_strdup(media_db_result_value(r, row, 14));
    v = media_db_result_value(r, row, 15);
    m->http_status = v ? atoi(v) : 0;
    copy(m->request_id, sizeof(m->request_id), media_db_result_value(r, row, 16));
    copy(m->created_at, sizeof(m->created_at), media_db_result_value(r, row, 17));
    copy(m->updated_at, sizeof(m->updated_at), media_db_result_value(r, row, 18));
    copy(m->next_attempt_at, sizeof(m->next_attempt_at), media_db_result_value(r, row, 19));
    copy(m->ready_at, sizeof(m->ready_at), media_db_result_value(r, row, 20));
    copy(m->deleted_at, sizeof(m->deleted_at), media_db_result_value(r, row, 21));
    copy(m->claim_owner, sizeof(m->claim_owner), media_db_result_value(r, row, 22));
    v = media_db_result_value(r, row, 23);
    m->claim_epoch = v ? strtoll(v, NULL, 10) : 0;
    copy(m->upload_id, sizeof(m->upload_id), media_db_result_value(r, row, 24));
    m->callback_url = media_strdup(media_db_result_value(r, row, 25));
    copy(m->traceparent, sizeof(m->traceparent), media_db_result_value(r, row, 26));
    copy(m->tracestate, sizeof(m->tracestate), media_db_result_value(r, row, 27));
    v = media_db_result_value(r, row, 28);
    m->upload = v && strcmp(v, "upload") == 0;
    v = media_db_result_value(r, row, 29);
    m->declared_size = v ? strtoll(v, NULL, 10) : -1;
    copy(m->declared_type, sizeof(m->declared_type), media_db_result_value(r, row, 30));
    m->filename = media_strdup(media_db_result_value(r, row, 31));
    copy(m->upload_expires_at, sizeof(m->upload_expires_at), media_db_result_value(r, row, 32));
    v = media_db_result_value(r, row, 33);
    m->staged = v && strcmp(v, "t") == 0;
    copy(m->source_sha256, sizeof(m->source_sha256), media_db_result_value(r, row, 34));
}

/* Run a query that returns COLS; parse its first row into *out when given. *found tells. */
media_code media_record_query_one(media_db *db, const char *sql, int n, const char *const *p,
                                  media_record *out, bool *found, media_error *err)
{
    media_db_result *r;
    media_code rc = media_db_query(db, sql, n, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    *found = media_db_result_rows(r) > 0;
    if (*found && out)
        media_record_parse_row(r, 0, out);
    media_db_result_free(r);
    return MEDIA_OK;
}

int media_record_json(const media_record *m, media_buf *b)
{
    int first = 1, rc = media_buf_append(b, "{", 1);
    rc |= media_json_kv_str(b, "id", m->id, &first);
    rc |= media_json_kv_str(b, "tenant", m->tenant, &first);
    rc |= media_json_kv_str(b, "status", media_status_name(m->status), &first);
    rc |= media_json_kv_str(b, "source_url", m->source_url, &first);
    if (m->idempotency_key)
        rc |= media_json_kv_str(b, "idempotency_key", m->idempotency_key, &first);
    rc |= media_json_kv_raw(b, "metadata", m->metadata ? m->metadata : "{}", &first);
    rc |= media_json_kv_str(b, "bucket", m->bucket, &first);
    rc |= media_json_kv_str(b, "object_key", m->object_key, &first);
    rc |= media_json_kv_str(b, "content_type", m->content_type[0] ? m->content_type : NULL, &first);
    if (m->size_bytes >= 0)
        rc |= media_json_kv_int(b, "size_bytes", m->size_bytes, &first);
    else
        rc |= media_json_kv_raw(b, "size_bytes", "null", &first);
    rc |= media_json_kv_str(b, "sha256", m->sha256[0] ? m->sha256 : NULL, &first);
    if (m->source_sha256[0])
        rc |= media_json_kv_str(b, "source_sha256", m->source_sha256, &first);
    rc |= media_json_kv_str(b, "etag", m->etag[0] ? m->etag : NULL, &first);
    rc |= media_json_kv_int(b, "attempts", m->attempts, &first);
    if (m->error_class[0]) {
        rc |= media_json_kv_str(b, "error_class", m->error_class, &first);
        rc |= media_json_kv_str(b, "error", m->last_error, &first);
        if (m->http_status)
            rc |= media_json_kv_int(b, "http_status", m->http_status, &first);
    }
    if (m->request_id[0])
        rc |= media_json_kv_str(b, "request_id", m->request_id, &first);
    if (m->callback_url)
        rc |= media_json_kv_str(b, "callback_url", m->callback_url, &first);
    if (m->upload) {
        rc |= media_json_kv_str(b, "origin", "upload", &first);
        if (m->filename)
            rc |= media_json_kv_str(b, "filename", m->filename, &first);
        if (m->declared_size >= 0)
            rc |= media_json_kv_int(b, "declared_size", m->declared_size, &first);
        if (m->upload_expires_at[0])
            rc |= media_json_kv_str(b, "upload_expires_at", m->upload_expires_at, &first);
    }
    rc |= media_json_kv_str(b, "created_at", m->created_at, &first);
    rc |= media_json_kv_str(b, "updated_at", m->updated_at, &first);
    if (m->ready_at[0])
        rc |= media_json_kv_str(b, "ready_at", m->ready_at, &first);
    if (m->deleted_at[0])
        rc |= media_json_kv_str(b, "deleted_at", m->deleted_at, &first);
    rc |= media_buf_append(b, "}", 1);
    return rc ? -1 : 0;
}

media_code media_catalog_tenant_ensure(media_db *db, const char *tenant, media_error *err)
{
    if (!media_tenant_valid(tenant))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "tenant must be 1-63 characters of a-z, 0-9, '-' and '_'");
    const char *p[] = {tenant};
    return media_db_exec(db, "INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", 1, p,
                         NULL, err);
}

media_code media_catalog_tenant_metadata_get(media_db *db, const char *tenant, char out[16],
                                             media_error *err)
{
    out[0] = '\0';
    const char *p[] = {tenant};
    media_db_result *r;
    media_code rc = media_db_query(db, "SELECT coalesce(metadata, '') FROM tenants WHERE id = $1",
                                   1, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    if (media_db_result_rows(r) == 0)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such tenant");
    else
        snprintf(out, 16, "%s", media_db_result_value(r, 0, 0));
    media_db_result_free(r);
    return rc;
}

media_code media_catalog_tenant_metadata_set(media_db *db, const char *tenant, const char *policy,
                                             media_error *err)
{
    if (policy && policy[0] && strcmp(policy, "strip") != 0 &&
        strcmp(policy, "keep-copyright") != 0 && strcmp(policy, "keep") != 0)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "metadata is strip, keep-copyright or keep");
    const char *p[] = {tenant, policy && policy[0] ? policy : NULL};
    media_db_result *r;
    media_code rc = media_db_query(
        db, "UPDATE tenants SET metadata = $2 WHERE id = $1 RETURNING id", 2, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    if (media_db_result_rows(r) == 0)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such tenant");
    media_db_result_free(r);
    return rc;
}

/* An earlier request used this idempotency key: the same payload returns its record,
 * another payload conflicts. */
static media_code existing_for_key(media_db *db, const media_create_request *req,
                                   const char *metadata, media_record *out, media_error *err)
{
    media_db_result *r;
    const char *q[] = {req->tenant, req->source_url, req->idempotency_key, metadata,
                       req->callback_url};
    media_code rc = media_db_query(
        db,
        "SELECT " COLS ", request_sha256 = " FINGERPRINT(
            "$2", "$4", "$5::text") " FROM media WHERE tenant_id = $1 AND idempotency_key = $3",
        5, q, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    if (media_db_result_rows(r) == 0) { /* deleted by gc between the two statements */
        media_db_result_free(r);
        return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_TRANSIENT,
                               "idempotency key changed concurrently; retry");
    }
    const char *same_v = media_db_result_value(r, 0, NCOLS);
    bool same = same_v && strcmp(same_v, "t") == 0;
    if (same)
        media_record_parse_row(r, 0, out);
    media_db_result_free(r);
    if (!same)
        return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT,
                               "idempotency key already used for a different request");
    return MEDIA_OK;
}

/* A callback_url is a URL a worker could reach (the SSRF guard decides at connect time), and
 * its deliveries are signed with the tenant's callback secret, which must exist first. */
static media_code check_callback(media_db *db, const media_create_request *req, media_error *err)
{
    const char *cb = req->callback_url;
    if (cb[0] == '\0' || strlen(cb) > MEDIA_SOURCE_URL_MAX_BYTES || !media_utf8_valid(cb))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "callback_url must be 1..%d bytes of UTF-8",
                               MEDIA_SOURCE_URL_MAX_BYTES);
    media_error why;
    if (media_source_url_check(cb, &why) != MEDIA_OK)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "callback_url: %s",
                               why.message);
    const char *p[] = {req->tenant};
    media_db_result *r;
    media_code rc = media_db_query(
        db, "SELECT callback_secret IS NOT NULL FROM tenants WHERE id = $1", 1, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    const char *v = media_db_result_rows(r) ? media_db_result_value(r, 0, 0) : NULL;
    bool has = v && strcmp(v, "t") == 0;
    media_db_result_free(r);
    if (!has)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "callback_url needs the tenant's callback signing secret: create "
                               "it first (POST /api/v1/webhooks/callback-secret)");
    return MEDIA_OK;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t media_record_time_ms(const char *ts)
{
    int y, mo, d, h, mi, s, us, n = 0;
    if (ts == NULL ||
        sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ%n", &y, &mo, &d, &h, &mi, &s, &us, &n) != 7 ||
        n == 0 || ts[n] != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        s > 60 || us < 0)
        return -1;
    int64_t days = days_from_civil(y, mo, d);
    return ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000 + us / 1000;
}

media_code media_catalog_create(media_db *db, const media_create_request *req, media_record *out,
                                bool *created, media_error *err)
{
    *created = false;
    if (!media_tenant_valid(req->tenant))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "invalid tenant");
    if (req->source_url == NULL || req->source_url[0] == '\0' ||
        strlen(req->source_url) > MEDIA_SOURCE_URL_MAX_BYTES)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source_url must be 1..%d bytes", MEDIA_SOURCE_URL_MAX_BYTES);
    if (!media_utf8_valid(req->source_url))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source_url must be valid UTF-8");
    /* every entry (API, enqueue, ingest) accepts only a URL a worker could fetch */
    if (media_source_url_check(req->source_url, err) != MEDIA_OK)
        return err->code;
    if (req->idempotency_key && !media_idempotency_key_valid(req->idempotency_key))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "idempotency key must be 1..%d printable ASCII characters",
                               MEDIA_IDEMPOTENCY_KEY_MAX);
    const char *metadata = req->metadata ? req->metadata : "{}";
    if (strlen(metadata) > MEDIA_METADATA_MAX_BYTES)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "metadata is larger than %d bytes", MEDIA_METADATA_MAX_BYTES);
    if (!media_s3_bucket_name_valid(req->bucket))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "invalid bucket");
    if (req->callback_url && check_callback(db, req, err) != MEDIA_OK)
        return err->code;

    /* a trace context that is not well-formed is dropped (the job then starts its own) */
    const char *tp = req->traceparent && strlen(req->traceparent) == 55 ? req->traceparent : NULL;
    const char *ts = tp && req->tracestate && req->tracestate[0] && strlen(req->tracestate) <= 512
                         ? req->tracestate
                         : NULL;
    char id[MEDIA_UUID_STR], key[MEDIA_OBJECT_KEY_MAX];
    media_uuid7_new(id);
    media_object_key(req->tenant, id, key);
    const char *p[] = {id,          req->tenant, req->source_url, req->idempotency_key, metadata,
                       req->bucket, key,         req->request_id, req->callback_url,    tp,
                       ts};
    media_error e;
    bool found;
    media_code rc = media_record_query_one(
        db,
        "INSERT INTO media (id, tenant_id, source_url, idempotency_key, request_sha256, metadata,"
        " bucket, object_key, request_id, callback_url, traceparent, tracestate) VALUES ($1, $2,"
        " $3, $4, " FINGERPRINT("$3", "$5", "$9::text") ", $5::jsonb, $6, $7, $8, $9, $10, $11)"
                                                        " ON CONFLICT (tenant_id, idempotency_key)"
                                                        " DO NOTHING RETURNING " COLS,
        11, p, out, &found, &e);
    if (rc != MEDIA_OK) {
        const char *state = media_db_last_sqlstate(db);
        if (strcmp(state, "23503") == 0)
            return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                                   "unknown tenant '%s'", req->tenant);
        if (strcmp(state, "22021") == 0) /* checked above; kept honest if a field is added */
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "a field is not valid UTF-8");
        if (strncmp(state, "22", 2) == 0 || strcmp(state, "23514") == 0)
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "metadata must be a JSON object");
        if (err)
            *err = e;
        return rc;
    }
    if (found) {
        *created = true;
        return MEDIA_OK;
    }
    return existing_for_key(db, req, metadata, out, err);
}

media_code media_catalog_get(media_db *db, const char *tenant, const char *id, media_record *out,
                             media_error *err)
{
    if (!media_uuid_valid(id) || !media_tenant_valid(tenant))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    const char *p[] = {id, tenant};
    bool found;
    media_code rc = media_record_query_one(
        db, "SELECT " COLS " FROM media WHERE id = $1 AND tenant_id = $2", 2, p, out, &found, err);
    if (rc == MEDIA_OK && !found)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    return rc;
}

media_code media_catalog_get_any(media_db *db, const char *id, media_record *out, media_error *err)
{
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    const char *p[] = {id};
    bool found;
    media_code rc = media_record_query_one(db, "SELECT " COLS " FROM media WHERE id = $1", 1, p,
                                           out, &found, err);
    if (rc == MEDIA_OK && !found)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    return rc;
}

/* After a guarded UPDATE matched nothing: load the row so the caller sees why. */
static media_code explain_miss(media_db *db, const char *id, media_record *out, const char *what,
                               media_error *err)
{
    media_code rc = media_catalog_get_any(db, id, out, err);
    if (rc != MEDIA_OK)
        return rc;
    return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT,
                           "media %s is %s: cannot %s", id, media_status_name(out->status), what);
}

/* Why a fenced transition matched no row: the row as it is, and the code that says so. */
static media_code explain_fenced(media_db *db, const char *id, int64_t epoch, media_record *out,
                                 const char *what, media_error *err)
{
    media_code rc = media_catalog_get_any(db, id, out, err);
    if (rc != MEDIA_OK)
        return rc;
    if ((out->status == MEDIA_STATUS_FETCHING || out->status == MEDIA_STATUS_QUEUED) &&
        out->claim_epoch != epoch)
        return media_error_set(err, MEDIA_ERR_FENCED, MEDIA_CLASS_PERMANENT,
                               "media %s: claim %lld was taken over (now %lld): cannot %s", id,
                               (long long)epoch, (long long)out->claim_epoch, what);
    return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT,
                           "media %s is %s: cannot %s", id, media_status_name(out->status), what);
}

/* $1 id, $2 owner, $3 lease ms */
#define CLAIM_SQL                                                                                  \
    "UPDATE media SET status = 'fetching', attempts = attempts + 1,"                               \
    " claim_epoch = claim_epoch + 1, claim_owner = $2,"                                            \
    " claim_expires_at = now() + make_interval(secs => $3::bigint / 1000.0), updated_at = now()"   \
    " WHERE id = $1 AND (status = 'queued' OR (status = 'fetching'"                                \
    " AND (claim_expires_at IS NULL OR claim_expires_at <= now()))) RETURNING " COLS

media_code media_catalog_claim(media_db *db, const char *id, const char *owner, long lease_ms,
                               media_record *out, media_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    char lease[24];
    snprintf(lease, sizeof(lease), "%ld", lease_ms > 0 ? lease_ms : 1);
    const char *p[] = {id, owner && owner[0] ? owner : "unnamed", lease};
    bool found;
    media_code rc = media_record_query_one(db, CLAIM_SQL, 3, p, out, &found, err);
    if (rc != MEDIA_OK || found)
        return rc;
    /* not claimable: finished, deleted, or another claim is live (and for how long) */
    media_db_result *r;
    rc = media_db_query(db,
                        "SELECT " COLS ", ceil(extract(epoch FROM claim_expires_at - now()))"
                        " FROM media WHERE id = $1",
                        1, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    if (media_db_result_rows(r) == 0) {
        media_db_result_free(r);
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    }
    media_record_parse_row(r, 0, out);
    const char *left = media_db_result_value(r, 0, NCOLS);
    long left_s = left ? strtol(left, NULL, 10) : 0;
    media_db_result_free(r);
    if (out->status == MEDIA_STATUS_FETCHING || out->status == MEDIA_STATUS_QUEUED) {
        /* queued here means it changed under us: come back at once */
        rc = media_error_set(err, MEDIA_ERR_BUSY, MEDIA_CLASS_TRANSIENT,
                             "media %s is claimed by another worker for %ld s more", id, left_s);
        if (err)
            err->retry_after_s = left_s > 0 ? left_s : 1;
        return rc;
    }
    return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT,
                           "media %s is %s: cannot claim it", id, media_status_name(out->status));
}

media_code media_catalog_claims_renew(media_db *db, const media_claim_ref *claims, size_t n,
                                      long lease_ms, bool *held, media_error *err)
{
    for (size_t i = 0; i < n; i++)
        held[i] = false;
    if (n == 0)
        return MEDIA_OK;
    media_buf ids, epochs;
    media_buf_init(&ids, n * 40 + 8);
    media_buf_init(&epochs, n * 24 + 8);
    for (size_t i = 0; i < n; i++) {
        if (!media_uuid_valid(claims[i].id))
            continue; /* never held */
        media_buf_appendf(&ids, "%s%s", ids.len ? "," : "{", claims[i].id);
        media_buf_appendf(&epochs, "%s%lld", epochs.len ? "," : "{", (long long)claims[i].epoch);
    }
    if (ids.len == 0) {
        media_buf_cleanup(&ids);
        media_buf_cleanup(&epochs);
        return MEDIA_OK;
    }
    media_buf_appends(&ids, "}");
    media_buf_appends(&epochs, "}");
    char lease[24];
    snprintf(lease, sizeof(lease), "%ld", lease_ms > 0 ? lease_ms : 1);
    const char *p[] = {ids.data, epochs.data, lease};
    media_db_result *r;
    media_code rc = media_db_query(
        db,
        "UPDATE media m SET claim_expires_at = now() + make_interval(secs => $3::bigint / 1000.0)"
        " FROM unnest($1::uuid[], $2::bigint[]) AS c(id, epoch)"
        " WHERE m.id = c.id AND m.claim_epoch = c.epoch AND m.status = 'fetching'"
        " RETURNING m.id::text, m.claim_epoch",
        3, p, &r, err);
    media_buf_cleanup(&ids);
    media_buf_cleanup(&epochs);
    if (rc != MEDIA_OK)
        return rc;
    for (int row = 0; row < media_db_result_rows(r); row++) {
        const char *id = media_db_result_value(r, row, 0);
        long long epoch = strtoll(media_db_result_value(r, row, 1), NULL, 10);
        for (size_t i = 0; i < n; i++)
            if (claims[i].epoch == epoch && strcmp(claims[i].id, id) == 0)
                held[i] = true;
    }
    media_db_result_free(r);
    return MEDIA_OK;
}

media_code media_catalog_record_upload(media_db *db, const char *id, int64_t epoch,
                                       const char *upload_id, media_error *err)
{
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    char ep[24];
    snprintf(ep, sizeof(ep), "%lld", (long long)epoch);
    const char *p[] = {id, ep, upload_id};
    long n;
    media_code rc = media_db_exec(db,
                                  "UPDATE media SET upload_id = $3 WHERE id = $1"
                                  " AND status = 'fetching' AND claim_epoch = $2",
                                  3, p, &n, err);
    if (rc == MEDIA_OK && n == 0) {
        media_record m;
        rc = explain_fenced(db, id, epoch, &m, "record its upload", err);
        media_record_cleanup(&m);
    }
    return rc;
}

media_code media_catalog_forget_upload(media_db *db, const char *id, const char *upload_id,
                                       media_error *err)
{
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    const char *p[] = {id, upload_id};
    return media_db_exec(db, "UPDATE media SET upload_id = NULL WHERE id = $1 AND upload_id = $2",
                         2, p, NULL, err);
}

/* The claim columns a transition out of fetching clears. */
#define UNCLAIM "claim_owner = NULL, claim_expires_at = NULL"

media_code media_catalog_mark_ready(media_db *db, const char *id, int64_t epoch,
                                    const media_ready_info *info, media_record *out, bool *changed,
                                    media_error *err)
{
    *changed = false;
    memset(out, 0, sizeof(*out));
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    char size[24], ep[24];
    snprintf(size, sizeof(size), "%lld", (long long)info->size_bytes);
    snprintf(ep, sizeof(ep), "%lld", (long long)epoch);
    const char *p[] = {id,
                       info->content_type,
                       size,
                       info->sha256,
                       info->etag,
                       ep,
                       info->source_sha256 ? info->source_sha256 : info->sha256};
    bool found;
    media_code rc = media_record_query_one(
        db,
        "WITH m AS (UPDATE media SET status = 'ready', content_type = $2, size_bytes = $3,"
        " sha256 = $4, etag = $5, source_sha256 = $7, ready_at = now(), updated_at = now(), "
        "error_class = NULL,"
        " last_error = NULL, http_status = NULL, upload_id = NULL, " UNCLAIM
        " WHERE id = $1 AND status = 'fetching' AND claim_epoch = $6 RETURNING *)" EVENTS(
            "media.ready"),
        7, p, out, &found, err);
    if (rc != MEDIA_OK)
        return rc;
    if (found) {
        *changed = true;
        return MEDIA_OK;
    }
    media_record_cleanup(out);
    rc = explain_fenced(db, id, epoch, out, "mark it ready", err);
    if (rc == MEDIA_ERR_CONFLICT && out->status == MEDIA_STATUS_READY)
        rc = MEDIA_OK; /* already ready: the first finisher won; nothing changes */
    return rc;
}

static void cause_fields(const media_error *cause, char *status, size_t cap, const char **cls)
{
    *cls = cause->cls == MEDIA_CLASS_NONE ? "permanent" : media_error_class_name(cause->cls);
    snprintf(status, cap, "%d", cause->http_status);
}

media_code media_catalog_mark_failed(media_db *db, const char *id, int64_t epoch,
                                     const media_error *cause, media_record *out, bool *changed,
                                     media_error *err)
{
    *changed = false;
    memset(out, 0, sizeof(*out));
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    char status[16], ep[24];
    const char *cls;
    cause_fields(cause, status, sizeof(status), &cls);
    snprintf(ep, sizeof(ep), "%lld", (long long)epoch);
    const char *p[] = {id, cls, cause->message, cause->http_status ? status : NULL, ep};
    bool found;
    media_code rc = media_record_query_one(
        db,
        "WITH m AS (UPDATE media SET status = 'failed', error_class = $2, last_error = $3,"
        " http_status = $4, updated_at = now(), " UNCLAIM " WHERE id = $1 AND (status = 'queued'"
        " OR (status = 'fetching' AND (claim_epoch = $5 OR claim_expires_at IS NULL"
        " OR claim_expires_at <= now()))) RETURNING *)" EVENTS("media.failed"),
        5, p, out, &found, err);
    if (rc != MEDIA_OK)
        return rc;
    if (found) {
        *changed = true;
        return MEDIA_OK;
    }
    media_record_cleanup(out);
    rc = media_catalog_get_any(db, id, out, err);
    if (rc != MEDIA_OK || out->status == MEDIA_STATUS_FAILED)
        return rc; /* already failed: nothing changes */
    if (out->status == MEDIA_STATUS_FETCHING)
        return media_error_set(err, MEDIA_ERR_FENCED, MEDIA_CLASS_PERMANENT,
                               "media %s is claimed by another worker: cannot mark it failed", id);
    return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT,
                           "media %s is %s: cannot mark it failed", id,
                           media_status_name(out->status));
}

/* A fenced fetching -> queued statement matched nothing: say why. */
static media_code unclaim_missed(media_db *db, const char *id, int64_t epoch, const char *what,
                                 media_error *err)
{
    media_record m;
    media_code rc = explain_fenced(db, id, epoch, &m, what, err);
    media_record_cleanup(&m);
    return rc;
}

media_code media_catalog_schedule_retry(media_db *db, const char *id, int64_t epoch,
                                        const media_error *cause, long delay_ms, media_error *err)
{
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    char status[16], delay[24], ep[24];
    const char *cls;
    cause_fields(cause, status, sizeof(status), &cls);
    snprintf(delay, sizeof(delay), "%ld", delay_ms < 0 ? 0 : delay_ms);
    snprintf(ep, sizeof(ep), "%lld", (long long)epoch);
    const char *p[] = {id, cls, cause->message, cause->http_status ? status : NULL, delay, ep};
    long n;
    media_code rc = media_db_exec(
        db,
        "UPDATE media SET status = 'queued', error_class = $2, last_error = $3, http_status = $4,"
        " next_attempt_at = now() + make_interval(secs => $5::bigint / 1000.0),"
        " updated_at = now(), " UNCLAIM
        " WHERE id = $1 AND status = 'fetching' AND claim_epoch = $6",
        6, p, &n, err);
    if (rc == MEDIA_OK && n == 0)
        rc = unclaim_missed(db, id, epoch, "schedule a retry", err);
    return rc;
}

media_code media_catalog_release(media_db *db, const char *id, int64_t epoch,
                                 const media_error *cause, long delay_ms, media_error *err)
{
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    char delay[24], ep[24];
    snprintf(delay, sizeof(delay), "%ld", delay_ms < 0 ? 0 : delay_ms);
    snprintf(ep, sizeof(ep), "%lld", (long long)epoch);
    const char *p[] = {id, cause->message, delay, ep};
    long n;
    media_code rc = media_db_exec(
        db,
        "UPDATE media SET status = 'queued', attempts = greatest(attempts - 1, 0),"
        " last_error = $2, next_attempt_at = now() + make_interval(secs => $3::bigint / 1000.0),"
        " updated_at = now(), " UNCLAIM
        " WHERE id = $1 AND status = 'fetching' AND claim_epoch = $4",
        4, p, &n, err);
    if (rc == MEDIA_OK && n == 0)
        rc = unclaim_missed(db, id, epoch, "release it", err);
    return rc;
}

media_code media_catalog_requeue(media_db *db, const char *id, media_record *out, media_error *err)
{
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    const char *p[] = {id};
    bool found;
    media_code rc = media_record_query_one(
        db,
        "UPDATE media SET status = 'queued', attempts = 0, error_class = NULL, last_error = NULL,"
        " http_status = NULL, next_attempt_at = now(), updated_at = now()"
        " WHERE id = $1 AND status IN ('failed', 'queued') RETURNING " COLS,
        1, p, out, &found, err);
    if (rc == MEDIA_OK && !found)
        rc = explain_miss(db, id, out, "requeue", err);
    return rc;
}

media_code media_catalog_soft_delete(media_db *db, const char *tenant, const char *id,
                                     media_record *out, media_error *err)
{
    if (!media_uuid_valid(id) || !media_tenant_valid(tenant))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    const char *p[] = {id, tenant};
    bool found;
    media_code rc = media_record_query_one(
        db,
        "WITH m AS (UPDATE media SET status = 'deleted',"
        " deleted_at = now(), updated_at = now() WHERE id = $1"
        " AND tenant_id = $2 AND status <> 'deleted' RETURNING *)" EVENTS("media.deleted"),
        2, p, out, &found, err);
    if (rc == MEDIA_OK && !found)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    return rc;
}

void media_page_cleanup(media_page *p)
{
    for (size_t i = 0; i < p->count; i++)
        media_record_cleanup(&p->items[i]);
    free(p->items);
    memset(p, 0, sizeof(*p));
}

void media_record_fill_page(media_db_result *r, media_page *out)
{
    out->count = (size_t)media_db_result_rows(r);
    out->items = media_calloc(out->count ? out->count : 1, sizeof(media_record));
    for (size_t i = 0; i < out->count; i++)
        media_record_parse_row(r, (int)i, &out->items[i]);
}

/* $1 tenant, $2 status (NULL: all but deleted), $3 limit, $4 offset */
const char *const media_catalog_sql_list =
    "SELECT " COLS " FROM media WHERE tenant_id = $1"
    " AND CASE WHEN $2::media_status IS NULL THEN status <> 'deleted' ELSE status = $2 END"
    " ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4";

/* $1 older than seconds, $2 limit: queued rows due long ago, and fetching rows whose claim
 * ran out long ago (their worker died and their message is gone too) */
const char *const media_catalog_sql_stale_queued =
    "(SELECT " COLS " FROM media WHERE status = 'queued'"
    " AND next_attempt_at < now() - make_interval(secs => $1::bigint)"
    " ORDER BY next_attempt_at LIMIT $2)"
    " UNION ALL (SELECT " COLS " FROM media WHERE status = 'fetching'"
    " AND claim_expires_at < now() - make_interval(secs => $1::bigint)"
    " AND next_attempt_at < now() - make_interval(secs => $1::bigint)"
    " ORDER BY claim_expires_at LIMIT $2)";

media_code media_catalog_list(media_db *db, const char *tenant, const media_status *status,
                              int64_t page, int size, media_page *out, media_error *err)
{
    memset(out, 0, sizeof(*out));
    if (page < 1 || page > 1000000000 || size < 1 || size > 1000)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "page must be >= 1 and size 1..1000");
    if (!media_tenant_valid(tenant))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "invalid tenant");
    char lim[16], off[32];
    snprintf(lim, sizeof(lim), "%d", size);
    snprintf(off, sizeof(off), "%lld", (long long)((page - 1) * size));
    const char *st = status ? media_status_name(*status) : NULL;
    const char *p[] = {tenant, st, lim, off};
    media_db_result *r;
    media_code rc = media_db_query(
        db,
        "SELECT count(*) FROM media WHERE tenant_id = $1"
        " AND CASE WHEN $2::media_status IS NULL THEN status <> 'deleted' ELSE status = $2 END",
        2, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    out->total = strtoll(media_db_result_value(r, 0, 0), NULL, 10);
    media_db_result_free(r);
    rc = media_db_query(db, media_catalog_sql_list, 4, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    media_record_fill_page(r, out);
    media_db_result_free(r);
    if (out->count == (size_t)size && (int64_t)page * size < out->total)
        copy(out->next_cursor, sizeof(out->next_cursor), out->items[out->count - 1].id);
    return MEDIA_OK;
}

media_code media_catalog_list_after(media_db *db, const char *tenant, const media_status *status,
                                    const char *after, int size, media_page *out, media_error *err)
{
    memset(out, 0, sizeof(*out));
    out->total = -1;
    if (size < 1 || size > 1000)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "size must be 1..1000");
    if (!media_tenant_valid(tenant))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "invalid tenant");
    if (after && !media_uuid_valid(after))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "cursor is not a media id");
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", size);
    const char *st = status ? media_status_name(*status) : NULL;
    media_db_result *r;
    media_code rc;
    if (after) {
        const char *q[] = {after, tenant};
        bool found;
        rc = media_record_query_one(db,
                                    "SELECT " COLS " FROM media WHERE id = $1 AND tenant_id = $2",
                                    2, q, NULL, &found, err);
        if (rc != MEDIA_OK)
            return rc;
        if (!found)
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "cursor does not name a media of this tenant");
    }
    const char *p[] = {tenant, st, lim, after};
    rc = media_db_query(
        db,
        "SELECT " COLS " FROM media WHERE tenant_id = $1"
        " AND CASE WHEN $2::media_status IS NULL THEN status <> 'deleted' ELSE status = $2 END"
        " AND ($4::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM media"
        " WHERE id = $4::uuid))"
        " ORDER BY created_at DESC, id DESC LIMIT $3",
        4, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    media_record_fill_page(r, out);
    media_db_result_free(r);
    if (out->count == (size_t)size)
        copy(out->next_cursor, sizeof(out->next_cursor), out->items[out->count - 1].id);
    return MEDIA_OK;
}

media_code media_catalog_stale_queued(media_db *db, long older_than_s, int limit, media_page *out,
                                      media_error *err)
{
    memset(out, 0, sizeof(*out));
    out->total = -1;
    char secs[24], lim[16];
    snprintf(secs, sizeof(secs), "%ld", older_than_s);
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *p[] = {secs, lim};
    media_db_result *r;
    media_code rc = media_db_query(db, media_catalog_sql_stale_queued, 2, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    media_record_fill_page(r, out);
    media_db_result_free(r);
    return MEDIA_OK;
}

media_code media_catalog_open_uploads(media_db *db, long older_than_s, int limit, media_page *out,
                                      media_error *err)
{
    memset(out, 0, sizeof(*out));
    out->total = -1;
    char secs[24], lim[16];
    snprintf(secs, sizeof(secs), "%ld", older_than_s);
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *p[] = {secs, lim};
    media_db_result *r;
    media_code rc =
        media_db_query(db,
                       "SELECT " COLS " FROM media WHERE upload_id IS NOT NULL"
                       /* a client's upload has its own sweeper, until the row is deleted */
                       " AND (upload_expires_at IS NULL OR status = 'deleted')"
                       " AND updated_at < now() - make_interval(secs => $1::bigint)"
                       " AND (status <> 'fetching' OR claim_expires_at IS NULL"
                       " OR claim_expires_at < now() - make_interval(secs => $1::bigint))"
                       " ORDER BY updated_at LIMIT $2",
                       2, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    media_record_fill_page(r, out);
    media_db_result_free(r);
    return MEDIA_OK;
}

media_code media_catalog_mark_published(media_db *db, const char *id, long due_ms, media_error *err)
{
    char ms[32];
    snprintf(ms, sizeof(ms), "%ld", (due_ms < 0 ? 0 : due_ms) + MEDIA_REPUBLISH_AFTER_S * 1000L);
    const char *p[] = {id, ms};
    return media_db_exec(db,
                         "UPDATE media SET next_attempt_at = now() + make_interval(secs => "
                         "$2::bigint / 1000.0) WHERE id = $1 AND status IN ('queued', 'fetching')",
                         2, p, NULL, err);
}

media_code media_catalog_gc(media_db *db, long older_than_s, int batch, media_gc_delete_fn del,
                            void *ud, size_t *removed, media_error *err)
{
    *removed = 0;
    char secs[24], lim[16];
    snprintf(secs, sizeof(secs), "%ld", older_than_s);
    snprintf(lim, sizeof(lim), "%d", batch < 1 ? 100 : batch);
    const char *p[] = {secs, lim};
    for (;;) {
        media_code rc = media_db_begin(db, err);
        if (rc != MEDIA_OK)
            return rc;
        media_db_result *r;
        rc = media_db_query(db,
                            "SELECT id, bucket, object_key FROM media WHERE status = 'deleted'"
                            " AND deleted_at < now() - make_interval(secs => $1::bigint)"
                            /* an upload not aborted yet keeps its row (its id): the sweeper */
                            " AND upload_id IS NULL"
                            " ORDER BY deleted_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                            2, p, &r, err);
        if (rc != MEDIA_OK) {
            media_db_rollback(db);
            return rc;
        }
        int n = media_db_result_rows(r);
        for (int i = 0; rc == MEDIA_OK && i < n; i++)
            rc = del(ud, media_db_result_value(r, i, 1), media_db_result_value(r, i, 2), err);
        for (int i = 0; rc == MEDIA_OK && i < n; i++) {
            const char *q[] = {media_db_result_value(r, i, 0)};
            rc = media_db_exec(db, "DELETE FROM media WHERE id = $1 AND status = 'deleted'", 1, q,
                               NULL, err);
        }
        media_db_result_free(r);
        if (rc == MEDIA_OK)
            rc = media_db_commit(db, err);
        else
            media_db_rollback(db);
        if (rc != MEDIA_OK)
            return rc;
        *removed += (size_t)n;
        if (n == 0 || n < atoi(lim))
            return MEDIA_OK;
    }
}
