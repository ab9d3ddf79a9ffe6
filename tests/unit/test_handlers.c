/* test_handlers.c - the /api/v1 handlers over fake ports (no servers): status codes,
 * problem+json bodies, headers, tenant scoping, and what each handler asks of the catalog,
 * the queue and S3. (The same routes against the real servers: tests/integration.) */
#include "cmocka_prelude.h"

#include "env_table.h"

#include "media/uuid.h"
#include "presign/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fake ports: an in-memory catalog with switches for failures ---- */

#define MAX_ROWS 16

typedef struct {
    media_record rows[MAX_ROWS];
    int n;
    bool db_down, queue_down, s3_down;
    int object_deletes;
    char last_deleted_key[MEDIA_OBJECT_KEY_MAX];
    char last_bucket[64];
    char announced[64]; /* the last id announced to waiting reads */
    char aborted[128];  /* the last multipart upload aborted */
} fake;

static media_record *find(fake *f, const char *tenant, const char *id)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->rows[i].tenant, tenant) == 0 && strcmp(f->rows[i].id, id) == 0)
            return &f->rows[i];
    return NULL;
}

static void copy_row(media_record *out, const media_record *r)
{
    *out = *r;
    out->source_url = strdup(r->source_url ? r->source_url : "");
    out->idempotency_key = NULL;
    out->metadata = NULL;
    out->last_error = r->last_error ? strdup(r->last_error) : NULL;
}

static media_record *add(fake *f, const char *tenant, media_status status)
{
    media_record *r = &f->rows[f->n++];
    memset(r, 0, sizeof(*r));
    media_uuid7_new(r->id);
    snprintf(r->tenant, sizeof(r->tenant), "%s", tenant);
    snprintf(r->bucket, sizeof(r->bucket), "bkt");
    media_object_key(tenant, r->id, r->object_key);
    snprintf(r->content_type, sizeof(r->content_type), "image/png");
    r->source_url = "https://src.example/a.png";
    r->status = status;
    r->size_bytes = status == MEDIA_STATUS_READY ? 1000 : -1;
    if (status == MEDIA_STATUS_FAILED)
        r->last_error = "source answered HTTP 404";
    return r;
}

static media_code f_create(void *ud, const media_create_request *req, media_record *out,
                           bool *created, bool *queued, media_error *qerr, media_error *err)
{
    fake *f = ud;
    if (f->db_down)
        return media_error_set(err, MEDIA_ERR_DB, MEDIA_CLASS_TRANSIENT, "down");
    if (strstr(req->source_url, "conflict"))
        return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT, "key reused");
    snprintf(f->last_bucket, sizeof(f->last_bucket), "%s", req->bucket);
    media_record *r = add(f, req->tenant, MEDIA_STATUS_QUEUED);
    r->source_url = "https://src.example/new.png";
    copy_row(out, r);
    *created = true;
    *queued = !f->queue_down;
    if (f->queue_down)
        media_error_set(qerr, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT, "redis down");
    return MEDIA_OK;
}

static media_code f_get(void *ud, const char *tenant, const char *id, media_record *out,
                        media_error *err)
{
    fake *f = ud;
    if (f->db_down)
        return media_error_set(err, MEDIA_ERR_DB, MEDIA_CLASS_TRANSIENT, "down");
    media_record *r = find(f, tenant, id);
    if (r == NULL)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    copy_row(out, r);
    return MEDIA_OK;
}

static media_code f_list(void *ud, const char *tenant, const media_status *status,
                         const char *after, long long page, int size, media_page *out,
                         media_error *err)
{
    fake *f = ud;
    (void)after, (void)page;
    memset(out, 0, sizeof(*out));
    if (f->db_down)
        return media_error_set(err, MEDIA_ERR_DB, MEDIA_CLASS_TRANSIENT, "down");
    out->items = calloc(MAX_ROWS, sizeof(media_record));
    for (int i = 0; i < f->n && (int)out->count < size; i++) {
        media_record *r = &f->rows[i];
        if (strcmp(r->tenant, tenant) != 0 || r->status == MEDIA_STATUS_DELETED ||
            (status && r->status != *status))
            continue;
        copy_row(&out->items[out->count++], r);
    }
    out->total = (long long)out->count;
    return MEDIA_OK;
}

static media_code f_soft_delete(void *ud, const char *tenant, const char *id, media_record *out,
                                media_error *err)
{
    fake *f = ud;
    media_record *r = find(f, tenant, id);
    if (r == NULL || r->status == MEDIA_STATUS_DELETED)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    copy_row(out, r);
    r->status = MEDIA_STATUS_DELETED;
    return MEDIA_OK;
}

static media_code f_delete_object(void *ud, const char *key, media_error *err)
{
    fake *f = ud;
    f->object_deletes++;
    snprintf(f->last_deleted_key, sizeof(f->last_deleted_key), "%s", key);
    return f->s3_down ? media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT, "s3 down")
                      : MEDIA_OK;
}

static bool f_ping_db(void *ud)
{
    return !((fake *)ud)->db_down;
}
static bool f_ping_queue(void *ud)
{
    return !((fake *)ud)->queue_down;
}
static bool f_ping_s3(void *ud)
{
    return !((fake *)ud)->s3_down;
}
static media_code f_retry(void *ud, const char *tenant, const char *id, media_record *out,
                          bool *queued, media_error *err)
{
    fake *f = ud;
    *queued = false;
    if (f->db_down)
        return media_error_set(err, MEDIA_ERR_DB, MEDIA_CLASS_TRANSIENT, "db down");
    media_record *r = find(f, tenant, id);
    if (r == NULL || r->status == MEDIA_STATUS_DELETED)
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    if (r->status != MEDIA_STATUS_FAILED)
        return media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT, "not failed");
    r->status = MEDIA_STATUS_QUEUED;
    r->attempts = 0;
    *queued = !f->queue_down;
    copy_row(out, r);
    return MEDIA_OK;
}

static media_code f_abort_upload(void *ud, const char *key, const char *upload_id, media_error *err)
{
    fake *f = ud;
    (void)key, (void)err;
    snprintf(f->aborted, sizeof(f->aborted), "%s", upload_id);
    return MEDIA_OK;
}

static void f_announce(void *ud, const char *tenant, const char *id)
{
    (void)tenant;
    fake *f = ud;
    snprintf(f->announced, sizeof(f->announced), "%s", id);
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
    env_table none = {{NULL}};
    media_store_config store = {"postgresql://fake/db", "redis://127.0.0.1:1/0", "t", 0, true};
    assert_int_equal(presign_config_load(&w->cfg, &store, env_table_lookup, &none, &err), MEDIA_OK);
    env_table s3 = {{"AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "secret",
                     "MEDIAGATE_S3_ENDPOINT", "http://127.0.0.1:9", "MEDIAGATE_S3_BUCKET", "bkt",
                     NULL}};
    if (media_s3_config_load(&w->s3, env_table_lookup, &s3, &err) != MEDIA_OK)
        fail_msg("s3 config: %s", err.message);
    w->m = media_metrics_new();
    w->st = presign_state_new(&w->cfg, &w->s3, w->m);
    w->signer = presign_signer_new(&w->s3, &err);
    assert_non_null(w->signer);
    w->io = (presign_ports){.create = f_create,
                            .get = f_get,
                            .list = f_list,
                            .retry = f_retry,
                            .soft_delete = f_soft_delete,
                            .delete_object = f_delete_object,
                            .abort_upload = f_abort_upload,
                            .ping_db = f_ping_db,
                            .ping_queue = f_ping_queue,
                            .ping_s3 = f_ping_s3,
                            .announce = f_announce,
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

static const media_apikey_info ALICE = {.id = "k-alice", .tenant = "alice", .scopes = 3};
static const media_apikey_info BOB = {.id = "k-bob", .tenant = "bob", .scopes = 3};

/* Run one request through the route table and the handler; the response is the caller's. */
static void run(world *w, const media_apikey_info *who, const char *method, const char *path,
                const char *query, const char *body, presign_response *res)
{
    presign_request req = {method,     path, query ? query : "",      "Bearer x", NULL, NULL,
                           "req-test", body, body ? strlen(body) : 0, false,      false};
    presign_response_init(res);
    const presign_family *f;
    presign_call call;
    if (presign_route_match(&req, res, &f, &call) == 0) {
        call.who = *who; /* authenticated, scoped and budgeted, as the dispatcher leaves it */
        presign_route_call(&w->c, f, &req, &call, res);
    }
}

static const char *body_of(presign_response *r)
{
    return r->body.data ? r->body.data : "";
}

static void has(presign_response *r, const char *needle)
{
    if (strstr(body_of(r), needle) == NULL)
        fail_msg("body %s lacks %s", body_of(r), needle);
}

/* MEDIAGATE_DB_CONNECTIONS sizes serve's backend threads (a connection each) and refuses
 * more threads than connections (issue 11, item 5; issue 12). */
static void test_connection_budget_sizes_backend_threads(void **state)
{
    (void)state;
    presign_config c;
    media_error err;
    env_table none = {{NULL}};
    media_store_config store = {"postgresql://fake/db", "redis://127.0.0.1:1/0", "t", 12, true};
    assert_int_equal(presign_config_load(&c, &store, env_table_lookup, &none, &err), MEDIA_OK);
    assert_int_equal(c.backend_threads, 12);
    env_table fewer = {{"MEDIAGATE_BACKEND_THREADS", "5", NULL}};
    assert_int_equal(presign_config_load(&c, &store, env_table_lookup, &fewer, &err), MEDIA_OK);
    assert_int_equal(c.backend_threads, 5);
    env_table more = {{"MEDIAGATE_BACKEND_THREADS", "13", NULL}};
    assert_int_equal(presign_config_load(&c, &store, env_table_lookup, &more, &err),
                     MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "MEDIAGATE_BACKEND_THREADS (13) exceeds "
                                        "MEDIAGATE_DB_CONNECTIONS (12)"));
}

static void test_create(void **state)
{
    world *w = *state;
    presign_response r;
    run(w, &ALICE, "POST", "/api/v1/media", NULL, "{\"source_url\":\"https://src.example/a.png\"}",
        &r);
    assert_int_equal(r.status, 202);
    assert_string_equal(w->f.last_bucket, "bkt"); /* the configured bucket, not the client's */
    assert_non_null(strstr(r.location, "/api/v1/media/"));
    has(&r, "\"tenant\":\"alice\"");
    has(&r, "\"status\":\"queued\"");
    presign_response_cleanup(&r);

    run(w, &ALICE, "POST", "/api/v1/media", NULL, "{\"source_url\":", &r);
    assert_int_equal(r.status, 400);
    has(&r, "urn:mediagate:problem:malformed-json");
    presign_response_cleanup(&r);

    run(w, &ALICE, "POST", "/api/v1/media", NULL, "{\"source_url\":\"https://x/conflict.png\"}",
        &r);
    assert_int_equal(r.status, 409);
    has(&r, "idempotency-conflict");
    presign_response_cleanup(&r);

    w->f.queue_down = true; /* the row is the outbox: still accepted */
    run(w, &ALICE, "POST", "/api/v1/media", NULL, "{\"source_url\":\"https://x/b.png\"}", &r);
    assert_int_equal(r.status, 202);
    presign_response_cleanup(&r);
    w->f.queue_down = false;

    w->f.db_down = true;
    run(w, &ALICE, "POST", "/api/v1/media", NULL, "{\"source_url\":\"https://x/c.png\"}", &r);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.retry_after, "1");
    has(&r, "urn:mediagate:problem:unavailable");
    presign_response_cleanup(&r);
    w->f.db_down = false;
}

static void test_get_is_tenant_scoped(void **state)
{
    world *w = *state;
    media_record *mine = add(&w->f, "alice", MEDIA_STATUS_READY);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/media/%s", mine->id);
    presign_response r;
    run(w, &ALICE, "GET", path, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    has(&r, "\"url\":\"http://127.0.0.1:9/bkt/");
    has(&r, "X-Amz-Signature=");
    presign_response_cleanup(&r);

    run(w, &BOB, "GET", path, NULL, NULL, &r); /* another tenant's id does not exist for bob */
    assert_int_equal(r.status, 404);
    has(&r, "urn:mediagate:problem:not-found");
    presign_response_cleanup(&r);

    w->f.db_down = true;
    run(w, &ALICE, "GET", "/api/v1/media/01a23bb8-0000-7000-8000-000000000000", NULL, NULL, &r);
    assert_int_equal(r.status, 503);
    presign_response_cleanup(&r);
    w->f.db_down = false;
}

static void test_url_and_content(void **state)
{
    world *w = *state;
    media_record *ready = add(&w->f, "alice", MEDIA_STATUS_READY);
    media_record *failed = add(&w->f, "alice", MEDIA_STATUS_FAILED);
    media_record *queued = add(&w->f, "alice", MEDIA_STATUS_QUEUED);
    char path[128];
    presign_response r;
    snprintf(path, sizeof(path), "/api/v1/media/%s/url", ready->id);
    run(w, &ALICE, "GET", path, "expires=120", NULL, &r);
    assert_int_equal(r.status, 200);
    has(&r, "X-Amz-Expires=");
    has(&r, "\"expires_at\":");
    presign_response_cleanup(&r);

    snprintf(path, sizeof(path), "/api/v1/media/%s/content", ready->id);
    run(w, &ALICE, "GET", path, NULL, NULL, &r);
    assert_int_equal(r.status, 302);
    assert_non_null(strstr(r.location, "X-Amz-Signature="));
    assert_non_null(strstr(r.cache_control, "private, max-age="));
    presign_response_cleanup(&r);

    run(w, &ALICE, "GET", path, "expires=abc", NULL, &r);
    assert_int_equal(r.status, 400);
    has(&r, "invalid-expires");
    presign_response_cleanup(&r);

    snprintf(path, sizeof(path), "/api/v1/media/%s/url", failed->id);
    run(w, &ALICE, "GET", path, NULL, NULL, &r);
    assert_int_equal(r.status, 410);
    has(&r, "source answered HTTP 404"); /* the tenant reads why */
    presign_response_cleanup(&r);

    snprintf(path, sizeof(path), "/api/v1/media/%s/content", queued->id);
    run(w, &ALICE, "GET", path, NULL, NULL, &r);
    assert_int_equal(r.status, 409);
    has(&r, "media-not-ready");
    presign_response_cleanup(&r);

    snprintf(path, sizeof(path), "/api/v1/media/%s/url", ready->id);
    run(w, &BOB, "GET", path, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    presign_response_cleanup(&r);
}

static void test_list_and_delete(void **state)
{
    world *w = *state;
    media_record *a = add(&w->f, "alice", MEDIA_STATUS_READY);
    add(&w->f, "bob", MEDIA_STATUS_READY);
    presign_response r;
    run(w, &BOB, "GET", "/api/v1/media", "size=100", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(body_of(&r), "\"tenant\":\"alice\""));
    has(&r, "\"tenant\":\"bob\"");
    presign_response_cleanup(&r);

    run(w, &BOB, "GET", "/api/v1/media", "status=gone", NULL, &r);
    assert_int_equal(r.status, 400);
    has(&r, "invalid-pagination");
    presign_response_cleanup(&r);

    char path[96];
    snprintf(path, sizeof(path), "/api/v1/media/%s", a->id);
    run(w, &BOB, "DELETE", path, NULL, NULL, &r); /* not bob's */
    assert_int_equal(r.status, 404);
    assert_int_equal(w->f.object_deletes, 0);
    presign_response_cleanup(&r);

    w->f.s3_down = true; /* the row is deleted anyway; gc removes the object later */
    run(w, &ALICE, "DELETE", path, NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    assert_int_equal(w->f.object_deletes, 1);
    assert_string_equal(w->f.last_deleted_key, a->object_key);
    assert_string_equal(w->f.announced, a->id); /* waiting reads of it are woken */
    presign_response_cleanup(&r);
    w->f.s3_down = false;

    run(w, &ALICE, "GET", path, NULL, NULL, &r); /* deleted: gone for everyone */
    assert_int_equal(r.status, 404);
    presign_response_cleanup(&r);
    run(w, &ALICE, "DELETE", path, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    presign_response_cleanup(&r);
    assert_string_equal(w->f.aborted, ""); /* a ready record has no upload to abort */

    /* issue 25, defect 2: deleting an upload in progress aborts its multipart upload, so its
     * part URLs stop working */
    media_record *u = add(&w->f, "alice", MEDIA_STATUS_UPLOADING);
    snprintf(u->upload_id, sizeof(u->upload_id), "upl-123");
    snprintf(path, sizeof(path), "/api/v1/media/%s", u->id);
    run(w, &ALICE, "DELETE", path, NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    assert_string_equal(w->f.aborted, "upl-123");
    presign_response_cleanup(&r);
}

/* GET ?wait=S: a queued or fetching record asks the server to park the request; anything
 * else (finished, asked again, no wait) answers at once; a bad S is a 400. */
static void test_waiting_read(void **state)
{
    world *w = *state;
    media_record *q = add(&w->f, "alice", MEDIA_STATUS_QUEUED);
    media_record *d = add(&w->f, "alice", MEDIA_STATUS_READY);
    char pq[96], pd[96];
    snprintf(pq, sizeof(pq), "/api/v1/media/%s", q->id);
    snprintf(pd, sizeof(pd), "/api/v1/media/%s", d->id);
    presign_response r;
    run(w, &ALICE, "GET", pq, "wait=5", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.wait_ms, 5000);
    assert_string_equal(r.wait_id, q->id);
    has(&r, "\"status\":\"queued\""); /* the answer if nothing changes */
    presign_response_cleanup(&r);
    run(w, &ALICE, "GET", pq, NULL, NULL, &r);
    assert_int_equal(r.wait_ms, 0);
    presign_response_cleanup(&r);
    run(w, &ALICE, "GET", pd, "wait=30", NULL, &r); /* ready: nothing to wait for */
    assert_int_equal(r.status, 200);
    assert_int_equal(r.wait_ms, 0);
    presign_response_cleanup(&r);
    static const char *const bad[] = {"wait=31", "wait=-1", "wait=x", "wait=", "wait=1.5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        run(w, &ALICE, "GET", pq, bad[i], NULL, &r);
        assert_int_equal(r.status, 400);
        assert_int_equal(r.wait_ms, 0);
        presign_response_cleanup(&r);
    }
    run(w, &BOB, "GET", pq, "wait=5", NULL, &r); /* another tenant's: 404, never parked */
    assert_int_equal(r.status, 404);
    assert_int_equal(r.wait_ms, 0);
    presign_response_cleanup(&r);
    presign_request again = {"GET",      pq,   "wait=5", "Bearer x", NULL, NULL,
                             "req-test", NULL, 0,        true,       false};
    presign_response_init(&r);
    const presign_family *f;
    presign_call call;
    assert_int_equal(presign_route_match(&again, &r, &f, &call), 0);
    call.who = ALICE;
    presign_route_call(&w->c, f, &again, &call, &r);
    assert_int_equal(r.status, 200); /* asked again after a wake: answers, never parks twice */
    assert_int_equal(r.wait_ms, 0);
    presign_response_cleanup(&r);
}

/* POST /media/{id}/retry: only the tenant's failed records; others 404 or 409. */
static void test_retry(void **state)
{
    world *w = *state;
    media_record *f = add(&w->f, "alice", MEDIA_STATUS_FAILED);
    media_record *d = add(&w->f, "alice", MEDIA_STATUS_READY);
    char pf[96], pd[96];
    snprintf(pf, sizeof(pf), "/api/v1/media/%s/retry", f->id);
    snprintf(pd, sizeof(pd), "/api/v1/media/%s/retry", d->id);
    presign_response r;
    run(w, &BOB, "POST", pf, NULL, NULL, &r); /* not bob's */
    assert_int_equal(r.status, 404);
    presign_response_cleanup(&r);
    run(w, &ALICE, "POST", pd, NULL, NULL, &r);
    assert_int_equal(r.status, 409);
    has(&r, "not-failed");
    presign_response_cleanup(&r);
    run(w, &ALICE, "GET", pf, NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    presign_response_cleanup(&r);
    run(w, &ALICE, "POST", pf, NULL, NULL, &r);
    assert_int_equal(r.status, 202);
    has(&r, "\"status\":\"queued\"");
    presign_response_cleanup(&r);
    run(w, &ALICE, "POST", pf, NULL, NULL, &r); /* queued now: not again */
    assert_int_equal(r.status, 409);
    presign_response_cleanup(&r);
}

static void test_ready(void **state)
{
    world *w = *state;
    presign_response r;
    presign_response_init(&r);
    presign_ready_check(&w->c, &r);
    assert_int_equal(r.status, 200);
    has(&r, "\"postgres\":\"ok\",\"redis\":\"ok\",\"s3\":\"ok\"");
    presign_response_cleanup(&r);
    /* kept for a second: the next check within it answers from memory */
    w->f.s3_down = true;
    presign_response_init(&r);
    assert_true(presign_ready_cached(w->st, &r));
    assert_int_equal(r.status, 200);
    presign_response_cleanup(&r);
}

static void test_ready_reports_each_dependency(void **state)
{
    world *w = *state; /* a fresh world: nothing cached */
    w->f.s3_down = true;
    presign_response r;
    presign_response_init(&r);
    presign_ready_check(&w->c, &r);
    /* issue 26: a dependency down is reported, but this replica stays ready (200): cached
     * reads and presigning need none, and every replica shares the dependency */
    assert_int_equal(r.status, 200);
    has(&r, "\"status\":\"degraded\"");
    has(&r, "\"postgres\":\"ok\",\"redis\":\"ok\",\"s3\":\"down\"");
    presign_response_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connection_budget_sizes_backend_threads),
        cmocka_unit_test_setup_teardown(test_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_is_tenant_scoped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_and_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiting_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ready, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ready_reports_each_dependency, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
