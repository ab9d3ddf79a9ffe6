/*
 * job.h - one ingest job against the catalog: the row goes fetching, the source streams into
 * the row's object key (which never changes, so a repeated run overwrites the same object),
 * and the row goes ready. Shared by `mediagate ingest` (one-shot) and the queue worker.
 */
#ifndef INGEST_JOB_H
#define INGEST_JOB_H

#include "media/catalog.h"
#include "media/db.h"
#include "media/s3_client.h"
#include "options.h"
#include "transfer.h"

#include <stdbool.h>

typedef struct ingest_context {
    media_db *db;
    media_s3_client *s3;
    const ingest_options *o;
    ingest_source *src; /* the thread's kept source connections; NULL: none */
} ingest_context;

/*
 * Run the job of media_id.
 * - Row already ready, failed or deleted: *skipped = true, *final = the row, MEDIA_OK.
 * - Success: the row is ready, *final holds it.
 * - Transfer failure: the row stays fetching and the classified error is returned; the caller
 *   decides between media_catalog_schedule_retry and media_catalog_mark_failed.
 * A job on its second or later attempt first aborts multipart uploads an earlier attempt
 * left under its key (a worker that died mid-transfer). *final is cleaned up by the caller
 * (also on error, where it may hold the row as it was). *res (may be NULL) gets the transfer's
 * result, including on failure which side (source or storage) failed.
 */
media_code ingest_job_run(ingest_context *c, const char *media_id, media_record *final,
                          bool *skipped, ingest_result *res, media_error *err);

/*
 * ingest_job_run in three steps, for callers that overlap the catalog work of some jobs with
 * the transfers of others (`mediagate ingest`). Each step may run on another thread with
 * its own context; run is begin, then ingest_transfer, then finish.
 * - begin: claim the row (queued -> fetching) into *row, abort an earlier attempt's leftover
 *   multipart uploads; *skipped as for run. Uses c->db and c->s3.
 * - finish: the transfer succeeded: mark the row ready; *row (the claimed row) is replaced by
 *   the final one. Uses c->db and c->s3 (to delete the object when the row was deleted
 *   meanwhile).
 */
media_code ingest_job_begin(ingest_context *c, const char *media_id, media_record *row,
                            bool *skipped, media_error *err);
media_code ingest_job_finish(ingest_context *c, media_record *row, const ingest_result *res,
                             media_error *err);

#endif
