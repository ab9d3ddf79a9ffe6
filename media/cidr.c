/*
 * cidr.c - CIDR lists (see cidr.h).
 */
#include "cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

bool media_cidr_prefix_eq(const uint8_t *a, const uint8_t *p, int bits)
{
    int bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, p, (size_t)bytes) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (a[bytes] & mask) == (p[bytes] & mask);
}

media_code media_cidr_list_parse(const char *name, const char *spec, media_cidr_list *out,
                                 media_error *err)
{
    memset(out, 0, sizeof(*out));
    if (spec == NULL)
        return MEDIA_OK;
    const char *p = spec;
    int index = 0;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        index++;
        size_t n = strcspn(p, ", ");
        char item[64];
        if (n >= sizeof(item) || out->count == sizeof(out->cidrs) / sizeof(out->cidrs[0]))
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "%s: entry %d is too long or there are more than %d", name,
                                   index, MEDIA_CIDR_MAX);
        memcpy(item, p, n);
        item[n] = '\0';
        p += n;
        media_cidr *c = &out->cidrs[out->count];
        char *slash = strchr(item, '/');
        if (slash)
            *slash = '\0';
        if (inet_pton(AF_INET, item, c->addr) == 1) {
            c->family = AF_INET;
            c->prefix = 32;
        } else if (inet_pton(AF_INET6, item, c->addr) == 1) {
            c->family = AF_INET6;
            c->prefix = 128;
        } else {
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "%s: entry %d is not an IP address or CIDR", name, index);
        }
        if (slash) {
            char *end;
            long bits = strtol(slash + 1, &end, 10);
            if (end == slash + 1 || *end || bits < 0 || bits > c->prefix)
                return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                       "%s: entry %d has a bad prefix length", name, index);
            c->prefix = (int)bits;
        }
        out->count++;
    }
    return MEDIA_OK;
}

bool media_cidr_list_contains(const media_cidr_list *l, int family, const uint8_t *addr)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (family == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
        family = AF_INET;
        addr += 12;
    }
    for (size_t i = 0; i < l->count; i++)
        if (l->cidrs[i].family == family &&
            media_cidr_prefix_eq(addr, l->cidrs[i].addr, l->cidrs[i].prefix))
            return true;
    return false;
}
