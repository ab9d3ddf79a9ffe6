/* test_hash_pair.c - the MD5 + SHA-256 pair against OpenSSL's one-shot digests (media/hash.h)
 * and known answers, in both forms (one loop and side by side): every length around the
 * block and padding edges, updates split at random points, and the MD5 half restarted on and
 * off block boundaries as multipart parts restart it. */
#include "cmocka_prelude.h"

#include "media/hash_pair.h"

#include <stdlib.h>
#include <string.h>

static uint8_t data[4096 + 3];

static int setup(void **st)
{
    (void)st;
    srand(14);
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)rand();
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    media_hash_pair_force(true); /* back to the default on this CPU */
    return 0;
}

/* Feed data[0..n) in random pieces (sizes 0..max) and compare both digests with OpenSSL. */
static void check_split(size_t n, size_t max_piece)
{
    media_hash_pair *p = media_hash_pair_new();
    for (size_t off = 0; off < n;) {
        size_t k = (size_t)rand() % (max_piece + 1);
        if (k > n - off)
            k = n - off;
        media_hash_pair_update(p, data + off, k);
        off += k;
    }
    uint8_t m[MEDIA_MD5_LEN], s[MEDIA_SHA256_LEN], wm[MEDIA_MD5_LEN], ws[MEDIA_SHA256_LEN];
    media_hash_pair_md5(p, m);
    media_hash_pair_sha256(p, s);
    media_md5(data, n, wm);
    media_sha256(data, n, ws);
    if (memcmp(m, wm, sizeof(m)) != 0 || memcmp(s, ws, sizeof(s)) != 0)
        fail_msg("length %zu, pieces up to %zu: digest differs from OpenSSL's", n, max_piece);
    media_hash_pair_destroy(p);
}

static void lengths_and_splits(void)
{
    for (size_t n = 0; n <= 300; n++) {
        check_split(n, n); /* random pieces */
        check_split(n, 1); /* byte by byte */
    }
    for (size_t n = 4000; n < sizeof(data); n++)
        check_split(n, 700);
}

static void test_stitched_matches_openssl(void **st)
{
    (void)st;
    media_hash_pair_force(true);
    if (!media_hash_pair_stitched())
        skip(); /* this CPU has no SHA extensions: the other test covers the pair */
    lengths_and_splits();
}

static void test_side_by_side_matches_openssl(void **st)
{
    (void)st;
    media_hash_pair_force(false);
    assert_false(media_hash_pair_stitched());
    lengths_and_splits();
}

/* The MD5 half restarts at each cut (as for multipart parts) while SHA-256 runs on. */
static void check_restarts(const size_t *cuts, size_t ncuts, size_t n)
{
    media_hash_pair *p = media_hash_pair_new();
    size_t from = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : n;
        media_hash_pair_update(p, data + from, (to - from) / 2); /* two updates per part */
        media_hash_pair_update(p, data + from + (to - from) / 2, to - from - (to - from) / 2);
        uint8_t m[MEDIA_MD5_LEN], want[MEDIA_MD5_LEN];
        media_hash_pair_md5(p, m);
        media_md5(data + from, to - from, want);
        assert_memory_equal(m, want, sizeof(m));
        from = to;
    }
    uint8_t s[MEDIA_SHA256_LEN], want[MEDIA_SHA256_LEN];
    media_hash_pair_sha256(p, s);
    media_sha256(data, n, want);
    assert_memory_equal(s, want, sizeof(s));
    media_hash_pair_destroy(p);
}

static void restarts(void)
{
    static const size_t aligned[] = {64, 1024, 1088, 4032};
    static const size_t unaligned[] = {100, 101, 1000, 3333};
    static const size_t mixed[] = {128, 129, 640, 2048};
    check_restarts(aligned, 4, 4096);
    check_restarts(unaligned, 4, 4099);
    check_restarts(mixed, 4, 4097);
    check_restarts(NULL, 0, 0); /* nothing at all: MD5 and SHA-256 of no bytes */
}

static void test_md5_restarts_stitched(void **st)
{
    (void)st;
    media_hash_pair_force(true);
    if (!media_hash_pair_stitched())
        skip();
    restarts();
}

static void test_md5_restarts_side_by_side(void **st)
{
    (void)st;
    media_hash_pair_force(false);
    restarts();
}

/* RFC 1321 and FIPS 180-2 answers, independent of OpenSSL, in whichever form runs here. */
static void test_known_answers(void **st)
{
    (void)st;
    media_hash_pair_force(true);
    media_hash_pair *p = media_hash_pair_new();
    const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    media_hash_pair_update(p, msg, strlen(msg));
    uint8_t m[MEDIA_MD5_LEN], s[MEDIA_SHA256_LEN];
    char hex[65];
    media_hash_pair_sha256(p, s);
    media_hex(s, sizeof(s), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    media_hash_pair_md5(p, m);
    media_hex(m, sizeof(m), hex);
    assert_string_equal(hex, "8215ef0796a20bcaaae116d3876c664a");
    media_hash_pair_update(p, "abc", 3); /* both halves started over */
    media_hash_pair_md5(p, m);
    media_hex(m, sizeof(m), hex);
    assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
    media_hash_pair_sha256(p, s);
    media_hex(s, sizeof(s), hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    media_hash_pair_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stitched_matches_openssl),
        cmocka_unit_test(test_side_by_side_matches_openssl),
        cmocka_unit_test(test_md5_restarts_stitched),
        cmocka_unit_test(test_md5_restarts_side_by_side),
        cmocka_unit_test(test_known_answers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
