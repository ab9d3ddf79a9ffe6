/* test_uploads.c - direct uploads' pure parts: the bodies of POST /api/v1/uploads, of
 * /complete and of Uppy's routes (every bad shape refused with a reason), and the part size
 * (S3's 10,000-part limit). */
#include "cmocka_prelude.h"

#include "presign/body.h"
#include "presign/uploads.h"

#include <stdlib.h>
#include <string.h>

#define PARSE_UPLOAD(json, want)                                                                   \
    do {                                                                                           \
        presign_upload_body b_;                                                                    \
        const char *slug_ = NULL;                                                                  \
        char d_[256];                                                                              \
        assert_int_equal(                                                                          \
            presign_upload_body_parse(json, strlen(json), &b_, &slug_, d_, sizeof(d_)), want);     \
        presign_upload_body_cleanup(&b_);                                                          \
    } while (0)

static void test_upload_body(void **st)
{
    (void)st;
    presign_upload_body b;
    const char *slug;
    char d[256];
    const char *ok = "{\"size_bytes\": 1234, \"content_type\": \"image/png\", \"filename\": "
                     "\"a.png\", \"metadata\": {\"z\": 1, \"a\": 2}, \"multipart\": true}";
    assert_int_equal(presign_upload_body_parse(ok, strlen(ok), &b, &slug, d, sizeof(d)), 0);
    assert_int_equal(b.size_bytes, 1234);
    assert_string_equal(b.content_type, "image/png");
    assert_string_equal(b.filename, "a.png");
    assert_string_equal(b.metadata, "{\"a\":2,\"z\":1}");
    assert_true(b.multipart);
    presign_upload_body_cleanup(&b);
    PARSE_UPLOAD("{\"size_bytes\": 1}", 0);
    PARSE_UPLOAD("{\"size_bytes\": 0}", 422);
    PARSE_UPLOAD("{\"size_bytes\": -5}", 422);
    PARSE_UPLOAD("{\"size_bytes\": 1.5}", 422);
    PARSE_UPLOAD("{\"size_bytes\": \"10\"}", 422);
    PARSE_UPLOAD("{}", 422);
    PARSE_UPLOAD("{\"size_bytes\": 1, \"owner\": \"x\"}", 422);
    PARSE_UPLOAD("{\"size_bytes\": 1, \"metadata\": []}", 422);
    PARSE_UPLOAD("{\"size_bytes\": 1, \"multipart\": \"yes\"}", 422);
    PARSE_UPLOAD("{\"size_bytes\": 1, \"size_bytes\": 2}", 400);
    PARSE_UPLOAD("[1]", 422);
    PARSE_UPLOAD("{\"size_bytes\":", 400);
}

static void test_complete_body(void **st)
{
    (void)st;
    presign_complete_body c;
    const char *slug;
    char d[256];
    assert_int_equal(presign_complete_body_parse(NULL, 0, &c, &slug, d, sizeof(d)), 0);
    assert_int_equal(c.count, 0);
    const char *ok = "{\"parts\": [{\"part_number\": 1, \"etag\": \"a\"}, "
                     "{\"part_number\": 3, \"etag\": \"\\\"b\\\"\"}]}";
    assert_int_equal(presign_complete_body_parse(ok, strlen(ok), &c, &slug, d, sizeof(d)), 0);
    assert_int_equal(c.count, 2);
    assert_int_equal(c.numbers[1], 3);
    assert_string_equal(c.etags[1], "b"); /* S3's quotes taken off: the XML adds its own */
    presign_complete_body_cleanup(&c);
    static const char *const bad[] = {
        "{\"parts\": [{\"part_number\": 2, \"etag\": \"a\"}, {\"part_number\": 1, \"etag\": "
        "\"b\"}]}", /* descending */
        "{\"parts\": [{\"part_number\": 1, \"etag\": \"a\"}, {\"part_number\": 1, \"etag\": "
        "\"b\"}]}", /* twice */
        "{\"parts\": [{\"part_number\": 0, \"etag\": \"a\"}]}",
        "{\"parts\": [{\"part_number\": 10001, \"etag\": \"a\"}]}",
        "{\"parts\": [{\"part_number\": 1}]}",
        "{\"parts\": [{\"part_number\": 1, \"etag\": \"\"}]}",
        "{\"parts\": [{\"part_number\": 1, \"etag\": \"a\", \"x\": 1}]}",
        /* issue 24, defect 3: what reached the XML escape unchecked and over-read the stack */
        "{\"parts\": [{\"part_number\": 1, \"etag\": "
        "\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\""
        "\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\"}]}",
        "{\"parts\": [{\"part_number\": 1, \"etag\": \"<a>&\"}]}",
        "{\"parts\": [{\"part_number\": 1, \"etag\": \"\\\"\\\"\"}]}",
        "{\"parts\": [{\"part_number\": 1, \"etag\": "
        "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567"
        "890123456\"}]}",
        "{\"parts\": {}}",
        "{\"other\": []}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(
            presign_complete_body_parse(bad[i], strlen(bad[i]), &c, &slug, d, sizeof(d)), 422);
        assert_int_equal(c.count, 0); /* nothing left to free */
    }
}

static void test_uppy_bodies(void **st)
{
    (void)st;
    char *f, *t, *m, d[256];
    const char *slug;
    const char *ok = "{\"filename\": \"cat.png\", \"type\": \"image/png\", \"metadata\": "
                     "{\"name\": \"cat.png\"}, \"extra\": 1}";
    assert_int_equal(presign_uppy_create_parse(ok, strlen(ok), &f, &t, &m, &slug, d, sizeof(d)), 0);
    assert_string_equal(f, "cat.png");
    assert_string_equal(t, "image/png");
    assert_string_equal(m, "{\"name\":\"cat.png\"}");
    free(f), free(t), free(m);
    const char *bad = "{\"filename\": 3}";
    assert_int_equal(presign_uppy_create_parse(bad, strlen(bad), &f, &t, &m, &slug, d, sizeof(d)),
                     422);
    presign_complete_body c;
    const char *parts = "{\"parts\": [{\"PartNumber\": 1, \"ETag\": \"e1\"}, {\"PartNumber\": "
                        "2, \"ETag\": \"e2\"}]}";
    assert_int_equal(presign_uppy_complete_parse(parts, strlen(parts), &c, &slug, d, sizeof(d)), 0);
    assert_int_equal(c.count, 2);
    assert_string_equal(c.etags[0], "e1");
    presign_complete_body_cleanup(&c);
    const char *quotes = "{\"parts\": [{\"PartNumber\": 1, \"ETag\": \"\\\"\\\"\\\"\\\"\\\"\"}]}";
    assert_int_equal(presign_uppy_complete_parse(quotes, strlen(quotes), &c, &slug, d, sizeof(d)),
                     422);
    assert_int_equal(c.count, 0);
    const char *quoted = "{\"parts\": [{\"PartNumber\": 1, \"ETag\": \"\\\"0a-9\\\"\"}]}";
    assert_int_equal(presign_uppy_complete_parse(quoted, strlen(quoted), &c, &slug, d, sizeof(d)),
                     0);
    assert_string_equal(c.etags[0], "0a-9");
    presign_complete_body_cleanup(&c);
    const char *none = "{\"parts\": []}";
    assert_int_equal(presign_uppy_complete_parse(none, strlen(none), &c, &slug, d, sizeof(d)), 422);
}

static void test_part_size(void **st)
{
    (void)st;
    int n;
    assert_int_equal(presign_upload_part_size(12 << 20, 5 << 20, &n), 5 << 20);
    assert_int_equal(n, 3);
    assert_int_equal(presign_upload_part_size(5 << 20, 5 << 20, &n), 5 << 20);
    assert_int_equal(n, 1);
    assert_int_equal(presign_upload_part_size(1, 8 << 20, &n), 8 << 20);
    assert_int_equal(n, 1);
    /* 5 TiB in 8 MiB parts would be 655,360 parts: grown to fit in 10,000 */
    int64_t big = 5LL << 40, part = presign_upload_part_size(big, 8 << 20, &n);
    assert_true(n <= 10000);
    assert_true(part % (1 << 20) == 0);
    assert_true(part * n >= big && part * (n - 1) < big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upload_body),
        cmocka_unit_test(test_complete_body),
        cmocka_unit_test(test_uppy_bodies),
        cmocka_unit_test(test_part_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
