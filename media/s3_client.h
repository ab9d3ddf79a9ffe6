/*
 * s3_client.h - a small S3 client over the HTTP adapter (http.h): streaming PUT, multipart upload,
 * HEAD, streaming GET, DELETE, bucket creation, and cleanup of stale multipart uploads.
 *
 * Every request is signed with SigV4 header auth (media/s3_sign.h) and always carries
 * x-amz-content-sha256 (a body hash or UNSIGNED-PAYLOAD; uploads send Content-MD5 where the
 * body is in memory, so S3 checks the bytes). S3 error documents are parsed into the
 * media_error message ("S3 <Code>: <Message> (request id ...)") and classified transient /
 * rate-limited / permanent. TLS verification is on unless the configuration turns it off.
 *
 * Thread: one client per thread (it owns a curl easy handle and reuses its connection).
 * Ownership: the client copies what it needs from the configuration.
 */
#ifndef MEDIA_S3_CLIENT_H
#define MEDIA_S3_CLIENT_H

#include "config.h"
#include "error.h"
#include "s3_sign.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MEDIA_S3_MIN_PART_BYTES (5u * 1024 * 1024) /* S3: every part but the last */
#define MEDIA_S3_MAX_PART_BYTES (5ull * 1024 * 1024 * 1024)
#define MEDIA_S3_MAX_PARTS      10000
#define MEDIA_S3_MAX_PUT_BYTES  (5ull * 1024 * 1024 * 1024) /* one PUT */

/* Read up to cap bytes into buf. Return the count, 0 at end of data, MEDIA_READ_ABORT to
 * abort the request (the caller's own error state says why). */
typedef size_t (*media_read_fn)(void *ud, char *buf, size_t cap);
#define MEDIA_READ_ABORT ((size_t)-1)
/* Consume n bytes; return 0 to continue, non-zero to abort the request. */
typedef int (*media_write_fn)(void *ud, const char *data, size_t n);

typedef struct media_s3_client_options {
    long connect_timeout_ms; /* default 5000 */
    long low_speed_bytes;    /* abort when slower than this ... (default 1024 B/s) */
    long low_speed_time_s;   /* ... for this long (default 30 s) */
    long timeout_ms;         /* whole request; 0 = none (default) */
    time_t (*now)(void);     /* clock for signing; NULL = time() */
    /* when set non-zero, running requests abort (may be NULL); never aborts and deletes, which
     * are what leaves nothing behind (they are bounded by their own 15 s timeout instead) */
    volatile sig_atomic_t *cancel;
} media_s3_client_options;

typedef struct media_s3_client media_s3_client;

/* Fill opts with the defaults above. */
void media_s3_client_options_init(media_s3_client_options *opts);

/*
 * Create a client for cfg (copied; cfg->bucket may be overridden with bucket when not NULL).
 * NULL + err on invalid credentials or a missing bucket. The caller destroys it.
 */
media_s3_client *media_s3_client_new(const media_s3_config *cfg, const char *bucket,
                                     const media_s3_client_options *opts, media_error *err);
void media_s3_client_destroy(media_s3_client *c);

/* Requests this process sent to S3 (every client, retries included), for /metrics. */
unsigned long long media_s3_requests_total(void);
/* The bucket this client works on. Borrowed. */
const char *media_s3_client_bucket(const media_s3_client *c);

/* What S3 said about an object. Plain data. */
typedef struct media_s3_object_info {
    int http_status;
    char etag[80];          /* without quotes */
    int64_t content_length; /* -1 when not given */
    char content_type[128];
    char cache_control[128];
    char request_id[128];
} media_s3_object_info;

/* Headers an upload may set. All optional (NULL). */
typedef struct media_s3_put_options {
    const char *content_type;
    const char *cache_control;
    const char *content_md5_b64; /* Content-MD5 of the whole body, when known up front */
} media_s3_put_options;

/* PUT key with a body of exactly `length` bytes pulled from read. A source that ends early or
 * aborts fails the request (S3 stores nothing for an incomplete PUT). length <= 5 GiB. */
media_code media_s3_put(media_s3_client *c, const char *key, media_read_fn read, void *ud,
                        uint64_t length, const media_s3_put_options *po, media_s3_object_info *info,
                        media_error *err);
/* PUT key from memory; the body is hashed and MD5-checked by S3. */
media_code media_s3_put_buffer(media_s3_client *c, const char *key, const void *data, size_t len,
                               const media_s3_put_options *po, media_s3_object_info *info,
                               media_error *err);
/* HEAD key. MEDIA_ERR_NOT_FOUND (permanent) when absent. */
media_code media_s3_head(media_s3_client *c, const char *key, media_s3_object_info *info,
                         media_error *err);
/* GET key, streaming the body to write. MEDIA_ERR_NOT_FOUND when absent. */
media_code media_s3_get(media_s3_client *c, const char *key, media_write_fn write, void *ud,
                        media_s3_object_info *info, media_error *err);
/* DELETE key (absent keys succeed, as in S3). */
media_code media_s3_delete(media_s3_client *c, const char *key, media_error *err);
/* HEAD the client's bucket (readiness: reachable, credentials accepted, bucket exists). */
media_code media_s3_bucket_check(media_s3_client *c, media_error *err);
/* Create the client's bucket; already owning it is success. */
media_code media_s3_create_bucket(media_s3_client *c, media_error *err);

/* ---- multipart ---- */

typedef struct media_s3_part {
    int number;      /* 1..10000 */
    char etag[80];   /* without quotes */
    uint8_t md5[16]; /* MD5 of the part's bytes (for the multipart ETag check) */
} media_s3_part;

/* Copy src_key to dst_key inside the bucket, on the server, only while src_key's ETag is still
 * if_match_etag (without quotes): the bytes copied are the bytes that were checked (a copy of
 * an object replaced meanwhile fails: 412, MEDIA_ERR_CONFLICT-like, transient). The copy gets
 * content_type and cache_control (NULL: none) instead of the source's metadata. Up to 5 GiB
 * (S3's limit for one copy). info (may be NULL): the new object's ETag. */
media_code media_s3_copy(media_s3_client *c, const char *src_key, const char *if_match_etag,
                         const char *dst_key, const char *content_type, const char *cache_control,
                         media_s3_object_info *info, media_error *err);

/* The same for objects of any size (issue 25: a staged upload over 5 GiB): a multipart upload
 * of dst_key whose parts (part_size each, at least 5 MiB, grown so there are at most 10000)
 * are ranges copied from src_key under the same ETag condition; aborted on any failure. size:
 * the source's length. */
media_code media_s3_copy_multipart(media_s3_client *c, const char *src_key,
                                   const char *if_match_etag, int64_t size, int64_t part_size,
                                   const char *dst_key, const char *content_type,
                                   const char *cache_control, media_s3_object_info *info,
                                   media_error *err);

/* The ETag S3 gives a completed multipart upload: hex MD5 of the parts' MD5s, "-", count.
 * out: 48 bytes. */
void media_s3_multipart_etag(const media_s3_part *parts, size_t count, char out[48]);

/* Start an upload; writes its id (NUL-terminated) to upload_id (cap bytes). */
media_code media_s3_multipart_create(media_s3_client *c, const char *key,
                                     const media_s3_put_options *po, char *upload_id, size_t cap,
                                     media_error *err);
/* Upload part `number` from memory (Content-MD5 checked by S3); fills part. md5: the part's
 * MD5 when the caller already has it (MEDIA_MD5_LEN bytes), NULL to compute it here. */
media_code media_s3_multipart_upload_part(media_s3_client *c, const char *key,
                                          const char *upload_id, int number, const void *data,
                                          size_t len, const uint8_t *md5, media_s3_part *part,
                                          media_error *err);
/* Complete with parts in ascending order; info->etag gets the multipart ETag ("...-N"; read by
 * HEAD when the server leaves it out of its answer, as Ceph RGW 16 does). S3 may
 * answer 200 with an error document: that is reported as the error it contains. */
media_code media_s3_multipart_complete(media_s3_client *c, const char *key, const char *upload_id,
                                       const media_s3_part *parts, size_t count,
                                       media_s3_object_info *info, media_error *err);
/* Abort an upload (an already-gone upload succeeds: NoSuchUpload is what abort wants). */
/* ListParts: the bytes (and parts) uploaded so far to an in-progress multipart upload. */
media_code media_s3_multipart_parts_size(media_s3_client *c, const char *key, const char *upload_id,
                                         int64_t *total, int *parts, media_error *err);
media_code media_s3_multipart_abort(media_s3_client *c, const char *key, const char *upload_id,
                                    media_error *err);

/* One in-progress upload, as listed. */
typedef struct media_s3_upload {
    char key[MEDIA_S3_MAX_KEY_BYTES + 1];
    char upload_id[256];
    time_t initiated; /* UTC */
} media_s3_upload;

/* Called for each listed upload; return non-zero to stop listing. */
typedef int (*media_s3_upload_fn)(void *ud, const media_s3_upload *u);

/* List in-progress uploads under prefix (NULL: all), following pagination. */
media_code media_s3_multipart_list(media_s3_client *c, const char *prefix, media_s3_upload_fn fn,
                                   void *ud, media_error *err);
/* Abort every upload under prefix initiated at least age_s seconds before now.
 * *aborted (may be NULL) gets the count. Stops at the first failure. */
media_code media_s3_multipart_abort_older_than(media_s3_client *c, const char *prefix, time_t now,
                                               long age_s, size_t *aborted, media_error *err);

/* ---- pure helpers (no I/O), exposed for tests ---- */

/* Classify an S3 answer: HTTP status plus the error document's Code (may be NULL/"").
 * NoSuchUpload is transient: an upload of ours aborted under us is retried with a new one. */
media_error_class media_s3_classify(int http_status, const char *s3_code);
/* Parse "2013-05-24T00:00:00.000Z" (ISO 8601 UTC, S3's format) into *out. */
bool media_s3_parse_time(const char *s, time_t *out);
/* Format t as "YYYYMMDDTHHMMSSZ" into out (17 bytes). */
void media_s3_amz_date(time_t t, char out[17]);

#endif
