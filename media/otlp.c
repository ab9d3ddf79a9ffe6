/*
 * otlp.c - the OTLP/HTTP JSON span exporter (see otlp.h).
 */
#include "otlp.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING  4096 /* spans held at most (about 1.5 MiB) */
#define BATCH 512

int64_t media_span_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void media_span_begin(media_span *s, const media_trace *t, const char *name, int kind,
                      int64_t start_ns)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->trace_id, sizeof(s->trace_id), "%s", t->trace_id);
    snprintf(s->span_id, sizeof(s->span_id), "%s", t->span_id);
    snprintf(s->parent_id, sizeof(s->parent_id), "%s", t->parent_id);
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->kind = kind;
    s->start_ns = start_ns;
}

void media_span_attr(media_span *s, const char *key, const char *value)
{
    if (s->nattrs >= MEDIA_SPAN_ATTRS)
        return;
    snprintf(s->attrs[s->nattrs].key, sizeof(s->attrs[0].key), "%s", key);
    snprintf(s->attrs[s->nattrs].value, sizeof(s->attrs[0].value), "%s", value ? value : "");
    s->nattrs++;
}

media_code media_otlp_endpoint_load(media_env_fn env, void *ud, char *out, size_t cap,
                                    media_error *err)
{
    const char *v = env("MEDIAGATE_OTLP_ENDPOINT", ud);
    out[0] = '\0';
    if (v == NULL || v[0] == '\0')
        return MEDIA_OK;
    if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) || strlen(v) >= cap ||
        strchr(v, ' '))
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_OTLP_ENDPOINT must be an http(s) URL such as "
                               "http://collector:4318/v1/traces");
    snprintf(out, cap, "%s", v);
    return MEDIA_OK;
}

int media_otlp_json(const char *service, const media_span *spans, size_t n, media_buf *b)
{
    int rc = media_buf_appends(b, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":"
                                  "\"service.name\",\"value\":{\"stringValue\":");
    rc |= media_json_string(b, service);
    rc |= media_buf_appends(b, "}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"mediagate\"},"
                               "\"spans\":[");
    for (size_t i = 0; i < n; i++) {
        const media_span *s = &spans[i];
        int first = 1;
        rc |= media_buf_appends(b, i ? ",{" : "{");
        rc |= media_json_kv_str(b, "traceId", s->trace_id, &first);
        rc |= media_json_kv_str(b, "spanId", s->span_id, &first);
        if (s->parent_id[0])
            rc |= media_json_kv_str(b, "parentSpanId", s->parent_id, &first);
        rc |= media_json_kv_str(b, "name", s->name, &first);
        rc |= media_json_kv_int(b, "kind", s->kind, &first);
        rc |= media_buf_appendf(b, ",\"startTimeUnixNano\":\"%lld\",\"endTimeUnixNano\":\"%lld\"",
                                (long long)s->start_ns, (long long)s->end_ns);
        rc |= media_buf_appends(b, ",\"attributes\":[");
        for (int a = 0; a < s->nattrs; a++) {
            int f2 = 1;
            rc |= media_buf_appends(b, a ? ",{" : "{");
            rc |= media_json_kv_str(b, "key", s->attrs[a].key, &f2);
            rc |= media_buf_appends(b, ",\"value\":{\"stringValue\":");
            rc |= media_json_string(b, s->attrs[a].value);
            rc |= media_buf_appends(b, "}}");
        }
        rc |= media_buf_appendf(b, "],\"status\":{\"code\":%d}}", s->status);
    }
    rc |= media_buf_appends(b, "]}]}]}");
    return rc ? -1 : 0;
}

/* ---- the exporter: one per process ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    media_span *ring;
    size_t head, count;
    char *endpoint, *service;
    atomic_bool on, stop;
    pthread_t thread;
    media_metric *exported, *dropped, *failed;
} ex = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

bool media_otlp_enabled(void)
{
    return atomic_load(&ex.on);
}

void media_otlp_record(const media_span *s)
{
    if (!atomic_load(&ex.on))
        return;
    pthread_mutex_lock(&ex.mu);
    bool kept = ex.count < RING;
    if (kept) {
        ex.ring[(ex.head + ex.count) % RING] = *s;
        ex.count++;
        if (ex.count == RING / 4)
            pthread_cond_signal(&ex.cv);
    }
    pthread_mutex_unlock(&ex.mu);
    if (!kept)
        media_metric_add(ex.dropped, 1);
}

static void send_batch(media_http *h, const media_span *spans, size_t n)
{
    media_buf b;
    media_buf_init(&b, 8u << 20);
    if (media_otlp_json(ex.service, spans, n, &b) != 0) {
        media_buf_cleanup(&b);
        media_metric_add(ex.failed, (double)n);
        return;
    }
    static const char *const headers[] = {"Content-Type: application/json", NULL};
    media_http_request r = {
        .method = "POST",
        .url = ex.endpoint,
        .headers = headers,
        .body = b.data,
        .body_len = b.len,
        .timeout_ms = 5000, /* the collector is the operator's, never a proxy */
    };
    media_http_result res;
    media_http_perform(h, &r, &res);
    if (res.outcome == MEDIA_HTTP_DONE && res.status >= 200 && res.status < 300) {
        media_metric_add(ex.exported, (double)n);
    } else {
        media_metric_add(ex.failed, (double)n);
        media_log(MEDIA_LOG_WARN, NULL, NULL, "OTLP export of %zu spans failed: %s (HTTP %ld)", n,
                  res.outcome == MEDIA_HTTP_DONE ? "rejected" : res.message, res.status);
    }
    media_buf_cleanup(&b);
}

static void *exporter(void *arg)
{
    (void)arg;
    media_http *h = media_http_new();
    media_span *batch = media_calloc(BATCH, sizeof(*batch));
    for (;;) {
        pthread_mutex_lock(&ex.mu);
        if (ex.count < RING / 4 && !atomic_load(&ex.stop)) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&ex.cv, &ex.mu, &until);
        }
        size_t n = ex.count < BATCH ? ex.count : BATCH;
        for (size_t i = 0; i < n; i++)
            batch[i] = ex.ring[(ex.head + i) % RING];
        ex.head = (ex.head + n) % RING;
        ex.count -= n;
        bool more = ex.count > 0, stopping = atomic_load(&ex.stop);
        pthread_mutex_unlock(&ex.mu);
        if (n && h)
            send_batch(h, batch, n);
        if (stopping && !more)
            break;
    }
    free(batch);
    media_http_destroy(h);
    return NULL;
}

void media_otlp_start(const char *endpoint, const char *service, media_metrics *m)
{
    if (endpoint == NULL || endpoint[0] == '\0' || atomic_load(&ex.on))
        return;
    ex.endpoint = media_strdup(endpoint);
    ex.service = media_strdup(service);
    ex.ring = media_calloc(RING, sizeof(media_span));
    static const char help[] = "Spans for the OTLP exporter, by outcome";
    ex.exported =
        media_metrics_counter(m, "mediagate_otlp_spans_total", help, "result=\"exported\"");
    ex.dropped = media_metrics_counter(m, "mediagate_otlp_spans_total", help, "result=\"dropped\"");
    ex.failed = media_metrics_counter(m, "mediagate_otlp_spans_total", help, "result=\"failed\"");
    atomic_store(&ex.on, true);
    pthread_create(&ex.thread, NULL, exporter, NULL);
}

void media_otlp_stop(void)
{
    if (!atomic_load(&ex.on))
        return;
    atomic_store(&ex.stop, true);
    pthread_mutex_lock(&ex.mu);
    pthread_cond_signal(&ex.cv);
    pthread_mutex_unlock(&ex.mu);
    pthread_join(ex.thread, NULL);
    atomic_store(&ex.on, false);
    free(ex.ring);
    free(ex.endpoint);
    free(ex.service);
    ex.ring = NULL;
}
