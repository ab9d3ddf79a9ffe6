/*
 * log.c - JSON log lines. Every string goes through media_json_string_max: to add a field,
 * call media_log_str/media_log_int at the call site, never write JSON text by hand.
 */
#include "log.h"
#include "json.h"
#include "trace.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_int min_level = MEDIA_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

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
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

void media_log_str(media_log_fields *f, const char *key, const char *value)
{
    if (f->n < MEDIA_LOG_MAX_FIELDS) {
        f->f[f->n].key = key;
        f->f[f->n].str = value ? value : "";
        f->n++;
    }
}

void media_log_int(media_log_fields *f, const char *key, int64_t value)
{
    if (f->n < MEDIA_LOG_MAX_FIELDS) {
        f->f[f->n].key = key;
        f->f[f->n].str = NULL;
        f->f[f->n].num = value;
        f->n++;
    }
}

static void kv(media_buf *b, const char *key, const char *value)
{
    media_buf_append(b, ",", 1);
    media_json_string_max(b, key, 64);
    media_buf_append(b, ":", 1);
    media_json_string_max(b, value, MEDIA_LOG_VALUE_MAX);
}

void media_log_format(media_buf *b, const char *ts, media_log_level level, const char *request_id,
                      const media_log_fields *fields, const char *msg)
{
    /* worst case per string: 6 output bytes per input byte; (3 + 2 * MAX_FIELDS) strings of
     * MEDIA_LOG_VALUE_MAX fit MEDIA_LOG_LINE_MAX, so no line is ever cut */
    media_buf_appends(b, "{\"ts\":");
    media_json_string_max(b, ts, 64);
    kv(b, "level", level_names[(unsigned)level <= MEDIA_LOG_ERROR ? level : MEDIA_LOG_ERROR]);
    kv(b, "msg", msg);
    if (request_id && request_id[0])
        kv(b, "request_id", request_id);
    for (size_t i = 0; fields && i < fields->n && i < MEDIA_LOG_MAX_FIELDS; i++) {
        if (fields->f[i].str) {
            kv(b, fields->f[i].key, fields->f[i].str);
        } else {
            media_buf_append(b, ",", 1);
            media_json_string_max(b, fields->f[i].key, 64);
            media_buf_appendf(b, ":%lld", (long long)fields->f[i].num);
        }
    }
    media_buf_appends(b, "}\n");
}

void media_log(media_log_level level, const char *request_id, const media_log_fields *fields,
               const char *fmt, ...)
{
    if ((int)level < atomic_load(&min_level))
        return;
    char msg[MEDIA_LOG_VALUE_MAX + 1], ts[40];
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

    /* the thread's trace context, when it has one: every line of a request or a job names it */
    const media_trace *t = media_trace_current();
    media_log_fields with;
    if (t) {
        if (fields)
            with = *fields;
        else
            memset(&with, 0, sizeof(with));
        media_log_str(&with, "trace_id", t->trace_id);
        media_log_str(&with, "span_id", t->span_id);
        fields = &with;
    }
    media_buf b;
    media_buf_init(&b, MEDIA_LOG_LINE_MAX);
    media_log_format(&b, ts, level, request_id, fields, msg);
    ssize_t w = write(2, b.data, b.len);
    (void)w; /* stderr gone: nothing better to do with a log line */
    media_buf_cleanup(&b);
}
