/*
 * hash_pair.h - MD5 and SHA-256 of the same bytes in one pass, the two digests every upload
 * computes (the ETag check and the content hash).
 *
 * On x86-64 CPUs with the SHA extensions both digests are computed in one loop, one 64-byte
 * block of each per step: MD5 is a single dependency chain that leaves most execution ports
 * idle, and SHA-256's rounds run in them, so the pair costs about what MD5 alone costs
 * (bench/README.md, issue 14). Elsewhere, or with MEDIAGATE_HASH_STITCH=off, it is two
 * OpenSSL digests side by side. Either way the digests are the standard ones.
 *
 * The MD5 half can be finished and restarted on its own (one MD5 per multipart part) while
 * the SHA-256 half runs over the whole stream. When the MD5 restarts at an offset that is not
 * a multiple of 64 the halves stop sharing blocks and each is computed on its own: still
 * correct, just not faster.
 *
 * Thread: a pair belongs to one thread at a time.
 */
#ifndef MEDIA_HASH_PAIR_H
#define MEDIA_HASH_PAIR_H

#include "hash.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct media_hash_pair media_hash_pair;

/* A pair over no bytes yet. Aborts on allocation failure; the caller _destroys it. */
media_hash_pair *media_hash_pair_new(void);
void media_hash_pair_destroy(media_hash_pair *p);

/* Both digests absorb the n bytes. */
void media_hash_pair_update(media_hash_pair *p, const void *data, size_t n);

/* The MD5 of the bytes since the pair began or since the last _md5 call; the MD5 half then
 * starts over (the SHA-256 half is not touched). */
void media_hash_pair_md5(media_hash_pair *p, uint8_t out[MEDIA_MD5_LEN]);

/* The SHA-256 of every byte since the pair began or since the last _sha256 call; the SHA-256
 * half then starts over. */
void media_hash_pair_sha256(media_hash_pair *p, uint8_t out[MEDIA_SHA256_LEN]);

/* True when this process computes the pair in one loop (the CPU has the SHA extensions and
 * MEDIAGATE_HASH_STITCH is not "off"); decided once, on first use. */
bool media_hash_pair_stitched(void);

/* Tests and benchmarks only: decide for pairs made from now on (true asks for the one loop,
 * honoured only when the CPU can). Not thread-safe against pairs being made. */
void media_hash_pair_force(bool stitched);

#endif
