/*
 * s3_client.c - the S3 client, over the HTTP adapter (http.h).
 *
 * Each operation describes itself as an s3_call (method, key, query, extra signed headers,
 * body source and sink); s3_perform signs it, runs it on the client's reused connection and
 * turns transport and S3 errors into media_error values. To add an operation, fill an s3_call and
 * call s3_perform; signing, error parsing and classification come with it.
 */
#include "s3_client.h"
#include "http.h"
#include "timing.h"
#include "trace.h"
#include "hash.h"
#include "log.h"
#include "mem.h"
#include "strbuf.h"
#include "uri.h"
#include "xml.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERROR_BODY_MAX    (64 * 1024)   /* an S3 error document is small */
#define RESPONSE_BODY_MAX (1024 * 1024) /* listing pages, upload ids, complete results */

struct media_s3_client {
    media_http *http;
    media_sigv4_signer *signer;
    media_endpoint endpoint;
    media_s3_addressing addressing;
    char bucket[64];
    bool verify_tls;
    char *ca_file;
    media_s3_client_options opts;
};

void media_s3_client_options_init(media_s3_client_options *o)
{
    memset(o, 0, sizeof(*o));
    o->connect_timeout_ms = 5000;
    o->low_speed_bytes = 1024;
    o->low_speed_time_s = 30;
}

media_s3_client *media_s3_client_new(const media_s3_config *cfg, const char *bucket,
                                     const media_s3_client_options *opts, media_error *err)
{
    const char *b = bucket && bucket[0] ? bucket : cfg->bucket;
    if (b == NULL || b[0] == '\0') {
        media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                        "MEDIAGATE_S3_BUCKET is not set");
        return NULL;
    }
    if (!media_s3_bucket_name_valid(b)) {
        media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT, "invalid bucket name");
        return NULL;
    }
    media_aws_credentials creds = {cfg->access_key_id, cfg->secret_access_key, cfg->session_token};
    media_sigv4_signer *signer = media_sigv4_signer_new(&creds, cfg->region, "s3", err);
    if (signer == NULL)
        return NULL;
    media_s3_client *c = media_calloc(1, sizeof(*c));
    c->http = media_http_new();
    c->signer = signer;
    c->endpoint = cfg->endpoint;
    c->addressing = cfg->addressing;
    snprintf(c->bucket, sizeof(c->bucket), "%s", b);
    c->verify_tls = cfg->verify_tls;
    c->ca_file = media_strdup(cfg->ca_file);
    if (opts)
        c->opts = *opts;
    else
        media_s3_client_options_init(&c->opts);
    return c;
}

void media_s3_client_destroy(media_s3_client *c)
{
    if (c == NULL)
        return;
    media_http_destroy(c->http);
    media_sigv4_signer_destroy(c->signer);
    free(c->ca_file);
    free(c);
}

const char *media_s3_client_bucket(const media_s3_client *c)
{
    return c->bucket;
}

/* ---- pure helpers ---- */

media_error_class media_s3_classify(int http_status, const char *code)
{
    if (code == NULL)
        code = "";
    if (http_status == 429)
        return MEDIA_CLASS_RATE_LIMITED;
    if (http_status >= 500 || strcmp(code, "SlowDown") == 0 || strcmp(code, "InternalError") == 0)
        return MEDIA_CLASS_TRANSIENT;
    /* 4xx that describe a passing condition, not a wrong request */
    /* NoSuchUpload: our own upload was aborted under us (a cleanup, a lifecycle rule): the
     * next attempt starts a new one; it says nothing about the request */
    static const char *const transient_4xx[] = {
        "RequestTimeout",   "RequestTimeTooSkewed",      "BadDigest",   "IncompleteBody",
        "OperationAborted", "XAmzContentSHA256Mismatch", "NoSuchUpload"};
    for (size_t i = 0; i < sizeof(transient_4xx) / sizeof(transient_4xx[0]); i++)
        if (strcmp(code, transient_4xx[i]) == 0)
            return MEDIA_CLASS_TRANSIENT;
    if (http_status == 408)
        return MEDIA_CLASS_TRANSIENT;
    return MEDIA_CLASS_PERMANENT;
}

static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

bool media_s3_parse_time(const char *s, time_t *out)
{
    int y, mo, d, h, mi, sec;
    if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    *out = (time_t)(days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400L + h * 3600L + mi * 60L +
                    sec);
    return true;
}

void media_s3_amz_date(time_t t, char out[17])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* ---- one request ---- */

typedef struct {
    const char *method;
    const char *key; /* NULL: bucket-level */
    const media_kv *query;
    size_t query_count;
    const media_kv *headers; /* extra headers, all signed */
    size_t header_count;
    const char *payload_hash; /* NULL: UNSIGNED-PAYLOAD */
    /* request body: memory, or a read callback with a known length, or none */
    const char *body;
    size_t body_len;
    media_read_fn read;
    void *read_ud;
    uint64_t read_len;
    /* 2xx response body: streamed to write, or collected into response, or dropped */
    media_write_fn write;
    void *write_ud;
    media_buf *response;
    media_s3_object_info *info;
    bool head;    /* no response body (HEAD) */
    bool cleanup; /* an abort or delete: never cancelled (it is what leaves nothing behind),
                     but bounded by CLEANUP_TIMEOUT_MS */
} s3_call;

/* A cleanup request may outlive a cancel, never a dead server. */
#define CLEANUP_TIMEOUT_MS 15000L

typedef struct {
    media_s3_client *c;
    s3_call *call;
    long status;       /* from the status line, known before the body */
    media_buf errbody; /* non-2xx body */
    uint64_t sent;
    bool source_short; /* the read callback ended before read_len */
    bool source_abort; /* the read callback aborted */
    bool sink_abort;   /* the write callback aborted */
    bool too_big;      /* response over its bound */
    long retry_after_s;
} s3_xfer;

static size_t on_read(void *ud, char *buf, size_t cap)
{
    s3_xfer *x = ud;
    uint64_t left = x->call->read_len - x->sent;
    if (left == 0)
        return 0;
    if (cap > left)
        cap = (size_t)left;
    size_t n = x->call->read(x->call->read_ud, buf, cap);
    if (n == MEDIA_READ_ABORT) {
        x->source_abort = true;
        return MEDIA_HTTP_READ_ABORT;
    }
    if (n == 0) { /* ended before the declared length: never let S3 see a short body */
        x->source_short = true;
        return MEDIA_HTTP_READ_ABORT;
    }
    x->sent += n;
    return n;
}

static bool on_write(void *ud, const char *data, size_t n)
{
    s3_xfer *x = ud;
    if (x->status < 200 || x->status > 299) {
        if (media_buf_append(&x->errbody, data, n) != 0)
            x->too_big = true; /* keep what fits; the status says enough */
        return true;
    }
    if (x->call->write) {
        if (x->call->write(x->call->write_ud, data, n) != 0) {
            x->sink_abort = true;
            return false;
        }
        return true;
    }
    if (x->call->response && media_buf_append(x->call->response, data, n) != 0) {
        x->too_big = true;
        return false;
    }
    return true;
}

static void header_value(const char *line, size_t n, size_t name_len, char *out, size_t cap)
{
    const char *v = line + name_len;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t len = (size_t)(end - v);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

/* Copy an ETag without its surrounding quotes into dst (cap bytes), truncating. */
static void copy_etag(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= 2 && src[0] == '"' && src[n - 1] == '"') {
        src++;
        n -= 2;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool on_header(void *ud, const char *line, size_t n)
{
    s3_xfer *x = ud;
    media_s3_object_info *info = x->call->info;
    if (n > 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new response (after 100/redirect) */
        const char *sp = memchr(line, ' ', n);
        x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        return true;
    }
    char tmp[64];
#define IS(h) (n > sizeof(h) - 1 && strncasecmp(line, h, sizeof(h) - 1) == 0)
    if (IS("Retry-After:")) {
        header_value(line, n, 12, tmp, sizeof(tmp));
        x->retry_after_s = strtol(tmp, NULL, 10);
    }
    if (info == NULL)
        return true;
    if (IS("ETag:")) {
        char raw[sizeof(info->etag) + 2];
        header_value(line, n, 5, raw, sizeof(raw));
        copy_etag(info->etag, sizeof(info->etag), raw);
    } else if (IS("Content-Length:")) {
        header_value(line, n, 15, tmp, sizeof(tmp));
        info->content_length = strtoll(tmp, NULL, 10);
    } else if (IS("Content-Type:")) {
        header_value(line, n, 13, info->content_type, sizeof(info->content_type));
    } else if (IS("Cache-Control:")) {
        header_value(line, n, 14, info->cache_control, sizeof(info->cache_control));
    } else if (IS("x-amz-request-id:")) {
        header_value(line, n, 17, info->request_id, sizeof(info->request_id));
    }
#undef IS
    return true;
}

static bool keep_going(void *ud)
{
    s3_xfer *x = ud;
    return x->call->cleanup || !(x->c->opts.cancel && *x->c->opts.cancel);
}

static media_code transport_failure(s3_xfer *x, const media_http_result *res, media_error *err)
{
    if (x->source_abort)
        return media_error_set(err, MEDIA_ERR_IO, MEDIA_CLASS_TRANSIENT,
                               "upload source failed; S3 stored nothing");
    if (x->source_short)
        return media_error_set(err, MEDIA_ERR_IO, MEDIA_CLASS_TRANSIENT,
                               "upload source ended after %llu of %llu bytes; S3 stored nothing",
                               (unsigned long long)x->sent, (unsigned long long)x->call->read_len);
    if (x->sink_abort)
        return media_error_set(err, MEDIA_ERR_IO, MEDIA_CLASS_PERMANENT,
                               "download consumer stopped the transfer");
    if (x->too_big)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "S3 response larger than %d bytes", RESPONSE_BODY_MAX);
    if (res->outcome == MEDIA_HTTP_CANCELLED)
        return media_error_set(err, MEDIA_ERR_CANCELLED, MEDIA_CLASS_TRANSIENT,
                               "S3 request cancelled");
    media_code code = MEDIA_ERR_NETWORK;
    if (res->outcome == MEDIA_HTTP_TIMEOUT)
        code = MEDIA_ERR_TIMEOUT;
    else if (res->outcome == MEDIA_HTTP_TLS_CERT || res->outcome == MEDIA_HTTP_TLS_HANDSHAKE)
        code = MEDIA_ERR_TLS;
    /* certificate problems will not fix themselves; every other transport failure might */
    media_error_class cls =
        res->outcome == MEDIA_HTTP_TLS_CERT ? MEDIA_CLASS_PERMANENT : MEDIA_CLASS_TRANSIENT;
    return media_error_set(err, code, cls, "S3 %s %s:%d: %s", x->call->method, x->c->endpoint.host,
                           x->c->endpoint.port, res->message);
}

static media_code s3_failure(s3_xfer *x, const char *doc, size_t len, media_error *err)
{
    char code[64] = "", msg[256] = "", rid[128] = "";
    media_xml_get(doc, len, "Code", code, sizeof(code));
    media_xml_get(doc, len, "Message", msg, sizeof(msg));
    media_xml_get(doc, len, "RequestId", rid, sizeof(rid));
    int status = (int)x->status;
    media_error_class cls = media_s3_classify(status, code);
    media_code mc = MEDIA_ERR_S3;
    if (status == 404 && (code[0] == '\0' || strcmp(code, "NoSuchKey") == 0))
        mc = MEDIA_ERR_NOT_FOUND;
    if (code[0] == '\0')
        snprintf(code, sizeof(code), "HTTP %d", status);
    media_error_set(err, mc, cls, "S3 %s: %s%s%s%s", code, msg[0] ? msg : "no message",
                    rid[0] ? " (request id " : "", rid, rid[0] ? ")" : "");
    if (err) {
        err->http_status = status;
        err->retry_after_s = x->retry_after_s;
    }
    return mc;
}

/* Locate, date, hash and sign one call: its URL (carrying exactly the query that was signed)
 * and its header list with the Authorization. Both the caller's to free, also on failure. */
/* The header lines of one call ("Name: value", or "Name:" to drop one the adapter adds),
 * kept in one buffer; line[] is filled by seal_lines once the buffer stops moving. */
#define CALL_LINES (MEDIA_SIGV4_MAX_HEADERS + 5)
typedef struct {
    size_t at[CALL_LINES];
    const char *line[CALL_LINES + 1]; /* NULL-terminated */
    size_t n;
    media_buf text;
} call_headers;

static void add_line(call_headers *h, const char *name, const char *sep, const char *value)
{
    h->at[h->n++] = h->text.len;
    media_buf_appends(&h->text, name);
    media_buf_appends(&h->text, sep);
    media_buf_appends(&h->text, value);
    media_buf_append(&h->text, "", 1); /* each line ends with its NUL */
}

static void seal_lines(call_headers *h)
{
    for (size_t i = 0; i < h->n; i++)
        h->line[i] = h->text.data + h->at[i];
    h->line[h->n] = NULL;
}

static media_code sign_call(media_s3_client *c, const s3_call *call, char **url_out,
                            call_headers *list, media_error *err)
{
    media_s3_location loc;
    media_code rc = media_s3_locate(&c->endpoint, c->addressing, c->bucket, call->key, &loc, err);
    if (rc != MEDIA_OK)
        return rc;

    char amz_date[17];
    media_s3_amz_date(c->opts.now ? c->opts.now() : time(NULL), amz_date);

    char body_hash[65];
    const char *payload_hash = call->payload_hash;
    if (payload_hash == NULL && call->read == NULL) { /* sign what we have in memory */
        uint8_t h[MEDIA_SHA256_LEN];
        media_sha256(call->body ? call->body : "", call->body_len, h);
        media_hex(h, sizeof(h), body_hash);
        payload_hash = body_hash;
    }
    if (payload_hash == NULL)
        payload_hash = MEDIA_SIGV4_UNSIGNED_PAYLOAD;

    media_kv hs[MEDIA_SIGV4_MAX_HEADERS];
    size_t nh = 0;
    hs[nh++] = (media_kv){"host", loc.host};
    hs[nh++] = (media_kv){"x-amz-date", amz_date};
    hs[nh++] = (media_kv){"x-amz-content-sha256", payload_hash};
    const char *token = media_sigv4_signer_session_token(c->signer);
    if (token)
        hs[nh++] = (media_kv){"x-amz-security-token", token};
    if (call->header_count > MEDIA_SIGV4_MAX_HEADERS - nh)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "too many headers");
    for (size_t i = 0; i < call->header_count; i++)
        hs[nh++] = call->headers[i];

    media_sigv4_request req = {call->method, loc.path, call->query,  call->query_count,
                               hs,           nh,       payload_hash, amz_date};
    media_sigv4_result *sig = media_malloc(sizeof(*sig));
    char *url = NULL;

    rc = media_sigv4_sign(c->signer, &req, sig, err);
    if (rc != MEDIA_OK)
        goto out;

    char auth[2048];
    rc = media_sigv4_authorization(c->signer, sig, auth, sizeof(auth), err);
    if (rc != MEDIA_OK)
        goto out;

    /* the URL carries exactly the query that was signed */
    char query[4096];
    rc = media_sigv4_canonical_query(call->query, call->query_count, query, sizeof(query), err);
    if (rc != MEDIA_OK)
        goto out;
    size_t url_len = strlen(loc.origin) + strlen(loc.path) + strlen(query) + 2;
    url = media_malloc(url_len);
    snprintf(url, url_len, "%s%s%s%s", loc.origin, loc.path, query[0] ? "?" : "", query);

    for (size_t i = 0; i < nh; i++)
        add_line(list, hs[i].name, ": ", hs[i].value);
    add_line(list, "Authorization", ": ", auth);
    add_line(list, "Expect", ":", "");  /* no 100-continue round trip */
    char tp[MEDIA_TRACEPARENT_LEN + 1]; /* the trace this request belongs to (not signed) */
    media_trace_header(media_trace_current(), tp);
    if (tp[0])
        add_line(list, "traceparent", ": ", tp);
    if (call->read == NULL && call->body == NULL && strcmp(call->method, "POST") != 0)
        add_line(list, "Content-Type", ":", ""); /* nothing to describe */
    seal_lines(list);

    rc = MEDIA_OK;
out:
    memset(sig, 0, sizeof(*sig));
    free(sig);
    *url_out = url;
    return rc;
}

/* The adapter's request for one call. */
static void describe(media_s3_client *c, s3_call *call, s3_xfer *x, const char *url,
                     const call_headers *list, media_http_request *r)
{
    long timeout_ms = c->opts.timeout_ms;
    if (call->cleanup && (timeout_ms <= 0 || timeout_ms > CLEANUP_TIMEOUT_MS))
        timeout_ms = CLEANUP_TIMEOUT_MS;
    *r = (media_http_request){
        .method = call->method,
        .url = url,
        .headers = list->line,
        .body = call->body,
        .body_len = call->body_len,
        .read = call->read ? on_read : NULL,
        .read_len = (int64_t)call->read_len,
        .on_header = on_header,
        .on_body = on_write,
        .keep_going = keep_going,
        .ud = x,
        .connect_timeout_ms = c->opts.connect_timeout_ms,
        .timeout_ms = timeout_ms,
        .low_speed_bytes = c->opts.low_speed_bytes,
        .low_speed_time_s = c->opts.low_speed_time_s,
        .insecure = !c->verify_tls,
        .ca_file = c->ca_file,
        .path_as_is = true, /* the path is signed as-is: no dot-folding */
        .env_proxy = true,  /* S3 egress may go through the operator's proxy */
        .upload_buffer_size = 256L * 1024,
    };
}

static _Atomic unsigned long long g_requests; /* media_s3_requests_total */

unsigned long long media_s3_requests_total(void)
{
    return atomic_load(&g_requests);
}

static media_code s3_perform(media_s3_client *c, s3_call *call, media_error *err)
{
    char *url = NULL;
    call_headers list = {.n = 0};
    media_buf_init(&list.text, 64 * 1024);
    s3_xfer x = {.c = c, .call = call};
    media_buf_init(&x.errbody, ERROR_BODY_MAX);
    media_code rc = sign_call(c, call, &url, &list, err);
    if (rc != MEDIA_OK)
        goto out;
    media_http_request r;
    describe(c, call, &x, url, &list, &r);
    if (call->info) {
        memset(call->info, 0, sizeof(*call->info));
        call->info->content_length = -1;
    }
    atomic_fetch_add(&g_requests, 1);
    int64_t t0 = media_timing_start();
    media_http_result *res = media_malloc(sizeof(*res));
    media_http_perform(c->http, &r, res);
    media_timing_add(MEDIA_TIMING_S3, t0);
    long status = res->status;
    x.status = status;
    if (call->info)
        call->info->http_status = (int)status;
    if (res->outcome != MEDIA_HTTP_DONE &&
        !(res->outcome == MEDIA_HTTP_STOPPED && (status < 200 || status > 299)))
        rc = transport_failure(&x, res, err);
    else if (status < 200 || status > 299)
        rc = s3_failure(&x, x.errbody.data ? x.errbody.data : "", x.errbody.len, err);
    else
        rc = MEDIA_OK;
    free(res);
out:
    media_buf_cleanup(&list.text);
    free(url);
    media_buf_cleanup(&x.errbody);
    return rc;
}

/* ---- operations ---- */

static size_t put_headers(const media_s3_put_options *po, media_kv *hs)
{
    size_t n = 0;
    if (po == NULL)
        return 0;
    if (po->content_type)
        hs[n++] = (media_kv){"content-type", po->content_type};
    if (po->cache_control)
        hs[n++] = (media_kv){"cache-control", po->cache_control};
    if (po->content_md5_b64)
        hs[n++] = (media_kv){"content-md5", po->content_md5_b64};
    return n;
}

media_code media_s3_put(media_s3_client *c, const char *key, media_read_fn read, void *ud,
                        uint64_t length, const media_s3_put_options *po, media_s3_object_info *info,
                        media_error *err)
{
    if (length > MEDIA_S3_MAX_PUT_BYTES)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "a single PUT is limited to 5 GiB; use multipart");
    media_kv hs[4];
    media_s3_object_info local;
    s3_call call = {.method = "PUT",
                    .key = key,
                    .headers = hs,
                    .header_count = put_headers(po, hs),
                    .read = read,
                    .read_ud = ud,
                    .read_len = length,
                    .info = info ? info : &local};
    return s3_perform(c, &call, err);
}

media_code media_s3_put_buffer(media_s3_client *c, const char *key, const void *data, size_t len,
                               const media_s3_put_options *po, media_s3_object_info *info,
                               media_error *err)
{
    uint8_t md5[MEDIA_MD5_LEN];
    char md5_b64[32];
    media_md5(data, len, md5);
    media_base64(md5, sizeof(md5), md5_b64);
    media_s3_put_options o = po ? *po : (media_s3_put_options){0};
    o.content_md5_b64 = md5_b64;
    media_kv hs[4];
    media_s3_object_info local;
    s3_call call = {.method = "PUT",
                    .key = key,
                    .headers = hs,
                    .header_count = put_headers(&o, hs),
                    .payload_hash = MEDIA_SIGV4_UNSIGNED_PAYLOAD,
                    .body = data,
                    .body_len = len,
                    .info = info ? info : &local};
    return s3_perform(c, &call, err);
}

media_code media_s3_head(media_s3_client *c, const char *key, media_s3_object_info *info,
                         media_error *err)
{
    media_s3_object_info local;
    s3_call call = {.method = "HEAD", .key = key, .info = info ? info : &local, .head = true};
    return s3_perform(c, &call, err);
}

media_code media_s3_get(media_s3_client *c, const char *key, media_write_fn write, void *ud,
                        media_s3_object_info *info, media_error *err)
{
    media_s3_object_info local;
    s3_call call = {
        .method = "GET", .key = key, .write = write, .write_ud = ud, .info = info ? info : &local};
    return s3_perform(c, &call, err);
}

media_code media_s3_delete(media_s3_client *c, const char *key, media_error *err)
{
    s3_call call = {.method = "DELETE", .key = key, .cleanup = true};
    media_code rc = s3_perform(c, &call, err);
    return rc == MEDIA_ERR_NOT_FOUND ? MEDIA_OK : rc;
}

media_code media_s3_bucket_check(media_s3_client *c, media_error *err)
{
    media_s3_object_info info;
    s3_call call = {.method = "HEAD", .key = NULL, .info = &info, .head = true};
    return s3_perform(c, &call, err);
}

media_code media_s3_create_bucket(media_s3_client *c, media_error *err)
{
    media_error e;
    s3_call call = {.method = "PUT", .key = NULL};
    media_code rc = s3_perform(c, &call, &e);
    if (rc != MEDIA_OK && strstr(e.message, "BucketAlreadyOwnedByYou") != NULL)
        return MEDIA_OK;
    if (rc != MEDIA_OK && err)
        *err = e;
    return rc;
}

media_code media_s3_multipart_create(media_s3_client *c, const char *key,
                                     const media_s3_put_options *po, char *upload_id, size_t cap,
                                     media_error *err)
{
    media_kv hs[4];
    media_kv q[] = {{"uploads", NULL}};
    media_buf resp;
    media_buf_init(&resp, RESPONSE_BODY_MAX);
    s3_call call = {.method = "POST",
                    .key = key,
                    .query = q,
                    .query_count = 1,
                    .headers = hs,
                    .header_count = put_headers(po, hs),
                    .response = &resp};
    media_code rc = s3_perform(c, &call, err);
    if (rc == MEDIA_OK &&
        (!media_xml_get(resp.data ? resp.data : "", resp.len, "UploadId", upload_id, cap) ||
         upload_id[0] == '\0'))
        rc = media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                             "S3 answered CreateMultipartUpload without an UploadId");
    media_buf_cleanup(&resp);
    return rc;
}

media_code media_s3_multipart_upload_part(media_s3_client *c, const char *key,
                                          const char *upload_id, int number, const void *data,
                                          size_t len, const uint8_t *md5, media_s3_part *part,
                                          media_error *err)
{
    if (number < 1 || number > MEDIA_S3_MAX_PARTS)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "part number must be 1..%d", MEDIA_S3_MAX_PARTS);
    char num[16], md5_b64[32];
    uint8_t computed[MEDIA_MD5_LEN];
    snprintf(num, sizeof(num), "%d", number);
    if (md5 == NULL) {
        media_md5(data, len, computed);
        md5 = computed;
    }
    media_base64(md5, MEDIA_MD5_LEN, md5_b64);
    media_kv q[] = {{"partNumber", num}, {"uploadId", upload_id}};
    media_kv hs[] = {{"content-md5", md5_b64}};
    media_s3_object_info info;
    s3_call call = {.method = "PUT",
                    .key = key,
                    .query = q,
                    .query_count = 2,
                    .headers = hs,
                    .header_count = 1,
                    .payload_hash = MEDIA_SIGV4_UNSIGNED_PAYLOAD,
                    .body = data,
                    .body_len = len,
                    .info = &info};
    media_code rc = s3_perform(c, &call, err);
    if (rc != MEDIA_OK)
        return rc;
    if (info.etag[0] == '\0')
        return media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                               "S3 answered UploadPart without an ETag");
    part->number = number;
    snprintf(part->etag, sizeof(part->etag), "%s", info.etag);
    memcpy(part->md5, md5, sizeof(part->md5));
    return MEDIA_OK;
}

void media_s3_multipart_etag(const media_s3_part *parts, size_t count, char out[48])
{
    media_digest *d = media_digest_new(MEDIA_DIGEST_MD5);
    for (size_t i = 0; i < count; i++)
        media_digest_update(d, parts[i].md5, sizeof(parts[i].md5));
    uint8_t m[MEDIA_MD5_LEN];
    media_digest_final(d, m);
    media_digest_destroy(d);
    media_hex(m, sizeof(m), out);
    /* at most MEDIA_S3_MAX_PARTS parts: the count always fits */
    unsigned n = count > MEDIA_S3_MAX_PARTS ? MEDIA_S3_MAX_PARTS : (unsigned)count;
    snprintf(out + 2 * MEDIA_MD5_LEN, 48 - 2 * MEDIA_MD5_LEN, "-%u", n);
}

/* The new object's ETag from the 200 answer of a completion or a copy, into call->info. S3 can
 * fail either after sending 200: the body then is an <Error>. Ceph RGW 16 answers a completion
 * with an empty <ETag/>: the object's HEAD carries it. */
static media_code etag_of_answer(media_s3_client *c, s3_call *call, const media_buf *resp,
                                 media_error *err)
{
    const char *doc = resp->data ? resp->data : "";
    char etag[sizeof(call->info->etag) + 16];
    if (strstr(doc, "<Error>") != NULL) {
        s3_xfer x = {.c = c, .call = call, .status = 200};
        return s3_failure(&x, doc, resp->len, err);
    }
    if (media_xml_get(doc, resp->len, "ETag", etag, sizeof(etag)) && etag[0]) {
        copy_etag(call->info->etag, sizeof(call->info->etag), etag);
        return MEDIA_OK;
    }
    media_code rc = media_s3_head(c, call->key, call->info, err);
    if (rc == MEDIA_OK && call->info->etag[0] == '\0')
        rc = media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                             "S3 gave no ETag for the new object");
    return rc;
}

media_code media_s3_multipart_complete(media_s3_client *c, const char *key, const char *upload_id,
                                       const media_s3_part *parts, size_t count,
                                       media_s3_object_info *info, media_error *err)
{
    if (count == 0 || count > MEDIA_S3_MAX_PARTS)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "a multipart upload needs 1..%d parts", MEDIA_S3_MAX_PARTS);
    media_buf body, resp;
    media_buf_init(&body, 200 * (size_t)MEDIA_S3_MAX_PARTS);
    media_buf_init(&resp, RESPONSE_BODY_MAX);
    media_buf_appends(&body, "<CompleteMultipartUpload>");
    for (size_t i = 0; i < count; i++) {
        char etag[6 * sizeof(parts[i].etag)]; /* every byte escaped to at most 6 */
        if (media_xml_escape(parts[i].etag, etag, sizeof(etag)) < 0) {
            media_buf_cleanup(&body);
            media_buf_cleanup(&resp);
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "part %d: ETag too long", parts[i].number);
        }
        media_buf_appendf(&body, "<Part><PartNumber>%d</PartNumber><ETag>\"%s\"</ETag></Part>",
                          parts[i].number, etag);
    }
    media_buf_appends(&body, "</CompleteMultipartUpload>");
    media_kv q[] = {{"uploadId", upload_id}};
    media_kv hs[] = {{"content-type", "application/xml"}};
    media_s3_object_info local;
    s3_call call = {.method = "POST",
                    .key = key,
                    .query = q,
                    .query_count = 1,
                    .headers = hs,
                    .header_count = 1,
                    .body = body.data,
                    .body_len = body.len,
                    .response = &resp,
                    .info = info ? info : &local};
    media_code rc = s3_perform(c, &call, err);
    if (rc == MEDIA_OK)
        rc = etag_of_answer(c, &call, &resp, err);
    media_buf_cleanup(&body);
    media_buf_cleanup(&resp);
    return rc;
}

/* A copy's x-amz-copy-source ("/bucket/key", the key encoded) and its if-match condition
 * (the ETag quoted), for media_s3_copy and media_s3_copy_multipart. */
#define COPY_SOURCE_MAX (3 * 1024 + 512) /* S3 keys are at most 1024 bytes, encoded 3x */
static media_code copy_condition(media_s3_client *c, const char *src_key, const char *if_match_etag,
                                 char source[COPY_SOURCE_MAX], char match[96], media_error *err)
{
    media_sb s = media_sb_over(source, COPY_SOURCE_MAX);
    media_sb_putc(&s, '/');
    media_sb_puts(&s, media_s3_client_bucket(c));
    media_sb_putc(&s, '/');
    media_uri_encode_sb(&s, src_key, strlen(src_key), true);
    if (s.overflow || snprintf(match, 96, "\"%s\"", if_match_etag) >= 96)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "copy source or ETag too long");
    return MEDIA_OK;
}

media_code media_s3_copy(media_s3_client *c, const char *src_key, const char *if_match_etag,
                         const char *dst_key, const char *content_type, const char *cache_control,
                         media_s3_object_info *info, media_error *err)
{
    char source[COPY_SOURCE_MAX], match[96];
    media_code rc0 = copy_condition(c, src_key, if_match_etag, source, match, err);
    if (rc0 != MEDIA_OK)
        return rc0;
    media_kv hs[] = {{"x-amz-copy-source", source},
                     {"x-amz-copy-source-if-match", match},
                     {"x-amz-metadata-directive", "REPLACE"},
                     {"content-type", content_type},
                     {"cache-control", cache_control}};
    media_buf resp;
    media_buf_init(&resp, RESPONSE_BODY_MAX);
    media_s3_object_info local;
    s3_call call = {.method = "PUT",
                    .key = dst_key,
                    .headers = hs,
                    .header_count = cache_control ? 5 : 4,
                    .response = &resp,
                    .info = info ? info : &local};
    media_code rc = s3_perform(c, &call, err);
    if (rc == MEDIA_OK)
        rc = etag_of_answer(c, &call, &resp, err);
    media_buf_cleanup(&resp);
    return rc;
}

media_code media_s3_copy_multipart(media_s3_client *c, const char *src_key,
                                   const char *if_match_etag, int64_t size, int64_t part_size,
                                   const char *dst_key, const char *content_type,
                                   const char *cache_control, media_s3_object_info *info,
                                   media_error *err)
{
    char source[COPY_SOURCE_MAX], match[96];
    media_code rc0 = copy_condition(c, src_key, if_match_etag, source, match, err);
    if (rc0 != MEDIA_OK)
        return rc0;
    if (part_size < MEDIA_S3_MIN_PART_BYTES)
        part_size = MEDIA_S3_MIN_PART_BYTES;
    if ((size + part_size - 1) / part_size > 10000) /* S3's limit: grow the parts */
        part_size = (size + 9999) / 10000;
    size_t count = size > 0 ? (size_t)((size + part_size - 1) / part_size) : 1;
    media_s3_put_options po = {content_type, cache_control, NULL};
    char upload_id[256];
    media_code rc = media_s3_multipart_create(c, dst_key, &po, upload_id, sizeof(upload_id), err);
    if (rc != MEDIA_OK)
        return rc;
    media_s3_part *parts = media_calloc(count, sizeof(*parts));
    media_buf resp;
    media_buf_init(&resp, RESPONSE_BODY_MAX);
    for (size_t i = 0; i < count && rc == MEDIA_OK; i++) {
        int64_t from = (int64_t)i * part_size;
        int64_t to = from + part_size > size ? size - 1 : from + part_size - 1;
        char num[16], range[64];
        snprintf(num, sizeof(num), "%d", (int)(i + 1));
        snprintf(range, sizeof(range), "bytes=%lld-%lld", (long long)from, (long long)to);
        media_kv q[] = {{"partNumber", num}, {"uploadId", upload_id}};
        media_kv hs[] = {{"x-amz-copy-source", source},
                         {"x-amz-copy-source-if-match", match},
                         {"x-amz-copy-source-range", range}};
        media_s3_object_info pinfo;
        media_buf_reset(&resp);
        s3_call call = {.method = "PUT",
                        .key = dst_key,
                        .query = q,
                        .query_count = 2,
                        .headers = hs,
                        .header_count = size > 0 ? 3 : 2,
                        .response = &resp,
                        .info = &pinfo};
        rc = s3_perform(c, &call, err);
        const char *doc = resp.data ? resp.data : "";
        char etag[sizeof(parts[i].etag) + 16] = "";
        if (rc == MEDIA_OK && strstr(doc, "<Error>") != NULL) {
            s3_xfer x = {.c = c, .call = &call, .status = 200};
            rc = s3_failure(&x, doc, resp.len, err);
        } else if (rc == MEDIA_OK && !media_xml_get(doc, resp.len, "ETag", etag, sizeof(etag))) {
            rc = media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                                 "S3 gave no ETag for a copied part");
        }
        parts[i].number = (int)i + 1;
        copy_etag(parts[i].etag, sizeof(parts[i].etag), etag);
    }
    media_buf_cleanup(&resp);
    if (rc == MEDIA_OK)
        rc = media_s3_multipart_complete(c, dst_key, upload_id, parts, count, info, err);
    free(parts);
    media_error e;
    if (rc != MEDIA_OK && media_s3_multipart_abort(c, dst_key, upload_id, &e) != MEDIA_OK)
        media_log(MEDIA_LOG_WARN, NULL, NULL,
                  "copy of %s: multipart upload %s not aborted (the upload sweeper will): %s",
                  dst_key, upload_id, e.message);
    return rc;
}

media_code media_s3_multipart_abort(media_s3_client *c, const char *key, const char *upload_id,
                                    media_error *err)
{
    media_kv q[] = {{"uploadId", upload_id}};
    media_error e;
    s3_call call = {.method = "DELETE", .key = key, .query = q, .query_count = 1, .cleanup = true};
    media_code rc = s3_perform(c, &call, &e);
    if (rc != MEDIA_OK && e.http_status == 404) /* NoSuchUpload: already gone */
        return MEDIA_OK;
    if (rc != MEDIA_OK && err)
        *err = e;
    return rc;
}

media_code media_s3_multipart_list(media_s3_client *c, const char *prefix, media_s3_upload_fn fn,
                                   void *ud, media_error *err)
{
    char key_marker[MEDIA_S3_MAX_KEY_BYTES + 1] = "", id_marker[256] = "";
    media_buf resp;
    media_buf_init(&resp, RESPONSE_BODY_MAX);
    media_s3_upload *u = media_malloc(sizeof(*u));
    media_code rc = MEDIA_OK;
    for (;;) {
        media_kv q[4];
        size_t nq = 0;
        q[nq++] = (media_kv){"uploads", NULL};
        if (prefix && prefix[0])
            q[nq++] = (media_kv){"prefix", prefix};
        if (key_marker[0])
            q[nq++] = (media_kv){"key-marker", key_marker};
        if (id_marker[0])
            q[nq++] = (media_kv){"upload-id-marker", id_marker};
        media_buf_reset(&resp);
        s3_call call = {.method = "GET", .query = q, .query_count = nq, .response = &resp};
        rc = s3_perform(c, &call, err);
        if (rc != MEDIA_OK)
            break;
        const char *doc = resp.data ? resp.data : "";
        size_t pos = 0, n;
        const char *el;
        bool stop = false;
        while (!stop && media_xml_next(doc, resp.len, "Upload", &pos, &el, &n)) {
            char when[64] = "";
            memset(u, 0, sizeof(*u));
            if (!media_xml_get(el, n, "Key", u->key, sizeof(u->key)) ||
                !media_xml_get(el, n, "UploadId", u->upload_id, sizeof(u->upload_id)) ||
                !media_xml_get(el, n, "Initiated", when, sizeof(when)) ||
                !media_s3_parse_time(when, &u->initiated)) {
                rc = media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                                     "S3 listed an upload without Key, UploadId or Initiated");
                stop = true;
                break;
            }
            stop = fn(ud, u) != 0;
        }
        if (rc != MEDIA_OK || stop)
            break;
        char truncated[8] = "";
        media_xml_get(doc, resp.len, "IsTruncated", truncated, sizeof(truncated));
        if (strcmp(truncated, "true") != 0)
            break;
        char next_key[sizeof(key_marker)] = "", next_id[sizeof(id_marker)] = "";
        media_xml_get(doc, resp.len, "NextKeyMarker", next_key, sizeof(next_key));
        media_xml_get(doc, resp.len, "NextUploadIdMarker", next_id, sizeof(next_id));
        if (next_key[0] == '\0' ||
            (strcmp(next_key, key_marker) == 0 && strcmp(next_id, id_marker) == 0)) {
            rc = media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                                 "S3 upload listing is truncated but gives no next marker");
            break;
        }
        memcpy(key_marker, next_key, sizeof(key_marker));
        memcpy(id_marker, next_id, sizeof(id_marker));
    }
    free(u);
    media_buf_cleanup(&resp);
    return rc;
}

media_code media_s3_multipart_parts_size(media_s3_client *c, const char *key, const char *upload_id,
                                         int64_t *total, int *parts, media_error *err)
{
    *total = 0;
    *parts = 0;
    char marker[16] = "";
    media_buf resp;
    media_buf_init(&resp, RESPONSE_BODY_MAX);
    media_code rc = MEDIA_OK;
    for (int page = 0; page < 10000; page++) { /* S3 holds at most 10000 parts */
        media_kv q[2] = {{"uploadId", upload_id}, {"part-number-marker", marker}};
        media_buf_reset(&resp);
        s3_call call = {.method = "GET",
                        .key = key,
                        .query = q,
                        .query_count = marker[0] ? 2 : 1,
                        .response = &resp};
        if ((rc = s3_perform(c, &call, err)) != MEDIA_OK)
            break;
        const char *doc = resp.data ? resp.data : "";
        size_t pos = 0, n;
        const char *el;
        while (media_xml_next(doc, resp.len, "Part", &pos, &el, &n)) {
            char size[32] = "";
            media_xml_get(el, n, "Size", size, sizeof(size));
            *total += strtoll(size, NULL, 10);
            (*parts)++;
        }
        char truncated[8] = "", next[16] = "";
        media_xml_get(doc, resp.len, "IsTruncated", truncated, sizeof(truncated));
        media_xml_get(doc, resp.len, "NextPartNumberMarker", next, sizeof(next));
        if (strcmp(truncated, "true") != 0)
            break;
        if (next[0] == '\0' || strcmp(next, marker) == 0) {
            rc = media_error_set(err, MEDIA_ERR_PROTOCOL, MEDIA_CLASS_TRANSIENT,
                                 "S3 part listing is truncated but gives no next marker");
            break;
        }
        memcpy(marker, next, sizeof(marker));
    }
    media_buf_cleanup(&resp);
    return rc;
}

typedef struct {
    media_s3_upload *stale;
    size_t count, cap;
    time_t cutoff;
} stale_list;

static int collect_stale(void *ud, const media_s3_upload *u)
{
    stale_list *s = ud;
    if (u->initiated > s->cutoff)
        return 0;
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->stale = media_realloc(s->stale, s->cap * sizeof(*s->stale));
    }
    s->stale[s->count++] = *u;
    return 0;
}

media_code media_s3_multipart_abort_older_than(media_s3_client *c, const char *prefix, time_t now,
                                               long age_s, size_t *aborted, media_error *err)
{
    /* list first, then abort: aborting while paging would move the markers under us */
    stale_list s = {.cutoff = now - age_s};
    size_t done = 0;
    media_code rc = media_s3_multipart_list(c, prefix, collect_stale, &s, err);
    for (size_t i = 0; rc == MEDIA_OK && i < s.count; i++) {
        rc = media_s3_multipart_abort(c, s.stale[i].key, s.stale[i].upload_id, err);
        if (rc == MEDIA_OK)
            done++;
    }
    if (aborted)
        *aborted = done;
    free(s.stale);
    return rc;
}
