/*
 * request.c - responses, problem+json, the route table and the pure parsers (see request.h).
 */
#include "request.h"
#include "media/json.h"
#include "media/uri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void presign_response_init(presign_response *r)
{
    /* field by field, not memset: location alone is 20 KiB, and zeroing the whole struct
     * twice per request was 5% of a cached /url (bench/README.md) */
    r->status = 0;
    r->content_type = "application/json";
    r->location[0] = '\0';
    r->cache_control[0] = '\0';
    r->allow[0] = '\0';
    for (int i = 0; i < 3; i++)
        r->ratelimit[i][0] = '\0';
    r->retry_after[0] = '\0';
    r->set_cookie[0] = '\0';
    r->route[0] = '\0';
    r->csp = NULL;
    r->wait_ms = 0;
    r->wait_id[0] = '\0';
    r->wait_tenant[0] = '\0';
    r->server_timing[0] = '\0';
    r->tenant[0] = '\0';
    r->key_prefix[0] = '\0';
    media_buf_init(&r->body, 8 << 20);
}

void presign_response_cleanup(presign_response *r)
{
    media_buf_cleanup(&r->body);
}

void presign_problem(presign_response *res, int status, const char *slug, const char *title,
                     const char *detail, const char *request_id)
{
    char type[96];
    snprintf(type, sizeof(type), "urn:mediagate:problem:%s", slug);
    res->status = status;
    res->content_type = "application/problem+json";
    media_buf_reset(&res->body);
    int first = 1;
    media_buf_appends(&res->body, "{");
    media_json_kv_str(&res->body, "type", type, &first);
    media_json_kv_str(&res->body, "title", title, &first);
    media_json_kv_int(&res->body, "status", status, &first);
    if (detail)
        media_json_kv_str(&res->body, "detail", detail, &first);
    if (request_id)
        media_json_kv_str(&res->body, "request_id", request_id, &first);
    media_buf_appends(&res->body, "}\n");
}

bool presign_request_id_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

presign_query_state presign_query_get(const char *query, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t n = media_uri_decode(out, cap, p + nl + 1, len - nl - 1);
            /* a decoded NUL would cut the value short: "ready%00x" is not "ready" */
            return n == (size_t)-1 || memchr(out, '\0', n) ? PRESIGN_QUERY_BAD : PRESIGN_QUERY_OK;
        }
        if (len == nl && strncmp(p, name, nl) == 0) {
            if (cap)
                out[0] = '\0';
            return PRESIGN_QUERY_OK;
        }
        p = amp ? amp + 1 : NULL;
    }
    return PRESIGN_QUERY_ABSENT;
}

bool presign_cookie_get(const char *cookie, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = cookie; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t len = strcspn(p, ";");
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t n = media_uri_decode(out, cap, p + nl + 1, len - nl - 1);
            return n != (size_t)-1 && n > 0 && memchr(out, '\0', n) == NULL;
        }
        p += len;
    }
    return false;
}

void presign_id_canonical(char *id)
{
    for (; *id; id++)
        if (*id >= 'A' && *id <= 'Z')
            *id = (char)(*id - 'A' + 'a');
}

int presign_route_parse(const presign_request *req, presign_response *res, presign_route *rt)
{
    const char *m = req->method, *path = req->path;
    memset(rt, 0, sizeof(*rt));
    static const char prefix[] = "/api/v1/media";
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 ||
        (path[sizeof(prefix) - 1] != '\0' && path[sizeof(prefix) - 1] != '/'))
        goto no_route;
    const char *rest = path + sizeof(prefix) - 1; /* "", "/<id>", "/<id>/url", ... */
    if (rest[0] == '/') {
        const char *slash = strchr(rest + 1, '/');
        size_t n = slash ? (size_t)(slash - rest - 1) : strlen(rest + 1);
        if (n == 0 || n >= sizeof(rt->id) || (slash && strlen(slash + 1) >= sizeof(rt->sub)))
            goto no_route;
        memcpy(rt->id, rest + 1, n);
        presign_id_canonical(rt->id);
        if (slash)
            snprintf(rt->sub, sizeof(rt->sub), "%s", slash + 1);
    }
    const char *allow;
    if (rt->id[0] == '\0') {
        snprintf(res->route, sizeof(res->route), "media");
        rt->write = strcmp(m, "POST") == 0;
        allow = "GET, POST";
    } else if (rt->sub[0] == '\0') {
        snprintf(res->route, sizeof(res->route), "media_id");
        rt->write = strcmp(m, "DELETE") == 0;
        allow = "GET, DELETE";
    } else if (strcmp(rt->sub, "retry") == 0) {
        snprintf(res->route, sizeof(res->route), "media_retry");
        rt->write = strcmp(m, "POST") == 0;
        allow = "POST";
    } else if (strcmp(rt->sub, "url") == 0 || strcmp(rt->sub, "content") == 0) {
        snprintf(res->route, sizeof(res->route), "media_%s", rt->sub);
        rt->write = false;
        allow = "GET";
    } else {
        goto no_route;
    }
    bool retry = strcmp(rt->sub, "retry") == 0; /* POST only */
    if ((!rt->write && strcmp(m, "GET") != 0) || (retry && !rt->write)) {
        snprintf(res->allow, sizeof(res->allow), "%s", allow);
        presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL,
                        req->request_id);
        return -1;
    }
    return 0;
no_route:
    snprintf(res->route, sizeof(res->route), "unknown");
    presign_problem(res, 404, "no-route", "No such route", NULL, req->request_id);
    return -1;
}
