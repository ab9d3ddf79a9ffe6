/*
 * routes.c - the route table (see routes.h).
 */
#include "routes.h"
#include "handlers.h"
#include "settings.h"
#include "uploads.h"
#include "uppy.h"
#include "webhooks.h"

#include <stdio.h>
#include <string.h>

#define KEY        PRESIGN_ACCEPT_KEY
#define COOKIE_GET PRESIGN_ACCEPT_COOKIE_GET
#define COOKIE_APP PRESIGN_ACCEPT_COOKIE_APP

/* The whole HTTP API below /api/v1, /ready and the page's session, in one table. The event
 * loop answers /health, the page, the API document and CORS preflight before this (server.c);
 * the cached /url path (presign_handle_cached) applies this table's media row. */
static const presign_family families[] = {
    {.path = "/ready",
     .exact = true,
     .need = PRESIGN_NEED_NONE,
     .label = "ready",
     .handle = presign_ready_handle},
    /* a session is made from an API key only, never from another session */
    {.path = "/app/session",
     .exact = true,
     .accept = KEY,
     .match = presign_session_match,
     .handle = presign_session_handle},
    {.path = "/api/v1/media",
     .accept = KEY | COOKIE_GET | COOKIE_APP,
     .match = presign_media_match,
     .handle = presign_media_handle},
    {.path = "/api/v1/uploads",
     .accept = KEY | COOKIE_APP,
     .match = presign_uploads_match,
     .handle = presign_uploads_handle},
    /* Uppy's Companion requests (GET /params creates an upload) carry no header of ours: the
     * cookie counts only on the page's own origin (Sec-Fetch-Site: same-origin, request.h) */
    {.path = "/api/v1/uppy/s3",
     .accept = KEY | COOKIE_APP,
     .match = presign_uppy_match,
     .handle = presign_uppy_handle},
    {.path = "/api/v1/webhooks",
     .accept = KEY | COOKIE_APP,
     .match = presign_webhooks_match,
     .handle = presign_webhooks_handle},
    {.path = "/api/v1/settings",
     .exact = true,
     .accept = KEY | COOKIE_APP,
     .match = presign_settings_match,
     .handle = presign_settings_handle},
};

const presign_family *presign_family_find(const char *path)
{
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        const presign_family *f = &families[i];
        size_t n = strlen(f->path);
        if (strncmp(path, f->path, n) == 0 && (path[n] == '\0' || (!f->exact && path[n] == '/')))
            return f;
    }
    return NULL;
}

unsigned presign_route_accepts(const char *path)
{
    const presign_family *f = presign_family_find(path);
    return f ? f->accept : 0;
}

bool presign_need_ok(unsigned scopes, presign_need need)
{
    switch (need) {
    case PRESIGN_NEED_NONE:
        return true;
    case PRESIGN_NEED_READ:
        return (scopes & (MEDIA_SCOPE_READ | MEDIA_SCOPE_ADMIN)) != 0;
    case PRESIGN_NEED_WRITE:
        return (scopes & (MEDIA_SCOPE_WRITE | MEDIA_SCOPE_ADMIN)) != 0;
    case PRESIGN_NEED_ADMIN:
        return (scopes & MEDIA_SCOPE_ADMIN) != 0;
    }
    return false;
}
