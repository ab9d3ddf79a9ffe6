/*
 * redact.c - see redact.h.
 */
#include "redact.h"
#include "mem.h"
#include "uri.h"

#include <stdlib.h>
#include <string.h>

bool media_url_userinfo(const char *url, const char **start, size_t *len)
{
    const char *p = url ? strstr(url, "://") : NULL;
    if (p == NULL)
        return false;
    p += 3;
    /* the authority ends at the path, query or fragment that follows the last '@' */
    size_t n = strcspn(p, "?#");
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '@')
            at = p + i;
    if (at == NULL)
        return false;
    *start = p;
    *len = (size_t)(at - p);
    return true;
}

void media_redactor_add(media_redactor *r, const char *secret, size_t len)
{
    /* what is scrubbed is the secret as a C string: up to a NUL it may hold (a decoded %00) */
    len = secret ? strnlen(secret, len) : 0;
    if (len == 0 || r->n == MEDIA_REDACT_MAX)
        return;
    for (size_t i = 0; i < r->n; i++)
        if (strlen(r->s[i]) == len && memcmp(r->s[i], secret, len) == 0)
            return;
    r->s[r->n++] = media_strndup(secret, len);
}

void media_redactor_init_url(media_redactor *r, const char *url)
{
    memset(r, 0, sizeof(*r));
    if (url == NULL)
        return;
    const char *ui;
    size_t n;
    if (media_url_userinfo(url, &ui, &n)) {
        const char *colon = memchr(ui, ':', n);
        if (colon == NULL)
            return;
        const char *pw = colon + 1;
        size_t pl = n - (size_t)(pw - ui);
        media_redactor_add(r, pw, pl);
        char *dec = media_calloc(1, pl + 1); /* stays a string even when decoding fails */
        size_t dl = media_uri_decode(dec, pl + 1, pw, pl);
        if (dl != (size_t)-1)
            media_redactor_add(r, dec, dl);
        media_free_secret(dec);
        return;
    }
    /* key=value: password=... up to the next space (quoted values keep their quotes out) */
    const char *p = strstr(url, "password=");
    if (p) {
        p += 9;
        if (*p == '\'') {
            const char *end = strchr(p + 1, '\'');
            media_redactor_add(r, p + 1, end ? (size_t)(end - p - 1) : strlen(p + 1));
        } else {
            media_redactor_add(r, p, strcspn(p, " \t"));
        }
    }
}

void media_redactor_cleanup(media_redactor *r)
{
    for (size_t i = 0; i < r->n; i++)
        media_free_secret(r->s[i]);
    memset(r, 0, sizeof(*r));
}

void media_redact(const media_redactor *r, char *text)
{
    if (text == NULL)
        return;
    for (size_t i = 0; i < r->n; i++) {
        const char *s = r->s[i];
        size_t sl = strlen(s);
        if (sl == 0) /* never stored; and strstr would find "" everywhere, forever */
            continue;
        char *from = text, *hit;
        while ((hit = strstr(from, s)) != NULL) {
            size_t mark = sl < 3 ? sl : 3;
            memset(hit, '*', mark);
            memmove(hit + mark, hit + sl, strlen(hit + sl) + 1);
            from = hit + mark; /* never rescan the mark (a secret of '*'s) */
        }
    }
}

char *media_pg_url_normalize(const char *url)
{
    const char *ui;
    size_t n;
    if (url == NULL || !media_url_userinfo(url, &ui, &n) || memchr(ui, '@', n) == NULL)
        return media_strdup(url);
    size_t at_count = 0;
    for (size_t i = 0; i < n; i++)
        at_count += ui[i] == '@';
    size_t len = strlen(url);
    char *out = media_malloc(len + 2 * at_count + 1);
    size_t o = 0;
    for (const char *p = url; *p; p++) {
        if (p >= ui && p < ui + n && *p == '@') {
            memcpy(out + o, "%40", 3);
            o += 3;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}
