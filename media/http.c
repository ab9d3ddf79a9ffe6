/*
 * http.c - the one HTTP client adapter, on libcurl (see http.h). The only file that includes
 * libcurl.
 */
#include "http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct media_http {
    CURL *curl;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

media_http *media_http_new(void)
{
    pthread_once(&global_once, global_init);
    media_http *h = calloc(1, sizeof(*h));
    if (h)
        h->curl = curl_easy_init();
    if (h == NULL || h->curl == NULL) {
        fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"curl_easy_init failed\"}\n");
        abort();
    }
    return h;
}

void media_http_destroy(media_http *h)
{
    if (h == NULL)
        return;
    curl_easy_cleanup(h->curl);
    free(h);
}

/* One transfer's state, for libcurl's callbacks. */
typedef struct {
    const media_http_request *r;
    const char *mem; /* an in-memory PUT body not yet sent */
    size_t mem_left;
} xfer;

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    xfer *x = ud;
    size_t cap = size * nitems;
    if (x->r->read == NULL) {
        size_t n = x->mem_left < cap ? x->mem_left : cap;
        memcpy(buf, x->mem, n);
        x->mem += n;
        x->mem_left -= n;
        return n;
    }
    size_t n = x->r->read(x->r->ud, buf, cap);
    return n == MEDIA_HTTP_READ_ABORT ? CURL_READFUNC_ABORT : n;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    xfer *x = ud;
    size_t n = size * nitems;
    if (x->r->on_header && !x->r->on_header(x->r->ud, line, n))
        return 0;
    return n;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    size_t n = size * nmemb;
    if (x->r->on_body && !x->r->on_body(x->r->ud, data, n))
        return 0;
    return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    xfer *x = ud;
    return x->r->keep_going && !x->r->keep_going(x->r->ud) ? 1 : 0;
}

static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    xfer *x = ud;
    (void)purpose;
    if (!x->r->address_ok(x->r->ud, &a->addr, a->addrlen))
        return CURL_SOCKET_BAD;
    return socket(a->family, a->socktype, a->protocol);
}

static media_http_outcome outcome_of(CURLcode cc)
{
    switch (cc) {
    case CURLE_OK:
        return MEDIA_HTTP_DONE;
    case CURLE_WRITE_ERROR:
        return MEDIA_HTTP_STOPPED;
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_READ_ERROR:
        return MEDIA_HTTP_CANCELLED;
    case CURLE_OPERATION_TIMEDOUT:
        return MEDIA_HTTP_TIMEOUT;
    case CURLE_FILESIZE_EXCEEDED:
        return MEDIA_HTTP_TOO_LARGE;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return MEDIA_HTTP_BAD_URL;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return MEDIA_HTTP_TLS_CERT;
    case CURLE_SSL_CONNECT_ERROR:
        return MEDIA_HTTP_TLS_HANDSHAKE;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_PROXY:
        return MEDIA_HTTP_PROXY;
    case CURLE_COULDNT_CONNECT:
        return MEDIA_HTTP_CONNECT;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        return MEDIA_HTTP_IO;
    default:
        return MEDIA_HTTP_OTHER;
    }
}

/* Every option, set again for each request (the handle keeps only its connections). */
static void configure(CURL *h, const media_http_request *r, xfer *x, struct curl_slist *headers,
                      struct curl_slist *pin)
{
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, r->path_as_is ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, r->timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, r->low_speed_bytes);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, r->low_speed_time_s);
    if (r->max_bytes > 0)
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_bytes);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, r->insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, r->insecure ? 0L : 2L);
    if (r->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, r->ca_file);
    if (r->raw)
        curl_easy_setopt(h, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    if (r->user_agent)
        curl_easy_setopt(h, CURLOPT_USERAGENT, r->user_agent);
    if (r->buffer_size > 0)
        curl_easy_setopt(h, CURLOPT_BUFFERSIZE, r->buffer_size);
    if (r->upload_buffer_size > 0)
        curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, r->upload_buffer_size);
    if (r->proxy) {
        curl_easy_setopt(h, CURLOPT_NOPROXY, "");
        curl_easy_setopt(h, CURLOPT_PROXY, r->proxy);
        curl_easy_setopt(h, CURLOPT_HTTPPROXYTUNNEL, 1L);
    } else if (!r->env_proxy) {
        /* no http_proxy, and no NO_PROXY that would send a host around the callers' checks */
        curl_easy_setopt(h, CURLOPT_NOPROXY, "");
        curl_easy_setopt(h, CURLOPT_PROXY, "");
    }
    if (pin)
        curl_easy_setopt(h, CURLOPT_CONNECT_TO, pin);
    if (r->address_ok) {
        curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x);
    }
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);

    if (strcmp(r->method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, x);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
                         (curl_off_t)(r->read ? r->read_len : (int64_t)r->body_len));
    } else if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    } else if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
    }
}

void media_http_perform(media_http *h, const media_http_request *r, media_http_result *out)
{
    memset(out, 0, sizeof(*out));
    xfer x = {.r = r, .mem = r->body, .mem_left = r->body_len};
    struct curl_slist *headers = NULL, *pin = NULL;
    for (const char *const *l = r->headers; l && *l; l++)
        headers = curl_slist_append(headers, *l);
    if (r->connect_to)
        pin = curl_slist_append(NULL, r->connect_to);
    curl_easy_reset(h->curl);
    configure(h->curl, r, &x, headers, pin);
    CURLcode cc = curl_easy_perform(h->curl);
    out->outcome = outcome_of(cc);
    if (cc != CURLE_OK)
        snprintf(out->message, sizeof(out->message), "%s", curl_easy_strerror(cc));
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &out->status);
    if (r->proxy)
        curl_easy_getinfo(h->curl, CURLINFO_HTTP_CONNECTCODE, &out->connect_status);
    char *loc = NULL;
    if (out->status >= 300 && out->status < 400 &&
        curl_easy_getinfo(h->curl, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
        snprintf(out->redirect, sizeof(out->redirect), "%s", loc);
    /* the handle outlives the lists: nothing of this request may stay pointed at */
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h->curl, CURLOPT_CONNECT_TO, NULL);
    curl_slist_free_all(headers);
    curl_slist_free_all(pin);
}

media_code media_http_url_parse(const char *url, media_http_url *out, media_error *err)
{
    memset(out, 0, sizeof(*out));
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL;
    media_code rc = MEDIA_OK;
    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
        rc = media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                             "not a valid absolute URL");
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
               strlen(host) >= sizeof(out->host)) {
        rc = media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                             "the URL's host is longer than %zu bytes", sizeof(out->host) - 1);
    } else {
        snprintf(out->scheme, sizeof(out->scheme), "%s", scheme);
        snprintf(out->host, sizeof(out->host), "%s", host ? host : "");
        if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
            snprintf(out->port, sizeof(out->port), "%s", port);
        out->userinfo = curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
                        curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(pass);
    curl_url_cleanup(u);
    return rc;
}
