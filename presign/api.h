/*
 * api.h - the /api/v1 service logic, independent of the HTTP server: route, authenticate,
 * validate, talk to the catalog, queue and S3, and produce a response.
 *
 * presign_handle runs on a backend thread (blocking PostgreSQL, Redis and S3 calls are
 * fine there); the h2o event loops never call it directly (server.c hands requests over).
 * Errors are application/problem+json with a stable `type` ("urn:mediagate:problem:<slug>").
 */
#ifndef PRESIGN_API_H
#define PRESIGN_API_H

#include "media/config.h"
#include "media/metrics.h"
#include "policy.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct presign_config {
    presign_policy policy;
    char listen_host[64]; /* MEDIAGATE_LISTEN (127.0.0.1:8080) */
    int listen_port;
    int threads;             /* MEDIAGATE_THREADS (cores): event loops */
    int backend_threads;     /* MEDIAGATE_BACKEND_THREADS (4 x loops): blocking I/O */
    long body_max_bytes;     /* MEDIAGATE_BODY_MAX_BYTES (65536) */
    long header_max_bytes;   /* MEDIAGATE_HEADER_MAX_BYTES (16384): all request headers */
    long rate_read_per_min;  /* MEDIAGATE_RATE_READ_PER_MIN (1200) */
    long rate_write_per_min; /* MEDIAGATE_RATE_WRITE_PER_MIN (120) */
    long key_cache_s;        /* MEDIAGATE_KEY_CACHE_S (10): revocation delay */
    long drain_delay_s;      /* MEDIAGATE_DRAIN_DELAY_S (5): /ready 503 before closing */
    char cors_origins[1024]; /* MEDIAGATE_CORS_ORIGINS: comma list of allowed origins */
    char database_url[1024];
    char redis_url[512];
    char queue_prefix[64];
} presign_config;

media_code presign_config_load(presign_config *c, media_env_fn env, void *ud, media_error *err);
const char *presign_config_help(void);

/* One HTTP request, copied out of the server (all strings owned by the caller). */
typedef struct presign_request {
    const char *method;
    const char *path;  /* without the query */
    const char *query; /* after '?', or "" */
    const char *authorization;
    const char *idempotency_key;
    const char *request_id;
    const char *body;
    size_t body_len;
} presign_request;

/* The response the server writes. Body owned (media_buf). */
typedef struct presign_response {
    int status;
    const char *content_type;
    char location[4200];
    char cache_control[64];
    char allow[64];
    char ratelimit[3][24]; /* Limit, Remaining, Reset; "" when not rate limited */
    char retry_after[24];
    char route[32]; /* for metrics */
    media_buf body;
} presign_response;

void presign_response_init(presign_response *r);
void presign_response_cleanup(presign_response *r);

/* Everything a backend thread owns: connections and caches. */
typedef struct presign_backend presign_backend;

/* Create a backend for cfg (connections are opened lazily and re-opened after failures).
 * metrics is shared with the server (thread-safe). */
presign_backend *presign_backend_new(const presign_config *cfg, const media_s3_config *s3,
                                     media_metrics *metrics, media_error *err);
void presign_backend_destroy(presign_backend *b);

/* Handle one request (any route but /health, /metrics and the OpenAPI document). */
void presign_handle(presign_backend *b, const presign_request *req, presign_response *res);

/* Pure helpers, exposed for tests. */
/* Fill a problem+json body: status, slug, title, detail. */
void presign_problem(presign_response *res, int status, const char *slug, const char *title,
                     const char *detail, const char *request_id);
/* Is s a well-formed request id (1..64 of [A-Za-z0-9._-])? */
bool presign_request_id_valid(const char *s);
/* Value of query parameter name (decoded) into out; false when absent or undecodable. */
bool presign_query_get(const char *query, const char *name, char *out, size_t cap);

#endif
