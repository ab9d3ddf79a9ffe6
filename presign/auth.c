/*
 * auth.c - credentials, scopes, rate budgets, and the event loop's gate (see auth.h, api.h).
 */
#include "auth.h"
#include "routes.h"
#include "media/hash.h"
#include "media/log.h"
#include "media/ratelimit.h"
#include "media/session.h"
#include "media/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The credential (routes.h): an "Authorization: Bearer <API key>" header when the route takes
 * keys; else the page's session cookie (copied into buf) where the route takes it — alone on a
 * GET (COOKIE_GET), or with X-Mediagate-App (COOKIE_APP). *secret points at it. */
cred_kind presign_credential(const presign_request *req, unsigned accept, char *buf, size_t cap,
                             const char **secret)
{
    const char *h = req->authorization;
    if (h) {
        if (!(accept & PRESIGN_ACCEPT_KEY) || strncmp(h, "Bearer ", 7) != 0 || h[7] == '\0')
            return CRED_NONE;
        *secret = h + 7;
        return CRED_KEY;
    }
    bool cookie_ok = ((accept & PRESIGN_ACCEPT_COOKIE_GET) && strcmp(req->method, "GET") == 0) ||
                     ((accept & PRESIGN_ACCEPT_COOKIE_APP) && req->from_app);
    if (cookie_ok && presign_cookie_get(req->cookie, PRESIGN_SESSION_COOKIE, buf, cap)) {
        *secret = buf;
        return CRED_SESSION;
    }
    return CRED_NONE;
}

/* The cache key of a credential: its SHA-256 with its kind, so a session token is never
 * taken for an API key (or the other way round) because it was cached as the other. */
static void cred_hash(cred_kind kind, const char *secret, uint8_t hash[MEDIA_SHA256_LEN])
{
    media_digest *d = media_digest_new(MEDIA_DIGEST_SHA256);
    media_digest_update(d,
                        kind == CRED_SESSION ? "session:" : "key:", kind == CRED_SESSION ? 8 : 4);
    media_digest_update(d, secret, strlen(secret));
    media_digest_final(d, hash);
    media_digest_destroy(d);
}

/* The cached identity of a credential: true when cached and (a session) not expired. */
bool presign_cred_cached(presign_state *st, cred_kind kind, const char *secret,
                         uint8_t hash[MEDIA_SHA256_LEN], media_apikey_info *who)
{
    cred_hash(kind, secret, hash);
    if (!presign_hot_get(st->keys, hash, MEDIA_SHA256_LEN, presign_hot_now_ms(), who))
        return false;
    char id[MEDIA_UUID_STR];
    time_t expires;
    return kind != CRED_SESSION ||
           (media_session_parse(secret, id, &expires) && expires > time(NULL));
}

/* A session token's identity: its key's row, the MAC checked against the key's hash; the
 * session grants the read scope only. MEDIA_ERR_NOT_FOUND when invalid, expired or revoked. */
static media_code session_lookup(media_db *db, const char *token, media_apikey_info *who,
                                 media_error *err)
{
    char id[MEDIA_UUID_STR];
    time_t expires;
    if (!media_session_parse(token, id, &expires))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "bad session");
    uint8_t key_hash[MEDIA_SHA256_LEN];
    media_code rc = media_apikey_lookup_id(db, id, who, key_hash, err);
    if (rc != MEDIA_OK)
        return rc;
    if (!media_session_verify(token, key_hash, time(NULL)) ||
        !(who->scopes & (MEDIA_SCOPE_READ | MEDIA_SCOPE_ADMIN)))
        return media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "bad session");
    return MEDIA_OK; /* the key's scopes; a write also needs X-Mediagate-App (request.h) */
}

/* How long after its last confirmation a key may stand in while the catalog is down. */
#define STALE_KEY_MS (3600 * 1000)

int presign_authenticate(presign_backend *b, const presign_request *req, unsigned accept,
                         presign_response *res, media_apikey_info *who)
{
    char buf[MEDIA_SESSION_MAX + 16];
    const char *secret = NULL;
    cred_kind kind = presign_credential(req, accept, buf, sizeof(buf), &secret);
    if (kind == CRED_NONE) {
        presign_problem(res, 401, "unauthorized", "Authentication required",
                        accept == PRESIGN_ACCEPT_KEY
                            ? "send Authorization: Bearer <API key> (this route takes no session)"
                            : "send Authorization: Bearer <API key>",
                        req->request_id);
        return -1;
    }
    uint8_t hash[MEDIA_SHA256_LEN];
    if (presign_cred_cached(b->st, kind, secret, hash, who))
        return 0;
    uint64_t version = presign_hot_version(b->st->keys, hash, sizeof(hash));
    media_error err;
    media_db *db = presign_backend_db(b, &err);
    media_metric_add(b->st->key_lookups, 1);
    media_code rc = db == NULL         ? MEDIA_ERR_DB
                    : kind == CRED_KEY ? media_apikey_lookup(db, secret, who, &err)
                                       : session_lookup(db, secret, who, &err);
    if (rc == MEDIA_ERR_NOT_FOUND) {
        uint8_t mark = 1;
        presign_hot_put(b->st->bad_keys, hash, sizeof(hash), &mark,
                        presign_hot_version(b->st->bad_keys, hash, sizeof(hash)),
                        presign_hot_now_ms());
        presign_problem(res, 401, "unauthorized", "Authentication required",
                        kind == CRED_KEY ? "unknown or revoked API key"
                                         : "the session is invalid or has expired",
                        req->request_id);
        return -1;
    }
    /* The catalog is unreachable: a key (or session) it confirmed within the last hour still
     * opens what needs no catalog — cached reads and presigning go on through an outage
     * (issue 26); a revocation made meanwhile waits for the catalog to return. */
    char sid[MEDIA_UUID_STR];
    time_t session_expires = 0;
    if (rc != MEDIA_OK && rc != MEDIA_ERR_NOT_FOUND &&
        presign_hot_get_stale(b->st->keys, hash, sizeof(hash), presign_hot_now_ms(), STALE_KEY_MS,
                              who) &&
        (kind == CRED_KEY ||
         (media_session_parse(secret, sid, &session_expires) && session_expires > time(NULL)))) {
        media_metric_add(b->st->dep_db, 1);
        media_log(MEDIA_LOG_WARN, req->request_id, NULL,
                  "catalog unavailable (%s): a key confirmed earlier is accepted", err.message);
        return 0;
    }
    if (rc != MEDIA_OK) {
        presign_unavailable(b->st, req, res, PRESIGN_DEP_DB, &err);
        return -1;
    }
    presign_hot_put(b->st->keys, hash, sizeof(hash), who, version, presign_hot_now_ms());
    return 0;
}

bool presign_scope_ok(const media_apikey_info *who, bool write)
{
    unsigned need = write ? MEDIA_SCOPE_WRITE : MEDIA_SCOPE_READ;
    return (who->scopes & (need | MEDIA_SCOPE_ADMIN)) != 0;
}

/* "<key id>:read|write". These run on the event loop for every cached request: appends, not
 * snprintf (bench/README.md, the front end). */
static void bucket_name(const media_apikey_info *who, bool write, char *out, size_t cap)
{
    media_sb b = media_sb_over(out, cap);
    media_sb_puts(&b, who->id);
    media_sb_puts(&b, write ? ":write" : ":read");
}

static void rate_header(char *out, size_t cap, long v)
{
    media_sb b = media_sb_over(out, cap);
    media_sb_put_long(&b, v);
}

static void rate_headers(presign_response *res, const presign_rate_view *v)
{
    rate_header(res->ratelimit[0], sizeof(res->ratelimit[0]), v->limit);
    rate_header(res->ratelimit[1], sizeof(res->ratelimit[1]), v->remaining);
    rate_header(res->ratelimit[2], sizeof(res->ratelimit[2]), v->reset_s);
}

bool presign_rate_take_leased(presign_state *st, const media_apikey_info *who, bool write,
                              presign_response *res)
{
    char bucket[96];
    presign_rate_view view;
    bucket_name(who, write, bucket, sizeof(bucket));
    if (!presign_limiter_take(st->limiter, bucket, presign_hot_now_ms(), &view))
        return false;
    rate_headers(res, &view);
    return true;
}

/* Spend a token: a leased one when there is one (no I/O), else reserve from Redis. */
int presign_rate_limit(presign_backend *b, const presign_request *req, presign_response *res,
                       const media_apikey_info *who, bool write)
{
    presign_state *st = b->st;
    long per_min = write ? b->cfg->rate_write_per_min : b->cfg->rate_read_per_min;
    char bucket[96];
    bucket_name(who, write, bucket, sizeof(bucket));
    presign_rate_view view;
    int64_t now = presign_hot_now_ms();
    if (b->cfg->rate_lease_ms > 0 && presign_rate_take_leased(st, who, write, res))
        return 0;
    long want = 1;
    if (b->cfg->rate_lease_ms > 0) /* lease at most about a second of refill */
        want = presign_limiter_want(st->limiter, bucket, per_min / 60 > 0 ? per_min / 60 : 1, now);
    media_error err;
    media_queue *q = presign_backend_queue(b, &err);
    long granted = 0, remaining = 0, reset = 0, retry = 0;
    media_metric_add(st->reservations, 1);
    char key[256];
    media_ratelimit_key(b->cfg->store.queue_prefix, bucket, key, sizeof(key));
    if (q == NULL ||
        media_ratelimit_reserve(media_queue_redis(q), key, per_min, per_min / 60.0, want, &granted,
                                &remaining, &reset, &retry, &err) != MEDIA_OK) {
        /* fail open: the service keeps answering without a limiter, and says so */
        media_metric_add(st->limiter_down, 1);
        media_log(MEDIA_LOG_WARN, req->request_id, NULL,
                  "rate limiter unavailable (%s): request allowed", err.message);
        if (q) {
            media_queue_close(b->q);
            b->q = NULL;
        }
        return 0;
    }
    if (granted >= 1 && b->cfg->rate_lease_ms > 0) /* the lease starts even when empty */
        presign_limiter_deposit(st->limiter, bucket, granted - 1, per_min, remaining, reset,
                                presign_hot_now_ms());
    view = (presign_rate_view){per_min, remaining + (granted > 1 ? granted - 1 : 0), reset};
    rate_headers(res, &view);
    if (granted >= 1)
        return 0;
    media_metric_add(st->limited, 1);
    snprintf(res->retry_after, sizeof(res->retry_after), "%ld", retry > 0 ? retry : 1);
    presign_problem(res, 429, "rate-limited", "Too many requests",
                    "this API key's request budget is spent; see Retry-After", req->request_id);
    return -1;
}

bool presign_gate(presign_state *st, const presign_request *req, const uint8_t addr_key[16],
                  presign_response *res)
{
    char kbuf[MEDIA_SESSION_MAX + 16];
    const char *key = NULL;
    /* the credential as the route's row reads it (routes.h) */
    cred_kind kind =
        presign_credential(req, presign_route_accepts(req->path), kbuf, sizeof(kbuf), &key);
    uint8_t hash[MEDIA_SHA256_LEN];
    media_apikey_info who;
    if (kind != CRED_NONE && presign_cred_cached(st, kind, key, hash, &who))
        return false; /* a key we know: its own budget applies (rate_limit) */
    long retry = 1;
    if (!presign_addr_limit_take(st->anon, addr_key, presign_hot_now_ms(), &retry)) {
        media_metric_add(st->anon_limited, 1);
        snprintf(res->route, sizeof(res->route), "gate");
        snprintf(res->retry_after, sizeof(res->retry_after), "%ld", retry);
        presign_problem(res, 429, "rate-limited", "Too many requests",
                        "too many requests without a valid API key from this address; see "
                        "Retry-After",
                        req->request_id);
        return true;
    }
    uint8_t mark;
    if (kind != CRED_NONE &&
        presign_hot_get(st->bad_keys, hash, sizeof(hash), presign_hot_now_ms(), &mark)) {
        media_metric_add(st->bad_key_refused, 1);
        snprintf(res->route, sizeof(res->route), "gate");
        presign_problem(res, 401, "unauthorized", "Authentication required",
                        "unknown or revoked API key", req->request_id);
        return true;
    }
    return false;
}
