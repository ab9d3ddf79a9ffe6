/*
 * verify.c - the verification of a direct upload (see verify.h).
 */
#include "verify.h"
#include "media/hash.h"
#include "media/log.h"
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
} check;

/* Sniff once enough bytes (or the end) are in; false when refused. */
static bool decide(check *c)
{
    c->decided = true;
    c->type = media_sniff(c->head, c->head_len, &c->what);
    return c->type != NULL && media_type_set_contains(c->allowed, c->type);
}

static int on_bytes(void *ud, const char *data, size_t n)
{
    check *c = ud;
    if (!c->decided) {
        size_t take = n < sizeof(c->head) - c->head_len ? n : sizeof(c->head) - c->head_len;
        memcpy(c->head + c->head_len, data, take);
        c->head_len += take;
        if (c->head_len == sizeof(c->head) && !decide(c))
            return -1; /* refused: read no further */
    }
    media_digest_update(c->sha, data, n);
    c->bytes += (int64_t)n;
    return 0;
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
                                const media_record *row, ingest_result *res, media_error *err)
{
    memset(res, 0, sizeof(*res));
    media_s3_object_info info;
    media_error e;
    char why[400], key[MEDIA_UPLOAD_WRITE_KEY_MAX];
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
    check c = {.allowed = &o->types, .sha = media_digest_new(MEDIA_DIGEST_SHA256)};
    rc = media_s3_get(s3, key, on_bytes, &c, NULL, &e);
    if (!c.decided && rc == MEDIA_OK && !decide(&c)) /* shorter than the sniff window */
        rc = MEDIA_ERR_INVALID;
    if (c.decided && (c.type == NULL || !media_type_set_contains(c.allowed, c.type))) {
        media_digest_destroy(c.sha);
        if (c.type == NULL)
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
        return storage(res, err, &e);
    }
    if (c.bytes != info.content_length) { /* replaced while we read it: look again later */
        media_digest_destroy(c.sha);
        res->failed_storage = true;
        return media_error_set(err, MEDIA_ERR_CHECKSUM, MEDIA_CLASS_TRANSIENT,
                               "the object changed while it was verified (%lld of %lld bytes)",
                               (long long)c.bytes, (long long)info.content_length);
    }
    uint8_t digest[MEDIA_SHA256_LEN];
    media_digest_final(c.sha, digest);
    media_digest_destroy(c.sha);
    media_hex(digest, sizeof(digest), res->sha256);
    snprintf(res->content_type, sizeof(res->content_type), "%s", c.type);
    snprintf(res->etag, sizeof(res->etag), "%s", info.etag);
    res->size_bytes = c.bytes;
    if (!row->staged)
        return MEDIA_OK; /* an upload from before staging: its client wrote the object key */
    /* Promotion (issue 25, defect 1): the checked bytes, and only those — the copy is made
     * only while the staged object's ETag is the one read — become the served object, with
     * the sniffed type. Bytes a client puts later land on the staging key, which nothing
     * serves and the staging sweeper removes. */
    media_s3_object_info done;
    rc = media_s3_copy(s3, key, info.etag, row->object_key, c.type, o->cache_control, &done, &e);
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
