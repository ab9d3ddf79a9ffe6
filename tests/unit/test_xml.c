/* test_xml.c - scanning S3 response documents. */
#include "cmocka_prelude.h"

#include "media/xml.h"

#include <string.h>

static const char *LISTING =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Bucket>b</Bucket><NextKeyMarker>k2</NextKeyMarker>"
    "<Upload><Key>a &amp; b</Key><UploadId>id1</UploadId>"
    "<Initiated>2024-01-02T03:04:05.000Z</Initiated></Upload>"
    "<Upload><Key>&#x263A;&#65;</Key><UploadId>id2</UploadId></Upload>"
    "<IsTruncated>false</IsTruncated><Empty/></ListMultipartUploadsResult>";

static void test_iterates_elements_and_skips_prefix_names(void **st)
{
    (void)st;
    size_t pos = 0, n, len = strlen(LISTING);
    const char *c;
    char key[64], id[64];
    assert_true(media_xml_next(LISTING, len, "Upload", &pos, &c, &n));
    assert_true(media_xml_get(c, n, "Key", key, sizeof(key)));
    assert_string_equal(key, "a & b");
    assert_true(media_xml_get(c, n, "UploadId", id, sizeof(id)));
    assert_string_equal(id, "id1");
    assert_true(media_xml_next(LISTING, len, "Upload", &pos, &c, &n));
    assert_true(media_xml_get(c, n, "Key", key, sizeof(key)));
    assert_string_equal(key, "\xe2\x98\xba"
                             "A");
    assert_false(media_xml_next(LISTING, len, "Upload", &pos, &c, &n));
    char v[16];
    assert_true(media_xml_get(LISTING, len, "Empty", v, sizeof(v)));
    assert_string_equal(v, "");
    assert_false(media_xml_get(LISTING, len, "Missing", v, sizeof(v)));
}

static void test_text_rejects_malformed_and_oversize(void **st)
{
    (void)st;
    char out[8];
    assert_int_equal(media_xml_text("a &bogus; b", 11, out, sizeof(out)), -1);
    assert_int_equal(media_xml_text("a &amp b", 8, out, sizeof(out)), -1);
    assert_int_equal(media_xml_text("&#0;", 4, out, sizeof(out)), -1);
    assert_int_equal(media_xml_text("0123456789", 10, out, sizeof(out)), -1);
    assert_int_equal(media_xml_text("&lt;&gt;", 8, out, sizeof(out)), 2);
    assert_string_equal(out, "<>");
}

static void test_escape(void **st)
{
    (void)st;
    char out[64];
    assert_int_equal(media_xml_escape("\"a\"&<b>'", out, sizeof(out)), 33);
    assert_string_equal(out, "&quot;a&quot;&amp;&lt;b&gt;&apos;");
    memset(out, 'x', sizeof(out));
    assert_int_equal(media_xml_escape("&&&&", out, 8), -1);
    assert_string_equal(out, ""); /* terminated even when it does not fit (issue 24, defect 3) */
    char one[1] = {'x'};
    assert_int_equal(media_xml_escape("a", one, 1), -1);
    assert_int_equal(one[0], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iterates_elements_and_skips_prefix_names),
        cmocka_unit_test(test_text_rejects_malformed_and_oversize),
        cmocka_unit_test(test_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
