/* test_mem.c - media_buf never grows past its maximum. */
#include "cmocka_prelude.h"

#include "media/mem.h"

#include <stdlib.h>
#include <string.h>

static void test_buf_appends_and_terminates(void **st)
{
    (void)st;
    media_buf b;
    media_buf_init(&b, 1000);
    assert_int_equal(media_buf_appends(&b, "abc"), 0);
    assert_int_equal(media_buf_appendf(&b, "-%d-", 42), 0);
    assert_string_equal(b.data, "abc-42-");
    assert_int_equal(b.len, 7);
    media_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    media_buf_cleanup(&b);
}

static void test_buf_refuses_to_exceed_max(void **st)
{
    (void)st;
    media_buf b;
    media_buf_init(&b, 8);
    assert_int_equal(media_buf_appends(&b, "12345678"), 0);
    assert_int_equal(media_buf_appends(&b, "9"), -1);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    media_buf_reset(&b);
    char big[600];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(media_buf_appendf(&b, "%s", big), -1); /* long formatted path too */
    assert_int_equal(b.len, 0);
    media_buf_cleanup(&b);
}

static void test_buf_detach_hands_over_ownership(void **st)
{
    (void)st;
    media_buf b;
    media_buf_init(&b, 100);
    media_buf_appends(&b, "hello");
    size_t n;
    char *p = media_buf_detach(&b, &n);
    assert_int_equal(n, 5);
    assert_string_equal(p, "hello");
    assert_null(b.data);
    free(p);
    char *q = media_strndup("abcdef", 3);
    assert_string_equal(q, "abc");
    free(q);
    assert_null(media_strdup(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_appends_and_terminates),
        cmocka_unit_test(test_buf_refuses_to_exceed_max),
        cmocka_unit_test(test_buf_detach_hands_over_ownership),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
