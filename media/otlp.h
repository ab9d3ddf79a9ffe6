/*
 * otlp.h - spans exported as OTLP/HTTP JSON (https://opentelemetry.io/docs/specs/otlp/) to
 * MEDIAGATE_OTLP_ENDPOINT (e.g. http://collector:4318/v1/traces), when it is set.
 *
 * Recording never blocks a request: a span is copied into a bounded ring under a mutex (held
 * for the copy only); when the ring is full the span is dropped and counted. One exporter
 * thread per process sends what the ring holds every second (or as soon as it is a quarter
 * full), in batches, with a 5 s timeout; a batch the collector does not take is dropped and
 * counted (traces are diagnostics, not data). otlp.c posts them through the HTTP adapter (http.h).
 */
#ifndef MEDIA_OTLP_H
#define MEDIA_OTLP_H

#include "config.h"
#include "metrics.h"
#include "trace.h"

#include <stdint.h>

enum {
    MEDIA_SPAN_INTERNAL = 1,
    MEDIA_SPAN_SERVER = 2,
    MEDIA_SPAN_CLIENT = 3,
    MEDIA_SPAN_PRODUCER = 4,
    MEDIA_SPAN_CONSUMER = 5
};
enum { MEDIA_SPAN_UNSET = 0, MEDIA_SPAN_OK = 1, MEDIA_SPAN_ERROR = 2 };

#define MEDIA_SPAN_ATTRS 6
typedef struct media_span {
    char trace_id[33], span_id[17], parent_id[17];
    char name[64];
    int kind;
    int status;
    int64_t start_ns, end_ns; /* unix time */
    struct {
        char key[32];
        char value[128]; /* a string attribute */
    } attrs[MEDIA_SPAN_ATTRS];
    int nattrs;
} media_span;

/* Fill a span for the work t is doing (ids from t), started at start_ns. */
void media_span_begin(media_span *s, const media_trace *t, const char *name, int kind,
                      int64_t start_ns);
void media_span_attr(media_span *s, const char *key, const char *value);
/* Now, in unix nanoseconds. */
int64_t media_span_now_ns(void);

/* Start the exporter for service (e.g. "mediagate-serve") when endpoint is non-empty;
 * registers its counters on m. Once per process. */
void media_otlp_start(const char *endpoint, const char *service, media_metrics *m);
/* Queue a finished span (no-op without an exporter). Thread-safe, never blocks on I/O. */
void media_otlp_record(const media_span *s);
/* Send what is queued (best effort, bounded by the timeout) and stop the exporter. */
void media_otlp_stop(void);
/* True when an exporter runs (skip building spans otherwise). */
bool media_otlp_enabled(void);

/* MEDIAGATE_OTLP_ENDPOINT into out ("" when unset): an http(s) URL of at most cap - 1 bytes,
 * else MEDIA_ERR_CONFIG. */
media_code media_otlp_endpoint_load(media_env_fn env, void *ud, char *out, size_t cap,
                                    media_error *err);

/* Pure: the OTLP JSON request for n spans of service into out. 0 or -1. */
int media_otlp_json(const char *service, const media_span *spans, size_t n, media_buf *out);

#endif
