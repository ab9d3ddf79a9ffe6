/*
 * error.c - names and messages of media_code, generated from MEDIA_ERROR_CODES.
 */
#include "error.h"

#include <stdio.h>
#include <string.h>

static const char *const code_names[] = {
#define MEDIA_X_NAME(name, msg) #name,
    MEDIA_ERROR_CODES(MEDIA_X_NAME)
#undef MEDIA_X_NAME
};

static const char *const code_messages[] = {
#define MEDIA_X_MSG(name, msg) msg,
    MEDIA_ERROR_CODES(MEDIA_X_MSG)
#undef MEDIA_X_MSG
};

const char *media_code_name(media_code code)
{
    if ((unsigned)code >= MEDIA_CODE_COUNT)
        return "MEDIA_ERR_UNKNOWN";
    return code_names[code];
}

const char *media_code_message(media_code code)
{
    if ((unsigned)code >= MEDIA_CODE_COUNT)
        return "unknown error";
    return code_messages[code];
}

const char *media_error_class_name(media_error_class cls)
{
    switch (cls) {
    case MEDIA_CLASS_NONE:
        return "none";
    case MEDIA_CLASS_PERMANENT:
        return "permanent";
    case MEDIA_CLASS_TRANSIENT:
        return "transient";
    case MEDIA_CLASS_RATE_LIMITED:
        return "rate_limited";
    }
    return "none";
}

media_code media_error_setv(media_error *err, media_code code, media_error_class cls,
                            const char *fmt, va_list ap)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->cls = cls;
    err->http_status = 0;
    err->retry_after_s = 0;
    if (fmt == NULL || vsnprintf(err->message, sizeof(err->message), fmt, ap) < 0)
        snprintf(err->message, sizeof(err->message), "%s", media_code_message(code));
    /* one line: a message is written to logs and problem bodies as-is */
    for (char *p = err->message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return code;
}

media_code media_error_set(media_error *err, media_code code, media_error_class cls,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    media_code rc = media_error_setv(err, code, cls, fmt, ap);
    va_end(ap);
    return rc;
}

void media_error_clear(media_error *err)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof(*err));
}
