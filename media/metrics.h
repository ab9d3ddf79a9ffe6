/*
 * metrics.h - counters, gauges and histograms rendered as Prometheus text.
 *
 * Series are created once (get-or-create by name + label text, under a mutex) and then
 * updated lock-free with atomics from any thread. Handles live as long as the registry.
 */
#ifndef MEDIA_METRICS_H
#define MEDIA_METRICS_H

#include "mem.h"

#include <stddef.h>
#include <stdint.h>

typedef struct media_metrics media_metrics;
typedef struct media_metric media_metric; /* one series */

media_metrics *media_metrics_new(void);
void media_metrics_destroy(media_metrics *m);

/* labels: already-formatted Prometheus label pairs without braces (e.g. "class=\"transient\"")
 * or NULL. The same name must keep the same type and help. */
media_metric *media_metrics_counter(media_metrics *m, const char *name, const char *help,
                                    const char *labels);
media_metric *media_metrics_gauge(media_metrics *m, const char *name, const char *help,
                                  const char *labels);
/* buckets: ascending upper bounds (seconds, bytes, ...), at most 16. */
media_metric *media_metrics_histogram(media_metrics *m, const char *name, const char *help,
                                      const char *labels, const double *buckets, size_t n);

void media_metric_add(media_metric *c, double v); /* counters and gauges */
void media_metric_set(media_metric *g, double v); /* gauges */
void media_metric_observe(media_metric *h, double v);
double media_metric_value(media_metric *c);

/* Append the Prometheus text exposition of every series to out. */
void media_metrics_render(media_metrics *m, media_buf *out);

#endif
