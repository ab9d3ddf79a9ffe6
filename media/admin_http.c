/*
 * admin_http.c - a minimal, strict HTTP/1.1 responder for admin ports (see admin_http.h).
 *
 * A poll loop over the listening socket and a fixed table of connections. Each connection
 * reads its head, then writes its answer, all non-blocking, and is closed at its deadline
 * whatever state it is in.
 */
#include "admin_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int fd; /* -1: free */
    int64_t deadline_ms;
    int64_t accepted_ms;
    char head[MEDIA_ADMIN_HEAD_MAX];
    size_t head_len;
    char *out; /* the answer being written (owned), NULL while reading */
    size_t out_len, out_off;
} conn;

struct media_admin_http {
    int fd;
    pthread_t thread;
    atomic_bool stop;
    media_admin_handler handler;
    void *ud;
    conn c[MEDIA_ADMIN_MAX_CONNS];
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

media_code media_admin_parse_listen(const char *name, const char *s, char host[64], int *port,
                                    media_error *err)
{
    const char *colon = s ? strrchr(s, ':') : NULL;
    if (colon == NULL || colon == s || (size_t)(colon - s) >= 64)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT, "%s must be host:port",
                               name);
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 1 || p > 65535)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "%s port must be 1..65535", name);
    size_t n = (size_t)(colon - s);
    if (s[0] == '[' && n > 2 && s[n - 1] == ']') {
        memcpy(host, s + 1, n - 2);
        host[n - 2] = '\0';
    } else {
        memcpy(host, s, n);
        host[n] = '\0';
    }
    *port = (int)p;
    return MEDIA_OK;
}

int media_admin_parse_request(const char *head, size_t len, char *path, size_t cap)
{
    if (len < 14 || memcmp(head, "GET ", 4) != 0) {
        const char *sp = memchr(head, ' ', len < 16 ? len : 16);
        return sp ? 405 : 400;
    }
    const char *p = head + 4, *end = head + len;
    const char *sp = memchr(p, ' ', (size_t)(end - p));
    if (sp == NULL || sp == p || *p != '/' || (size_t)(sp - p) >= cap)
        return 400;
    if ((size_t)(end - sp) < 9 || memcmp(sp + 1, "HTTP/1.", 7) != 0)
        return 400;
    for (const char *c = p; c < sp; c++)
        if ((unsigned char)*c < 0x21 || *c == 0x7f)
            return 400;
    size_t n = (size_t)(sp - p);
    const char *q = memchr(p, '?', n); /* the query is ignored */
    if (q)
        n = (size_t)(q - p);
    memcpy(path, p, n);
    path[n] = '\0';
    return 0;
}

static void conn_close(conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->out);
    c->fd = -1;
    c->out = NULL;
}

/* Build the whole answer into c->out. */
static void answer(media_admin_http *s, conn *c)
{
    char path[256];
    media_buf body;
    media_buf_init(&body, 4 << 20);
    const char *ctype = "application/json";
    int status = media_admin_parse_request(c->head, c->head_len, path, sizeof(path));
    if (status == 0) {
        status = s->handler(s->ud, path, &body, &ctype);
    } else {
        ctype = "text/plain";
        media_buf_appends(&body, status == 405 ? "only GET\n" : "bad request\n");
    }
    const char *reason = status == 200   ? "OK"
                         : status == 404 ? "Not Found"
                         : status == 405 ? "Method Not Allowed"
                         : status == 503 ? "Service Unavailable"
                                         : "Bad Request";
    media_buf out;
    media_buf_init(&out, (4 << 20) + 512);
    media_buf_appendf(&out,
                      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                      "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                      status, reason, ctype, body.len);
    media_buf_append(&out, body.data ? body.data : "", body.len);
    media_buf_cleanup(&body);
    c->out = media_buf_detach(&out, &c->out_len);
    c->out_off = 0;
}

static void on_readable(media_admin_http *s, conn *c)
{
    ssize_t r = read(c->fd, c->head + c->head_len, sizeof(c->head) - 1 - c->head_len);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_close(c);
        return;
    }
    if (r < 0)
        return;
    c->head_len += (size_t)r;
    c->head[c->head_len] = '\0';
    if (strstr(c->head, "\r\n\r\n") || c->head_len == sizeof(c->head) - 1)
        answer(s, c); /* complete, or too large (then it is malformed: 400) */
}

static void on_writable(conn *c)
{
    ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (w < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (w <= 0) {
        conn_close(c);
        return;
    }
    c->out_off += (size_t)w;
    if (c->out_off == c->out_len)
        conn_close(c);
}

/* A free slot, or the oldest connection's, closed. */
static conn *slot_for_new(media_admin_http *s)
{
    conn *oldest = NULL;
    for (int i = 0; i < MEDIA_ADMIN_MAX_CONNS; i++) {
        if (s->c[i].fd < 0)
            return &s->c[i];
        if (oldest == NULL || s->c[i].accepted_ms < oldest->accepted_ms)
            oldest = &s->c[i];
    }
    conn_close(oldest);
    return oldest;
}

static void accept_new(media_admin_http *s)
{
    for (;;) {
        int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        conn *c = slot_for_new(s);
        c->fd = fd;
        c->accepted_ms = mono_ms();
        c->deadline_ms = c->accepted_ms + MEDIA_ADMIN_DEADLINE_MS;
        c->head_len = 0;
        c->head[0] = '\0';
    }
}

static void *loop(void *arg)
{
    media_admin_http *s = arg;
    struct pollfd p[MEDIA_ADMIN_MAX_CONNS + 1];
    int idx[MEDIA_ADMIN_MAX_CONNS + 1];
    while (!atomic_load(&s->stop)) {
        int n = 0;
        p[n++] = (struct pollfd){s->fd, POLLIN, 0};
        int64_t now = mono_ms(), wait = 250;
        for (int i = 0; i < MEDIA_ADMIN_MAX_CONNS; i++) {
            conn *c = &s->c[i];
            if (c->fd < 0)
                continue;
            if (now >= c->deadline_ms) { /* however slowly the bytes came: time is up */
                conn_close(c);
                continue;
            }
            if (c->deadline_ms - now < wait)
                wait = c->deadline_ms - now;
            idx[n] = i;
            p[n++] = (struct pollfd){c->fd, (short)(c->out ? POLLOUT : POLLIN), 0};
        }
        if (poll(p, (nfds_t)n, (int)wait) <= 0)
            continue;
        for (int k = 1; k < n; k++) {
            conn *c = &s->c[idx[k]];
            if (c->fd < 0 || p[k].revents == 0)
                continue;
            if (c->out)
                on_writable(c);
            else
                on_readable(s, c);
        }
        if (p[0].revents & POLLIN)
            accept_new(s);
    }
    for (int i = 0; i < MEDIA_ADMIN_MAX_CONNS; i++)
        conn_close(&s->c[i]);
    return NULL;
}

bool media_admin_url_parse(const char *url, char host[64], int *port, char path[256])
{
    if (url == NULL || strncmp(url, "http://", 7) != 0)
        return false;
    const char *p = url + 7;
    size_t auth = strcspn(p, "/?#");
    const char *end = p + auth, *colon = NULL;
    if (auth == 0)
        return false;
    if (p[0] == '[') {
        const char *close = memchr(p, ']', auth);
        if (close == NULL || close - p - 1 >= 64 || close == p + 1)
            return false;
        memcpy(host, p + 1, (size_t)(close - p - 1));
        host[close - p - 1] = '\0';
        colon = close + 1 < end ? close + 1 : NULL;
        if (colon && *colon != ':')
            return false;
    } else {
        colon = memchr(p, ':', auth);
        size_t hl = colon ? (size_t)(colon - p) : auth;
        if (hl == 0 || hl >= 64)
            return false;
        memcpy(host, p, hl);
        host[hl] = '\0';
    }
    *port = 80;
    if (colon) {
        char *e;
        long v = strtol(colon + 1, &e, 10);
        if (e != end || v < 1 || v > 65535)
            return false;
        *port = (int)v;
    }
    const char *rest = *end == '/' ? end : "/";
    size_t rl = strcspn(rest, "#");
    if (rl >= 256)
        return false;
    for (size_t i = 0; i < rl; i++)
        if ((unsigned char)rest[i] <= ' ' || rest[i] == 0x7f)
            return false;
    memcpy(path, rest, rl);
    path[rl] = '\0';
    return true;
}

media_code media_admin_http_probe(const char *url, long timeout_ms, int *status, media_error *err)
{
    char host[64], path[256], portstr[8];
    int port;
    *status = 0;
    if (!media_admin_url_parse(url, host, &port, path))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "health check URL must be http://host:port/path");
    snprintf(portstr, sizeof(portstr), "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
    if (getaddrinfo(host, portstr, &hints, &res) != 0)
        return media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT, "cannot resolve %s",
                               host);
    int64_t deadline = mono_ms() + timeout_ms;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    media_code rc = MEDIA_OK;
    if (fd < 0 || (connect(fd, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS)) {
        rc = media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                             "cannot connect to %s:%d: %s", host, port, strerror(errno));
        goto out;
    }
    char req[512], buf[256];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n",
                     path, host);
    size_t sent = 0, got = 0;
    bool connected = false;
    while (rc == MEDIA_OK) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            rc = media_error_set(err, MEDIA_ERR_TIMEOUT, MEDIA_CLASS_TRANSIENT,
                                 "no answer from %s:%d within %ld ms", host, port, timeout_ms);
            break;
        }
        struct pollfd pf = {fd, (short)(sent < (size_t)n ? POLLOUT : POLLIN), 0};
        if (poll(&pf, 1, (int)left) <= 0)
            continue;
        if (!connected) {
            int e = 0;
            socklen_t el = sizeof(e);
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
            if (e) {
                rc = media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                                     "cannot connect to %s:%d: %s", host, port, strerror(e));
                break;
            }
            connected = true;
        }
        if (sent < (size_t)n) {
            ssize_t w = send(fd, req + sent, (size_t)n - sent, MSG_NOSIGNAL);
            if (w > 0)
                sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN)
                rc = media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                                     "%s:%d closed the connection", host, port);
            continue;
        }
        ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (r > 0)
            got += (size_t)r;
        buf[got] = '\0';
        if (strchr(buf, '\n') || got == sizeof(buf) - 1 || r == 0) {
            if (sscanf(buf, "HTTP/1.%*d %d", status) != 1)
                rc = media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                                     "%s:%d did not answer HTTP", host, port);
            break;
        }
        if (r < 0 && errno != EAGAIN)
            rc = media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT, "%s:%d: %s", host,
                                 port, strerror(errno));
    }
out:
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    return rc;
}

media_admin_http *media_admin_http_start(const char *host, int port, media_admin_handler h,
                                         void *ud, media_error *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
                    *res;
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%d", port);
    if (getaddrinfo(host, portstr, &hints, &res) != 0) {
        media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                        "admin listener: cannot resolve %s", host);
        return NULL;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 64) != 0) {
        media_error_set(err, MEDIA_ERR_IO, MEDIA_CLASS_PERMANENT, "cannot listen on %s:%d: %s",
                        host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return NULL;
    }
    freeaddrinfo(res);
    media_admin_http *s = media_calloc(1, sizeof(*s));
    s->fd = fd;
    s->handler = h;
    s->ud = ud;
    for (int i = 0; i < MEDIA_ADMIN_MAX_CONNS; i++)
        s->c[i].fd = -1;
    pthread_create(&s->thread, NULL, loop, s);
    return s;
}

void media_admin_http_stop(media_admin_http *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    close(s->fd);
    free(s);
}
