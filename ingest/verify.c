/*
 * verify.c - the verification of a direct upload (see verify.h).
 */
#include "verify.h"
#include "media/hash.h"
#include "media/log.h"
#include "media/s3_upload.h"
#include "media/scan.h"
#include "media/scrub.h"
#include "media/sniff.h"
#include "media/uploads.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const media_type_set *allowed;
    media_digest *sha;
    uint8_t head[MEDIA_SNIFF_BYTES];
    size_t head_len;
    bool decided;
    const char *type;
    const char *what; /* what refused bytes look like */
    int64_t bytes;
    /* scrubbing (issue 25): the promotion is a stream of scrubbed bytes, not a copy */
    const ingest_options *o;
    media_s3_client *up_s3; /* the uploader's client (the GET uses the other) */
    const char *final_key;
    media_s3_uploader *up;
    media_scrub *scrub;
    bool scrubbing;     /* the type is scrubbed: the upload above, not a copy */
    bool scrub_refused; /* the bytes do not parse */
    bool upload_failed; /* the uploader refused a write (its finish says why) */
    media_scan *scan;   /* the malware scanner's stream of the bytes read */
    bool scan_failed;
    media_error scan_err;
    media_error scrub_err;
} check;

static int scrubbed_out(void *ud, const char *p, size_t n)
{
    check *c = ud;
    return media_s3_upload_write(c->up, p, n) == MEDIA_OK ? 0 : -1;
}

/* Sniff once enough bytes (or the end) are in; false when refused. A type the policy scrubs
 * starts its upload to the served key here, through the scrubber. */
static bool decide(check *c)
{
    c->decided = true;
    c->type = media_sniff(c->head, c->head_len, &c->what);
    if (c->type == NULL || !media_type_set_contains(c->allowed, c->type))
        return false;
    if (c->up_s3 == NULL || !media_scrub_applies(c->type, c->o->metadata))
        return true;
    c->scrubbing = true;
    media_s3_upload_options uo = {c->o->part_size, c->o->single_put_max, c->o->pipe_bytes, c->type,
                                  c->o->cache_control};
    c->up = media_s3_upload_new(c->up_s3, c->final_key, -1, &uo, NULL, &c->scrub_err);
    if (c->up == NULL)
        return true; /* reported as a storage failure after the read */
    c->scrub = media_scrub_new(c->type, c->o->metadata, scrubbed_out, c);
    return true;
}

/* The bytes on to the scrubber, when this type is scrubbed; false stops the read. */
static bool scrub_bytes(check *c, const void *data, size_t n)
{
    if (!c->scrubbing)
        return true;
    if (c->up == NULL)
        return false; /* the uploader did not start: a storage failure */
    media_code rc = media_scrub_write(c->scrub, data, n, &c->scrub_err);
    c->scrub_refused = rc != MEDIA_OK && rc != MEDIA_ERR_IO;
    c->upload_failed = rc == MEDIA_ERR_IO;
    return rc == MEDIA_OK;
}

static int on_bytes(void *ud, const char *data, size_t n)
{
    check *c = ud;
    media_digest_update(c->sha, data, n);
    c->bytes += (int64_t)n;
    if (c->scan && media_scan_write(c->scan, data, n, &c->scan_err) != MEDIA_OK) {
        c->scan_failed = true;
        return -1;
    }
    if (!c->decided) {
        size_t take = n < sizeof(c->head) - c->head_len ? n : sizeof(c->head) - c->head_len;
        memcpy(c->head + c->head_len, data, take);
        c->head_len += take;
        if (c->head_len < sizeof(c->head))
            return 0;
        if (!decide(c) || !scrub_bytes(c, c->head, c->head_len))
            return -1; /* refused: read no further */
        data += take;
        n -= take;
    }
    return n == 0 || scrub_bytes(c, data, n) ? 0 : -1;
}

/* A failed check: what was uploaded goes, and the error says why. */
static media_code refuse(media_s3_client *s3, const media_record *row, media_error *err,
                         const char *why)
{
    media_error e;
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX];
    media_upload_write_key(row, key);
    if (media_s3_delete(s3, key, &e) != MEDIA_OK) /* the sweepers remove it later */
        media_log(MEDIA_LOG_WARN, row->request_id, NULL, "refused upload %s not deleted yet: %s",
                  row->id, e.message);
    return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "%s", why);
}

static media_code storage(ingest_result *res, media_error *err, const media_error *e)
{
    res->failed_storage = true;
    if (err) {
        *err = *e;
        if (err->cls == MEDIA_CLASS_PERMANENT || err->cls == MEDIA_CLASS_NONE)
            err->cls = MEDIA_CLASS_TRANSIENT;
    }
    return e->code;
}

media_code ingest_verify_upload(const ingest_options *o, media_s3_client *s3,
                                media_s3_client *s3_read, const media_record *row,
                                ingest_result *res, media_error *err)
{
    memset(res, 0, sizeof(*res));
    media_s3_object_info info;
    media_error e;
    char why[600], key[MEDIA_UPLOAD_WRITE_KEY_MAX];
    media_upload_write_key(row, key); /* where the client wrote: the staging key */
    media_code rc = media_s3_head(s3, key, &info, &e);
    if (rc == MEDIA_ERR_NOT_FOUND)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "nothing was uploaded: the object does not exist");
    if (rc != MEDIA_OK)
        return storage(res, err, &e);
    if (row->declared_size >= 0 && info.content_length != row->declared_size) {
        snprintf(why, sizeof(why), "uploaded %lld bytes, but %lld were declared",
                 (long long)info.content_length, (long long)row->declared_size);
        return refuse(s3, row, err, why);
    }
    if (info.content_length > o->max_bytes) {
        snprintf(why, sizeof(why), "the upload is larger than the %lld-byte limit",
                 (long long)o->max_bytes);
        return refuse(s3, row, err, why);
    }
    /* a staged upload of a type the policy scrubs is promoted by streaming it through the
     * scrubber into the served key (s3 uploads while s3_read reads); others by a copy */
    check c = {.allowed = &o->types,
               .sha = media_digest_new(MEDIA_DIGEST_SHA256),
               .o = o,
               .up_s3 = row->staged && s3_read ? s3 : NULL,
               .final_key = row->object_key};
    if (o->scan_clamd[0] &&
        (c.scan = media_scan_open(o->scan_clamd, o->scan_timeout_ms, &c.scan_err)) == NULL) {
        media_digest_destroy(c.sha);
        return storage(res, err, &c.scan_err); /* never ready unscanned: try again later */
    }
    rc = media_s3_get(c.up_s3 ? s3_read : s3, key, on_bytes, &c, NULL, &e);
    /* the scanner's verdict on every byte read, before anything is promoted */
    if (c.scan && !c.scan_failed && rc == MEDIA_OK &&
        media_scan_finish(c.scan, &c.scan_err) != MEDIA_OK)
        c.scan_failed = true;
    media_scan_close(c.scan);
    if (!c.decided && rc == MEDIA_OK) { /* shorter than the sniff window */
        if (!decide(&c))
            rc = MEDIA_ERR_INVALID;
        else if (!scrub_bytes(&c, c.head, c.head_len) && c.upload_failed)
            rc = MEDIA_ERR_IO;
    }
    if (c.scrubbing && rc == MEDIA_OK && c.up && !c.scrub_refused &&
        media_scrub_finish(c.scrub, &c.scrub_err) != MEDIA_OK)
        c.scrub_refused = c.scrub_err.code != MEDIA_ERR_IO;
    media_scrub_destroy(c.scrub);
    bool refused_type =
        c.decided && (c.type == NULL || !media_type_set_contains(c.allowed, c.type));
    bool stored_ok =
        rc == MEDIA_OK && !refused_type && !c.scrub_refused && c.bytes == info.content_length;
    media_s3_upload_result up;
    media_error uerr;
    media_code urc = c.up ? media_s3_upload_finish(c.up, stored_ok, &up, &uerr) : MEDIA_OK;
    if (c.scan_failed) {
        media_digest_destroy(c.sha);
        media_error derr; /* a scrubbed promotion may have been stored: it goes too */
        if (c.up && media_s3_delete(s3, row->object_key, &derr) != MEDIA_OK)
            media_log(MEDIA_LOG_WARN, row->request_id, NULL,
                      "refused upload %s: its promoted object not deleted yet: %s", row->id,
                      derr.message);
        if (c.scan_err.cls == MEDIA_CLASS_PERMANENT) /* a signature found: refused */
            return refuse(s3, row, err, c.scan_err.message);
        return storage(res, err, &c.scan_err); /* the scanner failed: try again later */
    }
    if (c.scrubbing && c.up == NULL) { /* the uploader did not start */
        media_digest_destroy(c.sha);
        return storage(res, err, &c.scrub_err);
    }
    if (refused_type || c.scrub_refused) {
        media_digest_destroy(c.sha);
        if (c.scrub_refused)
            snprintf(why, sizeof(why), "%s", c.scrub_err.message);
        else if (c.type == NULL)
            snprintf(why, sizeof(why),
                     "the uploaded bytes are %s, not a media type mediagate "
                     "stores",
                     c.what);
        else
            snprintf(why, sizeof(why),
                     "the uploaded bytes are %s, which is not an allowed "
                     "type here",
                     c.type);
        return refuse(s3, row, err, why);
    }
    if (rc != MEDIA_OK) {
        media_digest_destroy(c.sha);
        return storage(res, err, c.upload_failed && urc != MEDIA_OK ? &uerr : &e);
    }
    if (c.bytes != info.content_length) { /* replaced while we read it: look again later */
        media_digest_destroy(c.sha);
        res->failed_storage = true;
        return media_error_set(err, MEDIA_ERR_CHECKSUM, MEDIA_CLASS_TRANSIENT,
                               "the object changed while it was verified (%lld of %lld bytes)",
                               (long long)c.bytes, (long long)info.content_length);
    }
    if (urc != MEDIA_OK) {
        media_digest_destroy(c.sha);
        return storage(res, err, &uerr);
    }
    uint8_t digest[MEDIA_SHA256_LEN];
    media_digest_final(c.sha, digest);
    media_digest_destroy(c.sha);
    media_hex(digest, sizeof(digest), res->sha256);
    snprintf(res->source_sha256, sizeof(res->source_sha256), "%s", res->sha256);
    snprintf(res->content_type, sizeof(res->content_type), "%s", c.type);
    snprintf(res->etag, sizeof(res->etag), "%s", info.etag);
    res->size_bytes = c.bytes;
    if (c.scrubbing) { /* the served bytes are the scrubbed ones; the staged object goes */
        media_hex(up.sha256, sizeof(up.sha256), res->sha256);
        snprintf(res->etag, sizeof(res->etag), "%s", up.info.etag);
        res->size_bytes = up.size_bytes;
        if (media_s3_delete(s3, key, &e) != MEDIA_OK)
            media_log(MEDIA_LOG_WARN, row->request_id, NULL,
                      "staged upload %s promoted; its staging key not deleted yet: %s", row->id,
                      e.message);
        return MEDIA_OK;
    }
    if (!row->staged)
        return MEDIA_OK; /* an upload from before staging: its client wrote the object key */
    /* Promotion (issue 25, defect 1): the checked bytes, and only those — the copy is made
     * only while the staged object's ETag is the one read — become the served object, with
     * the sniffed type. Bytes a client puts later land on the staging key, which nothing
     * serves and the staging sweeper removes. */
    media_s3_object_info done;
    /* one server-side copy up to MEDIAGATE_SINGLE_PUT_MAX (S3 copies at most 5 GiB at once);
     * past it a multipart copy, range by range, under the same ETag condition */
    rc = info.content_length > o->single_put_max
             ? media_s3_copy_multipart(s3, key, info.etag, info.content_length,
                                       (int64_t)o->part_size, row->object_key, c.type,
                                       o->cache_control, &done, &e)
             : media_s3_copy(s3, key, info.etag, row->object_key, c.type, o->cache_control, &done,
                             &e);
    if (rc != MEDIA_OK) {
        res->failed_storage = true; /* replaced meanwhile (412), or S3 failed: check again */
        if (err) {
            *err = e;
            err->cls = MEDIA_CLASS_TRANSIENT;
        }
        return rc;
    }
    snprintf(res->etag, sizeof(res->etag), "%s", done.etag);
    if (media_s3_delete(s3, key, &e) != MEDIA_OK) /* the staging sweeper removes it later */
        media_log(MEDIA_LOG_WARN, row->request_id, NULL,
                  "staged upload %s promoted; its staging key not deleted yet: %s", row->id,
                  e.message);
    return MEDIA_OK;
}
