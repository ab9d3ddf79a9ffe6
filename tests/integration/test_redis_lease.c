/* test_redis_lease.c - media/lease.c and the usage counters against the stack's real Redis:
 * one holder at a time, renewal, release only by the holder, expiry frees it; every command
 * is counted (media_redis_commands_total). */
#include "../unit/cmocka_prelude.h"

#include "media/lease.h"
#include "media/queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static media_redis *r;
static char key[200];

static int setup(void **st)
{
    (void)st;
    media_error err;
    r = media_redis_connect(getenv("MEDIAGATE_REDIS_URL"), 2000, &err);
    if (r == NULL) {
        fprintf(stderr, "Redis: %s\n", err.message);
        return -1;
    }
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "itest-lease-%d", (int)getpid());
    media_lease_key(prefix, "sweeper", key, sizeof(key));
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    media_redis_reply *rep;
    media_error err;
    if (MEDIA_REDIS_RUN(r, &rep, &err, "DEL", key) == MEDIA_OK)
        media_redis_reply_free(rep);
    media_redis_close(r);
    return 0;
}

static bool take(const char *owner, long ttl_ms)
{
    bool mine = true;
    media_error err;
    assert_int_equal(media_lease_take(r, key, owner, ttl_ms, &mine, &err), MEDIA_OK);
    return mine;
}

static void test_one_holder_renewal_and_release(void **st)
{
    (void)st;
    unsigned long long before = media_redis_commands_total();
    assert_true(take("worker-a", 10000));
    assert_false(take("worker-b", 10000)); /* held */
    assert_true(take("worker-a", 10000));  /* renewed by its holder */
    media_error err;
    assert_int_equal(media_lease_release(r, key, "worker-b", &err), MEDIA_OK);
    assert_false(take("worker-b", 10000)); /* b could not release a's lease */
    assert_int_equal(media_lease_release(r, key, "worker-a", &err), MEDIA_OK);
    assert_true(take("worker-b", 10000)); /* free at once after a clean hand-over */
    assert_int_equal(media_redis_commands_total() - before, 7);
    assert_int_equal(media_lease_release(r, key, "worker-b", &err), MEDIA_OK);
}

static void test_expiry_frees_it(void **st)
{
    (void)st;
    assert_true(take("worker-a", 200));
    assert_false(take("worker-b", 200));
    struct timespec ts = {0, 350 * 1000 * 1000}; /* a's holder died: it stops renewing */
    nanosleep(&ts, NULL);
    assert_true(take("worker-b", 200));
    assert_false(take("worker-a", 200));
}

static void test_redis_down_is_an_error_not_a_lease(void **st)
{
    (void)st;
    media_error err;
    media_redis *dead = media_redis_connect("redis://127.0.0.1:1/0", 500, &err);
    assert_null(dead); /* connect refused up front */
    assert_int_equal(err.code, MEDIA_ERR_NETWORK);
}

/* The stream as the outbox sweeper's clock: drained when every entry was given out, and the
 * time of the last one given. */
static void test_queue_delivery_clock(void **st)
{
    (void)st;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "itest-clock-%d", (int)getpid());
    media_queue_options o = {getenv("MEDIAGATE_REDIS_URL"), prefix, 2000};
    media_error err;
    media_queue *q = media_queue_connect(&o, &err);
    assert_non_null(q);
    int64_t at = -1;
    bool drained = false;
    assert_int_equal(media_queue_delivered(q, &at, &drained, &err), MEDIA_OK);
    assert_true(drained); /* no stream yet */
    assert_int_equal(at, 0);

    media_job job;
    memset(&job, 0, sizeof(job));
    snprintf(job.media_id, sizeof(job.media_id), "0192f0c4-7e1a-7b3c-9d2e-000000000001");
    snprintf(job.tenant, sizeof(job.tenant), "t");
    int64_t t0 = (int64_t)time(NULL) * 1000;
    assert_int_equal(media_queue_add(q, &job, &err), MEDIA_OK);
    assert_int_equal(media_queue_add(q, &job, &err), MEDIA_OK);
    assert_int_equal(media_queue_ensure_group(q, &err), MEDIA_OK);
    assert_int_equal(media_queue_delivered(q, &at, &drained, &err), MEDIA_OK);
    assert_false(drained); /* two entries, none given out */
    assert_int_equal(at, 0);

    media_job got;
    bool have = false;
    assert_int_equal(media_queue_take(q, "c1", 60000, 100, &got, &have, &err), MEDIA_OK);
    assert_true(have);
    assert_int_equal(media_queue_delivered(q, &at, &drained, &err), MEDIA_OK);
    assert_false(drained);                           /* one still waits */
    assert_true(at >= t0 - 1000 && at <= t0 + 5000); /* the entry's id: Redis's clock, in ms */
    assert_int_equal(media_queue_take(q, "c1", 60000, 100, &got, &have, &err), MEDIA_OK);
    assert_true(have);
    assert_int_equal(media_queue_ack(q, got.msg_id, &err), MEDIA_OK); /* XDEL: still drained */
    assert_int_equal(media_queue_delivered(q, &at, &drained, &err), MEDIA_OK);
    assert_true(drained);

    char k[120];
    snprintf(k, sizeof(k), "%s:jobs", prefix);
    media_redis_reply *rep;
    if (MEDIA_REDIS_RUN(r, &rep, &err, "DEL", k) == MEDIA_OK)
        media_redis_reply_free(rep);
    media_queue_close(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_holder_renewal_and_release),
        cmocka_unit_test(test_expiry_frees_it),
        cmocka_unit_test(test_redis_down_is_an_error_not_a_lease),
        cmocka_unit_test(test_queue_delivery_clock),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
