/*
 * s3_location.h - where an S3 request goes: endpoint URLs, path-style or virtual-hosted
 * addressing, and the encoded path and Host header of a bucket or object.
 *
 * Pure string work, no I/O. Used by the S3 client (the endpoint workers reach) and by
 * presigning (the public endpoint clients reach, which may differ).
 */
#ifndef MEDIA_S3_LOCATION_H
#define MEDIA_S3_LOCATION_H

#include "error.h"

#include <stdbool.h>

#define MEDIA_S3_MAX_KEY_BYTES 1024 /* S3's limit on an object key (UTF-8 bytes) */

typedef enum {
    MEDIA_S3_ADDRESSING_PATH,    /* http://endpoint/bucket/key */
    MEDIA_S3_ADDRESSING_VIRTUAL, /* http://bucket.endpoint/key */
} media_s3_addressing;

/* A parsed endpoint URL ("https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:7480"). */
typedef struct media_endpoint {
    bool https;
    char host[256]; /* as written in a URL: IPv6 literals keep their brackets */
    int port;       /* explicit or the scheme's default */
    bool default_port;
} media_endpoint;

/*
 * Parse "http[s]://host[:port][/]". No user info, path, query or fragment: an endpoint is
 * only a scheme and an authority. Errors: MEDIA_ERR_CONFIG with a message naming the problem
 * (never echoing the URL, which may be mistaken for a secret-free value but is not ours to log).
 */
media_code media_endpoint_parse(const char *url, media_endpoint *out, media_error *err);

/* True when host is an IPv4 or bracketed IPv6 literal (virtual addressing cannot use it). */
bool media_endpoint_is_ip_literal(const media_endpoint *ep);

/* True when name is a valid S3 bucket name (3-63 of a-z 0-9 . -, starts and ends with a
 * letter or digit, not an IPv4 address, no "..", no ".-"/"-." pairs). */
bool media_s3_bucket_name_valid(const char *name);

/*
 * Validate an object key: 1..1024 bytes of valid UTF-8 with no control characters.
 * Fills err with MEDIA_ERR_INVALID and a reason when not.
 */
media_code media_s3_key_check(const char *key, media_error *err);

/* Where one request goes. Plain data, caller-owned. */
typedef struct media_s3_location {
    char host[320];   /* Host header value (with ":port" when not the default) */
    char origin[400]; /* "scheme://host[:port]" */
    char path[3400];  /* encoded path: "/bucket/key" (path) or "/key" (virtual); "/" at least */
} media_s3_location;

/*
 * Locate bucket (required) and key (NULL: the bucket itself). The key is encoded by S3's
 * rules with '/' kept. Errors: MEDIA_ERR_INVALID for a bad bucket or key, or virtual
 * addressing on an IP-literal endpoint.
 */
media_code media_s3_locate(const media_endpoint *ep, media_s3_addressing addressing,
                           const char *bucket, const char *key, media_s3_location *out,
                           media_error *err);

#endif
