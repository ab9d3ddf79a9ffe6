/* test_queue.c - Redis URL rules (the rest of the queue runs against real Redis). */
#include "cmocka_prelude.h"

#include "media/enqueue.h"
#include "media/queue.h"

#include <string.h>

static void test_urls(void **st)
{
    (void)st;
    media_error err;
    assert_int_equal(media_queue_url_check("redis://127.0.0.1:6379/0", &err), MEDIA_OK);
    assert_int_equal(media_queue_url_check("redis://:secret@redis.internal", &err), MEDIA_OK);
    assert_int_equal(media_queue_url_check("redis://[::1]:6380/2", &err), MEDIA_OK);
    assert_int_equal(media_queue_url_check("rediss://redis.example:6380", &err), MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "stunnel"));
    assert_int_equal(media_queue_url_check("http://x", &err), MEDIA_ERR_CONFIG);
    assert_int_equal(media_queue_url_check("redis://h:0", &err), MEDIA_ERR_CONFIG);
    assert_int_equal(media_queue_url_check("redis://h:1/x", &err), MEDIA_ERR_CONFIG);
    assert_int_equal(media_queue_url_check("redis://:pw@h:99999", &err), MEDIA_ERR_CONFIG);
    assert_null(strstr(err.message, "pw"));
    assert_int_equal(media_queue_url_check(NULL, &err), MEDIA_ERR_CONFIG);
    /* Redis Sentinel (issue 12) */
    assert_int_equal(media_queue_url_check("redis-sentinel://h1:26379,h2/mymaster", &err),
                     MEDIA_OK);
    assert_int_equal(media_queue_url_check("redis-sentinel://:pw@[::1]:1,h:2/m/4", &err), MEDIA_OK);
    assert_int_equal(media_queue_url_check("redis-sentinel://h1:26379", &err), MEDIA_ERR_CONFIG);
    assert_int_equal(media_queue_url_check("redis-sentinel:///m", &err), MEDIA_ERR_CONFIG);
    assert_int_equal(media_queue_url_check("redis-sentinel://h:1//0", &err), MEDIA_ERR_CONFIG);
    assert_int_equal(media_queue_url_check("redis-sentinel://:pw@h:1/m/x", &err), MEDIA_ERR_CONFIG);
    assert_null(strstr(err.message, "pw"));
    assert_int_equal(media_queue_url_check("redis-sentinel://h:1,h:99999/m", &err),
                     MEDIA_ERR_CONFIG);
    assert_int_equal(media_queue_url_check("redis-sentinel://[::1/m", &err), MEDIA_ERR_CONFIG);
}

/* Sentinel mode with no sentinel answering: a transient error naming the master, no password.
 * (127.0.0.1:1 and :2 refuse at once.) */
static void test_sentinels_unreachable(void **st)
{
    (void)st;
    media_error err;
    media_queue_options o = {"redis-sentinel://:s3cret@127.0.0.1:1,127.0.0.1:2/jobs/0", NULL, 500};
    assert_null(media_queue_connect(&o, &err));
    assert_int_equal(err.code, MEDIA_ERR_NETWORK);
    assert_int_equal(err.cls, MEDIA_CLASS_TRANSIENT);
    assert_non_null(strstr(err.message, "no Redis sentinel (of 2) named a master for \"jobs\""));
    assert_null(strstr(err.message, "s3cret"));
}

/* issue 15, defect 5: a password containing '@' is never read as part of the host, and never
 * printed. (Connects to 127.0.0.1:1, where nothing listens: refused at once.) */
static void test_password_with_at_signs_stays_out_of_messages(void **st)
{
    (void)st;
    media_error err;
    media_queue_options o = {"redis://:p@ss@w0rd@127.0.0.1:1/0", NULL, 500};
    assert_int_equal(media_queue_url_check(o.url, &err), MEDIA_OK);
    assert_null(media_queue_connect(&o, &err));
    assert_int_equal(err.code, MEDIA_ERR_NETWORK);
    assert_non_null(strstr(err.message, "Redis 127.0.0.1:1 unavailable"));
    assert_null(strstr(err.message, "w0rd"));
    assert_null(strstr(err.message, "ss@"));
}

/* The outbox sweeper's stream clock (media/enqueue.h). */
static void test_outbox_waits_only_while_the_stream_may_hold_the_entry(void **st)
{
    (void)st;
    const int64_t now = 1764790000000, due = now - 60000; /* due a minute ago */
    /* the group was given nothing newer than the row: its entry may be waiting */
    assert_true(media_enqueue_may_be_waiting(due, due - 1000, false, now));
    assert_true(
        media_enqueue_may_be_waiting(due, due + MEDIA_STREAM_CLOCK_MARGIN_MS - 1, false, now));
    /* entries added well after it were delivered: it was delivered too, or never added */
    assert_false(media_enqueue_may_be_waiting(due, due + MEDIA_STREAM_CLOCK_MARGIN_MS, false, now));
    /* nothing waits in a drained stream */
    assert_false(media_enqueue_may_be_waiting(due, 0, true, now));
    /* due longer than a published row is trusted: publish whatever the clocks say */
    int64_t old = now - MEDIA_REPUBLISH_AFTER_S * 1000L - 1;
    assert_false(media_enqueue_may_be_waiting(old, 0, false, now));
    /* an unreadable time: publish */
    assert_false(media_enqueue_may_be_waiting(-1, 0, false, now));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_sentinels_unreachable),
        cmocka_unit_test(test_password_with_at_signs_stays_out_of_messages),
        cmocka_unit_test(test_outbox_waits_only_while_the_stream_may_hold_the_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
