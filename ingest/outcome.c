/*
 * outcome.c - the worker's decision table (see outcome.h). Rules in order; the first that
 * matches decides. To add a case: add a rule here and a row to tests/unit/test_outcome.c.
 */
#include "outcome.h"

#define MIN_DELAY_MS 1000L

static ingest_outcome out(ingest_action a, long delay_ms)
{
    return (ingest_outcome){a, delay_ms};
}

ingest_outcome ingest_outcome_decide(const ingest_outcome_input *in, const ingest_retry_policy *p,
                                     double random01)
{
    if (in->host_wait_ms > 0) /* not run: the source host is failing */
        return out(INGEST_RESCHEDULE, (long)in->host_wait_ms);
    if (in->rc == MEDIA_OK)
        return out(INGEST_ACK, 0);
    if (in->rc == MEDIA_ERR_BUSY) { /* another worker holds a live claim: after it runs out */
        long ms = in->retry_after_s * 1000;
        return out(INGEST_RESCHEDULE, ms > MIN_DELAY_MS ? ms : MIN_DELAY_MS);
    }
    if (in->rc == MEDIA_ERR_FENCED || in->claim_lost)
        return out(INGEST_LEAVE, 0);
    if (in->rc == MEDIA_ERR_CONFLICT) /* deleted or finished meanwhile: nothing left to do */
        return out(INGEST_ACK, 0);
    if (in->rc == MEDIA_ERR_CANCELLED && in->shutting_down) /* hand it to another worker now */
        return out(INGEST_RELEASE, 0);
    if (in->rc == MEDIA_ERR_DB)
        return out(INGEST_HAND_BACK, MIN_DELAY_MS);
    if (in->failed_storage && in->cls != MEDIA_CLASS_PERMANENT) /* S3 is down, not the job */
        return out(INGEST_RELEASE,
                   in->s3_wait_ms > MIN_DELAY_MS ? (long)in->s3_wait_ms : MIN_DELAY_MS);
    long delay = ingest_retry_delay_ms(p, in->attempts, in->cls, in->retry_after_s, random01);
    if (delay >= 0)
        return out(INGEST_RETRY, delay);
    return out(INGEST_DEAD_LETTER, 0);
}

const char *ingest_action_name(ingest_action a)
{
    static const char *const names[] = {"ack",        "retry",     "release", "dead_letter",
                                        "reschedule", "hand_back", "leave"};
    return (unsigned)a <= INGEST_LEAVE ? names[a] : "unknown";
}
