/*
 * server.h - `mediagate serve` on libh2o (evloop flavour): one event loop per thread
 * (MEDIAGATE_THREADS, each with its own SO_REUSEPORT listener) and a pool of backend threads.
 *
 * No blocking network I/O runs on a loop thread. A request that needs PostgreSQL, Redis or
 * S3 is copied into a job for the backend pool; the backend thread runs presign_handle with
 * its own connections and posts the response back to the loop that owns the request
 * (h2o_multithread queue). A request whose client went away meanwhile is dropped safely (a
 * guard in the request's pool). /health, the page and the OpenAPI document are answered on
 * the loop (no I/O); so are cached readiness, the fast path (a cached key and record), the
 * gate for requests without a known-good key and load shedding. /metrics is served on the
 * admin listener only (MEDIAGATE_ADMIN_LISTEN).
 *
 * Every response carries X-Request-Id and security headers (nosniff, frame denial,
 * no-referrer, a CSP that allows nothing); allowed CORS origins are echoed. JSON larger than
 * 1 KiB is gzip-compressed when the client accepts it.
 *
 * Shutdown (presign_server_stop, from SIGTERM): /ready answers 503 at once, listeners close
 * after MEDIAGATE_DRAIN_DELAY_S, in-flight requests finish, then the loops exit.
 */
#ifndef PRESIGN_SERVER_H
#define PRESIGN_SERVER_H

#include "api.h"
#include "media/config.h"

typedef struct presign_server presign_server;

/* Check the schema, bind, start the threads. NULL + err on failure. */
presign_server *presign_server_start(const presign_config *c, const media_s3_config *s3,
                                     media_error *err);
/* Begin graceful shutdown (async-signal-safe). */
void presign_server_stop(presign_server *s);
/* Wait until shutdown completes: threads joined, backends, caches and metrics freed. The
 * event-loop contexts and the server struct they point into are left to process exit
 * (libh2o 2.2 has no complete loop teardown), so call this once, then exit. */
void presign_server_wait(presign_server *s);

/* The OpenAPI 3 document (docs/openapi.json, compiled in). */
extern const char presign_openapi_json[];
/* The browser page (presign/web/, compiled in), served at /app, /app.js and /app.css. */
extern const char presign_web_app_html[], presign_web_app_js[], presign_web_app_css[];

#endif
