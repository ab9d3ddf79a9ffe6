/*
 * s3_upload.h - the one way bytes become an S3 object: a stream of writes in, one verified
 * object out, nothing partial left behind. Used by ingest (source -> S3) and `mediagate put`
 * (file or stdin -> S3).
 *
 * A pure plan decides the mode from the declared length:
 *   - declared and no larger than single_put_max: one streaming PUT with that length, fed
 *     through a small pipe buffer (pipe_bytes);
 *   - otherwise multipart with part_size parts, at most two part buffers (one filling, one
 *     uploading). When the input ends within its first part, that part goes up in one PUT
 *     from memory instead.
 * An uploader thread runs the S3 side; a full buffer blocks the writer (backpressure), an
 * empty one the uploader.
 *
 * Verification: the stored ETag must equal the MD5 of the bytes sent (one PUT) or the MD5 of
 * the part MD5s with "-N" (multipart). Those MD5s and the SHA-256 of all the bytes (in the
 * result, for the caller's catalog) are computed in one pass as the writer hands the bytes
 * over (hash_pair.h), so a caller need not hash them again. A mismatch deletes the object
 * and is a transient MEDIA_ERR_CHECKSUM. On any failure, of the writer or of S3, a multipart
 * upload is aborted (aborts are never cancelled); a streaming PUT cut short is refused by S3,
 * since the body never has fewer bytes than its declared length.
 *
 * Threads: the writer calls new / write / finish from one thread; the hooks run on the
 * uploader thread while the writer is inside write or finish. The S3 client is used by the
 * uploader only, until finish returns.
 */
#ifndef MEDIA_S3_UPLOAD_H
#define MEDIA_S3_UPLOAD_H

#include "error.h"
#include "hash.h"
#include "s3_client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct media_s3_upload_options {
    size_t part_size;          /* multipart part size, >= MEDIA_S3_MIN_PART_BYTES */
    int64_t single_put_max;    /* largest declared length sent in one streaming PUT */
    size_t pipe_bytes;         /* writer -> streaming PUT buffer (0: 256 KiB) */
    const char *content_type;  /* stored with the object (NULL: S3's default) */
    const char *cache_control; /* stored with the object (NULL: none) */
} media_s3_upload_options;

typedef enum {
    MEDIA_S3_UPLOAD_STREAM,    /* one PUT of the declared length */
    MEDIA_S3_UPLOAD_MULTIPART, /* parts (or one PUT when the input fits in the first) */
} media_s3_upload_mode;

/* Pure: the mode for a declared length (-1: unknown). */
media_s3_upload_mode media_s3_upload_plan(int64_t declared, const media_s3_upload_options *o);

/*
 * What the uploader tells its owner about multipart uploads (all optional):
 * - opened: created, before any part is sent (ingest records it with its job); an error
 *   aborts the upload and fails the whole upload with that error;
 * - closed: an upload was aborted and S3 confirmed it (a completed one is not reported).
 */
typedef struct media_s3_upload_hooks {
    media_code (*opened)(void *ud, const char *upload_id, media_error *err);
    void (*closed)(void *ud, const char *upload_id);
    void *ud;
} media_s3_upload_hooks;

typedef struct media_s3_upload_result {
    media_s3_object_info info;        /* the stored object's (etag verified) */
    int64_t size_bytes;               /* bytes written */
    uint8_t sha256[MEDIA_SHA256_LEN]; /* of the bytes written */
    int parts;                        /* 0 for one PUT */
    bool storage_failed;              /* on failure: S3's side failed (not the writer's input) */
} media_s3_upload_result;

typedef struct media_s3_uploader media_s3_uploader;

/* Start an upload of key (the plan decides how); the options and hooks are copied, the
 * strings in them must outlive the uploader. NULL with *err when the uploader thread cannot
 * start. The returned uploader is freed by media_s3_upload_finish, always. */
media_s3_uploader *media_s3_upload_new(media_s3_client *s3, const char *key, int64_t declared,
                                       const media_s3_upload_options *o,
                                       const media_s3_upload_hooks *hooks, media_error *err);

/* Hand n bytes over, blocking while the uploader is behind. MEDIA_OK, or MEDIA_ERR_IO when
 * the upload already failed: stop writing and call finish (which reports why). */
media_code media_s3_upload_write(media_s3_uploader *u, const void *data, size_t n);

/* End the upload and free u. input_ok: the writer's input ended well (every byte was
 * written); false aborts. MEDIA_OK when the object is stored and verified (*out filled);
 * otherwise the error — S3's own (out->storage_failed), or MEDIA_ERR_CANCELLED when the
 * writer gave up — and nothing is left in the bucket. out may be NULL. */
media_code media_s3_upload_finish(media_s3_uploader *u, bool input_ok, media_s3_upload_result *out,
                                  media_error *err);

#endif
