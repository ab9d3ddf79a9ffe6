/* test_notify.c - the webhook sender's pure parts: breaker names (per endpoint, per callback
 * host; never the path or query, which may hold a token) and its settings. */
#include "cmocka_prelude.h"

#include "env_table.h"

#include "ingest/notify.h"

#include <string.h>

static void test_breaker_name(void **st)
{
    (void)st;
    char n[128];
    ingest_notify_breaker_name("0190-ab", "https://h/x", n, sizeof(n));
    assert_string_equal(n, "0190-ab");
    ingest_notify_breaker_name("", "https://hooks.example:8443/cb?token=s3cret", n, sizeof(n));
    assert_string_equal(n, "cb:hooks.example:8443");
    ingest_notify_breaker_name(NULL, "http://u@h.example#frag", n, sizeof(n));
    assert_string_equal(n, "cb:h.example");
}

static void test_config(void **st)
{
    (void)st;
    ingest_notify_config c;
    media_error err;
    env_table none = {{NULL}};
    assert_int_equal(ingest_notify_config_load(&c, env_table_lookup, &none, &err), MEDIA_OK);
    assert_int_equal(c.retry.max_attempts, 8);
    assert_int_equal(c.timeout_s, 10);
    assert_int_equal(c.breaker_failures, 5);
    env_table bad = {{"MEDIAGATE_WEBHOOK_POLL_MS", "10", NULL}};
    assert_int_equal(ingest_notify_config_load(&c, env_table_lookup, &bad, &err), MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "MEDIAGATE_WEBHOOK_POLL_MS"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_breaker_name),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
