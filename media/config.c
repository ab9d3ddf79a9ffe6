/*
 * config.c - environment configuration: S3 settings and integer helpers.
 */
#include "config.h"
#include "redis.h"
#include "mem.h"
#include "redact.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *get(media_env_fn env, void *ud, const char *name)
{
    const char *v = env(name, ud);
    return (v && v[0]) ? v : NULL;
}

media_code media_config_long(media_env_fn env, void *ud, const char *name, long def, long min,
                             long max, long *out, media_error *err)
{
    const char *v = get(env, ud, name);
    if (v == NULL) {
        *out = def;
        return MEDIA_OK;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0' || n < min || n > max)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "%s must be an integer in %ld..%ld", name, min, max);
    *out = n;
    return MEDIA_OK;
}

static media_code parse_endpoint(const char *name, const char *value, media_endpoint *ep,
                                 media_error *err)
{
    media_error e;
    if (media_endpoint_parse(value, ep, &e) != MEDIA_OK)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT, "%s: %s", name,
                               e.message);
    return MEDIA_OK;
}

/* The endpoints (the workers' and the one named in presigned URLs) and the addressing style. */
static media_code load_endpoints(media_s3_config *cfg, media_env_fn env, void *ud, media_error *err)
{
    media_code rc;
    const char *v;
    const char *endpoint = get(env, ud, "MEDIAGATE_S3_ENDPOINT");
    char aws_endpoint[128];
    if (endpoint) {
        rc = parse_endpoint("MEDIAGATE_S3_ENDPOINT", endpoint, &cfg->endpoint, err);
        cfg->addressing = MEDIA_S3_ADDRESSING_PATH;
    } else {
        snprintf(aws_endpoint, sizeof(aws_endpoint), "https://s3.%s.amazonaws.com", cfg->region);
        rc = parse_endpoint("AWS_REGION", aws_endpoint, &cfg->endpoint, err);
        cfg->addressing = MEDIA_S3_ADDRESSING_VIRTUAL;
    }
    if (rc != MEDIA_OK)
        return rc;

    v = get(env, ud, "MEDIAGATE_S3_PUBLIC_ENDPOINT");
    if (v) {
        rc = parse_endpoint("MEDIAGATE_S3_PUBLIC_ENDPOINT", v, &cfg->public_endpoint, err);
        if (rc != MEDIA_OK)
            return rc;
    } else {
        cfg->public_endpoint = cfg->endpoint;
    }

    v = get(env, ud, "MEDIAGATE_S3_ADDRESSING");
    if (v) {
        if (strcmp(v, "path") == 0)
            cfg->addressing = MEDIA_S3_ADDRESSING_PATH;
        else if (strcmp(v, "virtual") == 0)
            cfg->addressing = MEDIA_S3_ADDRESSING_VIRTUAL;
        else
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "MEDIAGATE_S3_ADDRESSING must be path or virtual");
    }
    if (cfg->addressing == MEDIA_S3_ADDRESSING_VIRTUAL &&
        (media_endpoint_is_ip_literal(&cfg->endpoint) ||
         media_endpoint_is_ip_literal(&cfg->public_endpoint)))
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_S3_ADDRESSING=virtual needs endpoints with DNS names, "
                               "not IP addresses");

    return MEDIA_OK;
}

media_code media_s3_config_load(media_s3_config *cfg, media_env_fn env, void *ud, media_error *err)
{
    memset(cfg, 0, sizeof(*cfg));
    media_code rc = MEDIA_OK;
    const char *v;

    const char *akid = get(env, ud, "AWS_ACCESS_KEY_ID");
    const char *secret = get(env, ud, "AWS_SECRET_ACCESS_KEY");
    if (akid == NULL)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "AWS_ACCESS_KEY_ID is not set");
    if (secret == NULL)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "AWS_SECRET_ACCESS_KEY is not set");

    v = get(env, ud, "AWS_REGION");
    if (v == NULL)
        v = get(env, ud, "AWS_DEFAULT_REGION");
    if (v == NULL)
        v = "us-east-1";
    if (strlen(v) >= sizeof(cfg->region) ||
        strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(v))
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "AWS_REGION must be a region name like us-east-1");
    snprintf(cfg->region, sizeof(cfg->region), "%s", v);

    rc = load_endpoints(cfg, env, ud, err);
    if (rc != MEDIA_OK)
        return rc;

    v = get(env, ud, "MEDIAGATE_S3_BUCKET");
    if (v) {
        if (!media_s3_bucket_name_valid(v))
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "MEDIAGATE_S3_BUCKET is not a valid bucket name");
        snprintf(cfg->bucket, sizeof(cfg->bucket), "%s", v);
    }

    v = get(env, ud, "MEDIAGATE_S3_VERIFY_TLS");
    cfg->verify_tls = true;
    if (v) {
        if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
            cfg->verify_tls = false;
        else if (strcmp(v, "1") != 0 && strcmp(v, "true") != 0)
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "MEDIAGATE_S3_VERIFY_TLS must be 1 or 0");
    }

    /* read again where uploads hash (hash_pair.c); checked here so a typo stops the start */
    v = get(env, ud, "MEDIAGATE_HASH_STITCH");
    if (v && strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_HASH_STITCH must be on or off");

    const char *token = get(env, ud, "AWS_SESSION_TOKEN");
    if (token && strlen(token) > MEDIA_SESSION_TOKEN_MAX)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "AWS_SESSION_TOKEN is longer than %d bytes",
                               MEDIA_SESSION_TOKEN_MAX);
    cfg->access_key_id = media_strdup(akid);
    cfg->secret_access_key = media_strdup(secret);
    cfg->session_token = media_strdup(token);
    cfg->ca_file = media_strdup(get(env, ud, "MEDIAGATE_S3_CA_FILE"));
    return MEDIA_OK;
}

void media_s3_config_cleanup(media_s3_config *cfg)
{
    free(cfg->access_key_id);
    media_free_secret(cfg->secret_access_key);
    media_free_secret(cfg->session_token);
    free(cfg->ca_file);
    memset(cfg, 0, sizeof(*cfg));
}

const char *media_s3_config_help(void)
{
    return "  AWS_ACCESS_KEY_ID             S3 access key id (required)\n"
           "  AWS_SECRET_ACCESS_KEY         S3 secret key (required; never logged)\n"
           "  AWS_SESSION_TOKEN             session token for temporary credentials\n"
           "  AWS_REGION                    signing region (default us-east-1)\n"
           "  MEDIAGATE_S3_ENDPOINT         http[s]://host[:port] of the S3 API (default AWS)\n"
           "  MEDIAGATE_S3_PUBLIC_ENDPOINT  endpoint named in presigned URLs (default: the above)\n"
           "  MEDIAGATE_S3_BUCKET           bucket name\n"
           "  MEDIAGATE_S3_ADDRESSING       path|virtual (default path with a custom endpoint)\n"
           "  MEDIAGATE_S3_VERIFY_TLS       1|0 verify the S3 server's certificate (default 1)\n"
           "  MEDIAGATE_S3_CA_FILE          CA bundle for the S3 endpoint\n";
}

static void wipe(char *p, size_t n)
{
    volatile char *v = p; /* volatile: not optimised away */
    while (n--)
        *v++ = 0;
}

/* MEDIAGATE_REDIS_SENTINELS (host:port,...) + MEDIAGATE_REDIS_MASTER (default "mediagate")
 * as the redis-sentinel:// URL redis.h reads; the password and the database number come from
 * MEDIAGATE_REDIS_URL when it is set too (its host is then unused). */
static media_code compose_sentinel_url(const char *sentinels, const char *master, const char *redis,
                                       char *out, size_t cap, media_error *err)
{
    const char *ui = NULL, *db = "0";
    size_t ui_len = 0;
    if (redis && strncmp(redis, "redis://", 8) == 0) {
        const char *host = redis + 8;
        if (media_url_userinfo(redis, &ui, &ui_len))
            host = ui + ui_len + 1;
        const char *slash = strchr(host, '/');
        if (slash && slash[1])
            db = slash + 1;
    } else if (redis && redis[0]) {
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "with MEDIAGATE_REDIS_SENTINELS, MEDIAGATE_REDIS_URL may only "
                               "give the password and database: redis://:password@/db");
    }
    int n = snprintf(out, cap, "redis-sentinel://%.*s%s%s/%s/%s", (int)ui_len, ui ? ui : "",
                     ui ? "@" : "", sentinels, master && master[0] ? master : "mediagate", db);
    media_code rc = MEDIA_OK;
    if (n < 0 || (size_t)n >= cap)
        rc = media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                             "MEDIAGATE_REDIS_SENTINELS is too long");
    else if (media_redis_url_check(out, err) != MEDIA_OK)
        rc = media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                             "MEDIAGATE_REDIS_SENTINELS must be host:port[,host:port...] (at "
                             "most 8) and MEDIAGATE_REDIS_MASTER a name without spaces");
    if (rc != MEDIA_OK)
        wipe(out, cap);
    return rc;
}

media_code media_store_config_load(media_store_config *c, media_env_fn env, void *ud,
                                   media_error *err)
{
    memset(c, 0, sizeof(*c));
    const char *db = get(env, ud, "MEDIAGATE_DATABASE_URL");
    const char *redis = get(env, ud, "MEDIAGATE_REDIS_URL");
    const char *prefix = get(env, ud, "MEDIAGATE_QUEUE_PREFIX");
    const char *sentinels = get(env, ud, "MEDIAGATE_REDIS_SENTINELS");
    if (media_config_long(env, ud, "MEDIAGATE_DB_CONNECTIONS", 0, 0, 10000, &c->db_connections,
                          err) != MEDIA_OK)
        return MEDIA_ERR_CONFIG;
    const char *prepare = get(env, ud, "MEDIAGATE_DB_PREPARE");
    c->db_prepare = prepare == NULL || strcmp(prepare, "on") == 0;
    if (prepare && !c->db_prepare && strcmp(prepare, "off") != 0)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_DB_PREPARE must be on or off");
    if (db && strlen(db) >= sizeof(c->database_url))
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_DATABASE_URL is longer than %zu bytes",
                               sizeof(c->database_url) - 1);
    bool prefix_ok = prefix == NULL || strlen(prefix) < sizeof(c->queue_prefix);
    for (const char *p = prefix; prefix_ok && p && *p; p++)
        prefix_ok = *p > ' ' && *p < 0x7f; /* Redis keys can hold anything; logs cannot */
    if (!prefix_ok)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_QUEUE_PREFIX must be 1-63 printable characters, no "
                               "spaces");
    if (sentinels) { /* composed straight into its place: it may hold the password */
        if (compose_sentinel_url(sentinels, get(env, ud, "MEDIAGATE_REDIS_MASTER"), redis,
                                 c->redis_url, sizeof(c->redis_url), err) != MEDIA_OK)
            return MEDIA_ERR_CONFIG;
    } else {
        if (redis && strlen(redis) >= sizeof(c->redis_url))
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "MEDIAGATE_REDIS_URL is longer than %zu bytes",
                                   sizeof(c->redis_url) - 1);
        if (redis && media_redis_url_check(redis, err) != MEDIA_OK)
            return MEDIA_ERR_CONFIG;
        snprintf(c->redis_url, sizeof(c->redis_url), "%s", redis ? redis : "");
    }
    snprintf(c->database_url, sizeof(c->database_url), "%s", db ? db : "");
    snprintf(c->queue_prefix, sizeof(c->queue_prefix), "%s", prefix ? prefix : "mediagate");
    return MEDIA_OK;
}

media_code media_store_config_need(const media_store_config *c, bool need_db, bool need_redis,
                                   media_error *err)
{
    if (need_db && c->database_url[0] == '\0')
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_DATABASE_URL is not set");
    if (need_redis && c->redis_url[0] == '\0')
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_REDIS_URL is not set");
    return MEDIA_OK;
}
