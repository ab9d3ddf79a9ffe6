/*
 * options.h - the ingest pipeline's settings, from the environment, with sane defaults.
 */
#ifndef INGEST_OPTIONS_H
#define INGEST_OPTIONS_H

#include "media/config.h"
#include "media/error.h"
#include "media/scrub.h"
#include "proxy.h"
#include "media/sniff.h"
#include "media/ssrf.h"

#include <signal.h>
#include <stdint.h>

typedef struct ingest_options {
    media_cidr_list allow;      /* MEDIAGATE_ALLOW_PRIVATE_SOURCES (empty) */
    media_type_set types;       /* MEDIAGATE_ALLOWED_TYPES (the image types) */
    int64_t max_bytes;          /* MEDIAGATE_MAX_BYTES (100 MiB) */
    size_t part_size;           /* MEDIAGATE_PART_SIZE (8 MiB; >= 5 MiB) */
    int64_t single_put_max;     /* MEDIAGATE_SINGLE_PUT_MAX (5 GiB: S3's single-PUT limit) */
    size_t pipe_bytes;          /* buffer between download and a single PUT (1 MiB) */
    long connect_timeout_ms;    /* MEDIAGATE_FETCH_CONNECT_TIMEOUT_MS (10000) */
    long low_speed_bytes;       /* MEDIAGATE_FETCH_LOW_SPEED_BYTES (1024 B/s ...) */
    long low_speed_time_s;      /* MEDIAGATE_FETCH_LOW_SPEED_TIME_S (... for 30 s) */
    long deadline_s;            /* MEDIAGATE_FETCH_DEADLINE_S (600) */
    long max_redirects;         /* MEDIAGATE_FETCH_MAX_REDIRECTS (5) */
    long max_header_bytes;      /* MEDIAGATE_FETCH_MAX_HEADER_BYTES (32768) */
    char cache_control[96];     /* stored with every object */
    media_metadata metadata;    /* MEDIAGATE_METADATA (strip); a tenant's own overrides it */
    char scan_clamd[256];       /* MEDIAGATE_SCAN_CLAMD: host:port or unix:/path; "" off */
    long scan_timeout_ms;       /* MEDIAGATE_SCAN_TIMEOUT_MS (30000) */
    ingest_proxy_pool *proxies; /* MEDIAGATE_FETCH_PROXIES; NULL when none (owned) */
} ingest_options;

/* Load from the environment; MEDIA_ERR_CONFIG naming the variable. Free with _cleanup. */
media_code ingest_options_load(ingest_options *o, media_env_fn env, void *ud, media_error *err);
void ingest_options_cleanup(ingest_options *o);
/* The variables ingest_options_load reads, for --help. */
const char *ingest_options_help(void);

#endif
