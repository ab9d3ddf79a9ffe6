/*
 * config.c - presign_config from the environment (see config.h).
 */
#include "config.h"
#include "media/otlp.h"
#include "media/admin_http.h"
#include "media/log.h"
#include "media/s3_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* MEDIAGATE_LISTEN (host:port) and MEDIAGATE_ADMIN_LISTEN (host:port or off). */
static media_code load_listeners(presign_config *c, media_env_fn env, void *ud, media_error *err)
{
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
    if (strcmp(admin, "off") == 0)
        return MEDIA_OK; /* admin_port 0: no admin listener */
    return media_admin_parse_listen("MEDIAGATE_ADMIN_LISTEN", admin, c->admin_host, &c->admin_port,
                                    err);
}

/* MEDIAGATE_TLS_CERT and MEDIAGATE_TLS_KEY: both or neither; TLS implies Secure cookies. */
static media_code load_tls(presign_config *c, media_env_fn env, void *ud, media_error *err)
{
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

media_code presign_config_load(presign_config *c, const media_store_config *store, media_env_fn env,
                               void *ud, media_error *err)
{
    memset(c, 0, sizeof(*c));
    media_code rc;
#define LONG(name, def, min, max, dst) MEDIA_CONFIG_LONG(env, ud, name, def, min, max, dst, err)
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    LONG("MEDIAGATE_THREADS", cores > 0 ? cores : 1, 1, 256, c->threads);
    /* a connection per backend thread: MEDIAGATE_DB_CONNECTIONS sizes them, or bounds them */
    long pool = store->db_connections;
    LONG("MEDIAGATE_BACKEND_THREADS", pool > 0 ? pool : 4L * c->threads, 1, 1024,
         c->backend_threads);
    if (pool > 0 && c->backend_threads > pool)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_BACKEND_THREADS (%ld) exceeds MEDIAGATE_DB_CONNECTIONS "
                               "(%ld): each backend thread holds a PostgreSQL connection",
                               (long)c->backend_threads, pool);
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
    LONG("MEDIAGATE_MAX_BYTES", 100L << 20, 1, 5L << 40, c->max_bytes);
    LONG("MEDIAGATE_UPLOAD_EXPIRES_S", 3600, 1, 604800, c->upload_expires_s);
    LONG("MEDIAGATE_UPLOAD_SINGLE_MAX", 5L << 30, 1, 5L << 30, c->upload_single_max);
    LONG("MEDIAGATE_UPLOAD_PART_SIZE", 8L << 20, 5L << 20, 5L << 30, c->upload_part_size);
#undef LONG
    if ((rc = load_listeners(c, env, ud, err)) != MEDIA_OK)
        return rc;
    if ((rc = media_store_config_need(store, true, true, err)) != MEDIA_OK)
        return rc;
    c->store = *store;
    if ((rc = media_cidr_list_parse("MEDIAGATE_TRUSTED_PROXIES",
                                    env("MEDIAGATE_TRUSTED_PROXIES", ud), &c->trusted_proxies,
                                    err)) != MEDIA_OK)
        return rc;
    if ((rc = media_cidr_list_parse("MEDIAGATE_ALLOW_PRIVATE_SOURCES",
                                    env("MEDIAGATE_ALLOW_PRIVATE_SOURCES", ud), &c->allow_private,
                                    err)) != MEDIA_OK)
        return rc;
    const char *types = env("MEDIAGATE_ALLOWED_TYPES", ud);
    if (types && types[0]) {
        if ((rc = media_type_set_parse(types, &c->types, err)) != MEDIA_OK)
            return rc;
    } else {
        media_type_set_default(&c->types);
    }
    if ((rc = media_otlp_endpoint_load(env, ud, c->otlp_endpoint, sizeof(c->otlp_endpoint), err)) !=
        MEDIA_OK)
        return rc;
    const char *cors = env("MEDIAGATE_CORS_ORIGINS", ud);
    snprintf(c->cors_origins, sizeof(c->cors_origins), "%s", cors ? cors : "");
    if ((rc = load_tls(c, env, ud, err)) != MEDIA_OK)
        return rc;
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
           "  MEDIAGATE_DB_CONNECTIONS         PostgreSQL connections per process (default: one\n"
           "                                   per backend thread; sets their default)\n"
           "  MEDIAGATE_REDIS_URL              Redis URL (required; queue and rate limits)\n"
           "  MEDIAGATE_REDIS_SENTINELS        host:port,... of Redis Sentinels (HA; then\n"
           "                                   MEDIAGATE_REDIS_URL gives only password and db)\n"
           "  MEDIAGATE_REDIS_MASTER           the sentinels' master name (default mediagate)\n"
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
           "  MEDIAGATE_ALLOW_PRIVATE_SOURCES  CIDRs a source URL's literal address may be in\n"
           "                                   (else 422 at submission; the workers' list)\n"
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
           "  MEDIAGATE_OTLP_ENDPOINT          export spans as OTLP/HTTP JSON to this URL\n"
           "  MEDIAGATE_MAX_BYTES              largest direct upload declared (104857600)\n"
           "  MEDIAGATE_ALLOWED_TYPES          content types an upload may declare\n"
           "  MEDIAGATE_UPLOAD_EXPIRES_S       upload URLs and unfinished uploads lapse (3600)\n"
           "  MEDIAGATE_UPLOAD_SINGLE_MAX      larger uploads go multipart (default 5 GiB)\n"
           "  MEDIAGATE_UPLOAD_PART_SIZE       multipart part size (default 8 MiB)\n"
           "  MEDIAGATE_TLS_CERT               PEM certificate chain: serve HTTPS (HTTP/2 by "
           "ALPN)\n"
           "  MEDIAGATE_TLS_KEY                PEM private key for MEDIAGATE_TLS_CERT\n"
           "  MEDIAGATE_HSTS_MAX_AGE_S         Strict-Transport-Security over TLS (31536000)\n";
}
