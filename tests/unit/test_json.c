/* test_json.c - JSON output is always valid: escapes, control bytes, broken UTF-8. */
#include "cmocka_prelude.h"

#include "media/json.h"

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
        cmocka_unit_test(test_kv_helpers),
        cmocka_unit_test(test_utf8_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
