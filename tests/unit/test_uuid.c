/* test_uuid.c - UUIDv7 layout, ordering and validation. */
#include "cmocka_prelude.h"

#include "media/uuid.h"

#include <string.h>

static void test_format_layout(void **st)
{
    (void)st;
    uint8_t rnd[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    char out[MEDIA_UUID_STR];
    media_uuid7_format(0x017F22E279B0ull, rnd, out);
    /* RFC 9562 appendix example timestamp 2022-02-22 19:22:22 UTC */
    assert_string_equal(out, "017f22e2-79b0-7fff-bfff-ffffffffffff");
    memset(rnd, 0, sizeof(rnd));
    media_uuid7_format(0, rnd, out);
    assert_string_equal(out, "00000000-0000-7000-8000-000000000000");
}

static void test_new_ids_are_valid_and_time_ordered(void **st)
{
    (void)st;
    char a[MEDIA_UUID_STR], b[MEDIA_UUID_STR];
    media_uuid7_new(a);
    for (volatile int i = 0; i < 3000000; i++)
        ;
    media_uuid7_new(b);
    assert_true(media_uuid_valid(a));
    assert_int_equal(a[14], '7');
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_true(memcmp(a, b, 8) <= 0); /* time prefix never goes backwards */
    assert_string_not_equal(a, b);
}

static void test_validation(void **st)
{
    (void)st;
    assert_true(media_uuid_valid("017f22e2-79b0-7fff-bfff-ffffffffffff"));
    assert_true(media_uuid_valid("017F22E2-79B0-7FFF-BFFF-FFFFFFFFFFFF"));
    assert_false(media_uuid_valid("017f22e2-79b0-7fff-bfff-fffffffffff"));
    assert_false(media_uuid_valid("017f22e2_79b0-7fff-bfff-ffffffffffff"));
    assert_false(media_uuid_valid("017f22e2-79b0-7fff-bfff-fffffffffffg"));
    assert_false(media_uuid_valid("' OR 1=1 --"));
    assert_false(media_uuid_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_layout),
        cmocka_unit_test(test_new_ids_are_valid_and_time_ordered),
        cmocka_unit_test(test_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
