/* test_retry.c - backoff with full jitter, caps, Retry-After, attempts. */
#include "cmocka_prelude.h"

#include "ingest/retry.h"

static void test_backoff(void **st)
{
    (void)st;
    ingest_retry_policy p = {3, 1000, 300000};
    /* full jitter: the draw scales the exponential ceiling */
    assert_int_equal(ingest_retry_delay_ms(&p, 1, MEDIA_CLASS_TRANSIENT, 0, 0.5), 500);
    assert_int_equal(ingest_retry_delay_ms(&p, 2, MEDIA_CLASS_TRANSIENT, 0, 0.5), 1000);
    assert_int_equal(ingest_retry_delay_ms(&p, 2, MEDIA_CLASS_TRANSIENT, 0, 0.0), 0);
    assert_true(ingest_retry_delay_ms(&p, 2, MEDIA_CLASS_TRANSIENT, 0, 0.9999) < 2000);
    /* attempts exhausted, permanent errors: no retry */
    assert_int_equal(ingest_retry_delay_ms(&p, 3, MEDIA_CLASS_TRANSIENT, 0, 0.5), -1);
    assert_int_equal(ingest_retry_delay_ms(&p, 1, MEDIA_CLASS_PERMANENT, 0, 0.5), -1);
    assert_int_equal(ingest_retry_delay_ms(&p, 1, MEDIA_CLASS_NONE, 0, 0.5), -1);
}

static void test_cap_and_retry_after(void **st)
{
    (void)st;
    ingest_retry_policy p = {50, 1000, 10000};
    assert_int_equal(ingest_retry_delay_ms(&p, 40, MEDIA_CLASS_TRANSIENT, 0, 0.5), 5000);
    /* Retry-After is a floor, still under the cap */
    assert_int_equal(ingest_retry_delay_ms(&p, 1, MEDIA_CLASS_RATE_LIMITED, 7, 0.1), 7000);
    assert_int_equal(ingest_retry_delay_ms(&p, 1, MEDIA_CLASS_RATE_LIMITED, 60, 0.1), 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_cap_and_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
