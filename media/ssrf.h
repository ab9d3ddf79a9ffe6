/*
 * ssrf.h - the SSRF guard's decisions: is this address one a source download may reach?
 *
 * Pure functions over raw addresses (no I/O, no DNS). The fetcher calls
 * ingest_ssrf_check_sockaddr on every address libcurl is about to connect to, for every hop
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
#ifndef INGEST_SSRF_H
#define INGEST_SSRF_H

#include "media/cidr.h"
#include "media/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef enum {
    INGEST_ADDR_PUBLIC = 0,
    INGEST_ADDR_UNSPECIFIED,
    INGEST_ADDR_LOOPBACK,
    INGEST_ADDR_PRIVATE,
    INGEST_ADDR_CGNAT,
    INGEST_ADDR_LINK_LOCAL,
    INGEST_ADDR_METADATA, /* cloud instance metadata (a link-local or ULA address) */
    INGEST_ADDR_MULTICAST,
    INGEST_ADDR_BROADCAST,
    INGEST_ADDR_RESERVED,
    INGEST_ADDR_ULA,
    INGEST_ADDR_SITE_LOCAL,
} ingest_addr_class;

/* A short name of the rule ("loopback", "private network", ...), for error messages. */
const char *ingest_addr_class_name(ingest_addr_class c);

/* Classify a 4-byte IPv4 or 16-byte IPv6 address (network byte order). */
ingest_addr_class ingest_ssrf_classify_v4(const uint8_t a[4]);
ingest_addr_class ingest_ssrf_classify_v6(const uint8_t a[16]);

/*
 * The guard's decision for a socket address about to be connected: MEDIA_OK, or
 * MEDIA_ERR_INVALID (permanent) with a message naming the rule, never the address.
 */
media_code ingest_ssrf_check_sockaddr(const struct sockaddr *sa, size_t len,
                                      const media_cidr_list *allow, media_error *err);

#endif
