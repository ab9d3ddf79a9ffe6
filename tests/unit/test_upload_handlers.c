/*
 * test_upload_handlers.c - the direct-upload, Uppy and webhook handler families through the
 * route table and the dispatcher's tail (presign_route_match, presign_route_call) over fake
 * ports: an in-memory catalog of uploads and endpoints with switches for failures. No server.
 */
#include "cmocka_prelude.h"

#include "env_table.h"
#include "media/uploads.h"
#include "media/uuid.h"
#include "presign/handlers.h"
#include "presign/uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- fake ports ---- */

#define MAX_ROWS 16

typedef struct {
    media_record rows[MAX_ROWS];
    int n;
    bool db_down, s3_down, s3_refuses, create_conflict;
    long replay_in; /* non-zero: creates are replays of a row lapsing in this many seconds */
    int creates, starts, finishes, completes, aborts, publishes;
    char endpoint_url[256];
    int endpoints, replays, deletes;
    char policy[16];
} fake;

static media_error *down(media_error *err, media_code code, const char *why)
{
    media_error_set(err, code, MEDIA_CLASS_TRANSIENT, "%s", why);
    return err;
}

static void iso_in(long seconds, char out[40])
{
    time_t t = time(NULL) + seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 40, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
}

static void copy_row(media_record *out, const media_record *r)
{
    *out = *r;
    out->source_url = out->idempotency_key = out->metadata = NULL;
    out->last_error = out->callback_url = out->filename = NULL;
}

static media_record *by_id(fake *f, const char *tenant, const char *id)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->rows[i].tenant, tenant) == 0 && strcmp(f->rows[i].id, id) == 0)
            return &f->rows[i];
    return NULL;
}

static media_record *add_upload(fake *f, const char *tenant, int64_t size, long expires_in)
{
    media_record *r = &f->rows[f->n++];
    memset(r, 0, sizeof(*r));
    media_uuid7_new(r->id);
    snprintf(r->tenant, sizeof(r->tenant), "%s", tenant);
    snprintf(r->bucket, sizeof(r->bucket), "bkt");
    media_object_key(tenant, r->id, r->object_key);
    r->status = MEDIA_STATUS_UPLOADING;
    r->upload = r->staged = true;
    r->declared_size = size;
    r->size_bytes = -1;
    iso_in(expires_in, r->upload_expires_at);
    return r;
}

static media_code f_get(void *ud, const char *tenant, const char *id, media_record *out,
                        media_error *err)
{
    fake *f = ud;
    if (f->db_down)
        return down(err, MEDIA_ERR_DB, "db down")->code;
    media_record *r = by_id(f, tenant, id);
    if (r == NULL)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    copy_row(out, r);
    return MEDIA_OK;
}

static media_code f_upload_create(void *ud, const media_upload_request *req, media_record *out,
                                  bool *created, media_error *err)
{
    fake *f = ud;
    f->creates++;
    if (f->db_down)
        return down(err, MEDIA_ERR_DB, "db down")->code;
    if (f->create_conflict)
        return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT, "reused");
    media_record *r =
        add_upload(f, req->tenant, req->size_bytes, f->replay_in ? f->replay_in : req->expires_s);
    snprintf(r->declared_type, sizeof(r->declared_type), "%s",
             req->content_type ? req->content_type : "");
    copy_row(out, r);
    *created = f->replay_in == 0;
    return MEDIA_OK;
}

static media_code f_start_multipart(void *ud, media_record *rec, const char *type, media_error *err)
{
    fake *f = ud;
    (void)type;
    f->starts++;
    if (f->s3_down)
        return down(err, MEDIA_ERR_NETWORK, "s3 down")->code;
    snprintf(rec->upload_id, sizeof(rec->upload_id), "UP-%s", rec->id);
    media_record *r = by_id(f, rec->tenant, rec->id);
    snprintf(r->upload_id, sizeof(r->upload_id), "%s", rec->upload_id);
    return MEDIA_OK;
}

static media_code f_find_multipart(void *ud, const char *tenant, const char *upload_id,
                                   media_record *out, media_error *err)
{
    fake *f = ud;
    if (f->db_down)
        return down(err, MEDIA_ERR_DB, "db down")->code;
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->rows[i].tenant, tenant) == 0 && f->rows[i].upload_id[0] &&
            strcmp(f->rows[i].upload_id, upload_id) == 0 &&
            f->rows[i].status == MEDIA_STATUS_UPLOADING) {
            copy_row(out, &f->rows[i]);
            return MEDIA_OK;
        }
    return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such upload");
}

static media_code f_finish_multipart(void *ud, const media_record *rec,
                                     const presign_complete_body *parts, media_error *err)
{
    fake *f = ud;
    (void)rec, (void)parts;
    f->finishes++;
    if (f->s3_down)
        return down(err, MEDIA_ERR_NETWORK, "s3 down")->code;
    if (f->s3_refuses)
        return media_error_set(err, MEDIA_ERR_S3, MEDIA_CLASS_PERMANENT, "InvalidPart");
    return MEDIA_OK;
}

static media_code f_complete(void *ud, const char *tenant, const char *id, media_record *out,
                             bool *changed, media_error *err)
{
    fake *f = ud;
    f->completes++;
    if (f->db_down)
        return down(err, MEDIA_ERR_DB, "db down")->code;
    media_record *r = by_id(f, tenant, id);
    if (r == NULL)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "none");
    *changed = r->status == MEDIA_STATUS_UPLOADING;
    if (*changed) {
        r->status = MEDIA_STATUS_QUEUED;
        r->upload_id[0] = '\0';
        f->publishes++;
    }
    copy_row(out, r);
    return MEDIA_OK;
}

static media_code f_abort(void *ud, const char *tenant, const media_record *rec, media_error *err)
{
    fake *f = ud;
    f->aborts++;
    if (f->s3_down)
        return down(err, MEDIA_ERR_NETWORK, "s3 down")->code;
    by_id(f, tenant, rec->id)->status = MEDIA_STATUS_FAILED;
    return MEDIA_OK;
}

static media_code f_webhook_create(void *ud, const char *tenant, const char *url, unsigned events,
                                   media_webhook_endpoint *out, media_error *err)
{
    fake *f = ud;
    (void)tenant, (void)events;
    if (f->db_down)
        return down(err, MEDIA_ERR_DB, "db down")->code;
    if (strncmp(url, "https://", 8) != 0)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "url must be https");
    snprintf(f->endpoint_url, sizeof(f->endpoint_url), "%s", url);
    f->endpoints++;
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "0190aaaa-bbbb-7ccc-8ddd-000000000042");
    out->url = strdup(url);
    out->events = events;
    return MEDIA_OK;
}

static media_code f_webhook_list(void *ud, const char *tenant, media_webhook_endpoint **out,
                                 size_t *n, media_error *err)
{
    fake *f = ud;
    (void)tenant;
    if (f->db_down)
        return down(err, MEDIA_ERR_DB, "db down")->code;
    *n = (size_t)f->endpoints;
    *out = calloc(*n + 1, sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        snprintf((*out)[i].id, sizeof((*out)[i].id), "0190aaaa-bbbb-7ccc-8ddd-0000000000%02d",
                 (int)(40 + i % 10));
        (*out)[i].url = strdup(f->endpoint_url);
        (*out)[i].events = MEDIA_EVENT_ALL;
    }
    return MEDIA_OK;
}

static media_code f_webhook_delete(void *ud, const char *tenant, const char *id, media_error *err)
{
    fake *f = ud;
    (void)tenant;
    f->deletes++;
    if (strcmp(id, "0190aaaa-bbbb-7ccc-8ddd-000000000042") != 0)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "none");
    return MEDIA_OK;
}

static media_code f_webhook_rotate(void *ud, const char *tenant,
                                   char out[MEDIA_WEBHOOK_SECRET_LEN + 1], media_error *err)
{
    fake *f = ud;
    (void)tenant;
    if (f->db_down)
        return down(err, MEDIA_ERR_DB, "db down")->code;
    memset(out, 'a', MEDIA_WEBHOOK_SECRET_LEN);
    out[MEDIA_WEBHOOK_SECRET_LEN] = '\0';
    return MEDIA_OK;
}

static media_code f_webhook_deliveries(void *ud, const char *tenant,
                                       const media_delivery_status *status, int limit,
                                       media_delivery **out, size_t *n, media_error *err)
{
    (void)ud, (void)tenant, (void)status, (void)limit, (void)err;
    *out = NULL;
    *n = 0;
    return MEDIA_OK;
}

static media_code f_webhook_replay(void *ud, const char *tenant, const char *id, media_error *err)
{
    fake *f = ud;
    (void)tenant;
    f->replays++;
    if (strcmp(id, "0190aaaa-bbbb-7ccc-8ddd-0000000000ff") != 0)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "none");
    return MEDIA_OK;
}

static media_code f_settings_get(void *ud, const char *tenant, char out[16], media_error *err)
{
    fake *f = ud;
    (void)tenant;
    if (f->db_down)
        return down(err, MEDIA_ERR_DB, "db down")->code;
    snprintf(out, 16, "%s", f->policy);
    return MEDIA_OK;
}

static media_code f_settings_set(void *ud, const char *tenant, const char *policy, media_error *err)
{
    fake *f = ud;
    (void)tenant, (void)err;
    snprintf(f->policy, sizeof(f->policy), "%s", policy ? policy : "");
    return MEDIA_OK;
}

/* ---- the handler context: real state, signer and configuration; fake ports ---- */

typedef struct {
    presign_config cfg;
    media_s3_config s3;
    media_metrics *m;
    presign_state *st;
    media_sigv4_signer *signer;
    fake f;
    presign_ports io;
    presign_handler_ctx c;
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof(*w));
    media_error err;
    env_table cfg = {{"MEDIAGATE_MAX_BYTES", "1000000", "MEDIAGATE_UPLOAD_SINGLE_MAX", "600000",
                      "MEDIAGATE_CONTENT_TYPES", "image/png,image/jpeg", NULL}};
    media_store_config store = {"postgresql://fake/db", "redis://127.0.0.1:1/0", "t", 0, true};
    if (presign_config_load(&w->cfg, &store, env_table_lookup, &cfg, &err) != MEDIA_OK)
        fail_msg("config: %s", err.message);
    env_table s3 = {{"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "secret",
                     "MEDIAGATE_S3_ENDPOINT", "http://127.0.0.1:9", "MEDIAGATE_S3_BUCKET", "bkt",
                     NULL}};
    if (media_s3_config_load(&w->s3, env_table_lookup, &s3, &err) != MEDIA_OK)
        fail_msg("s3 config: %s", err.message);
    w->m = media_metrics_new();
    w->st = presign_state_new(&w->cfg, &w->s3, w->m);
    w->signer = presign_signer_new(&w->s3, &err);
    assert_non_null(w->signer);
    w->io = (presign_ports){.get = f_get,
                            .upload_create = f_upload_create,
                            .upload_start_multipart = f_start_multipart,
                            .upload_find_multipart = f_find_multipart,
                            .upload_finish_multipart = f_finish_multipart,
                            .upload_complete = f_complete,
                            .upload_abort = f_abort,
                            .webhook_create = f_webhook_create,
                            .webhook_list = f_webhook_list,
                            .webhook_delete = f_webhook_delete,
                            .webhook_rotate_secret = f_webhook_rotate,
                            .webhook_deliveries = f_webhook_deliveries,
                            .webhook_replay = f_webhook_replay,
                            .settings_get = f_settings_get,
                            .settings_set = f_settings_set,
                            .ud = &w->f};
    w->c = (presign_handler_ctx){w->st, w->signer, &w->io};
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    media_sigv4_signer_destroy(w->signer);
    presign_state_destroy(w->st);
    media_metrics_destroy(w->m);
    media_s3_config_cleanup(&w->s3);
    free(w);
    return 0;
}

static const media_apikey_info ALICE = {.id = "k-alice", .tenant = "alice", .scopes = 7};
static const media_apikey_info BOB = {.id = "k-bob", .tenant = "bob", .scopes = 7};

/* One request through the route table and the dispatcher's tail, as an authenticated caller. */
static void run(world *w, const media_apikey_info *who, const char *method, const char *path,
                const char *query, const char *body, presign_response *res)
{
    presign_request req = {.method = method,
                           .path = path,
                           .query = query ? query : "",
                           .authorization = "Bearer x",
                           .request_id = "req-test",
                           .body = body,
                           .body_len = body ? strlen(body) : 0};
    presign_response_init(res);
    const presign_family *f;
    presign_call call;
    if (presign_route_match(&req, res, &f, &call) == 0) {
        call.who = *who;
        presign_route_call(&w->c, f, &req, &call, res);
    }
}

static const char *body_of(presign_response *r)
{
    return r->body.data ? r->body.data : "";
}

/* ---- the dispatcher's body handling, for every body kind ---- */

static void test_bad_bodies_never_reach_a_port(void **state)
{
    world *w = *state;
    media_record *up = add_upload(&w->f, "alice", 10, 600);
    snprintf(up->upload_id, sizeof(up->upload_id), "UP-1");
    char complete[128], uppy_complete[128];
    snprintf(complete, sizeof(complete), "/api/v1/uploads/%s/complete", up->id);
    snprintf(uppy_complete, sizeof(uppy_complete), "/api/v1/uppy/s3/multipart/UP-1/complete");
    const char *paths[] = {"/api/v1/uploads", complete, "/api/v1/uppy/s3/multipart", uppy_complete,
                           "/api/v1/webhooks"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        presign_response r;
        run(w, &ALICE, "POST", paths[i], "key=x", "{\"size_bytes\":", &r);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(body_of(&r), "Request body is not valid JSON"));
        presign_response_cleanup(&r);
        run(w, &ALICE, "POST", paths[i], "key=x", "[1,2]", &r);
        assert_int_equal(r.status, 422);
        presign_response_cleanup(&r);
    }
    assert_int_equal(w->f.creates + w->f.finishes + w->f.completes + w->f.endpoints, 0);
}

/* ---- POST /api/v1/uploads ---- */

static void test_upload_create_single(void **state)
{
    world *w = *state;
    presign_response r;
    run(w, &ALICE, "POST", "/api/v1/uploads", NULL,
        "{\"size_bytes\":1234,\"content_type\":\"image/png\"}", &r);
    assert_int_equal(r.status, 201);
    const char *b = body_of(&r);
    assert_non_null(strstr(b, "\"put\":{\"method\":\"PUT\""));
    assert_non_null(strstr(b, "\"post\":{\"url\""));
    assert_non_null(strstr(b, "staging/")); /* URLs write the staging key, never the served */
    assert_null(strstr(b, "\"multipart\""));
    assert_non_null(strstr(r.location, w->f.rows[0].id));
    assert_int_equal(w->f.starts, 0);
    presign_response_cleanup(&r);
}

static void test_upload_create_multipart(void **state)
{
    world *w = *state;
    presign_response r;
    /* over MEDIAGATE_UPLOAD_SINGLE_MAX (600000): multipart, parts signed with their lengths */
    run(w, &ALICE, "POST", "/api/v1/uploads", NULL, "{\"size_bytes\":900000}", &r);
    assert_int_equal(r.status, 201);
    assert_int_equal(w->f.starts, 1);
    assert_non_null(strstr(body_of(&r), "\"multipart\":{\"upload_id\":\"UP-"));
    assert_non_null(strstr(body_of(&r), "partNumber=1"));
    presign_response_cleanup(&r);
    w->f.s3_down = true; /* S3 cannot start it: 503 naming object storage, with Retry-After */
    run(w, &ALICE, "POST", "/api/v1/uploads", NULL, "{\"size_bytes\":10,\"multipart\":true}", &r);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.retry_after, "1");
    assert_non_null(strstr(body_of(&r), "object storage is unavailable"));
    presign_response_cleanup(&r);
}

static void test_upload_create_refusals(void **state)
{
    world *w = *state;
    presign_response r;
    run(w, &ALICE, "POST", "/api/v1/uploads", NULL, "{\"size_bytes\":1000001}", &r);
    assert_int_equal(r.status, 413);
    presign_response_cleanup(&r);
    run(w, &ALICE, "POST", "/api/v1/uploads", NULL,
        "{\"size_bytes\":10,\"content_type\":\"text/html\"}", &r);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(body_of(&r), "type-not-allowed"));
    presign_response_cleanup(&r);
    assert_int_equal(w->f.creates, 0); /* refused before the catalog */
    w->f.create_conflict = true;
    run(w, &ALICE, "POST", "/api/v1/uploads", NULL, "{\"size_bytes\":10}", &r);
    assert_int_equal(r.status, 409);
    presign_response_cleanup(&r);
    w->f.create_conflict = false;
    w->f.db_down = true;
    run(w, &ALICE, "POST", "/api/v1/uploads", NULL, "{\"size_bytes\":10}", &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(body_of(&r), "the catalog is unavailable"));
    presign_response_cleanup(&r);
}

/* A replayed create whose upload window is over gets no fresh URLs (issue 25, defect 1); one
 * still open gets URLs that lapse with it. */
static void test_upload_replay_after_window(void **state)
{
    world *w = *state;
    presign_response r;
    w->f.replay_in = -5; /* the catalog answers the first row, expired 5 s ago */
    run(w, &ALICE, "POST", "/api/v1/uploads", NULL, "{\"size_bytes\":10}", &r);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(body_of(&r), "upload-expired"));
    assert_null(strstr(body_of(&r), "X-Amz-Signature"));
    presign_response_cleanup(&r);
    w->f.replay_in = 30; /* open for 30 s more: 200, URLs that lapse with it */
    run(w, &ALICE, "POST", "/api/v1/uploads", NULL, "{\"size_bytes\":10}", &r);
    assert_int_equal(r.status, 200);
    const char *e = strstr(body_of(&r), "X-Amz-Expires=");
    assert_non_null(e);
    long life = strtol(e + strlen("X-Amz-Expires="), NULL, 10);
    assert_true(life > 0 && life <= 30); /* never the configured hour */
    presign_response_cleanup(&r);
    assert_true(presign_upload_lifetime(&w->cfg, &w->f.rows[0], time(NULL)) <= 0);
}

/* ---- POST /api/v1/uploads/{id}/complete ---- */

static void complete_path(const media_record *r, char out[128])
{
    snprintf(out, 128, "/api/v1/uploads/%s/complete", r->id);
}

static void test_upload_complete(void **state)
{
    world *w = *state;
    media_record *up = add_upload(&w->f, "alice", 10, 600);
    char path[128], upper[128];
    complete_path(up, path);
    presign_response r;
    run(w, &BOB, "POST", path, NULL, NULL, &r); /* another tenant's: no such upload */
    assert_int_equal(r.status, 404);
    presign_response_cleanup(&r);
    snprintf(upper, sizeof(upper), "%s", path); /* ids are canonical from the router on */
    for (char *p = upper + strlen("/api/v1/uploads/"); *p && *p != '/'; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    run(w, &ALICE, "POST", upper, NULL, NULL, &r);
    assert_int_equal(r.status, 202);
    assert_int_equal(w->f.completes, 1);
    assert_int_equal(w->f.publishes, 1);
    assert_non_null(strstr(body_of(&r), "\"status\":\"queued\""));
    presign_response_cleanup(&r);
    run(w, &ALICE, "POST", path, NULL, "{}", &r); /* again: the same answer, nothing redone */
    assert_int_equal(r.status, 202);
    assert_int_equal(w->f.completes, 1);
    presign_response_cleanup(&r);
    media_record *late = add_upload(&w->f, "alice", 10, -1);
    complete_path(late, path);
    run(w, &ALICE, "POST", path, NULL, NULL, &r);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(body_of(&r), "upload-expired"));
    presign_response_cleanup(&r);
}

static void test_upload_complete_multipart(void **state)
{
    world *w = *state;
    media_record *up = add_upload(&w->f, "alice", 900000, 600);
    snprintf(up->upload_id, sizeof(up->upload_id), "UP-X");
    char path[128];
    complete_path(up, path);
    const char *parts = "{\"parts\":[{\"part_number\":1,\"etag\":\"\\\"abc\\\"\"}]}";
    presign_response r;
    run(w, &ALICE, "POST", path, NULL, NULL, &r); /* multipart needs its parts */
    assert_int_equal(r.status, 422);
    presign_response_cleanup(&r);
    w->f.s3_refuses = true;
    run(w, &ALICE, "POST", path, NULL, parts, &r);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(body_of(&r), "incomplete-upload"));
    presign_response_cleanup(&r);
    w->f.s3_refuses = false;
    w->f.s3_down = true;
    run(w, &ALICE, "POST", path, NULL, parts, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(body_of(&r), "object storage"));
    presign_response_cleanup(&r);
    w->f.s3_down = false;
    run(w, &ALICE, "POST", path, NULL, parts, &r);
    assert_int_equal(r.status, 202);
    assert_int_equal(w->f.finishes, 3);
    assert_int_equal(w->f.completes, 1);
    presign_response_cleanup(&r);
}

/* ---- Uppy's Companion routes ---- */

static void test_uppy_params(void **state)
{
    world *w = *state;
    presign_response r;
    run(w, &ALICE, "GET", "/api/v1/uppy/s3/params", "filename=a.png&type=image%2Fpng", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(body_of(&r), "\"method\":\"POST\""));
    assert_non_null(strstr(body_of(&r), "\"policy\""));
    assert_int_equal(w->f.rows[0].declared_size, -1); /* Uppy declares no size */
    presign_response_cleanup(&r);
    run(w, &ALICE, "GET", "/api/v1/uppy/s3/params", "type=text%2Fhtml", NULL, &r);
    assert_int_equal(r.status, 422);
    presign_response_cleanup(&r);
    run(w, &ALICE, "POST", "/api/v1/uppy/s3/params", NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET");
    presign_response_cleanup(&r);
}

static void test_uppy_multipart_lifecycle(void **state)
{
    world *w = *state;
    presign_response r;
    run(w, &ALICE, "POST", "/api/v1/uppy/s3/multipart", NULL,
        "{\"filename\":\"a.png\",\"type\":\"image/png\"}", &r);
    assert_int_equal(r.status, 200);
    media_record *up = &w->f.rows[0];
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX], query[512], path[512];
    media_upload_write_key(up, key);
    assert_non_null(strstr(body_of(&r), key));
    assert_non_null(strstr(body_of(&r), up->upload_id));
    presign_response_cleanup(&r);
    snprintf(query, sizeof(query), "key=%s", key);
    snprintf(path, sizeof(path), "/api/v1/uppy/s3/multipart/%s/2", up->upload_id);
    run(w, &ALICE, "GET", path, query, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(body_of(&r), "partNumber=2"));
    presign_response_cleanup(&r);
    run(w, &ALICE, "GET", path, "key=staging/other", NULL, &r); /* not the key it was given */
    assert_int_equal(r.status, 404);
    presign_response_cleanup(&r);
    run(w, &BOB, "GET", path, query, NULL, &r); /* another tenant's upload id */
    assert_int_equal(r.status, 404);
    presign_response_cleanup(&r);
    snprintf(path, sizeof(path), "/api/v1/uppy/s3/multipart/%s/0", up->upload_id);
    run(w, &ALICE, "GET", path, query, NULL, &r);
    assert_int_equal(r.status, 400);
    presign_response_cleanup(&r);
    snprintf(path, sizeof(path), "/api/v1/uppy/s3/multipart/%s", up->upload_id);
    run(w, &ALICE, "GET", path, query, NULL, &r); /* ListParts */
    assert_int_equal(r.status, 200);
    assert_string_equal(body_of(&r), "[]\n");
    presign_response_cleanup(&r);
    run(w, &ALICE, "POST", path, query, NULL, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET, DELETE");
    presign_response_cleanup(&r);
    snprintf(path, sizeof(path), "/api/v1/uppy/s3/multipart/%s/complete", up->upload_id);
    run(w, &ALICE, "POST", path, query, "{\"parts\":[{\"PartNumber\":1,\"ETag\":\"\\\"e\\\"\"}]}",
        &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(body_of(&r), "\"location\":\"/api/v1/media/"));
    assert_int_equal(w->f.publishes, 1);
    presign_response_cleanup(&r);
}

static void test_uppy_abort_and_shapes(void **state)
{
    world *w = *state;
    media_record *up = add_upload(&w->f, "alice", -1, 600);
    snprintf(up->upload_id, sizeof(up->upload_id), "UP-A");
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX], query[512];
    media_upload_write_key(up, key);
    snprintf(query, sizeof(query), "key=%s", key);
    presign_response r;
    w->f.s3_down = true;
    run(w, &ALICE, "DELETE", "/api/v1/uppy/s3/multipart/UP-A", query, NULL, &r);
    assert_int_equal(r.status, 503);
    presign_response_cleanup(&r);
    w->f.s3_down = false;
    run(w, &ALICE, "DELETE", "/api/v1/uppy/s3/multipart/UP-A", query, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(up->status, MEDIA_STATUS_FAILED);
    presign_response_cleanup(&r);
    const char *no_route[] = {"/api/v1/uppy/s3", "/api/v1/uppy/s3/other",
                              "/api/v1/uppy/s3/multipart/UP-A/x1", "/api/v1/uppy/s3/multipart//1"};
    for (size_t i = 0; i < sizeof(no_route) / sizeof(no_route[0]); i++) {
        run(w, &ALICE, "GET", no_route[i], query, NULL, &r);
        assert_int_equal(r.status, 404);
        presign_response_cleanup(&r);
    }
    w->f.db_down = true;
    run(w, &ALICE, "GET", "/api/v1/uppy/s3/multipart/UP-A/1", query, NULL, &r);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.retry_after, "1");
    presign_response_cleanup(&r);
}

/* ---- webhooks ---- */

static void test_webhooks(void **state)
{
    world *w = *state;
    presign_response r;
    run(w, &ALICE, "POST", "/api/v1/webhooks", NULL, "{\"url\":\"https://hooks.example/a\"}", &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.location, "/api/v1/webhooks/0190aaaa-bbbb-7ccc-8ddd-000000000042");
    presign_response_cleanup(&r);
    run(w, &ALICE, "POST", "/api/v1/webhooks", NULL, "{\"url\":\"http://hooks.example/a\"}", &r);
    assert_int_equal(r.status, 422); /* the port's refusal, mapped */
    presign_response_cleanup(&r);
    run(w, &ALICE, "GET", "/api/v1/webhooks", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(body_of(&r), "https://hooks.example/a"));
    presign_response_cleanup(&r);
    run(w, &ALICE, "DELETE", "/api/v1/webhooks/0190AAAA-BBBB-7CCC-8DDD-000000000042", NULL, NULL,
        &r); /* upper case: canonical before the port */
    assert_int_equal(r.status, 204);
    presign_response_cleanup(&r);
    run(w, &ALICE, "DELETE", "/api/v1/webhooks/0190aaaa-bbbb-7ccc-8ddd-000000000043", NULL, NULL,
        &r);
    assert_int_equal(r.status, 404);
    presign_response_cleanup(&r);
    run(w, &ALICE, "POST",
        "/api/v1/webhooks/deliveries/0190aaaa-bbbb-7ccc-8ddd-0000000000ff/replay", NULL, NULL, &r);
    assert_int_equal(r.status, 202);
    presign_response_cleanup(&r);
    run(w, &ALICE, "GET", "/api/v1/webhooks/deliveries", "limit=0", NULL, &r);
    assert_int_equal(r.status, 400);
    presign_response_cleanup(&r);
    run(w, &ALICE, "POST", "/api/v1/webhooks/callback-secret", NULL, NULL, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.cache_control, "no-store");
    presign_response_cleanup(&r);
    run(w, &ALICE, "PUT", "/api/v1/webhooks/deliveries", NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET");
    presign_response_cleanup(&r);
    run(w, &ALICE, "GET", "/api/v1/webhooks/a/b", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    presign_response_cleanup(&r);
    w->f.db_down = true;
    run(w, &ALICE, "GET", "/api/v1/webhooks", NULL, NULL, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(body_of(&r), "the catalog is unavailable"));
    presign_response_cleanup(&r);
}

/* ---- a tenant's settings ---- */

static void test_settings(void **state)
{
    world *w = *state;
    presign_response r;
    run(w, &ALICE, "GET", "/api/v1/settings", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(body_of(&r), "{\"metadata\":null}\n");
    presign_response_cleanup(&r);
    run(w, &ALICE, "PUT", "/api/v1/settings", NULL, "{\"metadata\":\"keep-copyright\"}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(body_of(&r), "{\"metadata\":\"keep-copyright\"}\n");
    assert_string_equal(w->f.policy, "keep-copyright");
    presign_response_cleanup(&r);
    const char *bad[] = {"{\"metadata\":\"none\"}", "{\"metadata\":1}", "{}",
                         "{\"metadata\":null,\"x\":1}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        run(w, &ALICE, "PUT", "/api/v1/settings", NULL, bad[i], &r);
        assert_int_equal(r.status, 422);
        presign_response_cleanup(&r);
    }
    assert_string_equal(w->f.policy, "keep-copyright"); /* nothing bad got through */
    run(w, &ALICE, "PUT", "/api/v1/settings", NULL, "{\"metadata\":null}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(w->f.policy, "");
    presign_response_cleanup(&r);
    run(w, &ALICE, "DELETE", "/api/v1/settings", NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET, PUT");
    presign_response_cleanup(&r);
    w->f.db_down = true;
    run(w, &ALICE, "GET", "/api/v1/settings", NULL, NULL, &r);
    assert_int_equal(r.status, 503);
    presign_response_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_bodies_never_reach_a_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_create_single, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_create_multipart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_create_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_replay_after_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_complete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_complete_multipart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uppy_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uppy_multipart_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uppy_abort_and_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhooks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
