/*
 * webhooks.c - the /api/v1/webhooks routes (see webhooks.h).
 */
#include "webhooks.h"
#include "body.h"
#include "media/apikey.h"
#include "media/log.h"
#include "media/webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "/api/v1/webhooks"

/* the catalog failed: 503 (state.h) */
#define unavailable(b, req, res, err)                                                              \
    presign_backend_unavailable(b, req, res, "Catalog unavailable", "catalog error", err)

static void method_not_allowed(const presign_request *req, presign_response *res, const char *allow)
{
    snprintf(res->allow, sizeof(res->allow), "%s", allow);
    presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL, req->request_id);
}

static void create_endpoint(media_db *db, presign_backend *b, const presign_request *req,
                            presign_response *res, const media_apikey_info *who)
{
    char *url, detail[256];
    unsigned events;
    const char *slug;
    int st = presign_webhook_body_parse(req->body, req->body_len, &url, &events, &slug, detail,
                                        sizeof(detail));
    if (st) {
        presign_problem(res, st, slug,
                        st == 400 ? "Request body is not valid JSON" : "Invalid request", detail,
                        req->request_id);
        return;
    }
    media_webhook_endpoint e;
    media_error err;
    media_code rc = media_webhook_endpoint_create(db, who->tenant, url, events, &e, &err);
    free(url);
    if (rc == MEDIA_ERR_INVALID) {
        presign_problem(res, 422, "invalid-request", "Invalid request", err.message,
                        req->request_id);
    } else if (rc != MEDIA_OK) {
        unavailable(b, req, res, &err);
    } else {
        res->status = 201;
        snprintf(res->location, sizeof(res->location), PREFIX "/%s", e.id);
        media_webhook_endpoint_json(&e, &res->body);
        media_buf_appends(&res->body, "\n");
        snprintf(res->cache_control, sizeof(res->cache_control), "no-store");
    }
    media_webhook_endpoint_cleanup(&e);
}

static void list_endpoints(media_db *db, presign_backend *b, const presign_request *req,
                           presign_response *res, const media_apikey_info *who)
{
    media_webhook_endpoint *es;
    size_t n;
    media_error err;
    if (media_webhook_endpoint_list(db, who->tenant, &es, &n, &err) != MEDIA_OK) {
        unavailable(b, req, res, &err);
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

static void list_deliveries(media_db *db, presign_backend *b, const presign_request *req,
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
    if (media_webhook_deliveries_list(db, who->tenant, qs == PRESIGN_QUERY_OK ? &status : NULL,
                                      (int)limit, &ds, &n, &err) != MEDIA_OK) {
        unavailable(b, req, res, &err);
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

static void rotate_callback_secret(media_db *db, presign_backend *b, const presign_request *req,
                                   presign_response *res, const media_apikey_info *who)
{
    char secret[MEDIA_WEBHOOK_SECRET_LEN + 1];
    media_error err;
    if (media_webhook_callback_secret_rotate(db, who->tenant, secret, &err) != MEDIA_OK) {
        unavailable(b, req, res, &err);
        return;
    }
    res->status = 201;
    snprintf(res->cache_control, sizeof(res->cache_control), "no-store");
    media_buf_appendf(&res->body, "{\"secret\":\"%s\"}\n", secret);
    memset(secret, 0, sizeof(secret));
}

/* The route below the prefix, dispatched by method. */
static void route(media_db *db, presign_backend *b, const presign_request *req,
                  presign_response *res, const media_apikey_info *who, const char *rest)
{
    const char *m = req->method;
    bool post = strcmp(m, "POST") == 0, get = strcmp(m, "GET") == 0;
    media_error err;
    char id[64];
    if (rest[0] == '\0') {
        post  ? create_endpoint(db, b, req, res, who)
        : get ? list_endpoints(db, b, req, res, who)
              : method_not_allowed(req, res, "GET, POST");
    } else if (strcmp(rest, "/callback-secret") == 0) {
        post ? rotate_callback_secret(db, b, req, res, who) : method_not_allowed(req, res, "POST");
    } else if (strcmp(rest, "/deliveries") == 0) {
        get ? list_deliveries(db, b, req, res, who) : method_not_allowed(req, res, "GET");
    } else if (sscanf(rest, "/deliveries/%63[^/]", id) == 1 &&
               strlen(rest) == strlen("/deliveries/") + strlen(id) + strlen("/replay") &&
               strcmp(rest + strlen("/deliveries/") + strlen(id), "/replay") == 0) {
        if (!post) {
            method_not_allowed(req, res, "POST");
            return;
        }
        presign_id_canonical(id);
        media_code rc = media_webhook_replay(db, who->tenant, id, &err);
        if (rc == MEDIA_ERR_NOT_FOUND)
            presign_problem(res, 404, "not-found", "No such failed delivery", NULL,
                            req->request_id);
        else if (rc != MEDIA_OK)
            unavailable(b, req, res, &err);
        else {
            res->status = 202;
            media_buf_appendf(&res->body, "{\"id\":\"%s\",\"status\":\"pending\"}\n", id);
        }
    } else if (sscanf(rest, "/%63[^/]", id) == 1 && strlen(rest) == 1 + strlen(id)) {
        if (strcmp(m, "DELETE") != 0) {
            method_not_allowed(req, res, "DELETE");
            return;
        }
        presign_id_canonical(id);
        media_code rc = media_webhook_endpoint_delete(db, who->tenant, id, &err);
        if (rc == MEDIA_ERR_NOT_FOUND)
            presign_problem(res, 404, "not-found", "No such webhook endpoint", NULL,
                            req->request_id);
        else if (rc != MEDIA_OK)
            unavailable(b, req, res, &err);
        else
            res->status = 204;
    } else {
        presign_problem(res, 404, "no-route", "No such route", NULL, req->request_id);
    }
}

void presign_webhooks_handle(presign_backend *b, const presign_request *req,
                             const presign_call *call, presign_response *res)
{
    media_error err;
    media_db *db = presign_backend_db(b, &err);
    if (db == NULL) {
        unavailable(b, req, res, &err);
        return;
    }
    route(db, b, req, res, &call->who, call->rest);
}
