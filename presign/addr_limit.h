/*
 * addr_limit.h - a budget per client address for requests that carry no known-good API key
 * (no key, an unknown or revoked one, or one not yet cached), so that unauthenticated load
 * cannot turn into unbounded PostgreSQL lookups (issue 15, defect 6).
 *
 * A token bucket per address, in this process only (checked on the event loop, no I/O):
 * per_min tokens, refilled continuously, burst per_min. IPv6 clients are counted per /64 (one
 * host usually holds a whole /64); IPv4 per address. Bounded memory: a presign_hot of about
 * `entries` buckets (an evicted or expired bucket comes back full, which errs towards
 * letting a client through). Thread-safe; time is a parameter.
 */
#ifndef PRESIGN_ADDR_LIMIT_H
#define PRESIGN_ADDR_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct presign_addr_limit presign_addr_limit;

presign_addr_limit *presign_addr_limit_new(size_t entries, long per_min);
void presign_addr_limit_destroy(presign_addr_limit *l);

/* Spend one token of the bucket of key (presign_addr_key). False when it is empty; then
 * *retry_after_s says when the next token comes. */
bool presign_addr_limit_take(presign_addr_limit *l, const uint8_t key[16], int64_t now_ms,
                             long *retry_after_s);

/* Pure: the bucket key of an address (AF_INET: 4 bytes, AF_INET6: 16): IPv4 as an
 * IPv4-mapped IPv6 address, IPv6 (not mapped) truncated to its /64. */
void presign_addr_key(int family, const uint8_t *addr, uint8_t key[16]);

#endif
