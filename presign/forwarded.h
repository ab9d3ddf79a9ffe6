/*
 * forwarded.h - inside the front end: which address a request comes from when it passed
 * through proxies we trust (MEDIAGATE_TRUSTED_PROXIES). Pure; server.c reads the headers.
 *
 * X-Forwarded-For may arrive as several header lines: a client sends its own (anything it
 * likes), and each proxy appends the address it saw, haproxy's "option forwardfor" as a line
 * of its own. The lines in order, joined by commas, are one list whose last entry is what the
 * nearest proxy saw. The client is found from the right: start at the peer; while the current
 * hop is trusted, step to the entry it added (the next one leftwards). The first hop that is
 * not trusted is the client; so is the last trusted hop when the entry left of it is not an
 * address, or when the list runs out. Nothing a client writes can choose its address unless
 * a trusted proxy vouches for it (issue 24, defect 2: the first line was read).
 */
#ifndef PRESIGN_FORWARDED_H
#define PRESIGN_FORWARDED_H

#include "media/cidr.h"

#include <stddef.h>
#include <stdint.h>

/* lines: the X-Forwarded-For values in arrival order (lens[i] bytes each, not terminated).
 * family/addr: the peer on entry (AF_INET or AF_INET6; IPv4 in addr[0..3]), the client on
 * return. */
void presign_forwarded_client(const char *const *lines, const size_t *lens, size_t n,
                              const media_cidr_list *trusted, int *family, uint8_t addr[16]);

#endif
