/* test_outcome.c - the worker's decision table, one row per case. */
#include "cmocka_prelude.h"

#include "ingest/claims.h"
#include "ingest/outcome.h"

#include <stdio.h>

#define OK      MEDIA_OK
#define TRANS   MEDIA_CLASS_TRANSIENT
#define PERM    MEDIA_CLASS_PERMANENT
#define RATE    MEDIA_CLASS_RATE_LIMITED
#define NOCLASS MEDIA_CLASS_NONE

typedef struct {
    const char *name;
    ingest_outcome_input in;
    ingest_action want;
    long want_delay_ms; /* -1: not checked */
} row;

static void test_decision_table(void **st)
{
    (void)st;
    ingest_retry_policy p = {3, 1000, 300000}; /* delays below use the draw 0.5 */
    const row rows[] = {
        {"success acknowledges", {.rc = OK, .attempts = 1}, INGEST_ACK, 0},
        {"success wins over a late claim loss", {.rc = OK, .claim_lost = true}, INGEST_ACK, 0},
        {"transient failure, attempts left: retry with jitter",
         {.rc = MEDIA_ERR_NETWORK, .cls = TRANS, .attempts = 1},
         INGEST_RETRY,
         500},
        {"second transient failure: longer backoff",
         {.rc = MEDIA_ERR_NETWORK, .cls = TRANS, .attempts = 2},
         INGEST_RETRY,
         1000},
        {"transient failure on the last attempt: dead letter",
         {.rc = MEDIA_ERR_NETWORK, .cls = TRANS, .attempts = 3},
         INGEST_DEAD_LETTER,
         0},
        {"permanent failure: dead letter at once",
         {.rc = MEDIA_ERR_INVALID, .cls = PERM, .attempts = 1},
         INGEST_DEAD_LETTER,
         0},
        {"rate limited: retry no sooner than Retry-After",
         {.rc = MEDIA_ERR_NETWORK, .cls = RATE, .retry_after_s = 7, .attempts = 1},
         INGEST_RETRY,
         7000},
        {"storage down: release without an attempt, after the breaker's cool-down",
         {.rc = MEDIA_ERR_S3,
          .cls = TRANS,
          .failed_storage = true,
          .attempts = 3,
          .s3_wait_ms = 15000},
         INGEST_RELEASE,
         15000},
        {"storage down with no cool-down left: release after a second",
         {.rc = MEDIA_ERR_NETWORK, .cls = TRANS, .failed_storage = true, .attempts = 1},
         INGEST_RELEASE,
         1000},
        {"our upload aborted under us (NoSuchUpload): a storage failure, released",
         {.rc = MEDIA_ERR_S3, .cls = TRANS, .failed_storage = true, .attempts = 1},
         INGEST_RELEASE,
         1000},
        {"storage refused the request for good: the job fails",
         {.rc = MEDIA_ERR_S3, .cls = PERM, .failed_storage = true, .attempts = 1},
         INGEST_DEAD_LETTER,
         0},
        {"shutdown cut the transfer: released at once for another worker",
         {.rc = MEDIA_ERR_CANCELLED, .cls = TRANS, .shutting_down = true, .attempts = 1},
         INGEST_RELEASE,
         0},
        {"claim lost: change nothing",
         {.rc = MEDIA_ERR_CANCELLED, .cls = TRANS, .claim_lost = true, .attempts = 1},
         INGEST_LEAVE,
         0},
        {"claim lost wins over shutdown",
         {.rc = MEDIA_ERR_CANCELLED, .claim_lost = true, .shutting_down = true},
         INGEST_LEAVE,
         0},
        {"fenced write: change nothing",
         {.rc = MEDIA_ERR_FENCED, .cls = PERM, .attempts = 2},
         INGEST_LEAVE,
         0},
        {"another worker holds the claim: reschedule after it runs out",
         {.rc = MEDIA_ERR_BUSY, .cls = TRANS, .retry_after_s = 42},
         INGEST_RESCHEDULE,
         42000},
        {"busy with the claim about to run out: at least a second",
         {.rc = MEDIA_ERR_BUSY, .cls = TRANS, .retry_after_s = 0},
         INGEST_RESCHEDULE,
         1000},
        {"source host breaker open: reschedule without running",
         {.rc = OK, .host_wait_ms = 2500},
         INGEST_RESCHEDULE,
         2500},
        {"catalog failed around the job: hand back soon",
         {.rc = MEDIA_ERR_DB, .cls = TRANS, .attempts = 1},
         INGEST_HAND_BACK,
         1000},
        {"row deleted or failed meanwhile: acknowledge",
         {.rc = MEDIA_ERR_CONFLICT, .cls = PERM, .attempts = 1},
         INGEST_ACK,
         0},
        {"unclassified failure counts as permanent",
         {.rc = MEDIA_ERR_IO, .cls = NOCLASS, .attempts = 1},
         INGEST_DEAD_LETTER,
         0},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        ingest_outcome o = ingest_outcome_decide(&rows[i].in, &p, 0.5);
        if (o.action != rows[i].want ||
            (rows[i].want_delay_ms >= 0 && o.delay_ms != rows[i].want_delay_ms)) {
            printf("row %zu \"%s\": got %s %ld ms, want %s %ld ms\n", i, rows[i].name,
                   ingest_action_name(o.action), o.delay_ms, ingest_action_name(rows[i].want),
                   rows[i].want_delay_ms);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

static void test_action_names(void **st)
{
    (void)st;
    assert_string_equal(ingest_action_name(INGEST_DEAD_LETTER), "dead_letter");
    assert_string_equal(ingest_action_name(INGEST_LEAVE), "leave");
    assert_string_equal(ingest_action_name((ingest_action)99), "unknown");
}

/* the claim keeper's timing: a holder stops before its claim can run out on the server */
static void test_claim_deadline_leaves_a_margin(void **st)
{
    (void)st;
    assert_int_equal(ingest_claims_deadline_ms(1000, 60000), 41000);
    assert_int_equal(ingest_claims_renew_every_ms(60000), 10000);
    /* several renewals fit before the deadline, even for short leases */
    long leases[] = {1000, 2000, 4000, 60000, 3600000};
    for (size_t i = 0; i < sizeof(leases) / sizeof(leases[0]); i++) {
        long l = leases[i];
        assert_true(ingest_claims_deadline_ms(0, l) < l);
        assert_true(ingest_claims_deadline_ms(0, l) >= 3 * ingest_claims_renew_every_ms(l));
    }
    assert_int_equal(ingest_claims_renew_every_ms(100), 50); /* never a busy loop */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision_table),
        cmocka_unit_test(test_action_names),
        cmocka_unit_test(test_claim_deadline_leaves_a_margin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
