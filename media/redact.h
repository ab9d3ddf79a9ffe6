/*
 * redact.h - keeping credentials out of messages.
 *
 * Adapters that hold a connection URL (db.c for PostgreSQL, queue.c for Redis) build a
 * redactor from it and pass every message that crosses their border (libpq's and hiredis's
 * error texts, host names parsed from the URL) through media_redact before it reaches a
 * media_error: the password is replaced by "***" wherever it appears, as written in the URL
 * (percent-encoded or not) and decoded.
 *
 * URLs are split at the *last* '@' of their authority, so a password containing '@' is never
 * mistaken for part of the host.
 */
#ifndef MEDIA_REDACT_H
#define MEDIA_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define MEDIA_REDACT_MAX 4

/* The secrets to scrub. Owns its copies (wiped when cleaned up). */
typedef struct media_redactor {
    char *s[MEDIA_REDACT_MAX];
    size_t n;
} media_redactor;

/* Collect the password of url: "scheme://user:pass@host/..." (raw and decoded) or a libpq
 * key=value string's password=... An url without one gives an empty redactor. */
void media_redactor_init_url(media_redactor *r, const char *url);
/* Add one more secret (copied; empty strings are ignored). */
void media_redactor_add(media_redactor *r, const char *secret, size_t len);
void media_redactor_cleanup(media_redactor *r);
/* Replace every occurrence of every secret in text (NUL-terminated, modified in place) with
 * "***"; text never grows past its length (a secret shorter than 3 bytes becomes '*'s). */
void media_redact(const media_redactor *r, char *text);

/* Pure: the userinfo of a URL "scheme://userinfo@host...": the part between "://" and the
 * last '@' before the path, query or fragment. False when there is none. */
bool media_url_userinfo(const char *url, const char **start, size_t *len);

/*
 * A PostgreSQL URL as libpq should read it: '@' inside the userinfo percent-encoded, so libpq
 * (which splits at the first '@') sees the same user, password and host as we do. Other
 * forms (key=value strings) are returned unchanged. The result is malloc'd; the caller wipes
 * it with media_free_secret.
 */
char *media_pg_url_normalize(const char *url);

#endif
