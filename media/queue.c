/*
 * queue.c - the ingest queue on Redis Streams (see queue.h), over media/redis.h.
 */
#include "queue.h"
#include "mem.h"
#include "redis.h"
#include "uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GROUP "workers"

struct media_queue {
    media_redis *r;
    char k_jobs[96], k_delayed[96], k_dlq[96];
    /* Round trips a take need not repeat (issue 14): the group is created once per handle
     * (again after any failed take: Redis may have lost it), and pending entries are
     * reclaimed at most once a second while none is found (their idle time is counted in
     * tens of seconds). */
    bool group_ok;
    int64_t next_autoclaim_ms;
};

#define AUTOCLAIM_EVERY_MS 1000

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

media_code media_queue_url_check(const char *url, media_error *err)
{
    return media_redis_url_check(url, err);
}

media_queue *media_queue_connect(const media_queue_options *o, media_error *err)
{
    media_redis *r = media_redis_connect(o->url, o->timeout_ms, err);
    if (r == NULL)
        return NULL;
    media_queue *q = media_calloc(1, sizeof(*q));
    q->r = r;
    const char *prefix = o->prefix && o->prefix[0] ? o->prefix : "mediagate";
    snprintf(q->k_jobs, sizeof(q->k_jobs), "%.80s:jobs", prefix);
    snprintf(q->k_delayed, sizeof(q->k_delayed), "%.80s:delayed", prefix);
    snprintf(q->k_dlq, sizeof(q->k_dlq), "%.80s:dlq", prefix);
    return q;
}

void media_queue_close(media_queue *q)
{
    if (q == NULL)
        return;
    media_redis_close(q->r);
    free(q);
}

media_redis *media_queue_redis(media_queue *q)
{
    return q->r;
}

#define RUN(q, out, err, ...) MEDIA_REDIS_RUN((q)->r, out, err, __VA_ARGS__)
typedef media_redis_reply reply;

static void field_copy(char *dst, size_t cap, const reply *v)
{
    size_t n;
    const char *s = media_redis_str(v, &n);
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, s, n);
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
static bool parse_entry(const reply *e, media_job *job)
{
    memset(job, 0, sizeof(*job));
    if (media_redis_count(e) != 2 ||
        media_redis_type_of(media_redis_at(e, 0)) != MEDIA_REDIS_STRING)
        return false;
    field_copy(job->msg_id, sizeof(job->msg_id), media_redis_at(e, 0));
    const reply *f = media_redis_at(e, 1);
    if (media_redis_type_of(f) != MEDIA_REDIS_ARRAY)
        return false;
    size_t n = 0, cap = media_redis_count(f) / 2;
    const char **names = media_calloc(cap ? cap : 1, sizeof(char *));
    const char **values = media_calloc(cap ? cap : 1, sizeof(char *));
    size_t *nl = media_calloc(cap ? cap : 1, sizeof(size_t));
    size_t *vl = media_calloc(cap ? cap : 1, sizeof(size_t));
    for (size_t i = 0; i + 1 < media_redis_count(f); i += 2) {
        names[n] = media_redis_str(media_redis_at(f, i), &nl[n]);
        values[n] = media_redis_str(media_redis_at(f, i + 1), &vl[n]);
        if (names[n] && values[n])
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
    if (q->group_ok)
        return MEDIA_OK;
    reply *r;
    media_error e;
    media_code rc = RUN(q, &r, &e, "XGROUP", "CREATE", q->k_jobs, GROUP, "0", "MKSTREAM");
    if (rc == MEDIA_OK) {
        media_redis_reply_free(r);
        q->group_ok = true;
        return MEDIA_OK;
    }
    if (rc == MEDIA_ERR_PROTOCOL && strstr(e.message, "BUSYGROUP")) {
        q->group_ok = true;
        return MEDIA_OK;
    }
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
    reply *r;
    media_code rc = RUN(q, &r, err, "EVAL", ADD_ONCE_SCRIPT, "2", q->k_jobs, marker, ONCE_TTL_S,
                        "media_id", job->media_id, "tenant", job->tenant, "url", job->source_url,
                        "attempt", attempt, "request_id", job->request_id);
    if (rc == MEDIA_OK)
        media_redis_reply_free(r);
    return rc;
}

static long deliveries_of(media_queue *q, const char *id)
{
    reply *r;
    media_error e;
    long n = 1;
    if (RUN(q, &r, &e, "XPENDING", q->k_jobs, GROUP, id, id, "1") != MEDIA_OK)
        return n;
    const reply *p = media_redis_at(r, 0);
    if (media_redis_count(r) == 1 && media_redis_count(p) == 4)
        n = (long)media_redis_integer(media_redis_at(p, 3));
    media_redis_reply_free(r);
    return n;
}

static media_code take(media_queue *q, const char *consumer, long reclaim_idle_ms, long block_ms,
                       media_job *job, bool *got, media_error *err)
{
    reply *r;
    media_code rc;
    int64_t now = mono_ms();
    if (now >= q->next_autoclaim_ms) {
        /* a job whose worker went quiet for the visibility timeout is ours now */
        char idle[24];
        snprintf(idle, sizeof(idle), "%ld", reclaim_idle_ms);
        rc = RUN(q, &r, err, "XAUTOCLAIM", q->k_jobs, GROUP, consumer, idle, "0-0", "COUNT", "1");
        if (rc != MEDIA_OK)
            return rc;
        const reply *claimed = media_redis_at(r, 1);
        if (media_redis_count(r) >= 2 && media_redis_count(claimed) > 0 &&
            parse_entry(media_redis_at(claimed, 0), job)) {
            media_redis_reply_free(r);
            job->deliveries = deliveries_of(q, job->msg_id);
            *got = true;
            return MEDIA_OK; /* there may be more: look again next time */
        }
        media_redis_reply_free(r);
        q->next_autoclaim_ms = now + AUTOCLAIM_EVERY_MS;
    }

    char block[24];
    snprintf(block, sizeof(block), "%ld", block_ms);
    rc = media_redis_run_blocking(q->r, block_ms,
                                  (const char *const[]){"XREADGROUP", "GROUP", GROUP, consumer,
                                                        "COUNT", "1", "BLOCK", block, "STREAMS",
                                                        q->k_jobs, ">", NULL},
                                  &r, err);
    if (rc != MEDIA_OK)
        return rc;
    const reply *stream = media_redis_at(r, 0), *entries = media_redis_at(stream, 1);
    if (media_redis_count(r) == 1 && media_redis_count(stream) == 2 &&
        media_redis_count(entries) > 0)
        *got = parse_entry(media_redis_at(entries, 0), job);
    media_redis_reply_free(r);
    return MEDIA_OK;
}

media_code media_queue_take(media_queue *q, const char *consumer, long reclaim_idle_ms,
                            long block_ms, media_job *job, bool *got, media_error *err)
{
    *got = false;
    media_code rc = take(q, consumer, reclaim_idle_ms, block_ms, job, got, err);
    if (rc != MEDIA_OK) /* the group may be gone (NOGROUP after a Redis restart): check again */
        q->group_ok = false;
    return rc;
}

/* The millisecond part of a stream id "<ms>-<seq>", and its sequence; false when not an id. */
static bool stream_id(const reply *v, int64_t *ms, int64_t *seq)
{
    size_t n;
    const char *s = media_redis_str(v, &n);
    char buf[48];
    if (s == NULL || n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    long long a, b;
    char tail;
    if (sscanf(buf, "%lld-%lld%c", &a, &b, &tail) != 2 || a < 0 || b < 0)
        return false;
    *ms = a;
    *seq = b;
    return true;
}

/* The value after the field named name in a flat field/value array (XINFO's replies). */
static const reply *field_of(const reply *r, const char *name)
{
    size_t want = strlen(name);
    for (size_t i = 0; i + 1 < media_redis_count(r); i += 2) {
        size_t n;
        const char *s = media_redis_str(media_redis_at(r, i), &n);
        if (s && n == want && memcmp(s, name, n) == 0)
            return media_redis_at(r, i + 1);
    }
    return NULL;
}

media_code media_queue_delivered(media_queue *q, int64_t *delivered_ms, bool *drained,
                                 media_error *err)
{
    *delivered_ms = 0;
    *drained = false;
    reply *r;
    media_error e;
    media_code rc = RUN(q, &r, &e, "XINFO", "STREAM", q->k_jobs);
    if (rc == MEDIA_ERR_PROTOCOL && strstr(e.message, "no such key")) {
        *drained = true; /* no stream: nothing waits in it */
        return MEDIA_OK;
    }
    if (rc != MEDIA_OK) {
        if (err)
            *err = e;
        return rc;
    }
    int64_t gen_ms = 0, gen_seq = 0, del_ms = 0, del_seq = 0;
    bool ok = stream_id(field_of(r, "last-generated-id"), &gen_ms, &gen_seq);
    media_redis_reply_free(r);
    if (!ok)
        return media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                               "XINFO STREAM gave no last-generated-id");
    rc = RUN(q, &r, err, "XINFO", "GROUPS", q->k_jobs);
    if (rc != MEDIA_OK)
        return rc;
    for (size_t i = 0; i < media_redis_count(r); i++) { /* no group yet: nothing delivered */
        const reply *g = media_redis_at(r, i);
        size_t n;
        const char *name = media_redis_str(field_of(g, "name"), &n);
        if (name && n == strlen(GROUP) && memcmp(name, GROUP, n) == 0)
            stream_id(field_of(g, "last-delivered-id"), &del_ms, &del_seq);
    }
    media_redis_reply_free(r);
    *delivered_ms = del_ms;
    *drained = del_ms > gen_ms || (del_ms == gen_ms && del_seq >= gen_seq);
    return MEDIA_OK;
}

media_code media_queue_touch(media_queue *q, const char *consumer, const char *msg_id,
                             media_error *err)
{
    reply *r;
    media_code rc = RUN(q, &r, err, "XCLAIM", q->k_jobs, GROUP, consumer, "0", msg_id, "JUSTID");
    if (rc == MEDIA_OK)
        media_redis_reply_free(r);
    return rc;
}

static const char *ACK_SCRIPT = "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) "
                                "local n = redis.call('XDEL', KEYS[1], ARGV[2]) "
                                "if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4]) end "
                                "return n";

media_code media_queue_ack(media_queue *q, const char *msg_id, media_error *err)
{
    return media_queue_ack_publish(q, msg_id, NULL, NULL, err);
}

media_code media_queue_ack_publish(media_queue *q, const char *msg_id, const char *channel,
                                   const char *message, media_error *err)
{
    reply *r;
    media_code rc = RUN(q, &r, err, "EVAL", ACK_SCRIPT, "1", q->k_jobs, GROUP, msg_id,
                        channel ? channel : "", channel && message ? message : "");
    if (rc == MEDIA_OK)
        media_redis_reply_free(r);
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
    reply *r;
    media_code rc = RUN(q, &r, err, "EVAL", RETRY_SCRIPT, "2", q->k_jobs, q->k_delayed,
                        msg_id ? msg_id : "", due, member, GROUP);
    if (rc == MEDIA_OK)
        media_redis_reply_free(r);
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
    reply *r;
    media_code rc = RUN(q, &r, err, "EVAL", PROMOTE_SCRIPT, "2", q->k_delayed, q->k_jobs, now, lim);
    if (rc == MEDIA_OK) {
        *moved = (long)media_redis_integer(r);
        media_redis_reply_free(r);
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
    reply *r;
    media_code rc =
        RUN(q, &r, err, "EVAL", DLQ_SCRIPT, "3", q->k_jobs, q->k_dlq, marker, msg_id ? msg_id : "",
            GROUP, minid, dl->job.media_id, dl->job.tenant, dl->job.source_url, attempt,
            dl->job.request_id, dl->error_class, dl->error, status, dl->worker, at);
    if (rc == MEDIA_OK)
        media_redis_reply_free(r);
    return rc;
}

static void parse_dead(const reply *e, media_dead_letter *d)
{
    memset(d, 0, sizeof(*d));
    parse_entry(e, &d->job);
    field_copy(d->id, sizeof(d->id), media_redis_at(e, 0));
    d->job.msg_id[0] = '\0';
    const reply *f = media_redis_at(e, 1);
    for (size_t i = 0; i + 1 < media_redis_count(f); i += 2) {
        size_t kl;
        const char *k = media_redis_str(media_redis_at(f, i), &kl);
        const reply *v = media_redis_at(f, i + 1);
        char num[24];
        if (k == NULL)
            continue;
        if (named(k, kl, "error_class"))
            field_copy(d->error_class, sizeof(d->error_class), v);
        else if (named(k, kl, "error"))
            field_copy(d->error, sizeof(d->error), v);
        else if (named(k, kl, "worker"))
            field_copy(d->worker, sizeof(d->worker), v);
        else if (named(k, kl, "http_status"))
            field_copy(num, sizeof(num), v), d->http_status = atoi(num);
        else if (named(k, kl, "failed_at"))
            field_copy(num, sizeof(num), v), d->failed_at_ms = strtoll(num, NULL, 10);
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
    reply *r;
    media_code rc = RUN(q, &r, err, "XRANGE", q->k_dlq, start, "+", "COUNT", cnt);
    if (rc != MEDIA_OK)
        return rc;
    size_t got = media_redis_count(r);
    *out = media_calloc(got ? got : 1, sizeof(**out));
    for (size_t i = 0; i < got; i++)
        parse_dead(media_redis_at(r, i), &(*out)[i]);
    *n = got;
    media_redis_reply_free(r);
    return MEDIA_OK;
}

media_code media_queue_dlq_get(media_queue *q, const char *id, media_dead_letter *out,
                               media_error *err)
{
    reply *r;
    media_code rc = RUN(q, &r, err, "XRANGE", q->k_dlq, id, id);
    if (rc != MEDIA_OK)
        return rc;
    if (media_redis_count(r) == 0)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                             "no dead letter with id %.48s", id);
    else
        parse_dead(media_redis_at(r, 0), out);
    media_redis_reply_free(r);
    return rc;
}

media_code media_queue_dlq_delete(media_queue *q, const char *id, media_error *err)
{
    reply *r;
    media_code rc = RUN(q, &r, err, "XDEL", q->k_dlq, id);
    if (rc == MEDIA_OK) {
        if (media_redis_integer(r) == 0)
            rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT,
                                 "no dead letter with id %.48s", id);
        media_redis_reply_free(r);
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
    reply *r;
    media_code rc = RUN(q, &r, err, "XTRIM", q->k_dlq, "MINID", minid);
    if (rc == MEDIA_OK) {
        *removed = (long)media_redis_integer(r);
        media_redis_reply_free(r);
    }
    return rc;
}

static long integer_of(media_queue *q, media_error *err, media_code *rc, const char *const *argv)
{
    reply *r;
    *rc = media_redis_run(q->r, argv, &r, err);
    if (*rc != MEDIA_OK)
        return 0;
    long v = (long)media_redis_integer(r);
    if (media_redis_count(r) > 0)
        v = (long)media_redis_integer(media_redis_at(r, 0)); /* XPENDING summary: count first */
    media_redis_reply_free(r);
    return v;
}

media_code media_queue_stats_get(media_queue *q, media_queue_stats *out, media_error *err)
{
    media_code rc;
    memset(out, 0, sizeof(*out));
    out->stream_length = integer_of(q, err, &rc, (const char *const[]){"XLEN", q->k_jobs, NULL});
    if (rc == MEDIA_OK)
        out->pending =
            integer_of(q, err, &rc, (const char *const[]){"XPENDING", q->k_jobs, GROUP, NULL});
    if (rc == MEDIA_ERR_PROTOCOL) /* no group yet: nothing pending */
        rc = MEDIA_OK;
    if (rc == MEDIA_OK)
        out->delayed = integer_of(q, err, &rc, (const char *const[]){"ZCARD", q->k_delayed, NULL});
    if (rc == MEDIA_OK)
        out->dead = integer_of(q, err, &rc, (const char *const[]){"XLEN", q->k_dlq, NULL});
    return rc;
}

media_code media_queue_ping(media_queue *q, media_error *err)
{
    reply *r;
    media_code rc = RUN(q, &r, err, "PING");
    if (rc == MEDIA_OK)
        media_redis_reply_free(r);
    return rc;
}
