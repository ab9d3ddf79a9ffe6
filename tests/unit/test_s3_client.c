/* test_s3_client.c - the S3 client's pure parts: error classes, S3 times, amz dates.
 * (Requests against a real server are in tests/integration.) */
#include "cmocka_prelude.h"

#include "media/s3_client.h"

static void test_classify(void **st)
{
    (void)st;
    assert_int_equal(media_s3_classify(503, "SlowDown"), MEDIA_CLASS_TRANSIENT);
    assert_int_equal(media_s3_classify(500, "InternalError"), MEDIA_CLASS_TRANSIENT);
    assert_int_equal(media_s3_classify(502, NULL), MEDIA_CLASS_TRANSIENT);
    assert_int_equal(media_s3_classify(400, "RequestTimeout"), MEDIA_CLASS_TRANSIENT);
    assert_int_equal(media_s3_classify(400, "BadDigest"), MEDIA_CLASS_TRANSIENT);
    /* issue 15 defect 7: an upload aborted under us is not a permanent failure of the job */
    assert_int_equal(media_s3_classify(404, "NoSuchUpload"), MEDIA_CLASS_TRANSIENT);
    assert_int_equal(media_s3_classify(429, ""), MEDIA_CLASS_RATE_LIMITED);
    assert_int_equal(media_s3_classify(403, "SignatureDoesNotMatch"), MEDIA_CLASS_PERMANENT);
    assert_int_equal(media_s3_classify(403, "AccessDenied"), MEDIA_CLASS_PERMANENT);
    assert_int_equal(media_s3_classify(404, "NoSuchBucket"), MEDIA_CLASS_PERMANENT);
    assert_int_equal(media_s3_classify(400, "EntityTooSmall"), MEDIA_CLASS_PERMANENT);
}

static void test_s3_times(void **st)
{
    (void)st;
    time_t t;
    assert_true(media_s3_parse_time("1970-01-01T00:00:00.000Z", &t));
    assert_int_equal(t, 0);
    assert_true(media_s3_parse_time("2013-05-24T00:00:00.000Z", &t));
    assert_int_equal(t, 1369353600);
    assert_true(media_s3_parse_time("2024-02-29T12:34:56Z", &t));
    assert_int_equal(t, 1709210096);
    assert_false(media_s3_parse_time("2024-13-01T00:00:00Z", &t));
    assert_false(media_s3_parse_time("yesterday", &t));
    char d[17];
    media_s3_amz_date(1369353600, d);
    assert_string_equal(d, "20130524T000000Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_s3_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
