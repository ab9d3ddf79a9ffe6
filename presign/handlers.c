/*
 * handlers.c - the /api/v1 handlers over ports.h (see handlers.h). To add a route: add it to
 * the route parse (request.c, presign_route_parse) and presign_media_handle, write its handler,
 * document it in docs/openapi.json (a test calls every route listed there) and in README.
 */
#include "handlers.h"
#include "media/json.h"
#include "media/log.h"
#include "media/source_url.h"
#include "media/strbuf.h"
#include "media/trace.h"
#include "media/uploads.h"
#include "media/uuid.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void catalog_unavailable(const presign_handler_ctx *c, const presign_request *req,
                                presign_response *res, const media_error *err)
{
    presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, err);
}

static void not_found(const presign_request *req, presign_response *res)
{
    presign_problem(res, 404, "not-found", "No such media", NULL, req->request_id);
}

static void time_text(time_t t, char *out, size_t cap)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The record as JSON, with a presigned url when ready. */
static void record_body(const presign_handler_ctx *c, const media_record *r, media_buf *out)
{
    media_record_json(r, out);
    if (r->status != MEDIA_STATUS_READY)
        return;
    presign_url u;
    media_error err;
    if (presign_policy_url(&c->st->cfg->policy, c->signer, &c->st->s3cfg->public_endpoint,
                           c->st->s3cfg->addressing, r, 0, PRESIGN_DISPOSITION_DEFAULT, time(NULL),
                           &u, &err) != MEDIA_OK)
        return;
    media_metric_add(c->st->presigns, 1);
    char at[32];
    time_text(u.expires_at, at, sizeof(at));
    out->len--; /* reopen the object */
    int first = 0;
    media_json_kv_str(out, "url", u.url, &first);
    media_json_kv_str(out, "url_expires_at", at, &first);
    media_buf_appends(out, "}");
}

static void handle_create(const presign_handler_ctx *c, const presign_request *req,
                          presign_response *res, const media_apikey_info *who,
                          const presign_create_body *body)
{
    media_error err;
    /* an address the worker would refuse is refused now, not 100 ms after a 202 */
    if (media_source_url_check_literal(body->source_url, &c->st->cfg->allow_private, &err) !=
        MEDIA_OK) {
        presign_problem(res, 422, "invalid-source-url", "Invalid source_url", err.message,
                        req->request_id);
        return;
    }
    const char *source = body->source_url;
    const char *meta_text = body->metadata;
    /* the worker continues this request's trace: the span of this request is the job's parent */
    const media_trace *trace = media_trace_current();
    char traceparent[MEDIA_TRACEPARENT_LEN + 1];
    media_trace_header(trace, traceparent);
    media_create_request cr = {
        who->tenant,
        source,
        req->idempotency_key && req->idempotency_key[0] ? req->idempotency_key : NULL,
        meta_text,
        c->st->s3cfg->bucket,
        req->request_id,
        body->callback_url,
        traceparent[0] ? traceparent : NULL,
        trace && trace->state[0] ? trace->state : NULL};
    media_record rec;
    memset(&rec, 0, sizeof(rec));
    bool created = false, queued = false;
    media_error qerr;
    media_code rc = c->io->create(c->io->ud, &cr, &rec, &created, &queued, &qerr, &err);
    if (rc == MEDIA_ERR_CONFLICT && err.cls == MEDIA_CLASS_PERMANENT) {
        presign_problem(res, 409, "idempotency-conflict", "Idempotency-Key reused",
                        "this Idempotency-Key was used for a different request", req->request_id);
    } else if (rc == MEDIA_ERR_INVALID) {
        presign_problem(res, 422, "invalid-request", "Invalid request", err.message,
                        req->request_id);
    } else if (rc != MEDIA_OK) {
        catalog_unavailable(c, req, res, &err);
    } else {
        if (created && !queued) {
            media_log(MEDIA_LOG_WARN, req->request_id, NULL,
                      "job accepted, not yet queued (%s); the outbox sweeper will enqueue it",
                      qerr.message);
        }
        res->status = 202;
        snprintf(res->location, sizeof(res->location), "/api/v1/media/%s", rec.id);
        record_body(c, &rec, &res->body);
    }
    media_record_cleanup(&rec);
}

int presign_wait_parse(const presign_request *req, presign_response *res, long *wait_s)
{
    char v[16];
    *wait_s = 0;
    presign_query_state qs = presign_query_get(req->query, "wait", v, sizeof(v));
    if (qs == PRESIGN_QUERY_ABSENT)
        return 0;
    char *end = NULL;
    long s = qs == PRESIGN_QUERY_OK ? strtol(v, &end, 10) : -1;
    if (qs != PRESIGN_QUERY_OK || end == v || *end || s < 0 || s > PRESIGN_WAIT_MAX_S) {
        presign_problem(res, 400, "invalid-query", "Invalid query",
                        "wait is a whole number of seconds, 0..30", req->request_id);
        return -1;
    }
    *wait_s = s;
    return 0;
}

static void handle_get(const presign_handler_ctx *c, const presign_request *req,
                       presign_response *res, const media_apikey_info *who, const char *id)
{
    media_error err;
    media_record rec;
    long wait_s;
    if (presign_wait_parse(req, res, &wait_s) != 0)
        return;
    memset(&rec, 0, sizeof(rec));
    uint64_t version = presign_record_version(c->st, who->tenant, id);
    media_code rc = c->io->get(c->io->ud, who->tenant, id, &rec, &err);
    if (rc == MEDIA_ERR_NOT_FOUND || (rc == MEDIA_OK && rec.status == MEDIA_STATUS_DELETED))
        not_found(req, res);
    else if (rc != MEDIA_OK)
        catalog_unavailable(c, req, res, &err);
    else {
        presign_record_put(c->st, &rec, version);
        res->status = 200;
        record_body(c, &rec, &res->body);
        bool pending = rec.status == MEDIA_STATUS_QUEUED || rec.status == MEDIA_STATUS_FETCHING;
        if (pending && wait_s > 0 && !req->waited) { /* the server parks it (no thread) */
            res->wait_ms = wait_s * 1000;
            snprintf(res->wait_id, sizeof(res->wait_id), "%s", rec.id);
            snprintf(res->wait_tenant, sizeof(res->wait_tenant), "%s", who->tenant);
        }
    }
    media_record_cleanup(&rec);
}

int presign_url_args_parse(const presign_request *req, presign_response *res, presign_url_args *a)
{
    char v[32];
    a->expires = 0;
    a->disp = PRESIGN_DISPOSITION_DEFAULT;
    presign_query_state qs = presign_query_get(req->query, "expires", v, sizeof(v));
    if (qs != PRESIGN_QUERY_ABSENT) {
        char *end = v;
        a->expires = qs == PRESIGN_QUERY_OK ? strtol(v, &end, 10) : 0;
        if (qs == PRESIGN_QUERY_BAD || end == v || *end || a->expires < 1) {
            presign_problem(res, 400, "invalid-expires", "Invalid expires",
                            "expires must be a positive number of seconds", req->request_id);
            return -1;
        }
    }
    qs = presign_query_get(req->query, "disposition", v, sizeof(v));
    if (qs == PRESIGN_QUERY_BAD ||
        (qs == PRESIGN_QUERY_OK && !presign_disposition_parse(v, &a->disp))) {
        presign_problem(res, 400, "invalid-disposition", "Invalid disposition",
                        "disposition must be inline or attachment", req->request_id);
        return -1;
    }
    return 0;
}

/* Answer /url or /content (redirect) for a record that exists and is not deleted. */
_Static_assert(sizeof(((presign_response *)0)->location) >= sizeof(((presign_url *)0)->url) &&
                   sizeof(((presign_url *)0)->url) >= sizeof(((memo_url *)0)->url),
               "a URL is copied from the memo to the answer and on to Location unchecked");

void presign_url_answer(presign_state *st, media_sigv4_signer *signer, const presign_request *req,
                        presign_response *res, const media_record *rec, const presign_url_args *a,
                        bool redirect)
{
    if (rec->status == MEDIA_STATUS_FAILED) {
        presign_problem(res, 410, "media-failed", "Media could not be ingested", rec->last_error,
                        req->request_id);
        return;
    }
    if (rec->status != MEDIA_STATUS_READY) {
        char detail[64];
        snprintf(detail, sizeof(detail), "status is %s", media_status_name(rec->status));
        presign_problem(res, 409, "media-not-ready", "Media is not ready yet", detail,
                        req->request_id);
        return;
    }
    presign_url u;
    media_error err;
    time_t now = time(NULL);
    char mk[PRESIGN_HOT_KEY_MAX + 1]; /* "tenant/id|expires|disposition" */
    media_sb k = media_sb_over(mk, sizeof(mk));
    media_sb_puts(&k, rec->tenant);
    media_sb_putc(&k, '/');
    media_sb_puts(&k, rec->id);
    media_sb_putc(&k, '|');
    media_sb_put_long(&k, a->expires);
    media_sb_putc(&k, '|');
    media_sb_put_long(&k, (long)a->disp);
    bool memo_ok = !k.overflow;
    size_t mkl = k.len;
    memo_url m;
    if (memo_ok && presign_hot_get(st->urls, mk, mkl, presign_hot_now_ms(), &m) &&
        m.signed_at == presign_policy_window_start(&st->cfg->policy, now)) {
        /* signed earlier in this window: signing again would give these same bytes */
        memcpy(u.url, m.url, strlen(m.url) + 1); /* m.url is smaller than u.url */
        u.signed_at = m.signed_at;
        u.expires_at = m.expires_at;
        u.cache_max_age_s = presign_policy_cache_max_age(m.expires_at, now);
    } else if (presign_policy_url(&st->cfg->policy, signer, &st->s3cfg->public_endpoint,
                                  st->s3cfg->addressing, rec, a->expires, a->disp, now, &u,
                                  &err) != MEDIA_OK) {
        if (err.code == MEDIA_ERR_INVALID) /* the expiry the client asked for */
            presign_problem(res, 400, "invalid-expires", "Invalid expires", err.message,
                            req->request_id);
        else { /* ours: the signer's configuration (never the client's fault) */
            media_log(MEDIA_LOG_ERROR, req->request_id, NULL, "presign failed: %s", err.message);
            presign_problem(res, 500, "presign-failed", "Could not presign the URL", NULL,
                            req->request_id);
        }
        return;
    } else if (memo_ok && strlen(u.url) < sizeof(m.url)) {
        m.signed_at = u.signed_at;
        m.expires_at = u.expires_at;
        memcpy(m.url, u.url, strlen(u.url) + 1);
        presign_hot_put(st->urls, mk, mkl, &m, presign_hot_version(st->urls, mk, mkl),
                        presign_hot_now_ms());
    }
    media_metric_add(st->presigns, 1);
    if (redirect) {
        res->status = 302;
        memcpy(res->location, u.url, strlen(u.url) + 1); /* the same size */
        snprintf(res->cache_control, sizeof(res->cache_control), "private, max-age=%ld",
                 u.cache_max_age_s);
        return;
    }
    char at[32];
    time_text(u.expires_at, at, sizeof(at));
    int first = 1;
    res->status = 200;
    media_buf_appends(&res->body, "{");
    media_json_kv_str(&res->body, "url", u.url, &first);
    media_json_kv_str(&res->body, "expires_at", at, &first);
    media_buf_appends(&res->body, "}");
}

static void handle_url(const presign_handler_ctx *c, const presign_request *req,
                       presign_response *res, const media_apikey_info *who, const char *id,
                       bool redirect)
{
    presign_url_args a;
    if (presign_url_args_parse(req, res, &a) != 0)
        return;
    media_record rec;
    if (presign_record_cached(c->st, who->tenant, id, &rec, true)) {
        presign_url_answer(c->st, c->signer, req, res, &rec, &a, redirect);
        return;
    }
    media_error err;
    memset(&rec, 0, sizeof(rec));
    uint64_t version = presign_record_version(c->st, who->tenant, id);
    media_code rc = c->io->get(c->io->ud, who->tenant, id, &rec, &err);
    if (rc == MEDIA_ERR_NOT_FOUND || (rc == MEDIA_OK && rec.status == MEDIA_STATUS_DELETED)) {
        not_found(req, res);
    } else if (rc != MEDIA_OK) {
        catalog_unavailable(c, req, res, &err);
    } else {
        presign_record_put(c->st, &rec, version);
        presign_url_answer(c->st, c->signer, req, res, &rec, &a, redirect);
    }
    media_record_cleanup(&rec);
}

static void handle_list(const presign_handler_ctx *c, const presign_request *req,
                        presign_response *res, const media_apikey_info *who)
{
    char v[64], after[64];
    long long page = 1;
    long size = 20;
    media_status st, *stp = NULL;
    presign_query_state qa = presign_query_get(req->query, "after", after, sizeof(after));
    bool keyset = qa != PRESIGN_QUERY_ABSENT;
    const char *bad = NULL;
    presign_query_state qs = presign_query_get(req->query, "page", v, sizeof(v));
    if (qs != PRESIGN_QUERY_ABSENT) {
        char *end = v;
        page = qs == PRESIGN_QUERY_OK ? strtoll(v, &end, 10) : 0;
        if (end == v || *end || page < 1 || page > 1000000000)
            bad = "page must be an integer >= 1";
    }
    qs = presign_query_get(req->query, "size", v, sizeof(v));
    if (qs != PRESIGN_QUERY_ABSENT) {
        char *end = v;
        size = qs == PRESIGN_QUERY_OK ? strtol(v, &end, 10) : 0;
        if (end == v || *end || size < 1 || size > 100)
            bad = "size must be 1..100";
    }
    qs = presign_query_get(req->query, "status", v, sizeof(v));
    if (qs != PRESIGN_QUERY_ABSENT) {
        if (qs == PRESIGN_QUERY_BAD || !media_status_parse(v, &st) || st == MEDIA_STATUS_DELETED)
            bad = "status must be queued, fetching, ready or failed";
        stp = &st;
    }
    if (keyset && (qa == PRESIGN_QUERY_BAD || !media_uuid_valid(after)))
        bad = "after must be a cursor from next_cursor";
    if (bad) {
        presign_problem(res, 400, "invalid-pagination", "Invalid query", bad, req->request_id);
        return;
    }
    media_error err;
    media_page p;
    memset(&p, 0, sizeof(p));
    media_code rc =
        c->io->list(c->io->ud, who->tenant, stp, keyset ? after : NULL, page, (int)size, &p, &err);
    if (rc == MEDIA_ERR_INVALID) {
        presign_problem(res, 400, "invalid-pagination", "Invalid query", err.message,
                        req->request_id);
        return;
    }
    if (rc != MEDIA_OK) {
        catalog_unavailable(c, req, res, &err);
        return;
    }
    media_buf *o = &res->body;
    media_buf_appends(o, "{\"items\":[");
    for (size_t i = 0; i < p.count; i++) {
        if (i)
            media_buf_appends(o, ",");
        record_body(c, &p.items[i], o);
    }
    media_buf_appends(o, "]");
    int first = 0;
    if (!keyset) {
        media_json_kv_int(o, "total", p.total, &first);
        media_json_kv_int(o, "page", page, &first);
        media_json_kv_int(o, "size", size, &first);
        media_json_kv_int(o, "pages", (p.total + size - 1) / size, &first);
    } else {
        media_json_kv_int(o, "size", size, &first);
    }
    media_json_kv_str(o, "next_cursor", p.next_cursor[0] ? p.next_cursor : NULL, &first);
    media_buf_appends(o, "}");
    res->status = 200;
    media_page_cleanup(&p);
}

static void handle_delete(const presign_handler_ctx *c, const presign_request *req,
                          presign_response *res, const media_apikey_info *who, const char *id)
{
    media_error err;
    media_record rec;
    memset(&rec, 0, sizeof(rec));
    media_code rc = c->io->soft_delete(c->io->ud, who->tenant, id, &rec, &err);
    if (rc == MEDIA_ERR_NOT_FOUND) {
        not_found(req, res);
    } else if (rc != MEDIA_OK) {
        catalog_unavailable(c, req, res, &err);
    } else {
        presign_record_invalidate(c->st, who->tenant, id);
        /* waiting reads of it answer now, and every replica forgets its cached copy */
        c->io->announce(c->io->ud, who->tenant, id);
        /* an upload in progress is aborted, so its part URLs stop working now (issue 25,
         * defect 2); the workers' upload sweeper retries one this fails for */
        char staged[MEDIA_UPLOAD_WRITE_KEY_MAX]; /* a direct upload's: where its client writes */
        media_upload_write_key(&rec, staged);
        if (rec.upload_id[0] && c->io->abort_upload(c->io->ud, rec.upload ? staged : rec.object_key,
                                                    rec.upload_id, &err) != MEDIA_OK) {
            media_metric_add(c->st->dep_s3, 1);
            media_log(MEDIA_LOG_WARN, req->request_id, NULL,
                      "multipart upload abort failed (%s); the upload sweeper will retry",
                      err.message);
        }
        /* the row is deleted (so no URL is issued any more); the object goes now, and gc
         * retries objects whose delete failed here */
        if (rec.staged && c->io->delete_object(c->io->ud, staged, &err) != MEDIA_OK)
            media_log(MEDIA_LOG_WARN, req->request_id, NULL,
                      "staging object delete failed (%s); the staging sweeper will remove it",
                      err.message);
        if (c->io->delete_object(c->io->ud, rec.object_key, &err) != MEDIA_OK) {
            media_metric_add(c->st->dep_s3, 1);
            media_log(MEDIA_LOG_WARN, req->request_id, NULL,
                      "object delete failed (%s); gc will remove it", err.message);
        }
        res->status = 204;
    }
    media_record_cleanup(&rec);
}

#define READY_FRESH_MS 1000

static void ready_fill(const ready_cache *rc, presign_response *res)
{
    res->status = rc->status;
    media_buf_appends(&res->body, rc->body);
}

bool presign_ready_cached(presign_state *st, presign_response *res)
{
    ready_cache *rc = &st->ready;
    int64_t now = presign_hot_now_ms();
    pthread_mutex_lock(&rc->mu);
    bool fresh = rc->at_ms && now - rc->at_ms < READY_FRESH_MS;
    bool answer = fresh || (rc->running && rc->at_ms); /* a check is on its way: the last */
    if (answer)
        ready_fill(rc, res);
    else
        rc->running = true; /* this request goes to a backend thread and checks */
    pthread_mutex_unlock(&rc->mu);
    if (answer)
        snprintf(res->route, sizeof(res->route), "ready");
    return answer;
}

void presign_ready_check(const presign_handler_ctx *c, presign_response *res)
{
    ready_cache *rc = &c->st->ready;
    pthread_mutex_lock(&rc->mu);
    bool fresh = rc->at_ms && presign_hot_now_ms() - rc->at_ms < READY_FRESH_MS;
    if (fresh) { /* another request checked meanwhile */
        ready_fill(rc, res);
        pthread_mutex_unlock(&rc->mu);
        return;
    }
    rc->running = true;
    pthread_mutex_unlock(&rc->mu);
    media_metric_add(c->st->ready_checks, 1);
    bool pg = c->io->ping_db(c->io->ud);
    bool redis = c->io->ping_queue(c->io->ud);
    bool s3ok = c->io->ping_s3(c->io->ud);
    bool ok = pg && redis && s3ok;
    media_metric_set(c->st->dep_up[0], pg);
    media_metric_set(c->st->dep_up[1], redis);
    media_metric_set(c->st->dep_up[2], s3ok);
    pthread_mutex_lock(&rc->mu);
    /* Ready means "this replica can do useful work" (issue 26): cached reads and presigning
     * need none of the three, and a replica taken out of rotation for a dependency every
     * replica shares leaves the load balancer with none. So 200 while it is not draining
     * (draining is answered on the event loop); a dependency that is down is reported here,
     * in mediagate_dependency_up, and by each request that needs it (503 + Retry-After). */
    rc->status = 200;
    snprintf(rc->body, sizeof(rc->body),
             "{\"status\":\"%s\",\"components\":{\"postgres\":\"%s\",\"redis\":\"%s\","
             "\"s3\":\"%s\"}}\n",
             ok ? "ready" : "degraded", pg ? "ok" : "down", redis ? "ok" : "down",
             s3ok ? "ok" : "down");
    rc->at_ms = presign_hot_now_ms();
    rc->running = false;
    ready_fill(rc, res);
    pthread_mutex_unlock(&rc->mu);
}

/* POST /api/v1/media/{id}/retry: a failed record (a dead letter) ingested again. */
static void handle_retry(const presign_handler_ctx *c, const presign_request *req,
                         presign_response *res, const media_apikey_info *who, const char *id)
{
    media_error err;
    media_record rec;
    memset(&rec, 0, sizeof(rec));
    bool queued = false;
    media_code rc = c->io->retry(c->io->ud, who->tenant, id, &rec, &queued, &err);
    if (rc == MEDIA_ERR_NOT_FOUND) {
        not_found(req, res);
    } else if (rc == MEDIA_ERR_CONFLICT) {
        presign_problem(res, 409, "not-failed", "Only failed media is retried", err.message,
                        req->request_id);
    } else if (rc != MEDIA_OK) {
        catalog_unavailable(c, req, res, &err);
    } else {
        if (!queued)
            media_log(MEDIA_LOG_WARN, req->request_id, NULL,
                      "retry of %s accepted, not yet queued; the outbox sweeper will enqueue it",
                      id);
        res->status = 202;
        snprintf(res->location, sizeof(res->location), "/api/v1/media/%s", rec.id);
        record_body(c, &rec, &res->body);
    }
    media_record_cleanup(&rec);
}

void presign_media_handle(const presign_handler_ctx *c, const presign_request *req,
                          const presign_call *call, presign_response *res)
{
    const presign_route *rt = &call->rt;
    const media_apikey_info *who = &call->who;
    if (strcmp(rt->sub, "retry") == 0) {
        handle_retry(c, req, res, who, rt->id);
        return;
    }
    if (rt->id[0] == '\0')
        rt->write ? handle_create(c, req, res, who, &call->body.u.create)
                  : handle_list(c, req, res, who);
    else if (rt->sub[0] == '\0')
        rt->write ? handle_delete(c, req, res, who, rt->id) : handle_get(c, req, res, who, rt->id);
    else
        handle_url(c, req, res, who, rt->id, strcmp(rt->sub, "content") == 0);
}
