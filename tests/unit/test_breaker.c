/* test_breaker.c - closed -> open -> half-open -> closed/open, and the named set. */
#include "cmocka_prelude.h"

#include "media/breaker.h"

#include <stdio.h>

static void test_state_machine(void **st)
{
    (void)st;
    media_breaker b;
    media_breaker_init(&b, 3, 1000);
    assert_true(media_breaker_allow(&b, 0));
    media_breaker_failure(&b, 0);
    media_breaker_failure(&b, 0);
    assert_int_equal(media_breaker_state_at(&b, 0), MEDIA_BREAKER_CLOSED);
    media_breaker_success(&b); /* consecutive failures only */
    media_breaker_failure(&b, 10);
    media_breaker_failure(&b, 10);
    media_breaker_failure(&b, 10);
    assert_int_equal(media_breaker_state_at(&b, 10), MEDIA_BREAKER_OPEN);
    assert_false(media_breaker_allow(&b, 500));
    assert_int_equal(media_breaker_wait_ms(&b, 500), 510);
    /* cool-down over: exactly one probe */
    assert_true(media_breaker_allow(&b, 1010));
    assert_int_equal(media_breaker_state_at(&b, 1010), MEDIA_BREAKER_HALF_OPEN);
    assert_false(media_breaker_allow(&b, 1011));
    media_breaker_failure(&b, 1020); /* the probe failed: open again at once */
    assert_int_equal(media_breaker_state_at(&b, 1020), MEDIA_BREAKER_OPEN);
    assert_true(media_breaker_allow(&b, 2021));
    media_breaker_success(&b);
    assert_int_equal(media_breaker_state_at(&b, 2021), MEDIA_BREAKER_CLOSED);
    assert_true(media_breaker_allow(&b, 2022));
}

static void test_named_set(void **st)
{
    (void)st;
    media_breaker_set *s = media_breaker_set_new(2, 1, 1000);
    int64_t wait;
    assert_true(media_breaker_set_allow(s, "a.example", 0, &wait));
    media_breaker_set_report(s, "a.example", false, 0);
    assert_false(media_breaker_set_allow(s, "a.example", 100, &wait));
    assert_int_equal(wait, 900);
    assert_true(media_breaker_set_allow(s, "b.example", 100, &wait)); /* per host */
    assert_true(media_breaker_set_allow(s, "c.example", 100, &wait)); /* evicts closed b */
    size_t counts[3];
    media_breaker_set_counts(s, 100, counts);
    assert_int_equal(counts[MEDIA_BREAKER_OPEN], 1);
    assert_false(media_breaker_set_allow(s, "a.example", 200, &wait)); /* open one kept */
    media_breaker_set_destroy(s);
}

/* issue 24, defect 4: once every tracked breaker was open, a lookup returned nothing and
 * every request was allowed. Now the set grows (to 8 x its capacity), then refuses. */
static void test_full_of_open_breakers(void **st)
{
    (void)st;
    media_breaker_set *s = media_breaker_set_new(2, 1, 1000);
    int64_t wait;
    char name[32];
    for (int i = 0; i < 16; i++) { /* 2 x 8: every one opened by its one failure */
        snprintf(name, sizeof(name), "h%d", i);
        assert_true(media_breaker_set_allow(s, name, 0, &wait));
        media_breaker_set_report(s, name, false, 0);
    }
    size_t counts[3];
    media_breaker_set_counts(s, 10, counts);
    assert_int_equal(counts[MEDIA_BREAKER_OPEN], 16); /* none forgotten */
    for (int i = 0; i < 16; i++) {
        snprintf(name, sizeof(name), "h%d", i);
        assert_false(media_breaker_set_allow(s, name, 10, &wait));
    }
    /* the set is at its limit and every breaker is open: a new name is refused, not allowed */
    assert_false(media_breaker_set_allow(s, "new.example", 10, &wait));
    assert_int_equal(wait, 1000);
    /* after the cool-down the probes go out and a success frees a slot */
    assert_true(media_breaker_set_allow(s, "h0", 1010, &wait));
    media_breaker_set_report(s, "h0", true, 1010);
    assert_true(media_breaker_set_allow(s, "new.example", 1020, &wait));
    media_breaker_set_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_machine),
        cmocka_unit_test(test_named_set),
        cmocka_unit_test(test_full_of_open_breakers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
