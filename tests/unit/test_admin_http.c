/* test_admin_http.c - the worker admin port's request parsing and listen address. */
#include "cmocka_prelude.h"

#include "ingest/admin_http.h"

#include <string.h>

static int parse(const char *head, char *path)
{
    return ingest_admin_parse_request(head, strlen(head), path, 64);
}

static void test_requests(void **st)
{
    (void)st;
    char path[64];
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", path), 0);
    assert_string_equal(path, "/metrics");
    assert_int_equal(parse("GET /ready?x=1 HTTP/1.0\r\n\r\n", path), 0);
    assert_string_equal(path, "/ready");
    assert_int_equal(parse("POST /metrics HTTP/1.1\r\n\r\n", path), 405);
    assert_int_equal(parse("GET metrics HTTP/1.1\r\n\r\n", path), 400);
    assert_int_equal(parse("GET /a\x01 HTTP/1.1\r\n\r\n", path), 400);
    assert_int_equal(parse("GET /x SPDY/3\r\n\r\n", path), 400);
    assert_int_equal(parse("garbage", path), 400);
    char big[200];
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /", 5);
    memcpy(big + 150, " HTTP/1.1\r\n\r\n", 14);
    assert_int_equal(ingest_admin_parse_request(big, 164, path, 64), 400); /* path too long */
}

static void test_listen(void **st)
{
    (void)st;
    char host[64];
    int port;
    media_error err;
    assert_int_equal(ingest_admin_parse_listen("127.0.0.1:9464", host, &port, &err), MEDIA_OK);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 9464);
    assert_int_equal(ingest_admin_parse_listen("[::1]:80", host, &port, &err), MEDIA_OK);
    assert_string_equal(host, "::1");
    assert_int_equal(ingest_admin_parse_listen("9464", host, &port, &err), MEDIA_ERR_CONFIG);
    assert_int_equal(ingest_admin_parse_listen("h:0", host, &port, &err), MEDIA_ERR_CONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_listen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
