/*
 * auth.h - inside the front end: who is asking (an API key, or the page's session cookie on
 * read routes), whether their scope allows the route, and their rate budget.
 */
#ifndef PRESIGN_AUTH_H
#define PRESIGN_AUTH_H

#include "state.h"
#include "media/apikey.h"
#include "media/hash.h"

/* Where a request's credential comes from. */
typedef enum { CRED_NONE, CRED_KEY, CRED_SESSION } cred_kind;

/* The credential, as a route accepting `accept` (routes.h: PRESIGN_ACCEPT_*) reads it: the
 * bearer key, or the page's session cookie (copied into buf). *secret points at it. */
cred_kind presign_credential(const presign_request *req, unsigned accept, char *buf, size_t cap,
                             const char **secret);
/* The cached identity of a credential (hash: its cache key, filled): true when cached and (a
 * session) not expired. */
bool presign_cred_cached(presign_state *st, cred_kind kind, const char *secret,
                         uint8_t hash[MEDIA_SHA256_LEN], media_apikey_info *who);
/* The request's identity into *who, from a credential of a kind `accept` allows: 0, or -1 with
 * a 401 (or 503) in res. Only the dispatcher (api.c) calls it. */
int presign_authenticate(presign_backend *b, const presign_request *req, unsigned accept,
                         presign_response *res, media_apikey_info *who);
/* The key's scopes allow a read (write false) or a write. */
bool presign_scope_ok(const media_apikey_info *who, bool write);
/* Spend a token this replica already leased for the key (no I/O): true with the RateLimit-*
 * headers set in res; false (res untouched) when none is leased. */
bool presign_rate_take_leased(presign_state *st, const media_apikey_info *who, bool write,
                              presign_response *res);
/* Spend a token of the key's budget: 0, or -1 with a 429 in res. RateLimit-* headers set. */
int presign_rate_limit(presign_backend *b, const presign_request *req, presign_response *res,
                       const media_apikey_info *who, bool write);

#endif
