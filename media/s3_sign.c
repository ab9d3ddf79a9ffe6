/*
 * s3_sign.c - AWS Signature Version 4 (header and query auth) for S3.
 *
 * Everything is built in fixed-size buffers (no allocation per signature): a presigned URL
 * costs two SHA-256 passes over the canonical request and string to sign, plus one HMAC with
 * the cached signing key. The derivation chain (date, region, service, "aws4_request") runs
 * once per UTC day per signer.
 *
 * Reference: AWS "Signature Calculations for the Authorization Header" and "Authenticating
 * Requests: Using Query Parameters" (S3). S3 differs from other services in two ways kept
 * here: the path is encoded once (not twice) and is not normalised, and
 * x-amz-content-sha256 is required.
 */
#include "s3_sign.h"
#include "hash.h"
#include "mem.h"
#include "strbuf.h"
#include "uri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct media_sigv4_signer {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL when none */
    char region[64];
    char service[32];
    char key_date[9];        /* YYYYMMDD the cached key was derived for, "" when none */
    media_hmac_key *signing; /* cached kSigning, ready to MAC */
};

/* ---- validation ---- */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

bool media_sigv4_date_valid(const char *d)
{
    if (d == NULL || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
        return false;
    if (!all_digits(d, 8) || !all_digits(d + 9, 6))
        return false;
    int mon = num(d + 4, 2), day = num(d + 6, 2);
    int hh = num(d + 9, 2), mm = num(d + 11, 2), ss = num(d + 13, 2);
    return num(d, 4) >= 1970 && mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hh <= 23 &&
           mm <= 59 && ss <= 60;
}

/* Scope parts go into "date/region/service/aws4_request" unescaped: keep them to a safe set. */
static bool scope_part_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* ---- signer ---- */

media_sigv4_signer *media_sigv4_signer_new(const media_aws_credentials *creds, const char *region,
                                           const char *service, media_error *err)
{
    if (creds == NULL || creds->access_key_id == NULL || creds->access_key_id[0] == '\0') {
        media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "access key id is empty");
        return NULL;
    }
    if (creds->secret_access_key == NULL || creds->secret_access_key[0] == '\0') {
        media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                        "secret access key is empty");
        return NULL;
    }
    /* the access key id appears in the credential scope: no '/' or control characters */
    for (const char *p = creds->access_key_id; *p; p++) {
        if (*p == '/' || (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
            media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                            "access key id contains a character not allowed in a credential");
            return NULL;
        }
    }
    if (!scope_part_ok(region, 64)) {
        media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                        "region must be 1-63 characters of [A-Za-z0-9_-]");
        return NULL;
    }
    if (!scope_part_ok(service, 32)) {
        media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                        "service must be 1-31 characters of [A-Za-z0-9_-]");
        return NULL;
    }
    media_sigv4_signer *s = media_calloc(1, sizeof(*s));
    s->access_key_id = media_strdup(creds->access_key_id);
    s->secret_access_key = media_strdup(creds->secret_access_key);
    if (creds->session_token && creds->session_token[0])
        s->session_token = media_strdup(creds->session_token);
    snprintf(s->region, sizeof(s->region), "%s", region);
    snprintf(s->service, sizeof(s->service), "%s", service);
    return s;
}

void media_sigv4_signer_destroy(media_sigv4_signer *s)
{
    if (s == NULL)
        return;
    free(s->access_key_id);
    media_free_secret(s->secret_access_key);
    media_free_secret(s->session_token);
    media_hmac_key_destroy(s->signing);
    free(s);
}

bool media_sigv4_signer_has_session_token(const media_sigv4_signer *s)
{
    return s->session_token != NULL;
}

const char *media_sigv4_signer_session_token(const media_sigv4_signer *s)
{
    return s->session_token;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
 * derived once per date and kept with its pads absorbed. */
static const media_hmac_key *signing_key(media_sigv4_signer *s, const char *date8)
{
    if (s->signing && memcmp(s->key_date, date8, 8) == 0)
        return s->signing;

    uint8_t k[MEDIA_SHA256_LEN];
    size_t slen = strlen(s->secret_access_key);
    char *seed = media_malloc(slen + 5);
    memcpy(seed, "AWS4", 4);
    memcpy(seed + 4, s->secret_access_key, slen + 1);
    media_hmac_sha256(seed, slen + 4, date8, 8, k);
    media_free_secret(seed);
    media_hmac_sha256(k, sizeof(k), s->region, strlen(s->region), k);
    media_hmac_sha256(k, sizeof(k), s->service, strlen(s->service), k);
    media_hmac_sha256(k, sizeof(k), "aws4_request", 12, k);

    media_hmac_key_destroy(s->signing);
    s->signing = media_hmac_key_new(k, sizeof(k));
    memset(k, 0, sizeof(k));
    memcpy(s->key_date, date8, 8);
    s->key_date[8] = '\0';
    return s->signing;
}

/* ---- canonical pieces ---- */

typedef struct {
    const char *name; /* encoded, in the scratch buffer */
    const char *value;
} enc_pair;

static int cmp_pair(const enc_pair *x, const enc_pair *y)
{
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* Append the canonical query string of params (encoded, sorted by name then value). */
static media_code canonical_query(media_sb *out, const media_kv *params, size_t n, media_error *err)
{
    if (n > MEDIA_SIGV4_MAX_PARAMS)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "more than %d query parameters", MEDIA_SIGV4_MAX_PARAMS);
    char scratch[MEDIA_SIGV4_MAX_CANONICAL];
    media_sb sc = {scratch, 0, sizeof(scratch), false};
    enc_pair pairs[MEDIA_SIGV4_MAX_PARAMS];
    for (size_t i = 0; i < n; i++) {
        if (params[i].name == NULL || params[i].name[0] == '\0')
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "empty query parameter name");
        size_t at = sc.len;
        media_uri_encode_sb(&sc, params[i].name, strlen(params[i].name), false);
        media_sb_putc(&sc, '\0');
        size_t vat = sc.len;
        const char *v = params[i].value ? params[i].value : "";
        media_uri_encode_sb(&sc, v, strlen(v), false);
        media_sb_putc(&sc, '\0');
        if (sc.overflow)
            return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                                   "query string too long to sign");
        pairs[i].name = scratch + at;
        pairs[i].value = scratch + vat;
    }
    /* media_sb_putc of '\0' moved len past the terminator, so offsets above stay valid.
     * Insertion sort: n is at most MEDIA_SIGV4_MAX_PARAMS and usually already in order. */
    for (size_t i = 1; i < n; i++) {
        enc_pair p = pairs[i];
        size_t j = i;
        for (; j > 0 && cmp_pair(&pairs[j - 1], &p) > 0; j--)
            pairs[j] = pairs[j - 1];
        pairs[j] = p;
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            media_sb_putc(out, '&');
        media_sb_puts(out, pairs[i].name);
        media_sb_putc(out, '=');
        media_sb_puts(out, pairs[i].value);
    }
    return MEDIA_OK;
}

media_code media_sigv4_canonical_query(const media_kv *params, size_t n, char *out, size_t cap,
                                       media_error *err)
{
    if (cap == 0)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT, "no room");
    media_sb b = {out, 0, cap, false};
    out[0] = '\0';
    media_code rc = canonical_query(&b, params, n, err);
    if (rc == MEDIA_OK && b.overflow)
        rc = media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                             "query string does not fit");
    return rc;
}

typedef struct {
    char name[64];
    const char *value; /* borrowed, untrimmed */
} hdr;

static int cmp_hdr(const void *a, const void *b)
{
    const hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    /* keep the caller's order for repeated names (qsort is not stable) */
    return x < y ? -1 : x > y;
}

static bool token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
           c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' ||
           c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
}

/* A header value as signed: leading/trailing whitespace trimmed, runs of spaces and tabs
 * collapsed to one space. */
static void put_trimmed(media_sb *out, const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (space)
            media_sb_putc(out, ' ');
        space = false;
        media_sb_putc(out, c);
    }
}

/* "YYYYMMDD/region/service/aws4_request" for amz_date */
static void put_scope(media_sb *b, const media_sigv4_signer *s, const char *amz_date)
{
    media_sb_put(b, amz_date, 8);
    media_sb_putc(b, '/');
    media_sb_puts(b, s->region);
    media_sb_putc(b, '/');
    media_sb_puts(b, s->service);
    media_sb_put(b, "/aws4_request", 13);
}

static media_code finish(media_sigv4_signer *s, const char *amz_date, const char *canonical,
                         size_t canonical_len, media_sigv4_result *out)
{
    uint8_t h[MEDIA_SHA256_LEN];
    char hex[2 * MEDIA_SHA256_LEN + 1];
    media_sha256(canonical, canonical_len, h);
    media_hex(h, sizeof(h), hex);
    media_sb scope = media_sb_over(out->credential_scope, sizeof(out->credential_scope));
    put_scope(&scope, s, amz_date);
    media_sb sts = media_sb_over(out->string_to_sign, sizeof(out->string_to_sign));
    media_sb_put(&sts, "AWS4-HMAC-SHA256\n", 17);
    media_sb_put(&sts, amz_date, 16);
    media_sb_putc(&sts, '\n');
    media_sb_put(&sts, scope.p, scope.len);
    media_sb_putc(&sts, '\n');
    media_sb_put(&sts, hex, 2 * MEDIA_SHA256_LEN);
    media_hmac_key_mac(signing_key(s, amz_date), sts.p, sts.len, h);
    media_hex(h, sizeof(h), out->signature);
    return MEDIA_OK;
}

media_code media_sigv4_credential(const media_sigv4_signer *s, const char *amz_date, char *out,
                                  size_t cap, media_error *err)
{
    if (!media_sigv4_date_valid(amz_date))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "signing time must be YYYYMMDDTHHMMSSZ");
    int n = snprintf(out, cap, "%s/%.8s/%s/%s/aws4_request", s->access_key_id, amz_date, s->region,
                     s->service);
    if (n < 0 || (size_t)n >= cap)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "credential too long");
    return MEDIA_OK;
}

media_code media_sigv4_sign_policy(media_sigv4_signer *s, const char *amz_date,
                                   const char *policy_b64, char signature[65], media_error *err)
{
    if (!media_sigv4_date_valid(amz_date))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "signing time must be YYYYMMDDTHHMMSSZ");
    uint8_t h[MEDIA_SHA256_LEN];
    media_hmac_key_mac(signing_key(s, amz_date), policy_b64, strlen(policy_b64), h);
    media_hex(h, sizeof(h), signature);
    return MEDIA_OK;
}

media_code media_sigv4_sign(media_sigv4_signer *s, const media_sigv4_request *req,
                            media_sigv4_result *out, media_error *err)
{
    if (req->method == NULL || req->method[0] == '\0' || req->path == NULL || req->path[0] != '/')
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "request needs a method and a path starting with '/'");
    if (!media_sigv4_date_valid(req->amz_date))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "signing time must be YYYYMMDDTHHMMSSZ");
    if (req->payload_hash == NULL || req->payload_hash[0] == '\0')
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "payload hash is required");
    if (req->header_count > MEDIA_SIGV4_MAX_HEADERS)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "more than %d headers to sign", MEDIA_SIGV4_MAX_HEADERS);

    hdr hs[MEDIA_SIGV4_MAX_HEADERS];
    bool have_host = false;
    for (size_t i = 0; i < req->header_count; i++) {
        const char *nm = req->headers[i].name;
        size_t n = nm ? strlen(nm) : 0;
        if (n == 0 || n >= sizeof(hs[i].name))
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "header name empty or longer than 63 characters");
        for (size_t j = 0; j <= n; j++) {
            char c = nm[j];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (j < n && !token_char(c))
                return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                       "header name has a character not allowed in HTTP");
            hs[i].name[j] = c;
        }
        hs[i].value = req->headers[i].value ? req->headers[i].value : "";
        for (const char *v = hs[i].value; *v; v++)
            if (*v == '\r' || *v == '\n')
                return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                       "header value contains a line break");
        have_host |= strcmp(hs[i].name, "host") == 0;
    }
    if (!have_host)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "the host header must be signed");
    qsort(hs, req->header_count, sizeof(hs[0]), cmp_hdr);

    media_sb cr = {out->canonical_request, 0, sizeof(out->canonical_request), false};
    cr.p[0] = '\0';
    media_sb_puts(&cr, req->method);
    media_sb_putc(&cr, '\n');
    media_sb_puts(&cr, req->path);
    media_sb_putc(&cr, '\n');
    media_code rc = canonical_query(&cr, req->query, req->query_count, err);
    if (rc != MEDIA_OK)
        return rc;
    media_sb_putc(&cr, '\n');

    media_sb sh = {out->signed_headers, 0, sizeof(out->signed_headers), false};
    sh.p[0] = '\0';
    for (size_t i = 0; i < req->header_count; i++) {
        bool repeat = i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0;
        if (repeat) { /* same name again: values joined with ',' on one line */
            media_sb_putc(&cr, ',');
        } else {
            if (i)
                media_sb_putc(&cr, '\n');
            media_sb_puts(&cr, hs[i].name);
            media_sb_putc(&cr, ':');
            if (sh.len)
                media_sb_putc(&sh, ';');
            media_sb_puts(&sh, hs[i].name);
        }
        put_trimmed(&cr, hs[i].value);
    }
    media_sb_puts(&cr, "\n\n");
    media_sb_puts(&cr, out->signed_headers);
    media_sb_putc(&cr, '\n');
    media_sb_puts(&cr, req->payload_hash);
    if (cr.overflow || sh.overflow)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "request too large to sign");
    return finish(s, req->amz_date, cr.p, cr.len, out);
}

media_code media_sigv4_authorization(const media_sigv4_signer *s, const media_sigv4_result *r,
                                     char *buf, size_t cap, media_error *err)
{
    int n = snprintf(buf, cap, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                     s->access_key_id, r->credential_scope, r->signed_headers, r->signature);
    if (n < 0 || (size_t)n >= cap)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "authorization header does not fit");
    return MEDIA_OK;
}

static bool presign_method_ok(const char *m)
{
    return m && (strcmp(m, "GET") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "HEAD") == 0 ||
                 strcmp(m, "DELETE") == 0);
}

media_code media_sigv4_presign(media_sigv4_signer *s, const media_sigv4_presign_request *req,
                               char *query, size_t cap, media_sigv4_result *stages,
                               media_error *err)
{
    if (!presign_method_ok(req->method))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "method must be GET, PUT, HEAD or DELETE");
    if (req->expires_s < 1 || req->expires_s > MEDIA_SIGV4_MAX_EXPIRES_S)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "expiry must be 1..%ld seconds", MEDIA_SIGV4_MAX_EXPIRES_S);
    if (!media_sigv4_date_valid(req->amz_date))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "signing time must be YYYYMMDDTHHMMSSZ");
    if (req->host == NULL || req->host[0] == '\0' || req->path == NULL || req->path[0] != '/')
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "presign needs a host and a path starting with '/'");
    for (const char *p = req->host; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '/' || (unsigned char)*p == 0x7f)
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "host contains a character not allowed in a host");

    media_sigv4_result local;
    media_sigv4_result *r = stages ? stages : &local;
    char credential[256], expires[24];
    media_sb cred = media_sb_over(credential, sizeof(credential));
    media_sb_puts(&cred, s->access_key_id);
    media_sb_putc(&cred, '/');
    put_scope(&cred, s, req->amz_date);
    if (cred.overflow)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "credential too long");
    media_sb exp = media_sb_over(expires, sizeof(expires));
    media_sb_put_long(&exp, req->expires_s);

    /* signed headers, in canonical (sorted) order */
    char signed_names[64], canon_headers[1024];
    media_sb names = media_sb_over(signed_names, sizeof(signed_names));
    media_sb canon = media_sb_over(canon_headers, sizeof(canon_headers));
    if (req->content_length) {
        media_sb_puts(&names, "content-length;");
        media_sb_puts(&canon, "content-length:");
        media_sb_puts(&canon, req->content_length);
        media_sb_putc(&canon, '\n');
    }
    if (req->content_type) {
        media_sb_puts(&names, "content-type;");
        media_sb_puts(&canon, "content-type:");
        media_sb_puts(&canon, req->content_type);
        media_sb_putc(&canon, '\n');
    }
    media_sb_puts(&names, "host");
    if (canon.overflow || (req->content_type && strchr(req->content_type, '\n')) ||
        (req->content_length && strchr(req->content_length, '\n')))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "a signed header value is too long or has a line break");

    media_kv params[12];
    size_t np = 0;
    params[np++] = (media_kv){"X-Amz-Algorithm", "AWS4-HMAC-SHA256"};
    params[np++] = (media_kv){"X-Amz-Credential", credential};
    params[np++] = (media_kv){"X-Amz-Date", req->amz_date};
    params[np++] = (media_kv){"X-Amz-Expires", expires};
    if (s->session_token)
        params[np++] = (media_kv){"X-Amz-Security-Token", s->session_token};
    params[np++] = (media_kv){"X-Amz-SignedHeaders", signed_names};
    if (req->part_number && req->upload_id) {
        params[np++] = (media_kv){"partNumber", req->part_number};
        params[np++] = (media_kv){"uploadId", req->upload_id};
    }
    if (req->response_content_disposition)
        params[np++] =
            (media_kv){"response-content-disposition", req->response_content_disposition};
    if (req->response_content_type)
        params[np++] = (media_kv){"response-content-type", req->response_content_type};

    if (cap == 0)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT, "no room");
    media_sb q = media_sb_over(query, cap);
    media_code rc = canonical_query(&q, params, np, err);
    if (rc != MEDIA_OK)
        return rc;
    if (q.overflow)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "presigned query does not fit");

    media_sb cr = {r->canonical_request, 0, sizeof(r->canonical_request), false};
    cr.p[0] = '\0';
    media_sb_puts(&cr, req->method);
    media_sb_putc(&cr, '\n');
    media_sb_puts(&cr, req->path);
    media_sb_putc(&cr, '\n');
    media_sb_put(&cr, q.p, q.len);
    media_sb_putc(&cr, '\n');
    media_sb_put(&cr, canon.p, canon.len);
    media_sb_puts(&cr, "host:");
    media_sb_puts(&cr, req->host);
    media_sb_puts(&cr, "\n\n");
    media_sb_put(&cr, names.p, names.len);
    media_sb_puts(&cr, "\n" MEDIA_SIGV4_UNSIGNED_PAYLOAD);
    if (cr.overflow)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "request too large to sign");
    memcpy(r->signed_headers, names.p, names.len + 1);
    finish(s, req->amz_date, cr.p, cr.len, r);

    media_sb_puts(&q, "&X-Amz-Signature=");
    media_sb_puts(&q, r->signature);
    if (q.overflow)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                               "presigned query does not fit");
    return MEDIA_OK;
}
