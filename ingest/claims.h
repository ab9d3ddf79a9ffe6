/*
 * claims.h - keeps the catalog claims of running jobs alive, and stops a job whose claim is
 * lost, so that only one worker's transfer counts for a row at any time.
 *
 * A job claims its row for lease_ms (media_catalog_claim) and registers the claim here. A
 * keeper thread, on its own PostgreSQL connection, renews every registered claim every
 * renew_every_ms in one statement; right after, it keeps the claims of the jobs' Redis
 * messages alive too (when it was given a queue), so a message is never reclaimable while its
 * row's claim is live. The keeper sets the job's cancel flag when
 *   - a renewal says the claim is no longer held (another worker took it over), or
 *   - the claim may run out before the next renewal could extend it: no renewal succeeded
 *     since local time `deadline` (PostgreSQL unreachable or slow). Local time is this
 *     process's monotonic clock, and a claim's deadline is counted from the moment its last
 *     successful renewal was *sent*, never later than when the server set the expiry; the
 *     deadline leaves a third of the lease as margin for the job to stop.
 * A worker can only take a row over after its claim ran out on the server, by which time
 * the old holder has cancelled its transfer: two transfers of one row never overlap.
 *
 * Thread: every function may be called from any thread (one mutex).
 */
#ifndef INGEST_CLAIMS_H
#define INGEST_CLAIMS_H

#include "media/error.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ingest_claims ingest_claims;

typedef struct ingest_claims_options {
    const char *database_url; /* required; copied */
    long lease_ms;            /* the lease each claim was taken with */
    const char *redis_url;    /* NULL: no Redis messages to keep (the CLI); copied */
    const char *queue_prefix; /* with redis_url */
    const char *consumer;     /* with redis_url: the consumer that owns the messages; copied */
} ingest_claims_options;

/* Start the keeper thread (it connects lazily and reconnects). Caller stops it. */
ingest_claims *ingest_claims_start(const ingest_claims_options *o);
/* Stop the thread. Every claim still registered is left to run out. */
void ingest_claims_stop(ingest_claims *k);

/* Monotonic milliseconds (the clock of sent_ms below). */
int64_t ingest_claims_now_ms(void);

/*
 * Register a claim taken with a request sent at sent_ms (ingest_claims_now_ms() read before
 * media_catalog_claim). msg_id (may be NULL or "") is the Redis message of the job. cancel is
 * set non-zero when the claim is lost; it must stay valid until ingest_claims_remove.
 * Returns the handle.
 */
int ingest_claims_add(ingest_claims *k, const char *media_id, int64_t epoch, const char *msg_id,
                      int64_t sent_ms, volatile sig_atomic_t *cancel);
/* True once the claim of handle h was lost (its cancel flag is set). */
bool ingest_claims_lost(ingest_claims *k, int h);
/* The job is over: stop renewing its claim. */
void ingest_claims_remove(ingest_claims *k, int h);

/* Pure: how often to renew claims of lease_ms, and the local deadline after a renewal sent at
 * sent_ms (sent + two thirds of the lease). */
long ingest_claims_renew_every_ms(long lease_ms);
int64_t ingest_claims_deadline_ms(int64_t sent_ms, long lease_ms);

#endif
