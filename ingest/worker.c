/*
 * worker.c - the queue worker (see worker.h for the contract).
 *
 * Threads: job threads (own connections each), one keeper (claims, promotion, sweeping,
 * gauges), the admin HTTP thread. Shared state: atomics and one mutex (in-flight ids, the S3
 * breaker). To add a metric: create it in make_metrics and update it where the event happens.
 */
#include "worker.h"
#include "claims.h"
#include "fetch.h"
#include "job.h"
#include "notify.h"
#include "outcome.h"
#include "media/admin_http.h"
#include "media/breaker.h"
#include "media/enqueue.h"
#include "media/events.h"
#include "media/lease.h"
#include "media/log.h"
#include "media/process_metrics.h"
#include "media/metrics.h"
#include "media/otlp.h"
#include "media/trace.h"
#include "media/migrations.h"
#include "media/queue.h"
#include "media/usage.h"
#include "media/uuid.h"
#include "media/uploads.h"
#include "media/webhook.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    media_metric *started, *succeeded, *retried, *dead, *skipped, *rescheduled, *released, *left;
    media_metric *failed[3]; /* permanent, transient, rate_limited */
    media_metric *bytes, *duration, *inflight;
    media_metric *q_depth, *q_pending, *q_delayed, *q_dead;
    media_metric *s3_breaker, *hosts_open, *swept, *uploads_swept, *uploads_expired;
    media_metric *uploads_completed, *ready, *staging_swept;
} worker_metrics;

/* One job thread's stop flag: set on shutdown (past the grace) or when its claim is lost. */
typedef struct {
    volatile sig_atomic_t cancel;
} job_slot;

struct ingest_worker {
    ingest_worker_config c;
    const media_s3_config *s3cfg;
    ingest_options *o;
    volatile sig_atomic_t stopping;
    volatile sig_atomic_t cancel; /* past the grace period: every transfer stops */
    atomic_int active;
    atomic_bool keeper_stop;
    atomic_bool db_ok, redis_ok;
    pthread_t *threads;
    pthread_t keeper;
    media_admin_http *admin;
    ingest_claims *claims;
    media_metrics *m;
    worker_metrics mx;
    pthread_mutex_t mu;
    job_slot *slots;
    media_breaker s3b;
    media_breaker_set *hosts;
    ingest_notifier *notifier;
};

/* threads besides the job threads that hold a PostgreSQL connection: the keeper, the claim
 * keeper and the webhook sender */
#define WORKER_KEEPERS 3

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double rand01(void)
{
    uint32_t r;
    media_random_bytes(&r, sizeof(r));
    return (double)r / 4294967296.0;
}

/* ---- configuration ---- */

media_code ingest_worker_config_load(ingest_worker_config *c, const media_store_config *store,
                                     media_env_fn env, void *ud, media_error *err)
{
    memset(c, 0, sizeof(*c));
    media_code rc;
#define LONG(name, def, min, max, dst) MEDIA_CONFIG_LONG(env, ud, name, def, min, max, dst, err)
    /* a connection per job thread and one for each keeper (the keeper, the claim keeper, the
     * webhook sender): MEDIAGATE_DB_CONNECTIONS bounds them (the default concurrency, 4,
     * shrinks to fit) */
    long pool = store->db_connections;
    if (pool > 0 && pool < 1 + WORKER_KEEPERS)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_DB_CONNECTIONS (%ld) is below a worker's %d (one job "
                               "thread and %d keepers)",
                               pool, 1 + WORKER_KEEPERS, WORKER_KEEPERS);
    LONG("MEDIAGATE_WORKER_CONCURRENCY",
         pool > 0 ? (pool - WORKER_KEEPERS < 4 ? pool - WORKER_KEEPERS : 4) : 4, 1, 256,
         c->concurrency);
    if (pool > 0 && c->concurrency + WORKER_KEEPERS > pool)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_WORKER_CONCURRENCY (%ld) + 3 keepers exceeds "
                               "MEDIAGATE_DB_CONNECTIONS (%ld): each holds a PostgreSQL connection",
                               (long)c->concurrency, pool);
    LONG("MEDIAGATE_CLAIM_TIMEOUT_S", 60, 1, 86400, c->claim_timeout_s);
    LONG("MEDIAGATE_MAX_DELIVERIES", 5, 1, 1000, c->max_deliveries);
    LONG("MEDIAGATE_RETRY_ATTEMPTS", 3, 1, 100, c->retry.max_attempts);
    LONG("MEDIAGATE_RETRY_BASE_MS", 1000, 1, 3600000, c->retry.base_ms);
    LONG("MEDIAGATE_RETRY_CAP_MS", 300000, 1, 86400000, c->retry.cap_ms);
    LONG("MEDIAGATE_SWEEP_AFTER_S", 30, 1, 86400, c->sweep_after_s);
    LONG("MEDIAGATE_SHUTDOWN_GRACE_S", 25, 0, 3600, c->grace_s);
    LONG("MEDIAGATE_DLQ_RETENTION_DAYS", 30, 1, 3650, c->dlq_retention_s);
    c->dlq_retention_s *= 86400;
    LONG("MEDIAGATE_BREAKER_FAILURES", 5, 1, 1000, c->breaker_failures);
    LONG("MEDIAGATE_BREAKER_COOLDOWN_MS", 15000, 100, 3600000, c->breaker_cooldown_ms);
#undef LONG
    if ((rc = ingest_notify_config_load(&c->notify, env, ud, err)) != MEDIA_OK)
        return rc;
    if ((rc = media_otlp_endpoint_load(env, ud, c->otlp_endpoint, sizeof(c->otlp_endpoint), err)) !=
        MEDIA_OK)
        return rc;
    const char *listen = env("MEDIAGATE_WORKER_LISTEN", ud);
    rc = media_admin_parse_listen("MEDIAGATE_WORKER_LISTEN",
                                  listen && listen[0] ? listen : "127.0.0.1:9464", c->listen_host,
                                  &c->listen_port, err);
    if (rc != MEDIA_OK)
        return rc;
    if ((rc = media_store_config_need(store, true, true, err)) != MEDIA_OK)
        return rc;
    c->store = *store;
    char host[64] = "worker";
    gethostname(host, sizeof(host) - 1);
    snprintf(c->name, sizeof(c->name), "%s-%d", host, (int)getpid());
    return MEDIA_OK;
}

const char *ingest_worker_help(void)
{
    return "  MEDIAGATE_REDIS_URL             redis://[:password@]host[:port][/db] (required)\n"
           "  MEDIAGATE_REDIS_SENTINELS       host:port,... of Redis Sentinels (HA)\n"
           "  MEDIAGATE_DB_CONNECTIONS        PostgreSQL connections per process (at least\n"
           "                                  concurrency + 3)\n"
           "  MEDIAGATE_REDIS_MASTER          the sentinels' master name (default mediagate)\n"
           "  MEDIAGATE_QUEUE_PREFIX          Redis key prefix (default mediagate)\n"
           "  MEDIAGATE_WORKER_CONCURRENCY    transfers at once per process (default 4)\n"
           "  MEDIAGATE_WORKER_LISTEN         admin port for /health /ready /metrics\n"
           "                                  (default 127.0.0.1:9464)\n"
           "  MEDIAGATE_CLAIM_TIMEOUT_S       a silent worker's jobs are reclaimed after (60)\n"
           "  MEDIAGATE_MAX_DELIVERIES        deliveries before a job is poison (default 5)\n"
           "  MEDIAGATE_RETRY_ATTEMPTS        attempts in all (default 3)\n"
           "  MEDIAGATE_RETRY_BASE_MS         backoff base (default 1000)\n"
           "  MEDIAGATE_RETRY_CAP_MS          backoff cap (default 300000)\n"
           "  MEDIAGATE_SWEEP_AFTER_S         re-enqueue rows queued longer than this (30)\n"
           "  MEDIAGATE_SHUTDOWN_GRACE_S      time to finish in-flight work on SIGTERM (25)\n"
           "  MEDIAGATE_DLQ_RETENTION_DAYS    dead letters kept (default 30)\n"
           "  MEDIAGATE_BREAKER_FAILURES      failures in a row that open a breaker (5)\n"
           "  MEDIAGATE_BREAKER_COOLDOWN_MS   open -> half-open after (default 15000)\n"
           "  MEDIAGATE_OTLP_ENDPOINT         export spans as OTLP/HTTP JSON to this URL\n";
}

/* ---- metrics and the admin port ---- */

static void make_metrics(ingest_worker *w)
{
    media_metrics *m = w->m;
    worker_metrics *x = &w->mx;
    x->started = media_metrics_counter(m, "mediagate_worker_jobs_started_total",
                                       "Jobs taken from the queue", NULL);
    x->succeeded = media_metrics_counter(m, "mediagate_worker_jobs_succeeded_total",
                                         "Jobs that ended ready", NULL);
    static const char *const classes[] = {"class=\"permanent\"", "class=\"transient\"",
                                          "class=\"rate_limited\""};
    for (int i = 0; i < 3; i++)
        x->failed[i] = media_metrics_counter(m, "mediagate_worker_jobs_failed_total",
                                             "Jobs that ended failed, by error class", classes[i]);
    x->retried = media_metrics_counter(m, "mediagate_worker_jobs_retried_total",
                                       "Jobs scheduled for a retry", NULL);
    x->dead = media_metrics_counter(m, "mediagate_worker_jobs_dead_lettered_total",
                                    "Jobs moved to the dead-letter stream", NULL);
    x->skipped = media_metrics_counter(m, "mediagate_worker_jobs_skipped_total",
                                       "Jobs acknowledged without work (already finished)", NULL);
    x->rescheduled = media_metrics_counter(
        m, "mediagate_worker_jobs_rescheduled_total",
        "Jobs put back without running (open source-host breaker, claimed elsewhere)", NULL);
    x->released =
        media_metrics_counter(m, "mediagate_worker_jobs_released_total",
                              "Attempts that did not count (storage failure or shutdown)", NULL);
    x->left = media_metrics_counter(
        m, "mediagate_worker_jobs_superseded_total",
        "Jobs whose claim another worker took over (their result was discarded)", NULL);
    x->bytes = media_metrics_counter(m, "mediagate_worker_bytes_ingested_total",
                                     "Bytes stored in the bucket", NULL);
    static const double secs[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
    x->duration = media_metrics_histogram(m, "mediagate_worker_transfer_duration_seconds",
                                          "Duration of successful transfers", NULL, secs, 11);
    x->inflight = media_metrics_gauge(m, "mediagate_worker_inflight", "Transfers running", NULL);
    x->q_depth = media_metrics_gauge(m, "mediagate_queue_depth",
                                     "Entries in the job stream (waiting and pending)", NULL);
    x->q_pending = media_metrics_gauge(m, "mediagate_queue_pending",
                                       "Jobs delivered and not acknowledged", NULL);
    x->q_delayed =
        media_metrics_gauge(m, "mediagate_queue_delayed", "Jobs waiting for a retry", NULL);
    x->q_dead = media_metrics_gauge(m, "mediagate_queue_dead_letters", "Dead letters", NULL);
    x->ready = media_metrics_gauge(m, "mediagate_ready",
                                   "1 when the last readiness check passed, else 0", NULL);
    x->s3_breaker = media_metrics_gauge(m, "mediagate_breaker_state",
                                        "Circuit breaker state: 0 closed, 1 open, 2 half-open",
                                        "breaker=\"s3\"");
    x->hosts_open = media_metrics_gauge(m, "mediagate_breaker_open_hosts",
                                        "Source hosts whose breaker is open", NULL);
    x->swept = media_metrics_counter(m, "mediagate_worker_outbox_swept_total",
                                     "Queued rows re-enqueued by the outbox sweeper", NULL);
    x->uploads_completed = media_metrics_counter(
        m, "mediagate_worker_direct_uploads_found_total",
        "Direct uploads nobody completed whose object the sweeper found and queued", NULL);
    x->uploads_expired = media_metrics_counter(
        m, "mediagate_worker_direct_uploads_expired_total",
        "Direct uploads never completed that the sweeper failed and cleaned up", NULL);
    x->uploads_swept = media_metrics_counter(
        m, "mediagate_worker_uploads_swept_total",
        "Multipart uploads left by failed attempts that the sweeper aborted", NULL);
    x->staging_swept = media_metrics_counter(
        m, "mediagate_worker_staging_swept_total",
        "Staging keys of finished direct uploads deleted once their URLs lapsed", NULL);
}

/* Whether this worker can take jobs now, and its components; the mediagate_ready gauge follows.
 * The keeper calls it every round, so the gauge is current without anyone asking /ready (the
 * MediagateNotReady alert fired under compose and systemd, where nothing did: issue 26). */
static bool worker_ready(ingest_worker *w, bool *db, bool *redis, media_breaker_state *s3)
{
    pthread_mutex_lock(&w->mu);
    *s3 = media_breaker_state_at(&w->s3b, now_ms());
    pthread_mutex_unlock(&w->mu);
    *db = atomic_load(&w->db_ok);
    *redis = atomic_load(&w->redis_ok);
    bool ready = *db && *redis && *s3 != MEDIA_BREAKER_OPEN && !w->stopping;
    media_metric_set(w->mx.ready, ready ? 1 : 0);
    return ready;
}

static int admin(void *ud, const char *path, media_buf *body, const char **ctype)
{
    ingest_worker *w = ud;
    if (strcmp(path, "/health") == 0) {
        media_buf_appends(body, "{\"status\":\"ok\"}\n");
        return 200;
    }
    if (strcmp(path, "/ready") == 0) {
        media_breaker_state s3;
        bool db, redis, ready = worker_ready(w, &db, &redis, &s3);
        media_buf_appendf(body,
                          "{\"status\":\"%s\",\"components\":{\"postgres\":\"%s\",\"redis\":\"%s\","
                          "\"s3\":\"%s\"},\"stopping\":%s}\n",
                          ready ? "ready" : "not_ready", db ? "ok" : "down", redis ? "ok" : "down",
                          s3 == MEDIA_BREAKER_OPEN ? "breaker_open" : "ok",
                          w->stopping ? "true" : "false");
        return ready ? 200 : 503;
    }
    if (strcmp(path, "/metrics") == 0) {
        *ctype = "text/plain; version=0.0.4";
        media_metrics_render(w->m, body);
        /* a connection per job thread, the keeper's, the claim keeper's and the sender's */
        media_usage_render(body, w->c.concurrency + WORKER_KEEPERS);
        media_process_render(body, "worker");
        return 200;
    }
    media_buf_appends(body, "{\"status\":\"not_found\"}\n");
    return 404;
}

/* ---- one job ---- */

static void job_fields(media_log_fields *f, const media_job *job)
{
    memset(f, 0, sizeof(*f));
    media_log_str(f, "media_id", job->media_id);
    media_log_str(f, "msg_id", job->msg_id);
    media_log_int(f, "attempt", job->attempt);
    media_log_int(f, "deliveries", job->deliveries);
}

static void count_failure(ingest_worker *w, media_error_class cls)
{
    int k = cls == MEDIA_CLASS_TRANSIENT ? 1 : cls == MEDIA_CLASS_RATE_LIMITED ? 2 : 0;
    media_metric_add(w->mx.failed[k], 1);
}

/* Acknowledge msg_id and add the dead letter (one Redis step). */
static void send_dead_letter(ingest_worker *w, media_queue *q, const media_job *job,
                             const media_error *cause, int attempts)
{
    media_dead_letter dl;
    memset(&dl, 0, sizeof(dl));
    dl.job = *job;
    dl.job.attempt = attempts;
    snprintf(dl.error_class, sizeof(dl.error_class), "%s",
             media_error_class_name(cause->cls == MEDIA_CLASS_NONE ? MEDIA_CLASS_PERMANENT
                                                                   : cause->cls));
    snprintf(dl.error, sizeof(dl.error), "%s", cause->message);
    dl.http_status = cause->http_status;
    snprintf(dl.worker, sizeof(dl.worker), "%s", w->c.name);
    dl.failed_at_ms = now_ms();
    media_error e;
    if (media_queue_dead_letter(q, job->msg_id, &dl, dl.failed_at_ms,
                                (int64_t)w->c.dlq_retention_s * 1000, &e) != MEDIA_OK)
        media_log(MEDIA_LOG_ERROR, job->request_id, NULL,
                  "dead-lettering failed (the message stays pending): %s", e.message);
    media_metric_add(w->mx.dead, 1);
    count_failure(w, cause->cls);
}

/* Tell waiting reads on every replica that the row left fetching (a hint: they re-read it;
 * lost, they answer at their deadline). */
static void announce(ingest_worker *w, media_queue *q, const char *id)
{
    media_error e;
    if (media_events_publish(media_queue_redis(q), w->c.store.queue_prefix, id, &e) != MEDIA_OK)
        media_log(MEDIA_LOG_DEBUG, NULL, NULL, "media event for %s not published: %s", id,
                  e.message);
}

static void ack(media_queue *q, media_job *job)
{
    media_error e;
    if (media_queue_ack(q, job->msg_id, &e) != MEDIA_OK)
        media_log(MEDIA_LOG_WARN, job->request_id, NULL, "ack failed (the job may run again): %s",
                  e.message);
}

/* A job that finished: its ack and the media event for id in one Redis round trip. */
static void ack_announce(ingest_worker *w, media_queue *q, media_job *job, const char *id)
{
    char ch[256];
    media_events_channel(w->c.store.queue_prefix, ch, sizeof(ch));
    media_error e;
    if (media_queue_ack_publish(q, job->msg_id, ch, id, &e) != MEDIA_OK)
        media_log(MEDIA_LOG_WARN, job->request_id, NULL,
                  "ack failed (the job may run again; waiting reads answer at their deadline): %s",
                  e.message);
}

/* Put the message back for later; on failure it stays pending and is reclaimed. */
static void reschedule(media_db *db, media_queue *q, media_job *job, int attempt, long delay_ms,
                       const media_log_fields *extra)
{
    media_error e;
    job->attempt = attempt;
    if (media_enqueue_reschedule(db, q, job->msg_id, job, delay_ms, now_ms(), &e) != MEDIA_OK)
        media_log(MEDIA_LOG_WARN, job->request_id, extra,
                  "could not put the job back (%s); it is reclaimed after the claim timeout",
                  e.message);
}

/* A job delivered too often: fail it, unless someone holds a live claim on it. */
static void poison(ingest_worker *w, media_db *db, media_queue *q, media_job *job,
                   const media_log_fields *extra)
{
    media_error cause, e;
    media_error_set(&cause, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                    "delivered %ld times without finishing (poison message)", job->deliveries);
    media_record r;
    bool changed;
    media_code rc = media_catalog_mark_failed(db, job->media_id, 0, &cause, &r, &changed, &e);
    media_record_cleanup(&r);
    if (rc == MEDIA_OK && changed)
        announce(w, q, job->media_id);
    if (rc == MEDIA_ERR_FENCED) { /* a live worker has it: not poison, just slow */
        reschedule(db, q, job, job->attempt, w->c.claim_timeout_s * 1000, extra);
        media_metric_add(w->mx.rescheduled, 1);
        return;
    }
    if (rc == MEDIA_ERR_CONFLICT || (rc == MEDIA_OK && !changed)) {
        /* finished meanwhile, or failed already: whoever failed it dead-lettered it (a second
         * dead letter for one job would be replayed twice) */
        ack(q, job);
        return;
    }
    if (rc != MEDIA_OK) { /* catalog down: decide on the next delivery */
        reschedule(NULL, q, job, job->attempt, 1000, extra);
        return;
    }
    media_log(MEDIA_LOG_ERROR, job->request_id, extra, "%s", cause.message);
    send_dead_letter(w, q, job, &cause, job->attempt);
}

/* Carry out the decision for a job that was claimed (j->row holds the claim). */
static void carry_out(ingest_worker *w, media_db *db, media_queue *q, media_job *job, ingest_job *j,
                      ingest_outcome oc, const media_error *cause, const media_log_fields *extra)
{
    const char *rid = job->request_id;
    media_error e;
    media_record r;
    bool changed;
    const char *id = j->row.id;
    int64_t epoch = j->row.claim_epoch;
    int attempts = id[0] ? j->row.attempts : job->attempt; /* the row's, once claimed */
    media_code rc = MEDIA_OK;
    switch (oc.action) {
    case INGEST_ACK:
        ack(q, job);
        return;
    case INGEST_LEAVE:
        media_metric_add(w->mx.left, 1);
        media_log(MEDIA_LOG_WARN, rid, extra,
                  "claim %lld was taken over by another worker (%s); its result counts, not ours",
                  (long long)epoch, cause->message);
        return; /* the message stays pending: reclaimed later, it finds the row finished */
    case INGEST_RELEASE:
        rc = media_catalog_release(db, id, epoch, cause, oc.delay_ms, &e);
        if (rc == MEDIA_OK) {
            reschedule(db, q, job, attempts > 0 ? attempts - 1 : 0, oc.delay_ms, extra);
            media_metric_add(w->mx.released, 1);
            media_log(MEDIA_LOG_WARN, rid, extra, "released without an attempt (%s)",
                      cause->message);
        }
        break;
    case INGEST_RETRY:
        rc = media_catalog_schedule_retry(db, id, epoch, cause, oc.delay_ms, &e);
        if (rc == MEDIA_OK) {
            reschedule(db, q, job, attempts, oc.delay_ms, extra);
            media_metric_add(w->mx.retried, 1);
            media_log(MEDIA_LOG_WARN, rid, extra, "attempt %d failed (%s, %s); retry in %ld ms",
                      attempts, media_error_class_name(cause->cls), cause->message, oc.delay_ms);
        }
        break;
    case INGEST_DEAD_LETTER:
        rc = media_catalog_mark_failed(db, id, epoch, cause, &r, &changed, &e);
        media_record_cleanup(&r);
        if (rc == MEDIA_OK && changed)
            announce(w, q, id);
        if (rc == MEDIA_OK) {
            media_log(MEDIA_LOG_ERROR, rid, extra, "failed after %d attempt(s) (%s): %s", attempts,
                      media_error_class_name(cause->cls), cause->message);
            send_dead_letter(w, q, job, cause, attempts);
        }
        break;
    case INGEST_HAND_BACK:
    case INGEST_RESCHEDULE:
        reschedule(NULL, q, job, attempts, oc.delay_ms, extra);
        return;
    }
    if (rc == MEDIA_ERR_FENCED) {
        media_metric_add(w->mx.left, 1);
        media_log(MEDIA_LOG_WARN, rid, extra, "%s; leaving the job to its new holder", e.message);
    } else if (rc != MEDIA_OK) { /* the catalog failed: the claim runs out, the job comes back */
        atomic_store(&w->db_ok, false);
        media_log(MEDIA_LOG_ERROR, rid, extra, "recording the outcome (%s) failed: %s",
                  ingest_action_name(oc.action), e.message);
        reschedule(NULL, q, job, attempts, 1000, extra);
    }
}

/* Breakers, metrics and the log line for a job that ran (or failed to start); fills the
 * outcome's S3 wait. */
static void record_result(ingest_worker *w, const char *host, const ingest_job *j, media_code rc,
                          const media_error *err, int64_t t0, int64_t t1, ingest_outcome_input *in,
                          const char *rid, const media_log_fields *extra)
{
    if (rc == MEDIA_OK) {
        pthread_mutex_lock(&w->mu);
        media_breaker_success(&w->s3b);
        pthread_mutex_unlock(&w->mu);
        if (host[0])
            media_breaker_set_report(w->hosts, host, true, t1);
        media_metric_add(w->mx.succeeded, 1);
        media_metric_add(w->mx.bytes, (double)j->res.size_bytes);
        media_metric_observe(w->mx.duration, (double)(t1 - t0) / 1000.0);
        media_log(MEDIA_LOG_INFO, rid, extra, "ready: %lld bytes, %s, %lld ms",
                  (long long)j->res.size_bytes, j->res.content_type, (long long)(t1 - t0));
    } else if (j->res.failed_storage && err->cls != MEDIA_CLASS_PERMANENT) {
        pthread_mutex_lock(&w->mu);
        media_breaker_failure(&w->s3b, t1);
        in->s3_wait_ms = media_breaker_wait_ms(&w->s3b, t1);
        pthread_mutex_unlock(&w->mu);
    } else if (rc != MEDIA_ERR_BUSY && rc != MEDIA_ERR_DB && rc != MEDIA_ERR_CANCELLED &&
               rc != MEDIA_ERR_FENCED && rc != MEDIA_ERR_NOT_FOUND && rc != MEDIA_ERR_CONFLICT &&
               !j->res.failed_storage && host[0]) {
        media_breaker_set_report(w->hosts, host, err->cls == MEDIA_CLASS_PERMANENT, t1);
    }
    if (rc == MEDIA_ERR_CANCELLED && in->shutting_down)
        media_log(MEDIA_LOG_WARN, rid, extra, "transfer cancelled by shutdown; handed back");
    if (rc == MEDIA_ERR_BUSY) {
        media_log(MEDIA_LOG_INFO, rid, extra,
                  "media is claimed by another worker; rescheduled in %ld s", err->retry_after_s);
        media_metric_add(w->mx.rescheduled, 1);
    }
    if (rc == MEDIA_ERR_DB) {
        atomic_store(&w->db_ok, false);
        media_log(MEDIA_LOG_ERROR, rid, extra, "catalog unavailable (%s); retry in 1 s",
                  err->message);
    }
}

/* Claim, transfer, finish: the job's one catalog read is its claim. */
static media_code run_job(ingest_worker *w, ingest_context *ctx, media_job *job, ingest_job *j,
                          media_error *err, int64_t *t0, int64_t *t1, const media_log_fields *extra,
                          media_trace *trace)
{
    const char *rid = job->request_id;
    media_code rc = ingest_job_begin(ctx, job->media_id, job->msg_id, j, err);
    *t0 = *t1 = now_ms();
    if (rc == MEDIA_OK) { /* the job continues the trace of the request that created its row */
        media_trace_start(trace, j->row.traceparent, j->row.tracestate);
        media_trace_set_current(trace);
    }
    if (rc == MEDIA_ERR_NOT_FOUND) {
        media_log(MEDIA_LOG_WARN, rid, extra, "no catalog row for the job; dropped");
        return rc;
    }
    if (rc != MEDIA_ERR_DB)
        atomic_store(&w->db_ok, true);
    if (rc == MEDIA_OK && j->skipped) {
        media_log(MEDIA_LOG_INFO, rid, extra, "media is %s; nothing to do",
                  media_status_name(j->row.status));
        media_metric_add(w->mx.skipped, 1);
        return MEDIA_ERR_CONFLICT; /* finished before: acknowledged without work */
    }
    if (rc != MEDIA_OK)
        return rc;
    media_log(MEDIA_LOG_INFO, rid, extra, "transfer started (claim %lld)",
              (long long)j->row.claim_epoch);
    media_metric_add(w->mx.inflight, 1);
    rc = ingest_job_transfer(ctx, j, err);
    if (rc == MEDIA_OK)
        rc = ingest_job_finish(ctx, j, err);
    media_metric_add(w->mx.inflight, -1);
    *t1 = now_ms();
    return rc;
}

static void process(ingest_worker *w, ingest_context *ctx, media_queue *q, media_job *job)
{
    media_log_fields fields;
    job_fields(&fields, job);
    const media_log_fields *extra = &fields;
    const char *rid = job->request_id;
    media_metric_add(w->mx.started, 1);
    if (job->deliveries > w->c.max_deliveries) {
        poison(w, ctx->db, q, job, extra);
        return;
    }
    /* the source host's breaker is checked before a claim (from the job's own URL), so no
     * attempt is spent on it */
    char host[256];
    ingest_url_hostport(job->source_url, host, sizeof(host)); /* "": a direct upload's check */
    int64_t wait = 0;
    if (host[0] && !media_breaker_set_allow(w->hosts, host, now_ms(), &wait)) {
        reschedule(ctx->db, q, job, job->attempt, wait > 0 ? (long)wait : 1000, extra);
        media_metric_add(w->mx.rescheduled, 1);
        media_log(MEDIA_LOG_INFO, rid, extra,
                  "source host breaker open; rescheduled in %lld ms without an attempt",
                  (long long)wait);
        return;
    }
    ingest_job j;
    media_error err = {0};
    int64_t t0, t1, span_start = media_span_now_ns();
    media_trace trace = {0};
    media_code rc = run_job(w, ctx, job, &j, &err, &t0, &t1, extra, &trace);
    if (rc == MEDIA_ERR_NOT_FOUND) { /* no row: nothing will ever do this job */
        ack(q, job);
        ingest_job_end(ctx, &j);
        return;
    }
    ingest_outcome_input in = {0};
    in.rc = rc;
    in.cls = err.cls;
    in.retry_after_s = err.retry_after_s;
    in.failed_storage = j.res.failed_storage;
    in.claim_lost = ingest_job_claim_lost(ctx, &j);
    in.shutting_down = w->cancel != 0;
    in.attempts = j.row.id[0] ? j.row.attempts : job->attempt;
    record_result(w, host, &j, rc, &err, t0, t1, &in, rid, extra);
    ingest_outcome oc = ingest_outcome_decide(&in, &w->c.retry, rand01());
    if (rc == MEDIA_OK && oc.action == INGEST_ACK)
        ack_announce(w, q, job, j.row.id);
    else
        carry_out(w, ctx->db, q, job, &j, oc, &err, extra);
    if (trace.trace_id[0] && media_otlp_enabled()) {
        media_span sp;
        media_span_begin(&sp, &trace, "ingest", MEDIA_SPAN_CONSUMER, span_start);
        sp.end_ns = media_span_now_ns();
        media_span_attr(&sp, "mediagate.media_id", job->media_id);
        media_span_attr(&sp, "mediagate.outcome", ingest_action_name(oc.action));
        if (rc != MEDIA_OK)
            media_span_attr(&sp, "error.message", err.message);
        sp.status = rc == MEDIA_OK ? MEDIA_SPAN_OK : MEDIA_SPAN_ERROR;
        media_otlp_record(&sp);
    }
    media_trace_set_current(NULL);
    ingest_job_end(ctx, &j);
    if (rc == MEDIA_ERR_DB)
        sleep_ms(500); /* the catalog is down: do not race through the stream meanwhile */
}

/* ---- threads ---- */

typedef struct {
    ingest_worker *w;
    int slot;
} thread_arg;

/* The Redis claim timeout: a little longer than the catalog claim, so a dead worker's
 * message becomes reclaimable only once its row's claim has run out. */
static long reclaim_idle_ms(const ingest_worker *w)
{
    return w->c.claim_timeout_s * 1000 + 1000;
}

static void *job_thread(void *arg)
{
    thread_arg *ta = arg;
    ingest_worker *w = ta->w;
    job_slot *slot = &w->slots[ta->slot];
    free(ta);
    media_queue *q = NULL;
    media_error err;
    media_queue_options qo = {w->c.store.redis_url, w->c.store.queue_prefix, 2000};
    media_s3_client_options so;
    media_s3_client_options_init(&so);
    so.cancel = &slot->cancel;
    ingest_context ctx = {.o = w->o,
                          .src = ingest_source_new(),
                          .claims = w->claims,
                          .owner = w->c.name,
                          .lease_ms = w->c.claim_timeout_s * 1000,
                          .cancel = &slot->cancel,
                          .shutdown = &w->cancel};
    while (!w->stopping) {
        if (ctx.db == NULL && (ctx.db = media_db_connect(w->c.store.database_url, &err)) == NULL) {
            atomic_store(&w->db_ok, false);
            sleep_ms(1000);
            continue;
        }
        if (q == NULL && (q = media_queue_connect(&qo, &err)) == NULL) {
            atomic_store(&w->redis_ok, false);
            sleep_ms(1000);
            continue;
        }
        if (ctx.s3 == NULL && (ctx.s3 = media_s3_client_new(w->s3cfg, NULL, &so, &err)) == NULL) {
            sleep_ms(1000);
            continue;
        }
        if (ctx.s3_read == NULL &&
            (ctx.s3_read = media_s3_client_new(w->s3cfg, NULL, &so, &err)) == NULL) {
            sleep_ms(1000);
            continue;
        }
        pthread_mutex_lock(&w->mu);
        bool probe = media_breaker_state_at(&w->s3b, now_ms()) == MEDIA_BREAKER_HALF_OPEN;
        bool allow = media_breaker_allow(&w->s3b, now_ms());
        pthread_mutex_unlock(&w->mu);
        if (!allow) { /* S3 is down: take no jobs rather than burn their attempts */
            sleep_ms(200);
            continue;
        }
        media_job job;
        bool got = false;
        if (media_queue_ensure_group(q, &err) != MEDIA_OK ||
            media_queue_take(q, w->c.name, reclaim_idle_ms(w), 1000, &job, &got, &err) !=
                MEDIA_OK) {
            atomic_store(&w->redis_ok, false);
            got = false;
            sleep_ms(500);
        } else {
            atomic_store(&w->redis_ok, true);
        }
        if (!got) {
            if (probe) { /* no job to probe with: let another try */
                pthread_mutex_lock(&w->mu);
                w->s3b.probing = false;
                pthread_mutex_unlock(&w->mu);
            }
            continue;
        }
        process(w, &ctx, q, &job);
    }
    media_s3_client_destroy(ctx.s3);
    media_s3_client_destroy(ctx.s3_read);
    ingest_source_destroy(ctx.src);
    media_queue_close(q);
    media_db_close(ctx.db);
    atomic_fetch_sub(&w->active, 1);
    return NULL;
}

/* Uploads recorded on rows nobody works on (their abort failed, or their worker died before
 * a next attempt): abort each and forget it. */
static void sweep_uploads(ingest_worker *w, media_db *db, media_s3_client *s3)
{
    media_page p;
    media_error err;
    if (media_catalog_open_uploads(db, w->c.sweep_after_s, 100, &p, &err) != MEDIA_OK)
        return;
    for (size_t i = 0; i < p.count; i++) {
        media_record *m = &p.items[i];
        char key[MEDIA_UPLOAD_WRITE_KEY_MAX]; /* a direct upload's: its staging key */
        media_upload_write_key(m, key);
        if (media_s3_multipart_abort(s3, m->upload ? key : m->object_key, m->upload_id, &err) !=
            MEDIA_OK) {
            media_log(MEDIA_LOG_WARN, m->request_id, NULL,
                      "upload sweeper could not abort an upload of media %s: %s", m->id,
                      err.message);
            break; /* S3 is struggling: next round */
        }
        /* not forgotten: the next round aborts it again (S3 says it is gone) and forgets it */
        (void)media_catalog_forget_upload(db, m->id, m->upload_id, &err);
        media_metric_add(w->mx.uploads_swept, 1);
        media_log(MEDIA_LOG_INFO, m->request_id, NULL,
                  "upload sweeper aborted a multipart upload left by media %s", m->id);
    }
    media_page_cleanup(&p);
}

/* Single direct uploads whose object is in the bucket but that nobody completed (a client
 * that puts and forgets; Uppy's form uploads never call back): the object's existence
 * completes them into the verification queue. A PUT or POST is atomic in S3: the object
 * appears whole or not at all. */
static void complete_put_uploads(ingest_worker *w, media_db *db, media_queue *q,
                                 media_s3_client *s3)
{
    media_page p;
    media_error err;
    if (media_uploads_puts_to_check(db, 10, 100, &p, &err) != MEDIA_OK)
        return;
    for (size_t i = 0; i < p.count; i++) {
        media_record *m = &p.items[i], done;
        media_s3_object_info info;
        bool changed;
        char key[MEDIA_UPLOAD_WRITE_KEY_MAX];
        media_upload_write_key(m, key);
        if (m->upload_id[0] || media_s3_head(s3, key, &info, &err) != MEDIA_OK)
            continue; /* multipart (completed by its client) or not there yet */
        if (media_upload_complete(db, m->tenant, m->id, &done, &changed, &err) == MEDIA_OK &&
            changed) {
            (void)media_enqueue_publish(db, q, &done, &err); /* else the outbox sweeper does */
            media_metric_add(w->mx.uploads_completed, 1);
            media_log(MEDIA_LOG_INFO, m->request_id, NULL,
                      "upload %s is in the bucket: completed for verification", m->id);
        }
        media_record_cleanup(&done);
    }
    media_page_cleanup(&p);
}

/* Direct uploads never completed: once expired, the multipart upload is aborted, whatever was
 * put is deleted, and the row fails (with its media.failed event). */
static void sweep_direct_uploads(ingest_worker *w, media_db *db, media_s3_client *s3)
{
    media_page p;
    media_error err;
    if (media_uploads_expired(db, 100, &p, &err) != MEDIA_OK)
        return;
    for (size_t i = 0; i < p.count; i++) {
        media_record *m = &p.items[i];
        char key[MEDIA_UPLOAD_WRITE_KEY_MAX];
        media_upload_write_key(m, key);
        if ((m->upload_id[0] &&
             media_s3_multipart_abort(s3, key, m->upload_id, &err) != MEDIA_OK) ||
            media_s3_delete(s3, key, &err) != MEDIA_OK) {
            media_log(MEDIA_LOG_WARN, m->request_id, NULL,
                      "upload sweeper could not clean up upload %s: %s", m->id, err.message);
            break; /* S3 is struggling: next round */
        }
        bool changed;
        if (media_upload_expire(db, m->id, &changed, &err) == MEDIA_OK && changed) {
            media_metric_add(w->mx.uploads_expired, 1);
            media_log(MEDIA_LOG_INFO, m->request_id, NULL,
                      "upload %s expired before it was completed: failed, its object removed",
                      m->id);
        }
    }
    media_page_cleanup(&p);
}

/* Multipart uploads whose parts nothing signed the length of (Uppy's): measured each round
 * against MEDIAGATE_MAX_BYTES, and one that grew past it is aborted and its row failed, so a
 * client cannot fill the bucket until the upload's window ends (issue 25, defect 4). */
static void sweep_growing_uploads(ingest_worker *w, media_db *db, media_s3_client *s3)
{
    media_page p;
    media_error err;
    if (media_uploads_growing(db, 10, 100, &p, &err) != MEDIA_OK)
        return;
    for (size_t i = 0; i < p.count; i++) {
        media_record *m = &p.items[i];
        char key[MEDIA_UPLOAD_WRITE_KEY_MAX], why[160];
        media_upload_write_key(m, key);
        int64_t total;
        int parts;
        if (media_s3_multipart_parts_size(s3, key, m->upload_id, &total, &parts, &err) !=
            MEDIA_OK) {
            if (err.code == MEDIA_ERR_NOT_FOUND || err.http_status == 404)
                continue; /* completed or aborted meanwhile */
            break;        /* S3 is struggling: next round */
        }
        if (total <= w->o->max_bytes)
            continue;
        if (media_s3_multipart_abort(s3, key, m->upload_id, &err) != MEDIA_OK)
            break;
        snprintf(why, sizeof(why),
                 "the upload grew past the %lld-byte limit (%lld bytes in %d parts)",
                 (long long)w->o->max_bytes, (long long)total, parts);
        bool changed;
        if (media_upload_fail(db, m->id, why, &changed, &err) == MEDIA_OK && changed)
            media_log(MEDIA_LOG_WARN, m->request_id, NULL, "upload %s aborted: %s", m->id, why);
    }
    media_page_cleanup(&p);
}

/* Staging keys of finished direct uploads whose URLs have lapsed: what a late PUT left there is
 * never served (the verification promoted its own copy), and goes now, once. */
static void sweep_staging(ingest_worker *w, media_db *db, media_s3_client *s3)
{
    media_page p;
    media_error err;
    if (media_uploads_staged_done(db, 100, &p, &err) != MEDIA_OK)
        return;
    for (size_t i = 0; i < p.count; i++) {
        media_record *m = &p.items[i];
        char key[MEDIA_UPLOAD_WRITE_KEY_MAX];
        media_upload_write_key(m, key);
        if (media_s3_delete(s3, key, &err) != MEDIA_OK) {
            media_log(MEDIA_LOG_WARN, m->request_id, NULL,
                      "staging sweeper could not delete %s: %s", key, err.message);
            break; /* S3 is struggling: next round */
        }
        (void)media_upload_staging_cleared(db, m->id, &err);
        media_metric_add(w->mx.staging_swept, 1);
    }
    media_page_cleanup(&p);
}

/* The sweepers run on one replica at a time: the one holding the "sweeper" lease, renewed
 * each round, lost 3 rounds after its holder stops (a second sweeper is only wasteful:
 * publishing twice and aborting twice are harmless). */
static void sweep(ingest_worker *w, media_db *db, media_queue *q, media_s3_client *s3,
                  int64_t every_ms)
{
    media_error err;
    char key[200];
    bool mine;
    media_lease_key(w->c.store.queue_prefix, "sweeper", key, sizeof(key));
    if (media_lease_take(media_queue_redis(q), key, w->c.name, (long)(3 * every_ms), &mine, &err) !=
            MEDIA_OK ||
        !mine)
        return; /* another replica sweeps (or Redis is down: the promoter reconnects) */
    media_page p;
    /* Accepted rows are not marked published: the stream's clock tells whether a row's entry
     * may still wait. Read before the rows, so a row found queued was queued after the entries
     * the clock counts as delivered (media/enqueue.h). */
    int64_t delivered_ms = 0;
    bool drained = false;
    bool clock = media_queue_delivered(q, &delivered_ms, &drained, &err) == MEDIA_OK;
    if (media_catalog_stale_queued(db, w->c.sweep_after_s, 200, &p, &err) == MEDIA_OK) {
        for (size_t i = 0; i < p.count; i++) {
            media_record *m = &p.items[i];
            if (clock && m->status == MEDIA_STATUS_QUEUED &&
                media_enqueue_may_be_waiting(media_record_time_ms(m->next_attempt_at), delivered_ms,
                                             drained, now_ms()))
                continue; /* its entry may still wait in the stream */
            if (media_enqueue_publish(db, q, m, &err) != MEDIA_OK)
                break;
            media_metric_add(w->mx.swept, 1);
            media_log(MEDIA_LOG_INFO, m->request_id, NULL,
                      "outbox sweeper re-enqueued media %s (queued since %s)", m->id,
                      m->next_attempt_at);
        }
        media_page_cleanup(&p);
    }
    if (s3) {
        sweep_uploads(w, db, s3);
        sweep_direct_uploads(w, db, s3);
        sweep_growing_uploads(w, db, s3);
        complete_put_uploads(w, db, q, s3);
        sweep_staging(w, db, s3);
    }
    size_t pruned = 0; /* delivered webhooks kept a week, dead letters as long as the queue's */
    if (media_webhook_prune(db, 7 * 86400L, w->c.dlq_retention_s, &pruned, &err) == MEDIA_OK &&
        pruned)
        media_log(MEDIA_LOG_INFO, NULL, NULL, "pruned %zu old webhook deliveries", pruned);
}

static void *keeper_thread(void *arg)
{
    ingest_worker *w = arg;
    media_db *db = NULL;
    media_queue *q = NULL;
    media_s3_client *s3 = NULL;
    media_error err;
    media_queue_options qo = {w->c.store.redis_url, w->c.store.queue_prefix, 2000};
    int64_t last_promote = 0, last_sweep = 0, last_stats = 0;
    int64_t sweep_every = (w->c.sweep_after_s > 10 ? w->c.sweep_after_s / 2 : 5) * 1000;
    while (!atomic_load(&w->keeper_stop)) {
        sleep_ms(100);
        bool dbok, redisok;
        media_breaker_state s3state;
        (void)worker_ready(w, &dbok, &redisok, &s3state); /* the gauge, every round */
        if (db == NULL && (db = media_db_connect(w->c.store.database_url, &err)) == NULL)
            atomic_store(&w->db_ok, false);
        if (q == NULL && (q = media_queue_connect(&qo, &err)) == NULL)
            atomic_store(&w->redis_ok, false);
        if (q == NULL)
            continue;
        int64_t now = now_ms();
        if (now - last_promote >= 500 && !w->stopping) {
            last_promote = now;
            long moved;
            if (media_queue_promote_due(q, now, 100, &moved, &err) != MEDIA_OK) {
                atomic_store(&w->redis_ok, false); /* reconnect on the next round */
                media_queue_close(q);
                q = NULL;
                continue;
            }
        }
        if (db && now - last_sweep >= sweep_every && !w->stopping) {
            last_sweep = now;
            if (s3 == NULL)
                s3 = media_s3_client_new(w->s3cfg, NULL, NULL, &err);
            sweep(w, db, q, s3, sweep_every);
        }
        if (now - last_stats >= 2000) {
            last_stats = now;
            media_queue_stats s;
            if (media_queue_stats_get(q, &s, &err) == MEDIA_OK) {
                atomic_store(&w->redis_ok, true);
                media_metric_set(w->mx.q_depth, (double)s.stream_length);
                media_metric_set(w->mx.q_pending, (double)s.pending);
                media_metric_set(w->mx.q_delayed, (double)s.delayed);
                media_metric_set(w->mx.q_dead, (double)s.dead);
            } else {
                atomic_store(&w->redis_ok, false);
                media_queue_close(q);
                q = NULL;
            }
            pthread_mutex_lock(&w->mu);
            media_breaker_state st = media_breaker_state_at(&w->s3b, now);
            pthread_mutex_unlock(&w->mu);
            media_metric_set(w->mx.s3_breaker, st == MEDIA_BREAKER_OPEN        ? 1
                                               : st == MEDIA_BREAKER_HALF_OPEN ? 2
                                                                               : 0);
            size_t counts[3];
            media_breaker_set_counts(w->hosts, now, counts);
            media_metric_set(w->mx.hosts_open, (double)counts[MEDIA_BREAKER_OPEN]);
        }
    }
    if (q) { /* hand the sweeper lease over at once */
        char key[200];
        media_lease_key(w->c.store.queue_prefix, "sweeper", key, sizeof(key));
        (void)media_lease_release(media_queue_redis(q), key, w->c.name, &err);
    }
    media_s3_client_destroy(s3);
    media_queue_close(q);
    media_db_close(db);
    return NULL;
}

ingest_worker *ingest_worker_start(const ingest_worker_config *c, const media_s3_config *s3,
                                   ingest_options *o, media_error *err)
{
    if (media_schema_require(c->store.database_url, media_migrations_latest(), err) != MEDIA_OK)
        return NULL;
    media_queue_options qo = {c->store.redis_url, c->store.queue_prefix, 2000};
    media_queue *q = media_queue_connect(&qo, err);
    if (q == NULL)
        return NULL;
    media_code rc = media_queue_ensure_group(q, err);
    media_queue_close(q);
    if (rc != MEDIA_OK)
        return NULL;

    ingest_worker *w = media_calloc(1, sizeof(*w));
    w->c = *c;
    w->s3cfg = s3;
    w->o = o;
    pthread_mutex_init(&w->mu, NULL);
    atomic_store(&w->db_ok, true);
    atomic_store(&w->redis_ok, true);
    w->slots = media_calloc((size_t)c->concurrency, sizeof(*w->slots));
    media_breaker_init(&w->s3b, c->breaker_failures, c->breaker_cooldown_ms);
    w->hosts = media_breaker_set_new(1024, c->breaker_failures, c->breaker_cooldown_ms);
    w->m = media_metrics_new();
    make_metrics(w);
    w->admin = media_admin_http_start(c->listen_host, c->listen_port, admin, w, err);
    if (w->admin == NULL) {
        media_breaker_set_destroy(w->hosts);
        media_metrics_destroy(w->m);
        free(w->slots);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    ingest_claims_options co = {c->store.database_url, c->claim_timeout_s * 1000,
                                c->store.redis_url, c->store.queue_prefix, c->name};
    w->claims = ingest_claims_start(&co);
    w->threads = media_calloc((size_t)c->concurrency, sizeof(pthread_t));
    atomic_store(&w->active, c->concurrency);
    for (int i = 0; i < c->concurrency; i++) {
        thread_arg *ta = media_malloc(sizeof(*ta));
        ta->w = w;
        ta->slot = i;
        pthread_create(&w->threads[i], NULL, job_thread, ta);
    }
    pthread_create(&w->keeper, NULL, keeper_thread, w);
    w->notifier = ingest_notifier_start(&c->notify, c->store.database_url, o, w->m);
    media_otlp_start(c->otlp_endpoint, "mediagate-worker", w->m);
    media_log(MEDIA_LOG_INFO, NULL, NULL, "worker %s started: %d transfers, admin on %s:%d",
              c->name, c->concurrency, c->listen_host, c->listen_port);
    return w;
}

void ingest_worker_stop(ingest_worker *w)
{
    w->stopping = 1;
}

void ingest_worker_wait(ingest_worker *w)
{
    while (!w->stopping)
        sleep_ms(100);
    media_log(MEDIA_LOG_INFO, NULL, NULL, "stopping: no new jobs; %ld s to finish in-flight ones",
              w->c.grace_s);
    int64_t deadline = now_ms() + w->c.grace_s * 1000;
    while (atomic_load(&w->active) > 0 && now_ms() < deadline)
        sleep_ms(100);
    if (atomic_load(&w->active) > 0) {
        media_log(MEDIA_LOG_WARN, NULL, NULL,
                  "grace period over: cancelling in-flight transfers (left for another worker)");
        w->cancel = 1;
        for (int i = 0; i < w->c.concurrency; i++)
            w->slots[i].cancel = 1;
    }
    for (int i = 0; i < w->c.concurrency; i++)
        pthread_join(w->threads[i], NULL);
    ingest_claims_stop(w->claims);
    ingest_notifier_stop(w->notifier);
    media_otlp_stop(); /* what is queued is sent */
    atomic_store(&w->keeper_stop, true);
    pthread_join(w->keeper, NULL);
    media_admin_http_stop(w->admin);
    media_breaker_set_destroy(w->hosts);
    media_metrics_destroy(w->m);
    free(w->threads);
    free(w->slots);
    pthread_mutex_destroy(&w->mu);
    media_log(MEDIA_LOG_INFO, NULL, NULL, "worker %s stopped", w->c.name);
    free(w);
}
