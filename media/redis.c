/*
 * redis.c - the hiredis adapter (see redis.h).
 */
#include "redis.h"
#include "timing.h"
#include "mem.h"
#include "redact.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>

#define MAX_SENTINELS 8

typedef struct endpoint {
    char host[256];
    int port;
} endpoint;

struct media_redis {
    redisContext *c;
    media_redactor red; /* the URL's password, scrubbed from every message */
    endpoint node;      /* the server: the URL's, or the master the sentinels name */
    endpoint sentinels[MAX_SENTINELS];
    size_t n_sentinels;   /* 0: a plain redis:// URL */
    size_t next_sentinel; /* the one that answered last is asked first */
    char master[128];
    char *password;
    int db;
    long timeout_ms;
};

/* host[:port] or [v6][:port], exactly len bytes. */
static bool parse_endpoint(const char *p, size_t len, int default_port, endpoint *e)
{
    const char *colon = NULL;
    if (len > 0 && p[0] == '[') {
        const char *close = memchr(p, ']', len);
        if (close == NULL || close == p + 1 || (size_t)(close - p - 1) >= sizeof(e->host))
            return false;
        memcpy(e->host, p + 1, (size_t)(close - p - 1));
        e->host[close - p - 1] = '\0';
        if (close + 1 < p + len) {
            if (close[1] != ':')
                return false;
            colon = close + 1;
        }
    } else {
        colon = memchr(p, ':', len);
        size_t n = colon ? (size_t)(colon - p) : len;
        if (n == 0 || n >= sizeof(e->host))
            return false;
        memcpy(e->host, p, n);
        e->host[n] = '\0';
    }
    e->port = default_port;
    if (colon) {
        char *end;
        long v = strtol(colon + 1, &end, 10);
        if (colon + 1 == p + len || v < 1 || v > 65535 || end != p + len)
            return false;
        e->port = (int)v;
    }
    return true;
}

static bool parse_db(const char *s, int *db)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (s[0] == '\0' || v < 0 || v > 1000 || *end)
        return false;
    *db = (int)v;
    return true;
}

/* The sentinel form's rest: "h:p[,h:p...]/master[/db]" (p points after the userinfo). */
static bool parse_sentinels(const char *p, media_redis *q)
{
    const char *slash = strchr(p, '/');
    if (slash == NULL)
        return false;
    for (const char *a = p; a < slash;) {
        const char *comma = memchr(a, ',', (size_t)(slash - a));
        const char *b = comma ? comma : slash;
        if (q->n_sentinels == MAX_SENTINELS ||
            !parse_endpoint(a, (size_t)(b - a), 26379, &q->sentinels[q->n_sentinels]))
            return false;
        q->n_sentinels++;
        a = comma ? comma + 1 : slash;
    }
    const char *name = slash + 1, *dbs = strchr(name, '/');
    size_t nl = dbs ? (size_t)(dbs - name) : strlen(name);
    if (q->n_sentinels == 0 || nl == 0 || nl >= sizeof(q->master))
        return false;
    for (size_t i = 0; i < nl; i++)
        if (name[i] <= ' ' || name[i] >= 0x7f)
            return false;
    memcpy(q->master, name, nl);
    q->master[nl] = '\0';
    return dbs == NULL || dbs[1] == '\0' || parse_db(dbs + 1, &q->db);
}

#define SENTINEL_SCHEME "redis-sentinel://"

static media_code parse_url(const char *url, media_redis *q, media_error *err)
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
    bool sentinel = strncmp(url, SENTINEL_SCHEME, strlen(SENTINEL_SCHEME)) == 0;
    if (!sentinel && strncmp(url, "redis://", 8) != 0)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_REDIS_URL must start with redis:// (or "
                               "redis-sentinel://)");
    const char *p = url + (sentinel ? strlen(SENTINEL_SCHEME) : 8), *ui;
    size_t ui_len;
    q->password = NULL;
    q->db = 0;
    if (media_url_userinfo(url, &ui, &ui_len)) { /* split at the last '@': '@' may be in it */
        const char *colon = memchr(ui, ':', ui_len);
        const char *pw = colon ? colon + 1 : ui;
        q->password = media_strndup(pw, ui_len - (size_t)(pw - ui));
        p = ui + ui_len + 1;
    }
    bool ok;
    if (sentinel) {
        ok = parse_sentinels(p, q);
    } else {
        const char *slash = strchr(p, '/');
        size_t hl = slash ? (size_t)(slash - p) : strlen(p);
        ok = parse_endpoint(p, hl, 6379, &q->node) &&
             (slash == NULL || slash[1] == '\0' || parse_db(slash + 1, &q->db));
    }
    if (ok)
        return MEDIA_OK;
    media_free_secret(q->password);
    q->password = NULL;
    return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                           sentinel ? "MEDIAGATE_REDIS_URL must be redis-sentinel://[:password@]"
                                      "host[:port][,host[:port]...]/master-name[/db] (at most 8 "
                                      "sentinels)"
                                    : "MEDIAGATE_REDIS_URL must be "
                                      "redis://[:password@]host[:port][/db]");
}

media_code media_redis_url_check(const char *url, media_error *err)
{
    media_redis q;
    memset(&q, 0, sizeof(q));
    media_code rc = parse_url(url, &q, err);
    media_free_secret(q.password);
    return rc;
}

static _Atomic unsigned long long g_commands; /* media_redis_commands_total */

unsigned long long media_redis_commands_total(void)
{
    return atomic_load(&g_commands);
}

static struct timeval tv_ms(long ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

static media_code redis_fail(media_redis *q, const char *what, media_error *err)
{
    const char *why = q->c && q->c->err ? q->c->errstr : "not connected";
    media_code rc =
        media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                        "Redis %s:%d unavailable (%s): %s", q->node.host, q->node.port, what, why);
    if (err)
        media_redact(&q->red, err->message);
    if (q->c) {
        redisFree(q->c);
        q->c = NULL;
    }
    return rc;
}

/* Sentinel mode: ask the sentinels, the last one that answered first, where the master is
 * now (q->node). Sentinels are asked without a password. */
static media_code discover(media_redis *q, media_error *err)
{
    for (size_t i = 0; i < q->n_sentinels; i++) {
        size_t k = (q->next_sentinel + i) % q->n_sentinels;
        const endpoint *s = &q->sentinels[k];
        redisContext *c = redisConnectWithTimeout(s->host, s->port, tv_ms(q->timeout_ms));
        if (c == NULL || c->err) {
            if (c)
                redisFree(c);
            continue;
        }
        redisSetTimeout(c, tv_ms(q->timeout_ms));
        atomic_fetch_add(&g_commands, 1);
        redisReply *r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", q->master);
        bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                  r->element[0]->type == REDIS_REPLY_STRING &&
                  r->element[1]->type == REDIS_REPLY_STRING &&
                  strlen(r->element[0]->str) < sizeof(q->node.host) && atoi(r->element[1]->str) > 0;
        if (ok) {
            snprintf(q->node.host, sizeof(q->node.host), "%s", r->element[0]->str);
            q->node.port = atoi(r->element[1]->str);
            q->next_sentinel = k;
        }
        if (r)
            freeReplyObject(r);
        redisFree(c);
        if (ok)
            return MEDIA_OK;
    }
    return media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                           "no Redis sentinel (of %zu) named a master for \"%s\"", q->n_sentinels,
                           q->master);
}

/* Sentinel mode: the server we reached must be the master now (a sentinel's view may lag a
 * failover by a moment); we never write to a replica. */
static media_code check_master(media_redis *q, media_error *err)
{
    atomic_fetch_add(&g_commands, 1);
    redisReply *r = redisCommand(q->c, "ROLE");
    if (r == NULL)
        return redis_fail(q, "ROLE", err);
    bool master = r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                  r->element[0]->type == REDIS_REPLY_STRING &&
                  strcmp(r->element[0]->str, "master") == 0;
    freeReplyObject(r);
    if (master)
        return MEDIA_OK;
    redisFree(q->c);
    q->c = NULL;
    return media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                           "Redis %s:%d is not the master of \"%s\" (a failover is under way)",
                           q->node.host, q->node.port, q->master);
}

static media_code open_conn(media_redis *q, media_error *err)
{
    if (q->n_sentinels && discover(q, err) != MEDIA_OK)
        return MEDIA_ERR_NETWORK;
    q->c = redisConnectWithTimeout(q->node.host, q->node.port, tv_ms(q->timeout_ms));
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
    return q->n_sentinels ? check_master(q, err) : MEDIA_OK;
}

media_redis *media_redis_connect(const char *url, long timeout_ms, media_error *err)
{
    media_redis *q = media_calloc(1, sizeof(*q));
    if (parse_url(url, q, err) != MEDIA_OK) {
        free(q);
        return NULL;
    }
    media_redactor_init_url(&q->red, url);
    if (q->password)
        media_redactor_add(&q->red, q->password, strlen(q->password));
    q->timeout_ms = timeout_ms > 0 ? timeout_ms : 2000;
    if (open_conn(q, err) != MEDIA_OK) {
        media_redis_close(q);
        return NULL;
    }
    return q;
}

void media_redis_close(media_redis *q)
{
    if (q == NULL)
        return;
    if (q->c)
        redisFree(q->c);
    media_free_secret(q->password);
    media_redactor_cleanup(&q->red);
    free(q);
}

static media_code run_untimed(media_redis *q, int argc, const char *const *argv, const size_t *lens,
                              redisReply **out, media_error *err);

/* Run a command (argv form); on success *out owns the reply. A Redis error reply is
 * returned as a permanent error and freed. Its time counts as this thread's Redis time
 * (timing.h). */
static media_code run(media_redis *q, int argc, const char *const *argv, const size_t *lens,
                      redisReply **out, media_error *err)
{
    int64_t t0 = media_timing_start();
    media_code rc = run_untimed(q, argc, argv, lens, out, err);
    media_timing_add(MEDIA_TIMING_REDIS, t0);
    return rc;
}

static media_code run_untimed(media_redis *q, int argc, const char *const *argv, const size_t *lens,
                              redisReply **out, media_error *err)
{
    *out = NULL;
    if (q->c == NULL && open_conn(q, err) != MEDIA_OK)
        return MEDIA_ERR_NETWORK;
    atomic_fetch_add(&g_commands, 1);
    redisReply *r = redisCommandArgv(q->c, argc, (const char **)argv, lens) /* read only */;
    if (r == NULL && (q->c->err == REDIS_ERR_EOF ||
                      (q->c->err == REDIS_ERR_IO && (errno == EPIPE || errno == ECONNRESET)))) {
        /* the server closed this connection while it was idle (restart): reconnect and send
         * once more; a job added twice is handled like any redelivery (at-least-once) */
        redisFree(q->c);
        q->c = NULL;
        if (open_conn(q, err) != MEDIA_OK)
            return MEDIA_ERR_NETWORK;
        atomic_fetch_add(&g_commands, 1);
        r = redisCommandArgv(q->c, argc, (const char **)argv, lens) /* read only */;
    }
    if (r == NULL)
        return redis_fail(q, argv[0], err);
    if (r->type == REDIS_REPLY_ERROR &&
        (strncmp(r->str, "READONLY", 8) == 0 || strncmp(r->str, "LOADING", 7) == 0)) {
        /* a failover made this server a replica, or it is loading its data: transient, and
         * the next command finds the master again (sentinel mode asks the sentinels) */
        media_code rc = media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                                        "Redis %s:%d cannot take %s now: %.200s", q->node.host,
                                        q->node.port, argv[0], r->str);
        freeReplyObject(r);
        redisFree(q->c);
        q->c = NULL;
        return rc;
    }
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

media_code media_redis_run(media_redis *q, const char *const *argv, media_redis_reply **out,
                           media_error *err)
{
    int argc = 0;
    size_t lens[32];
    while (argv[argc] && argc < 32) {
        lens[argc] = strlen(argv[argc]);
        argc++;
    }
    return run(q, argc, argv, lens, (redisReply **)out, err);
}

media_code media_redis_run_blocking(media_redis *q, long block_ms, const char *const *argv,
                                    media_redis_reply **out, media_error *err)
{
    if (q->c)
        redisSetTimeout(q->c, tv_ms(block_ms + q->timeout_ms)); /* the BLOCK is not a hang */
    long saved = q->timeout_ms;
    q->timeout_ms = block_ms + saved; /* a reconnect inside run() keeps the long timeout */
    media_code rc = media_redis_run(q, argv, out, err);
    q->timeout_ms = saved;
    if (q->c)
        redisSetTimeout(q->c, tv_ms(q->timeout_ms));
    return rc;
}

media_code media_redis_next_push(media_redis *q, long wait_ms, media_redis_reply **out,
                                 media_error *err)
{
    *out = NULL;
    if (q->c == NULL)
        return media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                               "Redis subscription is not connected");
    void *reply = NULL;
    if (redisGetReplyFromReader(q->c, &reply) == REDIS_OK && reply == NULL) {
        struct pollfd p = {.fd = q->c->fd, .events = POLLIN};
        int n = poll(&p, 1, (int)wait_ms);
        if (n == 0 || (n < 0 && errno == EINTR))
            return MEDIA_OK; /* nothing pushed meanwhile */
        if (n > 0 && redisBufferRead(q->c) == REDIS_OK)
            (void)redisGetReplyFromReader(q->c, &reply);
    }
    if (q->c->err) {
        if (reply)
            freeReplyObject(reply);
        redisFree(q->c);
        q->c = NULL;
        return media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                               "Redis subscription lost");
    }
    *out = reply;
    return MEDIA_OK;
}

/* A media_redis_reply is a redisReply; these are its read-only views. */
static const redisReply *R(const media_redis_reply *r)
{
    return (const redisReply *)r;
}

void media_redis_reply_free(media_redis_reply *reply)
{
    if (reply)
        freeReplyObject(reply);
}

media_redis_type media_redis_type_of(const media_redis_reply *reply)
{
    if (reply == NULL)
        return MEDIA_REDIS_NIL;
    switch (R(reply)->type) {
    case REDIS_REPLY_NIL:
        return MEDIA_REDIS_NIL;
    case REDIS_REPLY_INTEGER:
        return MEDIA_REDIS_INTEGER;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        return MEDIA_REDIS_STRING;
    case REDIS_REPLY_ARRAY:
        return MEDIA_REDIS_ARRAY;
    default:
        return MEDIA_REDIS_OTHER;
    }
}

long long media_redis_integer(const media_redis_reply *reply)
{
    return reply && R(reply)->type == REDIS_REPLY_INTEGER ? R(reply)->integer : 0;
}

const char *media_redis_str(const media_redis_reply *reply, size_t *len)
{
    if (media_redis_type_of(reply) != MEDIA_REDIS_STRING) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = R(reply)->len;
    return R(reply)->str;
}

size_t media_redis_count(const media_redis_reply *reply)
{
    return reply && R(reply)->type == REDIS_REPLY_ARRAY ? R(reply)->elements : 0;
}

const media_redis_reply *media_redis_at(const media_redis_reply *reply, size_t i)
{
    return i < media_redis_count(reply) ? (const media_redis_reply *)R(reply)->element[i] : NULL;
}
