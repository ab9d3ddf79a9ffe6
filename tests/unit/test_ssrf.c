/* test_ssrf.c - the SSRF address classifier over every refused class, and the allow-list.
 * No traffic: addresses are classified as bytes. */
#include "cmocka_prelude.h"

#include "media/source_url.h"
#include "media/ssrf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static media_addr_class v4(const char *s)
{
    uint8_t a[4];
    if (inet_pton(AF_INET, s, a) != 1)
        fail_msg("bad test address %s", s);
    return media_ssrf_classify_v4(a);
}

static media_addr_class v6(const char *s)
{
    uint8_t a[16];
    if (inet_pton(AF_INET6, s, a) != 1)
        fail_msg("bad test address %s", s);
    return media_ssrf_classify_v6(a);
}

static void test_ipv4_classes(void **st)
{
    (void)st;
    assert_int_equal(v4("0.0.0.0"), MEDIA_ADDR_UNSPECIFIED);
    assert_int_equal(v4("0.1.2.3"), MEDIA_ADDR_UNSPECIFIED);
    assert_int_equal(v4("127.0.0.1"), MEDIA_ADDR_LOOPBACK);
    assert_int_equal(v4("127.255.255.254"), MEDIA_ADDR_LOOPBACK);
    assert_int_equal(v4("10.0.0.1"), MEDIA_ADDR_PRIVATE);
    assert_int_equal(v4("172.16.0.1"), MEDIA_ADDR_PRIVATE);
    assert_int_equal(v4("172.31.255.255"), MEDIA_ADDR_PRIVATE);
    assert_int_equal(v4("172.32.0.1"), MEDIA_ADDR_PUBLIC);
    assert_int_equal(v4("192.168.1.1"), MEDIA_ADDR_PRIVATE);
    assert_int_equal(v4("100.64.0.1"), MEDIA_ADDR_CGNAT);
    assert_int_equal(v4("100.127.255.255"), MEDIA_ADDR_CGNAT);
    assert_int_equal(v4("100.128.0.1"), MEDIA_ADDR_PUBLIC);
    assert_int_equal(v4("169.254.169.254"), MEDIA_ADDR_METADATA);
    assert_int_equal(v4("169.254.1.1"), MEDIA_ADDR_LINK_LOCAL);
    assert_int_equal(v4("224.0.0.1"), MEDIA_ADDR_MULTICAST);
    assert_int_equal(v4("239.255.255.250"), MEDIA_ADDR_MULTICAST);
    assert_int_equal(v4("255.255.255.255"), MEDIA_ADDR_BROADCAST);
    assert_int_equal(v4("240.0.0.1"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v4("192.0.0.8"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v4("192.0.2.1"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v4("198.51.100.1"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v4("203.0.113.1"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v4("198.18.0.1"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v4("198.19.255.255"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v4("192.88.99.1"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v4("8.8.8.8"), MEDIA_ADDR_PUBLIC);
    assert_int_equal(v4("1.1.1.1"), MEDIA_ADDR_PUBLIC);
    assert_int_equal(v4("93.184.216.34"), MEDIA_ADDR_PUBLIC);
}

static void test_ipv6_classes(void **st)
{
    (void)st;
    assert_int_equal(v6("::"), MEDIA_ADDR_UNSPECIFIED);
    assert_int_equal(v6("::1"), MEDIA_ADDR_LOOPBACK);
    assert_int_equal(v6("fe80::1"), MEDIA_ADDR_LINK_LOCAL);
    assert_int_equal(v6("febf::1"), MEDIA_ADDR_LINK_LOCAL);
    assert_int_equal(v6("fec0::1"), MEDIA_ADDR_SITE_LOCAL);
    assert_int_equal(v6("fc00::1"), MEDIA_ADDR_ULA);
    assert_int_equal(v6("fd12:3456::1"), MEDIA_ADDR_ULA);
    assert_int_equal(v6("fd00:ec2::254"), MEDIA_ADDR_METADATA);
    assert_int_equal(v6("ff02::1"), MEDIA_ADDR_MULTICAST);
    assert_int_equal(v6("2001:db8::1"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v6("100::1"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v6("2001:2::1"), MEDIA_ADDR_RESERVED); /* 2001::/23 */
    assert_int_equal(v6("4000::1"), MEDIA_ADDR_RESERVED);   /* outside 2000::/3 */
    assert_int_equal(v6("2606:4700::1111"), MEDIA_ADDR_PUBLIC);
    assert_int_equal(v6("2a00:1450:4001::1"), MEDIA_ADDR_PUBLIC);
}

static void test_ipv4_embeddings_in_ipv6(void **st)
{
    (void)st;
    /* IPv4-mapped */
    assert_int_equal(v6("::ffff:127.0.0.1"), MEDIA_ADDR_LOOPBACK);
    assert_int_equal(v6("::ffff:10.1.2.3"), MEDIA_ADDR_PRIVATE);
    assert_int_equal(v6("::ffff:169.254.169.254"), MEDIA_ADDR_METADATA);
    assert_int_equal(v6("::ffff:8.8.8.8"), MEDIA_ADDR_PUBLIC);
    /* IPv4-compatible (deprecated): refused even when the embedded address is public */
    assert_int_equal(v6("::127.0.0.1"), MEDIA_ADDR_LOOPBACK);
    assert_int_equal(v6("::192.168.0.1"), MEDIA_ADDR_PRIVATE);
    assert_int_equal(v6("::8.8.8.8"), MEDIA_ADDR_RESERVED);
    /* 6to4 2002:AABB:CCDD:: */
    assert_int_equal(v6("2002:7f00:1::"), MEDIA_ADDR_LOOPBACK);
    assert_int_equal(v6("2002:a9fe:a9fe::1"), MEDIA_ADDR_METADATA);
    assert_int_equal(v6("2002:c0a8:101::1"), MEDIA_ADDR_PRIVATE);
    assert_int_equal(v6("2002:808:808::1"), MEDIA_ADDR_PUBLIC);
    /* NAT64 well-known prefix and local-use prefix */
    assert_int_equal(v6("64:ff9b::127.0.0.1"), MEDIA_ADDR_LOOPBACK);
    assert_int_equal(v6("64:ff9b::10.0.0.1"), MEDIA_ADDR_PRIVATE);
    assert_int_equal(v6("64:ff9b::100.64.1.1"), MEDIA_ADDR_CGNAT);
    assert_int_equal(v6("64:ff9b::8.8.8.8"), MEDIA_ADDR_PUBLIC);
    assert_int_equal(v6("64:ff9b:1::8.8.8.8"), MEDIA_ADDR_PRIVATE);
    /* Teredo 2001:0:SERVER:flags:port:~CLIENT */
    assert_int_equal(v6("2001:0:4136:e378:8000:63bf:80ff:fffe"), MEDIA_ADDR_LOOPBACK);
    assert_int_equal(v6("2001:0:7f00:1:8000:63bf:f7f7:f7f7"), MEDIA_ADDR_LOOPBACK);
    /* RFC 4380's own example: its client is 192.0.2.45, a documentation address */
    assert_int_equal(v6("2001:0:4136:e378:8000:63bf:3fff:fdd2"), MEDIA_ADDR_RESERVED);
    assert_int_equal(v6("2001:0:4136:e378:8000:63bf:f7f7:f7f7"), MEDIA_ADDR_PUBLIC);
}

static void test_allowlist(void **st)
{
    (void)st;
    media_cidr_list l;
    media_error err;
    assert_int_equal(media_cidr_list_parse("MEDIAGATE_ALLOW_PRIVATE_SOURCES",
                                           "127.0.0.0/8, ::1/128,10.1.2.3", &l, &err),
                     MEDIA_OK);
    assert_int_equal(l.count, 3);
    uint8_t a4[4], a6[16];
    inet_pton(AF_INET, "127.5.6.7", a4);
    assert_true(media_cidr_list_contains(&l, AF_INET, a4));
    inet_pton(AF_INET, "10.1.2.3", a4);
    assert_true(media_cidr_list_contains(&l, AF_INET, a4));
    inet_pton(AF_INET, "10.1.2.4", a4);
    assert_false(media_cidr_list_contains(&l, AF_INET, a4));
    inet_pton(AF_INET6, "::1", a6);
    assert_true(media_cidr_list_contains(&l, AF_INET6, a6));
    inet_pton(AF_INET6, "::ffff:127.0.0.1", a6); /* mapped matches the IPv4 entry */
    assert_true(media_cidr_list_contains(&l, AF_INET6, a6));
    assert_int_equal(media_cidr_list_parse("MEDIAGATE_ALLOW_PRIVATE_SOURCES", "", &l, &err),
                     MEDIA_OK);
    assert_int_equal(l.count, 0);
    assert_int_equal(
        media_cidr_list_parse("MEDIAGATE_ALLOW_PRIVATE_SOURCES", "10.0.0.0/33", &l, &err),
        MEDIA_ERR_CONFIG);
    assert_int_equal(
        media_cidr_list_parse("MEDIAGATE_ALLOW_PRIVATE_SOURCES", "not-an-ip", &l, &err),
        MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "MEDIAGATE_ALLOW_PRIVATE_SOURCES"));
}

static void test_check_sockaddr_names_the_rule_not_the_address(void **st)
{
    (void)st;
    struct sockaddr_in sin = {.sin_family = AF_INET};
    inet_pton(AF_INET, "169.254.169.254", &sin.sin_addr);
    media_error err;
    assert_int_equal(media_ssrf_check_sockaddr((struct sockaddr *)&sin, sizeof(sin), NULL, &err),
                     MEDIA_ERR_INVALID);
    assert_int_equal(err.cls, MEDIA_CLASS_PERMANENT);
    assert_non_null(strstr(err.message, "cloud metadata"));
    assert_null(strstr(err.message, "169.254"));
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
    assert_int_equal(media_ssrf_check_sockaddr((struct sockaddr *)&sin6, sizeof(sin6), NULL, &err),
                     MEDIA_ERR_INVALID);
    assert_non_null(strstr(err.message, "loopback"));
    media_cidr_list l;
    media_cidr_list_parse("MEDIAGATE_ALLOW_PRIVATE_SOURCES", "::1", &l, &err);
    assert_int_equal(media_ssrf_check_sockaddr((struct sockaddr *)&sin6, sizeof(sin6), &l, &err),
                     MEDIA_OK);
    inet_pton(AF_INET, "8.8.8.8", &sin.sin_addr);
    assert_int_equal(media_ssrf_check_sockaddr((struct sockaddr *)&sin, sizeof(sin), NULL, &err),
                     MEDIA_OK);
}

/* issue 29, item 7: a literal address the guard refuses is refused at submission; names are
 * left to the worker (classification only: nothing is sent anywhere). */
static void test_literal_at_submission(void **st)
{
    (void)st;
    media_error err;
    media_cidr_list none = {0}, allow;
    assert_int_equal(media_cidr_list_parse("A", "127.0.0.2/32", &allow, &err), MEDIA_OK);
    static const char *const refused[] = {
        "http://10.0.0.1/x.jpg",   "http://127.0.0.1:8080/x.jpg",
        "http://127.1/",           "http://2130706433/",
        "http://0x7f000001/",      "http://169.254.169.254/latest/meta-data",
        "https://[::1]/a",         "http://[::ffff:127.0.0.1]/a",
        "http://[fd00:ec2::254]/", "http://100.64.0.1/",
        "http://0.0.0.0/",         "http://192.168.1.1/",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        assert_int_equal(media_source_url_check_literal(refused[i], &none, &err),
                         MEDIA_ERR_INVALID);
        assert_non_null(strstr(err.message, "SSRF"));
    }
    static const char *const accepted[] = {
        "http://example.com/x.jpg",
        "https://localhost/x", /* names resolve in the worker */
        "http://93.184.216.34/x.jpg",
        "http://[2606:4700::1111]/x",
    };
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
        assert_int_equal(media_source_url_check_literal(accepted[i], &none, &err), MEDIA_OK);
    /* the allow-list (MEDIAGATE_ALLOW_PRIVATE_SOURCES) applies as in the worker */
    assert_int_equal(media_source_url_check_literal("http://127.0.0.2:9/s.jpg", &allow, &err),
                     MEDIA_OK);
    assert_int_equal(media_source_url_check_literal("http://127.0.0.3:9/s.jpg", &allow, &err),
                     MEDIA_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_at_submission),
        cmocka_unit_test(test_ipv4_classes),
        cmocka_unit_test(test_ipv6_classes),
        cmocka_unit_test(test_ipv4_embeddings_in_ipv6),
        cmocka_unit_test(test_allowlist),
        cmocka_unit_test(test_check_sockaddr_names_the_rule_not_the_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
