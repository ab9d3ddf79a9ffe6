/* test_transfer.c - the pipeline's pure decisions: source status classes and URL checks. */
#include "cmocka_prelude.h"

#include "ingest/transfer.h"

#include <string.h>

static void test_status_classes(void **st)
{
    (void)st;
    assert_int_equal(ingest_classify_http_status(200), MEDIA_CLASS_NONE);
    assert_int_equal(ingest_classify_http_status(206), MEDIA_CLASS_NONE);
    assert_int_equal(ingest_classify_http_status(404), MEDIA_CLASS_PERMANENT);
    assert_int_equal(ingest_classify_http_status(403), MEDIA_CLASS_PERMANENT);
    assert_int_equal(ingest_classify_http_status(410), MEDIA_CLASS_PERMANENT);
    assert_int_equal(ingest_classify_http_status(429), MEDIA_CLASS_RATE_LIMITED);
    assert_int_equal(ingest_classify_http_status(408), MEDIA_CLASS_TRANSIENT);
    assert_int_equal(ingest_classify_http_status(500), MEDIA_CLASS_TRANSIENT);
    assert_int_equal(ingest_classify_http_status(503), MEDIA_CLASS_TRANSIENT);
    assert_int_equal(ingest_classify_http_status(304), MEDIA_CLASS_PERMANENT);
}

static void test_url_checks(void **st)
{
    (void)st;
    media_error err;
    assert_int_equal(ingest_url_check("https://cdn.example.com/a.jpg?x=1", &err), MEDIA_OK);
    assert_int_equal(ingest_url_check("http://[2606:4700::1]:8080/a.png", &err), MEDIA_OK);
    const char *bad[] = {"",
                         "ftp://example.com/a.jpg",
                         "file:///etc/passwd",
                         "gopher://x/",
                         "https://user:pw@example.com/a.jpg",
                         "https:///nohost",
                         "not a url",
                         "https://example.com/a b.jpg",
                         "javascript:alert(1)",
                         "dict://127.0.0.1:11211/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(ingest_url_check(bad[i], &err), MEDIA_ERR_INVALID);
        assert_int_equal(err.cls, MEDIA_CLASS_PERMANENT);
    }
    assert_int_equal(ingest_url_check("ftp://example.com/a.jpg", &err), MEDIA_ERR_INVALID);
    assert_non_null(strstr(err.message, "http or https"));
    assert_int_equal(ingest_url_check("https://u:p@example.com/", &err), MEDIA_ERR_INVALID);
    assert_null(strstr(err.message, "u:p"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_classes),
        cmocka_unit_test(test_url_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
