/*
 * ssrf.c - address classification for the SSRF guard.
 *
 * To refuse another range: add it to v4_rules or v6_rules (or to the embedding logic in
 * media_ssrf_classify_v6), add a case to tests/unit/test_ssrf.c.
 */
#include "ssrf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *media_addr_class_name(media_addr_class c)
{
    switch (c) {
    case MEDIA_ADDR_PUBLIC:
        return "public";
    case MEDIA_ADDR_UNSPECIFIED:
        return "unspecified address";
    case MEDIA_ADDR_LOOPBACK:
        return "loopback";
    case MEDIA_ADDR_PRIVATE:
        return "private network";
    case MEDIA_ADDR_CGNAT:
        return "carrier-grade NAT";
    case MEDIA_ADDR_LINK_LOCAL:
        return "link-local";
    case MEDIA_ADDR_METADATA:
        return "cloud metadata service";
    case MEDIA_ADDR_MULTICAST:
        return "multicast";
    case MEDIA_ADDR_BROADCAST:
        return "broadcast";
    case MEDIA_ADDR_RESERVED:
        return "reserved range";
    case MEDIA_ADDR_ULA:
        return "unique local (IPv6 private)";
    case MEDIA_ADDR_SITE_LOCAL:
        return "site-local";
    }
    return "reserved range";
}

typedef struct {
    uint32_t net;
    int prefix;
    media_addr_class cls;
} v4_rule;

/* most specific first */
static const v4_rule v4_rules[] = {
    {0xA9FEA9FE, 32, MEDIA_ADDR_METADATA},  /* 169.254.169.254 */
    {0xFFFFFFFF, 32, MEDIA_ADDR_BROADCAST}, /* 255.255.255.255 */
    {0x00000000, 8, MEDIA_ADDR_UNSPECIFIED}, {0x7F000000, 8, MEDIA_ADDR_LOOPBACK},
    {0x0A000000, 8, MEDIA_ADDR_PRIVATE},     {0xAC100000, 12, MEDIA_ADDR_PRIVATE},
    {0xC0A80000, 16, MEDIA_ADDR_PRIVATE},    {0x64400000, 10, MEDIA_ADDR_CGNAT},
    {0xA9FE0000, 16, MEDIA_ADDR_LINK_LOCAL}, {0xE0000000, 4, MEDIA_ADDR_MULTICAST},
    {0xF0000000, 4, MEDIA_ADDR_RESERVED},  /* 240/4, future use */
    {0xC0000000, 24, MEDIA_ADDR_RESERVED}, /* 192.0.0/24 IETF protocol assignments */
    {0xC0000200, 24, MEDIA_ADDR_RESERVED}, /* 192.0.2/24 TEST-NET-1 */
    {0xC6336400, 24, MEDIA_ADDR_RESERVED}, /* 198.51.100/24 TEST-NET-2 */
    {0xCB007100, 24, MEDIA_ADDR_RESERVED}, /* 203.0.113/24 TEST-NET-3 */
    {0xC6120000, 15, MEDIA_ADDR_RESERVED}, /* 198.18/15 benchmarking */
    {0xC0586300, 24, MEDIA_ADDR_RESERVED}, /* 192.88.99/24 6to4 relay anycast */
};

media_addr_class media_ssrf_classify_v4(const uint8_t a[4])
{
    uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    for (size_t i = 0; i < sizeof(v4_rules) / sizeof(v4_rules[0]); i++) {
        uint32_t mask = v4_rules[i].prefix ? 0xFFFFFFFFu << (32 - v4_rules[i].prefix) : 0;
        if ((v & mask) == v4_rules[i].net)
            return v4_rules[i].cls;
    }
    return MEDIA_ADDR_PUBLIC;
}

static media_addr_class worse(media_addr_class a, media_addr_class b)
{
    return a != MEDIA_ADDR_PUBLIC ? a : b;
}

media_addr_class media_ssrf_classify_v6(const uint8_t a[16])
{
    static const uint8_t zero[16] = {0};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t nat64_local[6] = {0, 0x64, 0xff, 0x9b, 0, 0x01};
    static const uint8_t teredo[4] = {0x20, 0x01, 0, 0};
    static const uint8_t ec2_metadata[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0,    0,
                                             0,    0, 0,    0,    0, 0, 0x02, 0x54};

    if (memcmp(a, zero, 16) == 0)
        return MEDIA_ADDR_UNSPECIFIED;
    if (memcmp(a, zero, 15) == 0 && a[15] == 1)
        return MEDIA_ADDR_LOOPBACK;
    if (memcmp(a, mapped, 12) == 0) /* ::ffff:a.b.c.d */
        return media_ssrf_classify_v4(a + 12);
    if (memcmp(a, zero, 12) == 0) /* ::a.b.c.d, IPv4-compatible (deprecated) */
        return worse(media_ssrf_classify_v4(a + 12), MEDIA_ADDR_RESERVED);
    if (memcmp(a, nat64, 12) == 0) /* 64:ff9b::/96 */
        return media_ssrf_classify_v4(a + 12);
    if (memcmp(a, nat64_local, 6) == 0) /* 64:ff9b:1::/48, local-use NAT64 */
        return MEDIA_ADDR_PRIVATE;
    if (a[0] == 0x20 && a[1] == 0x02) /* 2002::/16 6to4: 2002:AABB:CCDD:: */
        return media_ssrf_classify_v4(a + 2);
    if (memcmp(a, teredo, 4) == 0) { /* 2001::/32: server v4, then client v4 inverted */
        uint8_t client[4] = {(uint8_t)~a[12], (uint8_t)~a[13], (uint8_t)~a[14], (uint8_t)~a[15]};
        return worse(media_ssrf_classify_v4(a + 4), media_ssrf_classify_v4(client));
    }
    if (memcmp(a, ec2_metadata, 16) == 0)
        return MEDIA_ADDR_METADATA;
    if (a[0] == 0xff)
        return MEDIA_ADDR_MULTICAST;
    if ((a[0] & 0xfe) == 0xfc)
        return MEDIA_ADDR_ULA;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return MEDIA_ADDR_LINK_LOCAL;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        return MEDIA_ADDR_SITE_LOCAL;
    static const uint8_t doc[4] = {0x20, 0x01, 0x0d, 0xb8};        /* 2001:db8::/32 */
    static const uint8_t discard[8] = {0x01, 0, 0, 0, 0, 0, 0, 0}; /* 100::/64 */
    static const uint8_t ietf[3] = {0x20, 0x01, 0x00};             /* 2001::/23 */
    if (media_cidr_prefix_eq(a, doc, 32) || media_cidr_prefix_eq(a, discard, 64) ||
        media_cidr_prefix_eq(a, ietf, 23))
        return MEDIA_ADDR_RESERVED;
    /* outside 2000::/3 (global unicast) nothing is routable on the internet */
    if ((a[0] & 0xe0) != 0x20)
        return MEDIA_ADDR_RESERVED;
    return MEDIA_ADDR_PUBLIC;
}

media_code media_ssrf_check_sockaddr(const struct sockaddr *sa, size_t len,
                                     const media_cidr_list *allow, media_error *err)
{
    int family = sa->sa_family;
    const uint8_t *addr;
    if (family == AF_INET && len >= sizeof(struct sockaddr_in))
        addr = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
    else if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
        addr = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
    else
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source refused by the SSRF guard: not an IP connection");
    if (allow && media_cidr_list_contains(allow, family, addr))
        return MEDIA_OK;
    media_addr_class c =
        family == AF_INET ? media_ssrf_classify_v4(addr) : media_ssrf_classify_v6(addr);
    if (c == MEDIA_ADDR_PUBLIC)
        return MEDIA_OK;
    return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                           "source refused by the SSRF guard: it resolves to a %s address",
                           media_addr_class_name(c));
}
