/* test_trace.c - W3C traceparent parsing (the spec's valid and invalid forms), new and child
 * spans, the header we send, the thread's context in log lines, and the OTLP JSON body. */
#include "cmocka_prelude.h"

#include "media/log.h"
#include "media/otlp.h"
#include "media/trace.h"

#include <string.h>

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define SID "00f067aa0ba902b7"

static void test_parse(void **st)
{
    (void)st;
    char t[33], p[17];
    uint8_t f;
    assert_true(media_traceparent_parse("00-" TID "-" SID "-01", t, p, &f));
    assert_string_equal(t, TID);
    assert_string_equal(p, SID);
    assert_int_equal(f, 1);
    assert_true(media_traceparent_parse("00-" TID "-" SID "-00", t, p, &f));
    assert_int_equal(f, 0);
    /* a later version may add fields; 00 may not */
    assert_true(media_traceparent_parse("01-" TID "-" SID "-01-what-ever", t, p, &f));
    assert_false(media_traceparent_parse("00-" TID "-" SID "-01-extra", t, p, &f));
    static const char *const bad[] = {
        NULL,
        "",
        "ff-" TID "-" SID "-01",                          /* version ff */
        "00-00000000000000000000000000000000-" SID "-01", /* zero trace id */
        "00-" TID "-0000000000000000-01",                 /* zero parent */
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-" SID "-01", /* upper case */
        "00-" TID "-" SID "-1",                           /* short flags */
        "00-" TID "-" SID "-0g",                          /* not hex */
        "00_" TID "_" SID "_01",                          /* separators */
        "00-4bf92f3577b34da6a3ce929d0e0e473-" SID "-01x", /* short trace id */
        "01-" TID "-" SID "-01x",                         /* a later version, glued */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(media_traceparent_parse(bad[i], t, p, &f));
}

static void test_spans(void **st)
{
    (void)st;
    media_trace a, b, c;
    media_trace_start(&a, "00-" TID "-" SID "-01", "vendor=1");
    assert_string_equal(a.trace_id, TID);
    assert_string_equal(a.parent_id, SID);
    assert_string_equal(a.state, "vendor=1");
    assert_int_equal(strlen(a.span_id), 16);
    assert_string_not_equal(a.span_id, SID);
    char h[MEDIA_TRACEPARENT_LEN + 1];
    media_trace_header(&a, h);
    assert_int_equal(strlen(h), MEDIA_TRACEPARENT_LEN);
    assert_true(strncmp(h, "00-" TID "-", 36) == 0);
    assert_int_equal(strncmp(h + 36, a.span_id, 16), 0); /* our span is the next one's parent */
    assert_string_equal(h + 52, "-01");
    media_trace_child(&b, &a);
    assert_string_equal(b.trace_id, TID);
    assert_string_equal(b.parent_id, a.span_id);
    assert_string_not_equal(b.span_id, a.span_id);
    media_trace_start(&c, "garbage", "vendor=1"); /* a new root: no parent, no foreign state */
    assert_int_equal(strlen(c.trace_id), 32);
    assert_string_not_equal(c.trace_id, TID);
    assert_string_equal(c.parent_id, "");
    assert_string_equal(c.state, "");
    assert_int_equal(c.flags, 1);
    media_trace_header(NULL, h);
    assert_string_equal(h, "");
    assert_false(media_tracestate_valid("bad\ncontrol"));
    assert_true(media_tracestate_valid("a=1,b=2"));
}

static void test_current(void **st)
{
    (void)st;
    assert_null(media_trace_current());
    media_trace a;
    media_trace_start(&a, NULL, NULL);
    media_trace_set_current(&a);
    assert_non_null(media_trace_current());
    assert_string_equal(media_trace_current()->trace_id, a.trace_id);
    media_trace_set_current(NULL);
    assert_null(media_trace_current());
}

static void test_otlp_json(void **st)
{
    (void)st;
    media_trace t;
    media_trace_start(&t, "00-" TID "-" SID "-01", NULL);
    media_span s;
    media_span_begin(&s, &t, "GET media_id", MEDIA_SPAN_SERVER, 1000);
    s.end_ns = 2000;
    media_span_attr(&s, "http.route", "media \"id\"");
    media_buf b;
    media_buf_init(&b, 1 << 16);
    assert_int_equal(media_otlp_json("mediagate-serve", &s, 1, &b), 0);
    assert_non_null(
        strstr(b.data, "\"service.name\",\"value\":{\"stringValue\":\"mediagate-serve\""));
    assert_non_null(strstr(b.data, "\"traceId\":\"" TID "\""));
    assert_non_null(strstr(b.data, "\"parentSpanId\":\"" SID "\""));
    assert_non_null(strstr(b.data, "\"kind\":2"));
    assert_non_null(strstr(b.data, "\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"2000\""));
    assert_non_null(strstr(b.data, "\"stringValue\":\"media \\\"id\\\"\"")); /* escaped */
    media_buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_spans),
        cmocka_unit_test(test_current),
        cmocka_unit_test(test_otlp_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
