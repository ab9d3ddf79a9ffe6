/*
 * proxy.h - optional egress proxies for source downloads, used in rotation.
 *
 * Some sources block datacenter addresses; MEDIAGATE_FETCH_PROXIES lists proxies
 * ("http://user:pass@p1:3128,socks5h://p2:1080") used round-robin. A proxy that fails
 * `fail_threshold` times in a row is skipped for `cooldown_s`, then tried again. When every
 * proxy is cooling down, the one whose cool-down ends first is used (never "no egress").
 *
 * Thread-safe (one mutex). Time is a parameter so the policy is testable.
 */
#ifndef INGEST_PROXY_H
#define INGEST_PROXY_H

#include "media/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef struct ingest_proxy_pool ingest_proxy_pool;

/* Parse a comma-separated list; NULL/empty gives NULL with MEDIA_OK. The caller destroys. */
media_code ingest_proxy_pool_new(const char *csv, int fail_threshold, long cooldown_s,
                                 ingest_proxy_pool **out, media_error *err);
void ingest_proxy_pool_destroy(ingest_proxy_pool *p);
size_t ingest_proxy_pool_size(const ingest_proxy_pool *p);

/* The proxy to use next (index into the pool; its URL via _url). */
size_t ingest_proxy_pick(ingest_proxy_pool *p, time_t now);
const char *ingest_proxy_url(const ingest_proxy_pool *p, size_t index);
/* The proxy's URL with any user:password replaced by "***", for logs. out: cap bytes. */
void ingest_proxy_display(const ingest_proxy_pool *p, size_t index, char *out, size_t cap);
/* Report how a download through proxy `index` went (a failure of the proxy itself, not a
 * 404 from the source). */
void ingest_proxy_report(ingest_proxy_pool *p, size_t index, bool ok, time_t now);

#endif
