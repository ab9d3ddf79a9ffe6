/* test_routes.c - the one request pipeline's table (presign/routes.h) and how a request's
 * credential is read by it (presign_credential): which route takes a key, the session cookie
 * alone, or the cookie only with the page's header (issue 24, defects 1 and 7). */
#include "cmocka_prelude.h"

#include "media/session.h"
#include "presign/auth.h"
#include "presign/routes.h"

#include <string.h>

static void test_families(void **st)
{
    (void)st;
    static const struct {
        const char *path, *family; /* family: the row's path, NULL for none */
    } cases[] = {
        {"/api/v1/media", "/api/v1/media"},
        {"/api/v1/media/0190aaaa-0000-7000-8000-000000000000/url", "/api/v1/media"},
        {"/api/v1/mediax", NULL},
        {"/api/v1/uploads", "/api/v1/uploads"},
        {"/api/v1/uploads/x/complete", "/api/v1/uploads"},
        {"/api/v1/uppy/s3/params", "/api/v1/uppy/s3"},
        {"/api/v1/uppy", NULL}, /* the fuzzer's find: a shorter path read past its end */
        {"/api/v1/uppy/x", NULL},
        {"/api/v1/webhooks/deliveries", "/api/v1/webhooks"},
        {"/app/session", "/app/session"},
        {"/app/session/x", NULL}, /* exact */
        {"/ready", "/ready"},
        {"/readyz", NULL},
        {"/", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const presign_family *f = presign_family_find(cases[i].path);
        if (cases[i].family == NULL) {
            assert_null(f);
            assert_int_equal(presign_route_accepts(cases[i].path), 0);
        } else {
            assert_non_null(f);
            assert_string_equal(f->path, cases[i].family);
            assert_non_null(f->handle);
        }
    }
    /* a session is made from a key only; webhooks and uploads never by the cookie alone */
    assert_int_equal(presign_route_accepts("/app/session"), PRESIGN_ACCEPT_KEY);
    assert_false(presign_route_accepts("/api/v1/uppy/s3/params") & PRESIGN_ACCEPT_COOKIE_GET);
    assert_false(presign_route_accepts("/api/v1/uploads") & PRESIGN_ACCEPT_COOKIE_GET);
    assert_false(presign_route_accepts("/api/v1/webhooks") & PRESIGN_ACCEPT_COOKIE_GET);
    assert_true(presign_route_accepts("/api/v1/media/x") & PRESIGN_ACCEPT_COOKIE_GET);
}

static void test_needs(void **st)
{
    (void)st;
    assert_true(presign_need_ok(0, PRESIGN_NEED_NONE));
    assert_false(presign_need_ok(0, PRESIGN_NEED_READ));
    assert_true(presign_need_ok(MEDIA_SCOPE_READ, PRESIGN_NEED_READ));
    assert_false(presign_need_ok(MEDIA_SCOPE_READ, PRESIGN_NEED_WRITE));
    assert_true(presign_need_ok(MEDIA_SCOPE_WRITE, PRESIGN_NEED_WRITE));
    assert_false(presign_need_ok(MEDIA_SCOPE_WRITE | MEDIA_SCOPE_READ, PRESIGN_NEED_ADMIN));
    assert_true(presign_need_ok(MEDIA_SCOPE_ADMIN, PRESIGN_NEED_READ));
    assert_true(presign_need_ok(MEDIA_SCOPE_ADMIN, PRESIGN_NEED_WRITE));
    assert_true(presign_need_ok(MEDIA_SCOPE_ADMIN, PRESIGN_NEED_ADMIN));
}

static presign_request request(const char *method, const char *path, const char *auth,
                               const char *cookie, bool from_app)
{
    presign_request r = {.method = method,
                         .path = path,
                         .query = "",
                         .authorization = auth,
                         .cookie = cookie,
                         .request_id = "t",
                         .from_app = from_app};
    return r;
}

static cred_kind credential(const presign_request *r)
{
    char buf[MEDIA_SESSION_MAX + 16];
    const char *secret = NULL;
    cred_kind k = presign_credential(r, presign_route_accepts(r->path), buf, sizeof(buf), &secret);
    if (k != CRED_NONE)
        assert_non_null(secret);
    return k;
}

static void test_credentials(void **st)
{
    (void)st;
    const char *ck = PRESIGN_SESSION_COOKIE "=tok";
    presign_request r;
    /* defect 1: the session route with the cookie and the page's header, no Authorization:
     * no credential (it used to authenticate, then hash a NULL header) */
    r = request("POST", "/app/session", NULL, ck, true);
    assert_int_equal(credential(&r), CRED_NONE);
    r = request("POST", "/app/session", "Bearer mgk_x", ck, true);
    assert_int_equal(credential(&r), CRED_KEY);
    r = request("POST", "/app/session", "Basic abc", NULL, false);
    assert_int_equal(credential(&r), CRED_NONE);
    r = request("POST", "/app/session", "Bearer ", NULL, false);
    assert_int_equal(credential(&r), CRED_NONE);
    /* read routes: the cookie alone on GET; a write needs the page's header */
    r = request("GET", "/api/v1/media/abc/url", NULL, ck, false);
    assert_int_equal(credential(&r), CRED_SESSION);
    r = request("DELETE", "/api/v1/media/abc", NULL, ck, false);
    assert_int_equal(credential(&r), CRED_NONE);
    r = request("DELETE", "/api/v1/media/abc", NULL, ck, true);
    assert_int_equal(credential(&r), CRED_SESSION);
    r = request("POST", "/api/v1/media", NULL, ck, false);
    assert_int_equal(credential(&r), CRED_NONE);
    /* defect 7: Uppy's routes change state even on GET: the cookie needs the header */
    r = request("GET", "/api/v1/uppy/s3/params", NULL, ck, false);
    assert_int_equal(credential(&r), CRED_NONE);
    r = request("POST", "/api/v1/uppy/s3/multipart", NULL, ck, false);
    assert_int_equal(credential(&r), CRED_NONE);
    r = request("GET", "/api/v1/uppy/s3/params", NULL, ck, true);
    assert_int_equal(credential(&r), CRED_SESSION);
    r = request("GET", "/api/v1/webhooks/deliveries", NULL, ck, false);
    assert_int_equal(credential(&r), CRED_NONE);
    r = request("POST", "/api/v1/uploads", NULL, ck, false);
    assert_int_equal(credential(&r), CRED_NONE);
    /* cookie and bearer together: the bearer key is the credential */
    r = request("GET", "/api/v1/media", "Bearer mgk_y", ck, true);
    assert_int_equal(credential(&r), CRED_KEY);
    /* no route: no credential is read at all */
    r = request("GET", "/nowhere", "Bearer mgk_y", ck, true);
    assert_int_equal(credential(&r), CRED_NONE);
    /* an absent or empty cookie */
    r = request("GET", "/api/v1/media", NULL, NULL, true);
    assert_int_equal(credential(&r), CRED_NONE);
    r = request("GET", "/api/v1/media", NULL, PRESIGN_SESSION_COOKIE "=", true);
    assert_int_equal(credential(&r), CRED_NONE);
}

static void test_ids_canonical(void **st)
{
    (void)st;
    char id[] = "0190ABCD-EF00-7000-8000-00000000000A";
    presign_id_canonical(id);
    assert_string_equal(id, "0190abcd-ef00-7000-8000-00000000000a");
    /* the media router lower-cases what it parses (defect 5: a DELETE by "ABC" missed the
     * cache entry of "abc") */
    presign_request r =
        request("DELETE", "/api/v1/media/0190ABCD-EF00-7000-8000-00000000000A", NULL, NULL, false);
    presign_response res;
    presign_response_init(&res);
    presign_route rt;
    assert_int_equal(presign_route_parse(&r, &res, &rt), 0);
    assert_string_equal(rt.id, "0190abcd-ef00-7000-8000-00000000000a");
    assert_true(rt.write);
    presign_response_cleanup(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families),
        cmocka_unit_test(test_needs),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_ids_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
