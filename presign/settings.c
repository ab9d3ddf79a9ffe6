/*
 * settings.c - the /api/v1/settings routes (see settings.h).
 */
#include "settings.h"

#include <stdio.h>
#include <string.h>

int presign_settings_match(const presign_request *req, presign_response *res, presign_call *call)
{
    snprintf(res->route, sizeof(res->route), "settings");
    bool put = strcmp(req->method, "PUT") == 0;
    if (!put && strcmp(req->method, "GET") != 0) {
        snprintf(res->allow, sizeof(res->allow), "GET, PUT");
        presign_problem(res, 405, "method-not-allowed", "Method not allowed", NULL,
                        req->request_id);
        return -1;
    }
    call->need = PRESIGN_NEED_ADMIN;
    call->write = put;
    call->body_kind = put ? PRESIGN_BODY_SETTINGS : PRESIGN_BODY_NONE;
    return 0;
}

void presign_settings_handle(const presign_handler_ctx *c, const presign_request *req,
                             const presign_call *call, presign_response *res)
{
    const presign_ports *io = c->io;
    const char *tenant = call->who.tenant;
    char policy[16];
    media_error err;
    media_code rc = MEDIA_OK;
    if (call->body_kind == PRESIGN_BODY_SETTINGS)
        rc = io->settings_set(io->ud, tenant, call->body.u.settings.metadata, &err);
    if (rc == MEDIA_OK)
        rc = io->settings_get(io->ud, tenant, policy, &err);
    if (rc == MEDIA_ERR_INVALID) {
        presign_problem(res, 422, "invalid-request", "Invalid request", err.message,
                        req->request_id);
        return;
    }
    if (rc != MEDIA_OK) {
        presign_unavailable(c->st, req, res, PRESIGN_DEP_DB, &err);
        return;
    }
    res->status = 200;
    snprintf(res->cache_control, sizeof(res->cache_control), "no-store");
    if (policy[0])
        media_buf_appendf(&res->body, "{\"metadata\":\"%s\"}\n", policy);
    else
        media_buf_appends(&res->body, "{\"metadata\":null}\n");
}
