/* test_proxy.c - egress proxy rotation and cool-down (time is a parameter). */
#include "cmocka_prelude.h"

#include "ingest/proxy.h"

#include <string.h>

static void test_round_robin_and_cooldown(void **st)
{
    (void)st;
    ingest_proxy_pool *p;
    media_error err;
    assert_int_equal(
        ingest_proxy_pool_new("http://a:1, http://u:secret@b:2,socks5h://c:3", 2, 60, &p, &err),
        MEDIA_OK);
    assert_int_equal(ingest_proxy_pool_size(p), 3);
    time_t now = 1000;
    assert_int_equal(ingest_proxy_pick(p, now), 0);
    assert_int_equal(ingest_proxy_pick(p, now), 1);
    assert_int_equal(ingest_proxy_pick(p, now), 2);
    assert_int_equal(ingest_proxy_pick(p, now), 0);
    /* b fails twice in a row: it rests for 60 s */
    ingest_proxy_report(p, 1, false, now);
    assert_int_equal(ingest_proxy_pick(p, now), 1); /* one failure is not enough */
    ingest_proxy_report(p, 1, false, now);
    assert_int_equal(ingest_proxy_pick(p, now), 2);
    assert_int_equal(ingest_proxy_pick(p, now), 0);
    assert_int_equal(ingest_proxy_pick(p, now), 2); /* b skipped */
    assert_int_equal(ingest_proxy_pick(p, now + 61), 0);
    assert_int_equal(ingest_proxy_pick(p, now + 61), 1); /* rested: back in rotation */
    /* a success resets the count */
    ingest_proxy_report(p, 0, false, now);
    ingest_proxy_report(p, 0, true, now);
    ingest_proxy_report(p, 0, false, now);
    assert_int_equal(ingest_proxy_pick(p, now + 61), 2);
    assert_int_equal(ingest_proxy_pick(p, now + 61), 0);
    char shown[64];
    ingest_proxy_display(p, 1, shown, sizeof(shown));
    assert_string_equal(shown, "http://***@b:2");
    assert_string_equal(ingest_proxy_url(p, 2), "socks5h://c:3");
    ingest_proxy_pool_destroy(p);
}

static void test_all_resting_uses_the_first_to_recover(void **st)
{
    (void)st;
    ingest_proxy_pool *p;
    assert_int_equal(ingest_proxy_pool_new("http://a:1,http://b:2", 1, 100, &p, NULL), MEDIA_OK);
    ingest_proxy_report(p, 0, false, 10);
    ingest_proxy_report(p, 1, false, 5);
    assert_int_equal(ingest_proxy_pick(p, 20), 1); /* b recovers at 105, a at 110 */
    ingest_proxy_pool_destroy(p);
}

static void test_parse_errors(void **st)
{
    (void)st;
    ingest_proxy_pool *p;
    media_error err;
    assert_int_equal(ingest_proxy_pool_new("", 1, 1, &p, &err), MEDIA_OK);
    assert_null(p);
    assert_int_equal(ingest_proxy_pool_new("http://ok:1,ftp://no:2", 1, 1, &p, &err),
                     MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "proxy 2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_robin_and_cooldown),
        cmocka_unit_test(test_all_resting_uses_the_first_to_recover),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
