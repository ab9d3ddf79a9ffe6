/*
 * job.c - catalog state transitions around one transfer, under a fenced claim.
 */
#include "job.h"
#include "verify.h"
#include "media/log.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    media_s3_client *s3;
    size_t aborted;
    media_code rc; /* the first abort that failed */
    media_error err;
} leftover_ctx;

static int abort_leftover(void *ud, const media_s3_upload *u)
{
    leftover_ctx *l = ud;
    media_error e;
    media_code rc = media_s3_multipart_abort(l->s3, u->key, u->upload_id, &e);
    if (rc == MEDIA_OK) {
        l->aborted++;
    } else if (l->rc == MEDIA_OK) {
        l->rc = rc;
        l->err = e;
    }
    return 0;
}

/* The previous holder's leftovers: its recorded upload, and (when there was a previous
 * holder) any upload under the key it may have opened and died before recording. Safe: a
 * claim is granted only after the previous one ran out, and its holder stopped before that.
 * MEDIA_OK only when S3 confirmed every abort: until then no new upload may start, since
 * recording the new one would forget the old. */
static media_code clean_leftovers(ingest_context *c, ingest_job *j, media_error *err)
{
    media_code rc;
    if (j->row.upload_id[0]) {
        rc = media_s3_multipart_abort(c->s3, j->row.object_key, j->row.upload_id, err);
        if (rc != MEDIA_OK)
            return rc;
        /* not forgotten (the catalog failed): the sweeper aborts it again (S3 says it is
         * gone) and forgets it then */
        (void)media_catalog_forget_upload(c->db, j->row.id, j->row.upload_id, err);
        j->row.upload_id[0] = '\0';
    }
    if (j->row.claim_epoch > 1) {
        leftover_ctx l = {c->s3, 0, MEDIA_OK, {0}};
        rc = media_s3_multipart_list(c->s3, j->row.object_key, abort_leftover, &l, err);
        if (rc == MEDIA_OK && l.rc != MEDIA_OK) {
            rc = l.rc;
            if (err)
                *err = l.err;
        }
        if (rc != MEDIA_OK)
            return rc;
        if (l.aborted)
            media_log(MEDIA_LOG_INFO, j->row.request_id, NULL,
                      "aborted %zu multipart upload(s) an earlier attempt left under %s", l.aborted,
                      j->row.object_key);
    }
    return MEDIA_OK;
}

media_code ingest_job_begin(ingest_context *c, const char *media_id, const char *msg_id,
                            ingest_job *j, media_error *err)
{
    memset(j, 0, sizeof(*j));
    j->claim = -1;
    int64_t sent = ingest_claims_now_ms();
    media_code rc = media_catalog_claim(c->db, media_id, c->owner, c->lease_ms, &j->row, err);
    if (rc == MEDIA_ERR_CONFLICT) { /* finished or deleted: nothing to do */
        j->skipped = true;
        return MEDIA_OK;
    }
    if (rc != MEDIA_OK)
        return rc;
    *c->cancel = 0;
    j->claim = ingest_claims_add(c->claims, j->row.id, j->row.claim_epoch, msg_id, sent, c->cancel);
    j->leftovers_rc = clean_leftovers(c, j, &j->leftovers_err);
    return MEDIA_OK;
}

/* transfer hooks: the upload id goes into the row under our claim */
typedef struct {
    ingest_context *c;
    ingest_job *j;
} hook_ctx;

static media_code on_upload_opened(void *ud, const char *upload_id, media_error *err)
{
    hook_ctx *h = ud;
    return media_catalog_record_upload(h->c->db, h->j->row.id, h->j->row.claim_epoch, upload_id,
                                       err);
}

static void on_upload_closed(void *ud, const char *upload_id)
{
    hook_ctx *h = ud;
    media_error e;
    /* not forgotten: the sweeper finds the upload gone and forgets it (see clean_leftovers) */
    (void)media_catalog_forget_upload(h->c->db, h->j->row.id, upload_id, &e);
}

media_code ingest_job_transfer(ingest_context *c, ingest_job *j, media_error *err)
{
    if (j->leftovers_rc != MEDIA_OK) { /* S3 failed, not the source: try again later */
        j->res.failed_storage = true;
        if (err)
            *err = j->leftovers_err;
        if (err && err->cls == MEDIA_CLASS_PERMANENT)
            err->cls = MEDIA_CLASS_TRANSIENT; /* the job is fine; the storage is not */
        return j->leftovers_rc;
    }
    /* the tenant's own metadata policy, else the service's (issue 25) */
    char policy[16];
    ingest_options o = *c->o; /* shares the allow-list and proxies, read-only */
    media_code rc = media_catalog_tenant_metadata_get(c->db, j->row.tenant, policy, err);
    if (rc != MEDIA_OK && rc != MEDIA_ERR_NOT_FOUND)
        return rc; /* never store unscrubbed for want of the policy: try again */
    if (rc == MEDIA_OK && policy[0])
        media_metadata_parse(policy, &o.metadata);
    if (j->row.upload) /* a direct upload: the bytes are in the bucket; check them */
        return ingest_verify_upload(&o, c->s3, c->s3_read, &j->row, &j->res, err);
    hook_ctx h = {c, j};
    ingest_transfer_hooks hooks = {c->cancel, c->shutdown, on_upload_opened, on_upload_closed, &h};
    return ingest_transfer(&o, c->src, c->s3, j->row.source_url, j->row.object_key, &hooks, &j->res,
                           err);
}

media_code ingest_job_finish(ingest_context *c, ingest_job *j, media_error *err)
{
    media_ready_info info = {.content_type = j->res.content_type,
                             .size_bytes = j->res.size_bytes,
                             .sha256 = j->res.sha256,
                             .etag = j->res.etag,
                             .source_sha256 = j->res.source_sha256};
    char id[MEDIA_UUID_STR];
    int64_t epoch = j->row.claim_epoch;
    memcpy(id, j->row.id, sizeof(id));
    media_record_cleanup(&j->row);
    bool changed;
    media_code rc = media_catalog_mark_ready(c->db, id, epoch, &info, &j->row, &changed, err);
    if (rc == MEDIA_ERR_CONFLICT && j->row.status == MEDIA_STATUS_DELETED) {
        /* deleted while we fetched: the object goes too (deleted is final, no one else
         * writes this key again) */
        media_error e;
        if (media_s3_delete(c->s3, j->row.object_key, &e) != MEDIA_OK) /* gc retries it */
            media_log(MEDIA_LOG_WARN, j->row.request_id, NULL,
                      "object of deleted media %s not deleted yet (%s); gc will", id, e.message);
    }
    if (j->row.id[0] == '\0') { /* the catalog failed: keep what identifies the job */
        memcpy(j->row.id, id, sizeof(id));
        j->row.claim_epoch = epoch;
    }
    return rc;
}

bool ingest_job_claim_lost(const ingest_context *c, const ingest_job *j)
{
    return j->claim >= 0 && ingest_claims_lost(c->claims, j->claim);
}

void ingest_job_end(ingest_context *c, ingest_job *j)
{
    if (j->claim >= 0)
        ingest_claims_remove(c->claims, j->claim);
    j->claim = -1;
    media_record_cleanup(&j->row);
}
