/*
 * webhooks.h - the /api/v1/webhooks routes (scope admin; an API key, or the page's session
 * on its own origin — routes.c): a tenant's endpoints, its callback secret, and its
 * deliveries with replay.
 *
 *   POST   /api/v1/webhooks                         {"url", "events"?} -> 201, secret once
 *   GET    /api/v1/webhooks                         -> {"items": [...]} (no secrets)
 *   DELETE /api/v1/webhooks/{id}                    -> 204
 *   POST   /api/v1/webhooks/callback-secret         -> 201 {"secret"} (rotates; shown once)
 *   GET    /api/v1/webhooks/deliveries[?status=S&limit=N] -> {"items": [...]}
 *   POST   /api/v1/webhooks/deliveries/{id}/replay  -> 202 (a failed delivery, sent again)
 *
 * The handlers reach the catalog through ports.h (fakes in tests/unit/test_upload_handlers.c).
 * Errors are problem+json as elsewhere.
 */
#ifndef PRESIGN_WEBHOOKS_H
#define PRESIGN_WEBHOOKS_H

#include "request.h"
#include "routes.h"

#include <stdbool.h>

/* The route table's row (routes.h): the match names the operation in call->rt.sub (create,
 * list, secret, deliveries, replay, delete) and the id in call->rt.id (lower-case); 404 for an
 * unknown shape, 405 with Allow for a known one with another method. */
int presign_webhooks_match(const presign_request *req, presign_response *res, presign_call *call);
void presign_webhooks_handle(const presign_handler_ctx *c, const presign_request *req,
                             const presign_call *call, presign_response *res);

#endif
