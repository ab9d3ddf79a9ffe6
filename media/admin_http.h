/*
 * admin_http.h - a small HTTP/1.1 port for operators and Prometheus: GET only, one request
 * per connection, answered by a handler (the worker's and serve's /health, /ready, /metrics).
 *
 * One thread serves up to MEDIA_ADMIN_MAX_CONNS connections at once from a poll loop, so a
 * slow client cannot hold the port: each connection has a whole-request deadline (the head
 * must arrive, and the answer be taken, within MEDIA_ADMIN_DEADLINE_MS of the accept, however
 * the bytes trickle in), and the head is at most 8 KiB. When every slot is taken, the oldest
 * connection is closed to make room: a probe is never refused because of idle connections.
 */
#ifndef MEDIA_ADMIN_HTTP_H
#define MEDIA_ADMIN_HTTP_H

#include "error.h"
#include "mem.h"

#include <stdbool.h>

#define MEDIA_ADMIN_MAX_CONNS   64
#define MEDIA_ADMIN_DEADLINE_MS 2000
#define MEDIA_ADMIN_HEAD_MAX    8192

/* Fill body (and *content_type) for path; return the HTTP status. Called on the server's
 * thread; must not block for long. */
typedef int (*media_admin_handler)(void *ud, const char *path, media_buf *body,
                                   const char **content_type);

typedef struct media_admin_http media_admin_http;

/* Parse "host:port" (name: the variable, for the message). */
media_code media_admin_parse_listen(const char *name, const char *s, char host[64], int *port,
                                    media_error *err);
/* Bind and start serving; NULL + err when the port cannot be bound. */
media_admin_http *media_admin_http_start(const char *host, int port, media_admin_handler h,
                                         void *ud, media_error *err);
/* Stop the thread and close every socket. */
void media_admin_http_stop(media_admin_http *s);

/*
 * The client side, for container health checks (`mediagate healthcheck`): GET url
 * ("http://host:port/path", plain HTTP only: admin ports speak nothing else), everything —
 * connect, send, the status line — within timeout_ms. *status gets the HTTP status. Errors:
 * MEDIA_ERR_INVALID for a URL it cannot use, MEDIA_ERR_NETWORK / MEDIA_ERR_TIMEOUT.
 */
media_code media_admin_http_probe(const char *url, long timeout_ms, int *status, media_error *err);

/* Pure: split "http://host:port/path" (host may be [v6]; port defaults to 80; path to "/").
 * False when it is not such a URL. */
bool media_admin_url_parse(const char *url, char host[64], int *port, char path[256]);

/* Pure: the request target of "GET /path HTTP/1.1\r\n..." into path (cap bytes). Returns 0,
 * or 405 (not GET) / 400 (malformed). */
int media_admin_parse_request(const char *head, size_t len, char *path, size_t cap);

#endif
