/*
 * uploads.c - direct uploads: the routes under /api/v1/uploads (see uploads.h).
 */
#include "uploads.h"
#include "body.h"
#include "media/enqueue.h"
#include "media/hash.h"
#include "media/json.h"
#include "media/log.h"
#include "media/s3_location.h"
#include "media/trace.h"
#include "media/uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t presign_upload_part_size(int64_t size, int64_t configured, int *count)
{
    int64_t part = configured;
    if ((size + part - 1) / part > 10000) /* S3's limit: grow the parts, in MiB steps */
        part = ((size + 9999) / 10000 + (1 << 20) - 1) / (1 << 20) * (1 << 20);
    *count = (int)((size + part - 1) / part);
    return part;
}

static void amz_date(time_t t, char out[17])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static void iso(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A presigned PUT of the object (or of one part), its length (and type) signed. */
media_code presign_upload_put_url(const presign_handler_ctx *c, const media_record *rec, time_t now,
                                  long expires, const char *part, const char *upload_id,
                                  int64_t length, const char *type, char *url, size_t cap,
                                  media_error *err)
{
    const media_s3_config *s3 = c->st->s3cfg;
    media_s3_location loc;
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX]; /* the staging key: never the served one */
    media_upload_write_key(rec, key);
    media_code rc =
        media_s3_locate(&s3->public_endpoint, s3->addressing, rec->bucket, key, &loc, err);
    if (rc != MEDIA_OK)
        return rc;
    char date[17], len[24], query[MEDIA_SIGV4_MAX_QUERY];
    amz_date(now, date);
    snprintf(len, sizeof(len), "%lld", (long long)length);
    media_sigv4_presign_request r = {"PUT", loc.host, loc.path, date,      expires,
                                     NULL,  NULL,     part,     upload_id, length >= 0 ? len : NULL,
                                     type};
    if ((rc = media_sigv4_presign(c->signer, &r, query, sizeof(query), NULL, err)) != MEDIA_OK)
        return rc;
    int n = snprintf(url, cap, "%s%s?%s", loc.origin, loc.path, query);
    if (n < 0 || (size_t)n >= cap)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT, "URL too long");
    return MEDIA_OK;
}

/* "post": an HTML form's action and fields; the policy pins bucket, key, the exact length and
 * (when declared) the type, and lapses with the upload. */
media_code presign_upload_post_form(const presign_handler_ctx *c, const media_record *rec,
                                    time_t now, long expires, const char *type, media_buf *out,
                                    media_error *err)
{
    const media_s3_config *s3 = c->st->s3cfg;
    media_s3_location loc;
    media_code rc =
        media_s3_locate(&s3->public_endpoint, s3->addressing, rec->bucket, NULL, &loc, err);
    if (rc != MEDIA_OK)
        return rc;
    char date[17], cred[256], exp[40], sig[65];
    amz_date(now, date);
    if ((rc = media_sigv4_credential(c->signer, date, cred, sizeof(cred), err)) != MEDIA_OK)
        return rc;
    struct tm tm;
    time_t until = now + expires;
    gmtime_r(&until, &tm);
    strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    const char *token = media_sigv4_signer_session_token(c->signer);
    media_buf p;
    media_buf_init(&p, 64 * 1024);
    media_buf_appends(&p, "{\"expiration\":");
    media_json_string(&p, exp);
    media_buf_appends(&p, ",\"conditions\":[{\"bucket\":");
    media_json_string(&p, rec->bucket);
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX]; /* the staging key: never the served one */
    media_upload_write_key(rec, key);
    media_buf_appends(&p, "},{\"key\":");
    media_json_string(&p, key);
    /* the exact declared length; undeclared (Uppy): 1 byte up to the limit */
    long long lo = rec->declared_size >= 0 ? rec->declared_size : 1;
    long long hi = rec->declared_size >= 0 ? rec->declared_size : c->st->cfg->max_bytes;
    media_buf_appendf(&p, "},[\"content-length-range\",%lld,%lld]", lo, hi);
    if (type) {
        media_buf_appends(&p, ",{\"Content-Type\":");
        media_json_string(&p, type);
        media_buf_appends(&p, "}");
    }
    media_buf_appends(&p, ",{\"x-amz-algorithm\":\"AWS4-HMAC-SHA256\"},{\"x-amz-credential\":");
    media_json_string(&p, cred);
    media_buf_appendf(&p, "},{\"x-amz-date\":\"%s\"}", date);
    if (token) {
        media_buf_appends(&p, ",{\"x-amz-security-token\":");
        media_json_string(&p, token);
        media_buf_appends(&p, "}");
    }
    media_buf_appends(&p, "]}");
    char *b64 = media_malloc(4 * (p.len / 3 + 1) + 1);
    media_base64((const uint8_t *)p.data, p.len, b64);
    media_buf_cleanup(&p);
    if ((rc = media_sigv4_sign_policy(c->signer, date, b64, sig, err)) != MEDIA_OK) {
        free(b64);
        return rc;
    }
    int first = 1;
    media_buf_appends(out, "\"url\":");
    media_buf_appendf(out, "\"%s%s\"", loc.origin, loc.path);
    media_buf_appends(out, ",\"fields\":{");
    media_json_kv_str(out, "key", key, &first);
    if (type)
        media_json_kv_str(out, "Content-Type", type, &first);
    media_json_kv_str(out, "policy", b64, &first);
    media_json_kv_str(out, "x-amz-algorithm", "AWS4-HMAC-SHA256", &first);
    media_json_kv_str(out, "x-amz-credential", cred, &first);
    media_json_kv_str(out, "x-amz-date", date, &first);
    if (token)
        media_json_kv_str(out, "x-amz-security-token", token, &first);
    media_json_kv_str(out, "x-amz-signature", sig, &first);
    media_buf_appends(out, "}");
    free(b64);
    return MEDIA_OK;
}

long presign_upload_lifetime(const presign_config *cfg, const media_record *rec, time_t now)
{
    long expires = cfg->upload_expires_s;
    int64_t until_ms = media_record_time_ms(rec->upload_expires_at);
    if (until_ms >= 0 && until_ms / 1000 - (int64_t)now < expires)
        expires = (long)(until_ms / 1000 - (int64_t)now);
    return expires;
}

/* How to send the bytes of an uploading record, appended to the answer's object. A replay
 * gets URLs that lapse with the upload, never later (issue 25, defect 1). */
static media_code instructions(const presign_handler_ctx *c, const media_record *rec,
                               const char *type, media_buf *out, media_error *err)
{
    time_t now = time(NULL);
    long expires = presign_upload_lifetime(c->st->cfg, rec, now);
    if (expires <= 0)
        return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT,
                               "the upload's window is over");
    char when[32];
    iso(now + expires, when);
    media_buf_appendf(out, ",\"expires_at\":\"%s\"", when);
    char *url = media_malloc(MEDIA_SIGV4_MAX_URL);
    media_code rc = MEDIA_OK;
    if (rec->upload_id[0] == '\0') {
        rc = presign_upload_put_url(c, rec, now, expires, NULL, NULL, rec->declared_size, type, url,
                                    MEDIA_SIGV4_MAX_URL, err);
        if (rc == MEDIA_OK) {
            media_buf_appends(out, ",\"put\":{\"method\":\"PUT\",\"url\":");
            media_json_string(out, url);
            media_buf_appendf(out, ",\"headers\":{\"Content-Length\":\"%lld\"",
                              (long long)rec->declared_size);
            if (type) {
                media_buf_appends(out, ",\"Content-Type\":");
                media_json_string(out, type);
            }
            media_buf_appends(out, "}},\"post\":{");
            rc = presign_upload_post_form(c, rec, now, expires, type, out, err);
            media_buf_appends(out, "}");
        }
    } else {
        int count;
        int64_t part =
            presign_upload_part_size(rec->declared_size, c->st->cfg->upload_part_size, &count);
        media_buf_appends(out, ",\"multipart\":{\"upload_id\":");
        media_json_string(out, rec->upload_id);
        media_buf_appendf(out, ",\"part_size\":%lld,\"parts\":[", (long long)part);
        for (int i = 0; i < count && rc == MEDIA_OK; i++) {
            int64_t len = i < count - 1 ? part : rec->declared_size - part * (count - 1);
            char num[16];
            snprintf(num, sizeof(num), "%d", i + 1);
            rc = presign_upload_put_url(c, rec, now, expires, num, rec->upload_id, len, NULL, url,
                                        MEDIA_SIGV4_MAX_URL, err);
            media_buf_appendf(out, "%s{\"part_number\":%d,\"size\":%lld,\"url\":", i ? "," : "",
                              i + 1, (long long)len);
            media_json_string(out, url);
            media_buf_appends(out, "}");
        }
        media_buf_appends(out, "]}");
    }
    free(url);
    return rc;
}

static void create(const presign_handler_ctx *c, const presign_request *req, presign_response *res,
                   const media_apikey_info *who, const presign_upload_body *body)
{
    const presign_config *cfg = c->st->cfg;
    char detail[256];
    if (body->size_bytes > cfg->max_bytes) {
        snprintf(detail, sizeof(detail), "size_bytes is over the %ld-byte limit", cfg->max_bytes);
        presign_problem(res, 413, "too-large", "Upload too large", detail, req->request_id);
        return;
    }
    if (body->content_type && !media_type_set_contains(&cfg->types, body->content_type)) {
        presign_problem(res, 422, "type-not-allowed", "Content type not allowed",
                        "content_type must be one of the types this service stores",
                        req->request_id);
        return;
    }
    char tp[MEDIA_TRACEPARENT_LEN + 1];
    media_trace_header(media_trace_current(), tp);
    media_upload_request ur = {
        .tenant = who->tenant,
        .size_bytes = body->size_bytes,
        .content_type = body->content_type,
        .filename = body->filename,
        .metadata = body->metadata,
        .idempotency_key =
            req->idempotency_key && req->idempotency_key[0] ? req->idempotency_key : NULL,
        .bucket = c->st->s3cfg->bucket,
        .request_id = req->request_id,
        .expires_s = cfg->upload_expires_s,
        .traceparent = tp[0] ? tp : NULL,
    };
    media_record rec;
    memset(&rec, 0, sizeof(rec));
    bool created = false;
    media_error err;
    const presign_ports *io = c->io;
    media_code rc = io->upload_create(io->ud, &ur, &rec, &created, &err);
    if (rc == MEDIA_ERR_CONFLICT) {
        presign_problem(res, 409, "idempotency-conflict", "Idempotency-Key reused",
                        "this Idempotency-Key was used for a different request", req->request_id);
    } else if (rc == MEDIA_ERR_INVALID) {
        presign_problem(res, 422, "invalid-request", "Invalid request", err.message,
                        req->request_id);
    } else if (rc != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
    } else {
        bool multipart = body->multipart || body->size_bytes > cfg->upload_single_max;
        if (rec.status == MEDIA_STATUS_UPLOADING && multipart && rec.upload_id[0] == '\0')
            rc = io->upload_start_multipart(io->ud, &rec, body->content_type, &err);
        media_buf_appends(&res->body, "{\"media\":");
        media_record_json(&rec, &res->body);
        if (rc == MEDIA_OK && rec.status == MEDIA_STATUS_UPLOADING)
            rc = instructions(c, &rec, body->content_type, &res->body, &err);
        if (rc == MEDIA_ERR_CONFLICT) { /* a replay after the upload's window */
            presign_problem(res, 409, "upload-expired", "Upload expired",
                            "this Idempotency-Key's upload was not completed in time; start a "
                            "new one with another key",
                            req->request_id);
        } else if (rc != MEDIA_OK) {
            media_buf_reset(&res->body);
            presign_unavailable(c->st, req, res, PRESIGN_DEP_S3, &err);
        } else {
            media_buf_appends(&res->body, "}\n");
            res->status = created ? 201 : 200;
            snprintf(res->location, sizeof(res->location), "/api/v1/media/%s", rec.id);
            snprintf(res->cache_control, sizeof(res->cache_control), "no-store");
        }
    }
    media_record_cleanup(&rec);
}

/* RFC 3339 now, in the catalog's format, to compare with upload_expires_at. */
static void catalog_now(char out[40])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 40, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
}

/* The answer to a multipart completion S3 or the catalog refused, or that failed. */
void presign_upload_complete_failed(const presign_handler_ctx *c, const presign_request *req,
                                    presign_response *res, bool s3_step, const media_error *err)
{
    if (s3_step && err->cls == MEDIA_CLASS_PERMANENT && err->code != MEDIA_ERR_DB)
        presign_problem(res, 422, "incomplete-upload", "S3 refused to complete the upload",
                        err->message, req->request_id);
    else if (!s3_step && err->code == MEDIA_ERR_CONFLICT)
        presign_problem(res, 409, "upload-expired", "Upload expired", err->message,
                        req->request_id);
    else
        presign_unavailable(c->st, req, res, s3_step ? PRESIGN_DEP_S3 : PRESIGN_DEP_DB, err);
}

static void complete(const presign_handler_ctx *c, const presign_request *req,
                     presign_response *res, const media_apikey_info *who, const char *id,
                     const presign_complete_body *parts)
{
    const presign_ports *io = c->io;
    media_record rec;
    media_error err;
    memset(&rec, 0, sizeof(rec));
    media_code rc = io->get(io->ud, who->tenant, id, &rec, &err);
    char now[40];
    catalog_now(now);
    if (rc == MEDIA_ERR_NOT_FOUND ||
        (rc == MEDIA_OK && (!rec.upload || rec.status == MEDIA_STATUS_DELETED))) {
        presign_problem(res, 404, "not-found", "No such upload", NULL, req->request_id);
    } else if (rc != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
    } else if (rec.status == MEDIA_STATUS_FAILED && rec.upload_expires_at[0]) {
        presign_problem(res, 409, "upload-expired", "Upload expired",
                        "the upload expired or was aborted before it was completed; start a "
                        "new one",
                        req->request_id); /* failed by the sweeper, not by a verification */
    } else if (rec.status != MEDIA_STATUS_UPLOADING) {
        res->status = 202; /* completed before: the same answer */
        media_record_json(&rec, &res->body);
    } else if (strcmp(rec.upload_expires_at, now) <= 0) {
        presign_problem(res, 409, "upload-expired", "Upload expired",
                        "the upload was not completed in time; start a new one", req->request_id);
    } else if (rec.upload_id[0] && parts->count == 0) {
        presign_problem(res, 422, "invalid-request", "Invalid request",
                        "a multipart upload is completed with its parts' numbers and ETags",
                        req->request_id);
    } else if (rec.upload_id[0] &&
               io->upload_finish_multipart(io->ud, &rec, parts, &err) != MEDIA_OK) {
        presign_upload_complete_failed(c, req, res, true, &err);
    } else {
        bool changed;
        media_record_cleanup(&rec);
        if (io->upload_complete(io->ud, who->tenant, id, &rec, &changed, &err) != MEDIA_OK) {
            presign_upload_complete_failed(c, req, res, false, &err);
        } else {
            res->status = 202;
            snprintf(res->location, sizeof(res->location), "/api/v1/media/%s", rec.id);
            media_record_json(&rec, &res->body);
        }
    }
    media_record_cleanup(&rec);
}

int presign_uploads_match(const presign_request *req, presign_response *res, presign_call *call)
{
    snprintf(res->route, sizeof(res->route), "uploads");
    const char *rest = call->rest;
    presign_route *rt = &call->rt;
    bool is_create = rest[0] == '\0';
    bool is_complete = sscanf(rest, "/%63[^/]", rt->id) == 1 &&
                       strcmp(rest + 1 + strlen(rt->id), "/complete") == 0;
    if (!is_create && !is_complete) {
        snprintf(res->route, sizeof(res->route), "unknown");
        presign_problem(res, 404, "no-route", "No such route", NULL, req->request_id);
        return -1;
    }
    if (is_complete) {
        snprintf(res->route, sizeof(res->route), "uploads_complete");
        snprintf(rt->sub, sizeof(rt->sub), "complete");
        presign_id_canonical(rt->id);
    } else {
        rt->id[0] = '\0';
    }
    if (strcmp(req->method, "POST") != 0) {
        snprintf(res->allow, sizeof(res->allow), "POST");
        presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL,
                        req->request_id);
        return -1;
    }
    rt->write = call->write = true;
    call->need = PRESIGN_NEED_WRITE;
    call->body_kind = is_complete ? PRESIGN_BODY_COMPLETE : PRESIGN_BODY_UPLOAD;
    return 0;
}

void presign_uploads_handle(const presign_handler_ctx *c, const presign_request *req,
                            const presign_call *call, presign_response *res)
{
    if (call->rt.id[0] == '\0')
        create(c, req, res, &call->who, &call->body.u.upload);
    else
        complete(c, req, res, &call->who, call->rt.id, &call->body.u.complete);
}
