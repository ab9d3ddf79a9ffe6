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
    LONG("MEDIAGATE_WEBHOOK_CONCURRENCY", 8, 1, 256, c->concurrency);
    LONG("MEDIAGATE_WEBHOOK_PER_TENANT", 4, 1, 256, c->per_tenant);
    LONG("MEDIAGATE_WEBHOOK_PER_ENDPOINT", 2, 1, 256, c->per_endpoint);
    LONG("MEDIAGATE_WEBHOOK_CONNECT_TIMEOUT_MS", 3000, 100, 60000, c->connect_timeout_ms);
    LONG("MEDIAGATE_WEBHOOK_MAX_AGE_S", 86400, 60, 30L * 86400, c->max_age_s);
#undef LONG
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
           "  MEDIAGATE_WEBHOOK_POLL_MS       how often due deliveries are read (default 500)\n"
           "  MEDIAGATE_WEBHOOK_CONCURRENCY   deliveries sent at once per worker (default 8)\n"
           "  MEDIAGATE_WEBHOOK_PER_TENANT    in flight per tenant, all workers (default 4)\n"
           "  MEDIAGATE_WEBHOOK_PER_ENDPOINT  in flight per endpoint, all workers (default 2)\n"
           "  MEDIAGATE_WEBHOOK_CONNECT_TIMEOUT_MS  connecting to a receiver (default 3000)\n"
           "  MEDIAGATE_WEBHOOK_MAX_AGE_S     a delivery its endpoint's open breaker still holds\n"
           "                                  back at this age fails (default 86400)\n";
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

typedef struct outgoing outgoing;

struct ingest_notifier {
    ingest_notify_config c;
    char *database_url;
    const ingest_options *o;
    atomic_bool stop;
    pthread_t thread;   /* the claimer: claims, hands over, records (the database's only user) */
    pthread_t *posters; /* c.concurrency of them: one request each at a time */
    pthread_mutex_t mu; /* todo, done */
    pthread_cond_t todo_cv, done_cv;
    outgoing *todo, *done;
    int inflight; /* handed over and not yet recorded (the claimer's own count) */
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

/* One claimed delivery on its way (issue 24, defect 4): a poster thread sends it, the claimer
 * (the one thread with the database) records its outcome. Owned by whichever holds it. */
struct outgoing {
    media_delivery d;
    char breaker[300];
    media_trace trace; /* the request's that made the media: the POST and the logs carry it */
    int64_t start_ns;
    int status; /* the receiver's; 0 when none */
    media_code rc;
    media_error err;
    struct outgoing *next;
};

static void outgoing_free(outgoing *o)
{
    media_delivery_cleanup(&o->d);
    free(o);
}

/* The delivery went out (or could not): breaker, metrics, log, span, and its row. */
static void record(ingest_notifier *n, outgoing *o)
{
    media_delivery *d = &o->d;
    media_trace_set_current(&o->trace);
    if (media_otlp_enabled()) {
        media_span sp;
        char name[64], st[16];
        snprintf(name, sizeof(name), "webhook %s", d->event);
        media_span_begin(&sp, &o->trace, name, MEDIA_SPAN_CLIENT, o->start_ns);
        sp.end_ns = media_span_now_ns();
        snprintf(st, sizeof(st), "%d", o->status);
        media_span_attr(&sp, "mediagate.delivery_id", d->id);
        media_span_attr(&sp, "mediagate.media_id", d->media_id);
        media_span_attr(&sp, "http.response.status_code", st);
        sp.status = o->status >= 200 && o->status < 300 ? MEDIA_SPAN_OK : MEDIA_SPAN_ERROR;
        media_otlp_record(&sp);
    }
    media_error err;
    media_code wr = MEDIA_OK;
    if (n->db == NULL) {
        /* the connection dropped meanwhile: the claim runs out and the delivery is sent again
         * (at-least-once, the same delivery id) */
    } else if (o->rc == MEDIA_OK) {
        media_breaker_set_report(n->breakers, o->breaker, true, now_ms());
        media_metric_add(n->mx.delivered, 1);
        log_outcome(MEDIA_LOG_INFO, d, o->status, "delivered", NULL);
        wr = media_webhook_delivered(n->db, d->id, o->status, &err);
    } else if (o->rc == MEDIA_ERR_INVALID && o->status == 0) {
        /* the guard refused the target (or the URL is unusable): nothing was sent, and no
         * later attempt would be sent either */
        static const char refused[] = "webhook target is unknown or not allowed (never contacted)";
        media_metric_add(n->mx.failed, 1);
        log_outcome(MEDIA_LOG_WARN, d, 0, "failed", refused);
        wr = media_webhook_fail(n->db, d->id, 0, refused, &err);
    } else {
        media_breaker_set_report(n->breakers, o->breaker, false, now_ms());
        long delay = ingest_retry_delay_ms(&n->c.retry, d->attempts, MEDIA_CLASS_TRANSIENT,
                                           o->err.retry_after_s, rand01());
        if (delay < 0) {
            media_metric_add(n->mx.failed, 1);
            log_outcome(MEDIA_LOG_WARN, d, o->status, "failed (no attempts left)", o->err.message);
            wr = media_webhook_fail(n->db, d->id, o->status, o->err.message, &err);
        } else {
            media_metric_add(n->mx.retried, 1);
            log_outcome(MEDIA_LOG_INFO, d, o->status, "will be retried", o->err.message);
            wr = media_webhook_retry(n->db, d->id, delay, o->status, o->err.message, true, &err);
        }
    }
    if (wr != MEDIA_OK)
        db_failed(n, &err);
    media_trace_set_current(NULL);
}

/* Before a claimed delivery is handed to a poster (claimer thread): false when it is settled
 * here without a request — its endpoint's breaker is open (put back until the probe, without
 * spending the attempt, unless the event is older than MEDIAGATE_WEBHOOK_MAX_AGE_S: then it
 * fails, so an endpoint that stays down does not collect deliveries for ever), or it has no
 * signing secret. */
static bool ready_to_send(ingest_notifier *n, outgoing *o)
{
    media_delivery *d = &o->d;
    media_error err;
    media_code wr = MEDIA_OK;
    int64_t wait_ms = 0;
    if (!media_breaker_set_allow(n->breakers, o->breaker, now_ms(), &wait_ms)) {
        media_metric_add(n->mx.waited, 1);
        int64_t created = media_record_time_ms(d->created_at);
        if (created >= 0 && now_ms() - created > n->c.max_age_s * 1000) {
            static const char why[] = "its endpoint's circuit breaker was still open when the "
                                      "delivery reached MEDIAGATE_WEBHOOK_MAX_AGE_S";
            media_metric_add(n->mx.failed, 1);
            log_outcome(MEDIA_LOG_WARN, d, 0, "failed", why);
            wr = media_webhook_fail(n->db, d->id, d->last_status, why, &err);
        } else {
            wr = media_webhook_retry(n->db, d->id, wait_ms > 0 ? wait_ms : 1000, d->last_status,
                                     d->last_error, false, &err);
        }
    } else if (d->secret[0] == '\0') { /* cannot happen through the API; never send unsigned */
        log_outcome(MEDIA_LOG_ERROR, d, 0, "failed", "no signing secret");
        media_metric_add(n->mx.failed, 1);
        wr = media_webhook_fail(n->db, d->id, 0, "no signing secret", &err);
    } else {
        return true;
    }
    if (wr != MEDIA_OK)
        db_failed(n, &err);
    return false;
}

/* A poster thread's one request: the signed body POSTed through the SSRF guard. */
static void post_one(ingest_notifier *n, outgoing *o)
{
    media_delivery *d = &o->d;
    media_trace_set_current(&o->trace);
    o->start_ns = media_span_now_ns();
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
    ingest_post_request req = {.url = d->url,
                               .headers = headers,
                               .body = body.data,
                               .len = body.len,
                               .timeout_s = n->c.timeout_s,
                               .connect_timeout_ms = n->c.connect_timeout_ms};
    o->status = 0;
    o->rc = ingest_post(n->o, &req, &o->status, &o->err);
    media_buf_cleanup(&body);
    media_trace_set_current(NULL);
}

static void *poster(void *arg)
{
    ingest_notifier *n = arg;
    pthread_mutex_lock(&n->mu);
    for (;;) {
        while (!atomic_load(&n->stop) && n->todo == NULL)
            pthread_cond_wait(&n->todo_cv, &n->mu);
        if (atomic_load(&n->stop))
            break; /* what is left in todo is put back by the claimer */
        outgoing *o = n->todo;
        n->todo = o->next;
        pthread_mutex_unlock(&n->mu);
        post_one(n, o);
        pthread_mutex_lock(&n->mu);
        o->next = n->done;
        n->done = o;
        pthread_cond_signal(&n->done_cv);
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

/* Claimed and not sent (stopping): back at once, uncounted. */
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

/* Record what the posters finished; the count recorded. */
static int record_done(ingest_notifier *n)
{
    pthread_mutex_lock(&n->mu);
    outgoing *o = n->done;
    n->done = NULL;
    pthread_mutex_unlock(&n->mu);
    int k = 0;
    while (o) {
        outgoing *next = o->next;
        record(n, o);
        outgoing_free(o);
        n->inflight--;
        k++;
        o = next;
    }
    return k;
}

/* Claim as many as there are idle posters and hand them over; the count handed over. */
static int claim_more(ingest_notifier *n, long lease_ms)
{
    int free_slots = n->c.concurrency - n->inflight;
    if (free_slots <= 0 || n->db == NULL)
        return 0;
    media_delivery *ds;
    size_t count;
    media_error err;
    if (media_webhook_claim(n->db, free_slots, lease_ms, n->c.per_tenant, n->c.per_endpoint, &ds,
                            &count, &err) != MEDIA_OK) {
        db_failed(n, &err);
        return 0;
    }
    int handed = 0;
    for (size_t i = 0; i < count; i++) {
        outgoing *o = media_calloc(1, sizeof(*o));
        o->d = ds[i]; /* moved: the array's element is left empty */
        memset(&ds[i], 0, sizeof(ds[i]));
        ingest_notify_breaker_name(o->d.endpoint_id, o->d.url, o->breaker, sizeof(o->breaker));
        media_trace_start(&o->trace, o->d.record.traceparent, o->d.record.tracestate);
        if (n->db == NULL || !ready_to_send(n, o)) {
            outgoing_free(o); /* settled here (or the claim runs out: sent again later) */
            continue;
        }
        pthread_mutex_lock(&n->mu);
        o->next = n->todo;
        n->todo = o;
        pthread_cond_signal(&n->todo_cv);
        pthread_mutex_unlock(&n->mu);
        n->inflight++;
        handed++;
    }
    media_deliveries_free(ds, count);
    return handed;
}

/* Wait until a poster finishes one, or ms pass, or the notifier stops. */
static void wait_done(ingest_notifier *n, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L)
        until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&n->mu);
    while (n->done == NULL && !atomic_load(&n->stop))
        if (pthread_cond_timedwait(&n->done_cv, &n->mu, &until) != 0)
            break;
    pthread_mutex_unlock(&n->mu);
}

/* The claimer: the only thread that touches the database. */
static void *claimer(void *arg)
{
    ingest_notifier *n = arg;
    media_error err;
    int64_t last_gauges = 0;
    /* one delivery per poster, sent at once: the claim outlives one attempt */
    long lease_ms = (n->c.timeout_s + 2) * 1000 + 30000;
    while (!atomic_load(&n->stop)) {
        if (n->db == NULL && (n->db = media_db_connect(n->database_url, &err)) == NULL) {
            wait_done(n, 1000);
            record_done(n);
            continue;
        }
        if (now_ms() - last_gauges >= 5000) {
            last_gauges = now_ms();
            refresh_gauges(n);
        }
        int recorded = record_done(n);
        int handed = claim_more(n, lease_ms);
        if (recorded == 0 && handed == 0) /* nothing due, or every poster busy */
            wait_done(n, n->c.poll_ms);
    }
    /* stopping: the posters finish the request each has (bounded by timeout_s) */
    pthread_mutex_lock(&n->mu);
    pthread_cond_broadcast(&n->todo_cv);
    pthread_mutex_unlock(&n->mu);
    for (int i = 0; i < n->c.concurrency; i++)
        pthread_join(n->posters[i], NULL);
    record_done(n);
    for (outgoing *o = n->todo, *next; o; o = next) { /* never sent: back for another sender */
        next = o->next;
        put_back(n, &o->d);
        outgoing_free(o);
    }
    n->todo = NULL;
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
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->todo_cv, NULL);
    pthread_cond_init(&n->done_cv, NULL);
    n->posters = media_calloc((size_t)c->concurrency, sizeof(pthread_t));
    for (int i = 0; i < c->concurrency; i++)
        pthread_create(&n->posters[i], NULL, poster, n);
    pthread_create(&n->thread, NULL, claimer, n);
    return n;
}

void ingest_notifier_stop(ingest_notifier *n)
{
    if (n == NULL)
        return;
    atomic_store(&n->stop, true);
    pthread_mutex_lock(&n->mu);
    pthread_cond_broadcast(&n->done_cv);
    pthread_mutex_unlock(&n->mu);
    pthread_join(n->thread, NULL); /* it joins the posters */
    pthread_cond_destroy(&n->todo_cv);
    pthread_cond_destroy(&n->done_cv);
    pthread_mutex_destroy(&n->mu);
    free(n->posters);
    media_breaker_set_destroy(n->breakers);
    free(n->database_url);
    free(n);
}
