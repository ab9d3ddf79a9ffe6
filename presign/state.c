/*
 * state.c - the shared state, backends and their connections, the hot-record cache (see
 * state.h and api.h).
 */
#include "state.h"
#include "media/enqueue.h"
#include "media/events.h"
#include "media/apikey.h"
#include "media/log.h"
#include "media/metrics.h"
#include "media/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

media_sigv4_signer *presign_signer_new(const media_s3_config *s3, media_error *err)
{
    media_aws_credentials creds = {s3->access_key_id, s3->secret_access_key, s3->session_token};
    return media_sigv4_signer_new(&creds, s3->region, "s3", err);
}

presign_state *presign_state_new(const presign_config *cfg, const media_s3_config *s3,
                                 media_metrics *m)
{
    presign_state *st = media_calloc(1, sizeof(*st));
    st->cfg = cfg;
    st->s3cfg = s3;
    st->keys = presign_hot_new(4096, sizeof(media_apikey_info), cfg->key_cache_s * 1000, 0);
    /* unknown keys are remembered as long as known ones (a fresh key is never tried before
     * it exists; a revoked one stays refused) */
    st->bad_keys = presign_hot_new(4096, 1, cfg->key_cache_s * 1000, 0);
    st->anon = presign_addr_limit_new(16384, cfg->rate_anon_per_min);
    pthread_mutex_init(&st->ready.mu, NULL);
    /* records filled together (a warm-up, a popular page) expire spread over a third of the
     * lifetime instead of all at once */
    st->records = presign_hot_new((size_t)cfg->record_cache_entries, sizeof(hot_record),
                                  cfg->record_cache_s * 1000, cfg->record_cache_s * 1000 / 3);
    /* a URL is reused only within its signing window, so that is its lifetime */
    st->urls = presign_hot_new((size_t)cfg->record_cache_entries / 2, sizeof(memo_url),
                               cfg->record_cache_s > 0 ? cfg->policy.window_s * 1000 : 0, 0);
    st->limiter = presign_limiter_new(8192, cfg->rate_lease_ms);
    st->presigns =
        media_metrics_counter(m, "mediagate_presigns_total", "Presigned URLs issued", NULL);
    st->limited = media_metrics_counter(m, "mediagate_rate_limited_total",
                                        "Requests refused by the rate limiter", NULL);
    st->limiter_down = media_metrics_counter(
        m, "mediagate_rate_limiter_unavailable_total",
        "Requests let through because Redis was unavailable (fail open)", NULL);
    st->dep_db = media_metrics_counter(m, "mediagate_dependency_errors_total",
                                       "Dependency failures", "dependency=\"postgres\"");
    st->dep_redis = media_metrics_counter(m, "mediagate_dependency_errors_total",
                                          "Dependency failures", "dependency=\"redis\"");
    st->dep_s3 = media_metrics_counter(m, "mediagate_dependency_errors_total",
                                       "Dependency failures", "dependency=\"s3\"");
    st->cache_hits = media_metrics_counter(m, "mediagate_record_cache_total",
                                           "Ready-record cache lookups", "result=\"hit\"");
    st->cache_misses = media_metrics_counter(m, "mediagate_record_cache_total",
                                             "Ready-record cache lookups", "result=\"miss\"");
    st->reservations =
        media_metrics_counter(m, "mediagate_rate_limit_reservations_total",
                              "Token reservations from the shared (Redis) bucket", NULL);
    st->anon_limited = media_metrics_counter(
        m, "mediagate_unauthenticated_refused_total",
        "Requests without a known-good key refused on the event loop", "reason=\"address_budget\"");
    st->bad_key_refused = media_metrics_counter(
        m, "mediagate_unauthenticated_refused_total",
        "Requests without a known-good key refused on the event loop", "reason=\"known_bad_key\"");
    st->key_lookups =
        media_metrics_counter(m, "mediagate_apikey_lookups_total",
                              "API keys looked up in PostgreSQL (cache misses)", NULL);
    st->ready_gauge = media_metrics_gauge(
        m, "mediagate_ready", "1 while this replica takes requests (0: draining)", NULL);
    static const char dep_help[] = "1 when the last check reached the dependency, else 0";
    st->dep_up[0] =
        media_metrics_gauge(m, "mediagate_dependency_up", dep_help, "dependency=\"postgres\"");
    st->dep_up[1] =
        media_metrics_gauge(m, "mediagate_dependency_up", dep_help, "dependency=\"redis\"");
    st->dep_up[2] =
        media_metrics_gauge(m, "mediagate_dependency_up", dep_help, "dependency=\"s3\"");
    media_metric_set(st->ready_gauge, 1);
    st->ready_checks = media_metrics_counter(m, "mediagate_ready_checks_total",
                                             "Readiness checks of PostgreSQL, Redis and S3", NULL);
    return st;
}

void presign_state_destroy(presign_state *st)
{
    if (st == NULL)
        return;
    presign_hot_destroy(st->keys);
    presign_hot_destroy(st->bad_keys);
    presign_addr_limit_destroy(st->anon);
    pthread_mutex_destroy(&st->ready.mu);
    presign_hot_destroy(st->records);
    presign_hot_destroy(st->urls);
    presign_limiter_destroy(st->limiter);
    free(st);
}

presign_backend *presign_backend_new(presign_state *st, media_error *err)
{
    media_sigv4_signer *signer = presign_signer_new(st->s3cfg, err);
    if (signer == NULL)
        return NULL;
    presign_backend *b = media_calloc(1, sizeof(*b));
    b->st = st;
    b->cfg = st->cfg;
    b->s3cfg = st->s3cfg;
    b->signer = signer;
    return b;
}

void presign_backend_destroy(presign_backend *b)
{
    if (b == NULL)
        return;
    media_db_close(b->db);
    media_queue_close(b->q);
    media_s3_client_destroy(b->s3);
    media_sigv4_signer_destroy(b->signer);
    free(b);
}

media_db *presign_backend_db(presign_backend *b, media_error *err)
{
    if (b->db == NULL) {
        b->db = media_db_connect(b->cfg->store.database_url, err);
        if (b->db == NULL)
            media_metric_add(b->st->dep_db, 1);
    }
    return b->db;
}

media_queue *presign_backend_queue(presign_backend *b, media_error *err)
{
    if (b->q == NULL) {
        media_queue_options qo = {b->cfg->store.redis_url, b->cfg->store.queue_prefix, 500};
        b->q = media_queue_connect(&qo, err);
        if (b->q == NULL)
            media_metric_add(b->st->dep_redis, 1);
    }
    return b->q;
}

media_s3_client *presign_backend_s3(presign_backend *b, media_error *err)
{
    if (b->s3 == NULL) {
        media_s3_client_options o;
        media_s3_client_options_init(&o);
        o.connect_timeout_ms = 1000;
        o.timeout_ms = 5000;
        b->s3 = media_s3_client_new(b->s3cfg, NULL, &o, err);
    }
    return b->s3;
}

/* ---- the real ports (ports.h) over a backend's connections ---- */

void presign_unavailable(presign_state *st, const presign_request *req, presign_response *res,
                         presign_dep dep, const media_error *err)
{
    static const char *const name[] = {[PRESIGN_DEP_DB] = "the catalog",
                                       [PRESIGN_DEP_QUEUE] = "the queue",
                                       [PRESIGN_DEP_S3] = "object storage"};
    if (err->code == MEDIA_ERR_DB || err->code == MEDIA_ERR_SCHEMA)
        dep = PRESIGN_DEP_DB;
    media_metric *counter[] = {[PRESIGN_DEP_DB] = st->dep_db,
                               [PRESIGN_DEP_QUEUE] = st->dep_redis,
                               [PRESIGN_DEP_S3] = st->dep_s3};
    media_metric_add(counter[dep], 1);
    media_log(MEDIA_LOG_ERROR, req->request_id, NULL, "%s is unavailable: %s", name[dep],
              err->message);
    char detail[64];
    snprintf(detail, sizeof(detail), "%s is unavailable; try again", name[dep]);
    presign_problem(res, 503, "unavailable", "Service unavailable", detail, req->request_id);
    snprintf(res->retry_after, sizeof(res->retry_after), "1");
}

/* ---- the hot-record cache ---- */

static size_t record_cache_key(const char *tenant, const char *id, char *out, size_t cap)
{
    media_sb b = media_sb_over(out, cap);
    media_sb_puts(&b, tenant);
    media_sb_putc(&b, '/');
    media_sb_puts(&b, id);
    return b.overflow ? 0 : b.len;
}

void presign_record_put(presign_state *st, const media_record *r, uint64_t version)
{
    if (r->status != MEDIA_STATUS_READY)
        return; /* only ready records: they change only by deletion, which invalidates */
    char k[PRESIGN_HOT_KEY_MAX + 1];
    size_t kl = record_cache_key(r->tenant, r->id, k, sizeof(k));
    if (kl == 0)
        return;
    hot_record h;
    memset(&h, 0, sizeof(h));
    snprintf(h.id, sizeof(h.id), "%s", r->id);
    snprintf(h.tenant, sizeof(h.tenant), "%s", r->tenant);
    snprintf(h.bucket, sizeof(h.bucket), "%s", r->bucket);
    snprintf(h.object_key, sizeof(h.object_key), "%s", r->object_key);
    snprintf(h.content_type, sizeof(h.content_type), "%s", r->content_type);
    h.status = (int)r->status;
    presign_hot_put(st->records, k, kl, &h, version, presign_hot_now_ms());
}

uint64_t presign_record_version(presign_state *st, const char *tenant, const char *id)
{
    char k[PRESIGN_HOT_KEY_MAX + 1];
    size_t kl = record_cache_key(tenant, id, k, sizeof(k));
    return presign_hot_version(st->records, k, kl);
}

/* The cached ready record; a miss is counted only when count_miss (the fast path's misses
 * are counted again by the backend that takes the request over). */
bool presign_record_cached(presign_state *st, const char *tenant, const char *id, media_record *out,
                           bool count_miss)
{
    char k[PRESIGN_HOT_KEY_MAX + 1];
    size_t kl = record_cache_key(tenant, id, k, sizeof(k));
    hot_record h;
    if (kl == 0 || !presign_hot_get(st->records, k, kl, presign_hot_now_ms(), &h)) {
        if (count_miss)
            media_metric_add(st->cache_misses, 1);
        return false;
    }
    media_metric_add(st->cache_hits, 1);
    memset(out, 0, sizeof(*out));
    memcpy(out->id, h.id, sizeof(out->id));
    memcpy(out->tenant, h.tenant, sizeof(out->tenant));
    memcpy(out->bucket, h.bucket, sizeof(out->bucket));
    memcpy(out->object_key, h.object_key, sizeof(out->object_key));
    memcpy(out->content_type, h.content_type, sizeof(out->content_type));
    out->status = (media_status)h.status;
    out->size_bytes = -1;
    return true;
}

void presign_record_invalidate(presign_state *st, const char *tenant, const char *id)
{
    char k[PRESIGN_HOT_KEY_MAX + 1];
    size_t kl = record_cache_key(tenant, id, k, sizeof(k));
    if (kl)
        presign_hot_invalidate(st->records, k, kl);
}
