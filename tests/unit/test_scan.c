/*
 * test_scan.c - the malware scanner's verdicts (clamd's replies) and a scanner that cannot be
 * reached. tests/integration/test_scan.sh runs the hook against a real clamd.
 */
#include "cmocka_prelude.h"

#include "media/scan.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_verdicts(void **state)
{
    (void)state;
    media_error err;
    assert_int_equal(media_scan_verdict("stream: OK", &err), MEDIA_OK);
    assert_int_equal(media_scan_verdict("stream: OK\n", &err), MEDIA_OK);
    assert_int_equal(media_scan_verdict("stream: Eicar-Signature FOUND", &err), MEDIA_ERR_INVALID);
    assert_int_equal(err.cls, MEDIA_CLASS_PERMANENT);
    assert_string_equal(err.message, "refused by the malware scanner: Eicar-Signature");
    assert_int_equal(media_scan_verdict("INSTREAM size limit exceeded. ERROR", &err),
                     MEDIA_ERR_INVALID);
    assert_non_null(strstr(err.message, "larger than it scans"));
    /* anything else is the scanner failing: transient, never a pass */
    const char *failing[] = {"",
                             "stream: ",
                             "stream:  FOUND",
                             "Can't allocate memory ERROR",
                             "stream: OK but more",
                             "UNKNOWN COMMAND"};
    for (size_t i = 0; i < sizeof(failing) / sizeof(failing[0]); i++) {
        assert_int_equal(media_scan_verdict(failing[i], &err), MEDIA_ERR_NETWORK);
        assert_int_equal(err.cls, MEDIA_CLASS_TRANSIENT);
    }
}

static void test_unreachable_and_bad_addresses(void **state)
{
    (void)state;
    /* a loopback port nothing listens on: bind one, learn it, close it */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(a.sin_port));
    media_error err;
    assert_null(media_scan_open(addr, 1000, &err));
    assert_int_equal(err.cls, MEDIA_CLASS_TRANSIENT);
    assert_non_null(strstr(err.message, "cannot be reached"));
    assert_null(media_scan_open("unix:/nonexistent/clamd.sock", 1000, &err));
    assert_int_equal(err.cls, MEDIA_CLASS_TRANSIENT);
    assert_null(media_scan_open("no-port", 1000, &err));
    assert_int_equal(err.code, MEDIA_ERR_CONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_unreachable_and_bad_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
