/* test_api.c - the API's pure helpers: query parsing, request ids, problem documents. */
#include "cmocka_prelude.h"

#include "presign/api.h"

#include <string.h>

static void test_query_get(void **st)
{
    (void)st;
    char v[32];
    assert_int_equal(presign_query_get("a=1&expires=60&b", "expires", v, sizeof(v)),
                     PRESIGN_QUERY_OK);
    assert_string_equal(v, "60");
    assert_int_equal(presign_query_get("disposition=in%6Cine", "disposition", v, sizeof(v)),
                     PRESIGN_QUERY_OK);
    assert_string_equal(v, "inline");
    assert_int_equal(presign_query_get("a=1&b", "b", v, sizeof(v)), PRESIGN_QUERY_OK);
    assert_string_equal(v, "");
    assert_int_equal(presign_query_get("expiresx=5", "expires", v, sizeof(v)),
                     PRESIGN_QUERY_ABSENT);
    assert_int_equal(presign_query_get("", "x", v, sizeof(v)), PRESIGN_QUERY_ABSENT);
    /* issue 15, defect 8: present but unusable is not absent */
    assert_int_equal(presign_query_get("x=%zz", "x", v, sizeof(v)), PRESIGN_QUERY_BAD);
    assert_int_equal(presign_query_get("x=%4", "x", v, sizeof(v)), PRESIGN_QUERY_BAD);
    char small[4];
    assert_int_equal(presign_query_get("x=12345", "x", small, sizeof(small)), PRESIGN_QUERY_BAD);
    assert_int_equal(presign_query_get("x=123&x=%zz", "x", small, sizeof(small)),
                     PRESIGN_QUERY_OK); /* the first occurrence counts */
    /* a decoded NUL would cut the value short: "ready%00" is not "ready" (matrix finding) */
    assert_int_equal(presign_query_get("status=ready%00", "status", v, sizeof(v)),
                     PRESIGN_QUERY_BAD);
    assert_int_equal(presign_query_get("expires=60%00x", "expires", v, sizeof(v)),
                     PRESIGN_QUERY_BAD);
}

static void test_request_ids(void **st)
{
    (void)st;
    assert_true(presign_request_id_valid("abc.123-XY_z"));
    assert_false(presign_request_id_valid(""));
    assert_false(presign_request_id_valid("has space"));
    assert_false(presign_request_id_valid("quote\"d"));
    assert_false(presign_request_id_valid("line\nbreak"));
    char big[80];
    memset(big, 'a', 65);
    big[65] = '\0';
    assert_false(presign_request_id_valid(big));
}

static void test_problem(void **st)
{
    (void)st;
    presign_response r;
    presign_response_init(&r);
    presign_problem(&r, 404, "not-found", "No such media", "the \"id\"", "req-1");
    assert_int_equal(r.status, 404);
    assert_string_equal(r.content_type, "application/problem+json");
    assert_string_equal(r.body.data,
                        "{\"type\":\"urn:mediagate:problem:not-found\",\"title\":\"No such media\","
                        "\"status\":404,\"detail\":\"the \\\"id\\\"\",\"request_id\":\"req-1\"}\n");
    presign_response_cleanup(&r);
}

static void test_cookie_get(void **st)
{
    (void)st;
    char v[64];
    assert_true(
        presign_cookie_get("a=1; mediagate_key=mgk_abc-_9; b=2", "mediagate_key", v, sizeof(v)));
    assert_string_equal(v, "mgk_abc-_9");
    assert_true(presign_cookie_get("mediagate_key=x%2Dy", "mediagate_key", v, sizeof(v)));
    assert_string_equal(v, "x-y");
    /* a longer name that starts the same is another cookie; empty and absent are absent */
    assert_false(presign_cookie_get("mediagate_key2=x", "mediagate_key", v, sizeof(v)));
    assert_false(presign_cookie_get("mediagate_key=", "mediagate_key", v, sizeof(v)));
    assert_false(presign_cookie_get("other=1", "mediagate_key", v, sizeof(v)));
    assert_false(presign_cookie_get("mediagate_key=x%00y", "mediagate_key", v, sizeof(v)));
    assert_false(presign_cookie_get(NULL, "mediagate_key", v, sizeof(v)));
    char small[4];
    assert_false(
        presign_cookie_get("mediagate_key=toolong", "mediagate_key", small, sizeof(small)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_get),
        cmocka_unit_test(test_cookie_get),
        cmocka_unit_test(test_request_ids),
        cmocka_unit_test(test_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
