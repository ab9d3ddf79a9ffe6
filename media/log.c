/*
 * log.c - JSON log lines.
 */
#include "log.h"
#include "json.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_int min_level = MEDIA_LOG_INFO;

void media_log_set_level(media_log_level level)
{
    atomic_store(&min_level, (int)level);
}

bool media_log_enabled(media_log_level level)
{
    return (int)level >= atomic_load(&min_level);
}

int media_log_level_parse(const char *s)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

void media_log(media_log_level level, const char *request_id, const char *extra_json,
               const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    if ((int)level < atomic_load(&min_level))
        return;
    char msg[1024], ts[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", (long)tv.tv_usec / 1000);

    media_buf b;
    media_buf_init(&b, 8192);
    int first = 1;
    media_buf_appends(&b, "{");
    media_json_kv_str(&b, "ts", ts, &first);
    media_json_kv_str(&b, "level", names[level], &first);
    media_json_kv_str(&b, "msg", msg, &first);
    if (request_id && request_id[0])
        media_json_kv_str(&b, "request_id", request_id, &first);
    if (extra_json && extra_json[0]) {
        media_buf_appends(&b, ",");
        media_buf_appends(&b, extra_json);
    }
    media_buf_appends(&b, "}\n");
    ssize_t w = write(2, b.data, b.len);
    (void)w;
    media_buf_cleanup(&b);
}
