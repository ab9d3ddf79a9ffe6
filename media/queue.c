/*
 * queue.c - the hiredis adapter for the ingest queue (see queue.h).
 *
 * A connection that failed is replaced on the next call (hiredis sync contexts are unusable
 * after an error). Every command's failure becomes a media_error: Redis unreachable is
 * transient, a refused command (WRONGTYPE, NOSCRIPT, ...) permanent.
 */
#include "queue.h"
#include "mem.h"
#include "redact.h"
#include "uuid.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define GROUP "workers"

struct media_queue {
    redisContext *c;
    media_redactor red; /* the URL's password, scrubbed from every message */
    char host[256];
    int port;
    char *password;
    int db;
    long timeout_ms;
    char k_jobs[96], k_delayed[96], k_dlq[96];
};

static media_code parse_url(const char *url, char host[256], int *port, char **password, int *db,
                            media_error *err)
{
    if (url == NULL || url[0] == '\0')
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_REDIS_URL is not set");
    if (strncmp(url, "rediss://", 9) == 0)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_REDIS_URL: rediss:// (TLS) is not supported by this "
                               "build's hiredis 0.14; run a TLS sidecar such as stunnel next to "
                               "each replica and point MEDIAGATE_REDIS_URL at it with redis:// "
                               "on loopback (see docs/queue.md)");
    if (strncmp(url, "redis://", 8) != 0)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_REDIS_URL must start with redis://");
    const char *p = url + 8, *ui, *slash;
    size_t ui_len;
    *password = NULL;
    if (media_url_userinfo(url, &ui, &ui_len)) { /* split at the last '@': '@' may be in it */
        const char *colon = memchr(ui, ':', ui_len);
        const char *pw = colon ? colon + 1 : ui;
        *password = media_strndup(pw, ui_len - (size_t)(pw - ui));
        p = ui + ui_len + 1;
    }
    slash = strchr(p, '/');
    size_t hl = slash ? (size_t)(slash - p) : strlen(p);
    const char *colon = NULL;
    if (p[0] == '[') {
        const char *close = memchr(p, ']', hl);
        if (close == NULL)
            goto bad;
        if ((size_t)(close - p - 1) >= 256)
            goto bad;
        memcpy(host, p + 1, (size_t)(close - p - 1));
        host[close - p - 1] = '\0';
        colon = close + 1 < p + hl && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', hl);
        size_t n = colon ? (size_t)(colon - p) : hl;
        if (n == 0 || n >= 256)
            goto bad;
        memcpy(host, p, n);
        host[n] = '\0';
    }
    *port = 6379;
    if (colon) {
        char *end;
        long v = strtol(colon + 1, &end, 10);
        if (v < 1 || v > 65535 || end != p + hl)
            goto bad;
        *port = (int)v;
    }
    *db = 0;
    if (slash && slash[1]) {
        char *end;
        long v = strtol(slash + 1, &end, 10);
        if (v < 0 || v > 1000 || *end)
            goto bad;
        *db = (int)v;
    }
    return MEDIA_OK;
bad:
    free(*password);
    *password = NULL;
    return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                           "MEDIAGATE_REDIS_URL must be redis://[:password@]host[:port][/db]");
}

media_code media_queue_url_check(const char *url, media_error *err)
{
    char host[256];
    int port, db;
    char *pw = NULL;
    media_code rc = parse_url(url, host, &port, &pw, &db, err);
    free(pw);
    return rc;
}

static struct timeval tv_ms(long ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

static media_code redis_fail(media_queue *q, const char *what, media_error *err)
{
    const char *why = q->c && q->c->err ? q->c->errstr : "not connected";
    media_code rc =
        media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                        "Redis %s:%d unavailable (%s): %s", q->host, q->port, what, why);
    if (err)
        media_redact(&q->red, err->message);
    if (q->c) {
        redisFree(q->c);
        q->c = NULL;
    }
    return rc;
}

static media_code open_conn(media_queue *q, media_error *err)
{
    q->c = redisConnectWithTimeout(q->host, q->port, tv_ms(q->timeout_ms));
    if (q->c == NULL || q->c->err)
        return redis_fail(q, "connect", err);
    redisSetTimeout(q->c, tv_ms(q->timeout_ms));
    redisReply *r;
    if (q->password) {
        r = redisCommand(q->c, "AUTH %s", q->password);
        if (r == NULL)
            return redis_fail(q, "AUTH", err);
        bool bad = r->type == REDIS_REPLY_ERROR;
        freeReplyObject(r);
        if (bad) {
            redisFree(q->c);
            q->c = NULL;
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "Redis refused the password in MEDIAGATE_REDIS_URL");
        }
    }
    if (q->db) {
        r = redisCommand(q->c, "SELECT %d", q->db);
        if (r == NULL)
            return redis_fail(q, "SELECT", err);
        freeReplyObject(r);
    }
    return MEDIA_OK;
}

media_queue *media_queue_connect(const media_queue_options *o, media_error *err)
{
    media_queue *q = media_calloc(1, sizeof(*q));
    if (parse_url(o->url, q->host, &q->port, &q->password, &q->db, err) != MEDIA_OK) {
        free(q);
        return NULL;
    }
    media_redactor_init_url(&q->red, o->url);
    if (q->password)
        media_redactor_add(&q->red, q->password, strlen(q->password));
    q->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 2000;
    const char *prefix = o->prefix && o->prefix[0] ? o->prefix : "mediagate";
    snprintf(q->k_jobs, sizeof(q->k_jobs), "%.80s:jobs", prefix);
    snprintf(q->k_delayed, sizeof(q->k_delayed), "%.80s:delayed", prefix);
    snprintf(q->k_dlq, sizeof(q->k_dlq), "%.80s:dlq", prefix);
    if (open_conn(q, err) != MEDIA_OK) {
        media_queue_close(q);
        return NULL;
    }
    return q;
}

void media_queue_close(media_queue *q)
{
    if (q == NULL)
        return;
    if (q->c)
        redisFree(q->c);
    media_free_secret(q->password);
    media_redactor_cleanup(&q->red);
    free(q);
}

/* Run a command (argv form); on success *out owns the reply. A Redis error reply is
 * returned as a permanent error and freed. */
static media_code run(media_queue *q, int argc, const char **argv, const size_t *lens,
                      redisReply **out, media_error *err)
{
    *out = NULL;
    if (q->c == NULL && open_conn(q, err) != MEDIA_OK)
        return MEDIA_ERR_NETWORK;
    redisReply *r = redisCommandArgv(q->c, argc, argv, lens);
    if (r == NULL && (q->c->err == REDIS_ERR_EOF ||
                      (q->c->err == REDIS_ERR_IO && (errno == EPIPE || errno == ECONNRESET)))) {
        /* the server closed this connection while it was idle (restart): reconnect and send
         * once more; a job added twice is handled like any redelivery (at-least-once) */
        redisFree(q->c);
        q->c = NULL;
        if (open_conn(q, err) != MEDIA_OK)
            return MEDIA_ERR_NETWORK;
        r = redisCommandArgv(q->c, argc, argv, lens);
    }
    if (r == NULL)
        return redis_fail(q, argv[0], err);
    if (r->type == REDIS_REPLY_ERROR) {
        media_code rc = media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_PERMANENT,
                                        "Redis %s: %.300s", argv[0], r->str);
        if (err)
            media_redact(&q->red, err->message);
        freeReplyObject(r);
        return rc;
    }
    *out = r;
    return MEDIA_OK;
}

#define RUN(q, out, err, ...) run_list(q, out, err, (const char *[]){__VA_ARGS__, NULL})

static media_code run_list(media_queue *q, redisReply **out, media_error *err, const char **argv)
{
    int argc = 0;
    size_t lens[32];
    while (argv[argc]) {
        lens[argc] = strlen(argv[argc]);
        argc++;
    }
    return run(q, argc, argv, lens, out, err);
}

static void field_copy(char *dst, size_t cap, const redisReply *v)
{
    size_t n = v && v->type == REDIS_REPLY_STRING ? v->len : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, v->str, n);
    dst[n] = '\0';
}

static void copy_n(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* a field name equals lit */
static bool named(const char *name, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(name, lit, len) == 0;
}

bool media_job_from_fields(size_t n, const char *const *names, const size_t *name_lens,
                           const char *const *values, const size_t *value_lens, media_job *job)
{
    char msg_id[sizeof(job->msg_id)];
    memcpy(msg_id, job->msg_id, sizeof(msg_id));
    memset(job, 0, sizeof(*job));
    memcpy(job->msg_id, msg_id, sizeof(msg_id));
    for (size_t i = 0; i < n; i++) {
        const char *k = names[i], *v = values[i];
        size_t kl = name_lens[i], vl = value_lens[i];
        if (named(k, kl, "media_id"))
            copy_n(job->media_id, sizeof(job->media_id), v, vl);
        else if (named(k, kl, "tenant"))
            copy_n(job->tenant, sizeof(job->tenant), v, vl);
        else if (named(k, kl, "url"))
            copy_n(job->source_url, sizeof(job->source_url), v, vl);
        else if (named(k, kl, "request_id"))
            copy_n(job->request_id, sizeof(job->request_id), v, vl);
        else if (named(k, kl, "attempt")) {
            char num[16];
            copy_n(num, sizeof(num), v, vl);
            long a = strtol(num, NULL, 10);
            job->attempt = a < 0 ? 0 : a > 1000000 ? 1000000 : (int)a;
        }
    }
    job->deliveries = 1;
    return job->media_id[0] != '\0';
}

/* [id, [f1, v1, f2, v2, ...]] -> job */
static bool parse_entry(const redisReply *e, media_job *job)
{
    memset(job, 0, sizeof(*job));
    if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING)
        return false;
    field_copy(job->msg_id, sizeof(job->msg_id), e->element[0]);
    const redisReply *f = e->element[1];
    if (f->type != REDIS_REPLY_ARRAY)
        return false;
    size_t n = 0, cap = f->elements / 2;
    const char **names = media_calloc(cap ? cap : 1, sizeof(char *));
    const char **values = media_calloc(cap ? cap : 1, sizeof(char *));
    size_t *nl = media_calloc(cap ? cap : 1, sizeof(size_t));
    size_t *vl = media_calloc(cap ? cap : 1, sizeof(size_t));
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const redisReply *k = f->element[i], *v = f->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        names[n] = k->str;
        nl[n] = k->len;
        values[n] = v->str;
        vl[n] = v->len;
        n++;
    }
    bool ok = media_job_from_fields(n, names, nl, values, vl, job);
    free(names);
    free(values);
    free(nl);
    free(vl);
    return ok;
}

media_code media_queue_ensure_group(media_queue *q, media_error *err)
{
    redisReply *r;
    media_error e;
    media_code rc = RUN(q, &r, &e, "XGROUP", "CREATE", q->k_jobs, GROUP, "0", "MKSTREAM");
    if (rc == MEDIA_OK) {
        freeReplyObject(r);
        return MEDIA_OK;
    }
    if (rc == MEDIA_ERR_PROTOCOL && strstr(e.message, "BUSYGROUP"))
        return MEDIA_OK;
    if (err)
        *err = e;
    return rc;
}

/*
 * Adds are made idempotent: run() sends a command a second time when the connection died
 * before its reply came, and an XADD that had already run would then add its entry twice. Each
 * add carries a fresh token; the script adds only when the token's marker is not set, and
 * sets it (for ONCE_TTL_S, far longer than the resend takes) in the same step.
 */
#define ONCE_TTL_S "60"

static const char *ADD_ONCE_SCRIPT =
    "local seen = redis.call('GET', KEYS[2]) if seen then return seen end "
    "local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2)) "
    "redis.call('SET', KEYS[2], id, 'EX', ARGV[1]) return id";

/* A fresh marker key "<prefix>:once:<32 hex>" for one logical add. */
static void once_key(const media_queue *q, char out[160])
{
    uint8_t r[16];
    char hex[33];
    media_random_bytes(r, sizeof(r));
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", r[i]);
    snprintf(out, 160, "%.*s:once:%s", (int)(strlen(q->k_jobs) - 5), q->k_jobs, hex);
}

media_code media_queue_add(media_queue *q, const media_job *job, media_error *err)
{
    char attempt[16], marker[160];
    snprintf(attempt, sizeof(attempt), "%d", job->attempt);
    once_key(q, marker);
    redisReply *r;
    media_code rc = RUN(q, &r, err, "EVAL", ADD_ONCE_SCRIPT, "2", q->k_jobs, marker, ONCE_TTL_S,
                        "media_id", job->media_id, "tenant", job->tenant, "url", job->source_url,
                        "attempt", attempt, "request_id", job->request_id);
    if (rc == MEDIA_OK)
        freeReplyObject(r);
    return rc;
}

static long deliveries_of(media_queue *q, const char *id)
{
    redisReply *r;
    media_error e;
    long n = 1;
    if (RUN(q, &r, &e, "XPENDING", q->k_jobs, GROUP, id, id, "1") != MEDIA_OK)
        return n;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 4)
        n = (long)r->element[0]->element[3]->integer;
    freeReplyObject(r);
    return n;
}

media_code media_queue_take(media_queue *q, const char *consumer, long reclaim_idle_ms,
                            long block_ms, media_job *job, bool *got, media_error *err)
{
    *got = false;
    char idle[24], block[24];
    snprintf(idle, sizeof(idle), "%ld", reclaim_idle_ms);
    redisReply *r;
    /* a job whose worker went quiet for the visibility timeout is ours now */
    media_code rc =
        RUN(q, &r, err, "XAUTOCLAIM", q->k_jobs, GROUP, consumer, idle, "0-0", "COUNT", "1");
    if (rc != MEDIA_OK)
        return rc;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
        r->element[1]->type == REDIS_REPLY_ARRAY && r->element[1]->elements > 0 &&
        parse_entry(r->element[1]->element[0], job)) {
        freeReplyObject(r);
        job->deliveries = deliveries_of(q, job->msg_id);
        *got = true;
        return MEDIA_OK;
    }
    freeReplyObject(r);

    snprintf(block, sizeof(block), "%ld", block_ms);
    redisSetTimeout(q->c, tv_ms(block_ms + q->timeout_ms)); /* the BLOCK is not a hang */
    rc = RUN(q, &r, err, "XREADGROUP", "GROUP", GROUP, consumer, "COUNT", "1", "BLOCK", block,
             "STREAMS", q->k_jobs, ">");
    if (q->c)
        redisSetTimeout(q->c, tv_ms(q->timeout_ms));
    if (rc != MEDIA_OK)
        return rc;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 2 &&
        r->element[0]->element[1]->elements > 0)
        *got = parse_entry(r->element[0]->element[1]->element[0], job);
    freeReplyObject(r);
    return MEDIA_OK;
}

media_code media_queue_touch(media_queue *q, const char *consumer, const char *msg_id,
                             media_error *err)
{
    redisReply *r;
    media_code rc = RUN(q, &r, err, "XCLAIM", q->k_jobs, GROUP, consumer, "0", msg_id, "JUSTID");
    if (rc == MEDIA_OK)
        freeReplyObject(r);
    return rc;
}

static const char *ACK_SCRIPT = "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) "
                                "return redis.call('XDEL', KEYS[1], ARGV[2])";

media_code media_queue_ack(media_queue *q, const char *msg_id, media_error *err)
{
    redisReply *r;
    media_code rc = RUN(q, &r, err, "EVAL", ACK_SCRIPT, "1", q->k_jobs, GROUP, msg_id);
    if (rc == MEDIA_OK)
        freeReplyObject(r);
    return rc;
}

/* A delayed job is stored as "media_id\ntenant\nattempt\nrequest_id\nurl". */
static void encode_delayed(const media_job *job, char *out, size_t cap)
{
    snprintf(out, cap, "%s\n%s\n%d\n%s\n%s", job->media_id, job->tenant, job->attempt,
             job->request_id, job->source_url);
}

static const char *RETRY_SCRIPT =
    "if ARGV[1] ~= '' then redis.call('XACK', KEYS[1], ARGV[4], ARGV[1]) "
    "redis.call('XDEL', KEYS[1], ARGV[1]) end "
    "return redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])";

media_code media_queue_retry_later(media_queue *q, const char *msg_id, const media_job *job,
                                   int64_t due_ms, media_error *err)
{
    char due[24], *member = media_malloc(8400);
    snprintf(due, sizeof(due), "%lld", (long long)due_ms);
    encode_delayed(job, member, 8400);
    redisReply *r;
    media_code rc = RUN(q, &r, err, "EVAL", RETRY_SCRIPT, "2", q->k_jobs, q->k_delayed,
                        msg_id ? msg_id : "", due, member, GROUP);
    if (rc == MEDIA_OK)
        freeReplyObject(r);
    free(member);
    return rc;
}

static const char *PROMOTE_SCRIPT =
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2]) "
    "for _, m in ipairs(due) do "
    "  local f = {} local s = 1 "
    "  for i = 1, 4 do local e = string.find(m, '\\n', s, true) "
    "    if not e then break end f[i] = string.sub(m, s, e - 1) s = e + 1 end "
    "  f[5] = string.sub(m, s) "
    "  if f[4] then redis.call('XADD', KEYS[2], '*', 'media_id', f[1], 'tenant', f[2], "
    "    'url', f[5], 'attempt', f[3], 'request_id', f[4]) end "
    "  redis.call('ZREM', KEYS[1], m) "
    "end "
    "return #due";

media_code media_queue_promote_due(media_queue *q, int64_t now_ms, int limit, long *moved,
                                   media_error *err)
{
    char now[24], lim[16];
    snprintf(now, sizeof(now), "%lld", (long long)now_ms);
    snprintf(lim, sizeof(lim), "%d", limit);
    redisReply *r;
    media_code rc = RUN(q, &r, err, "EVAL", PROMOTE_SCRIPT, "2", q->k_delayed, q->k_jobs, now, lim);
    if (rc == MEDIA_OK) {
        *moved = r->type == REDIS_REPLY_INTEGER ? (long)r->integer : 0;
        freeReplyObject(r);
    }
    return rc;
}

/* The dead letter is added once, like a job (ADD_ONCE_SCRIPT): KEYS[3] is its marker. */
static const char *DLQ_SCRIPT =
    "if ARGV[1] ~= '' then redis.call('XACK', KEYS[1], ARGV[2], ARGV[1]) "
    "redis.call('XDEL', KEYS[1], ARGV[1]) end "
    "local seen = redis.call('GET', KEYS[3]) if seen then return seen end "
    "local id = redis.call('XADD', KEYS[2], 'MINID', ARGV[3], '*', "
    "'media_id', ARGV[4], 'tenant', ARGV[5], 'url', ARGV[6], 'attempt', ARGV[7], "
    "'request_id', ARGV[8], 'error_class', ARGV[9], 'error', ARGV[10], "
    "'http_status', ARGV[11], 'worker', ARGV[12], 'failed_at', ARGV[13]) "
    "redis.call('SET', KEYS[3], id, 'EX', " ONCE_TTL_S ") return id";

media_code media_queue_dead_letter(media_queue *q, const char *msg_id, const media_dead_letter *dl,
                                   int64_t now_ms, int64_t retention_ms, media_error *err)
{
    char minid[32], attempt[16], status[16], at[24], marker[160];
    once_key(q, marker);
    snprintf(minid, sizeof(minid), "%lld-0",
             (long long)(now_ms > retention_ms ? now_ms - retention_ms : 0));
    snprintf(attempt, sizeof(attempt), "%d", dl->job.attempt);
    snprintf(status, sizeof(status), "%d", dl->http_status);
    snprintf(at, sizeof(at), "%lld", (long long)dl->failed_at_ms);
    redisReply *r;
    media_code rc =
        RUN(q, &r, err, "EVAL", DLQ_SCRIPT, "3", q->k_jobs, q->k_dlq, marker, msg_id ? msg_id : "",
            GROUP, minid, dl->job.media_id, dl->job.tenant, dl->job.source_url, attempt,
            dl->job.request_id, dl->error_class, dl->error, status, dl->worker, at);
    if (rc == MEDIA_OK)
        freeReplyObject(r);
    return rc;
}

static void parse_dead(const redisReply *e, media_dead_letter *d)
{
    memset(d, 0, sizeof(*d));
    parse_entry(e, &d->job);
    field_copy(d->id, sizeof(d->id), e->element[0]);
    d->job.msg_id[0] = '\0';
    const redisReply *f = e->element[1];
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const char *k = f->element[i]->str;
        const redisReply *v = f->element[i + 1];
        if (strcmp(k, "error_class") == 0)
            field_copy(d->error_class, sizeof(d->error_class), v);
        else if (strcmp(k, "error") == 0)
            field_copy(d->error, sizeof(d->error), v);
        else if (strcmp(k, "worker") == 0)
            field_copy(d->worker, sizeof(d->worker), v);
        else if (strcmp(k, "http_status") == 0 && v->type == REDIS_REPLY_STRING)
            d->http_status = atoi(v->str);
        else if (strcmp(k, "failed_at") == 0 && v->type == REDIS_REPLY_STRING)
            d->failed_at_ms = strtoll(v->str, NULL, 10);
    }
}

media_code media_queue_dlq_list(media_queue *q, const char *after, int count,
                                media_dead_letter **out, size_t *n, media_error *err)
{
    *out = NULL;
    *n = 0;
    char start[64], cnt[16];
    if (after && after[0])
        snprintf(start, sizeof(start), "(%.48s", after);
    else
        snprintf(start, sizeof(start), "-");
    snprintf(cnt, sizeof(cnt), "%d", count);
    redisReply *r;
    media_code rc = RUN(q, &r, err, "XRANGE", q->k_dlq, start, "+", "COUNT", cnt);
    if (rc != MEDIA_OK)
        return rc;
    *out = media_calloc(r->elements ? r->elements : 1, sizeof(**out));
    for (size_t i = 0; i < r->elements; i++)
        parse_dead(r->element[i], &(*out)[i]);
    *n = r->elements;
    freeReplyObject(r);
    return MEDIA_OK;
}

media_code media_queue_dlq_get(media_queue *q, const char *id, media_dead_letter *out,
                               media_error *err)
{
    redisReply *r;
    media_code rc = RUN(q, &r, err, "XRANGE", q->k_dlq, id, id);
    if (rc != MEDIA_OK)
        return rc;
    if (r->elements == 0)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                             "no dead letter with id %.48s", id);
    else
        parse_dead(r->element[0], out);
    freeReplyObject(r);
    return rc;
}

media_code media_queue_dlq_delete(media_queue *q, const char *id, media_error *err)
{
    redisReply *r;
    media_code rc = RUN(q, &r, err, "XDEL", q->k_dlq, id);
    if (rc == MEDIA_OK) {
        if (r->integer == 0)
            rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                                 "no dead letter with id %.48s", id);
        freeReplyObject(r);
    }
    return rc;
}

media_code media_queue_dlq_purge(media_queue *q, int64_t now_ms, int64_t older_than_ms,
                                 long *removed, media_error *err)
{
    char minid[32];
    snprintf(minid, sizeof(minid), "%lld-0",
             (long long)(older_than_ms > 0 && now_ms > older_than_ms ? now_ms - older_than_ms
                                                                     : now_ms + 1));
    redisReply *r;
    media_code rc = RUN(q, &r, err, "XTRIM", q->k_dlq, "MINID", minid);
    if (rc == MEDIA_OK) {
        *removed = (long)r->integer;
        freeReplyObject(r);
    }
    return rc;
}

static long integer_of(media_queue *q, media_error *err, media_code *rc, const char **argv)
{
    redisReply *r;
    *rc = run_list(q, &r, err, argv);
    if (*rc != MEDIA_OK)
        return 0;
    long v = r->type == REDIS_REPLY_INTEGER ? (long)r->integer : 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
        r->element[0]->type == REDIS_REPLY_INTEGER)
        v = (long)r->element[0]->integer; /* XPENDING summary: count first */
    freeReplyObject(r);
    return v;
}

media_code media_queue_stats_get(media_queue *q, media_queue_stats *out, media_error *err)
{
    media_code rc;
    memset(out, 0, sizeof(*out));
    out->stream_length = integer_of(q, err, &rc, (const char *[]){"XLEN", q->k_jobs, NULL});
    if (rc == MEDIA_OK)
        out->pending =
            integer_of(q, err, &rc, (const char *[]){"XPENDING", q->k_jobs, GROUP, NULL});
    if (rc == MEDIA_ERR_PROTOCOL) /* no group yet: nothing pending */
        rc = MEDIA_OK;
    if (rc == MEDIA_OK)
        out->delayed = integer_of(q, err, &rc, (const char *[]){"ZCARD", q->k_delayed, NULL});
    if (rc == MEDIA_OK)
        out->dead = integer_of(q, err, &rc, (const char *[]){"XLEN", q->k_dlq, NULL});
    return rc;
}

static const char *BUCKET_SCRIPT =
    "local cap = tonumber(ARGV[1]) local rate = tonumber(ARGV[2]) / 1000 "
    "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "
    "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts') "
    "local tokens = tonumber(b[1]) local ts = tonumber(b[2]) "
    "if tokens == nil then tokens = cap ts = now end "
    "tokens = math.min(cap, tokens + math.max(0, now - ts) * rate) "
    "local want = math.max(1, tonumber(ARGV[3])) "
    "local allowed = math.min(want, math.floor(tokens)) tokens = tokens - allowed "
    "redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now) "
    "local full = math.ceil((cap - tokens) / rate) "
    "redis.call('PEXPIRE', KEYS[1], full + 1000) "
    "local wait = 0 if allowed < 1 then wait = math.ceil((1 - tokens) / rate) end "
    "return {allowed, math.floor(tokens), full, wait}";

media_code media_queue_rate_limit(media_queue *q, const char *bucket, long capacity,
                                  double per_second, long want, long *granted, long *remaining,
                                  long *reset_s, long *retry_after_s, media_error *err)
{
    char key[256], cap[24], rate[32], n[24];
    snprintf(key, sizeof(key), "%.80s:rl:%.160s", q->k_jobs, bucket);
    snprintf(cap, sizeof(cap), "%ld", capacity);
    snprintf(rate, sizeof(rate), "%.6f", per_second);
    snprintf(n, sizeof(n), "%ld", want > 0 ? want : 1);
    redisReply *r;
    media_code rc = RUN(q, &r, err, "EVAL", BUCKET_SCRIPT, "1", key, cap, rate, n);
    if (rc != MEDIA_OK)
        return rc;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
        freeReplyObject(r);
        return media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                               "unexpected rate-limit reply");
    }
    *granted = (long)r->element[0]->integer;
    *remaining = (long)r->element[1]->integer;
    *reset_s = (long)((r->element[2]->integer + 999) / 1000);
    *retry_after_s = (long)((r->element[3]->integer + 999) / 1000);
    freeReplyObject(r);
    return MEDIA_OK;
}

media_code media_queue_ping(media_queue *q, media_error *err)
{
    redisReply *r;
    media_code rc = RUN(q, &r, err, "PING");
    if (rc == MEDIA_OK)
        freeReplyObject(r);
    return rc;
}
