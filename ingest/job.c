/*
 * job.c - catalog state transitions around one transfer.
 */
#include "job.h"

#include <string.h>

typedef struct {
    media_s3_client *s3;
    size_t aborted;
} leftover_ctx;

static int abort_leftover(void *ud, const media_s3_upload *u)
{
    leftover_ctx *l = ud;
    media_error e;
    if (media_s3_multipart_abort(l->s3, u->key, u->upload_id, &e) == MEDIA_OK)
        l->aborted++;
    return 0;
}

media_code ingest_job_begin(ingest_context *c, const char *media_id, media_record *row,
                            bool *skipped, media_error *err)
{
    *skipped = false;
    memset(row, 0, sizeof(*row));
    media_code rc = media_catalog_begin_fetch(c->db, media_id, row, err);
    if (rc == MEDIA_ERR_CONFLICT) { /* finished or deleted: nothing to do */
        *skipped = true;
        return MEDIA_OK;
    }
    if (rc != MEDIA_OK)
        return rc;
    if (row->attempts > 1) {
        /* an earlier attempt may have died mid-multipart: its upload must not linger */
        leftover_ctx l = {c->s3, 0};
        media_error e;
        media_s3_multipart_list(c->s3, row->object_key, abort_leftover, &l, &e);
    }
    return MEDIA_OK;
}

media_code ingest_job_finish(ingest_context *c, media_record *row, const ingest_result *res,
                             media_error *err)
{
    media_ready_info info = {res->content_type, res->size_bytes, res->sha256, res->etag};
    char id[MEDIA_UUID_STR];
    memcpy(id, row->id, sizeof(id));
    media_record_cleanup(row);
    bool changed;
    media_code rc = media_catalog_mark_ready(c->db, id, &info, row, &changed, err);
    if (rc == MEDIA_ERR_CONFLICT) /* deleted while we fetched: the object goes too */
        media_s3_delete(c->s3, row->object_key, NULL);
    return rc;
}

media_code ingest_job_run(ingest_context *c, const char *media_id, media_record *final,
                          bool *skipped, ingest_result *res_out, media_error *err)
{
    ingest_result local;
    ingest_result *res = res_out ? res_out : &local;
    memset(res, 0, sizeof(*res));
    media_code rc = ingest_job_begin(c, media_id, final, skipped, err);
    if (rc != MEDIA_OK || *skipped)
        return rc;
    rc = ingest_transfer(c->o, c->src, c->s3, final->source_url, final->object_key, res, err);
    if (rc != MEDIA_OK)
        return rc;
    return ingest_job_finish(c, final, res, err);
}
