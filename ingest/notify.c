/*
 * notify.c - the webhook sender (see notify.h).
 */
#include "notify.h"
#include "fetch.h"
#include "media/breaker.h"
#include "media/db.h"
#include "media/log.h"
#include "media/otlp.h"
#include "media/trace.h"
#include "media/uuid.h"
#include "media/webhook.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

media_code ingest_notify_config_load(ingest_notify_config *c, media_env_fn env, void *ud,
                                     media_error *err)
{
    memset(c, 0, sizeof(*c));
#define LONG(name, def, min, max, dst) MEDIA_CONFIG_LONG(env, ud, name, def, min, max, dst, err)
    LONG("MEDIAGATE_WEBHOOK_ATTEMPTS", 8, 1, 100, c->retry.max_attempts);
    LONG("MEDIAGATE_WEBHOOK_RETRY_BASE_MS", 5000, 1, 3600000, c->retry.base_ms);
    LONG("MEDIAGATE_WEBHOOK_RETRY_CAP_MS", 3600000, 1, 86400000, c->retry.cap_ms);
    LONG("MEDIAGATE_WEBHOOK_TIMEOUT_S", 10, 1, 120, c->timeout_s);
    LONG("MEDIAGATE_WEBHOOK_BREAKER_FAILURES", 5, 1, 1000, c->breaker_failures);
    LONG("MEDIAGATE_WEBHOOK_BREAKER_COOLDOWN_MS", 60000, 100, 3600000, c->breaker_cooldown_ms);
    LONG("MEDIAGATE_WEBHOOK_POLL_MS", 500, 50, 60000, c->poll_ms);
#undef LONG
    c->batch = 16;
    return MEDIA_OK;
}

const char *ingest_notify_help(void)
{
    return "  MEDIAGATE_WEBHOOK_ATTEMPTS      delivery attempts in all (default 8)\n"
           "  MEDIAGATE_WEBHOOK_RETRY_BASE_MS backoff base (default 5000)\n"
           "  MEDIAGATE_WEBHOOK_RETRY_CAP_MS  backoff cap (default 3600000)\n"
           "  MEDIAGATE_WEBHOOK_TIMEOUT_S     one delivery attempt (default 10)\n"
           "  MEDIAGATE_WEBHOOK_BREAKER_FAILURES  failures in a row that open an endpoint's\n"
           "                                  breaker (default 5)\n"
           "  MEDIAGATE_WEBHOOK_BREAKER_COOLDOWN_MS  open -> half-open after (default 60000)\n"
           "  MEDIAGATE_WEBHOOK_POLL_MS       how often due deliveries are read (default 500)\n";
}

void ingest_notify_breaker_name(const char *endpoint_id, const char *url, char *out, size_t cap)
{
    if (endpoint_id && endpoint_id[0]) {
        snprintf(out, cap, "%s", endpoint_id);
        return;
    }
    snprintf(out, cap, "cb:");
    if (cap > 3)
        ingest_url_hostport(url, out + 3, cap - 3);
}

typedef struct {
    media_metric *delivered, *retried, *failed, *waited, *pending, *dead, *open;
} notify_metrics;

struct ingest_notifier {
    ingest_notify_config c;
    char *database_url;
    const ingest_options *o;
    atomic_bool stop;
    pthread_t thread;
    media_breaker_set *breakers;
    notify_metrics mx;
    media_db *db;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double rand01(void)
{
    uint32_t r;
    media_random_bytes(&r, sizeof(r));
    return (double)r / 4294967296.0;
}

static void log_outcome(media_log_level lvl, const media_delivery *d, int status, const char *what,
                        const char *why)
{
    char host[300];
    ingest_url_hostport(d->url, host, sizeof(host));
    media_log_fields f = {0};
    media_log_str(&f, "delivery_id", d->id);
    media_log_str(&f, "event", d->event);
    media_log_str(&f, "media_id", d->media_id);
    media_log_str(&f, "tenant", d->tenant);
    media_log_str(&f, "target", host); /* host[:port] only: a URL may carry a token */
    media_log_int(&f, "attempt", d->attempts);
    if (status)
        media_log_int(&f, "http_status", status);
    media_log(lvl, NULL, &f, "webhook %s%s%s", what, why ? ": " : "", why ? why : "");
}

/* A database write failed: drop the connection (reopened on the next round). */
static void db_failed(ingest_notifier *n, const media_error *err)
{
    media_log(MEDIA_LOG_WARN, NULL, NULL, "webhook sender: database: %s", err->message);
    media_db_close(n->db);
    n->db = NULL;
}

static void attempt(ingest_notifier *n, media_delivery *d, int *status_out);

/* One attempt of one claimed delivery, in the trace of the request that made the media: its
 * log lines and its POST carry it, and a client span is recorded. */
static void send_one(ingest_notifier *n, media_delivery *d)
{
    media_trace t;
    media_trace_start(&t, d->record.traceparent, d->record.tracestate);
    media_trace_set_current(&t);
    int64_t start = media_span_now_ns();
    int status = -1;
    attempt(n, d, &status);
    if (status >= 0 && media_otlp_enabled()) { /* -1: no attempt was made */
        media_span sp;
        char name[64], st[16];
        snprintf(name, sizeof(name), "webhook %s", d->event);
        media_span_begin(&sp, &t, name, MEDIA_SPAN_CLIENT, start);
        sp.end_ns = media_span_now_ns();
        snprintf(st, sizeof(st), "%d", status);
        media_span_attr(&sp, "mediagate.delivery_id", d->id);
        media_span_attr(&sp, "mediagate.media_id", d->media_id);
        media_span_attr(&sp, "http.response.status_code", st);
        sp.status = status >= 200 && status < 300 ? MEDIA_SPAN_OK : MEDIA_SPAN_ERROR;
        media_otlp_record(&sp);
    }
    media_trace_set_current(NULL);
}

static void attempt(ingest_notifier *n, media_delivery *d, int *status_out)
{
    media_error err;
    char name[300];
    ingest_notify_breaker_name(d->endpoint_id, d->url, name, sizeof(name));
    int64_t wait_ms = 0;
    if (!media_breaker_set_allow(n->breakers, name, now_ms(), &wait_ms)) {
        media_metric_add(n->mx.waited, 1);
        if (media_webhook_retry(n->db, d->id, wait_ms > 0 ? wait_ms : 1000, d->last_status,
                                d->last_error, false, &err) != MEDIA_OK)
            db_failed(n, &err);
        return;
    }
    if (d->secret[0] == '\0') { /* cannot happen through the API; never send unsigned */
        log_outcome(MEDIA_LOG_ERROR, d, 0, "failed", "no signing secret");
        media_metric_add(n->mx.failed, 1);
        if (media_webhook_fail(n->db, d->id, 0, "no signing secret", &err) != MEDIA_OK)
            db_failed(n, &err);
        return;
    }
    media_buf body;
    media_buf_init(&body, 1 << 20);
    media_delivery_body(d, &body);
    char sig[MEDIA_WEBHOOK_SIGNATURE_MAX], h_sig[128], h_id[80], h_ev[64], h_at[48];
    media_webhook_sign(d->secret, (int64_t)time(NULL), body.data, body.len, sig);
    snprintf(h_sig, sizeof(h_sig), "Mediagate-Signature: %s", sig);
    snprintf(h_id, sizeof(h_id), "Mediagate-Delivery: %s", d->id);
    snprintf(h_ev, sizeof(h_ev), "Mediagate-Event: %s", d->event);
    snprintf(h_at, sizeof(h_at), "Mediagate-Attempt: %d", d->attempts);
    const char *headers[] = {"Content-Type: application/json", h_sig, h_id, h_ev, h_at, NULL};
    ingest_post_request req = {d->url, headers, body.data, body.len, n->c.timeout_s};
    int status = 0;
    media_code rc = ingest_post(n->o, &req, &status, &err);
    *status_out = status;
    media_buf_cleanup(&body);
    media_code wr;
    if (rc == MEDIA_OK) {
        media_breaker_set_report(n->breakers, name, true, now_ms());
        media_metric_add(n->mx.delivered, 1);
        log_outcome(MEDIA_LOG_INFO, d, status, "delivered", NULL);
        wr = media_webhook_delivered(n->db, d->id, status, &err);
    } else if (rc == MEDIA_ERR_INVALID && status == 0) {
        /* the guard refused the target (or the URL is unusable): nothing was sent, and no
         * later attempt would be sent either */
        static const char refused[] = "webhook target is unknown or not allowed (never contacted)";
        media_metric_add(n->mx.failed, 1);
        log_outcome(MEDIA_LOG_WARN, d, 0, "failed", refused);
        wr = media_webhook_fail(n->db, d->id, 0, refused, &err);
    } else {
        media_breaker_set_report(n->breakers, name, false, now_ms());
        long delay = ingest_retry_delay_ms(&n->c.retry, d->attempts, MEDIA_CLASS_TRANSIENT,
                                           err.retry_after_s, rand01());
        char why[sizeof(err.message)];
        snprintf(why, sizeof(why), "%s", err.message);
        if (delay < 0) {
            media_metric_add(n->mx.failed, 1);
            log_outcome(MEDIA_LOG_WARN, d, status, "failed (no attempts left)", why);
            wr = media_webhook_fail(n->db, d->id, status, why, &err);
        } else {
            media_metric_add(n->mx.retried, 1);
            log_outcome(MEDIA_LOG_INFO, d, status, "will be retried", why);
            wr = media_webhook_retry(n->db, d->id, delay, status, why, true, &err);
        }
    }
    if (wr != MEDIA_OK)
        db_failed(n, &err);
}

/* Claimed and not sent (stopping, or the connection dropped): back at once, uncounted. */
static void put_back(ingest_notifier *n, media_delivery *d)
{
    media_error err;
    if (n->db && media_webhook_retry(n->db, d->id, 0, d->last_status, d->last_error, false, &err) !=
                     MEDIA_OK)
        db_failed(n, &err);
}

static void refresh_gauges(ingest_notifier *n)
{
    int64_t pending, failed;
    media_error err;
    if (media_webhook_counts(n->db, &pending, &failed, &err) != MEDIA_OK) {
        db_failed(n, &err);
        return;
    }
    media_metric_set(n->mx.pending, (double)pending);
    media_metric_set(n->mx.dead, (double)failed);
    size_t counts[3];
    media_breaker_set_counts(n->breakers, now_ms(), counts);
    media_metric_set(n->mx.open, (double)counts[MEDIA_BREAKER_OPEN]);
}

static void nap(ingest_notifier *n, long ms)
{
    for (long t = 0; t < ms && !atomic_load(&n->stop); t += 50) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void *sender(void *arg)
{
    ingest_notifier *n = arg;
    media_error err;
    int64_t last_gauges = 0;
    /* a claim outlives the whole batch's attempts, so no other sender takes them meanwhile */
    long lease_ms = (long)n->c.batch * (n->c.timeout_s + 2) * 1000 + 30000;
    while (!atomic_load(&n->stop)) {
        if (n->db == NULL && (n->db = media_db_connect(n->database_url, &err)) == NULL) {
            nap(n, 1000);
            continue;
        }
        if (now_ms() - last_gauges >= 5000) {
            last_gauges = now_ms();
            refresh_gauges(n);
            if (n->db == NULL)
                continue;
        }
        media_delivery *ds;
        size_t count;
        if (media_webhook_claim(n->db, n->c.batch, lease_ms, &ds, &count, &err) != MEDIA_OK) {
            db_failed(n, &err);
            continue;
        }
        for (size_t i = 0; i < count; i++) {
            if (atomic_load(&n->stop) || n->db == NULL)
                put_back(n, &ds[i]);
            else
                send_one(n, &ds[i]);
        }
        media_deliveries_free(ds, count);
        if (count < (size_t)n->c.batch) /* a full batch: more may be due right away */
            nap(n, n->c.poll_ms);
    }
    media_db_close(n->db);
    n->db = NULL;
    return NULL;
}

ingest_notifier *ingest_notifier_start(const ingest_notify_config *c, const char *database_url,
                                       const ingest_options *o, media_metrics *m)
{
    ingest_notifier *n = media_calloc(1, sizeof(*n));
    n->c = *c;
    n->database_url = media_strdup(database_url);
    n->o = o;
    n->breakers = media_breaker_set_new(1024, c->breaker_failures, c->breaker_cooldown_ms);
    notify_metrics *x = &n->mx;
    static const char help[] = "Webhook delivery attempts, by outcome";
    x->delivered = media_metrics_counter(m, "mediagate_webhook_deliveries_total", help,
                                         "result=\"delivered\"");
    x->retried =
        media_metrics_counter(m, "mediagate_webhook_deliveries_total", help, "result=\"retried\"");
    x->failed =
        media_metrics_counter(m, "mediagate_webhook_deliveries_total", help, "result=\"failed\"");
    x->waited = media_metrics_counter(
        m, "mediagate_webhook_deferred_total",
        "Deliveries put back without an attempt because their endpoint's breaker was open", NULL);
    x->pending = media_metrics_gauge(m, "mediagate_webhook_pending",
                                     "Webhook deliveries waiting to be sent (all replicas)", NULL);
    x->dead = media_metrics_gauge(m, "mediagate_webhook_dead_letters",
                                  "Webhook deliveries that failed for good (all replicas)", NULL);
    x->open = media_metrics_gauge(m, "mediagate_webhook_breakers_open",
                                  "Webhook endpoints whose breaker is open in this process", NULL);
    pthread_create(&n->thread, NULL, sender, n);
    return n;
}

void ingest_notifier_stop(ingest_notifier *n)
{
    if (n == NULL)
        return;
    atomic_store(&n->stop, true);
    pthread_join(n->thread, NULL);
    media_breaker_set_destroy(n->breakers);
    free(n->database_url);
    free(n);
}
