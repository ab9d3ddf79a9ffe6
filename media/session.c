/*
 * session.c - see session.h.
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mac_hex(const char *key_id, const uint8_t key_sha256[MEDIA_SHA256_LEN],
                    long long expires, char hex[2 * MEDIA_SHA256_LEN + 1])
{
    char msg[128];
    int n = snprintf(msg, sizeof(msg), "mediagate-session|%s|%lld|read", key_id, expires);
    uint8_t mac[MEDIA_SHA256_LEN];
    media_hmac_sha256(key_sha256, MEDIA_SHA256_LEN, msg, (size_t)n, mac);
    media_hex(mac, sizeof(mac), hex);
}

void media_session_make(const char *key_id, const uint8_t key_sha256[MEDIA_SHA256_LEN],
                        time_t expires, char out[MEDIA_SESSION_MAX])
{
    char hex[2 * MEDIA_SHA256_LEN + 1];
    mac_hex(key_id, key_sha256, (long long)expires, hex);
    snprintf(out, MEDIA_SESSION_MAX, MEDIA_SESSION_PREFIX "%s_%lld_%s", key_id, (long long)expires,
             hex);
}

bool media_session_parse(const char *token, char key_id[MEDIA_UUID_STR], time_t *expires)
{
    size_t pl = sizeof(MEDIA_SESSION_PREFIX) - 1;
    if (token == NULL || strncmp(token, MEDIA_SESSION_PREFIX, pl) != 0)
        return false;
    const char *id = token + pl, *u1 = strchr(id, '_');
    if (u1 == NULL || (size_t)(u1 - id) != MEDIA_UUID_STR - 1)
        return false;
    memcpy(key_id, id, MEDIA_UUID_STR - 1);
    key_id[MEDIA_UUID_STR - 1] = '\0';
    if (!media_uuid_valid(key_id))
        return false;
    char *end;
    long long e = strtoll(u1 + 1, &end, 10);
    if (end == u1 + 1 || *end != '_' || e <= 0 || strlen(end + 1) != 2 * MEDIA_SHA256_LEN)
        return false;
    *expires = (time_t)e;
    return true;
}

bool media_session_verify(const char *token, const uint8_t key_sha256[MEDIA_SHA256_LEN], time_t now)
{
    char id[MEDIA_UUID_STR];
    time_t expires;
    if (!media_session_parse(token, id, &expires) || expires <= now)
        return false;
    char want[2 * MEDIA_SHA256_LEN + 1];
    mac_hex(id, key_sha256, (long long)expires, want);
    const char *got = strrchr(token, '_') + 1;
    return media_equal_ct(want, got, 2 * MEDIA_SHA256_LEN);
}
