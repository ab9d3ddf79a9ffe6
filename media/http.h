/*
 * http.h - the one HTTP client adapter: every outgoing HTTP request of the service (S3, source
 * downloads, webhook deliveries, span export) and the parsing of URLs that will be requested
 * go through it. http.c is the only file that includes libcurl, and the media_http library
 * links libcurl PRIVATE: nothing else can reach it (issue 24).
 *
 * The adapter moves bytes and reports what happened; what a failure means (transient,
 * permanent, the SSRF guard's refusal) is the caller's to say. Redirects are never followed
 * here (callers that follow them check each target first), environment proxy variables never
 * apply unless a request asks for them, and only http and https are spoken.
 */
#ifndef MEDIA_HTTP_H
#define MEDIA_HTTP_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A reusable client: keeps connections (keep-alive) and DNS between requests. One thread at a
 * time. media_http_new aborts the process when libcurl cannot make a handle (out of memory),
 * as media_malloc does. Free with media_http_destroy (NULL is fine). */
typedef struct media_http media_http;
media_http *media_http_new(void);
void media_http_destroy(media_http *h);

/* A read callback's "stop": the transfer ends with MEDIA_HTTP_CANCELLED. */
#define MEDIA_HTTP_READ_ABORT ((size_t)-1)

/* One request. Every pointer is borrowed for the call. Callbacks get ud. */
typedef struct media_http_request {
    const char *method; /* "GET", "HEAD", "PUT", "POST", "DELETE", ... */
    const char *url;
    const char *const *headers; /* "Name: value" lines, NULL-terminated; "Name:" drops one */
    /* the body: in memory (body, body_len) or, for PUT, streamed (read; read_len bytes) */
    const char *body;
    size_t body_len;
    size_t (*read)(void *ud, char *buf, size_t cap); /* bytes, 0 at the end, or READ_ABORT */
    int64_t read_len;
    /* the response: each header line as received (status lines "HTTP/..." included, one per
     * response: a proxy's CONNECT answer, then the server's), then the body. false stops the
     * transfer (MEDIA_HTTP_STOPPED). NULL: header lines ignored, body discarded. */
    bool (*on_header)(void *ud, const char *line, size_t len);
    bool (*on_body)(void *ud, const char *data, size_t len);
    bool (*keep_going)(void *ud); /* asked while transferring: false cancels (CANCELLED) */
    /* the address a connection is about to open: false refuses it (the SSRF guard's second
     * check; the transfer then fails with MEDIA_HTTP_CONNECT) */
    bool (*address_ok)(void *ud, const struct sockaddr *a, socklen_t len);
    void *ud;
    long connect_timeout_ms, timeout_ms; /* 0: no limit */
    long low_speed_bytes, low_speed_time_s;
    int64_t max_bytes;       /* a response body declared larger is refused (TOO_LARGE); 0: none */
    bool insecure;           /* no certificate or host name verification */
    const char *ca_file;     /* NULL: the system's trust store */
    bool path_as_is;         /* send the path exactly (a signed path must not be normalized) */
    bool raw;                /* no content decoding: the bytes as served */
    const char *user_agent;  /* NULL: none */
    const char *proxy;       /* a proxy URL (CONNECT tunnel); NULL: none */
    bool env_proxy;          /* no proxy given: honour http(s)_proxy/NO_PROXY (S3 does) */
    const char *connect_to;  /* "host:port:addr:port": connect host:port at addr:port */
    long buffer_size;        /* receive buffer; 0: libcurl's */
    long upload_buffer_size; /* send buffer; 0: libcurl's */
} media_http_request;

/* How a request ended. */
typedef enum {
    MEDIA_HTTP_DONE,          /* an HTTP answer arrived, of any status */
    MEDIA_HTTP_STOPPED,       /* on_header or on_body returned false */
    MEDIA_HTTP_CANCELLED,     /* keep_going returned false, or read aborted */
    MEDIA_HTTP_TIMEOUT,       /* connect, low-speed or overall time limit */
    MEDIA_HTTP_TOO_LARGE,     /* the response declared more than max_bytes */
    MEDIA_HTTP_BAD_URL,       /* malformed, or a scheme other than http/https */
    MEDIA_HTTP_TLS_CERT,      /* the peer's certificate did not verify, or ours is unusable */
    MEDIA_HTTP_TLS_HANDSHAKE, /* the TLS handshake failed otherwise */
    MEDIA_HTTP_PROXY,         /* the proxy could not be resolved or refused the tunnel */
    MEDIA_HTTP_CONNECT,       /* no connection (refused, unreachable, or address_ok said no) */
    MEDIA_HTTP_IO,            /* the connection failed while sending or receiving */
    MEDIA_HTTP_OTHER,
} media_http_outcome;

#define MEDIA_HTTP_URL_MAX 8192

typedef struct media_http_result {
    media_http_outcome outcome;
    long status;                       /* the last response's status; 0 when none */
    long connect_status;               /* a proxy's answer to CONNECT; 0 when none */
    char redirect[MEDIA_HTTP_URL_MAX]; /* a 3xx's Location, absolute; "" when none */
    char message[160];                 /* libcurl's words for a failure; "" when DONE */
} media_http_result;

/* Perform one request on h (every option set again: h keeps only connections). */
void media_http_perform(media_http *h, const media_http_request *r, media_http_result *out);

/* A URL as the adapter will request it: scheme, host (IPv6 in brackets), port (the scheme's
 * default when absent) and whether it carries user information. MEDIA_ERR_INVALID when it is
 * not an absolute URL the parser accepts (message says which part). */
typedef struct media_http_url {
    char scheme[16];
    char host[256];
    char port[8];
    bool userinfo;
} media_http_url;
media_code media_http_url_parse(const char *url, media_http_url *out, media_error *err);

#endif
