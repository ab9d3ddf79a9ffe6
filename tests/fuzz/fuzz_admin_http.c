/* fuzz_admin_http.c - the admin port's request parser and the health check's URL parser. */
#include "media/admin_http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[256];
    int rc = media_admin_parse_request((const char *)data, size, path, sizeof(path));
    if (rc == 0 && (path[0] != '/' || strlen(path) >= sizeof(path)))
        __builtin_trap();
    if (rc != 0 && rc != 400 && rc != 405)
        __builtin_trap();
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    char host[64], p2[256];
    int port;
    if (media_admin_url_parse(s, host, &port, p2) && (port < 1 || port > 65535 || p2[0] != '/'))
        __builtin_trap();
    media_error err;
    if (media_admin_parse_listen("X", s, host, &port, &err) == MEDIA_OK &&
        (port < 1 || port > 65535))
        __builtin_trap();
    free(s);
    return 0;
}
