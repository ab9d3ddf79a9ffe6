/* test_json.c - JSON output is always valid: escapes, control bytes, broken UTF-8. */
#include "cmocka_prelude.h"

#include "media/json.h"

#include <stdio.h>
#include <string.h>

static void str(const char *in, const char *want)
{
    media_buf b;
    media_buf_init(&b, 1024);
    assert_int_equal(media_json_string(&b, in), 0);
    assert_string_equal(b.data, want);
    media_buf_cleanup(&b);
}

static void test_escapes(void **st)
{
    (void)st;
    str("plain", "\"plain\"");
    str("q\"b\\s", "\"q\\\"b\\\\s\"");
    str("a\nb\tc\r", "\"a\\nb\\tc\\r\"");
    str("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
    str("caf\xc3\xa9 \xe2\x98\xba", "\"caf\xc3\xa9 \xe2\x98\xba\"");
    str("bad\xff\xc3(", "\"bad\\ufffd\\ufffd(\"");
    str(NULL, "null");
}

/* Plain runs are copied eight bytes at a time: every byte value, at every offset in and
 * across those words, is escaped exactly as it is alone (a one-byte string never takes the
 * eight-byte path, so it is the reference), and a UTF-8 sequence split across two words
 * survives. */
static void test_every_byte_at_every_offset(void **st)
{
    (void)st;
    for (unsigned c = 1; c < 256; c++) {
        char one[2] = {(char)c, 0};
        media_buf ref;
        media_buf_init(&ref, 64);
        assert_int_equal(media_json_string(&ref, one), 0);
        size_t esc_len = ref.len - 2; /* without its quotes */
        for (size_t at = 0; at < 20; at++) {
            char in[22];
            memset(in, 'a', 20);
            in[20] = '\0';
            in[at] = (char)c;
            char want[64];
            want[0] = '"';
            memset(want + 1, 'a', at);
            memcpy(want + 1 + at, ref.data + 1, esc_len);
            memset(want + 1 + at + esc_len, 'a', 19 - at);
            memcpy(want + 1 + at + esc_len + 19 - at, "\"", 2);
            str(in, want);
        }
        media_buf_cleanup(&ref);
    }
    for (size_t at = 0; at < 18; at++) { /* a three-byte sequence at every offset */
        char in[24];
        memset(in, 'b', 21);
        in[21] = '\0';
        memcpy(in + at, "\xe2\x98\xba", 3);
        char want[32];
        snprintf(want, sizeof(want), "\"%s\"", in);
        str(in, want);
    }
}

static void test_kv_helpers(void **st)
{
    (void)st;
    media_buf b;
    media_buf_init(&b, 1024);
    int first = 1;
    media_buf_appends(&b, "{");
    media_json_kv_str(&b, "a", "x", &first);
    media_json_kv_int(&b, "n", -42, &first);
    media_json_kv_raw(&b, "o", "{\"k\":[1]}", &first);
    media_buf_appends(&b, "}");
    assert_string_equal(b.data, "{\"a\":\"x\",\"n\":-42,\"o\":{\"k\":[1]}}");
    media_buf_cleanup(&b);
}

static void test_utf8_valid(void **st)
{
    (void)st;
    assert_true(media_utf8_valid(""));
    assert_true(media_utf8_valid("http://ex\xc3\xa4mple.com/\xf0\x9f\x98\x80"));
    assert_false(media_utf8_valid("\xff"));             /* never a UTF-8 byte */
    assert_false(media_utf8_valid("\xc0\xaf"));         /* overlong '/' */
    assert_false(media_utf8_valid("\xed\xa0\x80"));     /* a surrogate, U+D800 */
    assert_false(media_utf8_valid("\xf4\x90\x80\x80")); /* past U+10FFFF */
    assert_false(media_utf8_valid("ok\xe2\x82"));       /* cut short */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_every_byte_at_every_offset),
        cmocka_unit_test(test_kv_helpers),
        cmocka_unit_test(test_utf8_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
