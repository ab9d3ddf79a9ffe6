/* test_log.c - issue 15, defect 2: no input can forge a field or break a log line. Every line
 * is parsed back with a real JSON parser (jansson) and checked field by field. */
#include "cmocka_prelude.h"

#include "media/log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Format one line and parse it; the caller decrefs. */
static json_t *line(const char *rid, const media_log_fields *f, const char *msg)
{
    media_buf b;
    media_buf_init(&b, MEDIA_LOG_LINE_MAX);
    media_log_format(&b, "2026-12-03T10:00:00.000Z", MEDIA_LOG_INFO, rid, f, msg);
    assert_non_null(b.data);
    assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
    assert_null(memchr(b.data, '\n', b.len - 1)); /* one line */
    json_error_t e;
    json_t *j = json_loadb(b.data, b.len, 0, &e);
    if (j == NULL)
        fail_msg("not JSON (%s): %s", e.text, b.data);
    media_buf_cleanup(&b);
    return j;
}

static const char *get(json_t *j, const char *k)
{
    return json_string_value(json_object_get(j, k));
}

static void test_a_quote_in_a_path_cannot_forge_fields(void **st)
{
    (void)st;
    /* what "%22" in a request path decodes to, aiming at the level and a new field */
    const char *path = "/api/v1/media\",\"level\":\"error\",\"admin\":\"yes";
    media_log_fields f = {0};
    media_log_str(&f, "method", "GET");
    media_log_str(&f, "path", path);
    media_log_int(&f, "status", 404);
    json_t *j = line("rid-1", &f, "request");
    assert_string_equal(get(j, "level"), "info");
    assert_string_equal(get(j, "path"), path); /* the value survives, as a value */
    assert_null(json_object_get(j, "admin"));
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 404);
    assert_int_equal(json_object_size(j), 7); /* ts level msg request_id method path status */
    json_decref(j);
}

static void test_control_bytes_and_backslashes(void **st)
{
    (void)st;
    const char *v = "a\nb\r\tc\\d\x01\x1b[31m\x7f}";
    media_log_fields f = {0};
    media_log_str(&f, "v", v);
    json_t *j = line("id\n\"x\":1", &f, "msg with \"quotes\"\n and a newline");
    assert_string_equal(get(j, "v"), v);
    assert_string_equal(get(j, "request_id"), "id\n\"x\":1");
    assert_string_equal(get(j, "msg"), "msg with \"quotes\"\n and a newline");
    assert_null(json_object_get(j, "x"));
    json_decref(j);
}

static void test_invalid_utf8_becomes_replacement_characters(void **st)
{
    (void)st;
    media_log_fields f = {0};
    media_log_str(&f, "v", "ok\xff\xfe\xc3(\xed\xa0\x80 end"); /* incl. an encoded surrogate */
    json_t *j = line(NULL, &f, "caf\xc3\xa9 \xe0\x80");
    assert_string_equal(get(j, "v"), "ok\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd"
                                     "\xef\xbf\xbd\xef\xbf\xbd end");
    assert_string_equal(get(j, "msg"), "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
    assert_null(json_object_get(j, "request_id")); /* none given */
    json_decref(j);
}

static void test_very_long_values_are_cut_and_the_line_stays_whole(void **st)
{
    (void)st;
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    memset(big, '"', n); /* each byte escapes to two */
    big[n] = '\0';
    char *utf = malloc(n + 1); /* 3-byte characters: the cut must not split one */
    for (size_t i = 0; i + 3 <= n; i += 3)
        memcpy(utf + i, "\xe2\x98\xba", 3);
    utf[n - n % 3] = '\0';
    media_log_fields f = {0};
    for (int i = 0; i < MEDIA_LOG_MAX_FIELDS + 3; i++) /* more fields than fit */
        media_log_str(&f, i % 2 ? "quotes" : "smileys", i % 2 ? big : utf);
    json_t *j = line(big, &f, "x");
    const char *rid = get(j, "request_id");
    assert_true(strlen(rid) <= MEDIA_LOG_VALUE_MAX + 3);
    assert_string_equal(rid + strlen(rid) - 3, "\xe2\x80\xa6"); /* marked as cut */
    const char *sm = get(j, "smileys");
    assert_int_equal(strlen(sm) % 3, 0); /* whole characters only, then the ellipsis */
    json_decref(j);
    free(big);
    free(utf);
}

static void test_bad_keys_are_escaped_too(void **st)
{
    (void)st;
    media_log_fields f = {0};
    media_log_str(&f, "k\":\"forged", "v");
    json_t *j = line(NULL, &f, "m");
    assert_string_equal(get(j, "k\":\"forged"), "v");
    assert_null(json_object_get(j, "forged"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_quote_in_a_path_cannot_forge_fields),
        cmocka_unit_test(test_control_bytes_and_backslashes),
        cmocka_unit_test(test_invalid_utf8_becomes_replacement_characters),
        cmocka_unit_test(test_very_long_values_are_cut_and_the_line_stays_whole),
        cmocka_unit_test(test_bad_keys_are_escaped_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
