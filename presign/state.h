/*
 * state.h - inside the front end (presign/ only): the shared state, a backend thread's
 * connections, and the hot-record cache over them. api.h keeps both structs opaque.
 */
#ifndef PRESIGN_STATE_H
#define PRESIGN_STATE_H

#include "addr_limit.h"
#include "api.h"
#include "hot.h"
#include "limiter.h"
#include "media/catalog.h"
#include "media/db.h"
#include "media/queue.h"
#include "media/s3_client.h"
#include "ports.h"

#include <pthread.h>

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
    media_metric *ready_gauge; /* mediagate_ready: 1 while taking requests, 0 draining */
    media_metric *dep_up[3];   /* mediagate_dependency_up: postgres, redis, s3 */
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

/* A backend's connections, opened on first use and re-opened after a failure (the handler
 * that saw it closes and clears the field). NULL with *err when it cannot connect. */
media_db *presign_backend_db(presign_backend *b, media_error *err);
media_queue *presign_backend_queue(presign_backend *b, media_error *err);
media_s3_client *presign_backend_s3(presign_backend *b, media_error *err);

/* A dependency failed while answering req (the ports already dropped a broken connection):
 * count it, log `<dependency> unavailable: <why>` (media_error messages hold no secrets) and
 * answer 503 with Retry-After: 1. The one place every family and the dispatcher map a
 * dependency's failure; a catalog error code names the catalog whatever dep says. */
typedef enum { PRESIGN_DEP_DB, PRESIGN_DEP_QUEUE, PRESIGN_DEP_S3 } presign_dep;
void presign_unavailable(presign_state *st, const presign_request *req, presign_response *res,
                         presign_dep dep, const media_error *err);

/* The real ports (ports.h) over b's connections; ud is b. */
void presign_ports_backend(presign_backend *b, presign_ports *out);

/* The hot-record cache: ready records by tenant and id. put stores only ready records, unless
 * the record changed since version (presign_record_version, read before the catalog); a miss
 * is counted only when count_miss. */
void presign_record_put(presign_state *st, const media_record *r, uint64_t version);
uint64_t presign_record_version(presign_state *st, const char *tenant, const char *id);
bool presign_record_cached(presign_state *st, const char *tenant, const char *id, media_record *out,
                           bool count_miss);
void presign_record_invalidate(presign_state *st, const char *tenant, const char *id);

#endif
