/*
 * uppy.c - the Companion-style S3 signing routes @uppy/aws-s3 talks to (see uppy.h).
 */
#include "uppy.h"
#include "body.h"
#include "media/json.h"
#include "media/trace.h"
#include "media/uploads.h"
#include "uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A new upload row of unknown size, its type checked as for POST /api/v1/uploads. */
static bool start(const presign_handler_ctx *c, const presign_request *req, presign_response *res,
                  const media_apikey_info *who, const char *filename, const char *type,
                  const char *metadata, media_record *rec)
{
    const presign_config *cfg = c->st->cfg;
    if (type && !media_type_set_contains(&cfg->types, type)) {
        presign_problem(res, 422, "type-not-allowed", "Content type not allowed",
                        "the file's type is not one this service stores", req->request_id);
        return false;
    }
    char tp[MEDIA_TRACEPARENT_LEN + 1];
    media_trace_header(media_trace_current(), tp);
    media_upload_request ur = {
        .tenant = who->tenant,
        .size_bytes = -1,
        .content_type = type,
        .filename = filename && strlen(filename) <= 255 ? filename : NULL,
        .metadata = metadata,
        .bucket = c->st->s3cfg->bucket,
        .request_id = req->request_id,
        .expires_s = cfg->upload_expires_s,
        .traceparent = tp[0] ? tp : NULL,
    };
    bool created;
    media_error err;
    memset(rec, 0, sizeof(*rec));
    media_code rc = c->io->upload_create(c->io->ud, &ur, rec, &created, &err);
    if (rc == MEDIA_ERR_INVALID)
        presign_problem(res, 422, "invalid-request", "Invalid request", err.message,
                        req->request_id);
    else if (rc != MEDIA_OK)
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
    if (rc != MEDIA_OK)
        media_record_cleanup(rec);
    return rc == MEDIA_OK;
}

/* GET /params: a form upload (Uppy posts the file with these fields). */
static void params(const presign_handler_ctx *c, const presign_request *req, presign_response *res,
                   const media_apikey_info *who)
{
    char filename[256] = "", type[128] = "";
    if (presign_query_get(req->query, "filename", filename, sizeof(filename)) ==
            PRESIGN_QUERY_BAD ||
        presign_query_get(req->query, "type", type, sizeof(type)) == PRESIGN_QUERY_BAD) {
        presign_problem(res, 400, "invalid-query", "Invalid query", "filename or type",
                        req->request_id);
        return;
    }
    media_record rec;
    if (!start(c, req, res, who, filename[0] ? filename : NULL, type[0] ? type : NULL, NULL, &rec))
        return;
    media_error err;
    media_buf_appends(&res->body, "{\"method\":\"POST\",");
    if (presign_upload_post_form(c, &rec, time(NULL), c->st->cfg->upload_expires_s,
                                 type[0] ? type : NULL, &res->body, &err) != MEDIA_OK) {
        media_buf_reset(&res->body);
        presign_unavailable(c->st, req, res, PRESIGN_DEP_S3, &err);
    } else {
        media_buf_appends(&res->body, ",\"headers\":{}}\n");
        res->status = 200;
        snprintf(res->cache_control, sizeof(res->cache_control), "no-store");
    }
    media_record_cleanup(&rec);
}

/* POST /multipart: the service creates the multipart upload. */
static void create_multipart(const presign_handler_ctx *c, const presign_request *req,
                             presign_response *res, const media_apikey_info *who,
                             const presign_body *body)
{
    media_record rec;
    media_error err;
    if (!start(c, req, res, who, body->u.uppy.filename, body->u.uppy.type, body->u.uppy.metadata,
               &rec))
        return;
    if (c->io->upload_start_multipart(c->io->ud, &rec, body->u.uppy.type, &err) != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_S3, &err);
    } else {
        char key[MEDIA_UPLOAD_WRITE_KEY_MAX]; /* the staging key: never the served one */
        media_upload_write_key(&rec, key);
        int first = 1;
        media_buf_appends(&res->body, "{");
        media_json_kv_str(&res->body, "key", key, &first);
        media_json_kv_str(&res->body, "uploadId", rec.upload_id, &first);
        media_json_kv_str(&res->body, "mediaId", rec.id, &first);
        media_buf_appends(&res->body, "}\n");
        res->status = 200;
    }
    media_record_cleanup(&rec);
}

/* The tenant's uploading row of upload_id, whose key is `key` (the client echoes the one it was
 * given: the staging key). */
static bool find(const presign_handler_ctx *c, const presign_request *req, presign_response *res,
                 const media_apikey_info *who, const char *upload_id, media_record *rec)
{
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX], want[MEDIA_UPLOAD_WRITE_KEY_MAX];
    media_error err;
    memset(rec, 0, sizeof(*rec));
    media_code rc = c->io->upload_find_multipart(c->io->ud, who->tenant, upload_id, rec, &err);
    if (rc == MEDIA_OK)
        media_upload_write_key(rec, want);
    if (rc == MEDIA_OK &&
        (presign_query_get(req->query, "key", key, sizeof(key)) != PRESIGN_QUERY_OK ||
         strcmp(key, want) != 0))
        rc = MEDIA_ERR_NOT_FOUND;
    if (rc == MEDIA_ERR_NOT_FOUND)
        presign_problem(res, 404, "not-found", "No such upload", NULL, req->request_id);
    else if (rc != MEDIA_OK)
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
    if (rc != MEDIA_OK)
        media_record_cleanup(rec);
    return rc == MEDIA_OK;
}

static void sign_part(const presign_handler_ctx *c, const presign_request *req,
                      presign_response *res, const media_record *rec, const char *number)
{
    char *end;
    long n = strtol(number, &end, 10);
    if (*end || n < 1 || n > 10000) {
        presign_problem(res, 400, "invalid-request", "Invalid part number", "1..10000",
                        req->request_id);
        return;
    }
    time_t now = time(NULL);
    long expires = presign_upload_lifetime(c->st->cfg, rec, now);
    if (expires <= 0) {
        presign_problem(res, 409, "upload-expired", "Upload expired",
                        "the upload was not completed in time; start a new one", req->request_id);
        return;
    }
    char num[16], *url = media_malloc(MEDIA_SIGV4_MAX_URL);
    snprintf(num, sizeof(num), "%ld", n);
    media_error err;
    if (presign_upload_put_url(c, rec, now, expires, num, rec->upload_id, -1, NULL, url,
                               MEDIA_SIGV4_MAX_URL, &err) != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_S3, &err);
    } else {
        media_buf_appends(&res->body, "{\"url\":");
        media_json_string(&res->body, url);
        media_buf_appendf(&res->body, ",\"expires\":%ld}\n", expires);
        res->status = 200;
    }
    free(url);
}

static void complete(const presign_handler_ctx *c, const presign_request *req,
                     presign_response *res, const media_apikey_info *who, const media_record *rec,
                     const presign_complete_body *parts)
{
    const presign_ports *io = c->io;
    media_error err;
    bool changed;
    media_record done;
    memset(&done, 0, sizeof(done));
    if (io->upload_finish_multipart(io->ud, rec, parts, &err) != MEDIA_OK) {
        presign_upload_complete_failed(c, req, res, true, &err);
    } else if (io->upload_complete(io->ud, who->tenant, rec->id, &done, &changed, &err) !=
               MEDIA_OK) {
        presign_upload_complete_failed(c, req, res, false, &err);
    } else {
        int first = 1;
        char location[96];
        snprintf(location, sizeof(location), "/api/v1/media/%s", done.id);
        media_buf_appends(&res->body, "{");
        media_json_kv_str(&res->body, "location", location, &first);
        media_json_kv_str(&res->body, "bucket", done.bucket, &first);
        media_json_kv_str(&res->body, "key", done.object_key, &first);
        media_json_kv_str(&res->body, "mediaId", done.id, &first);
        media_buf_appends(&res->body, "}\n");
        res->status = 200;
    }
    media_record_cleanup(&done);
}

static void abort_upload(const presign_handler_ctx *c, const presign_request *req,
                         presign_response *res, const media_apikey_info *who,
                         const media_record *rec)
{
    media_error err;
    if (c->io->upload_abort(c->io->ud, who->tenant, rec, &err) != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_S3, &err);
        return;
    }
    media_buf_appends(&res->body, "{}\n");
    res->status = 200;
}

/* The upload id of a path below /multipart/ (the match checked its shape). */
static void upload_id_of(const char *rest, char out[UPPY_UPLOAD_ID_MAX])
{
    size_t n = strcspn(rest, "/");
    memcpy(out, rest, n);
    out[n] = '\0';
}

static void method_not_allowed(const presign_request *req, presign_response *res, const char *allow)
{
    snprintf(res->allow, sizeof(res->allow), "%s", allow);
    presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL, req->request_id);
}

static int no_route(const presign_request *req, presign_response *res)
{
    presign_problem(res, 404, "no-route", "No such route", NULL, req->request_id);
    return -1;
}

int presign_uppy_match(const presign_request *req, presign_response *res, presign_call *call)
{
    snprintf(res->route, sizeof(res->route), "uppy");
    call->need = PRESIGN_NEED_WRITE;
    call->write = true;
    const char *rest = call->rest, *m = req->method, *op = NULL;
    bool get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0;
    bool del = strcmp(m, "DELETE") == 0;
    if (strcmp(rest, "/params") == 0) {
        op = get ? "params" : NULL;
        if (!op) {
            method_not_allowed(req, res, "GET");
            return -1;
        }
    } else if (strcmp(rest, "/multipart") == 0) {
        op = post ? "create" : NULL;
        if (!op) {
            method_not_allowed(req, res, "POST");
            return -1;
        }
        call->body_kind = PRESIGN_BODY_UPPY_CREATE;
    } else if (strncmp(rest, "/multipart/", 11) == 0) {
        /* "<uploadId>", "<uploadId>/complete" or "<uploadId>/<partNumber>": any other shape is
         * no route (404); a known shape with another method is 405 with Allow */
        const char *item = rest + 11;
        size_t idlen = strcspn(item, "/");
        const char *tail = item + idlen;
        bool part =
            tail[0] == '/' && tail[1] != '\0' && strspn(tail + 1, "0123456789") == strlen(tail + 1);
        bool done = strcmp(tail, "/complete") == 0;
        if (idlen == 0 || idlen >= UPPY_UPLOAD_ID_MAX || (tail[0] && !part && !done))
            return no_route(req, res);
        op = tail[0] == '\0' ? (get   ? "parts"
                                : del ? "abort"
                                      : NULL)
             : done          ? (post ? "complete" : NULL)
                             : (get ? "sign" : NULL);
        if (!op) {
            method_not_allowed(req, res, tail[0] == '\0' ? "GET, DELETE" : done ? "POST" : "GET");
            return -1;
        }
        if (done)
            call->body_kind = PRESIGN_BODY_UPPY_COMPLETE;
    } else {
        return no_route(req, res);
    }
    snprintf(call->rt.sub, sizeof(call->rt.sub), "%s", op);
    call->rt.write = strcmp(op, "create") == 0 || strcmp(op, "complete") == 0 ||
                     strcmp(op, "abort") == 0 || strcmp(op, "params") == 0;
    return 0;
}

void presign_uppy_handle(const presign_handler_ctx *c, const presign_request *req,
                         const presign_call *call, presign_response *res)
{
    const char *op = call->rt.sub;
    const media_apikey_info *who = &call->who;
    if (strcmp(op, "params") == 0) {
        params(c, req, res, who);
        return;
    }
    if (strcmp(op, "create") == 0) {
        create_multipart(c, req, res, who, &call->body);
        return;
    }
    char upload_id[UPPY_UPLOAD_ID_MAX];
    upload_id_of(call->rest + 11, upload_id);
    media_record rec;
    if (!find(c, req, res, who, upload_id, &rec))
        return;
    if (strcmp(op, "parts") == 0) {
        /* ListParts: Uppy asks when it resumes; the parts are not listed here, so a resumed
         * upload sends every part again (correct, only slower) */
        media_buf_appends(&res->body, "[]\n");
        res->status = 200;
    } else if (strcmp(op, "abort") == 0) {
        abort_upload(c, req, res, who, &rec);
    } else if (strcmp(op, "complete") == 0) {
        complete(c, req, res, who, &rec, &call->body.u.complete);
    } else {
        sign_part(c, req, res, &rec, strrchr(call->rest, '/') + 1);
    }
    media_record_cleanup(&rec);
}
