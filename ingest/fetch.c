/*
 * fetch.c - one source download with libcurl (see fetch.h for the contract). The only file of
 * ingest/ that includes libcurl.
 */
#include "fetch.h"
#include "media/log.h"
#include "media/trace.h"
#include "media/mem.h"
#include "media/source_url.h"

#include <curl/curl.h>
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
    CURL *h;
    long status; /* of the response being received */
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
    size_t proxy;           /* the proxy in use (via_proxy) */
    struct curl_slist *pin; /* CONNECT_TO: the target address checked for this hop */
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

/* ---- libcurl callbacks (source) ---- */

static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    fetch *x = ud;
    size_t n = size * nitems;
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
        return 0;
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
    return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    fetch *x = ud;
    size_t n = size * nmemb;
    if ((x->status >= 300 && x->status < 400) || (x->via_proxy && x->status == 407))
        return n; /* a redirect's body (we follow redirects ourselves), or the proxy's 407 */
    if (!x->body_started) {
        x->body_started = true;
        media_error_class cls = ingest_classify_http_status(x->status);
        if (cls != MEDIA_CLASS_NONE) {
            x->src_failed = true;
            media_error_set(&x->src_err, MEDIA_ERR_NETWORK, cls, "source answered HTTP %ld",
                            x->status);
            x->src_err.http_status = (int)x->status;
            x->src_err.retry_after_s = x->retry_after_s;
            return 0;
        }
    }
    if (x->received + (int64_t)n > x->o->max_bytes) {
        x->src_failed = true;
        media_error_set(&x->src_err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                        "source is larger than the %lld-byte limit", (long long)x->o->max_bytes);
        return 0;
    }
    x->received += (int64_t)n;
    if (!x->sink->body(x->sink->ud, data, n, x->declared)) {
        x->sink_stopped = true;
        return 0;
    }
    return n;
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

static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    fetch *x = ud;
    (void)purpose;
    /* through a proxy the socket goes to the proxy (operator-chosen); the target was checked
     * and pinned before the request (check_target). Directly, this is the pinned address: the
     * check here is the second guard, on the address actually connected. */
    media_error why;
    if (!x->via_proxy &&
        media_ssrf_check_sockaddr(&a->addr, a->addrlen, &x->o->allow, &why) != MEDIA_OK) {
        x->ssrf_refused = true;
        refuse_source("(connect)", why.message, &x->ssrf_err);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    fetch *x = ud;
    return (x->cancel && *x->cancel) || (x->shutdown && *x->shutdown) ? 1 : 0;
}

/* Resolve the target of one hop once, check every address, and pin the request to the first
 * one (CURLOPT_CONNECT_TO): libcurl never resolves the name itself, and a proxy is asked to
 * CONNECT to exactly the address that was checked — never to a name it would resolve again
 * (an HTTP proxy, socks5h) or that libcurl would resolve a second time (socks5). Directly,
 * the connect-time check (on_open_socket) then sees that same address. */
static media_code check_target(fetch *x, const char *url, media_error *err)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    media_code rc = MEDIA_OK;
    curl_slist_free_all(x->pin);
    x->pin = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        rc = media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                             "source URL is not a valid absolute URL");
        goto out;
    }
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
    if (gai != 0) {
        rc = unresolvable(bare, gai, err);
        goto out;
    }
    media_error why;
    for (struct addrinfo *a = res; a && rc == MEDIA_OK; a = a->ai_next)
        if (media_ssrf_check_sockaddr(a->ai_addr, a->ai_addrlen, &x->o->allow, &why) != MEDIA_OK)
            rc = refuse_source(bare, why.message, err);
    char entry[400];
    if (rc == MEDIA_OK && ingest_pin_entry(host, port, res->ai_addr, entry, sizeof(entry)))
        x->pin = curl_slist_append(NULL, entry);
    else if (rc == MEDIA_OK)
        rc = media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                             "source host has no usable address");
    freeaddrinfo(res);
    curl_easy_setopt(x->h, CURLOPT_CONNECT_TO, x->pin);
out:
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
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

static media_code curl_error(fetch *x, CURLcode cc, media_error *err)
{
    media_error_class cls = MEDIA_CLASS_TRANSIENT;
    media_code code = MEDIA_ERR_NETWORK;
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        code = MEDIA_ERR_TIMEOUT;
        break;
    case CURLE_FILESIZE_EXCEEDED:
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "source is larger than the %lld-byte limit",
                               (long long)x->o->max_bytes);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        code = MEDIA_ERR_INVALID;
        cls = MEDIA_CLASS_PERMANENT;
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source redirects more than %ld times", x->o->max_redirects);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
        code = MEDIA_ERR_TLS;
        cls = MEDIA_CLASS_PERMANENT;
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        return media_error_set(err, MEDIA_ERR_CANCELLED, MEDIA_CLASS_TRANSIENT,
                               "download cancelled (shutting down)");
    default:
        break;
    }
    return media_error_set(err, code, cls, "source download failed: %s", curl_easy_strerror(cc));
}

struct ingest_source {
    CURL *h;
};

/* The thread's trace context as traceparent/tracestate headers (W3C: propagated to every
 * request made for a traced job), appended to list. */
static struct curl_slist *trace_headers(struct curl_slist *list)
{
    const media_trace *t = media_trace_current();
    char tp[MEDIA_TRACEPARENT_LEN + 1], line[MEDIA_TRACESTATE_MAX + 16];
    media_trace_header(t, tp);
    if (tp[0]) {
        snprintf(line, sizeof(line), "traceparent: %s", tp);
        list = curl_slist_append(list, line);
    }
    if (tp[0] && t->state[0]) {
        snprintf(line, sizeof(line), "tracestate: %s", t->state);
        list = curl_slist_append(list, line);
    }
    return list;
}

static CURL *curl_new(void)
{
    CURL *h = curl_easy_init();
    if (h == NULL) {
        fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"curl_easy_init failed\"}\n");
        abort();
    }
    return h;
}

ingest_source *ingest_source_new(void)
{
    ingest_source *src = media_calloc(1, sizeof(*src));
    src->h = curl_new();
    return src;
}

void ingest_source_destroy(ingest_source *src)
{
    if (src == NULL)
        return;
    curl_easy_cleanup(src->h);
    free(src);
}

/* Every option, set again for each download (a kept handle keeps only its connections). */
static void configure(fetch *x)
{
    const ingest_options *o = x->o;
    CURL *h = x->h;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, o->max_redirects);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, o->deadline_s);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mediagate/0.1 (media ingest)");
    curl_easy_setopt(h, CURLOPT_HTTP_CONTENT_DECODING, 0L); /* store the bytes as served */
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);   /* fewer callbacks per MiB */
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    /* environment proxy variables never apply: no http_proxy, and no NO_PROXY that would
     * send a matching host direct, around the checks made for proxies */
    curl_easy_setopt(h, CURLOPT_NOPROXY, "");
    if (o->proxies) {
        /* redirects are followed here, so each target is checked (and pinned) before it is
         * requested; the tunnel makes the proxy relay bytes to the pinned address only */
        x->via_proxy = true;
        x->proxy = ingest_proxy_pick(o->proxies, time(NULL));
        curl_easy_setopt(h, CURLOPT_PROXY, ingest_proxy_url(o->proxies, x->proxy));
        curl_easy_setopt(h, CURLOPT_HTTPPROXYTUNNEL, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_PROXY, ""); /* never an environment proxy */
    }
    /* redirects are followed here, so each target is checked and pinned before it is
     * requested */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
}

/* The request, hop by hop (each target checked and pinned first), with the proxy retry.
 * *rc is set when a target or a redirect was refused before any request; the proxy's answer
 * to CONNECT goes to *connect_status. */
static CURLcode perform(fetch *x, const char *url, long *connect_status, media_code *rc,
                        media_error *err)
{
    CURLcode cc = CURLE_OK;
    const ingest_options *o = x->o;
    CURL *h = x->h;
    size_t proxy_tries = 1;
    char current[8200];
    snprintf(current, sizeof(current), "%s", url);
again:
    for (long hop = 0;; hop++) {
        if ((*rc = check_target(x, current, err)) != MEDIA_OK)
            return cc;
        curl_easy_setopt(h, CURLOPT_URL, current);
        cc = curl_easy_perform(h);
        if (cc != CURLE_OK || x->status < 300 || x->status >= 400)
            break;
        char *loc = NULL;
        curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
        if (loc == NULL)
            break;
        if (hop >= o->max_redirects) {
            cc = CURLE_TOO_MANY_REDIRECTS;
            break;
        }
        if ((*rc = ingest_url_check(loc, err)) != MEDIA_OK)
            return cc;
        snprintf(current, sizeof(current), "%s", loc);
    }
    *connect_status = 0;
    if (x->via_proxy)
        curl_easy_getinfo(h, CURLINFO_HTTP_CONNECTCODE, connect_status);
    if (x->via_proxy) {
        bool proxy_failed = cc == CURLE_COULDNT_RESOLVE_PROXY || cc == CURLE_COULDNT_CONNECT ||
                            cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
                            cc == CURLE_GOT_NOTHING || cc == CURLE_PROXY ||
                            *connect_status == 407 || x->status == 407;
        ingest_proxy_report(o->proxies, x->proxy, !proxy_failed, time(NULL));
        /* the proxy itself failed before any byte of the source arrived: the next proxy
         * (each at most once), from the original URL */
        if (proxy_failed && !x->body_started && x->received == 0 && !x->src_failed &&
            proxy_tries < ingest_proxy_pool_size(o->proxies)) {
            proxy_tries++;
            x->proxy = ingest_proxy_pick(o->proxies, time(NULL));
            curl_easy_setopt(h, CURLOPT_PROXY, ingest_proxy_url(o->proxies, x->proxy));
            snprintf(current, sizeof(current), "%s", url);
            x->status = 0;
            x->declared = -1;
            x->retry_after_s = 0;
            x->header_bytes = 0;
            goto again;
        }
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x->status);
    return cc;
}

/* What went wrong on the download side, if anything. */
static media_code judge(fetch *x, CURLcode cc, long connect_status, media_error *err)
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
    } else if (x->via_proxy && (connect_status == 407 || x->status == 407)) {
        rc = media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                             "the egress proxy refused our credentials (HTTP 407)");
    } else if (x->sink_stopped) {
        rc = media_error_set(err, MEDIA_ERR_CANCELLED, MEDIA_CLASS_TRANSIENT,
                             "the download's receiver stopped it");
    } else if (cc != CURLE_OK) {
        rc = curl_error(x, cc, err);
    } else if (cc == CURLE_OK && !x->body_started &&
               ingest_classify_http_status(x->status) != MEDIA_CLASS_NONE) {
        rc = media_error_set(err, MEDIA_ERR_NETWORK, ingest_classify_http_status(x->status),
                             "source answered HTTP %ld", x->status);
        if (err) {
            err->http_status = (int)x->status;
            err->retry_after_s = x->retry_after_s;
        }
    } else if (cc == CURLE_OK && x->declared >= 0 && x->received != x->declared) {
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
    fetch f = {.o = o, .sink = sink, .cancel = cancel, .shutdown = shutdown, .declared = -1};
    fetch *x = &f;
    x->h = src ? src->h : curl_new();
    if (src) /* every option is set again below; kept connections and DNS stay */
        curl_easy_reset(x->h);

    configure(x);
    struct curl_slist *hdrs = trace_headers(NULL);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hdrs);
    long connect_status = 0;
    CURLcode cc = perform(x, url, &connect_status, &rc, err);
    if (rc == MEDIA_OK)
        rc = judge(x, cc, connect_status, err);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    out->status = (int)x->status;
    out->declared = x->declared;
    out->received = x->received;
    out->stopped_by_sink = x->sink_stopped;
    curl_easy_setopt(x->h, CURLOPT_CONNECT_TO, NULL);
    curl_slist_free_all(x->pin);
    if (src == NULL)
        curl_easy_cleanup(x->h);
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
    fetch f = {.o = &po, .sink = &sink, .declared = -1};
    fetch *x = &f;
    x->h = curl_new();
    configure(x);
    struct curl_slist *hdrs = NULL;
    for (const char *const *h = req->headers; h && *h; h++)
        hdrs = curl_slist_append(hdrs, *h);
    hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
    hdrs = trace_headers(hdrs);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, req->body);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->len);
    curl_easy_setopt(x->h, CURLOPT_USERAGENT, "mediagate/0.1 (webhooks)");
    long connect_status = 0;
    CURLcode cc = perform(x, req->url, &connect_status, &rc, err);
    if (rc == MEDIA_OK && cc == CURLE_TOO_MANY_REDIRECTS) /* the 3xx is the answer */
        rc = media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                             "answered HTTP %ld; redirects are not followed", x->status);
    else if (rc == MEDIA_OK)
        rc = judge(x, cc, connect_status, err);
    *status = (int)x->status;
    if (rc != MEDIA_OK && err && x->status >= 300)
        err->http_status = (int)x->status;
    curl_easy_cleanup(x->h);
    curl_slist_free_all(hdrs);
    curl_slist_free_all(x->pin);
    return rc;
}
