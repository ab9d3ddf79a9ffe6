/* test_sniff.c - media types from magic bytes; markup and unknown bytes refused. */
#include "cmocka_prelude.h"

#include "media/sniff.h"

#include <string.h>

static const char *sniff(const char *bytes, size_t n, const char **what)
{
    return media_sniff((const uint8_t *)bytes, n, what);
}

static void test_recognised_types(void **st)
{
    (void)st;
    assert_string_equal(sniff("\xff\xd8\xff\xe0\x00\x10JFIF", 10, NULL), "image/jpeg");
    assert_string_equal(sniff("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, NULL), "image/png");
    assert_string_equal(sniff("GIF89a\x01\x00", 8, NULL), "image/gif");
    assert_string_equal(sniff("GIF87a", 6, NULL), "image/gif");
    assert_string_equal(sniff("RIFF\x10\0\0\0WEBPVP8 ", 16, NULL), "image/webp");
    assert_string_equal(sniff("\0\0\0\x1c"
                              "ftypavif\0\0\0\0avifmif1miaf",
                              28, NULL),
                        "image/avif");
    assert_string_equal(sniff("\0\0\0\x18"
                              "ftypmif1\0\0\0\0mif1avif",
                              24, NULL),
                        "image/avif");
    assert_string_equal(sniff("\0\0\0\x18"
                              "ftypheic\0\0\0\0mif1heic",
                              24, NULL),
                        "image/heic");
    assert_string_equal(sniff("\0\0\0\x14"
                              "ftypmif1\0\0\0\0mif1",
                              20, NULL),
                        "image/heif");
    assert_string_equal(sniff("\0\0\0\x18"
                              "ftypisom\0\0\x02\0isomiso2",
                              24, NULL),
                        "video/mp4");
    assert_string_equal(sniff("\0\0\0\x14"
                              "ftypqt  \0\0\0\0qt  ",
                              20, NULL),
                        "video/quicktime");
}

static void test_refusals_say_what_the_bytes_are(void **st)
{
    (void)st;
    const char *what;
    assert_null(sniff("", 0, &what));
    assert_string_equal(what, "an empty body");
    assert_null(sniff("<!DOCTYPE html><html>", 21, &what));
    assert_string_equal(what, "HTML");
    assert_null(sniff("\xef\xbb\xbf  \n<HTML>", 13, &what));
    assert_string_equal(what, "HTML");
    assert_null(sniff("<svg xmlns=\"http://www.w3.org/2000/svg\">", 40, &what));
    assert_string_equal(what, "SVG");
    assert_null(sniff("<?xml version=\"1.0\"?>\n<svg>", 27, &what));
    assert_string_equal(what, "SVG");
    assert_null(sniff("<?xml version=\"1.0\"?><rss>", 26, &what));
    assert_string_equal(what, "XML");
    assert_null(sniff("<script>alert(1)</script>", 25, &what));
    assert_string_equal(what, "a script");
    assert_null(sniff("#!/bin/sh\n", 10, &what));
    assert_string_equal(what, "a script");
    assert_null(sniff("%PDF-1.7", 8, &what));
    assert_string_equal(what, "PDF");
    assert_null(sniff("\x7f"
                      "ELF\x02\x01",
                      6, &what));
    assert_string_equal(what, "unrecognised bytes");
    assert_null(sniff("\xff\xd8", 2, &what)); /* a JPEG cut short is not a JPEG */
    assert_null(sniff("\0\0\0\x14"
                      "ftypM4A \0\0\0\0M4A ",
                      20, &what)); /* audio */
}

static void test_allowed_set_and_check(void **st)
{
    (void)st;
    media_type_set s;
    media_error err;
    const char *type;
    media_type_set_default(&s);
    assert_true(media_type_set_contains(&s, "image/png"));
    assert_false(media_type_set_contains(&s, "video/mp4"));
    const char *mp4 = "\0\0\0\x18"
                      "ftypisom\0\0\x02\0isomiso2";
    assert_int_equal(media_sniff_check((const uint8_t *)mp4, 24, &s, &type, &err),
                     MEDIA_ERR_INVALID);
    assert_non_null(strstr(err.message, "video/mp4, which is not an allowed type"));
    assert_int_equal(err.cls, MEDIA_CLASS_PERMANENT);
    assert_int_equal(media_type_set_parse("image/png, video/mp4", &s, &err), MEDIA_OK);
    assert_int_equal(media_sniff_check((const uint8_t *)mp4, 24, &s, &type, &err), MEDIA_OK);
    assert_string_equal(type, "video/mp4");
    assert_int_equal(media_sniff_check((const uint8_t *)"<html>", 6, &s, &type, &err),
                     MEDIA_ERR_INVALID);
    assert_non_null(strstr(err.message, "source is HTML"));
    assert_int_equal(media_type_set_parse("image/svg+xml", &s, &err), MEDIA_ERR_CONFIG);
    assert_int_equal(media_type_set_parse("", &s, &err), MEDIA_ERR_CONFIG);
    assert_false(media_type_set_contains(&s, NULL));
    assert_false(media_type_set_contains(&s, "image/png2"));
}

/* issue 15, defect 8: more than 16 entries wrote past an array; any number is one set now */
static void test_long_type_lists_cannot_overflow(void **st)
{
    (void)st;
    char csv[4096] = "";
    for (int i = 0; i < 200; i++)
        strcat(csv, i % 2 ? "image/png," : "video/mp4,");
    media_type_set s;
    media_error err;
    assert_int_equal(media_type_set_parse(csv, &s, &err), MEDIA_OK);
    assert_true(media_type_set_contains(&s, "image/png"));
    assert_true(media_type_set_contains(&s, "video/mp4"));
    assert_false(media_type_set_contains(&s, "image/jpeg"));
    strcat(csv, "image/svg+xml");
    assert_int_equal(media_type_set_parse(csv, &s, &err), MEDIA_ERR_CONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_type_lists_cannot_overflow),
        cmocka_unit_test(test_recognised_types),
        cmocka_unit_test(test_refusals_say_what_the_bytes_are),
        cmocka_unit_test(test_allowed_set_and_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
