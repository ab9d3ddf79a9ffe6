/* test_waiters.c - the parked waiting reads of one loop: woken by id or all at once, expired
 * by deadline, bounded, and never missing a wake that raced with the park. */
#include "cmocka_prelude.h"

#include "presign/waiters.h"

#include <string.h>

static void test_wake_by_id(void **st)
{
    (void)st;
    presign_waiters *w = presign_waiters_new(8, 8);
    int a, b, c;
    assert_int_equal(presign_waiters_park(w, "m1", "t", 100, 5000, &a), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "m2", "t", 100, 5000, &b), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "m1", "t", 100, 5000, &c), PRESIGN_PARKED);
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
    presign_waiters *w = presign_waiters_new(8, 8);
    int a;
    void *out[4];
    /* the record was read at 100; the event came at 150, before the park at 160 */
    presign_waiters_wake(w, "m1", 150, out, 4);
    assert_int_equal(presign_waiters_park(w, "m1", "t", 100, 5000, &a), PRESIGN_WOKEN);
    /* a wake older than the read says nothing about it */
    assert_int_equal(presign_waiters_park(w, "m1", "t", 151, 5000, &a), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "m2", "t", 100, 5000, &a), PRESIGN_PARKED);
    /* "*" (the listener reconnected: events may be lost) wakes reads read before it */
    presign_waiters_wake(w, "*", 300, out, 4);
    assert_int_equal(presign_waiters_park(w, "m9", "t", 250, 5000, &a), PRESIGN_WOKEN);
    assert_int_equal(presign_waiters_park(w, "m9", "t", 301, 5000, &a), PRESIGN_PARKED);
    presign_waiters_destroy(w);
}

static void test_deadlines_and_capacity(void **st)
{
    (void)st;
    presign_waiters *w = presign_waiters_new(3, 3);
    int x[4];
    assert_int_equal(presign_waiters_park(w, "a", "t", 0, 1000, &x[0]), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "b", "t", 0, 3000, &x[1]), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "c", "t", 0, 2000, &x[2]), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "d", "t", 0, 2000, &x[3]), PRESIGN_FULL);
    void *out[4];
    assert_int_equal(presign_waiters_expired(w, 999, out, 4), 0);
    assert_int_equal(presign_waiters_expired(w, 2000, out, 4), 2);
    assert_int_equal(presign_waiters_count(w), 1);
    assert_int_equal(presign_waiters_expired(w, 5000, out, 1), 1);
    assert_ptr_equal(out[0], &x[1]);
    /* batches: more matches than cap come out over several calls */
    for (int i = 0; i < 3; i++)
        presign_waiters_park(w, "same", "t", 6000, 9000, &x[i]);
    assert_int_equal(presign_waiters_wake(w, "same", 7000, out, 2), 2);
    assert_int_equal(presign_waiters_wake(w, "same", 7000, out, 2), 1);
    presign_waiters_destroy(w);
}

/* issue 24, defect 8: a read whose client went away leaves at once; one tenant's waits take
 * at most its share, and the others still park. */
static void test_remove_and_tenant_share(void **st)
{
    (void)st;
    int a, b, c, d;
    presign_waiters *w = presign_waiters_new(8, 2);
    assert_int_equal(presign_waiters_park(w, "m1", "greedy", 100, 5000, &a), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "m2", "greedy", 100, 5000, &b), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "m3", "greedy", 100, 5000, &c), PRESIGN_FULL);
    assert_int_equal(presign_waiters_park(w, "m4", "other", 100, 5000, &d), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_count(w), 3);
    assert_true(presign_waiters_remove(w, &a));
    assert_false(presign_waiters_remove(w, &a)); /* once */
    assert_int_equal(presign_waiters_count(w), 2);
    /* the freed share is the tenant's again */
    assert_int_equal(presign_waiters_park(w, "m3", "greedy", 100, 5000, &c), PRESIGN_PARKED);
    /* a removed item is never handed out by a wake or a deadline */
    void *out[8];
    size_t n = presign_waiters_wake(w, "m1", 200, out, 8);
    assert_int_equal(n, 0);
    n = presign_waiters_expired(w, 9999, out, 8);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_ptr_not_equal(out[i], &a);
    presign_waiters_destroy(w);
}

static bool is_b(void *item, void *ud)
{
    return item == ud;
}

static void test_take_if(void **st)
{
    (void)st;
    int a, b, c;
    presign_waiters *w = presign_waiters_new(8, 8);
    assert_int_equal(presign_waiters_park(w, "m1", "t", 100, 5000, &a), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "m1", "t", 100, 5000, &b), PRESIGN_PARKED);
    assert_int_equal(presign_waiters_park(w, "m2", "t", 100, 5000, &c), PRESIGN_PARKED);
    void *out[8];
    assert_int_equal(presign_waiters_take_if(w, is_b, &b, out, 8), 1);
    assert_ptr_equal(out[0], &b);
    assert_int_equal(presign_waiters_count(w), 2);
    assert_int_equal(presign_waiters_take_if(w, is_b, &b, out, 8), 0);
    assert_int_equal(presign_waiters_wake(w, "m1", 200, out, 8), 1);
    assert_ptr_equal(out[0], &a);
    presign_waiters_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wake_by_id),
        cmocka_unit_test(test_wake_before_park),
        cmocka_unit_test(test_deadlines_and_capacity),
        cmocka_unit_test(test_remove_and_tenant_share),
        cmocka_unit_test(test_take_if),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
