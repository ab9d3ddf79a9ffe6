/* test_hash.c - digests against known answers (FIPS 180-2, RFC 1321, RFC 4231). */
#include "cmocka_prelude.h"

#include "media/hash.h"

#include <string.h>

static void hex_of(const uint8_t *b, size_t n, char *out)
{
    media_hex(b, n, out);
}

static void test_sha256_known_answers(void **st)
{
    (void)st;
    uint8_t h[32];
    char hex[65];
    media_sha256("", 0, h);
    hex_of(h, 32, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    media_sha256("abc", 3, h);
    hex_of(h, 32, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* streaming equals one-shot */
    media_digest *d = media_digest_new(MEDIA_DIGEST_SHA256);
    media_digest_update(d, "a", 1);
    media_digest_update(d, "bc", 2);
    media_digest_final(d, h);
    hex_of(h, 32, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    media_digest_destroy(d);
}

static void test_md5_known_answers(void **st)
{
    (void)st;
    uint8_t h[16];
    char hex[33], b64[32];
    media_md5("abc", 3, h);
    hex_of(h, 16, hex);
    assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
    media_md5("", 0, h);
    media_base64(h, 16, b64);
    assert_string_equal(b64, "1B2M2Y8AsgTpgAmY7PhCfg==");
}

static void test_hmac_rfc4231_cases(void **st)
{
    (void)st;
    uint8_t key[20], out[32];
    char hex[65];
    memset(key, 0x0b, sizeof(key));
    media_hmac_sha256(key, sizeof(key), "Hi There", 8, out);
    hex_of(out, 32, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    media_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out);
    hex_of(out, 32, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* case 6: a key longer than the block is hashed first */
    uint8_t longkey[131];
    memset(longkey, 0xaa, sizeof(longkey));
    const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    media_hmac_sha256(longkey, sizeof(longkey), msg, strlen(msg), out);
    hex_of(out, 32, hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    /* the precomputed key gives the same MAC, repeatedly */
    media_hmac_key *k = media_hmac_key_new("Jefe", 4);
    for (int i = 0; i < 3; i++) {
        media_hmac_key_mac(k, "what do ya want for nothing?", 28, out);
        hex_of(out, 32, hex);
        assert_string_equal(hex,
                            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
    media_hmac_key_destroy(k);
}

static void test_base64_padding(void **st)
{
    (void)st;
    char out[16];
    media_base64((const uint8_t *)"f", 1, out);
    assert_string_equal(out, "Zg==");
    media_base64((const uint8_t *)"fo", 2, out);
    assert_string_equal(out, "Zm8=");
    media_base64((const uint8_t *)"foo", 3, out);
    assert_string_equal(out, "Zm9v");
    media_base64((const uint8_t *)"", 0, out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known_answers),
        cmocka_unit_test(test_md5_known_answers),
        cmocka_unit_test(test_hmac_rfc4231_cases),
        cmocka_unit_test(test_base64_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
