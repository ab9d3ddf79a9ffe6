/*
 * webhooks.c - the /api/v1/webhooks routes (see webhooks.h), over ports.h.
 */
#include "webhooks.h"
#include "media/apikey.h"
#include "media/webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "/api/v1/webhooks"

static void method_not_allowed(const presign_request *req, presign_response *res, const char *allow)
{
    snprintf(res->allow, sizeof(res->allow), "%s", allow);
    presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL, req->request_id);
}

static void create_endpoint(const presign_handler_ctx *c, const presign_request *req,
                            presign_response *res, const media_apikey_info *who,
                            const presign_body *body)
{
    media_webhook_endpoint e;
    media_error err;
    memset(&e, 0, sizeof(e));
    media_code rc = c->io->webhook_create(c->io->ud, who->tenant, body->u.webhook.url,
                                          body->u.webhook.events, &e, &err);
    if (rc == MEDIA_ERR_INVALID) {
        presign_problem(res, 422, "invalid-request", "Invalid request", err.message,
                        req->request_id);
    } else if (rc != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
    } else {
        res->status = 201;
        snprintf(res->location, sizeof(res->location), PREFIX "/%s", e.id);
        media_webhook_endpoint_json(&e, &res->body);
        media_buf_appends(&res->body, "\n");
        snprintf(res->cache_control, sizeof(res->cache_control), "no-store");
    }
    media_webhook_endpoint_cleanup(&e);
}

static void list_endpoints(const presign_handler_ctx *c, const presign_request *req,
                           presign_response *res, const media_apikey_info *who)
{
    media_webhook_endpoint *es;
    size_t n;
    media_error err;
    if (c->io->webhook_list(c->io->ud, who->tenant, &es, &n, &err) != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
        return;
    }
    res->status = 200;
    media_buf_appends(&res->body, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            media_buf_appends(&res->body, ",");
        media_webhook_endpoint_json(&es[i], &res->body);
    }
    media_buf_appends(&res->body, "]}\n");
    media_webhook_endpoints_free(es, n);
}

static void list_deliveries(const presign_handler_ctx *c, const presign_request *req,
                            presign_response *res, const media_apikey_info *who)
{
    char sv[16] = "", lv[8] = "";
    media_delivery_status status = MEDIA_DELIVERY_PENDING;
    presign_query_state qs = presign_query_get(req->query, "status", sv, sizeof(sv));
    presign_query_state ql = presign_query_get(req->query, "limit", lv, sizeof(lv));
    long limit = 100;
    char *end = NULL;
    if (ql == PRESIGN_QUERY_OK)
        limit = strtol(lv, &end, 10);
    bool bad_status =
        qs == PRESIGN_QUERY_BAD || (qs == PRESIGN_QUERY_OK && strcmp(sv, "pending") != 0 &&
                                    strcmp(sv, "delivered") != 0 && strcmp(sv, "failed") != 0);
    if (bad_status || ql == PRESIGN_QUERY_BAD ||
        (ql == PRESIGN_QUERY_OK && (*end || limit < 1 || limit > 1000))) {
        presign_problem(res, 400, "invalid-query", "Invalid query",
                        "status is pending, delivered or failed; limit is 1..1000",
                        req->request_id);
        return;
    }
    if (qs == PRESIGN_QUERY_OK)
        status = strcmp(sv, "pending") == 0     ? MEDIA_DELIVERY_PENDING
                 : strcmp(sv, "delivered") == 0 ? MEDIA_DELIVERY_DELIVERED
                                                : MEDIA_DELIVERY_FAILED;
    media_delivery *ds;
    size_t n;
    media_error err;
    if (c->io->webhook_deliveries(c->io->ud, who->tenant, qs == PRESIGN_QUERY_OK ? &status : NULL,
                                  (int)limit, &ds, &n, &err) != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
        return;
    }
    res->status = 200;
    media_buf_appends(&res->body, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            media_buf_appends(&res->body, ",");
        media_delivery_json(&ds[i], &res->body);
    }
    media_buf_appends(&res->body, "]}\n");
    media_deliveries_free(ds, n);
}

static void rotate_callback_secret(const presign_handler_ctx *c, const presign_request *req,
                                   presign_response *res, const media_apikey_info *who)
{
    char secret[MEDIA_WEBHOOK_SECRET_LEN + 1];
    media_error err;
    if (c->io->webhook_rotate_secret(c->io->ud, who->tenant, secret, &err) != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
        return;
    }
    res->status = 201;
    snprintf(res->cache_control, sizeof(res->cache_control), "no-store");
    media_buf_appendf(&res->body, "{\"secret\":\"%s\"}\n", secret);
    memset(secret, 0, sizeof(secret));
}

static void replay(const presign_handler_ctx *c, const presign_request *req, presign_response *res,
                   const media_apikey_info *who, const char *id)
{
    media_error err;
    media_code rc = c->io->webhook_replay(c->io->ud, who->tenant, id, &err);
    if (rc == MEDIA_ERR_NOT_FOUND) {
        presign_problem(res, 404, "not-found", "No such failed delivery", NULL, req->request_id);
    } else if (rc != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
    } else {
        res->status = 202;
        media_buf_appendf(&res->body, "{\"id\":\"%s\",\"status\":\"pending\"}\n", id);
    }
}

static void delete_endpoint(const presign_handler_ctx *c, const presign_request *req,
                            presign_response *res, const media_apikey_info *who, const char *id)
{
    media_error err;
    media_code rc = c->io->webhook_delete(c->io->ud, who->tenant, id, &err);
    if (rc == MEDIA_ERR_NOT_FOUND)
        presign_problem(res, 404, "not-found", "No such webhook endpoint", NULL, req->request_id);
    else if (rc != MEDIA_OK)
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
    else
        res->status = 204;
}

/* One path shape: the operation when the method is one it takes, else 405 with allow. */
static int shape(const presign_request *req, presign_response *res, presign_call *call,
                 const char *allow, const char *method, const char *op, const char *method2,
                 const char *op2)
{
    if (strcmp(req->method, method) == 0 || (method2 && strcmp(req->method, method2) == 0)) {
        bool first = strcmp(req->method, method) == 0;
        snprintf(call->rt.sub, sizeof(call->rt.sub), "%s", first ? op : op2);
        return 0;
    }
    method_not_allowed(req, res, allow);
    return -1;
}

int presign_webhooks_match(const presign_request *req, presign_response *res, presign_call *call)
{
    snprintf(res->route, sizeof(res->route), "webhooks");
    call->need = PRESIGN_NEED_ADMIN;
    call->write = true;
    const char *rest = call->rest;
    char *id = call->rt.id;
    int n = 0;
    int rc;
    if (rest[0] == '\0') {
        rc = shape(req, res, call, "GET, POST", "POST", "create", "GET", "list");
        if (rc == 0 && strcmp(call->rt.sub, "create") == 0)
            call->body_kind = PRESIGN_BODY_WEBHOOK;
    } else if (strcmp(rest, "/callback-secret") == 0) {
        rc = shape(req, res, call, "POST", "POST", "secret", NULL, NULL);
    } else if (strcmp(rest, "/deliveries") == 0) {
        rc = shape(req, res, call, "GET", "GET", "deliveries", NULL, NULL);
    } else if (sscanf(rest, "/deliveries/%63[^/]%n", id, &n) == 1 &&
               strcmp(rest + n, "/replay") == 0) {
        rc = shape(req, res, call, "POST", "POST", "replay", NULL, NULL);
    } else if (sscanf(rest, "/%63[^/]%n", id, &n) == 1 && rest[n] == '\0') {
        rc = shape(req, res, call, "DELETE", "DELETE", "delete", NULL, NULL);
    } else {
        presign_problem(res, 404, "no-route", "No such route", NULL, req->request_id);
        return -1;
    }
    presign_id_canonical(id);
    return rc;
}

void presign_webhooks_handle(const presign_handler_ctx *c, const presign_request *req,
                             const presign_call *call, presign_response *res)
{
    const char *op = call->rt.sub;
    const media_apikey_info *who = &call->who;
    if (strcmp(op, "create") == 0)
        create_endpoint(c, req, res, who, &call->body);
    else if (strcmp(op, "list") == 0)
        list_endpoints(c, req, res, who);
    else if (strcmp(op, "secret") == 0)
        rotate_callback_secret(c, req, res, who);
    else if (strcmp(op, "deliveries") == 0)
        list_deliveries(c, req, res, who);
    else if (strcmp(op, "replay") == 0)
        replay(c, req, res, who, call->rt.id);
    else
        delete_endpoint(c, req, res, who, call->rt.id);
}
