/* test_uri.c - S3 UriEncode rules. */
#include "cmocka_prelude.h"

#include "media/uri.h"

#include <string.h>

static void enc(const char *in, bool keep_slash, const char *want)
{
    char out[256];
    size_t n = media_uri_encode(out, sizeof(out), in, strlen(in), keep_slash);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_unreserved_pass_everything_else_encodes(void **st)
{
    (void)st;
    enc("AZaz09-._~", false, "AZaz09-._~");
    enc("a b", false, "a%20b");
    enc("+=&?#%", false, "%2B%3D%26%3F%23%25");
    enc("a/b", false, "a%2Fb");
    enc("a/b", true, "a/b");
    enc("\xc3\xa9", false, "%C3%A9"); /* UTF-8 bytes, upper-case hex */
    enc("*", false, "%2A");
}

static void test_encode_reports_needed_length_when_truncated(void **st)
{
    (void)st;
    char out[4];
    size_t n = media_uri_encode(out, sizeof(out), "a b c", 5, false);
    assert_int_equal(n, 9);
    assert_true(strlen(out) < sizeof(out));
}

/* The unchecked fast path (room for three bytes per input byte) and the checked path must
 * agree at every capacity around the boundary. */
static void test_encode_same_at_every_capacity(void **st)
{
    (void)st;
    const char *in = "a b/c\xc3\xa9~";
    size_t len = strlen(in);
    char want[64];
    size_t wn = media_uri_encode(want, sizeof(want), in, len, true);
    assert_string_equal(want, "a%20b/c%C3%A9~");
    for (size_t cap = 1; cap < sizeof(want); cap++) {
        char out[64];
        memset(out, 'x', sizeof(out));
        size_t n = media_uri_encode(out, cap, in, len, true);
        assert_int_equal(n, wn);
        assert_true(strlen(out) < cap);
        assert_int_equal(out[cap], 'x'); /* nothing written past cap */
        if (wn < cap)
            assert_string_equal(out, want);
    }
}

static void test_decode(void **st)
{
    (void)st;
    char out[32];
    assert_int_equal(media_uri_decode(out, sizeof(out), "a%20b%2f", 8), 4);
    assert_string_equal(out, "a b/");
    assert_int_equal(media_uri_decode(out, sizeof(out), "%2", 2), (size_t)-1);
    assert_int_equal(media_uri_decode(out, sizeof(out), "%zz", 3), (size_t)-1);
    assert_int_equal(media_uri_decode(out, 2, "abc", 3), (size_t)-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unreserved_pass_everything_else_encodes),
        cmocka_unit_test(test_encode_reports_needed_length_when_truncated),
        cmocka_unit_test(test_encode_same_at_every_capacity),
        cmocka_unit_test(test_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
