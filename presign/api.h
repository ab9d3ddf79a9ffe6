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

#include "media/cidr.h"
#include "media/config.h"
#include "media/metrics.h"
#include "policy.h"
#include "media/s3_sign.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct presign_config {
    presign_policy policy;
    char listen_host[64]; /* MEDIAGATE_LISTEN (127.0.0.1:8080) */
    int listen_port;
    char admin_host[64];     /* MEDIAGATE_ADMIN_LISTEN (127.0.0.1:9465): /metrics, /health; "off" */
    int admin_port;          /* 0: no admin listener */
    int threads;             /* MEDIAGATE_THREADS (cores): event loops */
    int backend_threads;     /* MEDIAGATE_BACKEND_THREADS (4 x loops): blocking I/O */
    long body_max_bytes;     /* MEDIAGATE_BODY_MAX_BYTES (65536) */
    long header_max_bytes;   /* MEDIAGATE_HEADER_MAX_BYTES (16384): all request headers */
    long rate_read_per_min;  /* MEDIAGATE_RATE_READ_PER_MIN (1200) */
    long rate_write_per_min; /* MEDIAGATE_RATE_WRITE_PER_MIN (120) */
    long key_cache_s;        /* MEDIAGATE_KEY_CACHE_S (10): revocation delay */
    long record_cache_s;     /* MEDIAGATE_RECORD_CACHE_S (30): ready-record cache lifetime */
    long record_cache_entries;       /* MEDIAGATE_RECORD_CACHE_ENTRIES (32768) */
    long rate_lease_ms;              /* MEDIAGATE_RATE_LEASE_MS (1000): local rate-limit leases */
    long rate_anon_per_min;          /* MEDIAGATE_RATE_ANON_PER_MIN (120): per client address, for
                                        requests without a known-good key */
    long backend_queue_max;          /* MEDIAGATE_BACKEND_QUEUE (64 x backend threads): requests
                                        waiting for a backend thread before 503 */
    media_cidr_list trusted_proxies; /* MEDIAGATE_TRUSTED_PROXIES: X-Forwarded-For from these */
    long drain_delay_s;              /* MEDIAGATE_DRAIN_DELAY_S (5): /ready 503 before closing */
    long session_ttl_s;              /* MEDIAGATE_SESSION_TTL_S (43200): browser page sessions */
    bool cookie_secure;              /* MEDIAGATE_COOKIE_SECURE (on with TLS): Secure cookies */
    char cors_origins[1024];         /* MEDIAGATE_CORS_ORIGINS: comma list of allowed origins */
    char tls_cert[512];              /* MEDIAGATE_TLS_CERT: PEM chain; with tls_key, HTTPS + h2 */
    char tls_key[512];               /* MEDIAGATE_TLS_KEY: PEM private key */
    long hsts_max_age_s;             /* MEDIAGATE_HSTS_MAX_AGE_S (31536000; 0 off): over TLS only */
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
    const char *cookie; /* the Cookie header; only the page's session, on read routes */
    const char *idempotency_key;
    const char *request_id;
    const char *body;
    size_t body_len;
} presign_request;

/* The response the server writes. Body owned (media_buf). */
typedef struct presign_response {
    int status;
    const char *content_type;
    char location[MEDIA_SIGV4_MAX_URL];
    char cache_control[64];
    char allow[64];
    char ratelimit[3][24]; /* Limit, Remaining, Reset; "" when not rate limited */
    char retry_after[24];
    char set_cookie[256]; /* "" when none */
    char route[32];       /* for metrics */
    const char *csp;      /* Content-Security-Policy; NULL: the API's (nothing allowed) */
    media_buf body;
} presign_response;

void presign_response_init(presign_response *r);
void presign_response_cleanup(presign_response *r);

/*
 * State shared by every thread of one server: the API-key cache, the hot-record cache (ready
 * records by tenant and id; invalidated on delete; other replicas see a delete within
 * MEDIAGATE_RECORD_CACHE_S) and the rate limiter's local leases (limiter.h). Thread-safe.
 * cfg, s3 and m are borrowed and must outlive it.
 */
typedef struct presign_state presign_state;
presign_state *presign_state_new(const presign_config *cfg, const media_s3_config *s3,
                                 media_metrics *m);
void presign_state_destroy(presign_state *st);

/* A SigV4 signer for s3's credentials (one per thread). NULL + err on bad credentials. */
media_sigv4_signer *presign_signer_new(const media_s3_config *s3, media_error *err);

/* Everything a backend thread owns: connections and a signer. */
typedef struct presign_backend presign_backend;

/* Create a backend on st (connections are opened lazily and re-opened after failures). */
presign_backend *presign_backend_new(presign_state *st, media_error *err);
void presign_backend_destroy(presign_backend *b);

/* Handle one request (any route but /health, /metrics and the OpenAPI document). Blocking. */
void presign_handle(presign_backend *b, const presign_request *req, presign_response *res);

/*
 * The event loop's fast path, without I/O: answer GET /media/{id}/url or /content when the
 * API key, the ready record and a leased rate-limit token are all in memory. Returns false
 * (res untouched) otherwise; the request then goes to presign_handle, which answers every
 * case, errors included. signer belongs to the calling thread.
 */
bool presign_handle_cached(presign_state *st, media_sigv4_signer *signer,
                           const presign_request *req, presign_response *res);

/*
 * The event loop's gate, before a request may take a backend thread (issue 15, defect 6; no
 * I/O): a request whose API key is not known-good — none, unknown, revoked, or not cached
 * yet — spends a token of its client address's budget (addr_key: presign_addr_key of the
 * client), and is answered 429 when the budget is spent; a key known to be unknown or revoked
 * (remembered for MEDIAGATE_KEY_CACHE_S) is answered 401 here. True when res holds the answer.
 */
bool presign_gate(presign_state *st, const presign_request *req, const uint8_t addr_key[16],
                  presign_response *res);

/* /ready from the last check when it is younger than a second (true: res filled), so probes
 * from anyone cost at most one PostgreSQL, Redis and S3 round trip a second. When it is older
 * and no check is running, the caller sends the request to presign_handle (which checks and
 * stores) and this returns false; while a check runs, the last result answers. */
bool presign_ready_cached(presign_state *st, presign_response *res);

/* Pure helpers, exposed for tests and fuzzing. */

/* The body of POST /api/v1/media: {"source_url": string, "metadata"?: object}, nothing else.
 * Returns 0 with *out filled (free with presign_create_body_cleanup), or the HTTP status
 * (400 malformed JSON, 422 invalid) with *slug (static) and detail (cap bytes). */
typedef struct presign_create_body {
    char *source_url; /* owned */
    char *metadata;   /* owned compact JSON object text with sorted keys; NULL when absent */
} presign_create_body;
int presign_create_body_parse(const char *body, size_t len, presign_create_body *out,
                              const char **slug, char *detail, size_t cap);
void presign_create_body_cleanup(presign_create_body *b);

/* A request's route under /api/v1/media: the id ("" for the collection), the sub-resource
 * ("url", "content", or ""), and whether it writes. */
typedef struct presign_route {
    char id[64], sub[16];
    bool write;
} presign_route;
/* Match method and path; 0, or -1 with a 404/405 problem in res. res->route is set either way
 * (the metrics label). */
int presign_route_parse(const presign_request *req, presign_response *res, presign_route *rt);

/* Fill a problem+json body: status, slug, title, detail. */
void presign_problem(presign_response *res, int status, const char *slug, const char *title,
                     const char *detail, const char *request_id);
/* Is s a well-formed request id (1..64 of [A-Za-z0-9._-])? */
bool presign_request_id_valid(const char *s);
/* Value of cookie `name` in a Cookie header (percent-decoded) into out; false when absent,
 * empty, undecodable or too long. */
bool presign_cookie_get(const char *cookie, const char *name, char *out, size_t cap);
/* The browser page's session cookie (issue 15, defect 8): issued by POST /app/session for a
 * valid API key, HttpOnly (the page's script never holds a credential), SameSite=Strict,
 * Path=/api/v1/media, Secure with TLS or MEDIAGATE_COOKIE_SECURE. It holds a session token
 * (media/session.h), never the key, and opens the read routes only (GET list, record, /url,
 * /content), never a write, and only when no Authorization header is sent. */
#define PRESIGN_SESSION_COOKIE "mediagate_session"
/* A query parameter's state: absent, present (value decoded into out), or present but unusable
 * (a malformed %-escape, or longer than out) — which callers answer with 400, never treat as
 * absent. The first occurrence counts. */
typedef enum { PRESIGN_QUERY_ABSENT, PRESIGN_QUERY_OK, PRESIGN_QUERY_BAD } presign_query_state;
presign_query_state presign_query_get(const char *query, const char *name, char *out, size_t cap);

#endif
