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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_password_with_at_signs_stays_out_of_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
