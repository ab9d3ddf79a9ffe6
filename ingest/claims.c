/*
 * claims.c - the claim keeper (see claims.h for the contract).
 *
 * A table of registered claims under one mutex; the keeper thread copies what to renew,
 * renews without the lock (PostgreSQL first, then the Redis messages of the claims still
 * held), and writes the results back. A claim removed meanwhile is simply not updated.
 */
#include "claims.h"
#include "media/catalog.h"
#include "media/db.h"
#include "media/log.h"
#include "media/mem.h"
#include "media/queue.h"
#include "media/uuid.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    bool used;
    char media_id[MEDIA_UUID_STR];
    int64_t epoch;
    char msg_id[48];
    int64_t deadline_ms; /* local: cancel when no renewal succeeded by then */
    bool lost;
    volatile sig_atomic_t *cancel;
} entry;

struct ingest_claims {
    char *database_url;
    char *redis_url;
    char prefix[64];
    char consumer[128];
    long lease_ms;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t mu;
    entry *e;
    int cap;
};

int64_t ingest_claims_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long ingest_claims_renew_every_ms(long lease_ms)
{
    long every = lease_ms / 6;
    return every < 50 ? 50 : every;
}

int64_t ingest_claims_deadline_ms(int64_t sent_ms, long lease_ms)
{
    return sent_ms + lease_ms * 2 / 3;
}

static void lose(entry *e, const char *why)
{
    if (e->lost)
        return;
    e->lost = true;
    *e->cancel = 1;
    media_log(MEDIA_LOG_WARN, NULL, NULL, "claim %lld on media %s lost (%s): stopping its transfer",
              (long long)e->epoch, e->media_id, why);
}

/* One round: renew every held claim, keep their messages, cancel what is lost. */
static void renew(ingest_claims *k, media_db **db, media_queue **q)
{
    pthread_mutex_lock(&k->mu);
    int n = 0;
    entry *snap = media_calloc((size_t)k->cap, sizeof(*snap));
    for (int i = 0; i < k->cap; i++)
        if (k->e[i].used && !k->e[i].lost)
            snap[n++] = k->e[i];
    pthread_mutex_unlock(&k->mu);
    if (n == 0) {
        free(snap);
        return;
    }
    media_claim_ref *refs = media_calloc((size_t)n, sizeof(*refs));
    bool *held = media_calloc((size_t)n, sizeof(*held));
    for (int i = 0; i < n; i++)
        refs[i] = (media_claim_ref){snap[i].media_id, snap[i].epoch};
    media_error err;
    int64_t sent = ingest_claims_now_ms();
    bool renewed = false;
    if (*db == NULL)
        *db = media_db_connect(k->database_url, &err);
    if (*db) {
        renewed =
            media_catalog_claims_renew(*db, refs, (size_t)n, k->lease_ms, held, &err) == MEDIA_OK;
        if (!renewed) {
            media_log(MEDIA_LOG_WARN, NULL, NULL, "claim renewal failed: %s", err.message);
            media_db_close(*db);
            *db = NULL;
        }
    }
    /* the messages of held claims: touched after the rows, so a message never becomes
     * reclaimable before its row's claim runs out */
    if (renewed && k->redis_url) {
        media_queue_options qo = {k->redis_url, k->prefix, 2000};
        if (*q == NULL)
            *q = media_queue_connect(&qo, &err);
        for (int i = 0; *q && i < n; i++)
            if (held[i] && snap[i].msg_id[0] &&
                media_queue_touch(*q, k->consumer, snap[i].msg_id, &err) != MEDIA_OK) {
                media_queue_close(*q); /* Redis down: the row's claim still protects the job */
                *q = NULL;
            }
    }
    int64_t now = ingest_claims_now_ms();
    pthread_mutex_lock(&k->mu);
    for (int j = 0; j < n; j++)
        for (int i = 0; i < k->cap; i++) {
            entry *e = &k->e[i];
            if (!e->used || e->lost || e->epoch != snap[j].epoch ||
                strcmp(e->media_id, snap[j].media_id) != 0)
                continue;
            if (renewed && held[j])
                e->deadline_ms = ingest_claims_deadline_ms(sent, k->lease_ms);
            else if (renewed)
                lose(e, "taken over by another worker");
            else if (now >= e->deadline_ms)
                lose(e, "could not be renewed in time");
        }
    pthread_mutex_unlock(&k->mu);
    free(refs);
    free(held);
    free(snap);
}

static void *keeper(void *arg)
{
    ingest_claims *k = arg;
    media_db *db = NULL;
    media_queue *q = NULL;
    long every = ingest_claims_renew_every_ms(k->lease_ms);
    int64_t next = 0;
    while (!atomic_load(&k->stop)) {
        int64_t now = ingest_claims_now_ms();
        if (now >= next) {
            next = now + every;
            renew(k, &db, &q);
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    media_queue_close(q);
    media_db_close(db);
    return NULL;
}

ingest_claims *ingest_claims_start(const ingest_claims_options *o)
{
    ingest_claims *k = media_calloc(1, sizeof(*k));
    k->database_url = media_strdup(o->database_url);
    k->redis_url = o->redis_url ? media_strdup(o->redis_url) : NULL;
    snprintf(k->prefix, sizeof(k->prefix), "%s", o->queue_prefix ? o->queue_prefix : "");
    snprintf(k->consumer, sizeof(k->consumer), "%s", o->consumer ? o->consumer : "");
    k->lease_ms = o->lease_ms > 0 ? o->lease_ms : 60000;
    pthread_mutex_init(&k->mu, NULL);
    k->cap = 16;
    k->e = media_calloc((size_t)k->cap, sizeof(*k->e));
    pthread_create(&k->thread, NULL, keeper, k);
    return k;
}

void ingest_claims_stop(ingest_claims *k)
{
    if (k == NULL)
        return;
    atomic_store(&k->stop, true);
    pthread_join(k->thread, NULL);
    pthread_mutex_destroy(&k->mu);
    media_free_secret(k->database_url);
    media_free_secret(k->redis_url);
    free(k->e);
    free(k);
}

int ingest_claims_add(ingest_claims *k, const char *media_id, int64_t epoch, const char *msg_id,
                      int64_t sent_ms, volatile sig_atomic_t *cancel)
{
    pthread_mutex_lock(&k->mu);
    int h = 0;
    while (h < k->cap && k->e[h].used)
        h++;
    if (h == k->cap) {
        k->e = media_realloc(k->e, (size_t)k->cap * 2 * sizeof(*k->e));
        memset(k->e + k->cap, 0, (size_t)k->cap * sizeof(*k->e));
        k->cap *= 2;
    }
    entry *e = &k->e[h];
    memset(e, 0, sizeof(*e));
    e->used = true;
    snprintf(e->media_id, sizeof(e->media_id), "%s", media_id);
    e->epoch = epoch;
    snprintf(e->msg_id, sizeof(e->msg_id), "%s", msg_id ? msg_id : "");
    e->deadline_ms = ingest_claims_deadline_ms(sent_ms, k->lease_ms);
    e->cancel = cancel;
    pthread_mutex_unlock(&k->mu);
    return h;
}

bool ingest_claims_lost(ingest_claims *k, int h)
{
    pthread_mutex_lock(&k->mu);
    bool lost = h >= 0 && h < k->cap && k->e[h].used && k->e[h].lost;
    pthread_mutex_unlock(&k->mu);
    return lost;
}

void ingest_claims_remove(ingest_claims *k, int h)
{
    pthread_mutex_lock(&k->mu);
    if (h >= 0 && h < k->cap)
        k->e[h].used = false;
    pthread_mutex_unlock(&k->mu);
}
