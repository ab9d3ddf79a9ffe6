/*
 * notify.h - the webhook sender of a worker process: a claimer thread (the only one with a
 * database connection) claims due deliveries from the outbox fairly across tenants
 * (media/webhook.h: per-tenant and per-endpoint caps on what is in flight, the least busy
 * tenants first) and hands each to one of MEDIAGATE_WEBHOOK_CONCURRENCY poster threads, which
 * sign the body and POST it through the SSRF guard (ingest_post: the target's address checked
 * at connect time, no redirect followed); the claimer records the outcome. A receiver that
 * never answers holds at most its endpoint's cap of posters, for one attempt's timeout each,
 * while other tenants' deliveries go out (issue 24, defect 4).
 *
 * Per delivery: a 2xx answer -> delivered. Anything else (an error status, a timeout, a reset)
 * -> another attempt after a backoff with full jitter (ingest/retry.h, Retry-After honoured),
 * the same delivery id every time; after the last attempt -> failed (the dead letters,
 * `mediagate webhooks deliveries --failed`, replayed with `mediagate webhooks replay`). A
 * target the guard refuses is never contacted: failed at once. A per-endpoint circuit breaker
 * (per callback URL for callbacks) opens after consecutive failures; while it is open its
 * deliveries wait without spending attempts, until the event is MEDIAGATE_WEBHOOK_MAX_AGE_S old;
 * then they fail.
 *
 * The sender never touches a job: jobs only insert deliveries (media/catalog.c). A sender
 * that dies leaves its claims to run out and another sends them again (at-least-once).
 */
#ifndef INGEST_NOTIFY_H
#define INGEST_NOTIFY_H

#include "media/config.h"
#include "media/error.h"
#include "media/metrics.h"
#include "options.h"
#include "retry.h"

typedef struct ingest_notify_config {
    ingest_retry_policy retry; /* MEDIAGATE_WEBHOOK_ATTEMPTS (8), _RETRY_BASE_MS (5000),
                                  _RETRY_CAP_MS (3600000) */
    long timeout_s;            /* MEDIAGATE_WEBHOOK_TIMEOUT_S (10): one attempt */
    int breaker_failures;      /* MEDIAGATE_WEBHOOK_BREAKER_FAILURES (5) */
    long breaker_cooldown_ms;  /* MEDIAGATE_WEBHOOK_BREAKER_COOLDOWN_MS (60000) */
    long poll_ms;              /* MEDIAGATE_WEBHOOK_POLL_MS (500): how often due work is read */
    int concurrency;           /* MEDIAGATE_WEBHOOK_CONCURRENCY (8): requests at once */
    int per_tenant;            /* MEDIAGATE_WEBHOOK_PER_TENANT (4): in flight, every sender */
    int per_endpoint;          /* MEDIAGATE_WEBHOOK_PER_ENDPOINT (2): in flight, every sender */
    long connect_timeout_ms;   /* MEDIAGATE_WEBHOOK_CONNECT_TIMEOUT_MS (3000) */
    long max_age_s;            /* MEDIAGATE_WEBHOOK_MAX_AGE_S (86400): deferred past it, fails */
} ingest_notify_config;

media_code ingest_notify_config_load(ingest_notify_config *c, media_env_fn env, void *ud,
                                     media_error *err);
const char *ingest_notify_help(void);

typedef struct ingest_notifier ingest_notifier;

/* Start the sender thread (its own PostgreSQL connection, opened lazily). c, o and m are
 * borrowed and must outlive it; database_url is copied. Metrics are registered on m. */
ingest_notifier *ingest_notifier_start(const ingest_notify_config *c, const char *database_url,
                                       const ingest_options *o, media_metrics *m);
/* Stop: the attempt in flight ends (bounded by timeout_s), deliveries claimed and not yet
 * sent are put back at once for another sender, the thread is joined. Frees n. */
void ingest_notifier_stop(ingest_notifier *n);

/* Pure: the breaker name of a delivery: its endpoint id, or "cb:" + the callback URL's
 * host[:port] (userinfo dropped). */
void ingest_notify_breaker_name(const char *endpoint_id, const char *url, char *out, size_t cap);

#endif
