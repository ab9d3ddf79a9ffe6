/*
 * request.h - one API request and its response as plain data, independent of the HTTP
 * server, and the pure parsing around them: the route table, query parameters, cookies,
 * request ids, problem+json bodies.
 */
#ifndef PRESIGN_REQUEST_H
#define PRESIGN_REQUEST_H

#include "media/mem.h"
#include "media/s3_sign.h"

#include <stdbool.h>
#include <stddef.h>

/* One HTTP request, copied out of the server (all strings owned by the caller). */
typedef struct presign_request {
    const char *method;
    const char *path;  /* without the query */
    const char *query; /* after '?', or "" */
    const char *authorization;
    const char *cookie; /* the Cookie header; only the page's session, on read routes */
    const char *idempotency_key;
    const char *request_id;
    const char *body;
    size_t body_len;
    bool waited;   /* a waiting read woken or timed out: answer now, never park again */
    bool from_app; /* the page's own request: "X-Mediagate-App: 1", or a browser's
                      "Sec-Fetch-Site: same-origin" (see below) */
} presign_request;

/* The response the server writes. Body owned (media_buf). */
/* presign_response_init sets each field: a field added here is added there too. */
typedef struct presign_response {
    int status;
    const char *content_type;
    char location[MEDIA_SIGV4_MAX_URL];
    char cache_control[64];
    char allow[64];
    char ratelimit[3][24]; /* Limit, Remaining, Reset; "" when not rate limited */
    char retry_after[24];
    char set_cookie[256]; /* "" when none */
    char route[32];       /* for metrics */
    const char *csp;      /* Content-Security-Policy; NULL: the API's (nothing allowed) */
    long wait_ms;         /* > 0: a waiting read; park it until wait_id changes or this long
                             passes, then ask again with waited (body: the answer until then) */
    char wait_id[40];
    char wait_tenant[64];   /* whose wait it is: each tenant parks at most its share */
    char server_timing[96]; /* "db;dur=..,redis;dur=..,s3;dur=.." the request spent; "" none */
    char tenant[64];        /* the authenticated caller's, for the access log; "" none */
    char key_prefix[16];    /* its key's display prefix ("mgk_" + 8); "" none or a session */
    media_buf body;
} presign_response;

void presign_response_init(presign_response *r);
void presign_response_cleanup(presign_response *r);

/* A request's route under /api/v1/media: the id ("" for the collection), the sub-resource
 * ("url", "content", or ""), and whether it writes. */
typedef struct presign_route {
    char id[64], sub[16];
    bool write;
} presign_route;
/* Match method and path; 0, or -1 with a 404/405 problem in res. res->route is set either way
 * (the metrics label). */
int presign_route_parse(const presign_request *req, presign_response *res, presign_route *rt);

/* Lower-case an id in place: ids are UUIDs, and a cache keyed by "ABC" must not miss what
 * "abc" stored (issue 24, defect 5). Every route family that takes an id calls it when it
 * matches the path (presign_route_parse does for the media family). */
void presign_id_canonical(char *id);

/* Fill a problem+json body: status, slug, title, detail. */
void presign_problem(presign_response *res, int status, const char *slug, const char *title,
                     const char *detail, const char *request_id);
/* Is s a well-formed request id (1..64 of [A-Za-z0-9._-])? */
bool presign_request_id_valid(const char *s);
/* Value of cookie `name` in a Cookie header (percent-decoded) into out; false when absent,
 * empty, undecodable or too long. */
bool presign_cookie_get(const char *cookie, const char *name, char *out, size_t cap);
/* The browser page's session cookie (issue 15, defect 8): issued by POST /app/session for a
 * valid API key, HttpOnly (the page's script never holds a credential), SameSite=Strict,
 * Path=/api/v1, Secure with TLS or MEDIAGATE_COOKIE_SECURE. It holds a session token
 * (media/session.h), never the key, and only when no Authorization header is sent: it opens
 * the read routes (GET list, record, /url, /content, which images load without script), and
 * any other route — with its key's scopes — only for the page's own request: one carrying
 * "X-Mediagate-App: 1" (issue 13, item 4: the page submits ingests and, for an admin key,
 * replays), or one a browser marks "Sec-Fetch-Site: same-origin" (Fetch Metadata; Uppy's
 * Companion requests, which cannot carry our header). A cross-site page can neither send the
 * cookie (SameSite=Strict) nor that header without a CORS preflight, which the API never
 * grants for it, nor make a browser call its request same-origin: a form or a link never
 * writes (issue 24, defect 7). */
#define PRESIGN_SESSION_COOKIE "mediagate_session"
/* A query parameter's state: absent, present (value decoded into out), or present but unusable
 * (a malformed %-escape, or longer than out) — which callers answer with 400, never treat as
 * absent. The first occurrence counts. */
typedef enum { PRESIGN_QUERY_ABSENT, PRESIGN_QUERY_OK, PRESIGN_QUERY_BAD } presign_query_state;
presign_query_state presign_query_get(const char *query, const char *name, char *out, size_t cap);

#endif
