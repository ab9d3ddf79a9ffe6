/*
 * hot.h - a bounded, thread-safe, in-process TTL cache for the front end's hot lookups: API
 * keys by hash, ready records by tenant and id, and the rate limiter's local token leases.
 *
 * Shared by the event loops (which answer from it without I/O) and the backend threads (which
 * fill it after a PostgreSQL read and invalidate it on delete). Keys are byte strings of at
 * most PRESIGN_HOT_KEY_MAX bytes; values are fixed-size blobs copied in and out, so no pointer
 * is ever shared between threads. Set-associative (8 ways per set), sharded by hash with one
 * mutex per shard; a full set evicts the entry that expires first. Memory is fixed when the
 * cache is created (entries, rounded up to a multiple of 512, x (value size + 144 bytes),
 * touched as it fills).
 *
 * Stale fills: a reader takes presign_hot_version() before its database read and passes it to
 * presign_hot_put(); an invalidation in between changes the version and the put is dropped,
 * so a delete cannot be undone by a slower read that started before it.
 *
 * Time is a parameter (milliseconds of a monotonic clock, presign_hot_now_ms()) so tests can
 * drive expiry.
 */
#ifndef PRESIGN_HOT_H
#define PRESIGN_HOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRESIGN_HOT_KEY_MAX 112

typedef struct presign_hot presign_hot;

/* A cache of about `entries` values of value_size bytes, each living ttl_ms less a per-entry
 * share of jitter_ms (0..jitter_ms, from the key's hash and the time it was stored), so that
 * entries filled together do not all expire together. ttl_ms 0 makes a cache that stores
 * nothing (every get misses). Owned by the caller: presign_hot_destroy. */
presign_hot *presign_hot_new(size_t entries, size_t value_size, int64_t ttl_ms, int64_t jitter_ms);
void presign_hot_destroy(presign_hot *h);

/* Copy the live value for key into out (value_size bytes). False when absent or expired. */
bool presign_hot_get(presign_hot *h, const void *key, size_t klen, int64_t now_ms, void *out);

/* Like presign_hot_get, also for a value that expired at most max_stale_ms ago and is still
 * held (not evicted, not invalidated): what to fall back on while the source of truth is
 * unreachable. */
bool presign_hot_get_stale(presign_hot *h, const void *key, size_t klen, int64_t now_ms,
                           int64_t max_stale_ms, void *out);
/* The invalidation version covering key; take it before reading what will be put. */
uint64_t presign_hot_version(presign_hot *h, const void *key, size_t klen);

/* Store a copy of value for key, unless key was invalidated since `version` was taken. */
void presign_hot_put(presign_hot *h, const void *key, size_t klen, const void *value,
                     uint64_t version, int64_t now_ms);

/* Forget key (and make puts that started before this call be dropped). */
void presign_hot_invalidate(presign_hot *h, const void *key, size_t klen);

/*
 * Read-modify-write under the shard's lock: fn gets the live value (or, when absent, a zeroed
 * one with present=false) and returns true to store it back (renewing its TTL) or false to
 * leave the cache unchanged. Returns fn's result. fn must not call into the cache.
 */
typedef bool (*presign_hot_update_fn)(void *value, bool present, void *ud);
bool presign_hot_update(presign_hot *h, const void *key, size_t klen, int64_t now_ms,
                        presign_hot_update_fn fn, void *ud);

/* Milliseconds of CLOCK_MONOTONIC_COARSE: monotonic, cheap, advancing in the kernel's ticks
 * (1-10 ms), so a lifetime is honoured to within a tick. */
int64_t presign_hot_now_ms(void);

#endif
