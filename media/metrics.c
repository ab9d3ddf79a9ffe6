/*
 * metrics.c - a small Prometheus registry. Values are doubles stored as atomic 64-bit
 * patterns and updated with compare-and-swap.
 */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { COUNTER, GAUGE, HISTOGRAM } kind;

struct media_metric {
    char *name, *help, *labels;
    kind k;
    _Atomic uint64_t value; /* double bits; histogram: sum */
    double bounds[16];
    size_t nbounds;
    _Atomic uint64_t counts[17]; /* per bucket (+Inf last) */
    struct media_metric *next;
};

struct media_metrics {
    pthread_mutex_t mu;
    media_metric *head, *tail;
};

static double as_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

static uint64_t as_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof(b));
    return b;
}

media_metrics *media_metrics_new(void)
{
    media_metrics *m = media_calloc(1, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void media_metrics_destroy(media_metrics *m)
{
    if (m == NULL)
        return;
    for (media_metric *s = m->head, *n; s; s = n) {
        n = s->next;
        free(s->name);
        free(s->help);
        free(s->labels);
        free(s);
    }
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static media_metric *get(media_metrics *m, kind k, const char *name, const char *help,
                         const char *labels, const double *bounds, size_t n)
{
    pthread_mutex_lock(&m->mu);
    media_metric *s;
    for (s = m->head; s; s = s->next)
        if (strcmp(s->name, name) == 0 && strcmp(s->labels, labels ? labels : "") == 0)
            break;
    if (s == NULL) {
        s = media_calloc(1, sizeof(*s));
        s->name = media_strdup(name);
        s->help = media_strdup(help);
        s->labels = media_strdup(labels ? labels : "");
        s->k = k;
        s->nbounds = n > 16 ? 16 : n;
        if (n)
            memcpy(s->bounds, bounds, s->nbounds * sizeof(double));
        /* series of one family stay together: insert after the family's last series */
        media_metric *after = NULL;
        for (media_metric *t = m->head; t; t = t->next)
            if (strcmp(t->name, name) == 0)
                after = t;
        if (after) {
            s->next = after->next;
            after->next = s;
            if (m->tail == after)
                m->tail = s;
        } else if (m->tail) {
            m->tail->next = s;
            m->tail = s;
        } else {
            m->head = m->tail = s;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return s;
}

media_metric *media_metrics_counter(media_metrics *m, const char *name, const char *help,
                                    const char *labels)
{
    return get(m, COUNTER, name, help, labels, NULL, 0);
}

media_metric *media_metrics_gauge(media_metrics *m, const char *name, const char *help,
                                  const char *labels)
{
    return get(m, GAUGE, name, help, labels, NULL, 0);
}

media_metric *media_metrics_histogram(media_metrics *m, const char *name, const char *help,
                                      const char *labels, const double *buckets, size_t n)
{
    return get(m, HISTOGRAM, name, help, labels, buckets, n);
}

void media_metric_add(media_metric *c, double v)
{
    uint64_t old = atomic_load(&c->value);
    while (!atomic_compare_exchange_weak(&c->value, &old, as_bits(as_double(old) + v)))
        ;
}

void media_metric_set(media_metric *g, double v)
{
    atomic_store(&g->value, as_bits(v));
}

double media_metric_value(media_metric *c)
{
    return as_double(atomic_load(&c->value));
}

void media_metric_observe(media_metric *h, double v)
{
    size_t i = 0;
    while (i < h->nbounds && v > h->bounds[i])
        i++;
    atomic_fetch_add(&h->counts[i], 1);
    media_metric_add(h, v);
}

static void series(media_buf *out, const char *name, const char *suffix, const char *labels,
                   const char *extra, double v)
{
    bool any = labels[0] || (extra && extra[0]);
    media_buf_appendf(out, "%s%s%s%s%s%s%s %.17g\n", name, suffix, any ? "{" : "", labels,
                      labels[0] && extra && extra[0] ? "," : "", extra ? extra : "", any ? "}" : "",
                      v);
}

void media_metrics_render(media_metrics *m, media_buf *out)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    pthread_mutex_lock(&m->mu);
    const char *family = NULL;
    for (media_metric *s = m->head; s; s = s->next) {
        if (family == NULL || strcmp(family, s->name) != 0) {
            media_buf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n", s->name, s->help, s->name,
                              types[s->k]);
            family = s->name;
        }
        if (s->k != HISTOGRAM) {
            series(out, s->name, "", s->labels, NULL, media_metric_value(s));
            continue;
        }
        uint64_t cum = 0;
        char le[48];
        for (size_t i = 0; i <= s->nbounds; i++) {
            cum += atomic_load(&s->counts[i]);
            if (i < s->nbounds)
                snprintf(le, sizeof(le), "le=\"%g\"", s->bounds[i]);
            else
                snprintf(le, sizeof(le), "le=\"+Inf\"");
            series(out, s->name, "_bucket", s->labels, le, (double)cum);
        }
        series(out, s->name, "_sum", s->labels, NULL, media_metric_value(s));
        series(out, s->name, "_count", s->labels, NULL, (double)cum);
    }
    pthread_mutex_unlock(&m->mu);
}
