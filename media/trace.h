/*
 * trace.h - W3C Trace Context (https://www.w3.org/TR/trace-context/): a request's trace id,
 * the span this process is working in, and the parent it continues, carried from the API
 * (the traceparent/tracestate headers) into the job (the catalog row) and into every request
 * mediagate makes for it (source, S3, webhook: a traceparent header) and every log line it
 * writes (trace_id, span_id).
 *
 * The current context is per thread (media_trace_set_current): the log and the HTTP clients
 * read it, so it needs no plumbing through every call. Ids are random (a per-thread generator
 * seeded from getrandom: they must be unique, not secret).
 */
#ifndef MEDIA_TRACE_H
#define MEDIA_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIA_TRACESTATE_MAX  512
#define MEDIA_TRACEPARENT_LEN 55 /* "00-" 32 "-" 16 "-" 2 */

typedef struct media_trace {
    char trace_id[33];      /* 32 lower-case hex digits; "" when there is no context */
    char span_id[16 + 1];   /* the span this work is */
    char parent_id[16 + 1]; /* the span it continues; "" for a root */
    uint8_t flags;          /* trace-flags; bit 0: sampled */
    char state[MEDIA_TRACESTATE_MAX + 1]; /* tracestate, passed on unchanged; "" when none */
} media_trace;

/* Pure: parse a traceparent header (version 00, or a later version's first four fields;
 * lower-case hex; neither id all zeros). False for anything else (then start a new trace). */
bool media_traceparent_parse(const char *header, char trace_id[33], char parent_id[17],
                             uint8_t *flags);
/* Pure: a tracestate worth passing on: at most MEDIA_TRACESTATE_MAX printable ASCII bytes. */
bool media_tracestate_valid(const char *s);

/* A new span: continuing traceparent (and its tracestate) when valid, else the root of a new
 * trace (sampled). */
void media_trace_start(media_trace *t, const char *traceparent, const char *tracestate);
/* A child span of parent (same trace, a new span id). */
void media_trace_child(media_trace *t, const media_trace *parent);
/* The traceparent naming t's span (for outgoing requests and the job): out holds
 * MEDIA_TRACEPARENT_LEN + 1 bytes; "" when t has no trace. */
void media_trace_header(const media_trace *t, char *out);

/* This thread's current context (copied), for log lines and outgoing requests; NULL clears. */
void media_trace_set_current(const media_trace *t);
/* This thread's current context, or NULL. */
const media_trace *media_trace_current(void);

#endif
