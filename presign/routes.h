/*
 * routes.h - inside the front end: the route table, the one place that says, for every route
 * family, which credentials it accepts, what scope it needs, which rate budget it spends and
 * which handler answers it (issue 24: one request pipeline). api.c's presign_handle is the
 * only dispatcher: it matches the table, authenticates, checks the scope, spends the budget,
 * then calls the handler with a typed context. Handlers never read credentials or forwarding
 * headers and never authenticate on their own.
 *
 * Credentials (presign_credential in auth.h reads them by this table's accept bits):
 *   KEY        "Authorization: Bearer <API key>"; when the header is present it is the
 *              credential, whatever cookie comes with it
 *   COOKIE_GET the page's session cookie alone, on a GET (images load without script)
 *   COOKIE_APP the session cookie on the page's own request (request.h: "X-Mediagate-App: 1",
 *              which a cross-site page cannot add without a CORS preflight the API never
 *              grants, or a browser's "Sec-Fetch-Site: same-origin", which no page can forge),
 *              so only the page and Uppy on its origin change state with the cookie. A GET that
 *              is not COOKIE_GET needs it too.
 */
#ifndef PRESIGN_ROUTES_H
#define PRESIGN_ROUTES_H

#include "body.h"
#include "media/apikey.h"
#include "ports.h"
#include "request.h"
#include "state.h"

#include <stdbool.h>

enum {
    PRESIGN_ACCEPT_KEY = 1u << 0,
    PRESIGN_ACCEPT_COOKIE_GET = 1u << 1,
    PRESIGN_ACCEPT_COOKIE_APP = 1u << 2,
};

/* What a route needs of the caller's scopes. */
typedef enum {
    PRESIGN_NEED_NONE,  /* no credential (readiness, clearing the session cookie) */
    PRESIGN_NEED_READ,  /* read or admin */
    PRESIGN_NEED_WRITE, /* write or admin */
    PRESIGN_NEED_ADMIN,
} presign_need;

/* One matched request, as the dispatcher hands it to a handler. */
typedef struct presign_call {
    const char *rest;      /* the path after the family's (req->path + strlen(family path)) */
    presign_route rt;      /* the family's parse: the id, lower-case ("" when none), operation */
    presign_need need;     /* what this method on this path needs */
    bool write;            /* spends the write budget (else the read one) */
    media_apikey_info who; /* the caller (need != NONE): tenant, key id, scopes */
    presign_body_kind body_kind; /* set by match: the body this operation takes */
    presign_body body;           /* parsed by the dispatcher before the handler; its to free */
} presign_call;

/* What a handler works with: shared state, the thread's signer, and the ports through which
 * it reaches PostgreSQL, Redis and S3 (fakes in unit tests). */
typedef struct presign_handler_ctx {
    presign_state *st;          /* caches, metrics, configuration (st->cfg, st->s3cfg) */
    media_sigv4_signer *signer; /* the calling thread's */
    const presign_ports *io;
} presign_handler_ctx;

typedef void (*presign_handler_fn)(const presign_handler_ctx *c, const presign_request *req,
                                   const presign_call *call, presign_response *res);

/* One family of routes: a path (exact) or a path prefix (prefix, then '/' or the end). */
typedef struct presign_family {
    const char *path;
    bool exact;
    unsigned accept;   /* PRESIGN_ACCEPT_* */
    presign_need need; /* without match: every method's need; the write budget unless READ */
    const char *label; /* without match: the metrics label */
    /* Match the method and the rest of the path into call (rt, need, write; res->route, the
     * metrics label): 0, or -1 with a 404/405 problem in res. NULL: need and label above, and
     * the handler routes the rest of the path itself. */
    int (*match)(const presign_request *req, presign_response *res, presign_call *call);
    presign_handler_fn handle;
} presign_family;

/* Route a request: its family and the family's match into *call (zeroed first; call->rest
 * set). 0, or -1 with a 404 (no such route) or the match's 404/405 in res. Pure. */
int presign_route_match(const presign_request *req, presign_response *res,
                        const presign_family **family, presign_call *call);

/* After presign_route_match and (when call->need) the caller's identity, scope and budget: the
 * Idempotency-Key check (a POST), the body of call->body_kind parsed (400/422 answered here),
 * the family's handler, the body freed. presign_handle (api.h) runs the whole pipeline; unit
 * tests and the libFuzzer target call this with fake ports. */
void presign_route_call(const presign_handler_ctx *c, const presign_family *f,
                        const presign_request *req, presign_call *call, presign_response *res);

/* The family whose path matches (NULL: no route). Pure. */
const presign_family *presign_family_find(const char *path);
/* The credentials a path's family accepts (0 when no family matches). */
unsigned presign_route_accepts(const char *path);
/* Whether scopes satisfy need. */
bool presign_need_ok(unsigned scopes, presign_need need);

#endif
