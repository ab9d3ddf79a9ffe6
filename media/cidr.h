/*
 * cidr.h - lists of CIDR blocks from configuration ("127.0.0.0/8, ::1/128, 10.1.2.3"):
 * the SSRF guard's exemptions (MEDIAGATE_ALLOW_PRIVATE_SOURCES) and serve's trusted proxies
 * (MEDIAGATE_TRUSTED_PROXIES). Pure; plain data.
 */
#ifndef MEDIA_CIDR_H
#define MEDIA_CIDR_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct media_cidr {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    int prefix;
} media_cidr;

#define MEDIA_CIDR_MAX 32

typedef struct media_cidr_list {
    media_cidr cidrs[MEDIA_CIDR_MAX];
    size_t count;
} media_cidr_list;

/*
 * Parse a comma- or space-separated list (a bare address is a /32 or /128; empty or NULL
 * means an empty list). MEDIA_ERR_CONFIG naming the variable `name` and the bad entry's
 * position on error.
 */
media_code media_cidr_list_parse(const char *name, const char *spec, media_cidr_list *out,
                                 media_error *err);
/* True when the address (family AF_INET/AF_INET6, raw bytes in network order) is inside the
 * list. IPv4-mapped IPv6 addresses match IPv4 entries. */
bool media_cidr_list_contains(const media_cidr_list *l, int family, const uint8_t *addr);
/* True when the first `bits` bits of a and p are equal. */
bool media_cidr_prefix_eq(const uint8_t *a, const uint8_t *p, int bits);

#endif
