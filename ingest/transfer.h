/*
 * transfer.h - stream one source URL into one S3 object: no local file, bounded memory,
 * verified.
 *
 * The calling thread downloads the source with libcurl. Every hop (redirects are followed
 * here) is resolved once, every address checked by the SSRF guard, and the request pinned to
 * the checked address (CURLOPT_CONNECT_TO), directly or through an egress proxy, so libcurl
 * never resolves a source name itself; the connect-time check repeats the guard. Limits on
 * size, time, speed, redirects and headers. The first bytes
 * decide the media type; nothing is uploaded before that. Then an uploader thread streams
 * into S3: one PUT with the declared length when the source declares one no larger than
 * single_put_max (through a small pipe buffer), multipart otherwise (at most two part
 * buffers: one filling, one uploading; a source of unknown length that ends within its first
 * part goes in one PUT from that buffer). A full buffer blocks the download (backpressure);
 * an empty one blocks the upload.
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
#include "options.h"

#include <signal.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ingest_result {
    char content_type[48];
    int64_t size_bytes;
    char sha256[65];
    char etag[80];
    int parts;           /* 0 for a single PUT */
    int source_status;   /* the source's HTTP status (0 when none) */
    bool failed_storage; /* on failure: S3 failed (not the source) */
} ingest_result;

/*
 * One thread's source connections, kept open between transfers (HTTP keep-alive), so a batch
 * of files from one host does not pay a TCP (and TLS) handshake for each. Every new
 * connection still passes the SSRF guard (or the target check, through a proxy); a kept one
 * was checked when it was opened, and is reused only for the same scheme, host and port.
 * Owned by one thread at a time; free with ingest_source_destroy.
 */
typedef struct ingest_source ingest_source;
ingest_source *ingest_source_new(void);
void ingest_source_destroy(ingest_source *src);

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

/* Pure: the CURLOPT_CONNECT_TO entry that pins host:port (as written in the URL; an IPv6
 * literal in brackets) to the checked address addr: "host:port:ip:port" ("[ip]" for IPv6).
 * False when it does not fit in cap or addr is neither IPv4 nor IPv6. */
bool ingest_pin_entry(const char *host, const char *port, const struct sockaddr *addr, char *out,
                      size_t cap);

/* Pure: localhost and *.localhost (RFC 6761), answered as loopback without a DNS lookup. */
bool ingest_is_localhost_name(const char *host);
/* Pure: the class of a failed lookup (getaddrinfo's code): a resolver down for now is
 * transient; a name that does not exist is permanent and reads, for the tenant, exactly like
 * a refused address ("source host is unknown or not allowed"). */
media_error_class ingest_resolve_failure_class(int gai);

/* Pure: the class of a source HTTP status (2xx: none). */
media_error_class ingest_classify_http_status(long status);

/* Pure: check a source URL before fetching: http or https, a host, no user:password.
 * MEDIA_ERR_INVALID (permanent) with the reason. */
media_code ingest_url_check(const char *url, media_error *err);

#endif
