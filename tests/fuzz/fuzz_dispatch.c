/* fuzz_dispatch.c - the one request pipeline in process (issue 24), from raw requests: the route
 * table, the match of each family, the credential as the route reads it, the scope check, the
 * Idempotency-Key check, the body parsed by its route's kind, then every family's handlers
 * (media, uploads, Uppy, webhooks, session, readiness) over fake ports.
 *
 * Input: "METHOD PATH[?QUERY]\n" then "Name: value\n" header lines, an empty line, the body.
 * The first byte of the body (when any) picks the caller's scopes.
 *
 * Traps on: a match that answers neither 0 nor a 404/405, an id the router left in upper case,
 * a credential from a route that does not accept its kind, and any 5xx other than a 503 with
 * Retry-After.
 */
#include "media/catalog.h"
#include "media/metrics.h"
#include "media/session.h"
#include "presign/api.h"
#include "presign/auth.h"
#include "presign/handlers.h"
#include "presign/ports.h"
#include "presign/routes.h"
#include "presign/state.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fake ports: one ready record of tenant "t", anything else unknown ---- */

#define READY_ID "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"

static void fill(media_record *out, const char *tenant, const char *id, media_status st)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", id);
    snprintf(out->tenant, sizeof(out->tenant), "%s", tenant);
    snprintf(out->bucket, sizeof(out->bucket), "bkt");
    snprintf(out->object_key, sizeof(out->object_key), "t/%s", id);
    snprintf(out->content_type, sizeof(out->content_type), "image/png");
    out->status = st;
    out->size_bytes = 10;
}

static media_code f_create(void *ud, const media_create_request *req, media_record *out,
                           bool *created, bool *queued, media_error *queue_err, media_error *err)
{
    (void)ud, (void)queue_err, (void)err;
    fill(out, req->tenant, "0190aaaa-bbbb-7ccc-8ddd-000000000001", MEDIA_STATUS_QUEUED);
    *created = *queued = true;
    return MEDIA_OK;
}

static media_code f_get(void *ud, const char *tenant, const char *id, media_record *out,
                        media_error *err)
{
    (void)ud;
    if (strcmp(tenant, "t") != 0 || strcmp(id, READY_ID) != 0)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    fill(out, tenant, id, MEDIA_STATUS_READY);
    return MEDIA_OK;
}

static media_code f_list(void *ud, const char *tenant, const media_status *status,
                         const char *after, long long page, int size, media_page *out,
                         media_error *err)
{
    (void)ud, (void)tenant, (void)status, (void)after, (void)page, (void)size, (void)err;
    memset(out, 0, sizeof(*out));
    return MEDIA_OK;
}

static media_code f_retry(void *ud, const char *tenant, const char *id, media_record *out,
                          bool *queued, media_error *err)
{
    (void)ud, (void)tenant, (void)id, (void)out, (void)queued;
    return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
}

static media_code f_soft_delete(void *ud, const char *tenant, const char *id, media_record *out,
                                media_error *err)
{
    return f_get(ud, tenant, id, out, err);
}

static media_code f_delete_object(void *ud, const char *key, media_error *err)
{
    (void)ud, (void)key, (void)err;
    return MEDIA_OK;
}

static media_code f_abort_upload(void *ud, const char *key, const char *upload_id, media_error *err)
{
    (void)ud, (void)key, (void)upload_id, (void)err;
    return MEDIA_OK;
}

static bool f_ping(void *ud)
{
    (void)ud;
    return true;
}

static void f_announce(void *ud, const char *tenant, const char *id)
{
    (void)ud, (void)tenant, (void)id;
}

/* uploads: one multipart upload "UP1" of tenant "t", open until 2999 */
static void fill_upload(media_record *out, const char *tenant)
{
    fill(out, tenant, "0190aaaa-bbbb-7ccc-8ddd-000000000002", MEDIA_STATUS_UPLOADING);
    out->upload = out->staged = true;
    out->declared_size = -1;
    snprintf(out->upload_expires_at, sizeof(out->upload_expires_at), "2999-01-01T00:00:00.000000Z");
}

static media_code f_upload_create(void *ud, const media_upload_request *req, media_record *out,
                                  bool *created, media_error *err)
{
    (void)ud, (void)err;
    fill_upload(out, req->tenant);
    out->declared_size = req->size_bytes;
    *created = true;
    return MEDIA_OK;
}

static media_code f_start_multipart(void *ud, media_record *rec, const char *type, media_error *err)
{
    (void)ud, (void)type, (void)err;
    snprintf(rec->upload_id, sizeof(rec->upload_id), "UP1");
    return MEDIA_OK;
}

static media_code f_find_multipart(void *ud, const char *tenant, const char *upload_id,
                                   media_record *out, media_error *err)
{
    (void)ud;
    if (strcmp(tenant, "t") != 0 || strcmp(upload_id, "UP1") != 0)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such upload");
    fill_upload(out, tenant);
    snprintf(out->upload_id, sizeof(out->upload_id), "UP1");
    return MEDIA_OK;
}

static media_code f_finish_multipart(void *ud, const media_record *rec,
                                     const presign_complete_body *parts, media_error *err)
{
    (void)ud, (void)rec, (void)err;
    for (size_t i = 0; i < parts->count; i++) /* every part the parser kept is whole */
        if (parts->numbers[i] < 1 || parts->numbers[i] > 10000 || parts->etags[i] == NULL)
            __builtin_trap();
    return MEDIA_OK;
}

static media_code f_upload_complete(void *ud, const char *tenant, const char *id, media_record *out,
                                    bool *changed, media_error *err)
{
    (void)ud;
    if (strcmp(tenant, "t") != 0 || strcmp(id, "0190aaaa-bbbb-7ccc-8ddd-000000000002") != 0)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "none");
    fill(out, tenant, id, MEDIA_STATUS_QUEUED);
    *changed = true;
    return MEDIA_OK;
}

static media_code f_upload_abort(void *ud, const char *tenant, const media_record *rec,
                                 media_error *err)
{
    (void)ud, (void)tenant, (void)rec, (void)err;
    return MEDIA_OK;
}

/* webhooks: an https URL is accepted, nothing is listed, no id is known */
static media_code f_webhook_create(void *ud, const char *tenant, const char *url, unsigned events,
                                   media_webhook_endpoint *out, media_error *err)
{
    (void)ud, (void)tenant;
    if (url == NULL || events == 0)
        __builtin_trap(); /* the parser never hands over less */
    if (strncmp(url, "https://", 8) != 0)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "not https");
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "0190aaaa-bbbb-7ccc-8ddd-000000000003");
    out->url = strdup(url);
    out->events = events;
    return MEDIA_OK;
}

static media_code f_webhook_list(void *ud, const char *tenant, media_webhook_endpoint **out,
                                 size_t *n, media_error *err)
{
    (void)ud, (void)tenant, (void)err;
    *out = NULL;
    *n = 0;
    return MEDIA_OK;
}

static media_code f_webhook_none(void *ud, const char *tenant, const char *id, media_error *err)
{
    (void)ud, (void)tenant, (void)id;
    return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "none");
}

static media_code f_webhook_rotate(void *ud, const char *tenant,
                                   char out[MEDIA_WEBHOOK_SECRET_LEN + 1], media_error *err)
{
    (void)ud, (void)tenant, (void)err;
    memset(out, 'a', MEDIA_WEBHOOK_SECRET_LEN);
    out[MEDIA_WEBHOOK_SECRET_LEN] = '\0';
    return MEDIA_OK;
}

static media_code f_webhook_deliveries(void *ud, const char *tenant,
                                       const media_delivery_status *status, int limit,
                                       media_delivery **out, size_t *n, media_error *err)
{
    (void)ud, (void)tenant, (void)status, (void)err;
    if (limit < 1 || limit > 1000)
        __builtin_trap(); /* the handler bounds it */
    *out = NULL;
    *n = 0;
    return MEDIA_OK;
}

static media_code f_settings_get(void *ud, const char *tenant, char out[16], media_error *err)
{
    (void)ud, (void)tenant, (void)err;
    snprintf(out, 16, "strip");
    return MEDIA_OK;
}

static media_code f_settings_set(void *ud, const char *tenant, const char *policy, media_error *err)
{
    (void)ud, (void)tenant, (void)err;
    if (policy && policy[0] && strcmp(policy, "strip") != 0 &&
        strcmp(policy, "keep-copyright") != 0 && strcmp(policy, "keep") != 0)
        __builtin_trap(); /* the parser lets no other name through */
    return MEDIA_OK;
}

static const char *env(const char *name, void *ud)
{
    (void)ud;
    static const char *const kv[] = {"AWS_ACCESS_KEY_ID",
                                     "AKID",
                                     "AWS_SECRET_ACCESS_KEY",
                                     "secret",
                                     "MEDIAGATE_S3_ENDPOINT",
                                     "http://127.0.0.1:9",
                                     "MEDIAGATE_S3_BUCKET",
                                     "bkt",
                                     NULL};
    for (size_t i = 0; kv[i]; i += 2)
        if (strcmp(kv[i], name) == 0)
            return kv[i + 1];
    return NULL;
}

static struct {
    presign_config cfg;
    media_s3_config s3;
    media_metrics *m;
    presign_state *st;
    media_sigv4_signer *signer;
    presign_ports io;
    presign_handler_ctx c;
} w;

static void init_once(void)
{
    if (w.st)
        return;
    media_error err;
    media_store_config store = {"postgresql://fake/db", "redis://127.0.0.1:1/0", "t", 0, true};
    if (presign_config_load(&w.cfg, &store, env, NULL, &err) != MEDIA_OK ||
        media_s3_config_load(&w.s3, env, NULL, &err) != MEDIA_OK)
        __builtin_trap();
    w.m = media_metrics_new();
    w.st = presign_state_new(&w.cfg, &w.s3, w.m);
    w.signer = presign_signer_new(&w.s3, &err);
    w.io = (presign_ports){.create = f_create,
                           .get = f_get,
                           .list = f_list,
                           .retry = f_retry,
                           .soft_delete = f_soft_delete,
                           .delete_object = f_delete_object,
                           .abort_upload = f_abort_upload,
                           .ping_db = f_ping,
                           .ping_queue = f_ping,
                           .ping_s3 = f_ping,
                           .announce = f_announce,
                           .upload_create = f_upload_create,
                           .upload_start_multipart = f_start_multipart,
                           .upload_find_multipart = f_find_multipart,
                           .upload_finish_multipart = f_finish_multipart,
                           .upload_complete = f_upload_complete,
                           .upload_abort = f_upload_abort,
                           .webhook_create = f_webhook_create,
                           .webhook_list = f_webhook_list,
                           .webhook_delete = f_webhook_none,
                           .webhook_rotate_secret = f_webhook_rotate,
                           .webhook_deliveries = f_webhook_deliveries,
                           .webhook_replay = f_webhook_none,
                           .settings_get = f_settings_get,
                           .settings_set = f_settings_set};
    w.c = (presign_handler_ctx){w.st, w.signer, &w.io};
}

/* The value of header `name` among the lines (a copy in out), or NULL. */
static const char *header(char *const *lines, size_t n, const char *name, char *out, size_t cap)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (strncasecmp(lines[i], name, len) == 0 && lines[i][len] == ':') {
            const char *v = lines[i] + len + 1;
            while (*v == ' ')
                v++;
            snprintf(out, cap, "%s", v);
            return out;
        }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    /* the request line, the header lines, the body */
    char *body = strstr(s, "\n\n");
    size_t body_len = 0;
    if (body) {
        *body = '\0';
        body += 2;
        body_len = size - (size_t)(body - s);
    }
    char *lines[16];
    size_t n = 0;
    char *line = strchr(s, '\n');
    if (line)
        *line++ = '\0';
    while (line && n < 16) {
        lines[n++] = line;
        line = strchr(line, '\n');
        if (line)
            *line++ = '\0';
    }
    char *sp = strchr(s, ' ');
    const char *method = "GET", *path = s;
    if (sp) {
        *sp = '\0';
        method = s;
        path = sp + 1;
    }
    char *q = strchr(path, '?');
    if (q)
        *q++ = '\0';
    char auth[512], cookie[512], idem[512], app[8], site[32];
    bool from_app =
        (header(lines, n, "X-Mediagate-App", app, sizeof(app)) && strcmp(app, "1") == 0) ||
        (header(lines, n, "Sec-Fetch-Site", site, sizeof(site)) &&
         strcmp(site, "same-origin") == 0);
    presign_request req = {.method = method,
                           .path = path,
                           .query = q ? q : "",
                           .authorization = header(lines, n, "Authorization", auth, sizeof(auth)),
                           .cookie = header(lines, n, "Cookie", cookie, sizeof(cookie)),
                           .idempotency_key =
                               header(lines, n, "Idempotency-Key", idem, sizeof(idem)),
                           .request_id = "fuzz",
                           .body = body,
                           .body_len = body_len,
                           .from_app = from_app};

    presign_response res;
    presign_response_init(&res);
    const presign_family *f;
    presign_call call;
    int rc = presign_route_match(&req, &res, &f, &call);
    if (rc != 0 && res.status != 404 && res.status != 405)
        __builtin_trap();
    if (f) {
        for (const char *c = call.rt.id; rc == 0 && *c; c++)
            if (isupper((unsigned char)*c))
                __builtin_trap(); /* a matched id is canonical from the router on */
        char buf[MEDIA_SESSION_MAX + 16];
        const char *secret;
        cred_kind kind = presign_credential(&req, f->accept, buf, sizeof(buf), &secret);
        if ((kind == CRED_KEY && !(f->accept & PRESIGN_ACCEPT_KEY)) ||
            (kind == CRED_SESSION &&
             !(f->accept & (PRESIGN_ACCEPT_COOKIE_GET | PRESIGN_ACCEPT_COOKIE_APP))))
            __builtin_trap();
        /* the rest of the pipeline and every family's handler, as the dispatcher runs them,
         * for a caller whose scopes the body's first byte picks (the session's handler reads
         * the bearer key the dispatcher checked: only with one) */
        call.who =
            (media_apikey_info){.id = "k", .tenant = "t", .scopes = body_len ? body[0] & 7 : 3};
        bool session_ok = f->handle != presign_session_handle || call.need == PRESIGN_NEED_NONE ||
                          kind == CRED_KEY;
        if (rc == 0 && presign_need_ok(call.who.scopes, call.need) && session_ok)
            presign_route_call(&w.c, f, &req, &call, &res);
        if (res.status >= 500 && !(res.status == 503 && res.retry_after[0]))
            __builtin_trap();
    }
    presign_response_cleanup(&res);
    free(s);
    return 0;
}
