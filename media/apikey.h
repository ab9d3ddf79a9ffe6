/*
 * apikey.h - API keys: generation, hashing, scopes, and their rows in PostgreSQL.
 *
 * A key is "mgk_" + 43 base64url characters (32 random bytes): high-entropy and prefixed so
 * leak scanners can recognise it. Only its SHA-256 is stored; the key itself is shown once,
 * at creation. Keys are listed by id, tenant, scopes and a display prefix ("mgk_" + 8).
 */
#ifndef MEDIA_APIKEY_H
#define MEDIA_APIKEY_H

#include "db.h"
#include "error.h"
#include "uuid.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIA_APIKEY_PREFIX    "mgk_"
#define MEDIA_APIKEY_LEN       47 /* "mgk_" + 43 */
#define MEDIA_APIKEY_SHOWN_LEN 12 /* prefix kept for display */

enum {
    MEDIA_SCOPE_READ = 1,
    MEDIA_SCOPE_WRITE = 2,
    MEDIA_SCOPE_ADMIN = 4,
};

/* Parse "read,write" into a scope mask. False on an empty list or an unknown scope. */
bool media_scopes_parse(const char *csv, unsigned *mask);
/* "read,write" etc. into out (cap bytes). */
void media_scopes_format(unsigned mask, char *out, size_t cap);

/* Pure: the key text for 32 random bytes. out: MEDIA_APIKEY_LEN + 1 bytes. */
void media_apikey_format(const uint8_t random[32], char out[MEDIA_APIKEY_LEN + 1]);
/* True when s has the shape of a key (prefix, length, alphabet): cheap pre-check. */
bool media_apikey_well_formed(const char *s);

typedef struct media_apikey_info {
    char id[MEDIA_UUID_STR];
    char tenant[64];
    unsigned scopes;
    char prefix[MEDIA_APIKEY_SHOWN_LEN + 1];
    char created_at[40];
    char revoked_at[40]; /* "" while active */
} media_apikey_info;

/* Create a key for tenant (created when missing). key_out receives the key: show it once.
 * info (may be NULL) receives the row. */
media_code media_apikey_create(media_db *db, const char *tenant, unsigned scopes,
                               char key_out[MEDIA_APIKEY_LEN + 1], media_apikey_info *info,
                               media_error *err);
/* All keys (tenant NULL) or one tenant's, oldest first. *out is malloc'd: free(*out). */
media_code media_apikey_list(media_db *db, const char *tenant, media_apikey_info **out,
                             size_t *count, media_error *err);
/* Revoke by id. MEDIA_ERR_NOT_FOUND when no such active key. */
media_code media_apikey_revoke(media_db *db, const char *id, media_error *err);
/* Look an active key up by id, with the SHA-256 stored for it (to verify a browser session,
 * media/session.h). MEDIA_ERR_NOT_FOUND for unknown or revoked keys. */
media_code media_apikey_lookup_id(media_db *db, const char *id, media_apikey_info *out,
                                  uint8_t key_sha256[32], media_error *err);
/* The SHA-256 stored for key (what media_apikey_lookup_id returns). */
void media_apikey_hash(const char *key, uint8_t out[32]);
/* Look an active key up by its hash. MEDIA_ERR_NOT_FOUND for unknown or revoked keys. */
media_code media_apikey_lookup(media_db *db, const char *key, media_apikey_info *out,
                               media_error *err);

#endif
