/*
 * proxy.c - round-robin egress proxies with a consecutive-failure cool-down.
 */
#include "proxy.h"
#include "media/mem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *url;
    int failures; /* consecutive */
    time_t until; /* skipped while now < until */
} proxy;

struct ingest_proxy_pool {
    pthread_mutex_t mu;
    proxy *items;
    size_t count;
    size_t next;
    int fail_threshold;
    long cooldown_s;
};

media_code ingest_proxy_pool_new(const char *csv, int fail_threshold, long cooldown_s,
                                 ingest_proxy_pool **out, media_error *err)
{
    *out = NULL;
    if (csv == NULL || csv[0] == '\0')
        return MEDIA_OK;
    ingest_proxy_pool *p = media_calloc(1, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    p->fail_threshold = fail_threshold < 1 ? 1 : fail_threshold;
    p->cooldown_s = cooldown_s;
    const char *s = csv;
    while (*s) {
        while (*s == ',' || *s == ' ')
            s++;
        if (*s == '\0')
            break;
        size_t n = strcspn(s, ", ");
        bool ok = (n > 7 && strncmp(s, "http://", 7) == 0) ||
                  (n > 8 && strncmp(s, "https://", 8) == 0) ||
                  (n > 9 && strncmp(s, "socks5://", 9) == 0) ||
                  (n > 10 && strncmp(s, "socks5h://", 10) == 0);
        if (!ok) {
            size_t index = p->count + 1;
            ingest_proxy_pool_destroy(p);
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "MEDIAGATE_FETCH_PROXIES: proxy %zu must be an http://, "
                                   "https://, socks5:// or socks5h:// URL",
                                   index);
        }
        p->items = media_realloc(p->items, (p->count + 1) * sizeof(*p->items));
        p->items[p->count++] = (proxy){media_strndup(s, n), 0, 0};
        s += n;
    }
    if (p->count == 0) {
        ingest_proxy_pool_destroy(p);
        return MEDIA_OK;
    }
    *out = p;
    return MEDIA_OK;
}

void ingest_proxy_pool_destroy(ingest_proxy_pool *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i].url);
    free(p->items);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

size_t ingest_proxy_pool_size(const ingest_proxy_pool *p)
{
    return p ? p->count : 0;
}

size_t ingest_proxy_pick(ingest_proxy_pool *p, time_t now)
{
    pthread_mutex_lock(&p->mu);
    size_t chosen = p->count, soonest = 0;
    for (size_t k = 0; k < p->count; k++) {
        size_t i = (p->next + k) % p->count;
        if (p->items[i].until <= now) {
            chosen = i;
            break;
        }
        if (p->items[i].until < p->items[soonest].until)
            soonest = i;
    }
    if (chosen == p->count)
        chosen = soonest; /* all cooling down: the one that recovers first */
    p->next = (chosen + 1) % p->count;
    pthread_mutex_unlock(&p->mu);
    return chosen;
}

const char *ingest_proxy_url(const ingest_proxy_pool *p, size_t index)
{
    return p->items[index].url;
}

void ingest_proxy_display(const ingest_proxy_pool *p, size_t index, char *out, size_t cap)
{
    const char *u = p->items[index].url;
    const char *scheme_end = strstr(u, "://");
    const char *at = strchr(u, '@');
    if (scheme_end && at && at > scheme_end)
        snprintf(out, cap, "%.*s***%s", (int)(scheme_end + 3 - u), u, at);
    else
        snprintf(out, cap, "%s", u);
}

void ingest_proxy_report(ingest_proxy_pool *p, size_t index, bool ok, time_t now)
{
    pthread_mutex_lock(&p->mu);
    proxy *x = &p->items[index];
    if (ok) {
        x->failures = 0;
        x->until = 0;
    } else if (++x->failures >= p->fail_threshold) {
        x->until = now + p->cooldown_s;
        x->failures = 0;
    }
    pthread_mutex_unlock(&p->mu);
}
