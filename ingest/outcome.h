/*
 * outcome.h - what the worker does with a job once it ran: one pure decision from the job's
 * result, its attempts and the breakers, so every path is in one table (and unit-tested as
 * one). The worker carries the decision out (ingest/worker.c).
 */
#ifndef INGEST_OUTCOME_H
#define INGEST_OUTCOME_H

#include "media/error.h"
#include "retry.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    INGEST_ACK,         /* done (ready, or nothing left to do): acknowledge the message */
    INGEST_RETRY,       /* the attempt failed: row queued (attempt counted), message after delay */
    INGEST_RELEASE,     /* not the job's fault (storage down, shutdown): row queued, attempt not
                           counted, message after delay */
    INGEST_DEAD_LETTER, /* failed for good: row failed, message to the dead letters */
    INGEST_RESCHEDULE,  /* not run (another worker holds it, host breaker open): message after
                           delay, row untouched */
    INGEST_HAND_BACK,   /* the catalog failed around the job: message after delay, row untouched
                           (its claim runs out) */
    INGEST_LEAVE,       /* our claim was taken over: change nothing; the new holder decides */
} ingest_action;

typedef struct ingest_outcome_input {
    media_code rc;         /* the job's result (begin, transfer and finish) */
    media_error_class cls; /* its class */
    long retry_after_s;    /* from the error */
    bool failed_storage;   /* S3, not the source, failed */
    bool claim_lost;       /* the claim keeper cancelled the job */
    bool shutting_down;    /* the process is stopping */
    int attempts;          /* attempts counted so far, this one included */
    int64_t s3_wait_ms;    /* after a storage failure: the S3 breaker's cool-down left */
    int64_t host_wait_ms;  /* > 0: the source host's breaker is open this long */
} ingest_outcome_input;

typedef struct ingest_outcome {
    ingest_action action;
    long delay_ms; /* RETRY, RELEASE, RESCHEDULE, HAND_BACK */
} ingest_outcome;

/* Decide. random01 in [0, 1) is the retry jitter draw. */
ingest_outcome ingest_outcome_decide(const ingest_outcome_input *in, const ingest_retry_policy *p,
                                     double random01);
/* "ack", "retry", ... (logs and tests). */
const char *ingest_action_name(ingest_action a);

#endif
