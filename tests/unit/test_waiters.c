/* test_waiters.c - the parked waiting reads of one loop: woken by id or all at once, expired
 * by deadline, bounded, and never missing a wake that raced with the park. */
#include "cmocka_prelude.h"

#include "presign/waiters.h"

#include <string.h>

static void test_wake_by_id(void **st)
{
    (void)st;
    presign_waiters *w = presign_waiters_new(8);
    int a, b, c;
    assert_int_equal(presign_waiters_park(w, "m1", 100, 5000, &a), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "m2", 100, 5000, &b), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "m1", 100, 5000, &c), PRESIGN_PARKED);
    void *out[8];
    size_t n = presign_waiters_wake(w, "m1", 200, out, 8);
    assert_int_equal(n, 2);
    assert_true((out[0] == &a && out[1] == &c) || (out[0] == &c && out[1] == &a));
    assert_int_equal(presign_waiters_count(w), 1);
    assert_int_equal(presign_waiters_wake(w, "m3", 210, out, 8), 0);
    assert_int_equal(presign_waiters_wake(w, "*", 220, out, 8), 1);
    assert_ptr_equal(out[0], &b);
    assert_int_equal(presign_waiters_count(w), 0);
    presign_waiters_destroy(w);
}

static void test_wake_before_park(void **st)
{
    (void)st;
    presign_waiters *w = presign_waiters_new(8);
    int a;
    void *out[4];
    /* the record was read at 100; the event came at 150, before the park at 160 */
    presign_waiters_wake(w, "m1", 150, out, 4);
    assert_int_equal(presign_waiters_park(w, "m1", 100, 5000, &a), PRESIGN_WOKEN);
    /* a wake older than the read says nothing about it */
    assert_int_equal(presign_waiters_park(w, "m1", 151, 5000, &a), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "m2", 100, 5000, &a), PRESIGN_PARKED);
    /* "*" (the listener reconnected: events may be lost) wakes reads read before it */
    presign_waiters_wake(w, "*", 300, out, 4);
    assert_int_equal(presign_waiters_park(w, "m9", 250, 5000, &a), PRESIGN_WOKEN);
    assert_int_equal(presign_waiters_park(w, "m9", 301, 5000, &a), PRESIGN_PARKED);
    presign_waiters_destroy(w);
}

static void test_deadlines_and_capacity(void **st)
{
    (void)st;
    presign_waiters *w = presign_waiters_new(3);
    int x[4];
    assert_int_equal(presign_waiters_park(w, "a", 0, 1000, &x[0]), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "b", 0, 3000, &x[1]), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "c", 0, 2000, &x[2]), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "d", 0, 2000, &x[3]), PRESIGN_FULL);
    void *out[4];
    assert_int_equal(presign_waiters_expired(w, 999, out, 4), 0);
    assert_int_equal(presign_waiters_expired(w, 2000, out, 4), 2);
    assert_int_equal(presign_waiters_count(w), 1);
    assert_int_equal(presign_waiters_expired(w, 5000, out, 1), 1);
    assert_ptr_equal(out[0], &x[1]);
    /* batches: more matches than cap come out over several calls */
    for (int i = 0; i < 3; i++)
        presign_waiters_park(w, "same", 6000, 9000, &x[i]);
    assert_int_equal(presign_waiters_wake(w, "same", 7000, out, 2), 2);
    assert_int_equal(presign_waiters_wake(w, "same", 7000, out, 2), 1);
    presign_waiters_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wake_by_id),
        cmocka_unit_test(test_wake_before_park),
        cmocka_unit_test(test_deadlines_and_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
