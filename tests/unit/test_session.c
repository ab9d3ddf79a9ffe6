/* test_session.c - the browser page's session token (issue 15, defect 8). */
#include "cmocka_prelude.h"

#include "media/session.h"

#include <string.h>

static const char *ID = "01a23b4b-a087-7dff-b2bc-a322a398851a";

static void test_round_trip_and_expiry(void **st)
{
    (void)st;
    uint8_t h[MEDIA_SHA256_LEN];
    media_sha256("mgk_the-key", 11, h);
    char t[MEDIA_SESSION_MAX];
    media_session_make(ID, h, 1800000000, t);
    assert_int_equal(strncmp(t, "mgs_01a23b4b-a087-7dff-b2bc-a322a398851a_1800000000_", 52), 0);
    assert_int_equal(strlen(t), 52 + 64);
    assert_null(strstr(t, "mgk_")); /* nothing of the key */
    char id[MEDIA_UUID_STR];
    time_t exp;
    assert_true(media_session_parse(t, id, &exp));
    assert_string_equal(id, ID);
    assert_int_equal(exp, 1800000000);
    assert_true(media_session_verify(t, h, 1799999999));
    assert_false(media_session_verify(t, h, 1800000000)); /* expired at its expiry */
}

static void test_forgeries_fail(void **st)
{
    (void)st;
    uint8_t h[MEDIA_SHA256_LEN], other[MEDIA_SHA256_LEN];
    media_sha256("mgk_the-key", 11, h);
    media_sha256("mgk_another", 11, other);
    char t[MEDIA_SESSION_MAX], f[MEDIA_SESSION_MAX];
    media_session_make(ID, h, 1800000000, t);
    assert_false(media_session_verify(t, other, 1700000000)); /* another key's hash */
    strcpy(f, t);
    memcpy(f + 41, "1900000000", 10); /* a longer life, same MAC */
    assert_false(media_session_verify(f, h, 1700000000));
    strcpy(f, t);
    f[strlen(f) - 1] = f[strlen(f) - 1] == '0' ? '1' : '0'; /* one MAC digit */
    assert_false(media_session_verify(f, h, 1700000000));
    strcpy(f, t);
    f[5] = f[5] == '1' ? '2' : '1'; /* another key id */
    assert_false(media_session_verify(f, h, 1700000000));
    const char *bad[] = {"",      "mgs_",
                         "mgk_x", "mgs_not-a-uuid_1_00",
                         t + 1,   "mgs_01a23b4b-a087-7dff-b2bc-a322a398851a_-5_00"};
    char id[MEDIA_UUID_STR];
    time_t exp;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(media_session_parse(bad[i], id, &exp));
        assert_false(media_session_verify(bad[i], h, 1700000000));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_expiry),
        cmocka_unit_test(test_forgeries_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
