/* test_webhook.c - webhook signatures (a known answer from Python's hmac, and the receiver's
 * checks: wrong secret, changed body, old or future timestamp, malformed header), event names,
 * and the JSON a receiver and an operator read. */
#include "cmocka_prelude.h"

#include "media/webhook.h"

#include <string.h>

static void test_signature_known_answer(void **st)
{
    (void)st;
    char sig[MEDIA_WEBHOOK_SIGNATURE_MAX];
    const char body[] = "{\"id\":\"d\"}";
    media_webhook_sign("whsec_test", 1700000000, body, strlen(body), sig);
    /* python3: hmac.new(b'whsec_test', b'1700000000.{"id":"d"}', hashlib.sha256).hexdigest() */
    assert_string_equal(
        sig, "t=1700000000,v1=8118d458c54d9d7938931afa5fd8ab97c98d94ee0d44702a5a7cf4741ddce96c");
}

static void test_verify(void **st)
{
    (void)st;
    char sig[MEDIA_WEBHOOK_SIGNATURE_MAX];
    const char body[] = "{\"event\":\"media.ready\"}";
    size_t n = strlen(body);
    media_webhook_sign("whsec_a", 1000, body, n, sig);
    assert_true(media_webhook_verify("whsec_a", sig, body, n, 1000, 300));
    assert_true(media_webhook_verify("whsec_a", sig, body, n, 1300, 300));  /* at the edge */
    assert_false(media_webhook_verify("whsec_a", sig, body, n, 1301, 300)); /* a replay */
    assert_false(media_webhook_verify("whsec_a", sig, body, n, 699, 300));  /* from the future */
    assert_false(media_webhook_verify("whsec_b", sig, body, n, 1000, 300));
    assert_false(media_webhook_verify("whsec_a", sig, body, n - 1, 1000, 300));
    char forged[MEDIA_WEBHOOK_SIGNATURE_MAX];
    strcpy(forged, sig);
    forged[2] = '2'; /* t=2000: the MAC covers the timestamp */
    assert_false(media_webhook_verify("whsec_a", forged, body, n, 2000, 300));
    assert_false(media_webhook_verify("whsec_a", "", body, n, 1000, 300));
    assert_false(media_webhook_verify("whsec_a", "t=1000", body, n, 1000, 300));
    assert_false(media_webhook_verify("whsec_a", "t=x,v1=00", body, n, 1000, 300));
    assert_false(media_webhook_verify("whsec_a", NULL, body, n, 1000, 300));
}

static void test_events(void **st)
{
    (void)st;
    assert_int_equal(media_event_parse("media.ready"), MEDIA_EVENT_READY);
    assert_int_equal(media_event_parse("media.failed"), MEDIA_EVENT_FAILED);
    assert_int_equal(media_event_parse("media.deleted"), MEDIA_EVENT_DELETED);
    assert_int_equal(media_event_parse("media.Ready"), 0);
    assert_int_equal(media_event_parse(""), 0);
    assert_int_equal(media_event_parse(NULL), 0);
}

static void test_json(void **st)
{
    (void)st;
    media_webhook_endpoint e = {
        .id = "0190", .url = "https://h/x", .events = 5, .created_at = "2026-12-03T00:00:00Z"};
    media_buf b;
    media_buf_init(&b, 4096);
    assert_int_equal(media_webhook_endpoint_json(&e, &b), 0);
    assert_string_equal(b.data, "{\"id\":\"0190\",\"url\":\"https://h/x\",\"events\":"
                                "[\"media.ready\",\"media.deleted\"],"
                                "\"created_at\":\"2026-12-03T00:00:00Z\"}");
    media_delivery d = {.id = "d1", .event = "media.ready", .created_at = "t0"};
    d.record.size_bytes = -1;
    strcpy(d.record.id, "m1");
    d.url = "https://h/x";
    d.secret[0] = 'w';
    media_buf_reset(&b);
    assert_int_equal(media_delivery_body(&d, &b), 0);
    assert_non_null(strstr(b.data, "{\"id\":\"d1\",\"event\":\"media.ready\",\"created_at\":\"t0\","
                                   "\"data\":{\"id\":\"m1\","));
    media_buf_reset(&b);
    assert_int_equal(media_delivery_json(&d, &b), 0);
    assert_null(strstr(b.data, "secret")); /* never in a listing */
    assert_non_null(strstr(b.data, "\"endpoint_id\":null"));
    media_buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_known_answer),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
