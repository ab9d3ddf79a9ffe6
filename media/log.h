/*
 * log.h - JSON log lines on stderr: {"ts","level","msg","request_id",...}.
 *
 * One line per event, written with a single write(2) so lines from threads never interleave.
 * Callers pass only non-secret values (messages come from media_error, which never holds
 * secrets). Thread-safe.
 */
#ifndef MEDIA_LOG_H
#define MEDIA_LOG_H

#include <stdbool.h>

typedef enum { MEDIA_LOG_DEBUG, MEDIA_LOG_INFO, MEDIA_LOG_WARN, MEDIA_LOG_ERROR } media_log_level;

/* Lines below this level are dropped (MEDIAGATE_LOG_LEVEL: debug|info|warn|error). */
void media_log_set_level(media_log_level level);
/* True when lines of this level are written (skip building them otherwise). */
bool media_log_enabled(media_log_level level);
/* Parse "debug", "info", "warn", "error"; -1 when unknown. */
int media_log_level_parse(const char *s);

/*
 * Write one line. request_id may be NULL. extra_json, when not NULL, is a fragment of
 * already-encoded members appended to the object (e.g. "\"media_id\":\"...\"").
 */
void media_log(media_log_level level, const char *request_id, const char *extra_json,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
