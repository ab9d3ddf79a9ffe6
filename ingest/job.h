/*
 * job.h - one ingest job against the catalog: claim the row, stream the source into the row's
 * object key (which never changes, so a repeated run overwrites the same object), mark it
 * ready. Shared by `mediagate ingest` (one-shot) and the queue worker, which run the same
 * three steps (begin, transfer, finish) and then end the job.
 *
 * Claims: begin claims the row (media_catalog_claim) and registers the claim with the claim
 * keeper, which renews it and cancels the transfer if it is lost (ingest/claims.h). Every
 * later catalog write names the claim's epoch, so a job whose claim was taken over changes
 * nothing (MEDIA_ERR_FENCED) and never deletes or aborts anything but its own upload.
 */
#ifndef INGEST_JOB_H
#define INGEST_JOB_H

#include "claims.h"
#include "media/catalog.h"
#include "media/db.h"
#include "media/s3_client.h"
#include "options.h"
#include "transfer.h"

#include <signal.h>
#include <stdbool.h>

typedef struct ingest_context {
    media_db *db;
    media_s3_client *s3;      /* created with the same cancel flag as below */
    media_s3_client *s3_read; /* a second one: a verification reads the staged object with it
                                 while s3 uploads the scrubbed bytes */
    const ingest_options *o;
    ingest_source *src;              /* the thread's kept source connections; NULL: none */
    ingest_claims *claims;           /* keeps claims alive; required by begin */
    const char *owner;               /* claim owner: the worker's or the CLI's name */
    long lease_ms;                   /* claim lease (the claim keeper's) */
    volatile sig_atomic_t *cancel;   /* this job's stop flag: set on shutdown or claim loss */
    volatile sig_atomic_t *shutdown; /* the process's stop flag too (may be NULL) */
} ingest_context;

/* One job in progress. Plain data; ingest_job_end releases what it holds. */
typedef struct ingest_job {
    media_record row;  /* the claimed row; row.claim_epoch is the job's fencing token */
    int claim;         /* handle in the claim keeper; -1 when none */
    bool skipped;      /* the row was ready, failed or deleted: nothing to do */
    ingest_result res; /* the transfer's result */
    /* an earlier attempt's upload S3 did not confirm aborted: the transfer does not start
     * (a storage failure), so the old upload stays recorded until it is */
    media_code leftovers_rc;
    media_error leftovers_err;
} ingest_job;

/*
 * Claim media_id for this context's owner (msg_id: the job's Redis message, or NULL). Before
 * returning, abort what an earlier holder left open: the upload recorded with the row and, when
 * the row was claimed before, any other upload under its key (that holder's claim ran out, so
 * it has stopped). When S3 does not confirm those aborts, ingest_job_transfer fails at once as
 * a storage failure (j->leftovers_rc), so a new upload never replaces a recorded one.
 * MEDIA_OK: claimed (j->row), or j->skipped with j->row as it is.
 * MEDIA_ERR_BUSY: another worker holds a live claim (err->retry_after_s: for how long).
 * Other errors are the catalog's. Call ingest_job_end in every case.
 */
media_code ingest_job_begin(ingest_context *c, const char *media_id, const char *msg_id,
                            ingest_job *j, media_error *err);
/* Stream the row's source into its object (j->res). The multipart upload, if any, is recorded
 * with the row under the job's claim. MEDIA_ERR_CANCELLED when stopped (see claim_lost). */
media_code ingest_job_transfer(ingest_context *c, ingest_job *j, media_error *err);
/*
 * Mark the row ready with j->res (j->row becomes the final row). MEDIA_ERR_FENCED: the claim
 * was taken over (the row is the new holder's; nothing is deleted). MEDIA_ERR_CONFLICT: the
 * row was deleted (its object is deleted too) or failed meanwhile.
 */
media_code ingest_job_finish(ingest_context *c, ingest_job *j, media_error *err);
/* True when the claim keeper found the job's claim lost (it cancelled the transfer). */
bool ingest_job_claim_lost(const ingest_context *c, const ingest_job *j);
/* Stop renewing the claim and free the row. Safe to call twice. */
void ingest_job_end(ingest_context *c, ingest_job *j);

#endif
