/*
 * hash_pair.c - MD5 and SHA-256 of the same bytes in one pass (see hash_pair.h).
 *
 * The one-loop form keeps both states here: MD5 in plain C (RFC 1321), SHA-256 with the
 * SHA-NI instructions (the message schedule and rounds four at a time, as in Intel's
 * "Intel SHA Extensions" paper). MD5's 64 steps form one serial chain of adds and rotates;
 * the SHA rounds are spread between its four rounds, so the CPU runs them while MD5 waits
 * on its own results. Each half keeps its own 64-byte buffer and length, so MD5 can finish
 * and restart alone; while both have the same number of bytes buffered (always, when MD5
 * restarts on 64-byte boundaries) they hold the same bytes and are fed together.
 */
#include "hash_pair.h"
#include "mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_STITCH 1
#else
#define HAVE_STITCH 0
#endif

struct media_hash_pair {
    bool stitched;
    /* stitched */
    uint32_t md5[4], sha[8];
    uint64_t md5_len, sha_len; /* bytes absorbed since each half started */
    uint8_t md5_buf[64], sha_buf[64];
    /* otherwise: OpenSSL */
    media_digest *md5_d, *sha_d;
};

static const uint32_t MD5_INIT[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
static const uint32_t SHA_INIT[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

/* ---- deciding ---- */

static int forced = -1; /* -1: not forced; else the forced choice */
static bool decided;
static pthread_once_t decide_once = PTHREAD_ONCE_INIT;

static bool cpu_can(void)
{
#if HAVE_STITCH
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return false;
    return ssse3 && sse41 && (b & (1u << 29)); /* CPUID.7.0:EBX[29] = SHA */
#else
    return false;
#endif
}

static void decide(void)
{
    const char *v = getenv("MEDIAGATE_HASH_STITCH");
    decided = cpu_can() && !(v && strcmp(v, "off") == 0);
}

bool media_hash_pair_stitched(void)
{
    if (forced >= 0)
        return forced && cpu_can();
    pthread_once(&decide_once, decide);
    return decided;
}

void media_hash_pair_force(bool stitched)
{
    forced = stitched;
}

#if HAVE_STITCH

/* ---- MD5 (RFC 1321), 64-byte blocks ---- */

#define ROTL(x, c)     (((x) << (c)) | ((x) >> (32 - (c))))
#define MD5_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MD5_G(x, y, z) (((x) & (z)) + ((y) & ~(z))) /* the two terms share no bits */
#define MD5_H(x, y, z) ((x) ^ (y) ^ (z))
#define MD5_I(x, y, z) ((y) ^ ((x) | ~(z)))
#define STEP(f, a, b, c, d, i, t, s)                                                               \
    do {                                                                                           \
        (a) += f((b), (c), (d)) + X[i] + (t);                                                      \
        (a) = ROTL((a), (s)) + (b);                                                                \
    } while (0)

#define MD5_ROUND1(a, b, c, d)                                                                     \
    STEP(MD5_F, a, b, c, d, 0, 0xd76aa478, 7);                                                     \
    STEP(MD5_F, d, a, b, c, 1, 0xe8c7b756, 12);                                                    \
    STEP(MD5_F, c, d, a, b, 2, 0x242070db, 17);                                                    \
    STEP(MD5_F, b, c, d, a, 3, 0xc1bdceee, 22);                                                    \
    STEP(MD5_F, a, b, c, d, 4, 0xf57c0faf, 7);                                                     \
    STEP(MD5_F, d, a, b, c, 5, 0x4787c62a, 12);                                                    \
    STEP(MD5_F, c, d, a, b, 6, 0xa8304613, 17);                                                    \
    STEP(MD5_F, b, c, d, a, 7, 0xfd469501, 22);                                                    \
    STEP(MD5_F, a, b, c, d, 8, 0x698098d8, 7);                                                     \
    STEP(MD5_F, d, a, b, c, 9, 0x8b44f7af, 12);                                                    \
    STEP(MD5_F, c, d, a, b, 10, 0xffff5bb1, 17);                                                   \
    STEP(MD5_F, b, c, d, a, 11, 0x895cd7be, 22);                                                   \
    STEP(MD5_F, a, b, c, d, 12, 0x6b901122, 7);                                                    \
    STEP(MD5_F, d, a, b, c, 13, 0xfd987193, 12);                                                   \
    STEP(MD5_F, c, d, a, b, 14, 0xa679438e, 17);                                                   \
    STEP(MD5_F, b, c, d, a, 15, 0x49b40821, 22)
#define MD5_ROUND2(a, b, c, d)                                                                     \
    STEP(MD5_G, a, b, c, d, 1, 0xf61e2562, 5);                                                     \
    STEP(MD5_G, d, a, b, c, 6, 0xc040b340, 9);                                                     \
    STEP(MD5_G, c, d, a, b, 11, 0x265e5a51, 14);                                                   \
    STEP(MD5_G, b, c, d, a, 0, 0xe9b6c7aa, 20);                                                    \
    STEP(MD5_G, a, b, c, d, 5, 0xd62f105d, 5);                                                     \
    STEP(MD5_G, d, a, b, c, 10, 0x02441453, 9);                                                    \
    STEP(MD5_G, c, d, a, b, 15, 0xd8a1e681, 14);                                                   \
    STEP(MD5_G, b, c, d, a, 4, 0xe7d3fbc8, 20);                                                    \
    STEP(MD5_G, a, b, c, d, 9, 0x21e1cde6, 5);                                                     \
    STEP(MD5_G, d, a, b, c, 14, 0xc33707d6, 9);                                                    \
    STEP(MD5_G, c, d, a, b, 3, 0xf4d50d87, 14);                                                    \
    STEP(MD5_G, b, c, d, a, 8, 0x455a14ed, 20);                                                    \
    STEP(MD5_G, a, b, c, d, 13, 0xa9e3e905, 5);                                                    \
    STEP(MD5_G, d, a, b, c, 2, 0xfcefa3f8, 9);                                                     \
    STEP(MD5_G, c, d, a, b, 7, 0x676f02d9, 14);                                                    \
    STEP(MD5_G, b, c, d, a, 12, 0x8d2a4c8a, 20)
#define MD5_ROUND3(a, b, c, d)                                                                     \
    STEP(MD5_H, a, b, c, d, 5, 0xfffa3942, 4);                                                     \
    STEP(MD5_H, d, a, b, c, 8, 0x8771f681, 11);                                                    \
    STEP(MD5_H, c, d, a, b, 11, 0x6d9d6122, 16);                                                   \
    STEP(MD5_H, b, c, d, a, 14, 0xfde5380c, 23);                                                   \
    STEP(MD5_H, a, b, c, d, 1, 0xa4beea44, 4);                                                     \
    STEP(MD5_H, d, a, b, c, 4, 0x4bdecfa9, 11);                                                    \
    STEP(MD5_H, c, d, a, b, 7, 0xf6bb4b60, 16);                                                    \
    STEP(MD5_H, b, c, d, a, 10, 0xbebfbc70, 23);                                                   \
    STEP(MD5_H, a, b, c, d, 13, 0x289b7ec6, 4);                                                    \
    STEP(MD5_H, d, a, b, c, 0, 0xeaa127fa, 11);                                                    \
    STEP(MD5_H, c, d, a, b, 3, 0xd4ef3085, 16);                                                    \
    STEP(MD5_H, b, c, d, a, 6, 0x04881d05, 23);                                                    \
    STEP(MD5_H, a, b, c, d, 9, 0xd9d4d039, 4);                                                     \
    STEP(MD5_H, d, a, b, c, 12, 0xe6db99e5, 11);                                                   \
    STEP(MD5_H, c, d, a, b, 15, 0x1fa27cf8, 16);                                                   \
    STEP(MD5_H, b, c, d, a, 2, 0xc4ac5665, 23)
#define MD5_ROUND4(a, b, c, d)                                                                     \
    STEP(MD5_I, a, b, c, d, 0, 0xf4292244, 6);                                                     \
    STEP(MD5_I, d, a, b, c, 7, 0x432aff97, 10);                                                    \
    STEP(MD5_I, c, d, a, b, 14, 0xab9423a7, 15);                                                   \
    STEP(MD5_I, b, c, d, a, 5, 0xfc93a039, 21);                                                    \
    STEP(MD5_I, a, b, c, d, 12, 0x655b59c3, 6);                                                    \
    STEP(MD5_I, d, a, b, c, 3, 0x8f0ccc92, 10);                                                    \
    STEP(MD5_I, c, d, a, b, 10, 0xffeff47d, 15);                                                   \
    STEP(MD5_I, b, c, d, a, 1, 0x85845dd1, 21);                                                    \
    STEP(MD5_I, a, b, c, d, 8, 0x6fa87e4f, 6);                                                     \
    STEP(MD5_I, d, a, b, c, 15, 0xfe2ce6e0, 10);                                                   \
    STEP(MD5_I, c, d, a, b, 6, 0xa3014314, 15);                                                    \
    STEP(MD5_I, b, c, d, a, 13, 0x4e0811a1, 21);                                                   \
    STEP(MD5_I, a, b, c, d, 4, 0xf7537e82, 6);                                                     \
    STEP(MD5_I, d, a, b, c, 11, 0xbd3af235, 10);                                                   \
    STEP(MD5_I, c, d, a, b, 2, 0x2ad7d2bb, 15);                                                    \
    STEP(MD5_I, b, c, d, a, 9, 0xeb86d391, 21)

/* MD5's message words are little-endian, as x86 loads them. */
static inline void md5_words(const uint8_t *p, uint32_t X[16])
{
    memcpy(X, p, 64);
}

static void md5_blocks(uint32_t st[4], const uint8_t *p, size_t blocks)
{
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3], X[16];
    for (; blocks; blocks--, p += 64) {
        uint32_t a0 = a, b0 = b, c0 = c, d0 = d;
        md5_words(p, X);
        MD5_ROUND1(a, b, c, d);
        MD5_ROUND2(a, b, c, d);
        MD5_ROUND3(a, b, c, d);
        MD5_ROUND4(a, b, c, d);
        a += a0, b += b0, c += c0, d += d0;
    }
    st[0] = a, st[1] = b, st[2] = c, st[3] = d;
}

/* ---- SHA-256 with SHA-NI, 64-byte blocks ---- */

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* The SHA-NI state is two registers, ABEF and CDGH; the standard one is A..H in order. */
SHA_TARGET static inline void sha_load(const uint32_t st[8], __m128i *abef, __m128i *cdgh)
{
    __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[0]), 0xB1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[4]), 0x1B);
    *abef = _mm_alignr_epi8(dcba, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, dcba, 0xF0);
}

SHA_TARGET static inline void sha_store(uint32_t st[8], __m128i abef, __m128i cdgh)
{
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&st[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&st[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* Rounds 4r..4r+3; for r < 12 also the schedule's next four words, into W[r % 4]. */
#define SHA_QUAD(r)                                                                                \
    do {                                                                                           \
        __m128i m_ = _mm_add_epi32(W[(r)&3], _mm_loadu_si128((const __m128i *)&K256[4 * (r)]));    \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m_);                                              \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m_, 0x0E));                     \
        if ((r) < 12) {                                                                            \
            __m128i t_ = _mm_sha256msg1_epu32(W[(r)&3], W[((r) + 1) & 3]);                         \
            t_ = _mm_add_epi32(t_, _mm_alignr_epi8(W[((r) + 3) & 3], W[((r) + 2) & 3], 4));        \
            W[(r)&3] = _mm_sha256msg2_epu32(t_, W[((r) + 3) & 3]);                                 \
        }                                                                                          \
    } while (0)

/* SHA-256's message words are big-endian. */
SHA_TARGET static inline void sha_words(const uint8_t *p, __m128i W[4])
{
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    for (int i = 0; i < 4; i++)
        W[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), swap);
}

SHA_TARGET static void sha_blocks(uint32_t st[8], const uint8_t *p, size_t blocks)
{
    __m128i abef, cdgh, W[4];
    sha_load(st, &abef, &cdgh);
    for (; blocks; blocks--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh;
        sha_words(p, W);
        for (int r = 0; r < 16; r++)
            SHA_QUAD(r);
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    sha_store(st, abef, cdgh);
}

/* ---- both, one block of each per step ---- */

SHA_TARGET static void pair_blocks(uint32_t m[4], uint32_t s[8], const uint8_t *p, size_t blocks)
{
    uint32_t a = m[0], b = m[1], c = m[2], d = m[3], X[16];
    __m128i abef, cdgh, W[4];
    sha_load(s, &abef, &cdgh);
    for (; blocks; blocks--, p += 64) {
        uint32_t a0 = a, b0 = b, c0 = c, d0 = d;
        __m128i abef0 = abef, cdgh0 = cdgh;
        md5_words(p, X);
        sha_words(p, W);
        SHA_QUAD(0);
        SHA_QUAD(1);
        MD5_ROUND1(a, b, c, d);
        SHA_QUAD(2);
        SHA_QUAD(3);
        SHA_QUAD(4);
        SHA_QUAD(5);
        MD5_ROUND2(a, b, c, d);
        SHA_QUAD(6);
        SHA_QUAD(7);
        SHA_QUAD(8);
        SHA_QUAD(9);
        MD5_ROUND3(a, b, c, d);
        SHA_QUAD(10);
        SHA_QUAD(11);
        SHA_QUAD(12);
        SHA_QUAD(13);
        MD5_ROUND4(a, b, c, d);
        SHA_QUAD(14);
        SHA_QUAD(15);
        a += a0, b += b0, c += c0, d += d0;
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    m[0] = a, m[1] = b, m[2] = c, m[3] = d;
    sha_store(s, abef, cdgh);
}

/* ---- buffering and padding ---- */

typedef void (*blocks_fn)(uint32_t *st, const uint8_t *p, size_t blocks);

static void md5_fn(uint32_t *st, const uint8_t *p, size_t blocks)
{
    md5_blocks(st, p, blocks);
}

static void sha_fn(uint32_t *st, const uint8_t *p, size_t blocks)
{
    sha_blocks(st, p, blocks);
}

/* One half alone: its buffer, then whole blocks from data, then the rest into the buffer. */
static void absorb(uint32_t *st, uint8_t buf[64], uint64_t *len, blocks_fn fn, const uint8_t *p,
                   size_t n)
{
    size_t have = (size_t)(*len % 64);
    *len += n;
    if (have) {
        size_t take = 64 - have < n ? 64 - have : n;
        memcpy(buf + have, p, take);
        p += take, n -= take;
        if (have + take < 64)
            return;
        fn(st, buf, 1);
    }
    fn(st, p, n / 64);
    memcpy(buf, p + n / 64 * 64, n % 64);
}

/* Pad the buffered tail with the bit length (little-endian for MD5, big-endian for SHA). */
static void finish(uint32_t *st, uint8_t buf[64], uint64_t len, blocks_fn fn, bool big_endian)
{
    size_t have = (size_t)(len % 64);
    uint8_t tail[128] = {0};
    memcpy(tail, buf, have);
    tail[have] = 0x80;
    size_t total = have < 56 ? 64 : 128;
    uint64_t bits = len * 8;
    for (int i = 0; i < 8; i++)
        tail[total - 8 + i] = (uint8_t)(big_endian ? bits >> (56 - 8 * i) : bits >> (8 * i));
    fn(st, tail, total / 64);
}

#endif /* HAVE_STITCH */

/* ---- the pair ---- */

static void md5_restart(media_hash_pair *p)
{
    memcpy(p->md5, MD5_INIT, sizeof(p->md5));
    p->md5_len = 0;
}

static void sha_restart(media_hash_pair *p)
{
    memcpy(p->sha, SHA_INIT, sizeof(p->sha));
    p->sha_len = 0;
}

media_hash_pair *media_hash_pair_new(void)
{
    media_hash_pair *p = media_calloc(1, sizeof(*p));
    p->stitched = media_hash_pair_stitched();
    if (p->stitched) {
        md5_restart(p);
        sha_restart(p);
    } else {
        p->md5_d = media_digest_new(MEDIA_DIGEST_MD5);
        p->sha_d = media_digest_new(MEDIA_DIGEST_SHA256);
    }
    return p;
}

void media_hash_pair_destroy(media_hash_pair *p)
{
    if (p == NULL)
        return;
    media_digest_destroy(p->md5_d);
    media_digest_destroy(p->sha_d);
    free(p);
}

void media_hash_pair_update(media_hash_pair *p, const void *data, size_t n)
{
    if (!p->stitched) {
        media_digest_update(p->md5_d, data, n);
        media_digest_update(p->sha_d, data, n);
        return;
    }
#if HAVE_STITCH
    const uint8_t *d = data;
    size_t have = (size_t)(p->md5_len % 64);
    if (have != p->sha_len % 64) { /* MD5 restarted off a block boundary: apart from now on */
        absorb(p->md5, p->md5_buf, &p->md5_len, md5_fn, d, n);
        absorb(p->sha, p->sha_buf, &p->sha_len, sha_fn, d, n);
        return;
    }
    p->md5_len += n, p->sha_len += n;
    if (have) { /* both buffers hold the same bytes: complete them together */
        size_t take = 64 - have < n ? 64 - have : n;
        memcpy(p->md5_buf + have, d, take);
        memcpy(p->sha_buf + have, d, take);
        d += take, n -= take;
        if (have + take < 64)
            return;
        pair_blocks(p->md5, p->sha, p->md5_buf, 1);
    }
    pair_blocks(p->md5, p->sha, d, n / 64);
    memcpy(p->md5_buf, d + n / 64 * 64, n % 64);
    memcpy(p->sha_buf, d + n / 64 * 64, n % 64);
#endif
}

void media_hash_pair_md5(media_hash_pair *p, uint8_t out[MEDIA_MD5_LEN])
{
    if (!p->stitched) {
        media_digest_final(p->md5_d, out);
        media_digest_reset(p->md5_d);
        return;
    }
#if HAVE_STITCH
    finish(p->md5, p->md5_buf, p->md5_len, md5_fn, false);
    memcpy(out, p->md5, MEDIA_MD5_LEN); /* little-endian words, as x86 stores them */
    md5_restart(p);
#endif
}

void media_hash_pair_sha256(media_hash_pair *p, uint8_t out[MEDIA_SHA256_LEN])
{
    if (!p->stitched) {
        media_digest_final(p->sha_d, out);
        media_digest_reset(p->sha_d);
        return;
    }
#if HAVE_STITCH
    finish(p->sha, p->sha_buf, p->sha_len, sha_fn, true);
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 4; k++)
            out[4 * i + k] = (uint8_t)(p->sha[i] >> (24 - 8 * k));
    sha_restart(p);
#endif
}
