/* test_policy.c - presign policy: expiry bounds, the caching window, type and disposition. */
#include "cmocka_prelude.h"

#include "media/config.h"
#include "presign/policy.h"

#include <string.h>

static media_sigv4_signer *signer(void)
{
    media_aws_credentials c = {"AKIDTEST", "secret", NULL};
    return media_sigv4_signer_new(&c, "us-east-1", "s3", NULL);
}

static void record(media_record *r, const char *type)
{
    memset(r, 0, sizeof(*r));
    strcpy(r->id, "017f22e2-79b0-7fff-bfff-ffffffffffff");
    strcpy(r->bucket, "media");
    strcpy(r->object_key, "ab12/t/017f22e2-79b0-7fff-bfff-ffffffffffff");
    strcpy(r->content_type, type);
    r->status = MEDIA_STATUS_READY;
}

/* issue 15, defect 8: a presign with a long STS session token (they run to 1600+ bytes) failed
 * on a 2 KiB buffer and was reported as a bad expiry */
static void test_long_session_tokens_presign(void **st)
{
    (void)st;
    presign_policy p = {3600, 86400, 300};
    media_endpoint ep;
    media_endpoint_parse("https://cdn.example.com", &ep, NULL);
    media_record r;
    record(&r, "image/png");
    /* the longest token configuration accepts, of characters that all need percent-encoding */
    static char token[MEDIA_SESSION_TOKEN_MAX + 1];
    for (size_t i = 0; i < MEDIA_SESSION_TOKEN_MAX; i++)
        token[i] = "+/="[i % 3];
    size_t lens[] = {1700, MEDIA_SESSION_TOKEN_MAX};
    for (size_t k = 0; k < 2; k++) {
        char saved = token[lens[k]];
        token[lens[k]] = '\0';
        media_aws_credentials c = {"AKIDTEST", "secret", token};
        media_sigv4_signer *s = media_sigv4_signer_new(&c, "us-east-1", "s3", NULL);
        presign_url u;
        media_error err;
        assert_int_equal(presign_policy_url(&p, s, &ep, MEDIA_S3_ADDRESSING_PATH, &r, 0,
                                            PRESIGN_DISPOSITION_DEFAULT, 1700000200, &u, &err),
                         MEDIA_OK);
        const char *t = strstr(u.url, "X-Amz-Security-Token=%2B%2F%3D%2B");
        assert_non_null(t);
        assert_int_equal(strcspn(t + 21, "&"), 3 * lens[k]); /* all of it, encoded */
        assert_non_null(strstr(u.url, "&X-Amz-Signature="));
        media_sigv4_signer_destroy(s);
        token[lens[k]] = saved;
    }
}

static void test_expiry_bounds_and_window(void **st)
{
    (void)st;
    presign_policy p = {3600, 86400, 300};
    media_endpoint ep;
    media_endpoint_parse("https://cdn.example.com", &ep, NULL);
    media_sigv4_signer *s = signer();
    media_record r;
    record(&r, "image/png");
    presign_url a, b;
    media_error err;
    time_t t = 1700000200; /* 100 s into the 300 s window starting at 1700000100 */
    assert_int_equal(presign_policy_url(&p, s, &ep, MEDIA_S3_ADDRESSING_PATH, &r, 0,
                                        PRESIGN_DISPOSITION_DEFAULT, t, &a, &err),
                     MEDIA_OK);
    assert_non_null(strstr(a.url, "X-Amz-Expires=3900&"));
    assert_int_equal(a.expires_at, 1700000100 + 3900); /* signed at the window start */
    assert_true(a.expires_at - t >= 3600);             /* at least the asked life remains */
    assert_int_equal(presign_policy_url(&p, s, &ep, MEDIA_S3_ADDRESSING_PATH, &r, 0,
                                        PRESIGN_DISPOSITION_DEFAULT, t + 150, &b, &err),
                     MEDIA_OK);
    assert_string_equal(a.url, b.url); /* same window: identical URL */
    /* the window start and signing time the front end's URL memo keys on */
    assert_int_equal(a.signed_at, 1700000100);
    assert_int_equal(presign_policy_window_start(&p, t), 1700000100);
    assert_int_equal(presign_policy_window_start(&p, t + 199), 1700000100);
    assert_int_equal(presign_policy_window_start(&p, t + 200), 1700000400);
    assert_int_equal(presign_policy_cache_max_age(a.expires_at, t), 300);
    assert_int_equal(presign_policy_cache_max_age(t + 100, t), 50); /* half the life left */
    assert_int_equal(presign_policy_url(&p, s, &ep, MEDIA_S3_ADDRESSING_PATH, &r, 0,
                                        PRESIGN_DISPOSITION_DEFAULT, t + 300, &b, &err),
                     MEDIA_OK);
    assert_string_not_equal(a.url, b.url); /* next window: a new one */
    assert_true(a.cache_max_age_s > 0 && a.cache_max_age_s <= 300);
    assert_int_equal(presign_policy_url(&p, s, &ep, MEDIA_S3_ADDRESSING_PATH, &r, 86401,
                                        PRESIGN_DISPOSITION_DEFAULT, t, &b, &err),
                     MEDIA_ERR_INVALID);
    assert_non_null(strstr(err.message, "1..86400"));
    presign_policy seven = {3600, 604800, 300};
    assert_int_equal(presign_policy_url(&seven, s, &ep, MEDIA_S3_ADDRESSING_PATH, &r, 604800,
                                        PRESIGN_DISPOSITION_DEFAULT, t, &b, &err),
                     MEDIA_OK);
    assert_non_null(strstr(b.url, "X-Amz-Expires=604800&")); /* never past SigV4's 7 days */
    media_sigv4_signer_destroy(s);
}

static void test_type_and_disposition(void **st)
{
    (void)st;
    presign_policy p = {3600, 86400, 300};
    media_endpoint ep;
    media_endpoint_parse("http://127.0.0.1:7480", &ep, NULL);
    media_sigv4_signer *s = signer();
    media_record r;
    presign_url u;
    record(&r, "image/jpeg");
    assert_int_equal(presign_policy_url(&p, s, &ep, MEDIA_S3_ADDRESSING_PATH, &r, 60,
                                        PRESIGN_DISPOSITION_DEFAULT, 1700000000, &u, NULL),
                     MEDIA_OK);
    assert_non_null(strstr(u.url, "response-content-type=image%2Fjpeg"));
    assert_non_null(strstr(u.url, "response-content-disposition=inline%3B%20filename%3D%22"
                                  "017f22e2-79b0-7fff-bfff-ffffffffffff.jpg%22"));
    assert_int_equal(presign_policy_url(&p, s, &ep, MEDIA_S3_ADDRESSING_PATH, &r, 60,
                                        PRESIGN_ATTACHMENT, 1700000000, &u, NULL),
                     MEDIA_OK);
    assert_non_null(strstr(u.url, "response-content-disposition=attachment"));
    /* anything that is not a stored media type is never inline, even when asked */
    record(&r, "text/html");
    assert_int_equal(presign_policy_url(&p, s, &ep, MEDIA_S3_ADDRESSING_PATH, &r, 60,
                                        PRESIGN_INLINE, 1700000000, &u, NULL),
                     MEDIA_OK);
    assert_non_null(strstr(u.url, "response-content-disposition=attachment"));
    assert_non_null(strstr(u.url, ".bin%22"));
    presign_disposition d;
    assert_true(presign_disposition_parse("inline", &d));
    assert_int_equal(d, PRESIGN_INLINE);
    assert_true(presign_disposition_parse(NULL, &d));
    assert_false(presign_disposition_parse("INLINE", &d));
    assert_string_equal(presign_extension("video/quicktime"), "mov");
    media_sigv4_signer_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_session_tokens_presign),
        cmocka_unit_test(test_expiry_bounds_and_window),
        cmocka_unit_test(test_type_and_disposition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
