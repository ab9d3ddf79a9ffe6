/* test_queue.c - Redis URL rules (the rest of the queue runs against real Redis). */
#include "cmocka_prelude.h"

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
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_urls)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
