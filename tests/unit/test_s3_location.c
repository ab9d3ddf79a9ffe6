/* test_s3_location.c - endpoints, bucket and key rules, path and virtual addressing. */
#include "cmocka_prelude.h"

#include "media/s3_location.h"

#include <string.h>

static void test_endpoint_parse(void **st)
{
    (void)st;
    media_endpoint ep;
    media_error err;
    assert_int_equal(media_endpoint_parse("http://127.0.0.1:7480", &ep, &err), MEDIA_OK);
    assert_false(ep.https);
    assert_string_equal(ep.host, "127.0.0.1");
    assert_int_equal(ep.port, 7480);
    assert_false(ep.default_port);
    assert_int_equal(media_endpoint_parse("https://s3.amazonaws.com/", &ep, &err), MEDIA_OK);
    assert_true(ep.https);
    assert_int_equal(ep.port, 443);
    assert_true(ep.default_port);
    assert_int_equal(media_endpoint_parse("http://[::1]:9000", &ep, &err), MEDIA_OK);
    assert_string_equal(ep.host, "[::1]");
    assert_true(media_endpoint_is_ip_literal(&ep));
    assert_int_equal(media_endpoint_parse("https://h:443", &ep, &err), MEDIA_OK);
    assert_true(ep.default_port);

    const char *bad[] = {"",
                         "ftp://h",
                         "http://",
                         "http://h:0",
                         "http://h:70000",
                         "http://h/path",
                         "http://u:p@h",
                         "http://h?x",
                         "http://[::1",
                         "http://h:12x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(media_endpoint_parse(bad[i], &ep, &err), MEDIA_ERR_CONFIG);
}

static void test_bucket_names(void **st)
{
    (void)st;
    assert_true(media_s3_bucket_name_valid("media-bucket.1"));
    assert_true(media_s3_bucket_name_valid("abc"));
    assert_false(media_s3_bucket_name_valid("ab"));
    assert_false(media_s3_bucket_name_valid("Upper"));
    assert_false(media_s3_bucket_name_valid("-abc"));
    assert_false(media_s3_bucket_name_valid("abc-"));
    assert_false(media_s3_bucket_name_valid("a..b"));
    assert_false(media_s3_bucket_name_valid("a.-b"));
    assert_false(media_s3_bucket_name_valid("192.168.1.1"));
    assert_false(media_s3_bucket_name_valid("a_b"));
    assert_false(media_s3_bucket_name_valid(NULL));
}

static void test_key_rules(void **st)
{
    (void)st;
    media_error err;
    char big[1100];
    assert_int_equal(media_s3_key_check("a/b c+\xe2\x82\xac.jpg", &err), MEDIA_OK);
    assert_int_equal(media_s3_key_check("", &err), MEDIA_ERR_INVALID);
    assert_int_equal(media_s3_key_check("a\nb", &err), MEDIA_ERR_INVALID);
    assert_int_equal(media_s3_key_check("a\x7f", &err), MEDIA_ERR_INVALID);
    assert_int_equal(media_s3_key_check("\xc3", &err), MEDIA_ERR_INVALID);         /* cut */
    assert_int_equal(media_s3_key_check("\xc0\xaf", &err), MEDIA_ERR_INVALID);     /* overlong */
    assert_int_equal(media_s3_key_check("\xed\xa0\x80", &err), MEDIA_ERR_INVALID); /* surrogate */
    assert_int_equal(media_s3_key_check("\xc2\x85", &err), MEDIA_ERR_INVALID);     /* C1 NEL */
    memset(big, 'k', 1024);
    big[1024] = '\0';
    assert_int_equal(media_s3_key_check(big, &err), MEDIA_OK);
    big[1024] = 'k';
    big[1025] = '\0';
    assert_int_equal(media_s3_key_check(big, &err), MEDIA_ERR_INVALID);
}

static void test_locate_path_and_virtual(void **st)
{
    (void)st;
    media_endpoint ep;
    media_s3_location loc;
    media_error err;
    media_endpoint_parse("http://localhost:7480", &ep, NULL);
    assert_int_equal(media_s3_locate(&ep, MEDIA_S3_ADDRESSING_PATH, "bkt", "a b", &loc, &err),
                     MEDIA_OK);
    assert_string_equal(loc.origin, "http://localhost:7480");
    assert_string_equal(loc.host, "localhost:7480");
    assert_string_equal(loc.path, "/bkt/a%20b");
    assert_int_equal(media_s3_locate(&ep, MEDIA_S3_ADDRESSING_VIRTUAL, "bkt", "a b", &loc, &err),
                     MEDIA_OK);
    assert_string_equal(loc.origin, "http://bkt.localhost:7480");
    assert_string_equal(loc.host, "bkt.localhost:7480");
    assert_string_equal(loc.path, "/a%20b");
    assert_int_equal(media_s3_locate(&ep, MEDIA_S3_ADDRESSING_VIRTUAL, "bkt", NULL, &loc, &err),
                     MEDIA_OK);
    assert_string_equal(loc.path, "/");
    assert_int_equal(media_s3_locate(&ep, MEDIA_S3_ADDRESSING_PATH, "bkt", NULL, &loc, &err),
                     MEDIA_OK);
    assert_string_equal(loc.path, "/bkt");
    media_endpoint_parse("http://127.0.0.1:7480", &ep, NULL);
    assert_int_equal(media_s3_locate(&ep, MEDIA_S3_ADDRESSING_VIRTUAL, "bkt", "k", &loc, &err),
                     MEDIA_ERR_INVALID);
    assert_int_equal(media_s3_locate(&ep, MEDIA_S3_ADDRESSING_PATH, "B!", "k", &loc, &err),
                     MEDIA_ERR_INVALID);
    /* a key of 1024 bytes that all encode to %XX still fits */
    char key[1025];
    memset(key, '#', 1024);
    key[1024] = '\0';
    assert_int_equal(media_s3_locate(&ep, MEDIA_S3_ADDRESSING_PATH, "bkt", key, &loc, &err),
                     MEDIA_OK);
    assert_int_equal(strlen(loc.path), 5 + 3 * 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoint_parse),
        cmocka_unit_test(test_bucket_names),
        cmocka_unit_test(test_key_rules),
        cmocka_unit_test(test_locate_path_and_virtual),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
