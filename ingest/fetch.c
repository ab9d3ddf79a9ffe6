/*
 * fetch.c - one source download, and one webhook delivery, over the HTTP adapter
 * (media/http.h; see fetch.h for the contract): each hop's target resolved, checked and
 * pinned here, redirects followed here, the egress proxies tried in turn.
 */
#include "fetch.h"
#include "media/http.h"
#include "media/log.h"
#include "media/trace.h"
#include "media/mem.h"
#include "media/source_url.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    const ingest_options *o;
    const ingest_fetch_sink *sink;
    volatile sig_atomic_t *cancel, *shutdown;
    media_http *h;
    media_http_request req; /* the options of every hop; url and connect_to set per hop */
    long status;            /* of the response being received */
    int64_t declared;
    long retry_after_s;
    size_t header_bytes;
    bool body_started;
    int64_t received;
    bool sink_stopped; /* the sink's body callback returned false */
    bool src_failed;
    media_error src_err;
    bool ssrf_refused;
    media_error ssrf_err;
    bool via_proxy;
    size_t proxy;  /* the proxy in use (via_proxy) */
    char pin[400]; /* connect_to: the target address checked for this hop */
} fetch;

media_error_class ingest_classify_http_status(long status)
{
    if (status >= 200 && status < 300)
        return MEDIA_CLASS_NONE;
    if (status == 429)
        return MEDIA_CLASS_RATE_LIMITED;
    if (status == 408 || status == 425 || status >= 500)
        return MEDIA_CLASS_TRANSIENT;
    return MEDIA_CLASS_PERMANENT;
}

media_code ingest_url_check(const char *url, media_error *err)
{
    return media_source_url_check(url, err);
}

/* ---- the adapter's callbacks (source) ---- */

static bool on_header(void *ud, const char *line, size_t n)
{
    fetch *x = ud;
    if (n > 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new response: redirect or final */
        x->status = 0;
        const char *sp = memchr(line, ' ', n);
        if (sp)
            x->status = strtol(sp + 1, NULL, 10);
        x->declared = -1;
        x->retry_after_s = 0;
        x->header_bytes = 0;
    }
    x->header_bytes += n;
    if ((long)x->header_bytes > x->o->max_header_bytes) {
        x->src_failed = true;
        media_error_set(&x->src_err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                        "source response headers are larger than %ld bytes",
                        x->o->max_header_bytes);
        return false;
    }
    char value[64];
    if (n > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
        size_t len = n - 15 < sizeof(value) - 1 ? n - 15 : sizeof(value) - 1;
        memcpy(value, line + 15, len);
        value[len] = '\0';
        char *end;
        long long v = strtoll(value, &end, 10);
        x->declared = (end != value && v >= 0) ? v : -1;
    } else if (n > 12 && strncasecmp(line, "Retry-After:", 12) == 0) {
        size_t len = n - 12 < sizeof(value) - 1 ? n - 12 : sizeof(value) - 1;
        memcpy(value, line + 12, len);
        value[len] = '\0';
        long v = strtol(value, NULL, 10);
        x->retry_after_s = v > 0 && v < 86400 ? v : 0;
    }
    return true;
}

static bool on_body(void *ud, const char *data, size_t n)
{
    fetch *x = ud;
    if ((x->status >= 300 && x->status < 400) || (x->via_proxy && x->status == 407))
        return true; /* a redirect's body (we follow redirects ourselves), or the proxy's 407 */
    if (!x->body_started) {
        x->body_started = true;
        media_error_class cls = ingest_classify_http_status(x->status);
        if (cls != MEDIA_CLASS_NONE) {
            x->src_failed = true;
            media_error_set(&x->src_err, MEDIA_ERR_NETWORK, cls, "source answered HTTP %ld",
                            x->status);
            x->src_err.http_status = (int)x->status;
            x->src_err.retry_after_s = x->retry_after_s;
            return false;
        }
    }
    if (x->received + (int64_t)n > x->o->max_bytes) {
        x->src_failed = true;
        media_error_set(&x->src_err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                        "source is larger than the %lld-byte limit", (long long)x->o->max_bytes);
        return false;
    }
    x->received += (int64_t)n;
    if (!x->sink->body(x->sink->ud, data, n, x->declared)) {
        x->sink_stopped = true;
        return false;
    }
    return true;
}

/* What tenants read when a source host is unknown or refused: one neutral message, so the
 * service cannot be used to map internal DNS; the detail goes to the log only. */
#define NEUTRAL_REFUSAL "source host is unknown or not allowed"

static media_code refuse_source(const char *host, const char *detail, media_error *err)
{
    media_log_fields f = {0};
    media_log_str(&f, "source_host", host);
    media_log(MEDIA_LOG_WARN, NULL, &f, "source refused: %s", detail);
    return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, NEUTRAL_REFUSAL);
}

media_error_class ingest_resolve_failure_class(int gai)
{
    return gai == EAI_AGAIN ? MEDIA_CLASS_TRANSIENT : MEDIA_CLASS_PERMANENT;
}

/* getaddrinfo failed: a name that does not exist reads like a refused address; a resolver
 * that is down for now is transient. */
static media_code unresolvable(const char *host, int gai, media_error *err)
{
    if (ingest_resolve_failure_class(gai) == MEDIA_CLASS_TRANSIENT)
        return media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                               "cannot resolve the source host right now");
    return refuse_source(host, gai_strerror(gai), err);
}

void ingest_url_hostport(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

bool ingest_is_localhost_name(const char *host)
{
    size_t n = strlen(host);
    if (n && host[n - 1] == '.')
        n--; /* "localhost." is the same name */
    if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
        return true;
    return n > 10 && strncasecmp(host + n - 10, ".localhost", 10) == 0;
}

/* RFC 6761: localhost names are loopback, answered here without asking any resolver (as
 * libcurl does); a lookup must never leave the machine for them. */
static int resolve(const char *host, struct addrinfo **res)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
    if (ingest_is_localhost_name(host)) {
        hints.ai_flags = AI_NUMERICHOST;
        struct addrinfo *v6 = NULL;
        int rc = getaddrinfo("127.0.0.1", NULL, &hints, res);
        if (rc == 0 && getaddrinfo("::1", NULL, &hints, &v6) == 0) {
            struct addrinfo *last = *res;
            while (last->ai_next)
                last = last->ai_next;
            last->ai_next = v6;
        }
        return rc;
    }
    return getaddrinfo(host, NULL, &hints, res);
}

static bool on_open_socket(void *ud, const struct sockaddr *a, socklen_t len)
{
    fetch *x = ud;
    /* through a proxy the socket goes to the proxy (operator-chosen); the target was checked
     * and pinned before the request (check_target). Directly, this is the pinned address: the
     * check here is the second guard, on the address actually connected. */
    media_error why;
    if (!x->via_proxy && media_ssrf_check_sockaddr(a, len, &x->o->allow, &why) != MEDIA_OK) {
        x->ssrf_refused = true;
        refuse_source("(connect)", why.message, &x->ssrf_err);
        return false;
    }
    return true;
}

static bool keep_going(void *ud)
{
    fetch *x = ud;
    return !((x->cancel && *x->cancel) || (x->shutdown && *x->shutdown));
}

/* Resolve the target of one hop once, check every address, and pin the request to the first
 * one (the adapter's connect_to): the HTTP client never resolves the name itself, and a proxy is
 * asked to CONNECT to exactly the address that was checked — never to a name it would resolve again
 * (an HTTP proxy, socks5h) or that the client would resolve a second time (socks5). Directly,
 * the connect-time check (on_open_socket) then sees that same address. */
static media_code check_target(fetch *x, const char *url, media_error *err)
{
    media_http_url u;
    media_error why;
    x->pin[0] = '\0';
    if (media_http_url_parse(url, &u, &why) != MEDIA_OK || u.host[0] == '\0' || u.port[0] == '\0')
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source URL is not a valid absolute URL");
    const char *host = u.host;
    char bare[256];
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && hl < sizeof(bare))
        snprintf(bare, sizeof(bare), "%.*s", (int)(hl - 2), host + 1);
    else
        snprintf(bare, sizeof(bare), "%s", host);
    size_t bl = strlen(bare);
    if (bl > 1 && bare[bl - 1] == '.') /* "127.0.0.1." and "example.com." name the same */
        bare[bl - 1] = '\0';
    struct addrinfo *res = NULL;
    int gai = resolve(bare, &res);
    if (gai != 0)
        return unresolvable(bare, gai, err);
    media_code rc = MEDIA_OK;
    for (struct addrinfo *a = res; a && rc == MEDIA_OK; a = a->ai_next)
        if (media_ssrf_check_sockaddr(a->ai_addr, a->ai_addrlen, &x->o->allow, &why) != MEDIA_OK)
            rc = refuse_source(bare, why.message, err);
    if (rc == MEDIA_OK && !ingest_pin_entry(host, u.port, res->ai_addr, x->pin, sizeof(x->pin))) {
        x->pin[0] = '\0';
        rc = media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                             "source host has no usable address");
    }
    freeaddrinfo(res);
    return rc;
}

bool ingest_pin_entry(const char *host, const char *port, const struct sockaddr *addr, char *out,
                      size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    int n;
    if (addr->sa_family == AF_INET &&
        inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, ip, sizeof(ip)))
        n = snprintf(out, cap, "%s:%s:%s:%s", host, port, ip, port);
    else if (addr->sa_family == AF_INET6 &&
             inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, ip, sizeof(ip)))
        n = snprintf(out, cap, "%s:%s:[%s]:%s", host, port, ip, port);
    else
        return false;
    return n > 0 && (size_t)n < cap;
}

static media_code transport_error(fetch *x, const media_http_result *res, media_error *err)
{
    media_error_class cls = MEDIA_CLASS_TRANSIENT;
    media_code code = MEDIA_ERR_NETWORK;
    switch (res->outcome) {
    case MEDIA_HTTP_TIMEOUT:
        code = MEDIA_ERR_TIMEOUT;
        break;
    case MEDIA_HTTP_TOO_LARGE:
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "source is larger than the %lld-byte limit",
                               (long long)x->o->max_bytes);
    case MEDIA_HTTP_BAD_URL:
        code = MEDIA_ERR_INVALID;
        cls = MEDIA_CLASS_PERMANENT;
        break;
    case MEDIA_HTTP_TLS_CERT:
        code = MEDIA_ERR_TLS;
        cls = MEDIA_CLASS_PERMANENT;
        break;
    case MEDIA_HTTP_CANCELLED:
        return media_error_set(err, MEDIA_ERR_CANCELLED, MEDIA_CLASS_TRANSIENT,
                               "download cancelled (shutting down)");
    default:
        break;
    }
    return media_error_set(err, code, cls, "source download failed: %s", res->message);
}

struct ingest_source {
    media_http *h;
};

/* The thread's trace context as traceparent/tracestate headers (W3C: propagated to every
 * request made for a traced job), appended to list. */
#define FETCH_HEADERS 8 /* the caller's (webhooks: 4), Expect, the trace's two */
typedef struct {
    const char *line[FETCH_HEADERS + 1];
    size_t n;
    char tp[MEDIA_TRACEPARENT_LEN + 16], ts[MEDIA_TRACESTATE_MAX + 16];
} fetch_headers;

static void add_header(fetch_headers *h, const char *line)
{
    if (h->n < FETCH_HEADERS)
        h->line[h->n++] = line;
    h->line[h->n] = NULL;
}

/* The thread's trace context as traceparent/tracestate headers (W3C: propagated to every
 * request made for a traced job). */
static void trace_headers(fetch_headers *h)
{
    const media_trace *t = media_trace_current();
    char tp[MEDIA_TRACEPARENT_LEN + 1];
    media_trace_header(t, tp);
    if (tp[0]) {
        snprintf(h->tp, sizeof(h->tp), "traceparent: %s", tp);
        add_header(h, h->tp);
    }
    if (tp[0] && t->state[0]) {
        snprintf(h->ts, sizeof(h->ts), "tracestate: %s", t->state);
        add_header(h, h->ts);
    }
}

ingest_source *ingest_source_new(void)
{
    ingest_source *src = media_calloc(1, sizeof(*src));
    src->h = media_http_new();
    return src;
}

void ingest_source_destroy(ingest_source *src)
{
    if (src == NULL)
        return;
    media_http_destroy(src->h);
    free(src);
}

/* Every option of every hop (the adapter sets them again for each request). */
static void configure(fetch *x, const fetch_headers *headers)
{
    const ingest_options *o = x->o;
    x->req = (media_http_request){
        .method = "GET",
        .headers = headers->line,
        .on_header = on_header,
        .on_body = on_body,
        .keep_going = keep_going,
        .address_ok = on_open_socket,
        .ud = x,
        .connect_timeout_ms = o->connect_timeout_ms,
        .timeout_ms = o->deadline_s * 1000L,
        .low_speed_bytes = o->low_speed_bytes,
        .low_speed_time_s = o->low_speed_time_s,
        .max_bytes = o->max_bytes,
        .raw = true, /* store the bytes as served */
        .user_agent = "mediagate/0.1 (media ingest)",
        .buffer_size = 256L * 1024, /* fewer callbacks per MiB */
    };
    /* environment proxy variables never apply (the adapter's default): no http_proxy, and no
     * NO_PROXY that would send a matching host direct, around the checks made for proxies */
    if (o->proxies) {
        /* redirects are followed here, so each target is checked (and pinned) before it is
         * requested; the tunnel makes the proxy relay bytes to the pinned address only */
        x->via_proxy = true;
        x->proxy = ingest_proxy_pick(o->proxies, time(NULL));
        x->req.proxy = ingest_proxy_url(o->proxies, x->proxy);
    }
}

/* The request, hop by hop (each target checked and pinned first), with the proxy retry.
 * *rc is set when a target or a redirect was refused before any request; the proxy's answer
 * to CONNECT goes to *connect_status. */
static void perform(fetch *x, const char *url, media_http_result *res, bool *too_many,
                    media_code *rc, media_error *err)
{
    const ingest_options *o = x->o;
    size_t proxy_tries = 1;
    char *current = media_malloc(MEDIA_HTTP_URL_MAX);
    snprintf(current, MEDIA_HTTP_URL_MAX, "%s", url);
    *too_many = false;
again:
    for (long hop = 0;; hop++) {
        if ((*rc = check_target(x, current, err)) != MEDIA_OK)
            goto out;
        x->req.url = current;
        x->req.connect_to = x->pin;
        media_http_perform(x->h, &x->req, res);
        if (res->outcome != MEDIA_HTTP_DONE || x->status < 300 || x->status >= 400 ||
            res->redirect[0] == '\0')
            break;
        if (hop >= o->max_redirects) {
            *too_many = true;
            break;
        }
        if ((*rc = ingest_url_check(res->redirect, err)) != MEDIA_OK)
            goto out;
        snprintf(current, MEDIA_HTTP_URL_MAX, "%s", res->redirect);
    }
    if (x->via_proxy) {
        media_http_outcome oc = res->outcome;
        bool proxy_failed = oc == MEDIA_HTTP_PROXY || oc == MEDIA_HTTP_CONNECT ||
                            oc == MEDIA_HTTP_IO || res->connect_status == 407 || x->status == 407;
        ingest_proxy_report(o->proxies, x->proxy, !proxy_failed, time(NULL));
        /* the proxy itself failed before any byte of the source arrived: the next proxy
         * (each at most once), from the original URL */
        if (proxy_failed && !x->body_started && x->received == 0 && !x->src_failed &&
            proxy_tries < ingest_proxy_pool_size(o->proxies)) {
            proxy_tries++;
            x->proxy = ingest_proxy_pick(o->proxies, time(NULL));
            x->req.proxy = ingest_proxy_url(o->proxies, x->proxy);
            snprintf(current, MEDIA_HTTP_URL_MAX, "%s", url);
            x->status = 0;
            x->declared = -1;
            x->retry_after_s = 0;
            x->header_bytes = 0;
            goto again;
        }
    }
    x->status = res->status;
out:
    free(current);
}

/* What went wrong on the download side, if anything. */
static media_code judge(fetch *x, const media_http_result *res, bool too_many, media_error *err)
{
    media_code rc = MEDIA_OK;
    if (x->src_failed) {
        rc = x->src_err.code;
        if (err)
            *err = x->src_err;
    } else if (x->ssrf_refused) {
        rc = x->ssrf_err.code;
        if (err)
            *err = x->ssrf_err;
    } else if (x->via_proxy && (res->connect_status == 407 || x->status == 407)) {
        rc = media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                             "the egress proxy refused our credentials (HTTP 407)");
    } else if (x->sink_stopped) {
        rc = media_error_set(err, MEDIA_ERR_CANCELLED, MEDIA_CLASS_TRANSIENT,
                             "the download's receiver stopped it");
    } else if (too_many) {
        rc = media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                             "source redirects more than %ld times", x->o->max_redirects);
    } else if (res->outcome != MEDIA_HTTP_DONE) {
        rc = transport_error(x, res, err);
    } else if (!x->body_started && ingest_classify_http_status(x->status) != MEDIA_CLASS_NONE) {
        rc = media_error_set(err, MEDIA_ERR_NETWORK, ingest_classify_http_status(x->status),
                             "source answered HTTP %ld", x->status);
        if (err) {
            err->http_status = (int)x->status;
            err->retry_after_s = x->retry_after_s;
        }
    } else if (x->declared >= 0 && x->received != x->declared) {
        rc = media_error_set(err, MEDIA_ERR_CHECKSUM, MEDIA_CLASS_TRANSIENT,
                             "source sent %lld bytes but declared %lld", (long long)x->received,
                             (long long)x->declared);
    }

    return rc;
}

media_code ingest_fetch(const ingest_options *o, ingest_source *src, const char *url,
                        const ingest_fetch_sink *sink, volatile sig_atomic_t *cancel,
                        volatile sig_atomic_t *shutdown, ingest_fetch_result *out, media_error *err)
{
    memset(out, 0, sizeof(*out));
    out->declared = -1;
    media_code rc = ingest_url_check(url, err);
    if (rc != MEDIA_OK)
        return rc;
    fetch *x = media_calloc(1, sizeof(*x));
    *x = (fetch){.o = o, .sink = sink, .cancel = cancel, .shutdown = shutdown, .declared = -1};
    x->h = src ? src->h : media_http_new(); /* a kept client keeps its connections and DNS */
    fetch_headers headers = {.n = 0};
    trace_headers(&headers);
    configure(x, &headers);
    media_http_result *res = media_malloc(sizeof(*res));
    bool too_many;
    perform(x, url, res, &too_many, &rc, err);
    if (rc == MEDIA_OK)
        rc = judge(x, res, too_many, err);
    out->status = (int)x->status;
    out->declared = x->declared;
    out->received = x->received;
    out->stopped_by_sink = x->sink_stopped;
    if (src == NULL)
        media_http_destroy(x->h);
    free(res);
    free(x);
    return rc;
}

static bool discard(void *ud, const char *data, size_t n, int64_t declared)
{
    (void)ud, (void)data, (void)n, (void)declared;
    return true;
}

media_code ingest_post(const ingest_options *o, const ingest_post_request *req, int *status,
                       media_error *err)
{
    *status = 0;
    media_code rc = ingest_url_check(req->url, err);
    if (rc != MEDIA_OK)
        return rc;
    ingest_options po = *o; /* shares the allow-list and the proxies (read-only here) */
    po.max_redirects = 0;
    po.max_bytes = 64 * 1024;
    po.deadline_s = req->timeout_s;
    if (req->connect_timeout_ms > 0)
        po.connect_timeout_ms = req->connect_timeout_ms;
    if (po.connect_timeout_ms > req->timeout_s * 1000)
        po.connect_timeout_ms = req->timeout_s * 1000;
    ingest_fetch_sink sink = {discard, NULL};
    fetch *x = media_calloc(1, sizeof(*x));
    *x = (fetch){.o = &po, .sink = &sink, .declared = -1};
    x->h = media_http_new();
    fetch_headers headers = {.n = 0};
    for (const char *const *h = req->headers; h && *h; h++)
        add_header(&headers, *h);
    add_header(&headers, "Expect:"); /* no 100-continue round trip */
    trace_headers(&headers);
    configure(x, &headers);
    x->req.method = "POST";
    x->req.body = req->body;
    x->req.body_len = req->len;
    x->req.user_agent = "mediagate/0.1 (webhooks)";
    media_http_result *res = media_malloc(sizeof(*res));
    bool too_many;
    perform(x, req->url, res, &too_many, &rc, err);
    if (rc == MEDIA_OK && too_many) /* the 3xx is the answer */
        rc = media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                             "answered HTTP %ld; redirects are not followed", x->status);
    else if (rc == MEDIA_OK)
        rc = judge(x, res, false, err);
    *status = (int)x->status;
    if (rc != MEDIA_OK && err && x->status >= 300)
        err->http_status = (int)x->status;
    media_http_destroy(x->h);
    free(res);
    free(x);
    return rc;
}
