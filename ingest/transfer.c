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
    bool up_failed;        /* a write was refused: the upload failed (finish says why) */
    bool refused;          /* the sniffer refused the bytes, or the uploader did not start */
    media_error refusal;
} xfer;

static bool upload_write(xfer *x, const char *p, size_t n)
{
    if (media_s3_upload_write(x->up, p, n) == MEDIA_OK)
        return true;
    x->up_failed = true;
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
    x->up = media_s3_upload_new(x->s3, x->key, declared, &uo, &uh, &x->refusal);
    if (x->up == NULL) {
        x->refused = true;
        return false;
    }
    return upload_write(x, (const char *)x->sniff, x->sniff_len);
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
    return n == 0 || upload_write(x, data, n);
}

static void copy_result(xfer *x, const ingest_fetch_result *f, const media_s3_upload_result *up,
                        ingest_result *out)
{
    media_hex(up->sha256, sizeof(up->sha256), out->sha256); /* of every byte written */
    snprintf(out->content_type, sizeof(out->content_type), "%s", x->type ? x->type : "");
    out->size_bytes = f->received;
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
    if (x.up) {
        /* when the download stopped because the upload failed, the upload's error is the one
         * to report (failed_storage); otherwise the download's, and nothing is stored */
        media_s3_upload_result up;
        media_error uerr;
        bool stopped_by_upload = rc != MEDIA_OK && f.stopped_by_sink && x.up_failed;
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
    return rc;
}
