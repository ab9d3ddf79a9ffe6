/* test_error.c - error codes, names, classes and one-line messages. */
#include "cmocka_prelude.h"

#include "media/error.h"

#include <string.h>

static void test_names_and_messages_come_from_one_list(void **st)
{
    (void)st;
    assert_string_equal(media_code_name(MEDIA_OK), "MEDIA_OK");
    assert_string_equal(media_code_name(MEDIA_ERR_TIMEOUT), "MEDIA_ERR_TIMEOUT");
    assert_string_equal(media_code_message(MEDIA_ERR_TIMEOUT), "timed out");
    assert_string_equal(media_code_name((media_code)999), "MEDIA_ERR_UNKNOWN");
    for (int c = 0; c < MEDIA_CODE_COUNT; c++)
        assert_true(strncmp(media_code_name((media_code)c), "MEDIA_", 6) == 0);
}

static void test_set_formats_and_keeps_one_line(void **st)
{
    (void)st;
    media_error e;
    e.http_status = 500;
    assert_int_equal(media_error_set(&e, MEDIA_ERR_S3, MEDIA_CLASS_TRANSIENT, "a\nb %d", 7),
                     MEDIA_ERR_S3);
    assert_string_equal(e.message, "a b 7");
    assert_int_equal(e.cls, MEDIA_CLASS_TRANSIENT);
    assert_int_equal(e.http_status, 0);
    assert_string_equal(media_error_class_name(e.cls), "transient");
    assert_string_equal(media_error_class_name(MEDIA_CLASS_RATE_LIMITED), "rate_limited");
    /* NULL err is allowed and still returns the code */
    assert_int_equal(media_error_set(NULL, MEDIA_ERR_IO, MEDIA_CLASS_PERMANENT, "x"), MEDIA_ERR_IO);
    media_error_clear(&e);
    assert_int_equal(e.code, MEDIA_OK);
    assert_string_equal(e.message, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_messages_come_from_one_list),
        cmocka_unit_test(test_set_formats_and_keeps_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
