/*
 * error.h - mediagate's one list of error codes, and errors as values with a message.
 *
 * Every fallible function returns a media_code and, when the caller passes a media_error,
 * fills it with the code, a class (what a retry policy should do) and a one-line message.
 * Names and default messages come from the same X-macro so they cannot drift.
 * To add a code: add one X(...) line below; nothing else changes.
 *
 * Messages never contain secrets (keys, signatures, credentials): callers format them from
 * names and public values only.
 */
#ifndef MEDIA_ERROR_H
#define MEDIA_ERROR_H

#include <stdarg.h>

#define MEDIA_ERROR_CODES(X)                                                                       \
    X(MEDIA_OK, "ok")                                                                              \
    X(MEDIA_ERR_INVALID, "invalid argument")                                                       \
    X(MEDIA_ERR_CONFIG, "invalid configuration")                                                   \
    X(MEDIA_ERR_TOO_LARGE, "too large")                                                            \
    X(MEDIA_ERR_IO, "input/output error")                                                          \
    X(MEDIA_ERR_NETWORK, "network error")                                                          \
    X(MEDIA_ERR_TIMEOUT, "timed out")                                                              \
    X(MEDIA_ERR_TLS, "TLS error")                                                                  \
    X(MEDIA_ERR_S3, "S3 request failed")                                                           \
    X(MEDIA_ERR_PROTOCOL, "unexpected response")                                                   \
    X(MEDIA_ERR_NOT_FOUND, "not found")                                                            \
    X(MEDIA_ERR_CHECKSUM, "checksum mismatch")                                                     \
    X(MEDIA_ERR_CANCELLED, "cancelled")                                                            \
    X(MEDIA_ERR_DB, "database error")                                                              \
    X(MEDIA_ERR_CONFLICT, "conflict")                                                              \
    X(MEDIA_ERR_BUSY, "claimed by another worker")                                                 \
    X(MEDIA_ERR_FENCED, "claim taken over by another worker")                                      \
    X(MEDIA_ERR_SCHEMA, "database schema mismatch")

typedef enum {
#define MEDIA_X_ENUM(name, msg) name,
    MEDIA_ERROR_CODES(MEDIA_X_ENUM)
#undef MEDIA_X_ENUM
        MEDIA_CODE_COUNT
} media_code;

/* What a caller should do about a failure. */
typedef enum {
    MEDIA_CLASS_NONE = 0,     /* no error */
    MEDIA_CLASS_PERMANENT,    /* retrying cannot help */
    MEDIA_CLASS_TRANSIENT,    /* retry with backoff */
    MEDIA_CLASS_RATE_LIMITED, /* retry later, honouring retry_after_s */
} media_error_class;

typedef struct media_error {
    media_code code;
    media_error_class cls;
    int http_status;    /* HTTP status involved, 0 when none */
    long retry_after_s; /* from Retry-After when rate limited, else 0 */
    char message[512];  /* one line, NUL-terminated, no secrets */
} media_error;

/* "MEDIA_ERR_INVALID" etc.; "MEDIA_ERR_UNKNOWN" for out-of-range values. */
const char *media_code_name(media_code code);
/* The default one-line message of a code. */
const char *media_code_message(media_code code);
/* "permanent", "transient", "rate_limited" or "none". */
const char *media_error_class_name(media_error_class cls);

/*
 * Fill *err (when not NULL) with code, class and a printf-formatted message; returns code so
 * callers can write `return media_error_set(err, ...)`. http_status and retry_after_s are
 * reset to 0.
 */
media_code media_error_set(media_error *err, media_code code, media_error_class cls,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
media_code media_error_setv(media_error *err, media_code code, media_error_class cls,
                            const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
/* Reset *err to MEDIA_OK with an empty message. */
void media_error_clear(media_error *err);

#endif
