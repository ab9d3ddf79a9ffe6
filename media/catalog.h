/*
 * catalog.h - the media catalog in PostgreSQL: tenants and media rows, their guarded state
 * machine, idempotent creation, listing, the outbox sweeper's lookup, and retention.
 *
 * State machine (every transition a single guarded UPDATE, so concurrent workers cannot
 * corrupt a row):
 *
 *   queued --claim--> fetching --mark_ready--> ready
 *     ^  ^               |  \----mark_failed--> failed --requeue--> queued
 *     |  +--schedule_retry / release--+
 *     +-- (any but deleted) --soft_delete--> deleted --gc--> (row gone)
 *
 * Claims. A worker takes a row with media_catalog_claim: the claim has an owner, an epoch (a
 * fencing token, incremented by every claim) and an expiry the owner renews while it works
 * (media_catalog_claims_renew). A fetching row can be claimed again only after its claim ran
 * out. Every transition out of fetching, and recording an upload, names the epoch it holds;
 * after a take-over the old holder's transitions fail with MEDIA_ERR_FENCED and change nothing,
 * so only the current owner's result counts. (The holder must also stop its own work before
 * its claim can run out: see ingest/claims.h.)
 *
 * A row that is ready is never set back to fetching; finishing an already-finished job
 * changes nothing. Object keys are derived from tenant and id and never change.
 *
 * Ownership: media_record owns its heap strings; free with media_record_cleanup.
 * Thread: calls use the caller's media_db (one thread at a time).
 */
#ifndef MEDIA_CATALOG_H
#define MEDIA_CATALOG_H

#include "db.h"
#include "error.h"
#include "mem.h"
#include "uuid.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    MEDIA_STATUS_QUEUED,
    MEDIA_STATUS_FETCHING,
    MEDIA_STATUS_READY,
    MEDIA_STATUS_FAILED,
    MEDIA_STATUS_DELETED,
    MEDIA_STATUS_UPLOADING, /* a direct upload the client has not completed (uploads.h) */
} media_status;

const char *media_status_name(media_status s);
bool media_status_parse(const char *s, media_status *out);

#define MEDIA_TENANT_MAX           64
#define MEDIA_OBJECT_KEY_MAX       160
#define MEDIA_METADATA_MAX_BYTES   16384
#define MEDIA_SOURCE_URL_MAX_BYTES 8192
#define MEDIA_IDEMPOTENCY_KEY_MAX  255
/* An Idempotency-Key is a structured-field string (RFC 8941): 1..MEDIA_IDEMPOTENCY_KEY_MAX of
 * printable ASCII, space included; anything else is refused before it reaches a text column
 * (a longer one overflows the unique index's row: a 503 the client caused). */
bool media_idempotency_key_valid(const char *k);

typedef struct media_record {
    char id[MEDIA_UUID_STR];
    char tenant[MEDIA_TENANT_MAX];
    media_status status;
    char *source_url;      /* owned */
    char *idempotency_key; /* owned; NULL when none */
    char *metadata;        /* owned JSON object text */
    char bucket[64];
    char object_key[MEDIA_OBJECT_KEY_MAX];
    char content_type[128]; /* "" until known */
    int64_t size_bytes;     /* -1 until known */
    char sha256[65];        /* of the served bytes (after scrubbing) */
    char source_sha256[65]; /* of the bytes as they arrived; "" when not recorded */
    char etag[80];
    int attempts;
    char error_class[16]; /* "" | transient | permanent | rate_limited */
    char *last_error;     /* owned; NULL when none */
    int http_status;      /* 0 when none */
    char request_id[80];
    /* RFC 3339 UTC with microseconds; "" when NULL */
    char created_at[40], updated_at[40], next_attempt_at[40], ready_at[40], deleted_at[40];
    /* the claim (internal; not part of the JSON representation) */
    char claim_owner[128]; /* "" when none */
    int64_t claim_epoch;   /* fencing token of the latest claim (0: never claimed) */
    char upload_id[256];   /* multipart upload opened for this row and not yet closed, or "" */
    char *callback_url;    /* owned; NULL when none (webhook delivery per request) */
    /* the trace the job was submitted under (internal; not in the JSON) */
    char traceparent[56]; /* "" when none */
    char tracestate[513];
    /* direct uploads (media/uploads.h) */
    bool upload;           /* origin: true for a direct upload, false for an ingest */
    int64_t declared_size; /* -1 when none */
    char declared_type[128];
    char *filename;             /* owned; NULL when none */
    char upload_expires_at[40]; /* "" when not uploading */
    bool staged; /* a direct upload whose client writes its staging key (media/uploads.h) */
} media_record;

/* The columns of a media row in media_record_parse_row's order, as SQL over a relation with
 * the media table's columns (the table, a CTE over it, a jsonb_populate_record of it). */
#define MEDIA_RECORD_TS(c) "to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define MEDIA_RECORD_COLS                                                                          \
    "id, tenant_id, status, source_url, idempotency_key, metadata::text, bucket, object_key, "     \
    "content_type, size_bytes, sha256, etag, attempts, error_class, last_error, http_status, "     \
    "request_id, " MEDIA_RECORD_TIMES ", claim_owner, claim_epoch, upload_id, callback_url, "      \
    "traceparent, tracestate, origin, declared_size, declared_type, filename, " MEDIA_RECORD_TS(   \
        "upload_expires_at") ", staged_until IS NOT NULL, source_sha256"
#define MEDIA_RECORD_TIMES                                                                         \
    MEDIA_RECORD_TS("created_at")                                                                  \
    ", " MEDIA_RECORD_TS("updated_at") ", " MEDIA_RECORD_TS(                                       \
        "next_attempt_at") ", " MEDIA_RECORD_TS("ready_at") ", " MEDIA_RECORD_TS("deleted_at")
#define MEDIA_RECORD_NCOLS 35
/* The webhook deliveries of one transition (media/webhook.h): appended to a statement that
 * starts "WITH m AS (UPDATE media ... RETURNING *)" and ends "SELECT COLS FROM m", so the
 * row change and its deliveries commit together. One per subscribed endpoint, one for the
 * row's callback_url; each with a snapshot of the row as the event left it. An endpoint's
 * snapshot leaves the callback_url out: it may carry the submitter's token, and the
 * endpoint is not where the submitter sent it (issue 24, item 9). */
#define MEDIA_CATALOG_EVENTS(ev)                                                                   \
    ", ev AS (INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, url, event, media_id,"   \
    " record) SELECT gen_random_uuid(), m.tenant_id, e.id, e.url, '" ev "', m.id,"                 \
    " to_jsonb(m) - 'callback_url'"                                                                \
    " FROM m JOIN webhook_endpoints e ON e.tenant_id = m.tenant_id AND '" ev "' = ANY (e.events)"  \
    " UNION ALL SELECT gen_random_uuid(), m.tenant_id, NULL, m.callback_url, '" ev "', m.id,"      \
    " to_jsonb(m) FROM m WHERE m.callback_url IS NOT NULL) SELECT " MEDIA_RECORD_COLS " FROM m"

/* Fill *out from row `row` of a result whose first MEDIA_RECORD_NCOLS columns are
 * MEDIA_RECORD_COLS. */
void media_record_parse_row(const media_db_result *r, int row, media_record *out);
/* Run sql, whose columns start with MEDIA_RECORD_COLS: *found tells whether a row came, and
 * the first is parsed into *out when out is given (the caller cleans it up). */
media_code media_record_query_one(media_db *db, const char *sql, int n, const char *const *p,
                                  media_record *out, bool *found, media_error *err);

void media_record_cleanup(media_record *r);
/* A record time as MEDIA_RECORD_TS writes it ("2026-12-03T20:05:39.879123Z") in milliseconds
 * since the epoch; -1 when it is empty or not in that form. */
int64_t media_record_time_ms(const char *ts);
/* Append the record as one JSON object (the API and CLI representation). 0 or -1. */
int media_record_json(const media_record *r, media_buf *out);

/* True when t is a valid tenant id: 1-63 of [a-z0-9_-], starting with a letter or digit. */
bool media_tenant_valid(const char *t);
/*
 * The object key of a media row: "<4 hex of sha256(tenant/id)>/<tenant>/<id>". The hash
 * prefix spreads keys over the keyspace (S3 partitions by prefix). out: MEDIA_OBJECT_KEY_MAX.
 */
void media_object_key(const char *tenant, const char *id, char out[MEDIA_OBJECT_KEY_MAX]);

/* Create the tenant when missing. MEDIA_ERR_INVALID for a bad id. */
media_code media_catalog_tenant_ensure(media_db *db, const char *tenant, media_error *err);

/* A tenant's metadata policy (media/scrub.h names: "strip", "keep-copyright", "keep"), or
 * "" when it has none of its own (the service's MEDIAGATE_METADATA applies). get: into out
 * (16 bytes); MEDIA_ERR_NOT_FOUND for an unknown tenant. set: policy NULL or "" clears it;
 * MEDIA_ERR_INVALID for another name, MEDIA_ERR_NOT_FOUND for an unknown tenant. */
media_code media_catalog_tenant_metadata_get(media_db *db, const char *tenant, char out[16],
                                             media_error *err);
media_code media_catalog_tenant_metadata_set(media_db *db, const char *tenant, const char *policy,
                                             media_error *err);

typedef struct media_create_request {
    const char *tenant;
    const char *source_url;
    const char *idempotency_key; /* NULL: none */
    const char *metadata;        /* JSON object text; NULL: {} */
    const char *bucket;
    const char *request_id;   /* NULL: none */
    const char *callback_url; /* NULL: none; needs the tenant's callback secret (webhook.h) */
    const char *traceparent;  /* NULL: none; the request's span (trace.h), for the worker */
    const char *tracestate;   /* NULL: none */
} media_create_request;

/*
 * Create a queued row. With an idempotency key, the same tenant + key returns the existing
 * row (*created = false) when the payload (source URL + metadata) is the same, and
 * MEDIA_ERR_CONFLICT when it differs. MEDIA_ERR_NOT_FOUND for an unknown tenant;
 * MEDIA_ERR_INVALID for metadata that is not a JSON object or oversize fields, and for a
 * callback_url that is not a fetchable URL or whose tenant has no callback secret yet.
 */
media_code media_catalog_create(media_db *db, const media_create_request *req, media_record *out,
                                bool *created, media_error *err);

/* Get a row of this tenant (deleted rows included). MEDIA_ERR_NOT_FOUND otherwise. */
media_code media_catalog_get(media_db *db, const char *tenant, const char *id, media_record *out,
                             media_error *err);
/* Get a row by id alone (workers). */
media_code media_catalog_get_any(media_db *db, const char *id, media_record *out, media_error *err);

/*
 * Claim the row for owner for lease_ms: queued -> fetching, or a fetching row whose claim ran
 * out; attempts + 1, a new epoch. *out is the claimed row: out->claim_epoch is the fencing
 * token to pass to every later transition; out->upload_id names a multipart upload an earlier
 * holder left open (abort it before uploading).
 * MEDIA_ERR_BUSY (transient): another claim is live; err->retry_after_s says for how long.
 * MEDIA_ERR_CONFLICT: the row is ready, failed or deleted (a worker then acknowledges the job
 * without work). In both, *out holds the row as it is. Caller cleans *out up in every case.
 */
media_code media_catalog_claim(media_db *db, const char *id, const char *owner, long lease_ms,
                               media_record *out, media_error *err);

/* One held claim. */
typedef struct media_claim_ref {
    const char *id;
    int64_t epoch;
} media_claim_ref;

/* Extend each claim still held (same epoch, still fetching) to lease_ms from now, in one
 * statement. held[i] tells which are still held; a false one was taken over or finished. */
media_code media_catalog_claims_renew(media_db *db, const media_claim_ref *claims, size_t n,
                                      long lease_ms, bool *held, media_error *err);

/* Record the multipart upload the holder of epoch just created, before any part is sent.
 * MEDIA_ERR_FENCED when the claim was taken over (abort the upload then). */
media_code media_catalog_record_upload(media_db *db, const char *id, int64_t epoch,
                                       const char *upload_id, media_error *err);
/* Forget upload_id once it is completed or aborted (no claim needed: it names the upload). */
media_code media_catalog_forget_upload(media_db *db, const char *id, const char *upload_id,
                                       media_error *err);

typedef struct media_ready_info {
    const char *content_type;
    int64_t size_bytes;
    const char *sha256; /* of the stored (served) bytes */
    const char *etag;
    const char *source_sha256; /* of the bytes as they arrived; NULL: the same as sha256 */
} media_ready_info;

/* fetching (claim epoch) -> ready; clears the claim and the recorded upload. Already ready:
 * MEDIA_OK with *changed = false and nothing written. Claim taken over: MEDIA_ERR_FENCED.
 * Failed or deleted: MEDIA_ERR_CONFLICT. *out holds the row in every case but a DB error. */
media_code media_catalog_mark_ready(media_db *db, const char *id, int64_t epoch,
                                    const media_ready_info *info, media_record *out, bool *changed,
                                    media_error *err);

/* -> failed with the error's class, message and HTTP status, from queued, from fetching under
 * claim epoch, or from fetching whose claim ran out (epoch 0: the caller holds no claim, as for
 * a poison message). Already failed: MEDIA_OK, *changed = false. Fetching under a live claim of
 * another epoch: MEDIA_ERR_FENCED. ready/deleted: MEDIA_ERR_CONFLICT (a finished row stays). */
media_code media_catalog_mark_failed(media_db *db, const char *id, int64_t epoch,
                                     const media_error *cause, media_record *out, bool *changed,
                                     media_error *err);

/* fetching (claim epoch) -> queued, due in delay_ms, keeping the error for operators.
 * MEDIA_ERR_FENCED when the claim was taken over. */
media_code media_catalog_schedule_retry(media_db *db, const char *id, int64_t epoch,
                                        const media_error *cause, long delay_ms, media_error *err);

/* fetching (claim epoch) -> queued, due in delay_ms, and this attempt does not count (attempts
 * - 1): for failures that are not the job's (storage outage, shutdown). MEDIA_ERR_FENCED as
 * above. */
media_code media_catalog_release(media_db *db, const char *id, int64_t epoch,
                                 const media_error *cause, long delay_ms, media_error *err);

/* failed|queued -> queued with attempts 0 and the error cleared (dead-letter replay). */
media_code media_catalog_requeue(media_db *db, const char *id, media_record *out, media_error *err);

/* Any but deleted -> deleted. *out gets the row (to delete its object). MEDIA_ERR_NOT_FOUND
 * for an unknown, other tenant's or already deleted id. */
media_code media_catalog_soft_delete(media_db *db, const char *tenant, const char *id,
                                     media_record *out, media_error *err);

/* A page of records. Owns its records; free with media_page_cleanup. */
typedef struct media_page {
    media_record *items;
    size_t count;
    int64_t total;        /* offset paging: rows matching; -1 for keyset pages */
    char next_cursor[40]; /* keyset: id to pass as `after`, "" at the end */
} media_page;

void media_page_cleanup(media_page *p);
/* Every row of r into *out (items and count; total and cursor untouched). */
void media_record_fill_page(media_db_result *r, media_page *out);

/*
 * Offset pagination, newest first: page >= 1, size 1..1000. status NULL lists every row that
 * is not deleted. MEDIA_ERR_INVALID for out-of-range arguments.
 */
media_code media_catalog_list(media_db *db, const char *tenant, const media_status *status,
                              int64_t page, int size, media_page *out, media_error *err);
/* Keyset pagination, newest first: rows older than `after` (an id from next_cursor; NULL for
 * the first page). MEDIA_ERR_INVALID when after is not an id of this tenant. */
media_code media_catalog_list_after(media_db *db, const char *tenant, const media_status *status,
                                    const char *after, int size, media_page *out, media_error *err);

/* The outbox sweeper's work: queued rows due for more than older_than_s seconds, and fetching
 * rows whose claim ran out that long ago and that were not published since (their worker and
 * their message are both gone). */
media_code media_catalog_stale_queued(media_db *db, long older_than_s, int limit, media_page *out,
                                      media_error *err);
/* How long a published job (in the stream or the delayed set) may stay queued before the
 * outbox sweeper assumes its message was lost and publishes it again. */
#define MEDIA_REPUBLISH_AFTER_S 900

/* Rows that still name a multipart upload while no live claim works on them (older than
 * older_than_s): the upload sweeper aborts each upload and forgets it. */
media_code media_catalog_open_uploads(media_db *db, long older_than_s, int limit, media_page *out,
                                      media_error *err);

/* Record that a queued (or stale fetching) row's job was published to Redis, due in due_ms: the
 * sweeper leaves it alone until due + MEDIA_REPUBLISH_AFTER_S (a backlog must not breed
 * duplicates). */
media_code media_catalog_mark_published(media_db *db, const char *id, long due_ms,
                                        media_error *err);

/* Delete one stored object; called by gc for each row before the row is removed. */
typedef media_code (*media_gc_delete_fn)(void *ud, const char *bucket, const char *object_key,
                                         media_error *err);
/*
 * Retention: for rows soft-deleted more than older_than_s ago, in batches of `batch` rows
 * (each batch one transaction, rows locked FOR UPDATE SKIP LOCKED so concurrent runs share
 * the work), delete each object with del, then the rows. *removed gets the rows removed.
 * A failed object delete rolls its batch back and stops: those rows remain for the next run.
 */
media_code media_catalog_gc(media_db *db, long older_than_s, int batch, media_gc_delete_fn del,
                            void *ud, size_t *removed, media_error *err);

/* The SQL of the listing and stale-queued lookups (tests EXPLAIN them). */
extern const char *const media_catalog_sql_list;
extern const char *const media_catalog_sql_stale_queued;

#endif
