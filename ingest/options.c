/*
 * options.c - ingest settings from the environment.
 */
#include "options.h"

#include <stdio.h>
#include <string.h>

media_code ingest_options_load(ingest_options *o, media_env_fn env, void *ud, media_error *err)
{
    memset(o, 0, sizeof(*o));
    media_code rc;
#define LONG(name, def, min, max, dst) MEDIA_CONFIG_LONG(env, ud, name, def, min, max, dst, err)

    rc = media_cidr_list_parse("MEDIAGATE_ALLOW_PRIVATE_SOURCES",
                               env("MEDIAGATE_ALLOW_PRIVATE_SOURCES", ud), &o->allow, err);
    if (rc != MEDIA_OK)
        return rc;
    const char *types = env("MEDIAGATE_ALLOWED_TYPES", ud);
    if (types && types[0]) {
        rc = media_type_set_parse(types, &o->types, err);
        if (rc != MEDIA_OK)
            return rc;
    } else {
        media_type_set_default(&o->types);
    }
    LONG("MEDIAGATE_MAX_BYTES", 100L << 20, 1, 5L << 40, o->max_bytes);
    LONG("MEDIAGATE_PART_SIZE", 8L << 20, 5L << 20, 512L << 20, o->part_size);
    /* a declared length goes up in one streaming PUT (S3 allows 5 GiB): the source cannot be
     * rewound, so parts would buy no retry granularity, only round trips and buffers */
    LONG("MEDIAGATE_SINGLE_PUT_MAX", 5L << 30, 0, 5L << 30, o->single_put_max);
    o->pipe_bytes = 1024 * 1024;
    LONG("MEDIAGATE_FETCH_CONNECT_TIMEOUT_MS", 10000, 100, 600000, o->connect_timeout_ms);
    LONG("MEDIAGATE_FETCH_LOW_SPEED_BYTES", 1024, 1, 1L << 30, o->low_speed_bytes);
    LONG("MEDIAGATE_FETCH_LOW_SPEED_TIME_S", 30, 1, 3600, o->low_speed_time_s);
    LONG("MEDIAGATE_FETCH_DEADLINE_S", 600, 1, 86400, o->deadline_s);
    LONG("MEDIAGATE_FETCH_MAX_REDIRECTS", 5, 0, 20, o->max_redirects);
    LONG("MEDIAGATE_FETCH_MAX_HEADER_BYTES", 32768, 1024, 1L << 20, o->max_header_bytes);
    long threshold, cooldown;
    rc = media_config_long(env, ud, "MEDIAGATE_FETCH_PROXY_FAILURES", 3, 1, 1000, &threshold, err);
    if (rc == MEDIA_OK)
        rc = media_config_long(env, ud, "MEDIAGATE_FETCH_PROXY_COOLDOWN_S", 60, 1, 86400, &cooldown,
                               err);
    if (rc == MEDIA_OK)
        rc = ingest_proxy_pool_new(env("MEDIAGATE_FETCH_PROXIES", ud), (int)threshold, cooldown,
                                   &o->proxies, err);
    if (rc != MEDIA_OK)
        return rc;
    snprintf(o->cache_control, sizeof(o->cache_control), "public, max-age=31536000, immutable");
    LONG("MEDIAGATE_SCAN_TIMEOUT_MS", 30000, 100, 600000, o->scan_timeout_ms);
    const char *clamd = env("MEDIAGATE_SCAN_CLAMD", ud);
    if (clamd && strlen(clamd) >= sizeof(o->scan_clamd))
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_SCAN_CLAMD is too long");
    snprintf(o->scan_clamd, sizeof(o->scan_clamd), "%s", clamd ? clamd : "");
    const char *meta = env("MEDIAGATE_METADATA", ud);
    o->metadata = MEDIA_METADATA_STRIP;
    if (meta && meta[0] && !media_metadata_parse(meta, &o->metadata))
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_METADATA is strip, keep-copyright or keep");
#undef LONG
    return MEDIA_OK;
}

void ingest_options_cleanup(ingest_options *o)
{
    ingest_proxy_pool_destroy(o->proxies);
    o->proxies = NULL;
}

const char *ingest_options_help(void)
{
    return "  MEDIAGATE_MAX_BYTES                 largest source accepted (default 104857600)\n"
           "  MEDIAGATE_ALLOWED_TYPES             types stored (default: the image types)\n"
           "  MEDIAGATE_ALLOW_PRIVATE_SOURCES     CIDRs exempt from the SSRF guard (default none)\n"
           "  MEDIAGATE_METADATA                  image metadata kept: strip, keep-copyright or\n"
           "                                      keep (default strip; a tenant may override)\n"
           "  MEDIAGATE_SCAN_CLAMD                clamd (host:port or unix:/path) every stored\n"
           "                                      object is scanned by before it is ready (off)\n"
           "  MEDIAGATE_SCAN_TIMEOUT_MS           the scanner's connect/send/verdict limit "
           "(30000)\n"
           "  MEDIAGATE_PART_SIZE                 multipart part size, >= 5 MiB (default 8 MiB)\n"
           "  MEDIAGATE_SINGLE_PUT_MAX            largest declared length sent in one PUT\n"
           "                                      (default 5 GiB, S3's limit)\n"
           "  MEDIAGATE_FETCH_CONNECT_TIMEOUT_MS  source connect timeout (default 10000)\n"
           "  MEDIAGATE_FETCH_LOW_SPEED_BYTES     abort a source slower than this (1024 B/s)\n"
           "  MEDIAGATE_FETCH_LOW_SPEED_TIME_S    ... for this long (default 30)\n"
           "  MEDIAGATE_FETCH_DEADLINE_S          whole-download deadline (default 600)\n"
           "  MEDIAGATE_FETCH_MAX_REDIRECTS       redirects followed (default 5)\n"
           "  MEDIAGATE_FETCH_MAX_HEADER_BYTES    response header limit (default 32768)\n"
           "  MEDIAGATE_FETCH_PROXIES             egress proxies used in rotation (default none)\n"
           "  MEDIAGATE_FETCH_PROXY_FAILURES      failures in a row before a proxy rests (3)\n"
           "  MEDIAGATE_FETCH_PROXY_COOLDOWN_S    how long it rests (default 60)\n";
}
