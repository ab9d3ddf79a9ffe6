/*
 * test_s3_sign.c - SigV4 against AWS's published S3 examples (every stage, byte for byte,
 * from the golden files in vectors/sigv4/) and the signer's own rules.
 */
#include "cmocka_prelude.h"

#include "media/hash.h"
#include "media/s3_location.h"
#include "media/s3_sign.h"
#include "media/uri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AKID   "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static char *slurp(const char *vcase, const char *file)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/sigv4/%s/%s", VECTORS_DIR, vcase, file);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static media_sigv4_signer *example_signer(const char *token)
{
    media_aws_credentials c = {AKID, SECRET, token};
    media_error err;
    media_sigv4_signer *s = media_sigv4_signer_new(&c, "us-east-1", "s3", &err);
    assert_non_null(s);
    return s;
}

/* Parse request.txt (AWS's presentation of a request) and sign it; assert every stage. */
static void check_header_case(const char *vcase)
{
    char *raw = slurp(vcase, "request.txt");
    char *body = strstr(raw, "\n\n");
    assert_non_null(body);
    *body = '\0';
    body += 2;

    char *line = strtok(raw, "\n");
    char method[16], target[1024];
    assert_int_equal(sscanf(line, "%15s %1023s", method, target), 2);

    /* the request line shows the key unencoded: encode it as the S3 client does */
    char *qs = strchr(target, '?');
    if (qs)
        *qs++ = '\0';
    char path[2048];
    media_uri_encode(path, sizeof(path), target, strlen(target), true);

    media_kv query[8];
    size_t nq = 0;
    char *save = NULL;
    for (char *kv = qs ? strtok_r(qs, "&", &save) : NULL; kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (eq)
            *eq++ = '\0';
        query[nq++] = (media_kv){kv, eq};
    }

    media_kv headers[16];
    size_t nh = 0;
    const char *amz_date = NULL, *payload = NULL;
    while ((line = strtok(NULL, "\n")) != NULL) {
        char *colon = strchr(line, ':');
        assert_non_null(colon);
        *colon = '\0';
        headers[nh] = (media_kv){line, colon + 1};
        if (strcasecmp(line, "x-amz-date") == 0)
            amz_date = colon + 1 + strspn(colon + 1, " ");
        if (strcasecmp(line, "x-amz-content-sha256") == 0)
            payload = colon + 1 + strspn(colon + 1, " ");
        nh++;
    }
    assert_non_null(amz_date);
    assert_non_null(payload);

    /* the payload hash in the example is the SHA-256 of its body */
    uint8_t h[MEDIA_SHA256_LEN];
    char hex[65];
    media_sha256(body, strlen(body), h);
    media_hex(h, sizeof(h), hex);
    assert_string_equal(hex, payload);

    media_sigv4_signer *s = example_signer(NULL);
    media_sigv4_request req = {method, path, query, nq, headers, nh, payload, amz_date};
    media_sigv4_result *r = malloc(sizeof(*r));
    media_error err;
    assert_int_equal(media_sigv4_sign(s, &req, r, &err), MEDIA_OK);

    char *want_cr = slurp(vcase, "canonical_request.txt");
    char *want_sts = slurp(vcase, "string_to_sign.txt");
    char *want_sig = slurp(vcase, "signature.txt");
    assert_string_equal(r->canonical_request, want_cr);
    assert_string_equal(r->string_to_sign, want_sts);
    assert_string_equal(r->signature, want_sig);

    char auth[2048], want_auth[2048];
    assert_int_equal(media_sigv4_authorization(s, r, auth, sizeof(auth), &err), MEDIA_OK);
    snprintf(want_auth, sizeof(want_auth),
             "AWS4-HMAC-SHA256 Credential=" AKID "/20130524/us-east-1/s3/aws4_request, "
             "SignedHeaders=%s, Signature=%s",
             r->signed_headers, want_sig);
    assert_string_equal(auth, want_auth);

    free(want_cr);
    free(want_sts);
    free(want_sig);
    free(r);
    free(raw);
    media_sigv4_signer_destroy(s);
}

static void test_aws_example_get_object_with_range(void **st)
{
    (void)st;
    check_header_case("get-object-range");
}

static void test_aws_example_put_object(void **st)
{
    (void)st;
    check_header_case("put-object");
}

static void test_aws_example_get_bucket_lifecycle(void **st)
{
    (void)st;
    check_header_case("get-bucket-lifecycle");
}

static void test_aws_example_get_bucket_list_objects(void **st)
{
    (void)st;
    check_header_case("get-bucket-list-objects");
}

static void test_aws_example_presigned_get(void **st)
{
    (void)st;
    media_endpoint ep;
    media_s3_location loc;
    assert_int_equal(media_endpoint_parse("https://s3.amazonaws.com", &ep, NULL), MEDIA_OK);
    assert_int_equal(
        media_s3_locate(&ep, MEDIA_S3_ADDRESSING_VIRTUAL, "examplebucket", "test.txt", &loc, NULL),
        MEDIA_OK);
    media_sigv4_signer *s = example_signer(NULL);
    media_sigv4_presign_request req = {
        "GET", loc.host, loc.path, "20130524T000000Z", 86400, NULL, NULL, NULL, NULL, NULL, NULL};
    char query[2048], url[8192];
    media_sigv4_result *r = malloc(sizeof(*r));
    assert_int_equal(media_sigv4_presign(s, &req, query, sizeof(query), r, NULL), MEDIA_OK);
    snprintf(url, sizeof(url), "%s%s?%s", loc.origin, loc.path, query);

    char *want_cr = slurp("presigned-get", "canonical_request.txt");
    char *want_sts = slurp("presigned-get", "string_to_sign.txt");
    char *want_sig = slurp("presigned-get", "signature.txt");
    char *want_url = slurp("presigned-get", "url.txt");
    assert_string_equal(r->canonical_request, want_cr);
    assert_string_equal(r->string_to_sign, want_sts);
    assert_string_equal(r->signature, want_sig);
    assert_string_equal(url, want_url);
    free(want_cr);
    free(want_sts);
    free(want_sig);
    free(want_url);
    free(r);
    media_sigv4_signer_destroy(s);
}

static void presign(media_sigv4_signer *s, const char *method, long expires, const char *type,
                    const char *disp, char *query, size_t cap, media_code want)
{
    media_sigv4_presign_request req = {method,  "h.example", "/b/k", "20130524T000000Z",
                                       expires, type,        disp,   NULL,
                                       NULL,    NULL,        NULL};
    media_error err;
    assert_int_equal(media_sigv4_presign(s, &req, query, cap, NULL, &err), want);
}

static void test_presign_rejects_expiry_outside_1_to_604800(void **st)
{
    (void)st;
    media_sigv4_signer *s = example_signer(NULL);
    char q[2048];
    presign(s, "GET", 0, NULL, NULL, q, sizeof(q), MEDIA_ERR_INVALID);
    presign(s, "GET", -5, NULL, NULL, q, sizeof(q), MEDIA_ERR_INVALID);
    presign(s, "GET", 604801, NULL, NULL, q, sizeof(q), MEDIA_ERR_INVALID);
    presign(s, "GET", 1, NULL, NULL, q, sizeof(q), MEDIA_OK);
    assert_non_null(strstr(q, "X-Amz-Expires=1&"));
    presign(s, "GET", 604800, NULL, NULL, q, sizeof(q), MEDIA_OK);
    assert_non_null(strstr(q, "X-Amz-Expires=604800&"));
    media_sigv4_signer_destroy(s);
}

static void test_presign_methods(void **st)
{
    (void)st;
    media_sigv4_signer *s = example_signer(NULL);
    char a[2048], b[2048];
    presign(s, "PUT", 60, NULL, NULL, a, sizeof(a), MEDIA_OK);
    presign(s, "HEAD", 60, NULL, NULL, b, sizeof(b), MEDIA_OK);
    assert_string_not_equal(a, b); /* the method is signed */
    presign(s, "DELETE", 60, NULL, NULL, a, sizeof(a), MEDIA_OK);
    presign(s, "POST", 60, NULL, NULL, a, sizeof(a), MEDIA_ERR_INVALID);
    presign(s, "get", 60, NULL, NULL, a, sizeof(a), MEDIA_ERR_INVALID);
    media_sigv4_signer_destroy(s);
}

static void test_presign_session_token_is_in_query_and_signed(void **st)
{
    (void)st;
    media_sigv4_signer *s = example_signer("tok/en+=");
    char q[2048];
    media_sigv4_presign_request req = {"GET", "h",  "/k", "20130524T000000Z", 60, NULL, NULL, NULL,
                                       NULL,  NULL, NULL};
    media_sigv4_result *r = malloc(sizeof(*r));
    assert_int_equal(media_sigv4_presign(s, &req, q, sizeof(q), r, NULL), MEDIA_OK);
    assert_non_null(strstr(q, "&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-SignedHeaders=host"));
    assert_non_null(strstr(r->canonical_request, "X-Amz-Security-Token=tok%2Fen%2B%3D"));
    free(r);
    media_sigv4_signer_destroy(s);
}

/* Direct uploads: a part's number and upload id are in the signed query; content-length and
 * content-type are signed headers, in canonical order, so S3 refuses any other values. */
static void test_presign_upload_signs_length_type_and_part(void **st)
{
    (void)st;
    media_sigv4_signer *s = example_signer(NULL);
    char q[4096];
    media_sigv4_presign_request req = {"PUT",      "h",    "/b/k",     "20130524T000000Z",
                                       60,         NULL,   NULL,       "3",
                                       "up/load=", "1234", "image/png"};
    media_sigv4_result *r = malloc(sizeof(*r));
    assert_int_equal(media_sigv4_presign(s, &req, q, sizeof(q), r, NULL), MEDIA_OK);
    assert_non_null(strstr(q, "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"));
    assert_non_null(strstr(q, "&partNumber=3&uploadId=up%2Fload%3D&X-Amz-Signature="));
    assert_non_null(strstr(r->canonical_request, "\ncontent-length:1234\ncontent-type:image/png\n"
                                                 "host:h\n\ncontent-length;content-type;host\n"
                                                 "UNSIGNED-PAYLOAD"));
    assert_string_equal(r->signed_headers, "content-length;content-type;host");
    char plain[4096];
    req.content_length = req.content_type = NULL;
    req.part_number = req.upload_id = NULL;
    assert_int_equal(media_sigv4_presign(s, &req, plain, sizeof(plain), NULL, NULL), MEDIA_OK);
    assert_non_null(strstr(plain, "X-Amz-SignedHeaders=host&X-Amz-Signature="));
    assert_string_not_equal(strstr(q, "X-Amz-Signature="), strstr(plain, "X-Amz-Signature="));
    req.content_type = "image/png\nx-amz-acl: public-read"; /* no header smuggling */
    assert_int_equal(media_sigv4_presign(s, &req, plain, sizeof(plain), NULL, NULL),
                     MEDIA_ERR_INVALID);
    char sig[65], cred[256];
    assert_int_equal(media_sigv4_sign_policy(s, "20130524T000000Z", "eyJ9", sig, NULL), MEDIA_OK);
    assert_int_equal(strlen(sig), 64);
    assert_int_equal(media_sigv4_credential(s, "20130524T000000Z", cred, sizeof(cred), NULL),
                     MEDIA_OK);
    assert_string_equal(cred, "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request");
    free(r);
    media_sigv4_signer_destroy(s);
}

static void test_presign_response_overrides_are_encoded_and_sorted(void **st)
{
    (void)st;
    media_sigv4_signer *s = example_signer(NULL);
    char q[2048];
    presign(s, "GET", 60, "image/png", "attachment; filename=\"a b.png\"", q, sizeof(q), MEDIA_OK);
    const char *d = strstr(q, "response-content-disposition=attachment%3B%20filename%3D%22a%20b"
                              ".png%22");
    const char *t = strstr(q, "response-content-type=image%2Fpng");
    assert_non_null(d);
    assert_non_null(t);
    assert_true(d < t);
    assert_true(strstr(q, "X-Amz-SignedHeaders=host") < d); /* upper case sorts first */
    assert_non_null(strstr(q, "&X-Amz-Signature="));
    media_sigv4_signer_destroy(s);
}

static void test_presign_too_small_buffer_is_an_error(void **st)
{
    (void)st;
    media_sigv4_signer *s = example_signer(NULL);
    char q[64];
    presign(s, "GET", 60, NULL, NULL, q, sizeof(q), MEDIA_ERR_TOO_LARGE);
    media_sigv4_signer_destroy(s);
}

static void test_signing_key_cache_follows_the_date(void **st)
{
    (void)st;
    media_sigv4_signer *s = example_signer(NULL);
    char q1[2048], q2[2048], q3[2048];
    media_sigv4_presign_request req = {"GET", "h",  "/k", "20130524T000000Z", 60, NULL, NULL, NULL,
                                       NULL,  NULL, NULL};
    assert_int_equal(media_sigv4_presign(s, &req, q1, sizeof(q1), NULL, NULL), MEDIA_OK);
    req.amz_date = "20130525T000000Z";
    assert_int_equal(media_sigv4_presign(s, &req, q2, sizeof(q2), NULL, NULL), MEDIA_OK);
    req.amz_date = "20130524T000000Z";
    assert_int_equal(media_sigv4_presign(s, &req, q3, sizeof(q3), NULL, NULL), MEDIA_OK);
    assert_string_not_equal(q1, q2);
    assert_string_equal(q1, q3);
    /* a fresh signer (no cache) agrees with the cached one */
    media_sigv4_signer *fresh = example_signer(NULL);
    assert_int_equal(media_sigv4_presign(fresh, &req, q2, sizeof(q2), NULL, NULL), MEDIA_OK);
    assert_string_equal(q1, q2);
    media_sigv4_signer_destroy(fresh);
    media_sigv4_signer_destroy(s);
}

static void test_header_values_trimmed_and_repeats_joined(void **st)
{
    (void)st;
    media_sigv4_signer *s = example_signer(NULL);
    media_kv hs[] = {{"Host", "h"},
                     {"X-Amz-Meta-A", "  two   spaces\tand tab  "},
                     {"x-amz-meta-b", "1"},
                     {"X-AMZ-META-B", "2"}};
    media_sigv4_request req = {
        "GET", "/", NULL, 0, hs, 4, MEDIA_SIGV4_UNSIGNED_PAYLOAD, "20130524T000000Z"};
    media_sigv4_result *r = malloc(sizeof(*r));
    assert_int_equal(media_sigv4_sign(s, &req, r, NULL), MEDIA_OK);
    assert_string_equal(r->canonical_request, "GET\n/\n\nhost:h\nx-amz-meta-a:two spaces and tab\n"
                                              "x-amz-meta-b:1,2\n\nhost;x-amz-meta-a;x-amz-meta-b\n"
                                              "UNSIGNED-PAYLOAD");
    free(r);
    media_sigv4_signer_destroy(s);
}

static void test_sign_refuses_bad_input(void **st)
{
    (void)st;
    media_sigv4_signer *s = example_signer(NULL);
    media_sigv4_result *r = malloc(sizeof(*r));
    media_kv nohost[] = {{"x-amz-date", "20130524T000000Z"}};
    media_kv crlf[] = {{"host", "h\r\nx: y"}};
    media_kv badname[] = {{"host", "h"}, {"bad name", "v"}};
    media_sigv4_request req = {"GET", "/", NULL, 0, nohost, 1, "x", "20130524T000000Z"};
    media_error err;
    assert_int_equal(media_sigv4_sign(s, &req, r, &err), MEDIA_ERR_INVALID);
    assert_non_null(strstr(err.message, "host"));
    req.headers = crlf;
    assert_int_equal(media_sigv4_sign(s, &req, r, &err), MEDIA_ERR_INVALID);
    req.headers = badname;
    req.header_count = 2;
    assert_int_equal(media_sigv4_sign(s, &req, r, &err), MEDIA_ERR_INVALID);
    req.header_count = 1;
    req.headers = crlf + 0;
    req.amz_date = "2013-05-24";
    assert_int_equal(media_sigv4_sign(s, &req, r, &err), MEDIA_ERR_INVALID);
    free(r);
    media_sigv4_signer_destroy(s);
}

static void test_signer_refuses_missing_credentials(void **st)
{
    (void)st;
    media_error err;
    media_aws_credentials none = {NULL, SECRET, NULL};
    media_aws_credentials nosecret = {AKID, "", NULL};
    media_aws_credentials slash = {"AK/ID", SECRET, NULL};
    media_aws_credentials ok = {AKID, SECRET, NULL};
    assert_null(media_sigv4_signer_new(&none, "us-east-1", "s3", &err));
    assert_null(media_sigv4_signer_new(&nosecret, "us-east-1", "s3", &err));
    assert_null(strstr(err.message, SECRET));
    assert_null(media_sigv4_signer_new(&slash, "us-east-1", "s3", &err));
    assert_null(media_sigv4_signer_new(&ok, "us/east", "s3", &err));
    assert_null(media_sigv4_signer_new(&ok, "", "s3", &err));
}

static void test_date_validation(void **st)
{
    (void)st;
    assert_true(media_sigv4_date_valid("20130524T000000Z"));
    assert_false(media_sigv4_date_valid("20131324T000000Z"));
    assert_false(media_sigv4_date_valid("20130524T250000Z"));
    assert_false(media_sigv4_date_valid("20130524T000000"));
    assert_false(media_sigv4_date_valid("2013052AT000000Z"));
    assert_false(media_sigv4_date_valid(NULL));
}

static void test_key_encoding_in_signed_path(void **st)
{
    (void)st;
    media_endpoint ep;
    media_s3_location loc;
    assert_int_equal(media_endpoint_parse("http://127.0.0.1:7480", &ep, NULL), MEDIA_OK);
    const char *key = "dir/a b+c~d%e=f&g?h#i/\xc3\xa9t\xc3\xa9.jpg";
    assert_int_equal(media_s3_locate(&ep, MEDIA_S3_ADDRESSING_PATH, "bkt", key, &loc, NULL),
                     MEDIA_OK);
    assert_string_equal(loc.path, "/bkt/dir/a%20b%2Bc~d%25e%3Df%26g%3Fh%23i/%C3%A9t%C3%A9.jpg");
    assert_string_equal(loc.host, "127.0.0.1:7480");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_example_get_object_with_range),
        cmocka_unit_test(test_aws_example_put_object),
        cmocka_unit_test(test_aws_example_get_bucket_lifecycle),
        cmocka_unit_test(test_aws_example_get_bucket_list_objects),
        cmocka_unit_test(test_aws_example_presigned_get),
        cmocka_unit_test(test_presign_rejects_expiry_outside_1_to_604800),
        cmocka_unit_test(test_presign_methods),
        cmocka_unit_test(test_presign_session_token_is_in_query_and_signed),
        cmocka_unit_test(test_presign_upload_signs_length_type_and_part),
        cmocka_unit_test(test_presign_response_overrides_are_encoded_and_sorted),
        cmocka_unit_test(test_presign_too_small_buffer_is_an_error),
        cmocka_unit_test(test_signing_key_cache_follows_the_date),
        cmocka_unit_test(test_header_values_trimmed_and_repeats_joined),
        cmocka_unit_test(test_sign_refuses_bad_input),
        cmocka_unit_test(test_signer_refuses_missing_credentials),
        cmocka_unit_test(test_date_validation),
        cmocka_unit_test(test_key_encoding_in_signed_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
