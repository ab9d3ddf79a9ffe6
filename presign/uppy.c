/*
 * uppy.c - the Companion-style S3 signing routes @uppy/aws-s3 talks to (see uppy.h).
 */
#include "uppy.h"
#include "body.h"
#include "media/enqueue.h"
#include "media/json.h"
#include "media/log.h"
#include "media/trace.h"
#include "media/uploads.h"
#include "uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define unavailable(req, res, what, err)                                                           \
    presign_backend_unavailable(NULL, req, res, "Service unavailable", "uppy " what, err)

/* A new upload row of unknown size, its type checked as for POST /api/v1/uploads. */
static bool start(presign_backend *b, media_db *db, const presign_request *req,
                  presign_response *res, const media_apikey_info *who, const char *filename,
                  const char *type, const char *metadata, media_record *rec)
{
    if (type && !media_type_set_contains(&b->cfg->types, type)) {
        presign_problem(res, 422, "type-not-allowed", "Content type not allowed",
                        "the file's type is not one this service stores", req->request_id);
        return false;
    }
    char tp[MEDIA_TRACEPARENT_LEN + 1];
    media_trace_header(media_trace_current(), tp);
    media_upload_request ur = {who->tenant,
                               -1,
                               type,
                               filename && strlen(filename) <= 255 ? filename : NULL,
                               metadata,
                               NULL,
                               b->s3cfg->bucket,
                               req->request_id,
                               b->cfg->upload_expires_s,
                               tp[0] ? tp : NULL};
    bool created;
    media_error err;
    media_code rc = media_upload_create(db, &ur, rec, &created, &err);
    if (rc == MEDIA_ERR_INVALID)
        presign_problem(res, 422, "invalid-request", "Invalid request", err.message,
                        req->request_id);
    else if (rc != MEDIA_OK)
        unavailable(req, res, "create", &err);
    return rc == MEDIA_OK;
}

/* GET /params: a form upload (Uppy posts the file with these fields). */
static void params(presign_backend *b, media_db *db, const presign_request *req,
                   presign_response *res, const media_apikey_info *who)
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
    if (!start(b, db, req, res, who, filename[0] ? filename : NULL, type[0] ? type : NULL, NULL,
               &rec))
        return;
    media_error err;
    media_buf_appends(&res->body, "{\"method\":\"POST\",");
    if (presign_upload_post_form(b, &rec, time(NULL), b->cfg->upload_expires_s,
                                 type[0] ? type : NULL, &res->body, &err) != MEDIA_OK) {
        media_buf_reset(&res->body);
        unavailable(req, res, "params", &err);
    } else {
        media_buf_appends(&res->body, ",\"headers\":{}}\n");
        res->status = 200;
        snprintf(res->cache_control, sizeof(res->cache_control), "no-store");
    }
    media_record_cleanup(&rec);
}

/* POST /multipart: the service creates the multipart upload. */
static void create_multipart(presign_backend *b, media_db *db, const presign_request *req,
                             presign_response *res, const media_apikey_info *who)
{
    char *filename, *type, *metadata, detail[256];
    const char *slug;
    int st = presign_uppy_create_parse(req->body, req->body_len, &filename, &type, &metadata, &slug,
                                       detail, sizeof(detail));
    if (st) {
        presign_problem(res, st, slug, "Invalid request", detail, req->request_id);
        return;
    }
    media_record rec;
    media_error err;
    if (start(b, db, req, res, who, filename, type, metadata, &rec)) {
        media_s3_put_options po = {type, NULL, NULL};
        media_s3_client *s3 = presign_backend_s3(b, &err);
        char key[MEDIA_UPLOAD_WRITE_KEY_MAX]; /* the staging key: never the served one */
        media_upload_write_key(&rec, key);
        if (s3 == NULL ||
            media_s3_multipart_create(s3, key, &po, rec.upload_id, sizeof(rec.upload_id), &err) !=
                MEDIA_OK ||
            media_upload_record_multipart(db, rec.id, rec.upload_id, &err) != MEDIA_OK) {
            unavailable(req, res, "multipart", &err);
        } else {
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
    free(filename);
    free(type);
    free(metadata); /* from jansson's json_dumps: malloc */
}

/* The tenant's uploading row of upload_id, whose key is `key` (the client echoes the one it was
 * given: the staging key). */
static bool find(media_db *db, const presign_request *req, presign_response *res,
                 const media_apikey_info *who, const char *upload_id, media_record *rec)
{
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX], want[MEDIA_UPLOAD_WRITE_KEY_MAX];
    media_error err;
    media_code rc = media_upload_find_multipart(db, who->tenant, upload_id, rec, &err);
    if (rc == MEDIA_OK)
        media_upload_write_key(rec, want);
    if (rc == MEDIA_OK &&
        (presign_query_get(req->query, "key", key, sizeof(key)) != PRESIGN_QUERY_OK ||
         strcmp(key, want) != 0)) {
        media_record_cleanup(rec);
        rc = MEDIA_ERR_NOT_FOUND;
    }
    if (rc == MEDIA_ERR_NOT_FOUND)
        presign_problem(res, 404, "not-found", "No such upload", NULL, req->request_id);
    else if (rc != MEDIA_OK)
        unavailable(req, res, "lookup", &err);
    return rc == MEDIA_OK;
}

static void sign_part(presign_backend *b, const presign_request *req, presign_response *res,
                      const media_record *rec, const char *number)
{
    char *end;
    long n = strtol(number, &end, 10);
    if (*end || n < 1 || n > 10000) {
        presign_problem(res, 400, "invalid-request", "Invalid part number", "1..10000",
                        req->request_id);
        return;
    }
    time_t now = time(NULL);
    long expires = presign_upload_lifetime(b, rec, now);
    if (expires <= 0) {
        presign_problem(res, 409, "upload-expired", "Upload expired",
                        "the upload was not completed in time; start a new one", req->request_id);
        return;
    }
    char num[16], *url = media_malloc(MEDIA_SIGV4_MAX_URL);
    snprintf(num, sizeof(num), "%ld", n);
    media_error err;
    if (presign_upload_put_url(b, rec, now, expires, num, rec->upload_id, -1, NULL, url,
                               MEDIA_SIGV4_MAX_URL, &err) != MEDIA_OK) {
        unavailable(req, res, "sign part", &err);
    } else {
        media_buf_appends(&res->body, "{\"url\":");
        media_json_string(&res->body, url);
        media_buf_appendf(&res->body, ",\"expires\":%ld}\n", expires);
        res->status = 200;
    }
    free(url);
}

static void complete(presign_backend *b, media_db *db, const presign_request *req,
                     presign_response *res, const media_apikey_info *who, media_record *rec)
{
    presign_complete_body parts;
    const char *slug;
    char detail[256];
    int st = presign_uppy_complete_parse(req->body, req->body_len, &parts, &slug, detail,
                                         sizeof(detail));
    if (st) {
        presign_problem(res, st, slug, "Invalid request", detail, req->request_id);
        return;
    }
    media_error err;
    media_s3_client *s3 = presign_backend_s3(b, &err);
    bool changed;
    media_record done;
    memset(&done, 0, sizeof(done));
    if (s3 == NULL || presign_upload_finish_multipart(s3, rec, &parts, &err) != MEDIA_OK) {
        if (s3 && err.cls == MEDIA_CLASS_PERMANENT)
            presign_problem(res, 422, "incomplete-upload", "S3 refused to complete the upload",
                            err.message, req->request_id);
        else
            unavailable(req, res, "complete", &err);
    } else if (media_upload_complete(db, who->tenant, rec->id, &done, &changed, &err) != MEDIA_OK) {
        if (err.code == MEDIA_ERR_CONFLICT)
            presign_problem(res, 409, "upload-expired", "Upload expired", err.message,
                            req->request_id);
        else
            unavailable(req, res, "complete", &err);
    } else {
        media_error qerr;
        media_queue *q = presign_backend_queue(b, &qerr);
        if (changed && (q == NULL || media_enqueue_publish(db, q, &done, &qerr) != MEDIA_OK))
            media_log(MEDIA_LOG_WARN, req->request_id, NULL,
                      "upload %s completed; the outbox sweeper will queue its verification",
                      done.id);
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
    presign_complete_body_cleanup(&parts);
}

static void abort_upload(presign_backend *b, media_db *db, const presign_request *req,
                         presign_response *res, const media_apikey_info *who,
                         const media_record *rec)
{
    media_error err;
    media_s3_client *s3 = presign_backend_s3(b, &err);
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX];
    media_upload_write_key(rec, key);
    if (s3 == NULL || media_s3_multipart_abort(s3, key, rec->upload_id, &err) != MEDIA_OK ||
        media_upload_abort(db, who->tenant, rec->id, &err) != MEDIA_OK) {
        unavailable(req, res, "abort", &err);
        return;
    }
    media_buf_appends(&res->body, "{}\n");
    res->status = 200;
}

/* The routes below /multipart/<uploadId>. */
static void multipart_item(presign_backend *b, media_db *db, const presign_request *req,
                           presign_response *res, const media_apikey_info *who, const char *rest)
{
    /* "<uploadId>", "<uploadId>/complete" or "<uploadId>/<partNumber>": any other shape is no
     * route (404); a known shape with another method is 405 with Allow */
    char upload_id[256];
    const char *slash = strchr(rest, '/');
    size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *tail = rest + idlen;
    bool part =
        tail[0] == '/' && tail[1] != '\0' && strspn(tail + 1, "0123456789") == strlen(tail + 1);
    const char *allow = tail[0] == '\0'                  ? "GET, DELETE"
                        : strcmp(tail, "/complete") == 0 ? "POST"
                        : part                           ? "GET"
                                                         : NULL;
    if (idlen == 0 || idlen >= sizeof(upload_id) || allow == NULL) {
        presign_problem(res, 404, "no-route", "No such route", NULL, req->request_id);
        return;
    }
    memcpy(upload_id, rest, idlen);
    upload_id[idlen] = '\0';
    media_record rec;
    const char *m = req->method;
    bool get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0;
    bool del = strcmp(m, "DELETE") == 0;
    if (!(tail[0] == '\0' && (get || del)) && !(strcmp(tail, "/complete") == 0 && post) &&
        !(part && get)) {
        snprintf(res->allow, sizeof(res->allow), "%s", allow);
        presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL,
                        req->request_id);
        return;
    }
    if (!find(db, req, res, who, upload_id, &rec))
        return;
    if (tail[0] == '\0' && get) {
        /* ListParts: Uppy asks when it resumes; the parts are not listed here, so a resumed
         * upload sends every part again (correct, only slower) */
        media_buf_appends(&res->body, "[]\n");
        res->status = 200;
    } else if (del) {
        abort_upload(b, db, req, res, who, &rec);
    } else if (post) {
        complete(b, db, req, res, who, &rec);
    } else {
        sign_part(b, req, res, &rec, tail + 1);
    }
    media_record_cleanup(&rec);
}

void presign_uppy_handle(presign_backend *b, const presign_request *req, const presign_call *call,
                         presign_response *res)
{
    const char *rest = call->rest;
    const media_apikey_info *who = &call->who;
    media_error err;
    media_db *db = presign_backend_db(b, &err);
    if (db == NULL) {
        unavailable(req, res, "catalog", &err);
        return;
    }
    if (strcmp(rest, "/params") == 0 && strcmp(req->method, "GET") == 0)
        params(b, db, req, res, who);
    else if (strcmp(rest, "/multipart") == 0 && strcmp(req->method, "POST") == 0)
        create_multipart(b, db, req, res, who);
    else if (strncmp(rest, "/multipart/", 11) == 0)
        multipart_item(b, db, req, res, who, rest + 11);
    else
        presign_problem(res, 404, "no-route", "No such route", NULL, req->request_id);
}
