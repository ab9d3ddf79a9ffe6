/*
 * config.h - configuration read from the environment (12-factor), validated at start-up.
 *
 * Modules never call getenv: the thin main passes a lookup function (media_env_fn), so tests
 * feed configuration from a table. Every error message names the variable that is wrong and
 * never echoes a secret's value.
 *
 * To add a setting: add its field, read it in the matching _load function, document it in
 * media_config_help() and README's Configuration table.
 */
#ifndef MEDIA_CONFIG_H
#define MEDIA_CONFIG_H

/* Longest AWS_SESSION_TOKEN accepted (STS tokens run to about 2 KB; AWS documents no fixed
 * size, so leave room). */
#define MEDIA_SESSION_TOKEN_MAX 4096

#include "error.h"
#include "s3_location.h"

#include <stdbool.h>

/* Returns the value of name or NULL when unset. ud is the caller's. */
typedef const char *(*media_env_fn)(const char *name, void *ud);

/* S3 settings. Plain data; secrets are heap copies freed (and wiped) by _cleanup. */
typedef struct media_s3_config {
    media_endpoint endpoint;        /* MEDIAGATE_S3_ENDPOINT: where workers send requests */
    media_endpoint public_endpoint; /* MEDIAGATE_S3_PUBLIC_ENDPOINT: what presigned URLs name */
    media_s3_addressing addressing; /* MEDIAGATE_S3_ADDRESSING */
    char bucket[64];                /* MEDIAGATE_S3_BUCKET; "" when unset */
    char region[64];                /* AWS_REGION (or AWS_DEFAULT_REGION); us-east-1 */
    char *access_key_id;            /* AWS_ACCESS_KEY_ID */
    char *secret_access_key;        /* AWS_SECRET_ACCESS_KEY */
    char *session_token;            /* AWS_SESSION_TOKEN; NULL when unset; at most
                                       MEDIA_SESSION_TOKEN_MAX bytes */
    bool verify_tls;                /* MEDIAGATE_S3_VERIFY_TLS (default 1) */
    char *ca_file;                  /* MEDIAGATE_S3_CA_FILE; NULL for the system store */
} media_s3_config;

/*
 * Load S3 settings. Required: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY. The bucket may be
 * unset here (commands that need one check media_s3_config.bucket). Without
 * MEDIAGATE_S3_ENDPOINT the endpoint is AWS's regional one with virtual-hosted addressing;
 * with it, addressing defaults to path. Returns MEDIA_ERR_CONFIG naming the variable.
 * On error nothing needs cleaning up; on success the caller calls media_s3_config_cleanup.
 */
media_code media_s3_config_load(media_s3_config *cfg, media_env_fn env, void *ud, media_error *err);
void media_s3_config_cleanup(media_s3_config *cfg);

/* Where the catalog and the queue are. Loaded once by the CLI (media_store_config_load) next
 * to media_s3_config and passed down: no component reads these variables itself. */
typedef struct media_store_config {
    char database_url[1024]; /* MEDIAGATE_DATABASE_URL; "" when unset */
    char redis_url[512];     /* MEDIAGATE_REDIS_URL; "" when unset */
    char queue_prefix[64];   /* MEDIAGATE_QUEUE_PREFIX (mediagate) */
    /* MEDIAGATE_DB_CONNECTIONS: the most PostgreSQL connections one process opens (its pool:
     * each serve backend thread, each worker job thread and the worker's three keepers hold
     * one); 0 (unset): as many as those threads. serve and worker size their threads from it
     * and refuse thread counts that would exceed it. */
    long db_connections;
    bool db_prepare; /* MEDIAGATE_DB_PREPARE: on (default) or off (media_db_set_prepare) */
} media_store_config;

/* Load; nothing is required here. MEDIA_ERR_CONFIG naming the variable for a value too long
 * or a Redis URL that cannot work. Messages never echo a URL (it holds a password). */
media_code media_store_config_load(media_store_config *c, media_env_fn env, void *ud,
                                   media_error *err);
/* What a command needs: the database URL (need_db) and/or the Redis URL (need_redis) set;
 * MEDIA_ERR_CONFIG naming the variable otherwise. */
media_code media_store_config_need(const media_store_config *c, bool need_db, bool need_redis,
                                   media_error *err);

/* Parse a decimal integer setting in [min, max]; unset -> def. MEDIA_ERR_CONFIG on junk. */
media_code media_config_long(media_env_fn env, void *ud, const char *name, long def, long min,
                             long max, long *out, media_error *err);

/* Read an integer setting into dst (any integer lvalue); on error return it from the
 * enclosing function (which must return media_code). */
#define MEDIA_CONFIG_LONG(env, ud, name, def, min, max, dst, err)                                  \
    do {                                                                                           \
        long v_;                                                                                   \
        media_code rc_ = media_config_long(env, ud, name, def, min, max, &v_, err);                \
        if (rc_ != MEDIA_OK)                                                                       \
            return rc_;                                                                            \
        (dst) = v_;                                                                                \
    } while (0)

/* The environment variables the S3 layer reads, for --help output. */
const char *media_s3_config_help(void);

#endif
