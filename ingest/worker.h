/*
 * worker.h - `mediagate worker`: the ingest pipeline behind the Redis Streams queue.
 *
 * N job threads (each with its own PostgreSQL, Redis and S3 connections) take jobs — first
 * a pending job idle past the claim timeout (a dead worker's), else a new one — claim the
 * job's catalog row and run it (ingest/job.h). The claim keeper (ingest/claims.h) renews the
 * claims of running jobs and their messages, and stops a job whose claim is lost. A keeper
 * thread moves due retries back to the stream and sweeps the outbox (queued rows never
 * enqueued, stale fetching rows, multipart uploads nobody will finish: one replica at a time,
 * under the Redis lease "<prefix>:lease:sweeper", media/lease.h). An admin port serves /health,
 * /ready and /metrics.
 *
 * Outcomes (ingest/outcome.h, one decision table): success -> ack; finished/deleted rows ->
 * ack and skip; a row claimed by another worker -> put back until that claim runs out; a claim
 * taken over -> change nothing; transient or rate-limited with attempts left -> retry later
 * (backoff with full jitter, Retry-After honoured); else failed + dead letter. S3 failures trip
 * the S3 breaker, which stops job intake (no attempts burned); a source host's open breaker
 * reschedules its jobs without counting an attempt. Jobs delivered more than max_deliveries
 * times go to the dead letters (poison), unless a live claim holds them.
 *
 * Shutdown (ingest_worker_stop, from SIGTERM/SIGINT): stop taking jobs, let in-flight ones
 * finish within the grace period, then cancel the rest (multipart uploads aborted, rows
 * released, messages put back for another worker).
 *
 * Webhooks: a sender thread (ingest/notify.h) delivers the events the jobs' transitions
 * recorded; a job never waits for it.
 */
#ifndef INGEST_WORKER_H
#define INGEST_WORKER_H

#include "media/config.h"
#include "media/error.h"
#include "notify.h"
#include "options.h"
#include "retry.h"

typedef struct ingest_worker_config {
    int concurrency;           /* MEDIAGATE_WORKER_CONCURRENCY (4) */
    long claim_timeout_s;      /* MEDIAGATE_CLAIM_TIMEOUT_S (60) */
    int max_deliveries;        /* MEDIAGATE_MAX_DELIVERIES (5) */
    ingest_retry_policy retry; /* MEDIAGATE_RETRY_ATTEMPTS, _BASE_MS, _CAP_MS */
    long sweep_after_s;        /* MEDIAGATE_SWEEP_AFTER_S (30) */
    long grace_s;              /* MEDIAGATE_SHUTDOWN_GRACE_S (25) */
    long dlq_retention_s;      /* MEDIAGATE_DLQ_RETENTION_DAYS (30) */
    int breaker_failures;      /* MEDIAGATE_BREAKER_FAILURES (5) */
    long breaker_cooldown_ms;  /* MEDIAGATE_BREAKER_COOLDOWN_MS (15000) */
    char listen_host[64];      /* MEDIAGATE_WORKER_LISTEN (127.0.0.1:9464) */
    int listen_port;
    ingest_notify_config notify; /* the webhook sender (MEDIAGATE_WEBHOOK_*) */
    media_store_config store;    /* the catalog and the queue (needs both) */
    char name[128];              /* consumer name: host-pid */
    char otlp_endpoint[512];     /* MEDIAGATE_OTLP_ENDPOINT: spans as OTLP/HTTP JSON; "" off */
} ingest_worker_config;

media_code ingest_worker_config_load(ingest_worker_config *c, const media_store_config *store,
                                     media_env_fn env, void *ud, media_error *err);
const char *ingest_worker_help(void);

typedef struct ingest_worker ingest_worker;

/* Check the schema, connect, start the threads and the admin port. Caller owns the result. */
ingest_worker *ingest_worker_start(const ingest_worker_config *c, const media_s3_config *s3,
                                   ingest_options *o, media_error *err);
/* Begin graceful shutdown (async-signal-safe: only sets a flag). */
void ingest_worker_stop(ingest_worker *w);
/* Wait for shutdown to complete (grace, then cancel); frees the worker. */
void ingest_worker_wait(ingest_worker *w);

#endif
