/*
 * s3_sign.h - AWS Signature Version 4 for S3: header auth and presigned (query) URLs.
 *
 * Pure: no I/O, no clock, no environment. The signing time is a parameter ("YYYYMMDDTHHMMSSZ")
 * so signatures are repeatable and tests are byte-exact. Every stage (canonical request,
 * string to sign, signature) is exposed in media_sigv4_result for golden tests.
 *
 * Thread: a media_sigv4_signer caches the derived signing key of the last date it signed for;
 * it belongs to one thread at a time (give each thread its own; they are small).
 * Secrets: the signer copies the secret key and wipes it on destroy; nothing here logs.
 */
#ifndef MEDIA_S3_SIGN_H
#define MEDIA_S3_SIGN_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>

#define MEDIA_SIGV4_MAX_EXPIRES_S 604800L /* SigV4's hard limit: 7 days */
#define MEDIA_SIGV4_MAX_CANONICAL 32768   /* bound on a canonical request we build */
/* A presigned query: room for a session token of MEDIA_SESSION_TOKEN_MAX bytes even when every
 * byte is percent-encoded (3x), plus the other parameters and the signature. */
#define MEDIA_SIGV4_MAX_QUERY 16384
/* A presigned URL: the query above after an origin and an object path. */
#define MEDIA_SIGV4_MAX_URL          (MEDIA_SIGV4_MAX_QUERY + 4096)
#define MEDIA_SIGV4_MAX_PARAMS       32 /* query parameters per request */
#define MEDIA_SIGV4_MAX_HEADERS      32 /* headers per signed request */
#define MEDIA_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define MEDIA_SIGV4_EMPTY_SHA256     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* A name/value pair; both borrowed. */
typedef struct media_kv {
    const char *name;
    const char *value;
} media_kv;

/* Credentials; borrowed by the functions that take them, copied by the signer. */
typedef struct media_aws_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" when not using temporary credentials */
} media_aws_credentials;

typedef struct media_sigv4_signer media_sigv4_signer;

/*
 * Create a signer for region/service ("us-east-1", "s3") with a copy of the credentials.
 * Returns NULL and fills err (MEDIA_ERR_INVALID) when a credential, region or service is
 * missing or contains characters that cannot appear in a credential scope.
 * The caller owns the result and frees it with media_sigv4_signer_destroy.
 */
media_sigv4_signer *media_sigv4_signer_new(const media_aws_credentials *creds, const char *region,
                                           const char *service, media_error *err);
void media_sigv4_signer_destroy(media_sigv4_signer *s);
/* True when the signer holds a session token (X-Amz-Security-Token / x-amz-security-token). */
bool media_sigv4_signer_has_session_token(const media_sigv4_signer *s);
/* The session token, or NULL. Borrowed from the signer. */
const char *media_sigv4_signer_session_token(const media_sigv4_signer *s);

/* Every stage of one signature. Filled by the signing functions; plain data, caller-owned. */
typedef struct media_sigv4_result {
    char canonical_request[MEDIA_SIGV4_MAX_CANONICAL];
    char string_to_sign[256];
    char signed_headers[1024];
    char signature[65];
    char credential_scope[128]; /* "20130524/us-east-1/s3/aws4_request" */
} media_sigv4_result;

/* A request to sign with header auth. All strings borrowed. */
typedef struct media_sigv4_request {
    const char *method;       /* "GET", "PUT", ... */
    const char *path;         /* the URI path exactly as sent, already S3-encoded */
    const media_kv *query;    /* decoded names and values; the signer encodes and sorts */
    size_t query_count;       /* a value of NULL signs as "name=" (e.g. "?uploads") */
    const media_kv *headers;  /* any case; must include host, x-amz-date and */
    size_t header_count;      /* x-amz-content-sha256 (S3 requires it) */
    const char *payload_hash; /* hex SHA-256 of the body, or UNSIGNED-PAYLOAD */
    const char *amz_date;     /* "YYYYMMDDTHHMMSSZ" */
} media_sigv4_request;

/*
 * Sign req: fills every stage of *out. Errors (MEDIA_ERR_INVALID / MEDIA_ERR_TOO_LARGE): a
 * malformed amz_date, missing host header, too many parameters/headers, or a canonical
 * request over MEDIA_SIGV4_MAX_CANONICAL.
 */
media_code media_sigv4_sign(media_sigv4_signer *s, const media_sigv4_request *req,
                            media_sigv4_result *out, media_error *err);

/*
 * Format the Authorization header value of a signed result into buf (cap bytes):
 * "AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=..., Signature=...".
 * Returns MEDIA_ERR_TOO_LARGE when it does not fit.
 */
media_code media_sigv4_authorization(const media_sigv4_signer *s, const media_sigv4_result *r,
                                     char *buf, size_t cap, media_error *err);

/* A presigned-URL request. All strings borrowed. */
typedef struct media_sigv4_presign_request {
    const char *method;   /* GET, PUT, HEAD or DELETE */
    const char *host;     /* Host header value the client will send (with :port if not default) */
    const char *path;     /* URI path, already S3-encoded */
    const char *amz_date; /* "YYYYMMDDTHHMMSSZ" */
    long expires_s;       /* 1..MEDIA_SIGV4_MAX_EXPIRES_S */
    const char *response_content_type;        /* NULL: none */
    const char *response_content_disposition; /* NULL: none */
    /* Direct uploads (PUT): an UploadPart's query, and headers the client must then send with
     * exactly these values (signed: S3 refuses any other length or type). NULL: none. */
    const char *part_number; /* with upload_id */
    const char *upload_id;
    const char *content_length;
    const char *content_type;
} media_sigv4_presign_request;

/*
 * Presign: writes the whole query string (no leading '?'), X-Amz-Signature last, into query
 * (cap bytes). stages may be NULL; when given it receives every stage. The payload is
 * UNSIGNED-PAYLOAD; the signed headers are host, and content-length / content-type when the
 * request names them (uploads).
 * Errors: MEDIA_ERR_INVALID (method, expiry out of 1..604800, bad date), MEDIA_ERR_TOO_LARGE.
 */
media_code media_sigv4_presign(media_sigv4_signer *s, const media_sigv4_presign_request *req,
                               char *query, size_t cap, media_sigv4_result *stages,
                               media_error *err);

/*
 * A browser-form upload (S3 POST Object, SigV4): the credential ("AKID/date/region/s3/
 * aws4_request", cap 256) to put in the form's x-amz-credential field and the policy the
 * caller built must name, and the hex signature of the base64 policy (65 bytes). The form
 * also carries x-amz-algorithm AWS4-HMAC-SHA256, x-amz-date and, with a session token,
 * x-amz-security-token (media_sigv4_signer_session_token).
 */
media_code media_sigv4_credential(const media_sigv4_signer *s, const char *amz_date, char *out,
                                  size_t cap, media_error *err);
media_code media_sigv4_sign_policy(media_sigv4_signer *s, const char *amz_date,
                                   const char *policy_b64, char signature[65], media_error *err);

/*
 * The canonical query string of params (S3-encoded, sorted by name then value, joined by
 * '&') into out (cap bytes). Used for request URLs so the query sent is the query signed.
 */
media_code media_sigv4_canonical_query(const media_kv *params, size_t n, char *out, size_t cap,
                                       media_error *err);

/* True when d is a well-formed "YYYYMMDDTHHMMSSZ" with plausible field ranges. */
bool media_sigv4_date_valid(const char *d);

#endif
