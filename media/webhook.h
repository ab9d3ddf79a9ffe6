/*
 * webhook.h - webhooks in PostgreSQL: a tenant's endpoints and callback secret, and the
 * deliveries outbox the senders work through (SQL and row mapping; no network here).
 *
 * Events. The catalog's transitions (catalog.h: -> ready, -> failed, -> deleted) insert one
 * delivery per endpoint subscribed to the event, and one for the row's callback_url, in the
 * same statement as the change, with a snapshot of the row: an event is never lost between
 * the change and its notification, and the job never waits for a receiver.
 *
 * Deliveries: pending -> (claimed by a sender for a lease) -> delivered | pending again later
 * (a retry) | failed (attempts exhausted or the target refused: the dead letters, kept until
 * replayed or pruned). A sender that dies leaves its claim to run out; another sends the same
 * delivery again with the same id (at-least-once: receivers deduplicate by delivery id).
 *
 * Secrets are generated here ("whsec_" + 64 hex digits from the system's random source),
 * returned once at creation, stored for signing, and never listed or logged.
 *
 * Ownership: every struct below owns its heap strings; free with its _cleanup.
 * Thread: calls use the caller's media_db (one thread at a time).
 */
#ifndef MEDIA_WEBHOOK_H
#define MEDIA_WEBHOOK_H

#include "catalog.h"
#include "db.h"
#include "error.h"
#include "mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The events, as a bit set. */
enum {
    MEDIA_EVENT_READY = 1,
    MEDIA_EVENT_FAILED = 2,
    MEDIA_EVENT_DELETED = 4,
    MEDIA_EVENT_ALL = 7,
};
/* "media.ready" -> MEDIA_EVENT_READY; 0 for an unknown name. */
unsigned media_event_parse(const char *name);

#define MEDIA_WEBHOOK_SECRET_LEN    70 /* "whsec_" + 64 hex */
#define MEDIA_WEBHOOK_MAX_ENDPOINTS 16 /* per tenant */
#define MEDIA_WEBHOOK_URL_MAX_BYTES 2048

typedef struct media_webhook_endpoint {
    char id[MEDIA_UUID_STR];
    char tenant[MEDIA_TENANT_MAX];
    char *url; /* owned */
    unsigned events;
    char secret[MEDIA_WEBHOOK_SECRET_LEN + 1]; /* only from create; "" when listed */
    char created_at[40];
} media_webhook_endpoint;
void media_webhook_endpoint_cleanup(media_webhook_endpoint *e);
/* {"id","url","events":[...],"created_at"[,"secret"]}: the secret only when it is set. */
int media_webhook_endpoint_json(const media_webhook_endpoint *e, media_buf *out);

/* Register an endpoint; *out gets it with its new secret. MEDIA_ERR_INVALID for a URL that is
 * not http(s) with a host (the SSRF guard decides the address at delivery), no events, or a
 * tenant at MEDIA_WEBHOOK_MAX_ENDPOINTS. */
media_code media_webhook_endpoint_create(media_db *db, const char *tenant, const char *url,
                                         unsigned events, media_webhook_endpoint *out,
                                         media_error *err);
/* The tenant's endpoints, oldest first, without secrets. *out (count *n) freed with
 * media_webhook_endpoints_free. */
media_code media_webhook_endpoint_list(media_db *db, const char *tenant,
                                       media_webhook_endpoint **out, size_t *n, media_error *err);
void media_webhook_endpoints_free(media_webhook_endpoint *e, size_t n);
/* Remove one (its pending and failed deliveries go with it). MEDIA_ERR_NOT_FOUND otherwise. */
media_code media_webhook_endpoint_delete(media_db *db, const char *tenant, const char *id,
                                         media_error *err);
/* A new callback secret for the tenant (replacing any): signs callback_url deliveries. */
media_code media_webhook_callback_secret_rotate(media_db *db, const char *tenant,
                                                char out[MEDIA_WEBHOOK_SECRET_LEN + 1],
                                                media_error *err);

typedef enum {
    MEDIA_DELIVERY_PENDING,
    MEDIA_DELIVERY_DELIVERED,
    MEDIA_DELIVERY_FAILED,
} media_delivery_status;
const char *media_delivery_status_name(media_delivery_status s);

typedef struct media_delivery {
    char id[MEDIA_UUID_STR];
    char tenant[MEDIA_TENANT_MAX];
    char endpoint_id[MEDIA_UUID_STR]; /* "" for a callback_url */
    char *url;                        /* owned */
    char event[24];
    char media_id[MEDIA_UUID_STR];
    media_delivery_status status;
    int attempts;
    int last_status;  /* the receiver's last HTTP status, 0 when none */
    char *last_error; /* owned; NULL when none */
    char created_at[40], next_attempt_at[40], delivered_at[40];
    char secret[MEDIA_WEBHOOK_SECRET_LEN + 1]; /* claimed deliveries only */
    media_record record; /* claimed deliveries only: the row as the event left it */
} media_delivery;
void media_delivery_cleanup(media_delivery *d);
void media_deliveries_free(media_delivery *d, size_t n);
/* The delivery for listings (no secret, no record). */
int media_delivery_json(const media_delivery *d, media_buf *out);
/* The body a receiver gets: {"id": delivery id, "event", "created_at", "data": the record}. */
int media_delivery_body(const media_delivery *d, media_buf *out);

/* Claim up to limit due deliveries for lease_ms (attempts + 1 each), with their secret and
 * record, fairly across tenants: none of a tenant with per_tenant deliveries in flight (claimed
 * by any sender), nor of an endpoint (a callback: its URL) with per_endpoint; the tenants with
 * the least in flight first. A delivery whose secret is gone (callback secret removed) is
 * claimed with secret "". *out (count *n) freed with media_deliveries_free. */
media_code media_webhook_claim(media_db *db, int limit, long lease_ms, int per_tenant,
                               int per_endpoint, media_delivery **out, size_t *n, media_error *err);
/* The outcome of a claimed attempt: delivered (status the receiver's), retry in delay_ms, or
 * failed for good (the dead letters). `counted` false puts it back without spending the
 * attempt (an open breaker). */
media_code media_webhook_delivered(media_db *db, const char *id, int status, media_error *err);
media_code media_webhook_retry(media_db *db, const char *id, long delay_ms, int status,
                               const char *error, bool counted, media_error *err);
media_code media_webhook_fail(media_db *db, const char *id, int status, const char *error,
                              media_error *err);

/* Deliveries newest first: one tenant's (NULL: all), of one status (NULL: any), at most
 * limit (1..1000). */
media_code media_webhook_deliveries_list(media_db *db, const char *tenant,
                                         const media_delivery_status *status, int limit,
                                         media_delivery **out, size_t *n, media_error *err);
/* A failed delivery pending again, attempts reset, same id. tenant NULL: any tenant's.
 * MEDIA_ERR_NOT_FOUND when there is no failed delivery with that id (of that tenant). */
media_code media_webhook_replay(media_db *db, const char *tenant, const char *id, media_error *err);
/* Counts for metrics: pending deliveries and dead letters. */
media_code media_webhook_counts(media_db *db, int64_t *pending, int64_t *failed, media_error *err);
/* Retention: delivered rows older than delivered_s and failed ones older than failed_s. */
media_code media_webhook_prune(media_db *db, long delivered_s, long failed_s, size_t *removed,
                               media_error *err);

/*
 * The signature header's value for a body sent at unix time t:
 * "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". out: MEDIA_WEBHOOK_SIGNATURE_MAX.
 */
#define MEDIA_WEBHOOK_SIGNATURE_MAX 96
void media_webhook_sign(const char *secret, int64_t t, const char *body, size_t len,
                        char out[MEDIA_WEBHOOK_SIGNATURE_MAX]);
/* A receiver's check, as docs/webhooks.md describes it: the header parses, its v1 matches
 * (constant time), and |now - t| <= tolerance_s. */
bool media_webhook_verify(const char *secret, const char *header, const char *body, size_t len,
                          int64_t now, long tolerance_s);

#endif
