/* test_strbuf.c - the bounded builder: appends, overflow that sticks, decimal text. */
#include "cmocka_prelude.h"

#include "media/strbuf.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static void test_appends_and_terminates(void **st)
{
    (void)st;
    char buf[16];
    media_sb b = media_sb_over(buf, sizeof(buf));
    assert_string_equal(buf, "");
    media_sb_puts(&b, "ab");
    media_sb_putc(&b, '/');
    media_sb_put(&b, "cdef", 2);
    assert_string_equal(buf, "ab/cd");
    assert_int_equal(b.len, 5);
    assert_false(b.overflow);
}

static void test_overflow_keeps_text_and_sticks(void **st)
{
    (void)st;
    char buf[6];
    media_sb b = media_sb_over(buf, sizeof(buf));
    media_sb_puts(&b, "abcde"); /* exactly fills: 5 + terminator */
    assert_false(b.overflow);
    media_sb_putc(&b, 'f');
    assert_true(b.overflow);
    assert_string_equal(buf, "abcde");
    media_sb_put(&b, "", 0); /* later appends stay no-ops, even empty ones */
    assert_true(b.overflow);
    assert_int_equal(b.len, 5);
}

static void test_put_long(void **st)
{
    (void)st;
    const long vals[] = {0, 7, -7, 3600, 604800, LONG_MAX, LONG_MIN};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        char buf[32], want[32];
        media_sb b = media_sb_over(buf, sizeof(buf));
        media_sb_put_long(&b, vals[i]);
        snprintf(want, sizeof(want), "%ld", vals[i]);
        assert_string_equal(buf, want);
    }
    char small[3];
    media_sb b = media_sb_over(small, sizeof(small));
    media_sb_put_long(&b, 123);
    assert_true(b.overflow);
    assert_string_equal(small, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_and_terminates),
        cmocka_unit_test(test_overflow_keeps_text_and_sticks),
        cmocka_unit_test(test_put_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
