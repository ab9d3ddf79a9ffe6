/*
 * webhook.c - webhook endpoints and the deliveries outbox on PostgreSQL (see webhook.h).
 */
#include "webhook.h"
#include "hash.h"
#include "json.h"
#include "source_url.h"
#include "uuid.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const event_names[] = {"media.ready", "media.failed", "media.deleted"};

unsigned media_event_parse(const char *name)
{
    for (unsigned i = 0; name && i < 3; i++)
        if (strcmp(name, event_names[i]) == 0)
            return 1u << i;
    return 0;
}

static const char *const delivery_names[] = {"pending", "delivered", "failed"};

const char *media_delivery_status_name(media_delivery_status s)
{
    return (unsigned)s <= MEDIA_DELIVERY_FAILED ? delivery_names[s] : "unknown";
}

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void new_secret(char out[MEDIA_WEBHOOK_SECRET_LEN + 1])
{
    uint8_t rnd[32];
    media_random_bytes(rnd, sizeof(rnd));
    memcpy(out, "whsec_", 6);
    media_hex(rnd, sizeof(rnd), out + 6);
}

/* ---- endpoints ---- */

void media_webhook_endpoint_cleanup(media_webhook_endpoint *e)
{
    free(e->url);
    memset(e, 0, sizeof(*e));
}

void media_webhook_endpoints_free(media_webhook_endpoint *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        media_webhook_endpoint_cleanup(&e[i]);
    free(e);
}

static int events_json(media_buf *b, unsigned events)
{
    int rc = media_buf_append(b, "[", 1);
    for (unsigned i = 0, n = 0; i < 3; i++)
        if (events & (1u << i)) {
            if (n++)
                rc |= media_buf_append(b, ",", 1);
            rc |= media_json_string(b, event_names[i]);
        }
    return rc | media_buf_append(b, "]", 1);
}

int media_webhook_endpoint_json(const media_webhook_endpoint *e, media_buf *b)
{
    int first = 1, rc = media_buf_append(b, "{", 1);
    rc |= media_json_kv_str(b, "id", e->id, &first);
    rc |= media_json_kv_str(b, "url", e->url, &first);
    rc |= media_buf_appends(b, ",\"events\":");
    rc |= events_json(b, e->events);
    rc |= media_json_kv_str(b, "created_at", e->created_at, &first);
    if (e->secret[0])
        rc |= media_json_kv_str(b, "secret", e->secret, &first);
    rc |= media_buf_append(b, "}", 1);
    return rc ? -1 : 0;
}

#define TS(c) MEDIA_RECORD_TS(c)

/* events as a SQL array literal: {media.ready,media.failed} */
static void events_sql(unsigned events, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "{");
    for (unsigned i = 0; i < 3; i++)
        if (events & (1u << i))
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n > 1 ? "," : "", event_names[i]);
    snprintf(out + n, cap - n, "}");
}

static unsigned events_parse_sql(const char *v)
{
    unsigned ev = 0;
    for (unsigned i = 0; v && i < 3; i++)
        if (strstr(v, event_names[i]))
            ev |= 1u << i;
    return ev;
}

media_code media_webhook_endpoint_create(media_db *db, const char *tenant, const char *url,
                                         unsigned events, media_webhook_endpoint *out,
                                         media_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!media_tenant_valid(tenant))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "invalid tenant");
    if (url == NULL || url[0] == '\0' || strlen(url) > MEDIA_WEBHOOK_URL_MAX_BYTES ||
        !media_utf8_valid(url))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "url must be 1..%d bytes of UTF-8", MEDIA_WEBHOOK_URL_MAX_BYTES);
    media_error why;
    if (media_source_url_check(url, &why) != MEDIA_OK)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "url: %s",
                               why.message);
    if ((events & MEDIA_EVENT_ALL) == 0 || (events & ~(unsigned)MEDIA_EVENT_ALL))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "events must name at least one of media.ready, media.failed, "
                               "media.deleted");
    char ev[64], max[8];
    events_sql(events, ev, sizeof(ev));
    media_uuid7_new(out->id);
    new_secret(out->secret);
    snprintf(max, sizeof(max), "%d", MEDIA_WEBHOOK_MAX_ENDPOINTS);
    const char *p[] = {out->id, tenant, url, ev, out->secret, max};
    media_db_result *r;
    /* the count and the insert in one statement; two racing creates may both pass the count
     * (a soft limit, against runaway scripts, not an exact quota) */
    media_code rc = media_db_query(
        db,
        "INSERT INTO webhook_endpoints (id, tenant_id, url, events, secret) SELECT $1, $2, $3,"
        " $4::text[], $5 WHERE (SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $2)"
        " < $6::int RETURNING " TS("created_at"),
        6, p, &r, err);
    if (rc != MEDIA_OK) {
        if (strcmp(media_db_last_sqlstate(db), "23503") == 0)
            rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                                 "unknown tenant '%s'", tenant);
        memset(out->secret, 0, sizeof(out->secret));
        return rc;
    }
    bool made = media_db_result_rows(r) == 1;
    if (made)
        copy(out->created_at, sizeof(out->created_at), media_db_result_value(r, 0, 0));
    media_db_result_free(r);
    if (!made) {
        memset(out->secret, 0, sizeof(out->secret));
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "a tenant has at most %d webhook endpoints",
                               MEDIA_WEBHOOK_MAX_ENDPOINTS);
    }
    copy(out->tenant, sizeof(out->tenant), tenant);
    out->url = media_strdup(url);
    out->events = events;
    return MEDIA_OK;
}

media_code media_webhook_endpoint_list(media_db *db, const char *tenant,
                                       media_webhook_endpoint **out, size_t *n, media_error *err)
{
    *out = NULL;
    *n = 0;
    const char *p[] = {tenant};
    media_db_result *r;
    media_code rc = media_db_query(db,
                                   "SELECT id, tenant_id, url, events::text, " TS(
                                       "created_at") " FROM webhook_endpoints WHERE tenant_id = $1"
                                                     " ORDER BY created_at, id",
                                   1, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    int rows = media_db_result_rows(r);
    *out = media_calloc(rows > 0 ? (size_t)rows : 1, sizeof(**out));
    for (int i = 0; i < rows; i++) {
        media_webhook_endpoint *e = &(*out)[i];
        copy(e->id, sizeof(e->id), media_db_result_value(r, i, 0));
        copy(e->tenant, sizeof(e->tenant), media_db_result_value(r, i, 1));
        e->url = media_strdup(media_db_result_value(r, i, 2));
        e->events = events_parse_sql(media_db_result_value(r, i, 3));
        copy(e->created_at, sizeof(e->created_at), media_db_result_value(r, i, 4));
    }
    *n = (size_t)rows;
    media_db_result_free(r);
    return MEDIA_OK;
}

media_code media_webhook_endpoint_delete(media_db *db, const char *tenant, const char *id,
                                         media_error *err)
{
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                               "no such webhook endpoint");
    const char *p[] = {id, tenant};
    long n = 0;
    media_code rc = media_db_exec(
        db, "DELETE FROM webhook_endpoints WHERE id = $1 AND tenant_id = $2", 2, p, &n, err);
    if (rc == MEDIA_OK && n == 0)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                             "no such webhook endpoint");
    return rc;
}

media_code media_webhook_callback_secret_rotate(media_db *db, const char *tenant,
                                                char out[MEDIA_WEBHOOK_SECRET_LEN + 1],
                                                media_error *err)
{
    new_secret(out);
    const char *p[] = {tenant, out};
    long n = 0;
    media_code rc =
        media_db_exec(db, "UPDATE tenants SET callback_secret = $2 WHERE id = $1", 2, p, &n, err);
    if (rc == MEDIA_OK && n == 0)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "unknown tenant '%s'",
                             tenant);
    if (rc != MEDIA_OK)
        memset(out, 0, MEDIA_WEBHOOK_SECRET_LEN + 1);
    return rc;
}

/* ---- deliveries ---- */

void media_delivery_cleanup(media_delivery *d)
{
    free(d->url);
    free(d->last_error);
    media_record_cleanup(&d->record);
    memset(d, 0, sizeof(*d));
}

void media_deliveries_free(media_delivery *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        media_delivery_cleanup(&d[i]);
    free(d);
}

/* The delivery columns, in parse_delivery's order. */
#define DCOLS                                                                                      \
    "d.id, d.tenant_id, d.endpoint_id, d.url, d.event, d.media_id, d.status, d.attempts,"          \
    " d.last_status, d.last_error, " TS("d.created_at") ", " TS("d.next_attempt_at") ", " TS(      \
        "d.delivered_at")
#define NDCOLS 13

static void parse_delivery(const media_db_result *r, int row, int col, media_delivery *d)
{
    const char *v;
    copy(d->id, sizeof(d->id), media_db_result_value(r, row, col + 0));
    copy(d->tenant, sizeof(d->tenant), media_db_result_value(r, row, col + 1));
    copy(d->endpoint_id, sizeof(d->endpoint_id), media_db_result_value(r, row, col + 2));
    d->url = media_strdup(media_db_result_value(r, row, col + 3));
    copy(d->event, sizeof(d->event), media_db_result_value(r, row, col + 4));
    copy(d->media_id, sizeof(d->media_id), media_db_result_value(r, row, col + 5));
    v = media_db_result_value(r, row, col + 6);
    for (int i = 0; v && i <= MEDIA_DELIVERY_FAILED; i++)
        if (strcmp(v, delivery_names[i]) == 0)
            d->status = (media_delivery_status)i;
    v = media_db_result_value(r, row, col + 7);
    d->attempts = v ? atoi(v) : 0;
    v = media_db_result_value(r, row, col + 8);
    d->last_status = v ? atoi(v) : 0;
    d->last_error = media_strdup(media_db_result_value(r, row, col + 9));
    copy(d->created_at, sizeof(d->created_at), media_db_result_value(r, row, col + 10));
    copy(d->next_attempt_at, sizeof(d->next_attempt_at), media_db_result_value(r, row, col + 11));
    copy(d->delivered_at, sizeof(d->delivered_at), media_db_result_value(r, row, col + 12));
}

int media_delivery_json(const media_delivery *d, media_buf *b)
{
    int first = 1, rc = media_buf_append(b, "{", 1);
    rc |= media_json_kv_str(b, "id", d->id, &first);
    rc |= media_json_kv_str(b, "tenant", d->tenant, &first);
    rc |= media_json_kv_str(b, "endpoint_id", d->endpoint_id[0] ? d->endpoint_id : NULL, &first);
    rc |= media_json_kv_str(b, "url", d->url, &first);
    rc |= media_json_kv_str(b, "event", d->event, &first);
    rc |= media_json_kv_str(b, "media_id", d->media_id, &first);
    rc |= media_json_kv_str(b, "status", media_delivery_status_name(d->status), &first);
    rc |= media_json_kv_int(b, "attempts", d->attempts, &first);
    if (d->last_status)
        rc |= media_json_kv_int(b, "last_status", d->last_status, &first);
    if (d->last_error)
        rc |= media_json_kv_str(b, "last_error", d->last_error, &first);
    rc |= media_json_kv_str(b, "created_at", d->created_at, &first);
    if (d->status == MEDIA_DELIVERY_PENDING)
        rc |= media_json_kv_str(b, "next_attempt_at", d->next_attempt_at, &first);
    if (d->delivered_at[0])
        rc |= media_json_kv_str(b, "delivered_at", d->delivered_at, &first);
    rc |= media_buf_append(b, "}", 1);
    return rc ? -1 : 0;
}

int media_delivery_body(const media_delivery *d, media_buf *b)
{
    int first = 1, rc = media_buf_append(b, "{", 1);
    rc |= media_json_kv_str(b, "id", d->id, &first);
    rc |= media_json_kv_str(b, "event", d->event, &first);
    rc |= media_json_kv_str(b, "created_at", d->created_at, &first);
    rc |= media_buf_appends(b, ",\"data\":");
    rc |= media_record_json(&d->record, b);
    rc |= media_buf_append(b, "}", 1);
    return rc ? -1 : 0;
}

media_code media_webhook_claim(media_db *db, int limit, long lease_ms, int per_tenant,
                               int per_endpoint, media_delivery **out, size_t *n, media_error *err)
{
    *out = NULL;
    *n = 0;
    char lim[16], lease[24], pt[16], pe[16];
    snprintf(lim, sizeof(lim), "%d", limit);
    snprintf(lease, sizeof(lease), "%ld", lease_ms);
    snprintf(pt, sizeof(pt), "%d", per_tenant);
    snprintf(pe, sizeof(pe), "%d", per_endpoint);
    const char *p[] = {lim, lease, pt, pe};
    media_db_result *r;
    /* Fair across tenants (issue 24, defect 4): what every sender has in flight (a claim not
     * run out) is counted per tenant and per endpoint (a callback's: its URL); a delivery whose
     * tenant or endpoint is at its cap waits, and the tenants with the least in flight go
     * first, then the oldest due. Each due delivery is ranked within its tenant, so one claim
     * takes at most the cap's worth of a tenant. Claims running at the same moment in other
     * processes may pass a cap by their number. Then the record (MEDIA_RECORD_COLS from the
     * snapshot, turned back into a media row), the delivery, and the secret that signs it. */
    media_code rc = media_db_query(
        db,
        "WITH busy AS (SELECT tenant_id, coalesce(endpoint_id::text, url) AS ep"
        " FROM webhook_deliveries WHERE status = 'pending' AND claimed_until > now()),"
        " bt AS (SELECT tenant_id, count(*) AS n FROM busy GROUP BY tenant_id),"
        " be AS (SELECT ep, count(*) AS n FROM busy GROUP BY ep),"
        " due AS (SELECT w.id, coalesce(bt.n, 0) AS tn, w.next_attempt_at,"
        " coalesce(bt.n, 0) + row_number() OVER (PARTITION BY w.tenant_id"
        " ORDER BY w.next_attempt_at) AS trank,"
        " coalesce(be.n, 0) + row_number() OVER (PARTITION BY coalesce(w.endpoint_id::text,"
        " w.url) ORDER BY w.next_attempt_at) AS erank"
        " FROM webhook_deliveries w LEFT JOIN bt ON bt.tenant_id = w.tenant_id"
        " LEFT JOIN be ON be.ep = coalesce(w.endpoint_id::text, w.url)"
        " WHERE w.status = 'pending' AND w.next_attempt_at <= now() AND"
        " (w.claimed_until IS NULL OR w.claimed_until < now()) AND coalesce(bt.n, 0) < $3::int"
        " AND coalesce(be.n, 0) < $4::int),"
        " d AS (UPDATE webhook_deliveries SET attempts = attempts + 1,"
        " claimed_until = now() + $2::bigint * interval '1 millisecond' WHERE id IN (SELECT id"
        " FROM webhook_deliveries WHERE id IN (SELECT id FROM due WHERE trank <= $3::int AND"
        " erank <= $4::int ORDER BY tn, trank, next_attempt_at LIMIT $1::int) AND"
        " status = 'pending' AND (claimed_until IS NULL OR claimed_until < now())"
        " FOR UPDATE SKIP LOCKED) RETURNING *) SELECT x.*, " DCOLS ", CASE WHEN d.endpoint_id"
        " IS NULL THEN t.callback_secret ELSE e.secret END FROM d JOIN tenants t ON"
        " t.id = d.tenant_id LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id, LATERAL"
        " (SELECT " MEDIA_RECORD_COLS " FROM jsonb_populate_record(NULL::media, d.record)) x"
        " ORDER BY d.next_attempt_at",
        4, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    int rows = media_db_result_rows(r);
    *out = media_calloc(rows > 0 ? (size_t)rows : 1, sizeof(**out));
    for (int i = 0; i < rows; i++) {
        media_delivery *d = &(*out)[i];
        media_record_parse_row(r, i, &d->record);
        parse_delivery(r, i, MEDIA_RECORD_NCOLS, d);
        copy(d->secret, sizeof(d->secret),
             media_db_result_value(r, i, MEDIA_RECORD_NCOLS + NDCOLS));
    }
    *n = (size_t)rows;
    media_db_result_free(r);
    return MEDIA_OK;
}

media_code media_webhook_delivered(media_db *db, const char *id, int status, media_error *err)
{
    char st[16];
    snprintf(st, sizeof(st), "%d", status);
    const char *p[] = {id, st};
    return media_db_exec(db,
                         "UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(),"
                         " claimed_until = NULL, last_status = $2, last_error = NULL"
                         " WHERE id = $1",
                         2, p, NULL, err);
}

media_code media_webhook_retry(media_db *db, const char *id, long delay_ms, int status,
                               const char *error, bool counted, media_error *err)
{
    char st[16], delay[24];
    snprintf(st, sizeof(st), "%d", status);
    snprintf(delay, sizeof(delay), "%ld", delay_ms);
    const char *p[] = {id, delay, status ? st : NULL, error, counted ? "0" : "1"};
    return media_db_exec(
        db,
        "UPDATE webhook_deliveries SET next_attempt_at = now() + $2::bigint * interval"
        " '1 millisecond', claimed_until = NULL, last_status = $3, last_error = $4,"
        " attempts = attempts - $5::int WHERE id = $1 AND status = 'pending'",
        5, p, NULL, err);
}

media_code media_webhook_fail(media_db *db, const char *id, int status, const char *error,
                              media_error *err)
{
    char st[16];
    snprintf(st, sizeof(st), "%d", status);
    const char *p[] = {id, status ? st : NULL, error};
    return media_db_exec(db,
                         "UPDATE webhook_deliveries SET status = 'failed', claimed_until = NULL,"
                         " last_status = $2, last_error = $3 WHERE id = $1",
                         3, p, NULL, err);
}

media_code media_webhook_deliveries_list(media_db *db, const char *tenant,
                                         const media_delivery_status *status, int limit,
                                         media_delivery **out, size_t *n, media_error *err)
{
    *out = NULL;
    *n = 0;
    if (limit < 1 || limit > 1000)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "limit must be 1..1000");
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *p[] = {tenant, status ? media_delivery_status_name(*status) : NULL, lim};
    media_db_result *r;
    media_code rc = media_db_query(
        db,
        "SELECT " DCOLS " FROM webhook_deliveries d WHERE ($1::text IS NULL OR d.tenant_id = $1)"
        " AND ($2::webhook_delivery_status IS NULL OR d.status = $2)"
        " ORDER BY d.created_at DESC, d.id DESC LIMIT $3::int",
        3, p, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    int rows = media_db_result_rows(r);
    *out = media_calloc(rows > 0 ? (size_t)rows : 1, sizeof(**out));
    for (int i = 0; i < rows; i++)
        parse_delivery(r, i, 0, &(*out)[i]);
    *n = (size_t)rows;
    media_db_result_free(r);
    return MEDIA_OK;
}

media_code media_webhook_replay(media_db *db, const char *tenant, const char *id, media_error *err)
{
    if (!media_uuid_valid(id))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                               "no failed delivery with that id");
    const char *p[] = {id, tenant};
    long n = 0;
    media_code rc = media_db_exec(
        db,
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(),"
        " claimed_until = NULL WHERE id = $1 AND status = 'failed'"
        " AND ($2::text IS NULL OR tenant_id = $2)",
        2, p, &n, err);
    if (rc == MEDIA_OK && n == 0)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                             "no failed delivery with that id");
    return rc;
}

media_code media_webhook_counts(media_db *db, int64_t *pending, int64_t *failed, media_error *err)
{
    media_db_result *r;
    media_code rc =
        media_db_query(db,
                       "SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'),"
                       " (SELECT count(*) FROM webhook_deliveries WHERE status = 'failed')",
                       0, NULL, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    const char *a = media_db_result_value(r, 0, 0), *b = media_db_result_value(r, 0, 1);
    *pending = a ? strtoll(a, NULL, 10) : 0;
    *failed = b ? strtoll(b, NULL, 10) : 0;
    media_db_result_free(r);
    return MEDIA_OK;
}

media_code media_webhook_prune(media_db *db, long delivered_s, long failed_s, size_t *removed,
                               media_error *err)
{
    char a[24], b[24];
    snprintf(a, sizeof(a), "%ld", delivered_s);
    snprintf(b, sizeof(b), "%ld", failed_s);
    const char *p[] = {a, b};
    long n = 0;
    media_code rc = media_db_exec(
        db,
        "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE"
        " (status = 'delivered' AND delivered_at < now() - $1::bigint * interval '1 second') OR"
        " (status = 'failed' AND created_at < now() - $2::bigint * interval '1 second')"
        " LIMIT 1000)",
        2, p, &n, err);
    if (removed)
        *removed = n > 0 ? (size_t)n : 0;
    return rc;
}

/* ---- signatures ---- */

static void mac_hex(const char *secret, int64_t t, const char *body, size_t len, char hex[65])
{
    char ts[24];
    int tn = snprintf(ts, sizeof(ts), "%" PRId64 ".", t);
    size_t total = (size_t)tn + len;
    char *msg = media_malloc(total + 1);
    memcpy(msg, ts, (size_t)tn);
    if (len)
        memcpy(msg + tn, body, len);
    uint8_t mac[MEDIA_SHA256_LEN];
    media_hmac_sha256(secret, strlen(secret), msg, total, mac);
    free(msg);
    media_hex(mac, sizeof(mac), hex);
}

void media_webhook_sign(const char *secret, int64_t t, const char *body, size_t len,
                        char out[MEDIA_WEBHOOK_SIGNATURE_MAX])
{
    char hex[65];
    mac_hex(secret, t, body, len, hex);
    snprintf(out, MEDIA_WEBHOOK_SIGNATURE_MAX, "t=%" PRId64 ",v1=%s", t, hex);
}

bool media_webhook_verify(const char *secret, const char *header, const char *body, size_t len,
                          int64_t now, long tolerance_s)
{
    if (header == NULL || strncmp(header, "t=", 2) != 0)
        return false;
    char *end;
    long long t = strtoll(header + 2, &end, 10);
    if (end == header + 2 || strncmp(end, ",v1=", 4) != 0 || strlen(end + 4) != 64)
        return false;
    if (t > now + tolerance_s || t < now - tolerance_s)
        return false; /* a replay of an old delivery, or a clock far off */
    char want[65];
    mac_hex(secret, (int64_t)t, body, len, want);
    return media_equal_ct(want, end + 4, 64);
}
