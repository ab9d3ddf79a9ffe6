/*
 * api.c - /api/v1 request handling (see api.h). To add a route: add it to presign_handle's
 * dispatch, write its handler, document it in docs/openapi.json (a test calls every route
 * listed there) and in README.
 */
#include "api.h"
#include "addr_limit.h"
#include "hot.h"
#include "limiter.h"
#include "media/admin_http.h"
#include "media/apikey.h"
#include "media/catalog.h"
#include "media/db.h"
#include "media/enqueue.h"
#include "media/hash.h"
#include "media/json.h"
#include "media/log.h"
#include "media/migrations.h"
#include "media/queue.h"
#include "media/s3_client.h"
#include "media/session.h"
#include "media/source_url.h"
#include "media/uri.h"
#include "media/uuid.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the hot-record cache keeps of a ready record: enough to presign it. */
typedef struct {
    char id[MEDIA_UUID_STR];
    char tenant[MEDIA_TENANT_MAX];
    char bucket[64];
    char object_key[MEDIA_OBJECT_KEY_MAX];
    char content_type[128];
    int status;
} hot_record;

/* A URL already signed in the current window (identical to what signing again would give). */
typedef struct {
    time_t signed_at, expires_at;
    char url[1024];
} memo_url;

/* The last readiness check. */
typedef struct {
    pthread_mutex_t mu;
    int64_t at_ms; /* 0: never */
    int status;
    char body[160];
    bool running; /* a backend thread is checking now */
} ready_cache;

struct presign_state {
    const presign_config *cfg;
    const media_s3_config *s3cfg;
    presign_hot *keys;        /* sha256(API key) -> media_apikey_info */
    presign_hot *bad_keys;    /* sha256(API key) -> unknown or revoked, for key_cache_s */
    presign_addr_limit *anon; /* per client address, for requests without a known-good key */
    ready_cache ready;
    presign_hot *records; /* "<tenant>/<id>" -> hot_record (ready records only) */
    presign_hot *urls;    /* "<tenant>/<id>|<expires>|<disposition>" -> memo_url */
    presign_limiter *limiter;
    media_metric *presigns, *limited, *limiter_down, *dep_db, *dep_redis, *dep_s3;
    media_metric *cache_hits, *cache_misses, *reservations;
    media_metric *anon_limited, *bad_key_refused, *key_lookups, *ready_checks;
};

struct presign_backend {
    presign_state *st;
    const presign_config *cfg;
    const media_s3_config *s3cfg;
    media_db *db;
    media_queue *q;
    media_s3_client *s3;
    media_sigv4_signer *signer;
};

/* ---- configuration ---- */

media_code presign_config_load(presign_config *c, media_env_fn env, void *ud, media_error *err)
{
    memset(c, 0, sizeof(*c));
    media_code rc;
#define LONG(name, def, min, max, dst) MEDIA_CONFIG_LONG(env, ud, name, def, min, max, dst, err)
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    LONG("MEDIAGATE_THREADS", cores > 0 ? cores : 1, 1, 256, c->threads);
    LONG("MEDIAGATE_BACKEND_THREADS", 4L * c->threads, 1, 1024, c->backend_threads);
    LONG("MEDIAGATE_BODY_MAX_BYTES", 65536, 1024, 16L << 20, c->body_max_bytes);
    LONG("MEDIAGATE_HEADER_MAX_BYTES", 16384, 1024, 1L << 20, c->header_max_bytes);
    LONG("MEDIAGATE_RATE_READ_PER_MIN", 1200, 1, 100000000, c->rate_read_per_min);
    LONG("MEDIAGATE_RATE_WRITE_PER_MIN", 120, 1, 100000000, c->rate_write_per_min);
    LONG("MEDIAGATE_KEY_CACHE_S", 10, 0, 3600, c->key_cache_s);
    LONG("MEDIAGATE_RECORD_CACHE_S", 30, 0, 3600, c->record_cache_s);
    LONG("MEDIAGATE_RECORD_CACHE_ENTRIES", 32768, 64, 16L << 20, c->record_cache_entries);
    LONG("MEDIAGATE_RATE_LEASE_MS", 1000, 0, 60000, c->rate_lease_ms);
    LONG("MEDIAGATE_RATE_ANON_PER_MIN", 120, 1, 100000000, c->rate_anon_per_min);
    LONG("MEDIAGATE_BACKEND_QUEUE", 64L * c->backend_threads, 1, 1000000, c->backend_queue_max);
    LONG("MEDIAGATE_HSTS_MAX_AGE_S", 31536000, 0, 63072000, c->hsts_max_age_s);
    LONG("MEDIAGATE_DRAIN_DELAY_S", 5, 0, 600, c->drain_delay_s);
    LONG("MEDIAGATE_SESSION_TTL_S", 43200, 60, 2592000, c->session_ttl_s);
    long secure;
    LONG("MEDIAGATE_COOKIE_SECURE", 0, 0, 1, secure);
    c->cookie_secure = secure != 0;
    LONG("MEDIAGATE_PRESIGN_EXPIRES_S", 3600, 1, MEDIA_SIGV4_MAX_EXPIRES_S,
         c->policy.default_expires_s);
    LONG("MEDIAGATE_PRESIGN_MAX_EXPIRES_S", 86400, 1, MEDIA_SIGV4_MAX_EXPIRES_S,
         c->policy.max_expires_s);
    LONG("MEDIAGATE_PRESIGN_WINDOW_S", 300, 1, 86400, c->policy.window_s);
#undef LONG
    const char *listen = env("MEDIAGATE_LISTEN", ud);
    if (listen == NULL || listen[0] == '\0')
        listen = "127.0.0.1:8080";
    const char *colon = strrchr(listen, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (colon == NULL || colon == listen || (size_t)(colon - listen) >= sizeof(c->listen_host) ||
        *end || port < 1 || port > 65535)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_LISTEN must be host:port");
    snprintf(c->listen_host, sizeof(c->listen_host), "%.*s", (int)(colon - listen), listen);
    c->listen_port = (int)port;
    const char *admin = env("MEDIAGATE_ADMIN_LISTEN", ud);
    if (admin == NULL || admin[0] == '\0')
        admin = "127.0.0.1:9465";
    if (strcmp(admin, "off") != 0 &&
        (rc = media_admin_parse_listen("MEDIAGATE_ADMIN_LISTEN", admin, c->admin_host,
                                       &c->admin_port, err)) != MEDIA_OK)
        return rc;
    const char *db = env("MEDIAGATE_DATABASE_URL", ud);
    if (db == NULL || db[0] == '\0' || strlen(db) >= sizeof(c->database_url))
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_DATABASE_URL is not set");
    snprintf(c->database_url, sizeof(c->database_url), "%s", db);
    const char *redis = env("MEDIAGATE_REDIS_URL", ud);
    if ((rc = media_queue_url_check(redis, err)) != MEDIA_OK)
        return rc;
    snprintf(c->redis_url, sizeof(c->redis_url), "%s", redis);
    const char *prefix = env("MEDIAGATE_QUEUE_PREFIX", ud);
    snprintf(c->queue_prefix, sizeof(c->queue_prefix), "%s",
             prefix && prefix[0] ? prefix : "mediagate");
    if ((rc = media_cidr_list_parse("MEDIAGATE_TRUSTED_PROXIES",
                                    env("MEDIAGATE_TRUSTED_PROXIES", ud), &c->trusted_proxies,
                                    err)) != MEDIA_OK)
        return rc;
    const char *cors = env("MEDIAGATE_CORS_ORIGINS", ud);
    snprintf(c->cors_origins, sizeof(c->cors_origins), "%s", cors ? cors : "");
    const char *cert = env("MEDIAGATE_TLS_CERT", ud), *key = env("MEDIAGATE_TLS_KEY", ud);
    bool has_cert = cert && cert[0], has_key = key && key[0];
    if (has_cert != has_key)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_TLS_CERT and MEDIAGATE_TLS_KEY go together");
    if ((has_cert && strlen(cert) >= sizeof(c->tls_cert)) ||
        (has_key && strlen(key) >= sizeof(c->tls_key)))
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_TLS_CERT / MEDIAGATE_TLS_KEY path too long");
    snprintf(c->tls_cert, sizeof(c->tls_cert), "%s", has_cert ? cert : "");
    snprintf(c->tls_key, sizeof(c->tls_key), "%s", has_key ? key : "");
    if (has_cert)
        c->cookie_secure = true;
    return MEDIA_OK;
}

const char *presign_config_help(void)
{
    return "  MEDIAGATE_LISTEN                 host:port to serve (default 127.0.0.1:8080)\n"
           "  MEDIAGATE_ADMIN_LISTEN           host:port for /metrics and /health, or off\n"
           "                                   (default 127.0.0.1:9465; never public)\n"
           "  MEDIAGATE_THREADS                event loops (default: the core count)\n"
           "  MEDIAGATE_BACKEND_THREADS        threads doing PostgreSQL/Redis/S3 I/O (4 x loops)\n"
           "  MEDIAGATE_DATABASE_URL           PostgreSQL URL (required)\n"
           "  MEDIAGATE_REDIS_URL              Redis URL (required; queue and rate limits)\n"
           "  MEDIAGATE_BODY_MAX_BYTES         request body limit (default 65536)\n"
           "  MEDIAGATE_HEADER_MAX_BYTES       request header limit, all headers (16384)\n"
           "  MEDIAGATE_RATE_READ_PER_MIN      per-key budget for reads (default 1200)\n"
           "  MEDIAGATE_RATE_WRITE_PER_MIN     per-key budget for writes (default 120)\n"
           "  MEDIAGATE_KEY_CACHE_S            API key cache; revocation delay (default 10)\n"
           "  MEDIAGATE_RECORD_CACHE_S         ready-record cache lifetime (default 30; 0 off)\n"
           "  MEDIAGATE_RECORD_CACHE_ENTRIES   ready records cached in memory (default 32768)\n"
           "  MEDIAGATE_RATE_LEASE_MS          rate-limit tokens leased locally (1000; 0 off)\n"
           "  MEDIAGATE_RATE_ANON_PER_MIN      per client address, requests without a known key\n"
           "                                   (default 120)\n"
           "  MEDIAGATE_TRUSTED_PROXIES        CIDRs whose X-Forwarded-For names the client\n"
           "  MEDIAGATE_BACKEND_QUEUE          requests waiting for a backend thread before 503\n"
           "                                   (default 64 x backend threads)\n"
           "  MEDIAGATE_DRAIN_DELAY_S          on SIGTERM, /ready 503 this long first (5)\n"
           "  MEDIAGATE_SESSION_TTL_S          browser page session lifetime (default 43200)\n"
           "  MEDIAGATE_COOKIE_SECURE          1: Secure cookies (implied with TLS; set it\n"
           "                                   when TLS ends at a load balancer)\n"
           "  MEDIAGATE_PRESIGN_EXPIRES_S      default URL lifetime (default 3600)\n"
           "  MEDIAGATE_PRESIGN_MAX_EXPIRES_S  longest URL lifetime (default 86400)\n"
           "  MEDIAGATE_PRESIGN_WINDOW_S       identical URLs within this window (300)\n"
           "  MEDIAGATE_CORS_ORIGINS           allowed browser origins, comma-separated\n"
           "  MEDIAGATE_TLS_CERT               PEM certificate chain: serve HTTPS (HTTP/2 by "
           "ALPN)\n"
           "  MEDIAGATE_TLS_KEY                PEM private key for MEDIAGATE_TLS_CERT\n"
           "  MEDIAGATE_HSTS_MAX_AGE_S         Strict-Transport-Security over TLS (31536000)\n";
}

/* ---- responses ---- */

void presign_response_init(presign_response *r)
{
    memset(r, 0, sizeof(*r));
    media_buf_init(&r->body, 8 << 20);
    r->content_type = "application/json";
}

void presign_response_cleanup(presign_response *r)
{
    media_buf_cleanup(&r->body);
}

void presign_problem(presign_response *res, int status, const char *slug, const char *title,
                     const char *detail, const char *request_id)
{
    char type[96];
    snprintf(type, sizeof(type), "urn:mediagate:problem:%s", slug);
    res->status = status;
    res->content_type = "application/problem+json";
    media_buf_reset(&res->body);
    int first = 1;
    media_buf_appends(&res->body, "{");
    media_json_kv_str(&res->body, "type", type, &first);
    media_json_kv_str(&res->body, "title", title, &first);
    media_json_kv_int(&res->body, "status", status, &first);
    if (detail)
        media_json_kv_str(&res->body, "detail", detail, &first);
    if (request_id)
        media_json_kv_str(&res->body, "request_id", request_id, &first);
    media_buf_appends(&res->body, "}\n");
}

bool presign_request_id_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

presign_query_state presign_query_get(const char *query, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t n = media_uri_decode(out, cap, p + nl + 1, len - nl - 1);
            /* a decoded NUL would cut the value short: "ready%00x" is not "ready" */
            return n == (size_t)-1 || memchr(out, '\0', n) ? PRESIGN_QUERY_BAD : PRESIGN_QUERY_OK;
        }
        if (len == nl && strncmp(p, name, nl) == 0) {
            if (cap)
                out[0] = '\0';
            return PRESIGN_QUERY_OK;
        }
        p = amp ? amp + 1 : NULL;
    }
    return PRESIGN_QUERY_ABSENT;
}

bool presign_cookie_get(const char *cookie, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = cookie; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t len = strcspn(p, ";");
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t n = media_uri_decode(out, cap, p + nl + 1, len - nl - 1);
            return n != (size_t)-1 && n > 0 && memchr(out, '\0', n) == NULL;
        }
        p += len;
    }
    return false;
}

/* ---- connections ---- */

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

static media_db *db_of(presign_backend *b, media_error *err)
{
    if (b->db == NULL) {
        b->db = media_db_connect(b->cfg->database_url, err);
        if (b->db == NULL)
            media_metric_add(b->st->dep_db, 1);
    }
    return b->db;
}

static media_queue *queue_of(presign_backend *b, media_error *err)
{
    if (b->q == NULL) {
        media_queue_options qo = {b->cfg->redis_url, b->cfg->queue_prefix, 500};
        b->q = media_queue_connect(&qo, err);
        if (b->q == NULL)
            media_metric_add(b->st->dep_redis, 1);
    }
    return b->q;
}

static media_s3_client *s3_of(presign_backend *b, media_error *err)
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

/* ---- auth and rate limits ---- */

/* Where a request's credential comes from. */
typedef enum { CRED_NONE, CRED_KEY, CRED_SESSION } cred_kind;

/* The credential: an "Authorization: Bearer <API key>" header; else, on a read route
 * (read_ok), the page's session cookie (copied into buf). *secret points at it. */
static cred_kind credential(const presign_request *req, bool read_ok, char *buf, size_t cap,
                            const char **secret)
{
    const char *h = req->authorization;
    if (h) {
        if (strncmp(h, "Bearer ", 7) != 0 || h[7] == '\0')
            return CRED_NONE;
        *secret = h + 7;
        return CRED_KEY;
    }
    if (read_ok && presign_cookie_get(req->cookie, PRESIGN_SESSION_COOKIE, buf, cap)) {
        *secret = buf;
        return CRED_SESSION;
    }
    return CRED_NONE;
}

/* A GET under /api/v1/media: the read routes, the only ones the session cookie opens. */
static bool read_route(const presign_request *req)
{
    return strcmp(req->method, "GET") == 0 && strncmp(req->path, "/api/v1/media", 13) == 0 &&
           (req->path[13] == '\0' || req->path[13] == '/');
}

/* The cache key of a credential: its SHA-256 with its kind, so a session token is never
 * taken for an API key (or the other way round) because it was cached as the other. */
static void cred_hash(cred_kind kind, const char *secret, uint8_t hash[MEDIA_SHA256_LEN])
{
    media_digest *d = media_digest_new(MEDIA_DIGEST_SHA256);
    media_digest_update(d,
                        kind == CRED_SESSION ? "session:" : "key:", kind == CRED_SESSION ? 8 : 4);
    media_digest_update(d, secret, strlen(secret));
    media_digest_final(d, hash);
    media_digest_destroy(d);
}

/* The cached identity of a credential: true when cached and (a session) not expired. */
static bool cred_cached(presign_state *st, cred_kind kind, const char *secret,
                        uint8_t hash[MEDIA_SHA256_LEN], media_apikey_info *who)
{
    cred_hash(kind, secret, hash);
    if (!presign_hot_get(st->keys, hash, MEDIA_SHA256_LEN, presign_hot_now_ms(), who))
        return false;
    char id[MEDIA_UUID_STR];
    time_t expires;
    return kind != CRED_SESSION ||
           (media_session_parse(secret, id, &expires) && expires > time(NULL));
}

/* A session token's identity: its key's row, the MAC checked against the key's hash; the
 * session grants the read scope only. MEDIA_ERR_NOT_FOUND when invalid, expired or revoked. */
static media_code session_lookup(media_db *db, const char *token, media_apikey_info *who,
                                 media_error *err)
{
    char id[MEDIA_UUID_STR];
    time_t expires;
    if (!media_session_parse(token, id, &expires))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "bad session");
    uint8_t key_hash[MEDIA_SHA256_LEN];
    media_code rc = media_apikey_lookup_id(db, id, who, key_hash, err);
    if (rc != MEDIA_OK)
        return rc;
    if (!media_session_verify(token, key_hash, time(NULL)) ||
        !(who->scopes & (MEDIA_SCOPE_READ | MEDIA_SCOPE_ADMIN)))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "bad session");
    who->scopes = MEDIA_SCOPE_READ;
    return MEDIA_OK;
}

static int authenticate(presign_backend *b, const presign_request *req, bool read_ok,
                        presign_response *res, media_apikey_info *who)
{
    char buf[MEDIA_SESSION_MAX + 16];
    const char *secret = NULL;
    cred_kind kind = credential(req, read_ok, buf, sizeof(buf), &secret);
    if (kind == CRED_NONE) {
        presign_problem(res, 401, "unauthorized", "Authentication required",
                        "send Authorization: Bearer <API key>", req->request_id);
        return -1;
    }
    uint8_t hash[MEDIA_SHA256_LEN];
    if (cred_cached(b->st, kind, secret, hash, who))
        return 0;
    uint64_t version = presign_hot_version(b->st->keys, hash, sizeof(hash));
    media_error err;
    media_db *db = db_of(b, &err);
    media_metric_add(b->st->key_lookups, 1);
    media_code rc = db == NULL         ? MEDIA_ERR_DB
                    : kind == CRED_KEY ? media_apikey_lookup(db, secret, who, &err)
                                       : session_lookup(db, secret, who, &err);
    if (rc == MEDIA_ERR_NOT_FOUND) {
        uint8_t mark = 1;
        presign_hot_put(b->st->bad_keys, hash, sizeof(hash), &mark,
                        presign_hot_version(b->st->bad_keys, hash, sizeof(hash)),
                        presign_hot_now_ms());
        presign_problem(res, 401, "unauthorized", "Authentication required",
                        kind == CRED_KEY ? "unknown or revoked API key"
                                         : "the session is invalid or has expired",
                        req->request_id);
        return -1;
    }
    if (rc != MEDIA_OK) {
        media_metric_add(b->st->dep_db, 1);
        presign_problem(res, 503, "unavailable", "Catalog unavailable", NULL, req->request_id);
        snprintf(res->retry_after, sizeof(res->retry_after), "1");
        return -1;
    }
    presign_hot_put(b->st->keys, hash, sizeof(hash), who, version, presign_hot_now_ms());
    return 0;
}

static bool scope_ok(const media_apikey_info *who, bool write)
{
    unsigned need = write ? MEDIA_SCOPE_WRITE : MEDIA_SCOPE_READ;
    return (who->scopes & (need | MEDIA_SCOPE_ADMIN)) != 0;
}

static void bucket_name(const media_apikey_info *who, bool write, char *out, size_t cap)
{
    snprintf(out, cap, "%s:%s", who->id, write ? "write" : "read");
}

static void rate_headers(presign_response *res, const presign_rate_view *v)
{
    snprintf(res->ratelimit[0], sizeof(res->ratelimit[0]), "%ld", v->limit);
    snprintf(res->ratelimit[1], sizeof(res->ratelimit[1]), "%ld", v->remaining);
    snprintf(res->ratelimit[2], sizeof(res->ratelimit[2]), "%ld", v->reset_s);
}

/* Spend a token: a leased one when there is one (no I/O), else reserve from Redis. */
static int rate_limit(presign_backend *b, const presign_request *req, presign_response *res,
                      const media_apikey_info *who, bool write)
{
    presign_state *st = b->st;
    long per_min = write ? b->cfg->rate_write_per_min : b->cfg->rate_read_per_min;
    char bucket[96];
    bucket_name(who, write, bucket, sizeof(bucket));
    presign_rate_view view;
    int64_t now = presign_hot_now_ms();
    if (b->cfg->rate_lease_ms > 0 && presign_limiter_take(st->limiter, bucket, now, &view)) {
        rate_headers(res, &view);
        return 0;
    }
    long want = 1;
    if (b->cfg->rate_lease_ms > 0) /* lease at most about a second of refill */
        want = presign_limiter_want(st->limiter, bucket, per_min / 60 > 0 ? per_min / 60 : 1, now);
    media_error err;
    media_queue *q = queue_of(b, &err);
    long granted = 0, remaining = 0, reset = 0, retry = 0;
    media_metric_add(st->reservations, 1);
    if (q == NULL || media_queue_rate_limit(q, bucket, per_min, per_min / 60.0, want, &granted,
                                            &remaining, &reset, &retry, &err) != MEDIA_OK) {
        /* fail open: the service keeps answering without a limiter, and says so */
        media_metric_add(st->limiter_down, 1);
        media_log(MEDIA_LOG_WARN, req->request_id, NULL,
                  "rate limiter unavailable (%s): request allowed", err.message);
        if (q) {
            media_queue_close(b->q);
            b->q = NULL;
        }
        return 0;
    }
    if (granted >= 1 && b->cfg->rate_lease_ms > 0) /* the lease starts even when empty */
        presign_limiter_deposit(st->limiter, bucket, granted - 1, per_min, remaining, reset,
                                presign_hot_now_ms());
    view = (presign_rate_view){per_min, remaining + (granted > 1 ? granted - 1 : 0), reset};
    rate_headers(res, &view);
    if (granted >= 1)
        return 0;
    media_metric_add(st->limited, 1);
    snprintf(res->retry_after, sizeof(res->retry_after), "%ld", retry > 0 ? retry : 1);
    presign_problem(res, 429, "rate-limited", "Too many requests",
                    "this API key's request budget is spent; see Retry-After", req->request_id);
    return -1;
}

/* ---- the hot-record cache ---- */

static size_t record_cache_key(const char *tenant, const char *id, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", tenant, id);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static void record_cache_put(presign_state *st, const media_record *r, uint64_t version)
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

static uint64_t record_cache_version(presign_state *st, const char *tenant, const char *id)
{
    char k[PRESIGN_HOT_KEY_MAX + 1];
    size_t kl = record_cache_key(tenant, id, k, sizeof(k));
    return presign_hot_version(st->records, k, kl);
}

/* The cached ready record; a miss is counted only when count_miss (the fast path's misses
 * are counted again by the backend that takes the request over). */
static bool record_cached(presign_state *st, const char *tenant, const char *id, media_record *out,
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

static void record_cache_invalidate(presign_state *st, const char *tenant, const char *id)
{
    char k[PRESIGN_HOT_KEY_MAX + 1];
    size_t kl = record_cache_key(tenant, id, k, sizeof(k));
    if (kl)
        presign_hot_invalidate(st->records, k, kl);
}

/* ---- handlers ---- */

static void catalog_unavailable(presign_backend *b, const presign_request *req,
                                presign_response *res, const media_error *err)
{
    media_metric_add(b->st->dep_db, 1);
    media_log(MEDIA_LOG_ERROR, req->request_id, NULL, "catalog error: %s", err->message);
    presign_problem(res, 503, "unavailable", "Catalog unavailable", NULL, req->request_id);
    snprintf(res->retry_after, sizeof(res->retry_after), "1");
    if (err->code == MEDIA_ERR_DB && b->db) { /* reconnect next time */
        media_db_close(b->db);
        b->db = NULL;
    }
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
static void record_body(presign_backend *b, const media_record *r, media_buf *out)
{
    media_record_json(r, out);
    if (r->status != MEDIA_STATUS_READY)
        return;
    presign_url u;
    media_error err;
    if (presign_policy_url(&b->cfg->policy, b->signer, &b->s3cfg->public_endpoint,
                           b->s3cfg->addressing, r, 0, PRESIGN_DISPOSITION_DEFAULT, time(NULL), &u,
                           &err) != MEDIA_OK)
        return;
    media_metric_add(b->st->presigns, 1);
    char at[32];
    time_text(u.expires_at, at, sizeof(at));
    out->len--; /* reopen the object */
    int first = 0;
    media_json_kv_str(out, "url", u.url, &first);
    media_json_kv_str(out, "url_expires_at", at, &first);
    media_buf_appends(out, "}");
}

int presign_create_body_parse(const char *body, size_t len, presign_create_body *out,
                              const char **slug, char *detail, size_t cap)
{
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        *slug = "malformed-json";
        snprintf(detail, cap, "%s", jerr.text);
        return 400;
    }
    const char *bad = NULL;
    const char *key;
    json_t *val;
    if (!json_is_object(doc))
        bad = "the body must be a JSON object";
    else
        json_object_foreach(doc, key,
                            val) if (strcmp(key, "source_url") != 0 && strcmp(key, "metadata") != 0)
            bad = "unknown field (allowed: source_url, metadata)";
    json_t *url = json_object_get(doc, "source_url");
    json_t *meta = json_object_get(doc, "metadata");
    if (bad == NULL && !json_is_string(url))
        bad = "source_url is required and must be a string";
    if (bad == NULL && meta && !json_is_object(meta))
        bad = "metadata must be an object";
    media_error err;
    int status = 0;
    if (bad) {
        *slug = "invalid-request";
        snprintf(detail, cap, "%s", bad);
        status = 422;
    } else if (media_source_url_check(json_string_value(url), &err) != MEDIA_OK) {
        *slug = "invalid-source-url";
        snprintf(detail, cap, "%s", err.message);
        status = 422;
    } else {
        out->source_url = media_strdup(json_string_value(url));
        out->metadata = meta ? json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    }
    json_decref(doc);
    return status;
}

void presign_create_body_cleanup(presign_create_body *b)
{
    free(b->source_url);
    free(b->metadata); /* from jansson's json_dumps: its default allocator is malloc */
    memset(b, 0, sizeof(*b));
}

static void handle_create(presign_backend *b, const presign_request *req, presign_response *res,
                          const media_apikey_info *who)
{
    presign_create_body body;
    const char *slug;
    char detail[256];
    int status =
        presign_create_body_parse(req->body, req->body_len, &body, &slug, detail, sizeof(detail));
    if (status) {
        presign_problem(res, status, slug,
                        status == 400                             ? "Request body is not valid JSON"
                        : strcmp(slug, "invalid-source-url") == 0 ? "Invalid source_url"
                                                                  : "Invalid request",
                        detail, req->request_id);
        return;
    }
    media_error err;
    const char *source = body.source_url;
    const char *meta_text = body.metadata;
    media_db *db = db_of(b, &err);
    media_queue *q = queue_of(b, &err);
    media_create_request cr = {
        who->tenant,
        source,
        req->idempotency_key && req->idempotency_key[0] ? req->idempotency_key : NULL,
        meta_text,
        b->s3cfg->bucket,
        req->request_id};
    media_record rec;
    memset(&rec, 0, sizeof(rec));
    bool created = false, queued = false;
    media_error qerr;
    media_code rc =
        db ? media_enqueue(db, q, &cr, &rec, &created, &queued, &qerr, &err) : MEDIA_ERR_DB;
    presign_create_body_cleanup(&body);
    if (rc == MEDIA_ERR_CONFLICT && err.cls == MEDIA_CLASS_PERMANENT) {
        presign_problem(res, 409, "idempotency-conflict", "Idempotency-Key reused",
                        "this Idempotency-Key was used for a different request", req->request_id);
    } else if (rc == MEDIA_ERR_INVALID) {
        presign_problem(res, 422, "invalid-request", "Invalid request", err.message,
                        req->request_id);
    } else if (rc != MEDIA_OK) {
        catalog_unavailable(b, req, res, &err);
    } else {
        if (created && !queued) {
            media_log(MEDIA_LOG_WARN, req->request_id, NULL,
                      "job accepted, not yet queued (%s); the outbox sweeper will enqueue it",
                      qerr.message);
            if (b->q) {
                media_queue_close(b->q);
                b->q = NULL;
            }
        }
        res->status = 202;
        snprintf(res->location, sizeof(res->location), "/api/v1/media/%s", rec.id);
        record_body(b, &rec, &res->body);
    }
    media_record_cleanup(&rec);
}

static void handle_get(presign_backend *b, const presign_request *req, presign_response *res,
                       const media_apikey_info *who, const char *id)
{
    media_error err;
    media_record rec;
    memset(&rec, 0, sizeof(rec));
    uint64_t version = record_cache_version(b->st, who->tenant, id);
    media_db *db = db_of(b, &err);
    media_code rc = db ? media_catalog_get(db, who->tenant, id, &rec, &err) : MEDIA_ERR_DB;
    if (rc == MEDIA_ERR_NOT_FOUND || (rc == MEDIA_OK && rec.status == MEDIA_STATUS_DELETED))
        not_found(req, res);
    else if (rc != MEDIA_OK)
        catalog_unavailable(b, req, res, &err);
    else {
        record_cache_put(b->st, &rec, version);
        res->status = 200;
        record_body(b, &rec, &res->body);
    }
    media_record_cleanup(&rec);
}

typedef struct {
    long expires; /* 0: the default */
    presign_disposition disp;
} url_args;

static int url_args_parse(const presign_request *req, presign_response *res, url_args *a)
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
static void url_answer(presign_state *st, media_sigv4_signer *signer, const presign_request *req,
                       presign_response *res, const media_record *rec, const url_args *a,
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
    char mk[PRESIGN_HOT_KEY_MAX + 1];
    int mkl =
        snprintf(mk, sizeof(mk), "%s/%s|%ld|%d", rec->tenant, rec->id, a->expires, (int)a->disp);
    bool memo_ok = mkl > 0 && (size_t)mkl < sizeof(mk);
    memo_url m;
    if (memo_ok && presign_hot_get(st->urls, mk, (size_t)mkl, presign_hot_now_ms(), &m) &&
        m.signed_at == presign_policy_window_start(&st->cfg->policy, now)) {
        /* signed earlier in this window: signing again would give these same bytes */
        snprintf(u.url, sizeof(u.url), "%s", m.url);
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
        presign_hot_put(st->urls, mk, (size_t)mkl, &m,
                        presign_hot_version(st->urls, mk, (size_t)mkl), presign_hot_now_ms());
    }
    media_metric_add(st->presigns, 1);
    if (redirect) {
        res->status = 302;
        snprintf(res->location, sizeof(res->location), "%s", u.url);
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

static void handle_url(presign_backend *b, const presign_request *req, presign_response *res,
                       const media_apikey_info *who, const char *id, bool redirect)
{
    url_args a;
    if (url_args_parse(req, res, &a) != 0)
        return;
    media_record rec;
    if (record_cached(b->st, who->tenant, id, &rec, true)) {
        url_answer(b->st, b->signer, req, res, &rec, &a, redirect);
        return;
    }
    media_error err;
    memset(&rec, 0, sizeof(rec));
    uint64_t version = record_cache_version(b->st, who->tenant, id);
    media_db *db = db_of(b, &err);
    media_code rc = db ? media_catalog_get(db, who->tenant, id, &rec, &err) : MEDIA_ERR_DB;
    if (rc == MEDIA_ERR_NOT_FOUND || (rc == MEDIA_OK && rec.status == MEDIA_STATUS_DELETED)) {
        not_found(req, res);
    } else if (rc != MEDIA_OK) {
        catalog_unavailable(b, req, res, &err);
    } else {
        record_cache_put(b->st, &rec, version);
        url_answer(b->st, b->signer, req, res, &rec, &a, redirect);
    }
    media_record_cleanup(&rec);
}

static void handle_list(presign_backend *b, const presign_request *req, presign_response *res,
                        const media_apikey_info *who)
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
    media_db *db = db_of(b, &err);
    media_code rc = db == NULL ? MEDIA_ERR_DB
                    : keyset
                        ? media_catalog_list_after(db, who->tenant, stp, after, (int)size, &p, &err)
                        : media_catalog_list(db, who->tenant, stp, page, (int)size, &p, &err);
    if (rc == MEDIA_ERR_INVALID) {
        presign_problem(res, 400, "invalid-pagination", "Invalid query", err.message,
                        req->request_id);
        return;
    }
    if (rc != MEDIA_OK) {
        catalog_unavailable(b, req, res, &err);
        return;
    }
    media_buf *o = &res->body;
    media_buf_appends(o, "{\"items\":[");
    for (size_t i = 0; i < p.count; i++) {
        if (i)
            media_buf_appends(o, ",");
        record_body(b, &p.items[i], o);
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

static void handle_delete(presign_backend *b, const presign_request *req, presign_response *res,
                          const media_apikey_info *who, const char *id)
{
    media_error err;
    media_record rec;
    memset(&rec, 0, sizeof(rec));
    media_db *db = db_of(b, &err);
    media_code rc = db ? media_catalog_soft_delete(db, who->tenant, id, &rec, &err) : MEDIA_ERR_DB;
    if (rc == MEDIA_ERR_NOT_FOUND) {
        not_found(req, res);
    } else if (rc != MEDIA_OK) {
        catalog_unavailable(b, req, res, &err);
    } else {
        record_cache_invalidate(b->st, who->tenant, id);
        /* the row is deleted (so no URL is issued any more); the object goes now, and gc
         * retries objects whose delete failed here */
        media_s3_client *s3 = s3_of(b, &err);
        if (s3 == NULL || media_s3_delete(s3, rec.object_key, &err) != MEDIA_OK) {
            media_metric_add(b->st->dep_s3, 1);
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

static void handle_ready(presign_backend *b, const presign_request *req, presign_response *res)
{
    (void)req;
    ready_cache *rc = &b->st->ready;
    pthread_mutex_lock(&rc->mu);
    bool fresh = rc->at_ms && presign_hot_now_ms() - rc->at_ms < READY_FRESH_MS;
    if (fresh) { /* another request checked meanwhile */
        ready_fill(rc, res);
        pthread_mutex_unlock(&rc->mu);
        return;
    }
    rc->running = true;
    pthread_mutex_unlock(&rc->mu);
    media_metric_add(b->st->ready_checks, 1);
    media_error err;
    media_db *db = db_of(b, &err);
    media_db_result *r = NULL;
    bool pg = db && media_db_query(db, "SELECT 1", 0, NULL, &r, &err) == MEDIA_OK;
    media_db_result_free(r);
    if (!pg && b->db) {
        media_db_close(b->db);
        b->db = NULL;
    }
    media_queue *q = queue_of(b, &err);
    bool redis = q && media_queue_ping(q, &err) == MEDIA_OK;
    if (!redis && b->q) {
        media_queue_close(b->q);
        b->q = NULL;
    }
    media_s3_client *s3 = s3_of(b, &err);
    bool s3ok = s3 && media_s3_bucket_check(s3, &err) == MEDIA_OK;
    bool ok = pg && redis && s3ok;
    pthread_mutex_lock(&rc->mu);
    rc->status = ok ? 200 : 503;
    snprintf(rc->body, sizeof(rc->body),
             "{\"status\":\"%s\",\"components\":{\"postgres\":\"%s\",\"redis\":\"%s\","
             "\"s3\":\"%s\"}}\n",
             ok ? "ready" : "not_ready", pg ? "ok" : "down", redis ? "ok" : "down",
             s3ok ? "ok" : "down");
    rc->at_ms = presign_hot_now_ms();
    rc->running = false;
    ready_fill(rc, res);
    pthread_mutex_unlock(&rc->mu);
}

int presign_route_parse(const presign_request *req, presign_response *res, presign_route *rt)
{
    const char *m = req->method, *path = req->path;
    memset(rt, 0, sizeof(*rt));
    static const char prefix[] = "/api/v1/media";
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 ||
        (path[sizeof(prefix) - 1] != '\0' && path[sizeof(prefix) - 1] != '/'))
        goto no_route;
    const char *rest = path + sizeof(prefix) - 1; /* "", "/<id>", "/<id>/url", ... */
    if (rest[0] == '/') {
        const char *slash = strchr(rest + 1, '/');
        size_t n = slash ? (size_t)(slash - rest - 1) : strlen(rest + 1);
        if (n == 0 || n >= sizeof(rt->id) || (slash && strlen(slash + 1) >= sizeof(rt->sub)))
            goto no_route;
        memcpy(rt->id, rest + 1, n);
        if (slash)
            snprintf(rt->sub, sizeof(rt->sub), "%s", slash + 1);
    }
    const char *allow;
    if (rt->id[0] == '\0') {
        snprintf(res->route, sizeof(res->route), "media");
        rt->write = strcmp(m, "POST") == 0;
        allow = "GET, POST";
    } else if (rt->sub[0] == '\0') {
        snprintf(res->route, sizeof(res->route), "media_id");
        rt->write = strcmp(m, "DELETE") == 0;
        allow = "GET, DELETE";
    } else if (strcmp(rt->sub, "url") == 0 || strcmp(rt->sub, "content") == 0) {
        snprintf(res->route, sizeof(res->route), "media_%s", rt->sub);
        rt->write = false;
        allow = "GET";
    } else {
        goto no_route;
    }
    if (!rt->write && strcmp(m, "GET") != 0) {
        snprintf(res->allow, sizeof(res->allow), "%s", allow);
        presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL,
                        req->request_id);
        return -1;
    }
    return 0;
no_route:
    snprintf(res->route, sizeof(res->route), "unknown");
    presign_problem(res, 404, "no-route", "No such route", NULL, req->request_id);
    return -1;
}

bool presign_gate(presign_state *st, const presign_request *req, const uint8_t addr_key[16],
                  presign_response *res)
{
    char kbuf[MEDIA_SESSION_MAX + 16];
    const char *key = NULL;
    cred_kind kind = credential(req, read_route(req), kbuf, sizeof(kbuf), &key);
    uint8_t hash[MEDIA_SHA256_LEN];
    media_apikey_info who;
    if (kind != CRED_NONE && cred_cached(st, kind, key, hash, &who))
        return false; /* a key we know: its own budget applies (rate_limit) */
    long retry = 1;
    if (!presign_addr_limit_take(st->anon, addr_key, presign_hot_now_ms(), &retry)) {
        media_metric_add(st->anon_limited, 1);
        snprintf(res->route, sizeof(res->route), "gate");
        snprintf(res->retry_after, sizeof(res->retry_after), "%ld", retry);
        presign_problem(res, 429, "rate-limited", "Too many requests",
                        "too many requests without a valid API key from this address; see "
                        "Retry-After",
                        req->request_id);
        return true;
    }
    uint8_t mark;
    if (kind != CRED_NONE &&
        presign_hot_get(st->bad_keys, hash, sizeof(hash), presign_hot_now_ms(), &mark)) {
        media_metric_add(st->bad_key_refused, 1);
        snprintf(res->route, sizeof(res->route), "gate");
        presign_problem(res, 401, "unauthorized", "Authentication required",
                        "unknown or revoked API key", req->request_id);
        return true;
    }
    return false;
}

bool presign_handle_cached(presign_state *st, media_sigv4_signer *signer,
                           const presign_request *req, presign_response *res)
{
    presign_route rt;
    url_args a;
    media_apikey_info who;
    media_record rec;
    uint8_t hash[MEDIA_SHA256_LEN];
    presign_rate_view view;
    char kbuf[MEDIA_SESSION_MAX + 16];
    /* anything unusual (errors included) takes the backend path, which answers it */
    if (strcmp(req->method, "GET") != 0 || st->cfg->rate_lease_ms <= 0 ||
        strncmp(req->path, "/api/v1/media/", 14) != 0)
        return false;
    presign_response probe;
    presign_response_init(&probe);
    bool ok = presign_route_parse(req, &probe, &rt) == 0 && rt.sub[0] != '\0' &&
              url_args_parse(req, &probe, &a) == 0;
    presign_response_cleanup(&probe);
    const char *key = NULL;
    cred_kind kind = ok ? credential(req, true, kbuf, sizeof(kbuf), &key) : CRED_NONE;
    if (kind == CRED_NONE || !cred_cached(st, kind, key, hash, &who) || !scope_ok(&who, false) ||
        !record_cached(st, who.tenant, rt.id, &rec, false) || rec.status != MEDIA_STATUS_READY)
        return false;
    char bucket[96];
    bucket_name(&who, false, bucket, sizeof(bucket));
    if (!presign_limiter_take(st->limiter, bucket, presign_hot_now_ms(), &view))
        return false;
    snprintf(res->route, sizeof(res->route), "media_%s", rt.sub);
    rate_headers(res, &view);
    url_answer(st, signer, req, res, &rec, &a, strcmp(rt.sub, "content") == 0);
    return true;
}

/* POST /app/session (Authorization: Bearer <API key>): the page's session cookie for that
 * key; DELETE: the cookie cleared. The page's script never holds a credential after this. */
static void handle_session(presign_backend *b, const presign_request *req, presign_response *res)
{
    snprintf(res->route, sizeof(res->route), "session");
    const char *secure = b->cfg->cookie_secure ? "; Secure" : "";
    if (strcmp(req->method, "DELETE") == 0) {
        snprintf(res->set_cookie, sizeof(res->set_cookie),
                 PRESIGN_SESSION_COOKIE "=; Path=/api/v1/media; Max-Age=0; HttpOnly; "
                                        "SameSite=Strict%s",
                 secure);
        res->status = 204;
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        snprintf(res->allow, sizeof(res->allow), "POST, DELETE");
        presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL,
                        req->request_id);
        return;
    }
    media_apikey_info who;
    if (authenticate(b, req, false, res, &who) != 0) /* an API key, never a session */
        return;
    if (!scope_ok(&who, false)) {
        presign_problem(res, 403, "forbidden", "Insufficient scope",
                        "the page needs a key with the read scope", req->request_id);
        return;
    }
    uint8_t key_hash[MEDIA_SHA256_LEN];
    media_apikey_hash(req->authorization + 7, key_hash); /* what the catalog stores */
    char token[MEDIA_SESSION_MAX];
    media_session_make(who.id, key_hash, time(NULL) + b->cfg->session_ttl_s, token);
    snprintf(res->set_cookie, sizeof(res->set_cookie),
             PRESIGN_SESSION_COOKIE "=%s; Path=/api/v1/media; Max-Age=%ld; HttpOnly; "
                                    "SameSite=Strict%s",
             token, b->cfg->session_ttl_s, secure);
    res->status = 204;
}

void presign_handle(presign_backend *b, const presign_request *req, presign_response *res)
{
    if (strcmp(req->path, "/app/session") == 0) {
        handle_session(b, req, res);
        return;
    }
    if (strcmp(req->path, "/ready") == 0) {
        snprintf(res->route, sizeof(res->route), "ready");
        handle_ready(b, req, res);
        return;
    }
    presign_route rt;
    if (presign_route_parse(req, res, &rt) != 0)
        return;
    media_apikey_info who;
    if (authenticate(b, req, !rt.write && strcmp(req->method, "GET") == 0, res, &who) != 0)
        return;
    if (!scope_ok(&who, rt.write)) {
        presign_problem(res, 403, "forbidden", "Insufficient scope",
                        rt.write ? "this API key lacks the write scope"
                                 : "this API key lacks the read scope",
                        req->request_id);
        return;
    }
    if (rate_limit(b, req, res, &who, rt.write) != 0)
        return;
    if (rt.id[0] == '\0')
        rt.write ? handle_create(b, req, res, &who) : handle_list(b, req, res, &who);
    else if (rt.sub[0] == '\0')
        rt.write ? handle_delete(b, req, res, &who, rt.id) : handle_get(b, req, res, &who, rt.id);
    else
        handle_url(b, req, res, &who, rt.id, strcmp(rt.sub, "content") == 0);
}
