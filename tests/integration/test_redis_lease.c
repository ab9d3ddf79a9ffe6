/* test_redis_lease.c - media/lease.c and the usage counters against the stack's real Redis:
 * one holder at a time, renewal, release only by the holder, expiry frees it; every command
 * is counted (media_redis_commands_total); the queue's delivery clock, and the ack that
 * publishes the media event in the same script. */
#include "../unit/cmocka_prelude.h"

#include "media/events.h"
#include "media/lease.h"
#include "media/queue.h"

#include <pthread.h>

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

/* What the events listener heard: "*" once subscribed, then the ids published. */
static struct {
    pthread_mutex_t mu;
    bool subscribed;
    char id[64];
} heard = {PTHREAD_MUTEX_INITIALIZER, false, ""};

static void on_event(void *ud, const char *id)
{
    (void)ud;
    pthread_mutex_lock(&heard.mu);
    if (strcmp(id, "*") == 0)
        heard.subscribed = true;
    else
        snprintf(heard.id, sizeof(heard.id), "%s", id);
    pthread_mutex_unlock(&heard.mu);
}

/* until cond() holds (5 s) */
static bool wait_for(bool (*cond)(void))
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&heard.mu);
        bool ok = cond();
        pthread_mutex_unlock(&heard.mu);
        if (ok)
            return true;
        usleep(10000);
    }
    return false;
}
static bool is_subscribed(void)
{
    return heard.subscribed;
}
static bool heard_an_id(void)
{
    return heard.id[0] != '\0';
}

static long long integer_of(const char *cmd, const char *k)
{
    media_redis_reply *rep;
    media_error err;
    assert_int_equal(MEDIA_REDIS_RUN(r, &rep, &err, cmd, k), MEDIA_OK);
    long long n = media_redis_integer(rep);
    media_redis_reply_free(rep);
    return n;
}

/* The worker's ack of a finished job publishes its media event in the same script: the
 * entry is gone from the stream, and a listener hears the id. */
static void test_ack_publishes_the_event(void **st)
{
    (void)st;
    char prefix[64], channel[256], k[120];
    snprintf(prefix, sizeof(prefix), "itest-ackpub-%d", (int)getpid());
    media_events_channel(prefix, channel, sizeof(channel));
    media_events_listener *l =
        media_events_listen(getenv("MEDIAGATE_REDIS_URL"), prefix, on_event, NULL);
    assert_true(wait_for(is_subscribed));

    media_queue_options o = {getenv("MEDIAGATE_REDIS_URL"), prefix, 2000};
    media_error err;
    media_queue *q = media_queue_connect(&o, &err);
    assert_non_null(q);
    media_job job, got;
    memset(&job, 0, sizeof(job));
    snprintf(job.media_id, sizeof(job.media_id), "0192f0c4-7e1a-7b3c-9d2e-000000000002");
    snprintf(job.tenant, sizeof(job.tenant), "t");
    assert_int_equal(media_queue_add(q, &job, &err), MEDIA_OK);
    assert_int_equal(media_queue_ensure_group(q, &err), MEDIA_OK);
    bool have = false;
    assert_int_equal(media_queue_take(q, "c1", 60000, 100, &got, &have, &err), MEDIA_OK);
    assert_true(have);
    snprintf(k, sizeof(k), "%s:jobs", prefix);
    assert_int_equal(integer_of("XLEN", k), 1);

    assert_int_equal(media_queue_ack_publish(q, got.msg_id, channel, got.media_id, &err), MEDIA_OK);
    assert_int_equal(integer_of("XLEN", k), 0); /* acknowledged and deleted */
    assert_true(wait_for(heard_an_id));
    pthread_mutex_lock(&heard.mu);
    assert_string_equal(heard.id, job.media_id);
    pthread_mutex_unlock(&heard.mu);

    media_events_listener_stop(l);
    assert_int_equal(integer_of("DEL", k), 1);
    media_queue_close(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_holder_renewal_and_release),
        cmocka_unit_test(test_expiry_frees_it),
        cmocka_unit_test(test_redis_down_is_an_error_not_a_lease),
        cmocka_unit_test(test_queue_delivery_clock),
        cmocka_unit_test(test_ack_publishes_the_event),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
