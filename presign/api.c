/*
 * api.c - a request on a backend thread (presign_handle: the one pipeline over routes.h's
 * table: route, identity, scope, budget, then the handler) and on the event loop
 * (presign_handle_cached). The media handlers are in handlers.c; the session's and
 * readiness's here.
 */
#include "api.h"
#include "auth.h"
#include "handlers.h"
#include "media/catalog.h"
#include "media/log.h"
#include "media/session.h"
#include "media/strbuf.h"
#include "routes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

bool presign_handle_cached(presign_state *st, media_sigv4_signer *signer,
                           const presign_request *req, presign_response *res)
{
    presign_route rt;
    presign_url_args a;
    media_apikey_info who;
    media_record rec;
    uint8_t hash[MEDIA_SHA256_LEN];
    char kbuf[MEDIA_SESSION_MAX + 16];
    /* anything unusual (errors included) takes the backend path, which answers it */
    if (strcmp(req->method, "GET") != 0 || st->cfg->rate_lease_ms <= 0 ||
        strncmp(req->path, "/api/v1/media/", 14) != 0)
        return false;
    presign_response probe;
    presign_response_init(&probe);
    bool ok = presign_route_parse(req, &probe, &rt) == 0 && rt.sub[0] != '\0' &&
              presign_url_args_parse(req, &probe, &a) == 0;
    presign_response_cleanup(&probe);
    const char *key = NULL;
    cred_kind kind =
        ok ? presign_credential(req, presign_route_accepts(req->path), kbuf, sizeof(kbuf), &key)
           : CRED_NONE;
    if (kind == CRED_NONE || !presign_cred_cached(st, kind, key, hash, &who) ||
        !presign_scope_ok(&who, false) ||
        !presign_record_cached(st, who.tenant, rt.id, &rec, false) ||
        rec.status != MEDIA_STATUS_READY)
        return false;
    if (!presign_rate_take_leased(st, &who, false, res))
        return false;
    snprintf(res->tenant, sizeof(res->tenant), "%s", who.tenant);
    snprintf(res->key_prefix, sizeof(res->key_prefix), "%s", who.prefix);
    media_sb route = media_sb_over(res->route, sizeof(res->route));
    media_sb_puts(&route, "media_");
    media_sb_puts(&route, rt.sub);
    presign_url_answer(st, signer, req, res, &rec, &a, strcmp(rt.sub, "content") == 0);
    return true;
}

int presign_session_match(const presign_request *req, presign_response *res, presign_call *call)
{
    snprintf(res->route, sizeof(res->route), "session");
    if (strcmp(req->method, "DELETE") == 0) {
        call->need = PRESIGN_NEED_NONE; /* clearing a cookie needs no credential */
        return 0;
    }
    if (strcmp(req->method, "POST") != 0) {
        snprintf(res->allow, sizeof(res->allow), "POST, DELETE");
        presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL,
                        req->request_id);
        return -1;
    }
    call->need = PRESIGN_NEED_READ; /* the page needs a key with the read scope */
    return 0;
}

/* POST /app/session (Authorization: Bearer <API key>, the only credential its row accepts):
 * the page's session cookie for that key; DELETE: the cookie cleared. The page's script never
 * holds a credential after this. */
void presign_session_handle(const presign_handler_ctx *c, const presign_request *req,
                            const presign_call *call, presign_response *res)
{
    const presign_config *cfg = c->st->cfg;
    const char *secure = cfg->cookie_secure ? "; Secure" : "";
    if (call->need == PRESIGN_NEED_NONE) {
        snprintf(res->set_cookie, sizeof(res->set_cookie),
                 PRESIGN_SESSION_COOKIE "=; Path=/api/v1; Max-Age=0; HttpOnly; "
                                        "SameSite=Strict%s",
                 secure);
        res->status = 204;
        return;
    }
    /* the dispatcher authenticated the bearer key (routes.c: KEY only), so the header is
     * there and well-formed; the token's MAC is keyed by what the catalog stores of it */
    uint8_t key_hash[MEDIA_SHA256_LEN];
    media_apikey_hash(req->authorization + 7, key_hash);
    char token[MEDIA_SESSION_MAX];
    media_session_make(call->who.id, key_hash, time(NULL) + cfg->session_ttl_s, token);
    snprintf(res->set_cookie, sizeof(res->set_cookie),
             PRESIGN_SESSION_COOKIE "=%s; Path=/api/v1; Max-Age=%ld; HttpOnly; "
                                    "SameSite=Strict%s",
             token, cfg->session_ttl_s, secure);
    res->status = 204;
}

void presign_ready_handle(const presign_handler_ctx *c, const presign_request *req,
                          const presign_call *call, presign_response *res)
{
    (void)req, (void)call;
    presign_ready_check(c, res);
}

int presign_media_match(const presign_request *req, presign_response *res, presign_call *call)
{
    if (presign_route_parse(req, res, &call->rt) != 0)
        return -1;
    call->write = call->rt.write;
    call->need = call->rt.write ? PRESIGN_NEED_WRITE : PRESIGN_NEED_READ;
    if (strcmp(req->method, "POST") == 0 && call->rt.id[0] == '\0')
        call->body_kind = PRESIGN_BODY_CREATE;
    return 0;
}

int presign_route_match(const presign_request *req, presign_response *res,
                        const presign_family **family, presign_call *call)
{
    const presign_family *f = *family = presign_family_find(req->path);
    memset(call, 0, sizeof(*call));
    if (f == NULL) {
        snprintf(res->route, sizeof(res->route), "unknown");
        presign_problem(res, 404, "no-route", "No such route", NULL, req->request_id);
        return -1;
    }
    call->rest = req->path + strlen(f->path); /* handlers never measure the prefix again */
    if (f->match)
        return f->match(req, res, call);
    snprintf(res->route, sizeof(res->route), "%s", f->label);
    call->need = f->need;
    call->write = f->need != PRESIGN_NEED_READ && f->need != PRESIGN_NEED_NONE;
    return 0;
}

void presign_route_call(const presign_handler_ctx *c, const presign_family *f,
                        const presign_request *req, presign_call *call, presign_response *res)
{
    /* one check for every route that takes it — a POST (issue 24, defect 6: uploads did not,
     * and a 6,000-byte key became a 503 from PostgreSQL's index); other methods ignore it */
    if (strcmp(req->method, "POST") == 0 && req->idempotency_key && req->idempotency_key[0] &&
        !media_idempotency_key_valid(req->idempotency_key)) {
        presign_problem(res, 422, "invalid-request", "Invalid request",
                        "the idempotency key (Idempotency-Key) must be 1..255 printable ASCII "
                        "characters",
                        req->request_id);
        return;
    }
    /* the body, bounded by the server (MEDIAGATE_BODY_MAX_BYTES, 413 before it gets here),
     * parsed once by the kind the route's match named; a bad one never reaches a handler */
    const char *slug = NULL, *title = NULL;
    char detail[256];
    int status = presign_body_parse(call->body_kind, req->body, req->body_len, &call->body, &slug,
                                    &title, detail, sizeof(detail));
    if (status)
        presign_problem(res, status, slug, title, detail, req->request_id);
    else
        f->handle(c, req, call, res);
    presign_body_cleanup(&call->body);
}

static const char *const need_detail[] = {
    [PRESIGN_NEED_READ] = "this API key lacks the read scope",
    [PRESIGN_NEED_WRITE] = "this API key lacks the write scope",
    [PRESIGN_NEED_ADMIN] = "this route needs a key with the admin scope",
};

/* The one request pipeline (routes.h): route, credential, scope, budget, then
 * presign_route_call (idempotency key, body, handler over the backend's ports). */
void presign_handle(presign_backend *b, const presign_request *req, presign_response *res)
{
    const presign_family *f;
    presign_call call;
    if (presign_route_match(req, res, &f, &call) != 0)
        return;
    if (call.need != PRESIGN_NEED_NONE) {
        if (presign_authenticate(b, req, f->accept, res, &call.who) != 0)
            return;
        snprintf(res->tenant, sizeof(res->tenant), "%s", call.who.tenant);
        snprintf(res->key_prefix, sizeof(res->key_prefix), "%s", call.who.prefix);
        if (!presign_need_ok(call.who.scopes, call.need)) {
            presign_problem(res, 403, "forbidden", "Insufficient scope", need_detail[call.need],
                            req->request_id);
            return;
        }
        if (presign_rate_limit(b, req, res, &call.who, call.write) != 0)
            return;
    }
    presign_ports io;
    presign_ports_backend(b, &io);
    presign_handler_ctx c = {b->st, b->signer, &io};
    presign_route_call(&c, f, req, &call, res);
}
