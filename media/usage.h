/*
 * usage.h - this process's use of its dependencies, as Prometheus text for /metrics: the
 * PostgreSQL connections it holds (open, busy, the configured bound) and the statements,
 * Redis commands and S3 requests it sent. The same counters give docs/scaling.md its
 * per-request and per-job numbers.
 */
#ifndef MEDIA_USAGE_H
#define MEDIA_USAGE_H

#include "mem.h"

/* Append the series to out. db_max: this process's connection bound (serve: backend
 * threads; worker: concurrency + 2). */
void media_usage_render(media_buf *out, long db_max);

#endif
