/*
 * transfer.c - the fetch -> S3 pipeline (see transfer.h for the contract): joins the fetcher
 * (fetch.c), the sniffer (sniff.c) and the uploader (media/s3_upload.c), which also hashes
 * what it is given (the ETag's MD5 and the content's SHA-256, in one pass). The caller's
 * thread downloads and hashes; the uploader's thread sends.
 */
#include "transfer.h"
#include "media/hash.h"
#include "media/mem.h"
#include "media/s3_upload.h"
#include "media/scan.h"
#include "media/scrub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const ingest_options *o;
    const ingest_transfer_hooks *hooks; /* never NULL (an empty set when the caller gave none) */
    media_s3_client *s3;
    const char *key;
    uint8_t sniff[MEDIA_SNIFF_BYTES];
    size_t sniff_len;
    const char *type;
    media_s3_uploader *up; /* once the type is known */
    media_scrub *scrub;    /* between the download and the uploader, for a scrubbed type */
    media_digest *source;  /* SHA-256 of the bytes as they arrived, when scrubbed */
    media_scan *scan;      /* the malware scanner's stream of the bytes as they arrived */
    bool scan_failed;      /* it failed or refused: the transfer stops (finish says why) */
    media_error scan_err;
    bool up_failed; /* a write was refused: the upload failed (finish says why) */
    bool refused;   /* the sniffer refused the bytes, or the uploader did not start */
    media_error refusal;
} xfer;

static bool upload_write(xfer *x, const char *p, size_t n)
{
    if (media_s3_upload_write(x->up, p, n) == MEDIA_OK)
        return true;
    x->up_failed = true;
    return false;
}

static int scrubbed_out(void *ud, const char *p, size_t n)
{
    return upload_write(ud, p, n) ? 0 : -1;
}

/* The downloaded bytes' way on: through the scrubber when there is one. */
static bool pass_on(xfer *x, const char *p, size_t n)
{
    if (x->scan && media_scan_write(x->scan, p, n, &x->scan_err) != MEDIA_OK) {
        x->scan_failed = true;
        return false;
    }
    if (x->scrub == NULL)
        return upload_write(x, p, n);
    media_digest_update(x->source, p, n);
    media_error e;
    media_code rc = media_scrub_write(x->scrub, p, n, &e);
    if (rc == MEDIA_OK)
        return true;
    if (rc != MEDIA_ERR_IO) { /* the bytes do not parse: refused, never stored unscrubbed */
        x->refused = true;
        x->refusal = e;
    }
    return false;
}

/* The first bytes decide the type; then the upload starts (its mode planned from the
 * declared length) and gets them. */
static bool start_upload(xfer *x, int64_t declared)
{
    if (media_sniff_check(x->sniff, x->sniff_len, &x->o->types, &x->type, &x->refusal) !=
        MEDIA_OK) {
        x->refused = true;
        return false;
    }
    media_s3_upload_options uo = {x->o->part_size, x->o->single_put_max, x->o->pipe_bytes, x->type,
                                  x->o->cache_control};
    media_s3_upload_hooks uh = {x->hooks->upload_opened, x->hooks->upload_closed, x->hooks->ud};
    if (x->o->scan_clamd[0] && (x->scan = media_scan_open(x->o->scan_clamd, x->o->scan_timeout_ms,
                                                          &x->scan_err)) == NULL) {
        x->scan_failed = true; /* never stored unscanned: the job is tried again */
        return false;
    }
    bool scrub = media_scrub_applies(x->type, x->o->metadata);
    /* scrubbed, the stored length is known only at the end */
    x->up = media_s3_upload_new(x->s3, x->key, scrub ? -1 : declared, &uo, &uh, &x->refusal);
    if (x->up == NULL) {
        x->refused = true;
        return false;
    }
    if (scrub) {
        x->scrub = media_scrub_new(x->type, x->o->metadata, scrubbed_out, x);
        x->source = media_digest_new(MEDIA_DIGEST_SHA256);
    }
    return pass_on(x, (const char *)x->sniff, x->sniff_len);
}

/* The fetcher's sink: hold the first bytes until they can be sniffed, then upload. */
static bool on_body(void *ud, const char *data, size_t n, int64_t declared)
{
    xfer *x = ud;
    if (x->up == NULL) {
        size_t take = MEDIA_SNIFF_BYTES - x->sniff_len < n ? MEDIA_SNIFF_BYTES - x->sniff_len : n;
        memcpy(x->sniff + x->sniff_len, data, take);
        x->sniff_len += take;
        data += take;
        n -= take;
        if (x->sniff_len < MEDIA_SNIFF_BYTES)
            return true;
        if (!start_upload(x, declared))
            return false;
    }
    return n == 0 || pass_on(x, data, n);
}

/* The download ended well: what the scrubber holds goes out. false: refused or not sent. */
static bool end_scrub(xfer *x)
{
    media_error e;
    media_code rc = media_scrub_finish(x->scrub, &e);
    if (rc != MEDIA_OK && rc != MEDIA_ERR_IO) {
        x->refused = true;
        x->refusal = e;
    }
    return rc == MEDIA_OK;
}

static void copy_result(xfer *x, const ingest_fetch_result *f, const media_s3_upload_result *up,
                        ingest_result *out)
{
    media_hex(up->sha256, sizeof(up->sha256), out->sha256); /* of every byte written */
    snprintf(out->source_sha256, sizeof(out->source_sha256), "%s", out->sha256);
    if (x->source) {
        uint8_t d[MEDIA_SHA256_LEN];
        media_digest_final(x->source, d);
        media_hex(d, sizeof(d), out->source_sha256);
        out->scrubbed = media_scrub_removed(x->scrub);
    }
    snprintf(out->content_type, sizeof(out->content_type), "%s", x->type ? x->type : "");
    out->size_bytes = x->scrub ? up->size_bytes : f->received;
    snprintf(out->etag, sizeof(out->etag), "%s", up->info.etag);
    out->parts = up->parts;
}

media_code ingest_transfer(const ingest_options *o, ingest_source *src, media_s3_client *s3,
                           const char *url, const char *key, const ingest_transfer_hooks *hooks,
                           ingest_result *out, media_error *err)
{
    static const ingest_transfer_hooks none;
    memset(out, 0, sizeof(*out));
    xfer x = {.o = o, .hooks = hooks ? hooks : &none, .s3 = s3, .key = key};
    ingest_fetch_sink sink = {on_body, &x};
    ingest_fetch_result f;
    media_code rc = ingest_fetch(o, src, url, &sink, x.hooks->cancel, x.hooks->shutdown, &f, err);
    out->source_status = f.status;
    if (rc != MEDIA_OK && f.stopped_by_sink && x.refused) { /* the bytes were refused */
        rc = x.refusal.code;
        if (err)
            *err = x.refusal;
    }
    /* the whole body fit in the sniff buffer: its length is known now, one PUT */
    if (rc == MEDIA_OK && x.up == NULL && !start_upload(&x, f.received) && x.refused) {
        rc = x.refusal.code;
        if (err)
            *err = x.refusal;
    }
    if (rc == MEDIA_OK && x.scrub && !end_scrub(&x) && x.refused) {
        rc = x.refusal.code;
        if (err)
            *err = x.refusal;
    }
    /* the scanner's verdict, before the upload may complete: a signature found (or a scanner
     * that failed) leaves nothing stored */
    if (x.scan && !x.scan_failed && (rc == MEDIA_OK || f.stopped_by_sink) &&
        media_scan_finish(x.scan, &x.scan_err) != MEDIA_OK)
        x.scan_failed = true;
    if (x.scan_failed && (rc == MEDIA_OK || f.stopped_by_sink)) {
        rc = x.scan_err.code;
        if (err)
            *err = x.scan_err;
    }
    if (x.up) {
        /* when the download stopped because the upload failed, the upload's error is the one
         * to report (failed_storage); otherwise the download's, and nothing is stored */
        media_s3_upload_result up;
        media_error uerr;
        bool stopped_by_upload =
            rc != MEDIA_OK && f.stopped_by_sink && x.up_failed && !x.scan_failed;
        media_code urc = media_s3_upload_finish(x.up, rc == MEDIA_OK && !x.up_failed, &up, &uerr);
        if ((rc == MEDIA_OK || stopped_by_upload) && urc != MEDIA_OK) {
            rc = urc;
            out->failed_storage = up.storage_failed;
            if (err)
                *err = uerr;
        }
        if (rc == MEDIA_OK)
            copy_result(&x, &f, &up, out);
    }
    media_error derr; /* a single PUT may have completed before the verdict: remove it */
    if (x.scan_failed && x.up && media_s3_delete(s3, key, &derr) != MEDIA_OK)
        rc = media_error_set(err, derr.code, MEDIA_CLASS_TRANSIENT,
                             "%s; and the stored object could not be deleted yet: %s",
                             x.scan_err.message, derr.message);
    media_scan_close(x.scan);
    media_scrub_destroy(x.scrub);
    media_digest_destroy(x.source);
    return rc;
}
