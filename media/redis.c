/*
 * redis.c - the hiredis adapter (see redis.h).
 */
#include "redis.h"
#include "mem.h"
#include "redact.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct media_redis {
    redisContext *c;
    media_redactor red; /* the URL's password, scrubbed from every message */
    char host[256];
    int port;
    char *password;
    int db;
    long timeout_ms;
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

media_code media_redis_url_check(const char *url, media_error *err)
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

static media_code redis_fail(media_redis *q, const char *what, media_error *err)
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

static media_code open_conn(media_redis *q, media_error *err)
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

media_redis *media_redis_connect(const char *url, long timeout_ms, media_error *err)
{
    media_redis *q = media_calloc(1, sizeof(*q));
    if (parse_url(url, q->host, &q->port, &q->password, &q->db, err) != MEDIA_OK) {
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

/* Run a command (argv form); on success *out owns the reply. A Redis error reply is
 * returned as a permanent error and freed. */
static media_code run(media_redis *q, int argc, const char *const *argv, const size_t *lens,
                      redisReply **out, media_error *err)
{
    *out = NULL;
    if (q->c == NULL && open_conn(q, err) != MEDIA_OK)
        return MEDIA_ERR_NETWORK;
    redisReply *r = redisCommandArgv(q->c, argc, (const char **)argv, lens) /* read only */;
    if (r == NULL && (q->c->err == REDIS_ERR_EOF ||
                      (q->c->err == REDIS_ERR_IO && (errno == EPIPE || errno == ECONNRESET)))) {
        /* the server closed this connection while it was idle (restart): reconnect and send
         * once more; a job added twice is handled like any redelivery (at-least-once) */
        redisFree(q->c);
        q->c = NULL;
        if (open_conn(q, err) != MEDIA_OK)
            return MEDIA_ERR_NETWORK;
        r = redisCommandArgv(q->c, argc, (const char **)argv, lens) /* read only */;
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
