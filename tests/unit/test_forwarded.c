/* test_forwarded.c - the client's address behind trusted proxies (presign/forwarded.h):
 * issue 24, defect 2 — through haproxy a forged first X-Forwarded-For line chose the budget. */
#include "cmocka_prelude.h"

#include "media/error.h"
#include "presign/forwarded.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

/* The client found for peer and the given header lines (NULL-terminated), as text. */
static const char *client(const char *trusted, const char *peer, const char *const *lines)
{
    static char out[INET6_ADDRSTRLEN];
    media_cidr_list l;
    media_error err;
    assert_int_equal(media_cidr_list_parse("T", trusted, &l, &err), MEDIA_OK);
    int family = strchr(peer, ':') ? AF_INET6 : AF_INET;
    uint8_t addr[16] = {0};
    assert_int_equal(inet_pton(family, peer, addr), 1);
    const char *v[8];
    size_t lens[8], n = 0;
    for (; lines[n]; n++)
        v[n] = lines[n], lens[n] = strlen(lines[n]);
    presign_forwarded_client(v, lens, n, &l, &family, addr);
    assert_non_null(inet_ntop(family, addr, out, sizeof(out)));
    return out;
}

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_forwarded(void **st)
{
    (void)st;
    const char *none[] = {NULL};
    /* no header: the peer */
    assert_string_equal(client("127.0.0.0/8", "127.0.0.1", none), "127.0.0.1");
    /* an untrusted peer's header is ignored */
    assert_string_equal(client("10.0.0.0/8", "192.0.2.9", LINES("198.51.100.1")), "192.0.2.9");
    /* haproxy: the client's forged line first, haproxy's own line second — haproxy's counts */
    assert_string_equal(client("127.0.0.0/8", "127.0.0.1", LINES("203.0.113.77", "192.0.2.5")),
                        "192.0.2.5");
    /* the same in one line */
    assert_string_equal(client("127.0.0.0/8", "127.0.0.1", LINES("203.0.113.77, 192.0.2.5")),
                        "192.0.2.5");
    /* a chain of trusted proxies is walked; the first untrusted hop from the right wins */
    assert_string_equal(
        client("127.0.0.0/8,10.0.0.0/8", "127.0.0.1", LINES("203.0.113.77, 192.0.2.5", "10.1.2.3")),
        "192.0.2.5");
    /* every hop trusted: the leftmost */
    assert_string_equal(
        client("127.0.0.0/8,10.0.0.0/8", "127.0.0.1", LINES("10.9.9.9", "10.1.2.3")), "10.9.9.9");
    /* garbage next to a trusted hop: that hop is the client, never the garbage */
    assert_string_equal(client("127.0.0.0/8", "127.0.0.1", LINES("192.0.2.5", "unknown")),
                        "127.0.0.1");
    assert_string_equal(client("127.0.0.0/8", "127.0.0.1", LINES("192.0.2.5, ")), "127.0.0.1");
    assert_string_equal(client("127.0.0.0/8", "127.0.0.1", LINES("[::1]:80")), "127.0.0.1");
    /* an empty line is skipped */
    assert_string_equal(client("127.0.0.0/8", "127.0.0.1", LINES("192.0.2.5", "")), "192.0.2.5");
    /* IPv6 */
    assert_string_equal(client("::1/128", "::1", LINES("2001:db8::7", " 2001:db8::1 ")),
                        "2001:db8::1");
    assert_string_equal(client("::1/128", "::1", LINES("192.0.2.5")), "192.0.2.5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forwarded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
