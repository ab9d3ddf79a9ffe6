/*
 * hash.h - SHA-256, MD5 and HMAC-SHA256 over OpenSSL's EVP interface, plus hex/base64.
 *
 * The only file of mediagate that includes OpenSSL's digest headers. Streaming contexts are
 * opaque; one-shot helpers cover the common cases. Thread: every context belongs to one
 * thread at a time; the one-shot helpers are thread-safe (each thread keeps two digest
 * contexts, freed automatically when it exits).
 */
#ifndef MEDIA_HASH_H
#define MEDIA_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIA_SHA256_LEN 32
#define MEDIA_MD5_LEN    16

typedef enum { MEDIA_DIGEST_SHA256, MEDIA_DIGEST_MD5 } media_digest_kind;

/* A streaming digest. _new aborts on allocation failure; the caller _destroys it. */
typedef struct media_digest media_digest;
media_digest *media_digest_new(media_digest_kind kind);
void media_digest_destroy(media_digest *d);
void media_digest_reset(media_digest *d);
void media_digest_update(media_digest *d, const void *data, size_t len);
/* Writes 32 (SHA-256) or 16 (MD5) bytes to out; the context must be reset before reuse. */
void media_digest_final(media_digest *d, uint8_t *out);

void media_sha256(const void *data, size_t len, uint8_t out[MEDIA_SHA256_LEN]);
void media_md5(const void *data, size_t len, uint8_t out[MEDIA_MD5_LEN]);
void media_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       uint8_t out[MEDIA_SHA256_LEN]);

/*
 * An HMAC-SHA256 key with its inner and outer pads already absorbed, so each MAC costs two
 * digest passes over the message and 32 bytes (used for SigV4's cached signing key).
 * _new copies the key; the caller _destroys the result.
 */
typedef struct media_hmac_key media_hmac_key;
media_hmac_key *media_hmac_key_new(const void *key, size_t key_len);
void media_hmac_key_destroy(media_hmac_key *k);
void media_hmac_key_mac(const media_hmac_key *k, const void *data, size_t len,
                        uint8_t out[MEDIA_SHA256_LEN]);

/* a and b (n bytes each) are equal, compared in time that does not depend on where they
 * differ (for MACs and tokens). */
bool media_equal_ct(const void *a, const void *b, size_t n);

/* Lower-case hex of n bytes into out, which holds 2n+1 bytes (NUL-terminated). */
void media_hex(const uint8_t *in, size_t n, char *out);
/* Standard base64 (with padding) of n bytes into out, which holds 4*((n+2)/3)+1 bytes. */
void media_base64(const uint8_t *in, size_t n, char *out);

#endif
