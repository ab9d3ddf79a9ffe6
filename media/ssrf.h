/*
 * ssrf.h - the SSRF guard's decisions: is this address one a source download may reach?
 *
 * Pure functions over raw addresses (no I/O, no DNS). The fetcher calls
 * media_ssrf_check_sockaddr on every address libcurl is about to connect to, for every hop
 * and redirect, so a hostname that re-resolves to an internal address (DNS rebinding) is
 * refused too: no packet is ever sent to a refused address.
 *
 * Refused: unspecified, loopback, private (RFC 1918), CGNAT (100.64/10), link-local
 * (169.254/16 incl. cloud metadata 169.254.169.254; fe80::/10), multicast, broadcast,
 * reserved/documentation/benchmark ranges, IPv6 ULA (fc00::/7, incl. AWS's fd00:ec2::254)
 * and site-local (fec0::/10), and IPv4-mapped, IPv4-compatible, 6to4, NAT64 and Teredo
 * IPv6 addresses whose embedded IPv4 address is any of those. Addresses inside an
 * allow-list (MEDIAGATE_ALLOW_PRIVATE_SOURCES) are exempt.
 */
#ifndef MEDIA_SSRF_H
#define MEDIA_SSRF_H

#include "cidr.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef enum {
    MEDIA_ADDR_PUBLIC = 0,
    MEDIA_ADDR_UNSPECIFIED,
    MEDIA_ADDR_LOOPBACK,
    MEDIA_ADDR_PRIVATE,
    MEDIA_ADDR_CGNAT,
    MEDIA_ADDR_LINK_LOCAL,
    MEDIA_ADDR_METADATA, /* cloud instance metadata (a link-local or ULA address) */
    MEDIA_ADDR_MULTICAST,
    MEDIA_ADDR_BROADCAST,
    MEDIA_ADDR_RESERVED,
    MEDIA_ADDR_ULA,
    MEDIA_ADDR_SITE_LOCAL,
} media_addr_class;

/* A short name of the rule ("loopback", "private network", ...), for error messages. */
const char *media_addr_class_name(media_addr_class c);

/* Classify a 4-byte IPv4 or 16-byte IPv6 address (network byte order). */
media_addr_class media_ssrf_classify_v4(const uint8_t a[4]);
media_addr_class media_ssrf_classify_v6(const uint8_t a[16]);

/*
 * The guard's decision for a socket address about to be connected: MEDIA_OK, or
 * MEDIA_ERR_INVALID (permanent) with a message naming the rule, never the address.
 */
media_code media_ssrf_check_sockaddr(const struct sockaddr *sa, size_t len,
                                     const media_cidr_list *allow, media_error *err);

#endif
