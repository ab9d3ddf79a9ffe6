/* test_fetch.c - the fetcher's pure parts: status classes, URL checks, pin entries, localhost
 * names, lookup failures. */
#include "cmocka_prelude.h"

#include "ingest/fetch.h"

#include <arpa/inet.h>
#include <netdb.h>
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

/* issue 15, defect 1: the pin handed to libcurl names exactly the checked address */
static void test_pin_entries(void **st)
{
    (void)st;
    char out[128];
    struct sockaddr_in a4 = {.sin_family = AF_INET};
    inet_pton(AF_INET, "93.184.216.34", &a4.sin_addr);
    assert_true(
        ingest_pin_entry("cdn.example.com", "443", (struct sockaddr *)&a4, out, sizeof(out)));
    assert_string_equal(out, "cdn.example.com:443:93.184.216.34:443");
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "2606:4700::1", &a6.sin6_addr);
    assert_true(ingest_pin_entry("[2606:4700::1]", "80", (struct sockaddr *)&a6, out, sizeof(out)));
    assert_string_equal(out, "[2606:4700::1]:80:[2606:4700::1]:80");
    assert_false(ingest_pin_entry("cdn.example.com", "443", (struct sockaddr *)&a4, out, 10));
    struct sockaddr other = {.sa_family = AF_UNIX};
    assert_false(ingest_pin_entry("h", "1", &other, out, sizeof(out)));
}

/* RFC 6761 names never reach a resolver; unknown names read like refusals (issue 15,
 * defect 8: no internal-DNS oracle) */
static void test_names_and_lookup_failures(void **st)
{
    (void)st;
    assert_true(ingest_is_localhost_name("localhost"));
    assert_true(ingest_is_localhost_name("LOCALHOST."));
    assert_true(ingest_is_localhost_name("evil.localhost"));
    assert_true(ingest_is_localhost_name("a.b.LocalHost."));
    assert_false(ingest_is_localhost_name("localhost.example.com"));
    assert_false(ingest_is_localhost_name("notlocalhost"));
    assert_false(ingest_is_localhost_name(""));
    assert_int_equal(ingest_resolve_failure_class(EAI_NONAME), MEDIA_CLASS_PERMANENT);
    assert_int_equal(ingest_resolve_failure_class(EAI_FAIL), MEDIA_CLASS_PERMANENT);
    assert_int_equal(ingest_resolve_failure_class(EAI_AGAIN), MEDIA_CLASS_TRANSIENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_classes),
        cmocka_unit_test(test_url_checks),
        cmocka_unit_test(test_pin_entries),
        cmocka_unit_test(test_names_and_lookup_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
