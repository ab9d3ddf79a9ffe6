/* fuzz_route.c - HTTP routing and query, cookie and session parsing of the front end. */
#include "media/session.h"
#include "presign/api.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    /* "METHOD PATH?QUERY\nCOOKIE" */
    char *nl = strchr(s, '\n');
    const char *cookie = nl ? nl + 1 : "";
    if (nl)
        *nl = '\0';
    char *sp = strchr(s, ' ');
    const char *method = "GET", *path = s;
    if (sp) {
        *sp = '\0';
        method = s;
        path = sp + 1;
    }
    char *q = strchr(path, '?');
    if (q)
        *q++ = '\0';
    presign_request req = {method, path, q ? q : "", NULL,  cookie, NULL,
                           "fuzz", NULL, 0,          false, false};
    presign_response res;
    presign_response_init(&res);
    presign_route rt;
    int rc = presign_route_parse(&req, &res, &rt);
    if (rc == 0 && (strlen(rt.id) >= sizeof(rt.id) || strlen(rt.sub) >= sizeof(rt.sub)))
        __builtin_trap();
    if (rc != 0 && res.status != 404 && res.status != 405)
        __builtin_trap();
    presign_response_cleanup(&res);
    char v[64];
    static const char *const names[] = {"page",   "size",    "after",
                                        "status", "expires", "disposition"};
    for (size_t i = 0; i < 6; i++)
        if (presign_query_get(req.query, names[i], v, sizeof(v)) == PRESIGN_QUERY_OK &&
            strlen(v) >= sizeof(v))
            __builtin_trap();
    char c[MEDIA_SESSION_MAX + 16];
    if (presign_cookie_get(cookie, PRESIGN_SESSION_COOKIE, c, sizeof(c))) {
        char id[MEDIA_UUID_STR];
        time_t exp;
        media_session_parse(c, id, &exp);
    }
    presign_request_id_valid(path);
    free(s);
    return 0;
}
