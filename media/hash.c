/*
 * hash.c - digests over OpenSSL EVP. Algorithms are fetched once (EVP_MD_fetch is not free)
 * and shared read-only by all threads.
 */
#include "hash.h"
#include "mem.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static EVP_MD *md_sha256;
static EVP_MD *md_md5;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void fetch_mds(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    md_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    if (md_sha256 == NULL || md_md5 == NULL) {
        fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"OpenSSL has no SHA256/MD5\"}\n");
        abort();
    }
}

static const EVP_MD *md_of(media_digest_kind kind)
{
    pthread_once(&md_once, fetch_mds);
    return kind == MEDIA_DIGEST_MD5 ? md_md5 : md_sha256;
}

static EVP_MD_CTX *ctx_new(void)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c == NULL) {
        fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"out of memory (EVP_MD_CTX)\"}\n");
        abort();
    }
    return c;
}

/* EVP calls below cannot fail with a fetched algorithm and a valid context short of memory
 * exhaustion; treat failure like OOM instead of carrying unreachable error paths. */
static void must(int ok)
{
    if (!ok) {
        fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"OpenSSL digest failure\"}\n");
        abort();
    }
}

struct media_digest {
    EVP_MD_CTX *ctx;
    media_digest_kind kind;
};

media_digest *media_digest_new(media_digest_kind kind)
{
    media_digest *d = media_malloc(sizeof(*d));
    d->ctx = ctx_new();
    d->kind = kind;
    media_digest_reset(d);
    return d;
}

void media_digest_destroy(media_digest *d)
{
    if (d == NULL)
        return;
    EVP_MD_CTX_free(d->ctx);
    free(d);
}

void media_digest_reset(media_digest *d)
{
    must(EVP_DigestInit_ex(d->ctx, md_of(d->kind), NULL));
}

void media_digest_update(media_digest *d, const void *data, size_t len)
{
    must(EVP_DigestUpdate(d->ctx, data, len));
}

void media_digest_final(media_digest *d, uint8_t *out)
{
    must(EVP_DigestFinal_ex(d->ctx, out, NULL));
}

/* Two contexts per thread for the one-shot helpers and HMAC (allocating an EVP_MD_CTX per
 * call costs more than hashing a few hundred bytes). A pthread key frees them when the
 * thread exits; the _Thread_local pointer is the fast path. */
typedef struct {
    EVP_MD_CTX *oneshot;
    EVP_MD_CTX *work;
} thread_ctxs;

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static _Thread_local thread_ctxs *tls;

static void free_thread_ctxs(void *p)
{
    thread_ctxs *t = p;
    EVP_MD_CTX_free(t->oneshot);
    EVP_MD_CTX_free(t->work);
    free(t);
}

static void make_tls_key(void)
{
    pthread_key_create(&tls_key, free_thread_ctxs);
}

static thread_ctxs *ctxs(void)
{
    if (tls == NULL) {
        pthread_once(&tls_once, make_tls_key);
        tls = media_malloc(sizeof(*tls));
        tls->oneshot = ctx_new();
        tls->work = ctx_new();
        pthread_setspecific(tls_key, tls);
    }
    return tls;
}

static void oneshot(media_digest_kind kind, const void *data, size_t len, uint8_t *out)
{
    EVP_MD_CTX *c = ctxs()->oneshot;
    must(EVP_DigestInit_ex(c, md_of(kind), NULL));
    must(EVP_DigestUpdate(c, data, len));
    must(EVP_DigestFinal_ex(c, out, NULL));
}

void media_sha256(const void *data, size_t len, uint8_t out[MEDIA_SHA256_LEN])
{
    oneshot(MEDIA_DIGEST_SHA256, data, len, out);
}

void media_md5(const void *data, size_t len, uint8_t out[MEDIA_MD5_LEN])
{
    oneshot(MEDIA_DIGEST_MD5, data, len, out);
}

#define SHA256_BLOCK 64

struct media_hmac_key {
    EVP_MD_CTX *inner; /* state after absorbing key ^ ipad */
    EVP_MD_CTX *outer; /* state after absorbing key ^ opad */
};

media_hmac_key *media_hmac_key_new(const void *key, size_t key_len)
{
    uint8_t block[SHA256_BLOCK] = {0};
    uint8_t pad[SHA256_BLOCK];
    if (key_len > SHA256_BLOCK)
        media_sha256(key, key_len, block);
    else
        memcpy(block, key, key_len);

    media_hmac_key *k = media_malloc(sizeof(*k));
    k->inner = ctx_new();
    k->outer = ctx_new();
    for (int i = 0; i < SHA256_BLOCK; i++)
        pad[i] = block[i] ^ 0x36;
    must(EVP_DigestInit_ex(k->inner, md_of(MEDIA_DIGEST_SHA256), NULL));
    must(EVP_DigestUpdate(k->inner, pad, sizeof(pad)));
    for (int i = 0; i < SHA256_BLOCK; i++)
        pad[i] = block[i] ^ 0x5c;
    must(EVP_DigestInit_ex(k->outer, md_of(MEDIA_DIGEST_SHA256), NULL));
    must(EVP_DigestUpdate(k->outer, pad, sizeof(pad)));
    /* key material does not outlive this call on the stack */
    memset(block, 0, sizeof(block));
    memset(pad, 0, sizeof(pad));
    return k;
}

void media_hmac_key_destroy(media_hmac_key *k)
{
    if (k == NULL)
        return;
    EVP_MD_CTX_free(k->inner);
    EVP_MD_CTX_free(k->outer);
    free(k);
}

void media_hmac_key_mac(const media_hmac_key *k, const void *data, size_t len,
                        uint8_t out[MEDIA_SHA256_LEN])
{
    uint8_t inner[MEDIA_SHA256_LEN];
    EVP_MD_CTX *w = ctxs()->work;
    must(EVP_MD_CTX_copy_ex(w, k->inner));
    must(EVP_DigestUpdate(w, data, len));
    must(EVP_DigestFinal_ex(w, inner, NULL));
    must(EVP_MD_CTX_copy_ex(w, k->outer));
    must(EVP_DigestUpdate(w, inner, sizeof(inner)));
    must(EVP_DigestFinal_ex(w, out, NULL));
}

void media_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       uint8_t out[MEDIA_SHA256_LEN])
{
    media_hmac_key *k = media_hmac_key_new(key, key_len);
    media_hmac_key_mac(k, data, len, out);
    media_hmac_key_destroy(k);
}

void media_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void media_base64(const uint8_t *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = tbl[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
}

bool media_equal_ct(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
