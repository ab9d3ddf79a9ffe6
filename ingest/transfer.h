/*
 * transfer.h - stream one source URL into one S3 object: no local file, bounded memory,
 * verified.
 *
 * The calling thread downloads the source (fetch.h: SSRF guard on every hop, redirects,
 * proxies, limits). The first bytes decide the media type; nothing is uploaded before that.
 * Then media/s3_upload.c's uploader thread streams into S3: one PUT with the declared length
 * when the source declares one no larger than single_put_max, multipart otherwise (at most
 * two part buffers; a source of unknown length that ends within its first part goes in one
 * PUT). A full buffer blocks the download (backpressure); an empty one blocks the upload.
 *
 * Scrubbing: an image type o->metadata scrubs (media/scrub.h) passes through the scrubber on
 * its way to the uploader, so what is stored is what is served; its length is then unknown
 * until the end (multipart, or one PUT when it fits in the first part). Bytes the scrubber
 * cannot parse are a permanent failure, never stored unscrubbed.
 *
 * Verification: MD5 and SHA-256 are computed while streaming; the stored ETag must equal the
 * MD5 (single PUT) or the MD5 of the part MD5s with "-N" (multipart), and the bytes read must
 * equal the declared length. A mismatch is a transient error and the object is deleted.
 *
 * On any failure nothing is left: a multipart upload is aborted; a single PUT whose body is
 * cut short is refused by S3 (the client never sends fewer bytes than it declared).
 *
 * Thread: blocking; uses `s3` and `src` from one thread at a time (the uploader, then the
 * caller).
 */
#ifndef INGEST_TRANSFER_H
#define INGEST_TRANSFER_H

#include "media/error.h"
#include "media/s3_client.h"
#include "fetch.h"
#include "options.h"

#include <signal.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ingest_result {
    char content_type[48];
    int64_t size_bytes;     /* stored (served) */
    char sha256[65];        /* of the stored bytes */
    char source_sha256[65]; /* of the bytes as they arrived (differs when scrubbed) */
    unsigned scrubbed;      /* metadata blocks removed (media/scrub.h) */
    char etag[80];
    int parts;           /* 0 for a single PUT */
    int source_status;   /* the source's HTTP status (0 when none) */
    bool failed_storage; /* on failure: S3 failed (not the source) */
} ingest_result;

/*
 * What a transfer tells its caller, and how the caller stops it. All optional.
 * - cancel, shutdown: either set non-zero (from any thread) stops the transfer:
 *   MEDIA_ERR_CANCELLED. Give the S3 client the same flag (media_s3_client_options.cancel) to
 *   cut its requests too; aborts and deletes are never cancelled.
 * - upload_opened: a multipart upload was created, before any part is sent; a failure (the
 *   claim was taken over, the catalog is down) aborts it and ends the transfer with that error.
 * - upload_closed: an upload of ours was aborted (S3 confirmed it); a completed upload is not
 *   reported (the caller's mark-ready forgets it).
 * Both are called on the transfer's uploader thread while the calling thread is inside
 * ingest_transfer, so they may use a connection the caller does not use meanwhile.
 */
typedef struct ingest_transfer_hooks {
    volatile sig_atomic_t *cancel;   /* this transfer's */
    volatile sig_atomic_t *shutdown; /* the process's */
    media_code (*upload_opened)(void *ud, const char *upload_id, media_error *err);
    void (*upload_closed)(void *ud, const char *upload_id);
    void *ud;
} ingest_transfer_hooks;

/*
 * Fetch url into key, over src's kept connections (NULL: a fresh connection). MEDIA_OK with *out
 * filled, or an error classified transient / rate-limited (err->retry_after_s) / permanent, with
 * err->http_status the source's status when it answered with an error. hooks may be NULL.
 */
media_code ingest_transfer(const ingest_options *o, ingest_source *src, media_s3_client *s3,
                           const char *url, const char *key, const ingest_transfer_hooks *hooks,
                           ingest_result *out, media_error *err);

#endif
