/*
 * fetch.h - download one source URL over the HTTP adapter (media/http.h), handing its body to
 * a sink as it arrives.
 *
 * Every hop (redirects are followed here, at most max_redirects, http and https only) is
 * resolved once, every address checked by the SSRF guard, and the request pinned to the
 * checked address (CURLOPT_CONNECT_TO), directly or through an egress proxy (tried in
 * rotation; the next one when a proxy fails before any byte arrived), so the HTTP client never
 * resolves a source name itself; the connect-time check repeats the guard. Environment proxy
 * variables never apply. Limits: response headers, body size (declared and counted), connect
 * time, low speed, a whole-download deadline. A body that ends before its declared length is
 * an error. Tenants read one neutral message for a host that is unknown or not allowed; the
 * detail goes to the log.
 *
 * Thread: blocking, on the caller's thread; the sink is called on it.
 */
#ifndef INGEST_FETCH_H
#define INGEST_FETCH_H

#include "media/error.h"
#include "options.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * One thread's source connections, kept open between transfers (HTTP keep-alive), so a batch
 * of files from one host does not pay a TCP (and TLS) handshake for each. Every new
 * connection still passes the SSRF guard (or the target check, through a proxy); a kept one
 * was checked when it was opened, and is reused only for the same scheme, host and port.
 * Owned by one thread at a time; free with ingest_source_destroy.
 */
typedef struct ingest_source ingest_source;
ingest_source *ingest_source_new(void);
void ingest_source_destroy(ingest_source *src);

/* Where the body goes: called with the final (2xx) response's bytes in order; declared is its
 * Content-Length (-1 when unknown), the same on every call. Returning false stops the
 * download: ingest_fetch then fails with MEDIA_ERR_CANCELLED and stopped_by_sink set (the
 * sink knows why). */
typedef struct ingest_fetch_sink {
    bool (*body)(void *ud, const char *data, size_t n, int64_t declared);
    void *ud;
} ingest_fetch_sink;

typedef struct ingest_fetch_result {
    int status;           /* the final response's HTTP status (0 when none) */
    int64_t declared;     /* its Content-Length, -1 when unknown */
    int64_t received;     /* body bytes handed to the sink */
    bool stopped_by_sink; /* the sink returned false */
} ingest_fetch_result;

/*
 * Fetch url over src's kept connections (NULL: a fresh connection), body to sink. cancel and
 * shutdown (may be NULL), set non-zero from any thread, stop it (MEDIA_ERR_CANCELLED).
 * MEDIA_OK when the whole body was handed over; otherwise an error classified transient,
 * rate-limited (err->retry_after_s) or permanent, err->http_status the source's status when
 * it answered with an error. *out is filled either way.
 */
media_code ingest_fetch(const ingest_options *o, ingest_source *src, const char *url,
                        const ingest_fetch_sink *sink, volatile sig_atomic_t *cancel,
                        volatile sig_atomic_t *shutdown, ingest_fetch_result *out,
                        media_error *err);

/* One POST (webhook deliveries, ingest/notify.h): the same guard as a source download — the
 * target resolved once, every address checked, the request pinned to the checked address, the
 * connect-time check, the egress proxies — but no redirect is followed (a 3xx is the answer)
 * and at most 64 KiB of the answer is read. headers: "Name: value" strings, NULL-terminated. */
typedef struct ingest_post_request {
    const char *url;
    const char *const *headers;
    const char *body;
    size_t len;
    long timeout_s;          /* the whole request */
    long connect_timeout_ms; /* 0: the fetch options' (MEDIAGATE_FETCH_CONNECT_TIMEOUT_MS) */
} ingest_post_request;
/* MEDIA_OK for a 2xx answer; otherwise the error (err->http_status the receiver's status when
 * it answered). *status gets the answer's status (0 when none). A refused target:
 * MEDIA_ERR_INVALID (permanent), nothing sent. */
media_code ingest_post(const ingest_options *o, const ingest_post_request *req, int *status,
                       media_error *err);

/* Pure: the CURLOPT_CONNECT_TO entry that pins host:port (as written in the URL; an IPv6
 * literal in brackets) to the checked address addr: "host:port:ip:port" ("[ip]" for IPv6).
 * False when it does not fit in cap or addr is neither IPv4 nor IPv6. */
bool ingest_pin_entry(const char *host, const char *port, const struct sockaddr *addr, char *out,
                      size_t cap);

/* Pure: the host[:port] of a URL, userinfo dropped, cut to cap ("" for ""): the name of
 * per-host breakers (sources, webhook callbacks) and what logs may show of a target. */
void ingest_url_hostport(const char *url, char *out, size_t cap);

/* Pure: localhost and *.localhost (RFC 6761), answered as loopback without a DNS lookup. */
bool ingest_is_localhost_name(const char *host);
/* Pure: the class of a failed lookup (getaddrinfo's code): a resolver down for now is
 * transient; a name that does not exist is permanent and reads, for the tenant, exactly like
 * a refused address ("source host is unknown or not allowed"). */
media_error_class ingest_resolve_failure_class(int gai);

/* Pure: the class of a source HTTP status (2xx: none). */
media_error_class ingest_classify_http_status(long status);

/* Pure: check a source URL before fetching: http or https, a host, no user:password.
 * MEDIA_ERR_INVALID (permanent) with the reason. */
media_code ingest_url_check(const char *url, media_error *err);

#endif
