/*
 * api.c - a request on a backend thread (presign_handle: session, readiness, route, identity,
 * scope, budget, then the handler) and on the event loop (presign_handle_cached). The
 * handlers themselves are in handlers.c.
 */
#include "api.h"
#include "auth.h"
#include "handlers.h"
#include "media/log.h"
#include "media/session.h"
#include "media/strbuf.h"
#include "uploads.h"
#include "uppy.h"
#include "webhooks.h"

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
    cred_kind kind = ok ? presign_credential(req, true, kbuf, sizeof(kbuf), &key) : CRED_NONE;
    if (kind == CRED_NONE || !presign_cred_cached(st, kind, key, hash, &who) ||
        !presign_scope_ok(&who, false) ||
        !presign_record_cached(st, who.tenant, rt.id, &rec, false) ||
        rec.status != MEDIA_STATUS_READY)
        return false;
    if (!presign_rate_take_leased(st, &who, false, res))
        return false;
    media_sb route = media_sb_over(res->route, sizeof(res->route));
    media_sb_puts(&route, "media_");
    media_sb_puts(&route, rt.sub);
    presign_url_answer(st, signer, req, res, &rec, &a, strcmp(rt.sub, "content") == 0);
    return true;
}

/* POST /app/session (Authorization: Bearer <API key>): the page's session cookie for that
 * key; DELETE: the cookie cleared. The page's script never holds a credential after this. */
static void handle_session(presign_backend *b, const presign_request *req, presign_response *res)
{
    snprintf(res->route, sizeof(res->route), "session");
    const char *secure = b->cfg->cookie_secure ? "; Secure" : "";
    if (strcmp(req->method, "DELETE") == 0) {
        snprintf(res->set_cookie, sizeof(res->set_cookie),
                 PRESIGN_SESSION_COOKIE "=; Path=/api/v1; Max-Age=0; HttpOnly; "
                                        "SameSite=Strict%s",
                 secure);
        res->status = 204;
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        snprintf(res->allow, sizeof(res->allow), "POST, DELETE");
        presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL,
                        req->request_id);
        return;
    }
    media_apikey_info who;
    if (presign_authenticate(b, req, false, res, &who) != 0) /* an API key, never a session */
        return;
    if (!presign_scope_ok(&who, false)) {
        presign_problem(res, 403, "forbidden", "Insufficient scope",
                        "the page needs a key with the read scope", req->request_id);
        return;
    }
    uint8_t key_hash[MEDIA_SHA256_LEN];
    media_apikey_hash(req->authorization + 7, key_hash); /* what the catalog stores */
    char token[MEDIA_SESSION_MAX];
    media_session_make(who.id, key_hash, time(NULL) + b->cfg->session_ttl_s, token);
    snprintf(res->set_cookie, sizeof(res->set_cookie),
             PRESIGN_SESSION_COOKIE "=%s; Path=/api/v1; Max-Age=%ld; HttpOnly; "
                                    "SameSite=Strict%s",
             token, b->cfg->session_ttl_s, secure);
    res->status = 204;
}

void presign_handle(presign_backend *b, const presign_request *req, presign_response *res)
{
    if (strcmp(req->path, "/app/session") == 0) {
        handle_session(b, req, res);
        return;
    }
    if (presign_webhooks_route(req->path)) {
        presign_webhooks_handle(b, req, res);
        return;
    }
    if (presign_uploads_route(req->path)) {
        presign_uploads_handle(b, req, res);
        return;
    }
    if (presign_uppy_route(req->path)) {
        presign_uppy_handle(b, req, res);
        return;
    }
    presign_ports io;
    presign_ports_backend(b, &io);
    presign_handler_ctx c = {b->st, b->signer, &io};
    if (strcmp(req->path, "/ready") == 0) {
        snprintf(res->route, sizeof(res->route), "ready");
        presign_ready_check(&c, res);
        return;
    }
    presign_route rt;
    if (presign_route_parse(req, res, &rt) != 0)
        return;
    media_apikey_info who;
    if (presign_authenticate(b, req, !rt.write && strcmp(req->method, "GET") == 0, res, &who) != 0)
        return;
    if (!presign_scope_ok(&who, rt.write)) {
        presign_problem(res, 403, "forbidden", "Insufficient scope",
                        rt.write ? "this API key lacks the write scope"
                                 : "this API key lacks the read scope",
                        req->request_id);
        return;
    }
    if (presign_rate_limit(b, req, res, &who, rt.write) != 0)
        return;
    presign_dispatch(&c, req, &rt, &who, res);
}
