/*
 * hot.c - the in-process TTL cache (see hot.h).
 */
#include "hot.h"
#include "media/mem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHARDS 64
#define WAYS   8

/* A slot's hash and expiry live apart from its key and value: the WAYS tags of a set share two
 * adjacent cache lines (128 bytes, aligned), so a lookup reads them to find the way and then
 * only that entry (entries are kilobytes apart; probing them was 8-11% of a cached /url,
 * bench/README.md). Eight ways, not four: with four, a cache three times the size of its
 * working set still lost about 1% of it to sets that drew more than four keys (10,000
 * records in 32,768 entries: 1,200 PostgreSQL reads a second at 120,000 requests a second);
 * with eight, such sets are rare enough to ignore (tests/unit/test_hot.c). */
typedef struct {
    uint64_t hash;
    int64_t expires_ms; /* 0: empty */
} tag;

typedef struct {
    _Alignas(16) uint32_t klen; /* the struct's size is a multiple of 16: the value is aligned */
    unsigned char key[PRESIGN_HOT_KEY_MAX];
    /* value_size bytes follow */
} entry;

typedef struct {
    pthread_mutex_t mu;
    uint64_t version; /* bumped by every invalidation in this shard */
    tag *tags;        /* sets * WAYS, 64-byte aligned */
    unsigned char *slots;
} shard;

struct presign_hot {
    size_t value_size, entry_size, sets;
    int64_t ttl_ms, jitter_ms;
    shard shards[SHARDS];
};

static uint64_t hash_of(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* The coarse clock: the kernel's last tick, read without touching the hardware clock (on a
 * VM, a paravirtual clock read per call). Its few milliseconds of resolution are nothing to
 * lifetimes of seconds, and a cached /url reads it three times. */
int64_t presign_hot_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

presign_hot *presign_hot_new(size_t entries, size_t value_size, int64_t ttl_ms, int64_t jitter_ms)
{
    presign_hot *h = media_calloc(1, sizeof(*h));
    h->value_size = value_size;
    h->entry_size = (sizeof(entry) + value_size + 15) & ~(size_t)15;
    h->sets = (entries + SHARDS * WAYS - 1) / (SHARDS * WAYS);
    if (h->sets == 0)
        h->sets = 1;
    h->ttl_ms = ttl_ms;
    h->jitter_ms = jitter_ms > 0 && jitter_ms < ttl_ms ? jitter_ms : 0;
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&h->shards[i].mu, NULL);
        /* calloc: pages are only touched as the cache fills */
        h->shards[i].slots = media_calloc(h->sets * WAYS, h->entry_size);
        size_t tags = h->sets * WAYS * sizeof(tag);
        if (posix_memalign((void **)&h->shards[i].tags, WAYS * sizeof(tag), tags) != 0) {
            fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"out of memory (cache tags)\"}\n");
            abort(); /* as media_malloc does */
        }
        memset(h->shards[i].tags, 0, tags);
    }
    return h;
}

void presign_hot_destroy(presign_hot *h)
{
    if (h == NULL)
        return;
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_destroy(&h->shards[i].mu);
        free(h->shards[i].slots);
        free(h->shards[i].tags);
    }
    free(h);
}

static shard *shard_of(presign_hot *h, uint64_t hash)
{
    return &h->shards[hash % SHARDS];
}

static size_t index_of(presign_hot *h, uint64_t hash, size_t way)
{
    return (size_t)((hash / SHARDS) % h->sets) * WAYS + way;
}

static entry *slot(presign_hot *h, shard *s, size_t i)
{
    return (entry *)(s->slots + i * h->entry_size);
}

static unsigned char *value_of(entry *e)
{
    return (unsigned char *)(e + 1);
}

static bool same_key(presign_hot *h, shard *s, size_t i, uint64_t hash, const void *key,
                     size_t klen)
{
    if (s->tags[i].hash != hash)
        return false;
    entry *e = slot(h, s, i);
    return e->klen == klen && memcmp(e->key, key, klen) == 0;
}

/* The index of the live entry for key, or -1. Shard lock held. */
static long find(presign_hot *h, shard *s, uint64_t hash, const void *key, size_t klen,
                 int64_t now_ms)
{
    for (size_t w = 0; w < WAYS; w++) {
        size_t i = index_of(h, hash, w);
        if (s->tags[i].expires_ms > now_ms && same_key(h, s, i, hash, key, klen))
            return (long)i;
    }
    return -1;
}

/* The slot to write key into: its own, else an empty or expired one, else the one that
 * expires first. Shard lock held. */
static size_t victim(presign_hot *h, shard *s, uint64_t hash, const void *key, size_t klen)
{
    size_t best = index_of(h, hash, 0);
    for (size_t w = 0; w < WAYS; w++) {
        size_t i = index_of(h, hash, w);
        if (same_key(h, s, i, hash, key, klen))
            return i;
        if (s->tags[i].expires_ms < s->tags[best].expires_ms)
            best = i;
    }
    return best;
}

static void store(presign_hot *h, shard *s, size_t i, uint64_t hash, const void *key, size_t klen,
                  const void *value, int64_t now_ms)
{
    entry *e = slot(h, s, i);
    e->klen = (uint32_t)klen;
    memcpy(e->key, key, klen);
    memcpy(value_of(e), value, h->value_size);
    tag *t = &s->tags[i];
    t->hash = hash;
    t->expires_ms = now_ms + h->ttl_ms;
    if (h->jitter_ms)
        t->expires_ms -=
            (int64_t)((hash ^ (uint64_t)now_ms * 0x9e3779b97f4a7c15ULL) % (uint64_t)h->jitter_ms);
}

bool presign_hot_get(presign_hot *h, const void *key, size_t klen, int64_t now_ms, void *out)
{
    if (h->ttl_ms <= 0 || klen > PRESIGN_HOT_KEY_MAX)
        return false;
    uint64_t hash = hash_of(key, klen);
    shard *s = shard_of(h, hash);
    pthread_mutex_lock(&s->mu);
    long i = find(h, s, hash, key, klen, now_ms);
    if (i >= 0)
        memcpy(out, value_of(slot(h, s, (size_t)i)), h->value_size);
    pthread_mutex_unlock(&s->mu);
    return i >= 0;
}

bool presign_hot_get_stale(presign_hot *h, const void *key, size_t klen, int64_t now_ms,
                           int64_t max_stale_ms, void *out)
{
    return presign_hot_get(h, key, klen, now_ms - max_stale_ms, out);
}

uint64_t presign_hot_version(presign_hot *h, const void *key, size_t klen)
{
    shard *s = shard_of(h, hash_of(key, klen));
    pthread_mutex_lock(&s->mu);
    uint64_t v = s->version;
    pthread_mutex_unlock(&s->mu);
    return v;
}

void presign_hot_put(presign_hot *h, const void *key, size_t klen, const void *value,
                     uint64_t version, int64_t now_ms)
{
    if (h->ttl_ms <= 0 || klen > PRESIGN_HOT_KEY_MAX)
        return;
    uint64_t hash = hash_of(key, klen);
    shard *s = shard_of(h, hash);
    pthread_mutex_lock(&s->mu);
    if (s->version == version)
        store(h, s, victim(h, s, hash, key, klen), hash, key, klen, value, now_ms);
    pthread_mutex_unlock(&s->mu);
}

void presign_hot_invalidate(presign_hot *h, const void *key, size_t klen)
{
    uint64_t hash = hash_of(key, klen);
    shard *s = shard_of(h, hash);
    pthread_mutex_lock(&s->mu);
    s->version++;
    if (klen <= PRESIGN_HOT_KEY_MAX)
        for (size_t w = 0; w < WAYS; w++) {
            size_t i = index_of(h, hash, w);
            if (same_key(h, s, i, hash, key, klen))
                s->tags[i].expires_ms = 0;
        }
    pthread_mutex_unlock(&s->mu);
}

bool presign_hot_update(presign_hot *h, const void *key, size_t klen, int64_t now_ms,
                        presign_hot_update_fn fn, void *ud)
{
    if (h->ttl_ms <= 0 || klen > PRESIGN_HOT_KEY_MAX) {
        unsigned char *tmp = media_calloc(1, h->value_size);
        bool r = fn(tmp, false, ud);
        free(tmp);
        return r;
    }
    uint64_t hash = hash_of(key, klen);
    shard *s = shard_of(h, hash);
    pthread_mutex_lock(&s->mu);
    long i = find(h, s, hash, key, klen, now_ms);
    bool r;
    if (i >= 0) {
        r = fn(value_of(slot(h, s, (size_t)i)), true, ud);
        if (r)
            s->tags[i].expires_ms = now_ms + h->ttl_ms;
    } else {
        size_t v = victim(h, s, hash, key, klen);
        unsigned char *tmp = media_calloc(1, h->value_size);
        r = fn(tmp, false, ud);
        if (r)
            store(h, s, v, hash, key, klen, tmp, now_ms);
        free(tmp);
    }
    pthread_mutex_unlock(&s->mu);
    return r;
}
