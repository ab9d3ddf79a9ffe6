/*
 * session.h - the browser page's session token: what the HttpOnly cookie holds instead of an
 * API key (issue 15, defect 8).
 *
 *   mgs_<key id>_<expires, unix seconds>_<64 hex: HMAC-SHA256>
 *
 * The MAC is keyed by the SHA-256 of the API key the page logged in with — which only the
 * catalog holds (api_keys.key_sha256) — over "mediagate-session|<key id>|<expires>|read". Any
 * replica verifies it from the key's row alone: no shared secret, no session store; revoking
 * the key ends its sessions; the token grants the read scope only and reveals nothing of the
 * key. Pure functions: time and the key hash are parameters.
 */
#ifndef MEDIA_SESSION_H
#define MEDIA_SESSION_H

#include "hash.h"
#include "uuid.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define MEDIA_SESSION_PREFIX "mgs_"
/* "mgs_" + 36 + "_" + up to 20 digits + "_" + 64 */
#define MEDIA_SESSION_MAX 128

/* Make the token for key id (a UUID) whose stored hash is key_sha256, valid until expires. */
void media_session_make(const char *key_id, const uint8_t key_sha256[MEDIA_SHA256_LEN],
                        time_t expires, char out[MEDIA_SESSION_MAX]);
/* Split a token: its key id (MEDIA_UUID_STR) and expiry. False when malformed. */
bool media_session_parse(const char *token, char key_id[MEDIA_UUID_STR], time_t *expires);
/* True when token is well formed, not expired at now, and its MAC matches key_sha256
 * (compared in constant time). */
bool media_session_verify(const char *token, const uint8_t key_sha256[MEDIA_SHA256_LEN],
                          time_t now);

#endif
