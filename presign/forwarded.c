/*
 * forwarded.c - the client's address behind trusted proxies (see forwarded.h).
 */
#include "forwarded.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

/* An entry "  addr  " as an address (IPv4 or IPv6, without brackets or a port). */
static bool parse_entry(const char *p, const char *end, int *family, uint8_t addr[16])
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    char text[INET6_ADDRSTRLEN + 1];
    if (end <= p || (size_t)(end - p) >= sizeof(text))
        return false;
    memcpy(text, p, (size_t)(end - p));
    text[end - p] = '\0';
    uint8_t a[16] = {0};
    if (inet_pton(AF_INET, text, a) == 1)
        *family = AF_INET;
    else if (inet_pton(AF_INET6, text, a) == 1)
        *family = AF_INET6;
    else
        return false;
    memcpy(addr, a, 16);
    return true;
}

void presign_forwarded_client(const char *const *lines, const size_t *lens, size_t n,
                              const media_cidr_list *trusted, int *family, uint8_t addr[16])
{
    for (size_t i = n; i-- > 0;) {
        const char *start = lines[i], *end = lines[i] + lens[i];
        while (end > start) {
            if (!media_cidr_list_contains(trusted, *family, addr))
                return; /* an untrusted hop: the client */
            const char *p = end;
            while (p > start && p[-1] != ',')
                p--;
            if (!parse_entry(p, end, family, addr))
                return; /* garbage left of a trusted hop: that hop is the client */
            end = p > start ? p - 1 : start;
        }
    }
}
