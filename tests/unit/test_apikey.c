/* test_apikey.c - scopes and key format (no database). */
#include "cmocka_prelude.h"

#include "media/apikey.h"

#include <string.h>

static void test_scopes(void **st)
{
    (void)st;
    unsigned m;
    assert_true(media_scopes_parse("read", &m));
    assert_int_equal(m, MEDIA_SCOPE_READ);
    assert_true(media_scopes_parse("read,write,admin", &m));
    assert_int_equal(m, 7);
    assert_false(media_scopes_parse("read,", &m));
    assert_false(media_scopes_parse("", &m));
    assert_false(media_scopes_parse("reader", &m));
    assert_false(media_scopes_parse("read,root", &m));
    char out[32];
    media_scopes_format(MEDIA_SCOPE_WRITE | MEDIA_SCOPE_ADMIN, out, sizeof(out));
    assert_string_equal(out, "write,admin");
}

static void test_key_format(void **st)
{
    (void)st;
    uint8_t rnd[32];
    memset(rnd, 0xfb, sizeof(rnd)); /* base64 of 0xfb bytes has '+' and '/' */
    char key[MEDIA_APIKEY_LEN + 1];
    media_apikey_format(rnd, key);
    assert_int_equal(strlen(key), MEDIA_APIKEY_LEN);
    assert_int_equal(strncmp(key, "mgk_", 4), 0);
    assert_null(strchr(key, '+'));
    assert_null(strchr(key, '/'));
    assert_null(strchr(key, '='));
    assert_true(media_apikey_well_formed(key));
    key[20] = '!';
    assert_false(media_apikey_well_formed(key));
    assert_false(media_apikey_well_formed("mgk_short"));
    assert_false(media_apikey_well_formed(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_key_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
