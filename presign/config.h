/*
 * config.h - the front end's settings (MEDIAGATE_* variables), loaded once at start.
 */
#ifndef PRESIGN_CONFIG_H
#define PRESIGN_CONFIG_H

#include "media/cidr.h"
#include "media/config.h"
#include "media/sniff.h"
#include "policy.h"

#include <stdbool.h>

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
    media_cidr_list allow_private;   /* MEDIAGATE_ALLOW_PRIVATE_SOURCES: literal source
                                        addresses accepted at submission (the worker's list) */
    long drain_delay_s;              /* MEDIAGATE_DRAIN_DELAY_S (5): /ready 503 before closing */
    long session_ttl_s;              /* MEDIAGATE_SESSION_TTL_S (43200): browser page sessions */
    bool cookie_secure;              /* MEDIAGATE_COOKIE_SECURE (on with TLS): Secure cookies */
    char cors_origins[1024];         /* MEDIAGATE_CORS_ORIGINS: comma list of allowed origins */
    char tls_cert[512];              /* MEDIAGATE_TLS_CERT: PEM chain; with tls_key, HTTPS + h2 */
    char tls_key[512];               /* MEDIAGATE_TLS_KEY: PEM private key */
    char otlp_endpoint[512];         /* MEDIAGATE_OTLP_ENDPOINT: spans as OTLP/HTTP JSON; "" off */
    /* direct uploads (presign/uploads.h) */
    long max_bytes;           /* MEDIAGATE_MAX_BYTES (100 MiB): the largest size declared */
    media_type_set types;     /* MEDIAGATE_ALLOWED_TYPES: declared content types allowed */
    long upload_expires_s;    /* MEDIAGATE_UPLOAD_EXPIRES_S (3600): URLs and the upload lapse */
    long upload_single_max;   /* MEDIAGATE_UPLOAD_SINGLE_MAX (5 GiB): larger -> multipart */
    long upload_part_size;    /* MEDIAGATE_UPLOAD_PART_SIZE (8 MiB, >= 5 MiB) */
    long hsts_max_age_s;      /* MEDIAGATE_HSTS_MAX_AGE_S (31536000; 0 off): over TLS only */
    media_store_config store; /* the catalog and the queue (needs both) */
} presign_config;

/* Load the front end's settings; store (copied) says where the catalog and queue are.
 * MEDIA_ERR_CONFIG naming the variable. */
media_code presign_config_load(presign_config *c, const media_store_config *store, media_env_fn env,
                               void *ud, media_error *err);
const char *presign_config_help(void);

#endif
