/*
 * api.h - the /api/v1 service logic, independent of the HTTP server: route, authenticate,
 * validate, talk to the catalog, queue and S3, and produce a response.
 *
 * presign_handle runs on a backend thread (blocking PostgreSQL, Redis and S3 calls are
 * fine there); the h2o event loops never call it directly (server.c hands requests over).
 * Errors are application/problem+json with a stable `type` ("urn:mediagate:problem:<slug>").
 */
#ifndef PRESIGN_API_H
#define PRESIGN_API_H

#include "body.h"
#include "config.h"
#include "media/metrics.h"
#include "media/s3_sign.h"
#include "request.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * State shared by every thread of one server: the API-key cache, the hot-record cache (ready
 * records by tenant and id; invalidated on delete; other replicas see a delete within
 * MEDIAGATE_RECORD_CACHE_S) and the rate limiter's local leases (limiter.h). Thread-safe.
 * cfg, s3 and m are borrowed and must outlive it.
 */
typedef struct presign_state presign_state;
presign_state *presign_state_new(const presign_config *cfg, const media_s3_config *s3,
                                 media_metrics *m);
void presign_state_destroy(presign_state *st);

/* A SigV4 signer for s3's credentials (one per thread). NULL + err on bad credentials. */
media_sigv4_signer *presign_signer_new(const media_s3_config *s3, media_error *err);

/* Everything a backend thread owns: connections and a signer. */
typedef struct presign_backend presign_backend;

/* Create a backend on st (connections are opened lazily and re-opened after failures). */
presign_backend *presign_backend_new(presign_state *st, media_error *err);
void presign_backend_destroy(presign_backend *b);

/* Handle one request (any route but /health, /metrics and the OpenAPI document). Blocking. */
void presign_handle(presign_backend *b, const presign_request *req, presign_response *res);

/*
 * The event loop's fast path, without I/O: answer GET /media/{id}/url or /content when the
 * API key, the ready record and a leased rate-limit token are all in memory. Returns false
 * (res untouched) otherwise; the request then goes to presign_handle, which answers every
 * case, errors included. signer belongs to the calling thread.
 */
bool presign_handle_cached(presign_state *st, media_sigv4_signer *signer,
                           const presign_request *req, presign_response *res);

/*
 * The event loop's gate, before a request may take a backend thread (issue 15, defect 6; no
 * I/O): a request whose API key is not known-good — none, unknown, revoked, or not cached
 * yet — spends a token of its client address's budget (addr_key: presign_addr_key of the
 * client), and is answered 429 when the budget is spent; a key known to be unknown or revoked
 * (remembered for MEDIAGATE_KEY_CACHE_S) is answered 401 here. True when res holds the answer.
 */
bool presign_gate(presign_state *st, const presign_request *req, const uint8_t addr_key[16],
                  presign_response *res);

/* /ready from the last check when it is younger than a second (true: res filled), so probes
 * from anyone cost at most one PostgreSQL, Redis and S3 round trip a second. When it is older
 * and no check is running, the caller sends the request to presign_handle (which checks and
 * stores) and this returns false; while a check runs, the last result answers. */
bool presign_ready_cached(presign_state *st, presign_response *res);

/* Pure helpers, exposed for tests and fuzzing: request.h, body.h. */

#endif
