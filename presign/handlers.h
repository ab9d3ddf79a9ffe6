/*
 * handlers.h - inside the front end: the /api/v1 handlers, for a request that is routed,
 * authenticated, authorized and within its budget (api.c's presign_handle does that). They
 * reach PostgreSQL, Redis and S3 only through ports.h, so unit tests run them with fakes.
 */
#ifndef PRESIGN_HANDLERS_H
#define PRESIGN_HANDLERS_H

#include "media/apikey.h"
#include "routes.h"
#include "state.h"

/* The media family's handler (routes.h): create, list, get, delete, retry, url or content, by
 * call->rt (presign_route_parse); a create's body is call->body.u.create. */
void presign_media_handle(const presign_handler_ctx *c, const presign_request *req,
                          const presign_call *call, presign_response *res);

/* GET /api/v1/media/{id}?wait=S (issue 13, item 2): 0 <= S <= PRESIGN_WAIT_MAX_S. While the
 * record is queued or fetching, the handler answers with the record and asks the server to
 * park the request (res->wait_ms, res->wait_id): no thread waits; the server wakes it when a
 * media event for the id arrives (media/events.h, from any replica) or S passes, and asks
 * again with req->waited set, which answers with the record as it is then. 0, or -1 with a
 * 400 in res. */
#define PRESIGN_WAIT_MAX_S 30
int presign_wait_parse(const presign_request *req, presign_response *res, long *wait_s);

/* /ready: PostgreSQL, Redis and S3 checked and the result kept for a second (see
 * presign_ready_cached in api.h); a check made meanwhile by another request answers. */
void presign_ready_check(const presign_handler_ctx *c, presign_response *res);

/* The query of /url and /content: expires (0: the policy's default) and disposition. 0, or -1
 * with a 400 in res. */
typedef struct presign_url_args {
    long expires;
    presign_disposition disp;
} presign_url_args;
int presign_url_args_parse(const presign_request *req, presign_response *res, presign_url_args *a);

/* Answer /url (JSON) or /content (302) for a record that exists and is not deleted: 410 when
 * it failed, 409 when not ready; a URL signed earlier in the same window is reused. */
void presign_url_answer(presign_state *st, media_sigv4_signer *signer, const presign_request *req,
                        presign_response *res, const media_record *rec, const presign_url_args *a,
                        bool redirect);

/* The route table's rows for the media family, readiness and the page's session (routes.h;
 * the matches and the session's handler are in api.c). */
int presign_media_match(const presign_request *req, presign_response *res, presign_call *call);
void presign_ready_handle(const presign_handler_ctx *c, const presign_request *req,
                          const presign_call *call, presign_response *res);
int presign_session_match(const presign_request *req, presign_response *res, presign_call *call);
void presign_session_handle(const presign_handler_ctx *c, const presign_request *req,
                            const presign_call *call, presign_response *res);

#endif
