/*
 * log.h - JSON log lines on stderr: {"ts","level","msg","request_id",<fields>...}.
 *
 * One line per event, written with a single write(2) so lines from threads never interleave.
 * Every string that reaches a line — the message, the request id, each field's key and value —
 * is JSON-escaped here by one function (media_json_string_max), so no input can forge a field
 * or break a line (quotes, control bytes, invalid UTF-8 become escapes or U+FFFD). Strings are
 * cut at MEDIA_LOG_VALUE_MAX bytes (marked with an ellipsis), so a line is always complete.
 * Callers pass only non-secret values (messages come from media_error, which never holds
 * secrets). Thread-safe.
 */
#ifndef MEDIA_LOG_H
#define MEDIA_LOG_H

#include "mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { MEDIA_LOG_DEBUG, MEDIA_LOG_INFO, MEDIA_LOG_WARN, MEDIA_LOG_ERROR } media_log_level;

#define MEDIA_LOG_MAX_FIELDS 10
#define MEDIA_LOG_VALUE_MAX  1024 /* bytes of one string written (message, id, value) */

/* Named values for one line. Plain data on the caller's stack; strings are borrowed until
 * media_log returns. Fields past MEDIA_LOG_MAX_FIELDS are dropped. */
typedef struct media_log_fields {
    size_t n;
    struct {
        const char *key;
        const char *str; /* string value, or NULL for the number */
        int64_t num;
    } f[MEDIA_LOG_MAX_FIELDS];
} media_log_fields;

void media_log_str(media_log_fields *f, const char *key, const char *value);
void media_log_int(media_log_fields *f, const char *key, int64_t value);

/* Lines below this level are dropped (MEDIAGATE_LOG_LEVEL: debug|info|warn|error). */
void media_log_set_level(media_log_level level);
/* True when lines of this level are written (skip building them otherwise). */
bool media_log_enabled(media_log_level level);
/* Parse "debug", "info", "warn", "error"; -1 when unknown. */
int media_log_level_parse(const char *s);

/* Write one line. request_id and fields may be NULL. */
void media_log(media_log_level level, const char *request_id, const media_log_fields *fields,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Pure: append the line media_log writes for these values (with its newline) to out, which
 * must hold MEDIA_LOG_LINE_MAX bytes. The clock (ts) is a parameter. */
#define MEDIA_LOG_LINE_MAX 131072
void media_log_format(media_buf *out, const char *ts, media_log_level level, const char *request_id,
                      const media_log_fields *fields, const char *msg);

#endif
