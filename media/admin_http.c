/*
 * admin_http.c - a minimal, strict HTTP/1.1 responder for the worker's admin port.
 */
#include "admin_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct ingest_admin_http {
    int fd;
    pthread_t thread;
    atomic_bool stop;
    ingest_admin_handler handler;
    void *ud;
};

media_code ingest_admin_parse_listen(const char *s, char host[64], int *port, media_error *err)
{
    const char *colon = s ? strrchr(s, ':') : NULL;
    if (colon == NULL || colon == s || (size_t)(colon - s) >= 64)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_WORKER_LISTEN must be host:port");
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 1 || p > 65535)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_WORKER_LISTEN port must be 1..65535");
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

int ingest_admin_parse_request(const char *head, size_t len, char *path, size_t cap)
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

static void respond(int fd, int status, const char *ctype, const char *body, size_t len)
{
    const char *reason = status == 200   ? "OK"
                         : status == 404 ? "Not Found"
                         : status == 405 ? "Method Not Allowed"
                         : status == 503 ? "Service Unavailable"
                                         : "Bad Request";
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                     status, reason, ctype, len);
    if (write(fd, head, (size_t)n) == n && len)
        for (size_t off = 0; off < len;) {
            ssize_t w = write(fd, body + off, len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
}

static void serve_one(ingest_admin_http *s, int fd)
{
    char head[8192];
    size_t len = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (len < sizeof(head) - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            if (t.tv_sec - t0.tv_sec >= 2)
                return;
            continue;
        }
        ssize_t r = read(fd, head + len, sizeof(head) - 1 - len);
        if (r <= 0)
            return;
        len += (size_t)r;
        head[len] = '\0';
        if (strstr(head, "\r\n\r\n"))
            break;
    }
    char path[256];
    int bad = ingest_admin_parse_request(head, len, path, sizeof(path));
    if (bad) {
        const char *msg = bad == 405 ? "only GET\n" : "bad request\n";
        respond(fd, bad, "text/plain", msg, strlen(msg));
        return;
    }
    media_buf body;
    media_buf_init(&body, 4 << 20);
    const char *ctype = "application/json";
    int status = s->handler(s->ud, path, &body, &ctype);
    respond(fd, status, ctype, body.data ? body.data : "", body.len);
    media_buf_cleanup(&body);
}

static void *loop(void *arg)
{
    ingest_admin_http *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 250) <= 0)
            continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        serve_one(s, c);
        close(c);
    }
    return NULL;
}

ingest_admin_http *ingest_admin_http_start(const char *host, int port, ingest_admin_handler h,
                                           void *ud, media_error *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
                    *res;
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%d", port);
    if (getaddrinfo(host, portstr, &hints, &res) != 0) {
        media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                        "MEDIAGATE_WORKER_LISTEN: cannot resolve the host");
        return NULL;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
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
    ingest_admin_http *s = media_calloc(1, sizeof(*s));
    s->fd = fd;
    s->handler = h;
    s->ud = ud;
    pthread_create(&s->thread, NULL, loop, s);
    return s;
}

void ingest_admin_http_stop(ingest_admin_http *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    close(s->fd);
    free(s);
}
