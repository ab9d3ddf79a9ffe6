/* test_limiter.c - local rate-limit leases: spend, run dry, expire, adapt the batch size. */
#include "cmocka_prelude.h"

#include "presign/limiter.h"

static void test_no_lease_no_token(void **st)
{
    (void)st;
    presign_limiter *l = presign_limiter_new(100, 1000);
    presign_rate_view v;
    assert_false(presign_limiter_take(l, "k:read", 0, &v));
    assert_int_equal(presign_limiter_want(l, "k:read", 50, 0), 1); /* starts at one */
    presign_limiter_destroy(l);
}

static void test_spend_lease(void **st)
{
    (void)st;
    presign_limiter *l = presign_limiter_new(100, 1000);
    presign_rate_view v;
    presign_limiter_deposit(l, "k:read", 3, 600, 100, 20, 0);
    for (int i = 2; i >= 0; i--) {
        assert_true(presign_limiter_take(l, "k:read", 10, &v));
        assert_int_equal(v.limit, 600);
        assert_int_equal(v.remaining, 100 + i); /* shared remaining + leased left */
        assert_int_equal(v.reset_s, 20);
    }
    assert_false(presign_limiter_take(l, "k:read", 10, &v)); /* dry: exactly 3 spent */
    assert_false(presign_limiter_take(l, "other:read", 10, &v));
    presign_limiter_destroy(l);
}

static void test_lease_expires(void **st)
{
    (void)st;
    presign_limiter *l = presign_limiter_new(100, 1000);
    presign_rate_view v;
    presign_limiter_deposit(l, "k:read", 5, 600, 0, 1, 0);
    assert_true(presign_limiter_take(l, "k:read", 999, &v));
    assert_false(presign_limiter_take(l, "k:read", 1000, &v)); /* lease over: tokens dropped */
    /* a new lease after expiry does not resurrect the dropped tokens */
    presign_limiter_deposit(l, "k:read", 1, 600, 0, 1, 2000);
    assert_true(presign_limiter_take(l, "k:read", 2001, &v));
    assert_false(presign_limiter_take(l, "k:read", 2002, &v));
    presign_limiter_destroy(l);
}

static void test_want_adapts(void **st)
{
    (void)st;
    presign_limiter *l = presign_limiter_new(100, 1000);
    presign_rate_view v;
    long want = presign_limiter_want(l, "b", 64, 0);
    int64_t t = 0;
    /* high demand: each lease runs dry before it ends, so the batch doubles up to the cap */
    for (int round = 0; round < 10; round++) {
        presign_limiter_deposit(l, "b", want - 1, 6000, 1000, 1, t);
        while (presign_limiter_take(l, "b", t, &v))
            ;
        long next = presign_limiter_want(l, "b", 64, t);
        assert_int_equal(next, want * 2 > 64 ? 64 : want * 2);
        want = next;
        t += 10;
    }
    assert_int_equal(want, 64);
    /* demand drops: a lease ends with tokens unspent, so the batch halves */
    presign_limiter_deposit(l, "b", 63, 6000, 1000, 1, t);
    assert_true(presign_limiter_take(l, "b", t, &v));
    assert_int_equal(presign_limiter_want(l, "b", 64, t + 5000), 32);
    /* a small budget (max_batch 1) always reserves one token at a time */
    assert_int_equal(presign_limiter_want(l, "small", 1, 0), 1);
    presign_limiter_deposit(l, "small", 0, 5, 4, 12, 0);
    assert_false(presign_limiter_take(l, "small", 1, &v));
    assert_int_equal(presign_limiter_want(l, "small", 1, 2), 1);
    presign_limiter_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_lease_no_token),
        cmocka_unit_test(test_spend_lease),
        cmocka_unit_test(test_lease_expires),
        cmocka_unit_test(test_want_adapts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
