/*
 * server.c - the libh2o adapter (see server.h). The only file of presign/ that includes h2o.
 */
#include "server.h"
#include "forwarded.h"
#include "state.h"
#include "addr_limit.h"
#include "media/admin_http.h"
#include "media/events.h"
#include "media/log.h"
#include "media/process_metrics.h"
#include "media/usage.h"
#include "media/metrics.h"
#include "media/migrations.h"
#include "media/otlp.h"
#include "media/strbuf.h"
#include "media/timing.h"
#include "media/trace.h"
#include "media/s3_location.h"
#include "media/uuid.h"
#include "waiters.h"

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <h2o/multithread.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct presign_server server;
typedef struct job job;

/* Metric series a loop has looked up, so the hot path does not take the registry's lock. */
#define ROUTE_METRICS 96
typedef struct {
    char route[32];
    const char *method; /* one of metric_method's */
    int status;
    media_metric *requests, *latency;
} route_metrics;

typedef struct {
    server *srv;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t receiver;
    h2o_multithread_receiver_t wakes; /* media events for the parked waiting reads */
    presign_waiters *waiters;         /* touched on this loop's thread only */
    atomic_bool accepting_wakes;
    h2o_socket_t *listener;
    int fd; /* bound and listening; wrapped by the loop thread itself */
    pthread_t tid;
    media_sigv4_signer *signer; /* the fast path's (presign_handle_cached) */
    route_metrics metrics[ROUTE_METRICS];
    size_t nmetrics;
    char client[48]; /* the address of the request this loop is answering now (access log) */
} loop_thread;

typedef struct {
    h2o_req_t *req;
    job *job;
} req_guard;

struct job {
    h2o_multithread_message_t msg; /* first: the receiver gets &job->msg */
    loop_thread *owner;
    req_guard *guard; /* NULL once the request is gone (touched on the loop thread only) */
    char *method, *path, *query, *authorization, *cookie, *idempotency_key, *body;
    size_t body_len;
    char request_id[80];
    char origin[256];
    struct timespec t0;
    int64_t read_ms;   /* when it was last handed to a backend (a waiting read's "since") */
    media_trace trace; /* the request's span (W3C trace context) */
    bool waited;       /* a waiting read asked again: answer now */
    bool from_app;     /* X-Mediagate-App: 1 */
    bool counted;      /* counted in waiting_reads */
    bool parked;       /* in its loop's waiters (touched on the loop thread only) */
    bool client_gone;  /* its client closed the connection while it was parked */
    char client[48];   /* its client's address, as the access log names it */
    presign_response res;
    job *next;
};

/* A media id from the events listener, for one loop. */
typedef struct {
    h2o_multithread_message_t msg; /* first */
    char id[40];
} wake_msg;

struct presign_server {
    presign_config c;
    const media_s3_config *s3;
    h2o_globalconf_t global;
    loop_thread *loops;
    pthread_t *backends;
    media_metrics *m;
    presign_state *state;
    media_admin_http *admin; /* /metrics and /health for operators (NULL: off) */
    char page_csp[1536];     /* the browser page's: itself, the API, and images from the bucket */
    SSL_CTX *ssl_ctx;        /* NULL: plain HTTP/1.1 */
    char hsts[64];           /* Strict-Transport-Security value; "" when not serving TLS */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head, *tail; /* backend queue */
    atomic_int inflight;
    atomic_int queued; /* jobs waiting for a backend thread (bounded: backend_queue_max) */
    media_metric *shed;
    media_metric *waiting; /* gauge: waiting reads parked or on their way */
    atomic_int waiting_reads;
    media_events_listener *events;
    volatile sig_atomic_t stopping;
    atomic_bool draining, closing, done;
};

static double elapsed_s(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static char *dup_iov(h2o_iovec_t v)
{
    char *p = media_malloc(v.len + 1);
    memcpy(p, v.base, v.len);
    p[v.len] = '\0';
    return p;
}

static h2o_iovec_t header(h2o_req_t *req, const h2o_token_t *token)
{
    ssize_t i = h2o_find_header(&req->headers, token, -1);
    return i < 0 ? h2o_iovec_init(NULL, 0) : req->headers.entries[i].value;
}

static h2o_iovec_t header_str(h2o_req_t *req, const char *name)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, strlen(name), -1);
    return i < 0 ? h2o_iovec_init(NULL, 0) : req->headers.entries[i].value;
}

static bool cors_allowed(const server *s, const char *origin)
{
    size_t n = strlen(origin);
    if (n == 0)
        return false;
    const char *p = s->c.cors_origins;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t len = strcspn(p, ", ");
        if (len == n && strncmp(p, origin, n) == 0)
            return true;
        p += len;
    }
    return false;
}

static void add(h2o_req_t *req, const h2o_token_t *t, const char *v)
{
    h2o_add_header(&req->pool, &req->res.headers, t, NULL, v, strlen(v));
}

static void add_str(h2o_req_t *req, const char *name, const char *v)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 1, NULL, v, strlen(v));
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 431:
        return "Request Header Fields Too Large";
    case 413:
        return "Payload Too Large";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    }
    return "Error";
}

/* The series for (route, status): from the loop's table, else looked up (and remembered
 * while the table has room; otherwise returned in *spare). */
/* The method as a label: the client chooses it, so anything but the methods HTTP defines is
 * "other" (a label value a client could invent would be a series per request). */
static const char *metric_method(const char *m)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(m, known[i]) == 0)
            return known[i];
    return "other";
}

static route_metrics *metrics_for(server *s, loop_thread *lt, const char *route,
                                  const char *method_in, int status, route_metrics *spare)
{
    const char *method = metric_method(method_in);
    for (size_t i = 0; i < lt->nmetrics; i++)
        if (lt->metrics[i].status == status && lt->metrics[i].method == method &&
            strcmp(lt->metrics[i].route, route) == 0)
            return &lt->metrics[i];
    route_metrics *rm = lt->nmetrics < ROUTE_METRICS ? &lt->metrics[lt->nmetrics++] : spare;
    char labels[128];
    snprintf(labels, sizeof(labels), "route=\"%s\",method=\"%s\",status=\"%d\"", route, method,
             status);
    rm->requests = media_metrics_counter(s->m, "mediagate_http_requests_total",
                                         "HTTP requests by route, method and status", labels);
    snprintf(labels, sizeof(labels), "route=\"%s\",method=\"%s\"", route, method);
    static const double b[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    rm->latency = media_metrics_histogram(s->m, "mediagate_http_request_duration_seconds",
                                          "Request latency by route and method", labels, b, 10);
    snprintf(rm->route, sizeof(rm->route), "%s", route);
    rm->method = method;
    rm->status = status;
    return rm;
}

static void access_log(server *s, loop_thread *lt, const char *method, const char *path,
                       const char *route, int status, double secs, const char *rid,
                       const char *client, const presign_response *r)
{
    /* probes come every few seconds from every load balancer and kubelet: debug, not info */
    bool probe = strcmp(route, "health") == 0 || strcmp(route, "ready") == 0;
    media_log_level level = probe ? MEDIA_LOG_DEBUG : MEDIA_LOG_INFO;
    if (media_log_enabled(level)) {
        /* the path is the client's (decoded): the logger escapes it like every value */
        media_log_fields f = {0};
        media_log_str(&f, "method", method);
        media_log_str(&f, "path", path);
        media_log_str(&f, "route", route);
        media_log_int(&f, "status", status);
        media_log_int(&f, "duration_us", (int64_t)(secs * 1e6));
        if (client && client[0])
            media_log_str(&f, "client", client);
        if (r && r->tenant[0])
            media_log_str(&f, "tenant", r->tenant);
        if (r && r->key_prefix[0])
            media_log_str(&f, "key_prefix", r->key_prefix);
        if (r)
            media_log_int(&f, "bytes", (int64_t)r->body.len);
        media_log(level, rid, &f, "request"); /* with the thread's trace ids */
    }
    const media_trace *tr = media_trace_current(); /* the request's (on_req, on_replies) */
    if (tr && media_otlp_enabled()) {
        media_span sp;
        char name[64], st[16];
        snprintf(name, sizeof(name), "%s %s", method, route);
        media_span_begin(&sp, tr, name, MEDIA_SPAN_SERVER,
                         media_span_now_ns() - (int64_t)(secs * 1e9));
        sp.end_ns = media_span_now_ns();
        snprintf(st, sizeof(st), "%d", status);
        media_span_attr(&sp, "http.route", route);
        media_span_attr(&sp, "http.response.status_code", st);
        media_span_attr(&sp, "http.request.method", method);
        media_span_attr(&sp, "mediagate.request_id", rid);
        sp.status = status >= 500 ? MEDIA_SPAN_ERROR : MEDIA_SPAN_UNSET;
        media_otlp_record(&sp);
    }
    route_metrics spare, *rm = metrics_for(s, lt, route, method, status, &spare);
    media_metric_add(rm->requests, 1);
    media_metric_observe(rm->latency, secs);
}

/* Write a response from the loop thread: common headers, then the body. */
/* us as milliseconds with three decimals ("1.234"), appended. */
static void put_ms(media_sb *b, long us)
{
    media_sb_put_long(b, us / 1000);
    media_sb_putc(b, '.');
    media_sb_putc(b, (char)('0' + us / 100 % 10));
    media_sb_putc(b, (char)('0' + us / 10 % 10));
    media_sb_putc(b, (char)('0' + us % 10));
}

/* Server-Timing (issue 29, item 6): what the request spent in PostgreSQL, Redis and S3 (when
 * it used them, as the backend recorded) and in all since t0, in milliseconds with three
 * decimals. Appends, not snprintf: the cached /url path answers with it too. */
static void server_timing(h2o_req_t *req, const presign_response *r, const struct timespec *t0)
{
    char v[160];
    media_sb b = media_sb_over(v, sizeof(v));
    if (r->server_timing[0]) {
        media_sb_puts(&b, r->server_timing);
        media_sb_puts(&b, ", ");
    }
    long us = (long)(elapsed_s(t0) * 1e6);
    media_sb_puts(&b, "total;dur=");
    put_ms(&b, us);
    if (!b.overflow) /* h2o keeps the pointer: the value must live in the request's pool */
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("server-timing"), 1, NULL,
                              h2o_strdup(&req->pool, v, b.len).base, b.len);
}

static void respond(server *s, h2o_req_t *req, const presign_response *r, const char *rid,
                    const char *origin, const struct timespec *t0)
{
    req->res.status = r->status;
    req->res.reason = reason(r->status);
    add_str(req, "x-request-id", rid);
    if (t0)
        server_timing(req, r, t0);
    add_str(req, "x-content-type-options", "nosniff");
    add_str(req, "x-frame-options", "DENY");
    add_str(req, "referrer-policy", "no-referrer");
    add_str(req, "content-security-policy",
            r->csp ? r->csp : "default-src 'none'; frame-ancestors 'none'");
    if (s->hsts[0])
        add_str(req, "strict-transport-security", s->hsts);
    if (origin && cors_allowed(s, origin)) {
        add(req, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        add_str(req, "access-control-expose-headers",
                "Location, X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
                "Retry-After, Server-Timing");
        add_str(req, "timing-allow-origin", origin);
        add(req, H2O_TOKEN_VARY, "Origin");
    }
    if (r->location[0])
        add(req, H2O_TOKEN_LOCATION, r->location);
    add(req, H2O_TOKEN_CACHE_CONTROL, r->cache_control[0] ? r->cache_control : "no-store");
    if (r->allow[0])
        add_str(req, "allow", r->allow);
    if (r->ratelimit[0][0]) {
        add_str(req, "ratelimit-limit", r->ratelimit[0]);
        add_str(req, "ratelimit-remaining", r->ratelimit[1]);
        add_str(req, "ratelimit-reset", r->ratelimit[2]);
    }
    if (r->retry_after[0])
        add(req, H2O_TOKEN_RETRY_AFTER, r->retry_after);
    if (r->status == 401) /* RFC 9110 section 11.6.1: a 401 names the scheme it wants */
        add(req, H2O_TOKEN_WWW_AUTHENTICATE, "Bearer realm=\"mediagate\"");
    if (r->set_cookie[0])
        add(req, H2O_TOKEN_SET_COOKIE, r->set_cookie);
    if (r->status == 204 || r->status == 302 || r->body.len == 0) {
        h2o_send_inline(req, "", 0);
        return;
    }
    add(req, H2O_TOKEN_CONTENT_TYPE, r->content_type);
    req->res.content_length = r->body.len; /* h2o_send_inline leaves it to us: not chunked */
    h2o_send_inline(req, r->body.data, r->body.len);
}

static void job_free(job *j)
{
    free(j->method);
    free(j->path);
    free(j->query);
    free(j->authorization);
    free(j->cookie);
    free(j->idempotency_key);
    free(j->body);
    presign_response_cleanup(&j->res);
    free(j);
}

#define WAKE_BATCH 64

static void job_done(server *s, job *j);

/* The client went away (h2o frees the request's pool; on the loop thread). A job on a backend
 * thread finds its guard gone and drops the reply; a parked waiting read is released now,
 * not at its deadline (issue 24, defect 8). */
static void on_guard_dispose(void *p)
{
    req_guard *g = p;
    job *j = g->job;
    if (j == NULL)
        return;
    j->guard = NULL;
    if (j->parked && presign_waiters_remove(j->owner->waiters, j)) {
        j->parked = false;
        j->client_gone = true;
        job_done(j->owner->srv, j);
    }
}

/* An HTTP/1.1 client that closed its connection while its read is parked: h2o reads nothing
 * from a connection whose request is being answered, so it does not notice until it writes.
 * A peek at the socket does (EOF or an error). HTTP/2 streams are reset by their client, which
 * h2o sees: their request is disposed (on_guard_dispose). Over TLS a closing client's alert is
 * data, so such a read is released at its deadline. */
static bool client_gone(void *item, void *ud)
{
    (void)ud;
    job *j = item;
    if (j->guard == NULL)
        return true;
    h2o_conn_t *conn = j->guard->req->conn;
    if (conn->callbacks->get_socket == NULL || j->guard->req->version >= 0x200)
        return false;
    h2o_socket_t *sock = conn->callbacks->get_socket(conn);
    int fd = sock ? h2o_socket_get_fd(sock) : -1;
    if (fd < 0)
        return false;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Release the parked reads of this loop whose clients went away: answered (into a closed
 * socket, which h2o then closes), logged as 499, freed. */
static void release_gone(loop_thread *lt)
{
    void *out[WAKE_BATCH];
    size_t n;
    do {
        n = presign_waiters_take_if(lt->waiters, client_gone, NULL, out, WAKE_BATCH);
        for (size_t i = 0; i < n; i++) {
            job *j = out[i];
            j->parked = false;
            j->client_gone = true;
            job_done(lt->srv, j);
        }
    } while (n == WAKE_BATCH);
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Append j to the backend queue (any thread). */
static void enqueue_job(server *s, job *j)
{
    j->read_ms = mono_ms();
    j->next = NULL;
    atomic_fetch_add(&s->queued, 1);
    pthread_mutex_lock(&s->mu);
    if (s->tail)
        s->tail->next = j;
    else
        s->head = j;
    s->tail = j;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* A parked waiting read woke (its record changed, or its deadline passed): the backend reads
 * the record again and answers with it now. */
static void ask_again(server *s, job *j)
{
    j->parked = false;
    presign_response_cleanup(&j->res);
    presign_response_init(&j->res);
    j->waited = true;
    enqueue_job(s, j);
}

/* Every parked read of id ("*": all) on this loop asks again. */
static void wake_parked(loop_thread *lt, const char *id)
{
    void *out[WAKE_BATCH];
    size_t n;
    do {
        n = presign_waiters_wake(lt->waiters, id, mono_ms(), out, WAKE_BATCH);
        for (size_t i = 0; i < n; i++)
            ask_again(lt->srv, out[i]);
    } while (n == WAKE_BATCH);
}

static void on_wakes(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    loop_thread *lt = H2O_STRUCT_FROM_MEMBER(loop_thread, wakes, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&msg->link);
        wake_msg *m = (wake_msg *)msg;
        wake_parked(lt, m->id);
        free(m);
    }
}

/* The events listener's callback (its own thread): a record changed somewhere. "tenant/id"
 * (a delete on any replica) drops this replica's cached copy first, so no replica hands out a
 * URL for it any more (the record cache's lifetime stays the fallback while Redis is away).
 * Then every loop wakes the reads parked on the id (and remembers it for reads on their way
 * to be parked). */
static void on_media_event(void *ud, const char *msg)
{
    server *s = ud;
    const char *slash = strchr(msg, '/');
    const char *id = slash ? slash + 1 : msg;
    if (slash && (size_t)(slash - msg) < MEDIA_TENANT_MAX) {
        char tenant[MEDIA_TENANT_MAX];
        memcpy(tenant, msg, (size_t)(slash - msg));
        tenant[slash - msg] = '\0';
        presign_record_invalidate(s->state, tenant, id);
    }
    if (atomic_load(&s->waiting_reads) == 0)
        return; /* nobody waits, and nobody is reading to wait (counted before the read) */
    for (int i = 0; i < s->c.threads; i++) {
        loop_thread *lt = &s->loops[i];
        if (!atomic_load(&lt->accepting_wakes))
            continue;
        wake_msg *m = media_calloc(1, sizeof(*m));
        snprintf(m->id, sizeof(m->id), "%s", id);
        h2o_multithread_send_message(&lt->wakes, &m->msg);
    }
}

/* The backend answered a waiting read that should wait: park it on its loop. True when parked
 * or sent again; false when it is to be answered now (no room, or shutting down). */
static bool park(server *s, job *j)
{
    if (atomic_load(&s->closing))
        return false;
    switch (presign_waiters_park(j->owner->waiters, j->res.wait_id, j->res.wait_tenant, j->read_ms,
                                 mono_ms() + j->res.wait_ms, j)) {
    case PRESIGN_PARKED:
        j->parked = true;
        return true;
    case PRESIGN_WOKEN: /* it changed while we read it: read again */
        ask_again(s, j);
        return true;
    case PRESIGN_FULL:
        break;
    }
    return false;
}

static void on_replies(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&msg->link);
        job *j = (job *)msg;
        server *s = j->owner->srv;
        if (j->res.wait_ms > 0 && j->guard && park(s, j))
            continue;
        job_done(s, j);
    }
}

/* A job's end on its loop: the answer (when the client is still there), the access line, the
 * counters, and the job freed. */
static void job_done(server *s, job *j)
{
    media_trace_set_current(&j->trace); /* its access log line and span */
    if (j->counted) {
        atomic_fetch_sub(&s->waiting_reads, 1);
        media_metric_set(s->waiting, atomic_load(&s->waiting_reads));
    }
    if (j->guard) {
        j->guard->job = NULL;
        respond(s, j->guard->req, &j->res, j->request_id, j->origin, &j->t0);
    }
    /* A read that was parked (?wait=) lasts as long as its client asked to wait: its own series
     * ("media_wait"), so the request-latency alert does not fire whenever the page waits
     * (issue 26). 499: nginx's "client closed request". */
    const char *route = j->res.route[0] ? j->res.route : "unknown";
    if (j->waited && strcmp(route, "media_id") == 0)
        route = "media_wait";
    access_log(s, j->owner, j->method, j->path, route, j->client_gone ? 499 : j->res.status,
               elapsed_s(&j->t0), j->request_id, j->client, &j->res);
    media_trace_set_current(NULL);
    job_free(j);
    atomic_fetch_sub(&s->inflight, 1);
}

/* The dependencies' part of Server-Timing: "db;dur=0.812, redis;dur=0.050, s3;dur=1.203"
 * for those the request used (milliseconds, three decimals). */
static void timing_header(presign_response *res, const int64_t spent[MEDIA_TIMING_KINDS])
{
    static const char *const names[MEDIA_TIMING_KINDS] = {"db", "redis", "s3"};
    media_sb b = media_sb_over(res->server_timing, sizeof(res->server_timing));
    for (int k = 0; k < MEDIA_TIMING_KINDS; k++) {
        if (spent[k] <= 0)
            continue;
        long us = (long)(spent[k] / 1000);
        if (b.len)
            media_sb_puts(&b, ", ");
        media_sb_puts(&b, names[k]);
        media_sb_puts(&b, ";dur=");
        put_ms(&b, us);
    }
    if (b.overflow)
        res->server_timing[0] = '\0';
}

static void *backend_thread(void *arg)
{
    server *s = arg;
    media_error err;
    presign_backend *b = presign_backend_new(s->state, &err);
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->head == NULL && !atomic_load(&s->done))
            pthread_cond_wait(&s->cv, &s->mu);
        job *j = s->head;
        if (j) {
            s->head = j->next;
            if (s->head == NULL)
                s->tail = NULL;
            atomic_fetch_sub(&s->queued, 1);
        }
        pthread_mutex_unlock(&s->mu);
        if (j == NULL)
            break;
        presign_request pr = {
            j->method,     j->path, j->query,    j->authorization, j->cookie,  j->idempotency_key,
            j->request_id, j->body, j->body_len, j->waited,        j->from_app};
        /* a read that may wait is counted before it reads, so an event published after the
         * read finds it counted (on_media_event) and wakes it */
        bool may_wait = !j->waited && !j->counted && strstr(j->query, "wait=") != NULL;
        if (may_wait) {
            j->counted = true;
            atomic_fetch_add(&s->waiting_reads, 1);
        }
        media_trace_set_current(&j->trace); /* its log lines, its job, its outgoing requests */
        int64_t spent[MEDIA_TIMING_KINDS];
        media_timing_take(spent); /* from here on: this request's */
        if (b)
            presign_handle(b, &pr, &j->res);
        else
            presign_problem(&j->res, 503, "unavailable", "Service unavailable", NULL,
                            j->request_id);
        media_timing_take(spent);
        timing_header(&j->res, spent);
        if (may_wait && j->res.wait_ms == 0) { /* answered at once: not a waiter after all */
            j->counted = false;
            atomic_fetch_sub(&s->waiting_reads, 1);
        }
        media_metric_set(s->waiting, atomic_load(&s->waiting_reads));
        media_trace_set_current(NULL);
        h2o_multithread_send_message(&j->owner->receiver, &j->msg);
    }
    presign_backend_destroy(b);
    return NULL;
}

static int inline_reply(server *s, h2o_req_t *req, int status, const char *ctype, const char *body,
                        const char *rid, const char *route, const char *origin)
{
    presign_response r;
    presign_response_init(&r);
    r.status = status;
    r.content_type = ctype;
    if (strcmp(route, "health") == 0 || strcmp(route, "ready") == 0)
        snprintf(r.cache_control, sizeof(r.cache_control), "no-store");
    media_buf_appends(&r.body, body);
    respond(s, req, &r, rid, origin, NULL);
    presign_response_cleanup(&r);
    return 0;
}

/* The browser page (presign/web/, compiled in): GET /app, /app.js, /app.css. */
static bool serve_page(server *s, loop_thread *lt, h2o_req_t *req, const char *path,
                       const char *rid, const char *origin, const struct timespec *t0)
{
    static const struct {
        const char *path, *type;
        const char *body;
    } files[] = {
        {"/app", "text/html; charset=utf-8", presign_web_app_html},
        {"/app.js", "text/javascript; charset=utf-8", presign_web_app_js},
        {"/app.css", "text/css; charset=utf-8", presign_web_app_css},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (strcmp(path, files[i].path) != 0)
            continue;
        presign_response r;
        presign_response_init(&r);
        r.status = 200;
        r.content_type = files[i].type;
        r.csp = s->page_csp;
        snprintf(r.cache_control, sizeof(r.cache_control), "no-cache");
        media_buf_appends(&r.body, files[i].body);
        respond(s, req, &r, rid, origin, t0);
        presign_response_cleanup(&r);
        access_log(s, lt, "GET", path, "app", 200, elapsed_s(t0), rid, lt->client, NULL);
        return true;
    }
    return false;
}

/* Copy v into a C string of cap bytes; false when it does not fit. */
static bool cstr(h2o_iovec_t v, char *out, size_t cap)
{
    if (v.len >= cap)
        return false;
    if (v.len)
        memcpy(out, v.base, v.len);
    out[v.len] = '\0';
    return true;
}

/* Answer on the loop from memory (presign_handle_cached) when everything it needs is cached. */
static bool try_fast(server *s, loop_thread *lt, h2o_req_t *req, const char *path, const char *rid,
                     const char *origin, const struct timespec *t0)
{
    char query[1024], auth[512], cookie[1024];
    size_t q = req->query_at == SIZE_MAX ? req->path.len : req->query_at + 1;
    h2o_iovec_t qv = q < req->path.len ? h2o_iovec_init(req->path.base + q, req->path.len - q)
                                       : h2o_iovec_init("", 0);
    if (!cstr(qv, query, sizeof(query)) ||
        !cstr(header(req, H2O_TOKEN_AUTHORIZATION), auth, sizeof(auth)) ||
        !cstr(header(req, H2O_TOKEN_COOKIE), cookie, sizeof(cookie)))
        return false;
    presign_request pr = {
        "GET", path,  query, auth[0] ? auth : NULL, cookie[0] ? cookie : NULL, NULL, rid, NULL,
        0,     false, false};
    presign_response r;
    presign_response_init(&r);
    bool done = presign_handle_cached(s->state, lt->signer, &pr, &r);
    if (done) {
        respond(s, req, &r, rid, origin, t0);
        access_log(s, lt, "GET", path, r.route, r.status, elapsed_s(t0), rid, lt->client, &r);
    }
    presign_response_cleanup(&r);
    return done;
}

/* The client: the peer's address, or, when the peer is a trusted proxy, the address its
 * X-Forwarded-For names. *family 0 when unknown. */
static void client_addr(server *s, h2o_req_t *req, int *family_out, uint8_t addr[16])
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    int family = 0;
    memset(addr, 0, 16);
    if (req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss) > 0) {
        family = ss.ss_family;
        if (family == AF_INET)
            memcpy(addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        else if (family == AF_INET6)
            memcpy(addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
    }
    if (family && s->c.trusted_proxies.count &&
        media_cidr_list_contains(&s->c.trusted_proxies, family, addr)) {
        /* every X-Forwarded-For line, in order; past XFF_LINES the earliest are dropped
         * (they are the farthest from us: only trusted hops can lead that far) */
        enum { XFF_LINES = 16 };
        const char *lines[XFF_LINES];
        size_t lens[XFF_LINES], n = 0;
        static const char name[] = "x-forwarded-for";
        for (ssize_t i = -1;
             (i = h2o_find_header_by_str(&req->headers, name, sizeof(name) - 1, i)) >= 0;) {
            if (n == XFF_LINES) {
                memmove(lines, lines + 1, sizeof(lines[0]) * (XFF_LINES - 1));
                memmove(lens, lens + 1, sizeof(lens[0]) * (XFF_LINES - 1));
                n--;
            }
            lines[n] = req->headers.entries[i].value.base;
            lens[n++] = req->headers.entries[i].value.len;
        }
        presign_forwarded_client(lines, lens, n, &s->c.trusted_proxies, &family, addr);
    }
    *family_out = family;
}

/* The client's bucket key (the per-address budget). */
static void client_key(server *s, h2o_req_t *req, uint8_t key[16])
{
    int family;
    uint8_t addr[16];
    client_addr(s, req, &family, addr);
    presign_addr_key(family ? family : AF_INET6, addr, key);
}

/* The client's address as text, for the access log ("" when unknown). */
static void client_text(server *s, h2o_req_t *req, char *out, size_t cap)
{
    int family;
    uint8_t addr[16];
    client_addr(s, req, &family, addr);
    out[0] = '\0';
    if (family == AF_INET || family == AF_INET6)
        inet_ntop(family, addr, out, (socklen_t)cap);
}

/* Answer a refusal decided on the loop. */
static void answer_now(server *s, loop_thread *lt, h2o_req_t *req, presign_response *r,
                       const char *path, const char *rid, const char *origin,
                       const struct timespec *t0)
{
    respond(s, req, r, rid, origin, t0);
    access_log(s, lt, r->status == 503 ? "?" : "-", path, r->route[0] ? r->route : "unknown",
               r->status, elapsed_s(t0), rid, lt->client, r);
}

/* The admin listener (MEDIAGATE_ADMIN_LISTEN): Prometheus and probes, not clients. */
static int on_admin(void *ud, const char *path, media_buf *body, const char **ctype)
{
    server *s = ud;
    if (strcmp(path, "/metrics") == 0) {
        *ctype = "text/plain; version=0.0.4";
        media_metrics_render(s->m, body);
        media_usage_render(body, s->c.backend_threads); /* a connection per backend thread */
        media_process_render(body, "serve");
        return 200;
    }
    if (strcmp(path, "/health") == 0) {
        media_buf_appends(body, "{\"status\":\"ok\"}\n");
        return 200;
    }
    media_buf_appends(body, "{\"status\":\"not_found\"}\n");
    return 404;
}

/* What every answer needs from the request, read once. */
typedef struct {
    struct timespec t0;
    char rid[80];     /* the client's X-Request-Id when valid, else a new one */
    char origin[256]; /* "" when absent or too long */
    char path[1024];  /* decoded; "/?" when it cannot be a route (see below) */
    bool get;
    bool from_app;     /* X-Mediagate-App: 1 (request.h) */
    media_trace trace; /* continues the client's traceparent, or starts a trace */
} req_basics;

static void read_basics(h2o_req_t *req, req_basics *b)
{
    clock_gettime(CLOCK_MONOTONIC, &b->t0);
    h2o_iovec_t given = header_str(req, "x-request-id");
    if (given.len && given.len < sizeof(b->rid)) {
        memcpy(b->rid, given.base, given.len);
        b->rid[given.len] = '\0';
    } else {
        b->rid[0] = '\0';
    }
    if (!presign_request_id_valid(b->rid)) {
        memcpy(b->rid, "req-", 4);
        media_uuid7_new(b->rid + 4);
    }
    h2o_iovec_t origin_v = header_str(req, "origin");
    b->origin[0] = '\0';
    if (origin_v.len && origin_v.len < sizeof(b->origin)) {
        memcpy(b->origin, origin_v.base, origin_v.len);
        b->origin[origin_v.len] = '\0';
    }
    /* The decoded path as a C string. One that does not fit, or holds a decoded NUL
     * ("/api/v1/media/<id>%00x"), would be cut short and could name another resource: it is
     * replaced by a path no route has, so it answers 404 no-route. */
    size_t plen = req->path_normalized.len;
    if (plen >= sizeof(b->path) || memchr(req->path_normalized.base, '\0', plen) != NULL) {
        snprintf(b->path, sizeof(b->path), "/?");
    } else {
        memcpy(b->path, req->path_normalized.base, plen);
        b->path[plen] = '\0';
    }
    b->get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"));
    char tp[MEDIA_TRACEPARENT_LEN + 8] = "", ts[MEDIA_TRACESTATE_MAX + 1] = "";
    h2o_iovec_t v = header_str(req, "traceparent");
    if (v.len && v.len < sizeof(tp))
        memcpy(tp, v.base, v.len), tp[v.len] = '\0';
    v = header_str(req, "tracestate");
    if (v.len && v.len < sizeof(ts))
        memcpy(ts, v.base, v.len), ts[v.len] = '\0';
    media_trace_start(&b->trace, tp, ts);
    v = header_str(req, "x-mediagate-app");
    b->from_app = v.len == 1 && v.base[0] == '1';
    /* Fetch Metadata: a browser says where a request comes from, and no page can forge it.
     * Uppy's Companion mode cannot add our header; its requests are same-origin (request.h). */
    v = header_str(req, "sec-fetch-site");
    b->from_app = b->from_app || h2o_memis(v.base, v.len, H2O_STRLIT("same-origin"));
}

/* Answers that need neither a credential nor a backend thread: oversized headers, health,
 * draining readiness, the page, the API description, CORS preflight. True when answered. */
static bool answer_static(server *s, loop_thread *lt, h2o_req_t *req, req_basics *b)
{
    const char *rid = b->rid, *origin = b->origin, *path = b->path;
    size_t header_bytes = 0;
    for (size_t i = 0; i < req->headers.size; i++)
        header_bytes += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
    if ((long)header_bytes > s->c.header_max_bytes) {
        presign_response r;
        presign_response_init(&r);
        presign_problem(&r, 431, "headers-too-large", "Request headers too large", NULL, rid);
        respond(s, req, &r, rid, origin, &b->t0);
        presign_response_cleanup(&r);
        access_log(s, lt, "?", path, "headers_too_large", 431, elapsed_s(&b->t0), rid, lt->client,
                   NULL);
        return true;
    }
    if (b->get && strcmp(path, "/health") == 0) {
        inline_reply(s, req, 200, "application/json", "{\"status\":\"ok\"}\n", rid, "health",
                     origin);
        access_log(s, lt, "GET", path, "health", 200, elapsed_s(&b->t0), rid, lt->client, NULL);
        return true;
    }
    if (b->get && strcmp(path, "/ready") == 0 && atomic_load(&s->draining)) {
        inline_reply(s, req, 503, "application/json",
                     "{\"status\":\"draining\",\"components\":{}}\n", rid, "ready", origin);
        access_log(s, lt, "GET", path, "ready", 503, elapsed_s(&b->t0), rid, lt->client, NULL);
        return true;
    }
    if (b->get && serve_page(s, lt, req, path, rid, origin, &b->t0))
        return true;
    if (b->get && strcmp(path, "/api/v1/openapi.json") == 0) {
        inline_reply(s, req, 200, "application/json", presign_openapi_json, rid, "openapi", origin);
        access_log(s, lt, "GET", path, "openapi", 200, elapsed_s(&b->t0), rid, lt->client, NULL);
        return true;
    }
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("OPTIONS"))) { /* CORS */
        int status = cors_allowed(s, origin) ? 204 : 403;
        if (status == 204) {
            add_str(req, "access-control-allow-methods", "GET, POST, DELETE, OPTIONS");
            add_str(req, "access-control-allow-headers",
                    "Authorization, Content-Type, Idempotency-Key, X-Request-Id");
            add_str(req, "access-control-max-age", "600");
        }
        inline_reply(s, req, status, "application/json", "", rid, "preflight", origin);
        access_log(s, lt, "OPTIONS", path, "preflight", status, elapsed_s(&b->t0), rid, lt->client,
                   NULL);
        return true;
    }
    return false;
}

/* Answers from the loop's memory: a cached readiness, the fast path (a known key and a cached
 * record), the gate for requests without a known-good key (the client address's budget,
 * known-bad keys), and shedding when the backend queue is full. True when answered. */
static bool answer_on_loop(server *s, loop_thread *lt, h2o_req_t *req, req_basics *b)
{
    presign_response r;
    presign_response_init(&r);
    bool done = false;
    if (b->get && strcmp(b->path, "/ready") == 0) { /* at most one check a second (defect 6) */
        done = presign_ready_cached(s->state, &r);
    } else if (b->get && lt->signer && try_fast(s, lt, req, b->path, b->rid, b->origin, &b->t0)) {
        presign_response_cleanup(&r);
        return true;
    } else {
        char auth[512] = "", cookie[1024] = "", method[16] = "";
        bool fits = cstr(header(req, H2O_TOKEN_AUTHORIZATION), auth, sizeof(auth)) &&
                    cstr(header(req, H2O_TOKEN_COOKIE), cookie, sizeof(cookie));
        cstr(req->method, method, sizeof(method));
        presign_request gr = {method,
                              b->path,
                              "",
                              fits && auth[0] ? auth : NULL,
                              fits && cookie[0] ? cookie : NULL,
                              NULL,
                              b->rid,
                              NULL,
                              0,
                              false,
                              b->from_app};
        uint8_t key[16];
        client_key(s, req, key);
        done = presign_gate(s->state, &gr, key, &r);
    }
    if (!done && atomic_load(&s->queued) >= s->c.backend_queue_max) { /* shed, say when */
        presign_problem(&r, 503, "overloaded", "Service overloaded",
                        "too many requests are waiting; retry shortly", b->rid);
        snprintf(r.retry_after, sizeof(r.retry_after), "1");
        snprintf(r.route, sizeof(r.route), "shed");
        media_metric_add(s->shed, 1);
        done = true;
    }
    if (done)
        answer_now(s, lt, req, &r, b->path, b->rid, b->origin, &b->t0);
    presign_response_cleanup(&r);
    return done;
}

/* Hand the request to a backend thread (PostgreSQL, Redis, S3); it answers on this loop. */
static void to_backend(server *s, loop_thread *lt, h2o_req_t *req, const req_basics *b)
{
    job *j = media_calloc(1, sizeof(*j));
    j->owner = lt;
    j->t0 = b->t0;
    j->method = dup_iov(req->method);
    j->path = media_strdup(b->path);
    size_t q = req->query_at == SIZE_MAX ? req->path.len : req->query_at + 1;
    j->query =
        q < req->path.len ? media_strndup(req->path.base + q, req->path.len - q) : media_strdup("");
    h2o_iovec_t auth = header(req, H2O_TOKEN_AUTHORIZATION);
    j->authorization = auth.len ? dup_iov(auth) : NULL;
    h2o_iovec_t cookie = header(req, H2O_TOKEN_COOKIE);
    j->cookie = cookie.len ? dup_iov(cookie) : NULL;
    h2o_iovec_t idem = header_str(req, "idempotency-key");
    j->idempotency_key = idem.len ? dup_iov(idem) : NULL;
    j->body = req->entity.base ? dup_iov(req->entity) : NULL;
    j->body_len = req->entity.len;
    snprintf(j->request_id, sizeof(j->request_id), "%s", b->rid);
    snprintf(j->origin, sizeof(j->origin), "%s", b->origin);
    j->trace = b->trace;
    j->from_app = b->from_app;
    snprintf(j->client, sizeof(j->client), "%s", lt->client);
    presign_response_init(&j->res);
    req_guard *g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), on_guard_dispose);
    g->req = req;
    g->job = j;
    j->guard = g;
    atomic_fetch_add(&s->inflight, 1);
    enqueue_job(s, j);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    loop_thread *lt = (loop_thread *)((char *)req->conn->ctx - offsetof(loop_thread, ctx));
    server *s = lt->srv;
    req_basics b;
    read_basics(req, &b);
    client_text(s, req, lt->client, sizeof(lt->client));
    media_trace_set_current(&b.trace); /* answered here: the access log line and span */
    if (!answer_static(s, lt, req, &b) && !answer_on_loop(s, lt, req, &b))
        to_backend(s, lt, req, &b);
    media_trace_set_current(NULL);
    return 0;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL)
        return;
    loop_thread *lt = listener->data;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock)
        h2o_accept(&lt->accept, sock);
}

static int listen_fd(const presign_config *c, media_error *err)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, c->listen_host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)c->listen_port);
        len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, c->listen_host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)c->listen_port);
        len = sizeof(*v6);
    } else {
        media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                        "MEDIAGATE_LISTEN host must be an IP address");
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1024) != 0) {
        media_error_set(err, MEDIA_ERR_IO, MEDIA_CLASS_PERMANENT, "cannot listen on %s:%d",
                        c->listen_host, c->listen_port);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Parked waiting reads per event loop; past it a waiting read answers at once. */
#define WAITING_READS_PER_LOOP 10000
/* ... of which one tenant's take at most this many (issue 24, defect 8) */
#define WAITING_READS_PER_TENANT 1000

static void *loop_main(void *arg)
{
    loop_thread *lt = arg;
    server *s = lt->srv;
    /* every h2o object of a loop is created, used and released on the loop's own thread:
     * libh2o recycles socket buffers per thread */
    h2o_context_init(&lt->ctx, h2o_evloop_create(), &s->global);
    lt->accept.ctx = &lt->ctx;
    lt->accept.hosts = s->global.hosts;
    lt->accept.ssl_ctx = s->ssl_ctx;
    media_error err;
    lt->signer = presign_signer_new(s->s3, &err); /* NULL: every request takes the backend */
    lt->queue = h2o_multithread_create_queue(lt->ctx.loop);
    h2o_multithread_register_receiver(lt->queue, &lt->receiver, on_replies);
    h2o_multithread_register_receiver(lt->queue, &lt->wakes, on_wakes);
    lt->waiters = presign_waiters_new(WAITING_READS_PER_LOOP, WAITING_READS_PER_TENANT);
    atomic_store(&lt->accepting_wakes, true);
    lt->listener = h2o_evloop_socket_create(lt->ctx.loop, lt->fd, H2O_SOCKET_FLAG_DONT_READ);
    lt->listener->data = lt;
    h2o_socket_read_start(lt->listener, on_accept);
    int64_t gone_checked_ms = 0;
    while (!atomic_load(&s->done)) {
        h2o_evloop_run(lt->ctx.loop, 100);
        void *out[WAKE_BATCH];
        size_t n;
        if (presign_waiters_count(lt->waiters) && mono_ms() - gone_checked_ms >= 1000) {
            gone_checked_ms = mono_ms(); /* a peek per parked read, once a second */
            release_gone(lt);
        }
        do { /* waiting reads whose time is up answer with the record as it is now */
            n = presign_waiters_expired(lt->waiters, mono_ms(), out, WAKE_BATCH);
            for (size_t i = 0; i < n; i++)
                ask_again(s, out[i]);
        } while (n == WAKE_BATCH);
        if (atomic_load(&s->closing) && presign_waiters_count(lt->waiters))
            wake_parked(lt, "*"); /* shutting down: every waiting read answers now */
        if (atomic_load(&s->closing) && lt->listener) { /* stop accepting; keep serving */
            h2o_socket_read_stop(lt->listener);
            h2o_socket_close(lt->listener);
            lt->listener = NULL;
        }
    }
    atomic_store(&lt->accepting_wakes, false);
    void *left[WAKE_BATCH];
    size_t n; /* reads still parked when the server stops: their clients are gone with it */
    while ((n = presign_waiters_wake(lt->waiters, "*", mono_ms(), left, WAKE_BATCH)) > 0)
        for (size_t i = 0; i < n; i++) {
            job *j = left[i];
            if (j->guard) /* its request must not reach a freed job if it is disposed later */
                j->guard->job = NULL;
            job_free(j);
            atomic_fetch_sub(&s->inflight, 1);
        }
    presign_waiters_destroy(lt->waiters);
    media_sigv4_signer_destroy(lt->signer);
    lt->signer = NULL;
    return NULL;
}

/* The TLS context for MEDIAGATE_TLS_CERT/KEY: TLS 1.2+, ALPN offering h2 then http/1.1.
 * NULL + err when a file cannot be loaded or the key does not match (paths only in the
 * message; nothing from the files). */
static SSL_CTX *tls_context(const presign_config *c, media_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    const char *what = NULL;
    if (ctx == NULL)
        what = "cannot create a TLS context";
    else if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
        what = "cannot require TLS 1.2";
    else if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1)
        what = "cannot load the certificate chain in MEDIAGATE_TLS_CERT";
    else if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_key, SSL_FILETYPE_PEM) != 1)
        what = "cannot load the private key in MEDIAGATE_TLS_KEY, or it does not match "
               "MEDIAGATE_TLS_CERT";
    else if (SSL_CTX_check_private_key(ctx) != 1)
        what = "MEDIAGATE_TLS_KEY does not match MEDIAGATE_TLS_CERT";
    if (what) {
        char reason[160];
        ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
        ERR_clear_error();
        SSL_CTX_free(ctx);
        media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT, "%s (%s)", what, reason);
        return NULL;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
    return ctx;
}

presign_server *presign_server_start(const presign_config *c, const media_s3_config *s3,
                                     media_error *err)
{
    SSL_CTX *ssl_ctx = NULL;
    if (c->tls_cert[0] && (ssl_ctx = tls_context(c, err)) == NULL)
        return NULL;
    if (media_schema_require(c->store.database_url, media_migrations_latest(), err) != MEDIA_OK) {
        SSL_CTX_free(ssl_ctx);
        return NULL;
    }
    server *s = media_calloc(1, sizeof(*s));
    s->c = *c;
    s->s3 = s3;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->m = media_metrics_new();
    s->state = presign_state_new(&s->c, s3, s->m);
    s->shed =
        media_metrics_counter(s->m, "mediagate_http_shed_total",
                              "Requests answered 503 because the backend queue was full", NULL);
    s->waiting = media_metrics_gauge(s->m, "mediagate_http_waiting_reads",
                                     "GET ?wait= requests parked until their record changes", NULL);
    s->ssl_ctx = ssl_ctx;
    if (ssl_ctx && c->hsts_max_age_s > 0)
        snprintf(s->hsts, sizeof(s->hsts), "max-age=%ld", c->hsts_max_age_s);
    media_s3_location loc;
    media_error lerr;
    const char *bucket_origin = media_s3_locate(&s3->public_endpoint, s3->addressing, s3->bucket,
                                                "x", &loc, &lerr) == MEDIA_OK
                                    ? loc.origin
                                    : "";
    snprintf(s->page_csp, sizeof(s->page_csp),
             "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' %s; "
             "img-src 'self' %s; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
             bucket_origin, bucket_origin); /* uploads go to the bucket (connect-src) */
    h2o_config_init(&s->global);
    s->global.max_request_entity_size = (size_t)c->body_max_bytes;
    s->global.server_name = h2o_iovec_init(H2O_STRLIT("mediagate")); /* no version on the wire */
    h2o_hostconf_t *host =
        h2o_config_register_host(&s->global, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof(*handler));
    handler->on_req = on_req;
    h2o_compress_args_t gz = {.min_size = 1024, .gzip = {1}, .brotli = {-1}};
    h2o_compress_register(path, &gz);

    s->loops = media_calloc((size_t)c->threads, sizeof(loop_thread));
    for (int i = 0; i < c->threads; i++) {
        loop_thread *lt = &s->loops[i];
        lt->srv = s;
        lt->fd = listen_fd(c, err);
        if (lt->fd < 0) {
            /* threads not started yet: close what was bound, free the rest */
            for (int k = 0; k < i; k++)
                close(s->loops[k].fd);
            free(s->loops);
            SSL_CTX_free(s->ssl_ctx);
            presign_state_destroy(s->state);
            media_metrics_destroy(s->m);
            free(s);
            return NULL;
        }
    }
    if (c->admin_port > 0 && (s->admin = media_admin_http_start(c->admin_host, c->admin_port,
                                                                on_admin, s, err)) == NULL) {
        for (int k = 0; k < c->threads; k++)
            close(s->loops[k].fd);
        free(s->loops);
        SSL_CTX_free(s->ssl_ctx);
        presign_state_destroy(s->state);
        media_metrics_destroy(s->m);
        free(s);
        return NULL;
    }
    s->backends = media_calloc((size_t)c->backend_threads, sizeof(pthread_t));
    for (int i = 0; i < c->backend_threads; i++)
        pthread_create(&s->backends[i], NULL, backend_thread, s);
    for (int i = 0; i < c->threads; i++)
        pthread_create(&s->loops[i].tid, NULL, loop_main, &s->loops[i]);
    media_otlp_start(c->otlp_endpoint, "mediagate-serve", s->m);
    if (c->store.redis_url[0]) /* waiting reads wake on any replica's events */
        s->events =
            media_events_listen(c->store.redis_url, c->store.queue_prefix, on_media_event, s);
    media_log(MEDIA_LOG_INFO, NULL, NULL,
              "serving %s on %s:%d (%d loops, %d backend threads); admin on %s:%d",
              ssl_ctx ? "HTTPS (h2, http/1.1)" : "HTTP/1.1", c->listen_host, c->listen_port,
              c->threads, c->backend_threads, c->admin_port ? c->admin_host : "off", c->admin_port);
    return s;
}

void presign_server_stop(presign_server *s)
{
    s->stopping = 1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void presign_server_wait(presign_server *s)
{
    while (!s->stopping)
        sleep_ms(50);
    atomic_store(&s->draining, true);
    media_metric_set(s->state->ready_gauge, 0);
    media_log(MEDIA_LOG_INFO, NULL, NULL,
              "draining: /ready answers 503; closing listeners in %ld s", s->c.drain_delay_s);
    sleep_ms(s->c.drain_delay_s * 1000);
    atomic_store(&s->closing, true);
    media_events_listener_stop(s->events); /* parked reads answer now (the loops see closing) */
    s->events = NULL;
    for (int i = 0; i < 300 && atomic_load(&s->inflight) > 0; i++)
        sleep_ms(100); /* in-flight requests finish (30 s at most) */
    sleep_ms(200);     /* let the loops flush the last responses */
    atomic_store(&s->done, true);
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->c.threads; i++)
        pthread_join(s->loops[i].tid, NULL);
    for (int i = 0; i < s->c.backend_threads; i++)
        pthread_join(s->backends[i], NULL);
    media_admin_http_stop(s->admin);
    media_otlp_stop(); /* what is queued is sent */
    media_log(MEDIA_LOG_INFO, NULL, NULL, "stopped");
    /* loop contexts are left to process exit: h2o 2.2 has no complete loop teardown */
    free(s->backends);
    SSL_CTX_free(s->ssl_ctx); /* reference-counted: connections left to exit keep theirs */
    presign_state_destroy(s->state);
    media_metrics_destroy(s->m);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}
