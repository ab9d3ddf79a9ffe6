/*
 * apikey.c - API key generation and storage (hash only).
 */
#include "apikey.h"
#include "catalog.h"
#include "hash.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned bit;
} scope_names[] = {
    {"read", MEDIA_SCOPE_READ}, {"write", MEDIA_SCOPE_WRITE}, {"admin", MEDIA_SCOPE_ADMIN}};

bool media_scopes_parse(const char *csv, unsigned *mask)
{
    *mask = 0;
    if (csv == NULL || csv[0] == '\0')
        return false;
    const char *p = csv;
    while (*p) {
        size_t n = strcspn(p, ",");
        bool known = false;
        for (size_t i = 0; i < 3; i++)
            if (n == strlen(scope_names[i].name) && strncmp(p, scope_names[i].name, n) == 0) {
                *mask |= scope_names[i].bit;
                known = true;
            }
        if (!known)
            return false;
        p += n;
        if (*p == ',' && *++p == '\0')
            return false; /* trailing comma */
    }
    return *mask != 0;
}

void media_scopes_format(unsigned mask, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < 3; i++)
        if (mask & scope_names[i].bit)
            o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "%s%s", o ? "," : "",
                                  scope_names[i].name);
}

static unsigned scopes_from_array(const char *pg_array)
{
    /* "{read,write}" */
    unsigned mask = 0;
    for (size_t i = 0; pg_array && i < 3; i++) {
        const char *hit = strstr(pg_array, scope_names[i].name);
        if (hit)
            mask |= scope_names[i].bit;
    }
    return mask;
}

static void scopes_to_array(unsigned mask, char *out, size_t cap)
{
    char csv[32];
    media_scopes_format(mask, csv, sizeof(csv));
    snprintf(out, cap, "{%s}", csv);
}

void media_apikey_format(const uint8_t random[32], char out[MEDIA_APIKEY_LEN + 1])
{
    char b64[48];
    media_base64(random, 32, b64); /* 44 chars with one '=' */
    memcpy(out, MEDIA_APIKEY_PREFIX, 4);
    for (int i = 0; i < 43; i++) {
        char c = b64[i];
        out[4 + i] = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    out[MEDIA_APIKEY_LEN] = '\0';
}

bool media_apikey_well_formed(const char *s)
{
    if (s == NULL || strlen(s) != MEDIA_APIKEY_LEN || strncmp(s, MEDIA_APIKEY_PREFIX, 4) != 0)
        return false;
    for (int i = 4; i < MEDIA_APIKEY_LEN; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

void media_apikey_hash(const char *key, uint8_t out[32])
{
    media_sha256(key, strlen(key), out);
}

static void key_hash_hex(const char *key, char out[65])
{
    uint8_t h[MEDIA_SHA256_LEN];
    media_apikey_hash(key, h);
    media_hex(h, sizeof(h), out);
}

#define KEY_COLS                                                                                   \
    "id, tenant_id, scopes::text, prefix,"                                                         \
    " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"                   \
    " to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static void parse_key_row(const media_db_result *r, int row, media_apikey_info *k)
{
    memset(k, 0, sizeof(*k));
    const char *v;
#define COPY(field, col)                                                                           \
    v = media_db_result_value(r, row, col);                                                        \
    snprintf(k->field, sizeof(k->field), "%s", v ? v : "")
    COPY(id, 0);
    COPY(tenant, 1);
    k->scopes = scopes_from_array(media_db_result_value(r, row, 2));
    COPY(prefix, 3);
    COPY(created_at, 4);
    COPY(revoked_at, 5);
#undef COPY
}

media_code media_apikey_create(media_db *db, const char *tenant, unsigned scopes,
                               char key_out[MEDIA_APIKEY_LEN + 1], media_apikey_info *info,
                               media_error *err)
{
    if (scopes == 0 || scopes > 7)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "scopes must be some of read, write, admin");
    media_code rc = media_catalog_tenant_ensure(db, tenant, err);
    if (rc != MEDIA_OK)
        return rc;
    uint8_t rnd[32];
    char id[MEDIA_UUID_STR], hash[65], prefix[MEDIA_APIKEY_SHOWN_LEN + 1], arr[40];
    media_random_bytes(rnd, sizeof(rnd));
    media_apikey_format(rnd, key_out);
    memset(rnd, 0, sizeof(rnd));
    media_uuid7_new(id);
    key_hash_hex(key_out, hash);
    snprintf(prefix, sizeof(prefix), "%.*s", MEDIA_APIKEY_SHOWN_LEN, key_out);
    scopes_to_array(scopes, arr, sizeof(arr));
    const char *p[] = {id, tenant, hash, prefix, arr};
    media_db_result *r;
    rc = media_db_query(db,
                        "INSERT INTO api_keys (id, tenant_id, key_sha256, prefix, scopes)"
                        " VALUES ($1, $2, decode($3, 'hex'), $4, $5::text[]) RETURNING " KEY_COLS,
                        5, p, &r, err);
    if (rc != MEDIA_OK) {
        memset(key_out, 0, MEDIA_APIKEY_LEN + 1);
        return rc;
    }
    if (info)
        parse_key_row(r, 0, info);
    media_db_result_free(r);
    return MEDIA_OK;
}

media_code media_apikey_list(media_db *db, const char *tenant, media_apikey_info **out,
                             size_t *count, media_error *err)
{
    *out = NULL;
    *count = 0;
    const char *p[] = {tenant};
    media_db_result *r;
    media_code rc = media_db_query(db,
                                   "SELECT " KEY_COLS " FROM api_keys WHERE $1::text IS NULL OR "
                                   "tenant_id = $1 ORDER BY created_at, id",
                                   1, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    int n = media_db_result_rows(r);
    *out = media_calloc((size_t)(n ? n : 1), sizeof(**out));
    for (int i = 0; i < n; i++)
        parse_key_row(r, i, &(*out)[i]);
    *count = (size_t)n;
    media_db_result_free(r);
    return MEDIA_OK;
}

media_code media_apikey_revoke(media_db *db, const char *id, media_error *err)
{
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such API key");
    const char *p[] = {id};
    long n;
    media_code rc = media_db_exec(db,
                                  "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND "
                                  "revoked_at IS NULL",
                                  1, p, &n, err);
    if (rc == MEDIA_OK && n == 0)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                             "no active API key with id %s", id);
    return rc;
}

media_code media_apikey_lookup_id(media_db *db, const char *id, media_apikey_info *out,
                                  uint8_t key_sha256[32], media_error *err)
{
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "unknown API key");
    const char *p[] = {id};
    media_db_result *r;
    media_code rc = media_db_query(db,
                                   "SELECT " KEY_COLS ", encode(key_sha256, 'hex') FROM api_keys"
                                   " WHERE id = $1 AND revoked_at IS NULL",
                                   1, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    if (media_db_result_rows(r) == 0) {
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "unknown API key");
    } else {
        parse_key_row(r, 0, out);
        const char *hex = media_db_result_value(r, 0, 6);
        for (int i = 0; i < 32 && hex && strlen(hex) == 64; i++) {
            unsigned b;
            sscanf(hex + 2 * i, "%2x", &b);
            key_sha256[i] = (uint8_t)b;
        }
    }
    media_db_result_free(r);
    return rc;
}

media_code media_apikey_lookup(media_db *db, const char *key, media_apikey_info *out,
                               media_error *err)
{
    if (!media_apikey_well_formed(key))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "unknown API key");
    char hash[65];
    key_hash_hex(key, hash);
    const char *p[] = {hash};
    media_db_result *r;
    media_code rc = media_db_query(db,
                                   "SELECT " KEY_COLS " FROM api_keys WHERE key_sha256 = "
                                   "decode($1, 'hex') AND revoked_at IS NULL",
                                   1, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    if (media_db_result_rows(r) == 0)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "unknown API key");
    else
        parse_key_row(r, 0, out);
    media_db_result_free(r);
    return rc;
}
