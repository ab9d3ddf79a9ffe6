/*
 * settings.h - a tenant's own settings (scope admin; an API key, or the page's session on its
 * own origin):
 *
 *   GET /api/v1/settings                      -> 200 {"metadata": "strip"|"keep-copyright"|
 *                                                   "keep"|null}
 *   PUT /api/v1/settings {"metadata": ...}    -> 200, the same
 *
 * metadata: what of the tenant's images' metadata is kept when they are stored (media/scrub.h);
 * null: the service's MEDIAGATE_METADATA. It applies to what is stored from then on. The
 * handlers reach the catalog through ports.h (fakes in tests/unit/test_upload_handlers.c).
 */
#ifndef PRESIGN_SETTINGS_H
#define PRESIGN_SETTINGS_H

#include "request.h"
#include "routes.h"

int presign_settings_match(const presign_request *req, presign_response *res, presign_call *call);
void presign_settings_handle(const presign_handler_ctx *c, const presign_request *req,
                             const presign_call *call, presign_response *res);

#endif
