/*
 * admin_http.h - the worker's small HTTP port: GET /health, /ready, /metrics.
 *
 * One thread, one connection at a time, GET only, request head at most 8 KiB read within
 * 2 s, then the connection closes. It serves operators and Prometheus, not clients.
 */
#ifndef INGEST_ADMIN_HTTP_H
#define INGEST_ADMIN_HTTP_H

#include "media/error.h"
#include "media/mem.h"

#include <stdbool.h>

/* Fill body (and *content_type) for path; return the HTTP status. Called on the server's
 * thread. */
typedef int (*ingest_admin_handler)(void *ud, const char *path, media_buf *body,
                                    const char **content_type);

typedef struct ingest_admin_http ingest_admin_http;

/* Parse "host:port" (MEDIAGATE_WORKER_LISTEN). */
media_code ingest_admin_parse_listen(const char *s, char host[64], int *port, media_error *err);
/* Bind and start serving; NULL + err when the port cannot be bound. */
ingest_admin_http *ingest_admin_http_start(const char *host, int port, ingest_admin_handler h,
                                           void *ud, media_error *err);
/* Stop the thread and close the socket. */
void ingest_admin_http_stop(ingest_admin_http *s);

/* Pure: the request target of "GET /path HTTP/1.1\r\n..." into path (cap bytes). Returns 0,
 * or 405 (not GET) / 400 (malformed). */
int ingest_admin_parse_request(const char *head, size_t len, char *path, size_t cap);

#endif
