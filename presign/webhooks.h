/*
 * webhooks.h - the /api/v1/webhooks routes (scope admin; an API key, never the page's
 * session): a tenant's endpoints, its callback secret, and its deliveries with replay.
 *
 *   POST   /api/v1/webhooks                         {"url", "events"?} -> 201, secret once
 *   GET    /api/v1/webhooks                         -> {"items": [...]} (no secrets)
 *   DELETE /api/v1/webhooks/{id}                    -> 204
 *   POST   /api/v1/webhooks/callback-secret         -> 201 {"secret"} (rotates; shown once)
 *   GET    /api/v1/webhooks/deliveries[?status=S&limit=N] -> {"items": [...]}
 *   POST   /api/v1/webhooks/deliveries/{id}/replay  -> 202 (a failed delivery, sent again)
 *
 * Runs on a backend thread (blocking PostgreSQL). Errors are problem+json as elsewhere.
 */
#ifndef PRESIGN_WEBHOOKS_H
#define PRESIGN_WEBHOOKS_H

#include "request.h"
#include "routes.h"
#include "state.h"

#include <stdbool.h>

/* The route table's row (routes.h): authenticated, scoped and budgeted before it is called. */
void presign_webhooks_handle(presign_backend *b, const presign_request *req,
                             const presign_call *call, presign_response *res);

#endif
