/*
 * test_scrub.c - the metadata scrubbers on crafted files: what goes, what stays, orientation
 * in both byte orders and all eight values, chunk boundaries anywhere, scrubbing twice, and
 * malformed input refused. (tests/integration/test_scrub_files.sh checks real images with
 * exiftool and the formats' own decoders.)
 */
#include "cmocka_prelude.h"

#include "media/scrub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t b[4096];
    size_t n;
} bytes;

static void put(bytes *x, const void *p, size_t n)
{
    assert_true(x->n + n <= sizeof(x->b));
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
#define PUT(x, lit) put(x, lit, sizeof(lit) - 1)

static bool has(const media_buf *b, const void *needle, size_t n)
{
    for (size_t i = 0; b->len >= n && i <= b->len - n; i++)
        if (memcmp(b->data + i, needle, n) == 0)
            return true;
    return false;
}
#define HAS(b, lit) has(b, lit, sizeof(lit) - 1)

static int to_buf(void *ud, const char *p, size_t n)
{
    return media_buf_append(ud, p, n);
}

/* Scrub whole, then byte by byte: the same bytes either way. */
static media_code scrub(const char *type, media_metadata m, const bytes *in, media_buf *out)
{
    media_error err;
    media_buf_init(out, 1 << 20);
    media_code rc = media_scrub_buffer(type, m, in->b, in->n, out, &err);
    media_buf one;
    media_buf_init(&one, 1 << 20);
    media_scrub *s = media_scrub_new(type, m, to_buf, &one);
    media_code rc1 = MEDIA_OK;
    for (size_t i = 0; i < in->n && rc1 == MEDIA_OK; i++)
        rc1 = media_scrub_write(s, in->b + i, 1, &err);
    if (rc1 == MEDIA_OK)
        rc1 = media_scrub_finish(s, &err);
    media_scrub_destroy(s);
    assert_int_equal(rc, rc1);
    if (rc == MEDIA_OK) {
        assert_int_equal(out->len, one.len);
        assert_memory_equal(out->data, one.data, out->len);
    }
    media_buf_cleanup(&one);
    return rc;
}

/* Scrubbing the output again changes nothing. */
static void idempotent(const char *type, media_metadata m, const media_buf *once)
{
    bytes again = {.n = 0};
    put(&again, once->data, once->len);
    media_buf twice;
    assert_int_equal(scrub(type, m, &again, &twice), MEDIA_OK);
    assert_int_equal(twice.len, once->len);
    assert_memory_equal(twice.data, once->data, once->len);
    media_buf_cleanup(&twice);
}

/* ---- JPEG ---- */

static void seg(bytes *x, uint8_t marker, const void *body, size_t n)
{
    uint8_t h[4] = {0xFF, marker, (uint8_t)((n + 2) >> 8), (uint8_t)((n + 2) & 0xff)};
    put(x, h, 4);
    put(x, body, n);
}

/* An Exif APP1 body: IFD0 with Orientation o, Artist, Copyright, Make and a GPS pointer,
 * and the GPS IFD with a latitude, in big- or little-endian order. */
static size_t exif_body(uint8_t *b, int o, bool big)
{
    memset(b, 0, 256);
    memcpy(b, "Exif\0\0", 6);
    uint8_t *t = b + 6;
#define W16(at, v)                                                                                 \
    (big ? (t[at] = (uint8_t)((v) >> 8), t[(at) + 1] = (uint8_t)(v))                               \
         : (t[at] = (uint8_t)(v), t[(at) + 1] = (uint8_t)((v) >> 8)))
#define W32(at, v) (big ? (W16(at, 0), W16((at) + 2, v)) : (W16(at, v), W16((at) + 2, 0)))
    memcpy(t, big ? "MM" : "II", 2);
    W16(2, 42);
    W32(4, 8);
    W16(8, 5); /* five entries */
    size_t e = 10;
    W16(e, 0x010F), W16(e + 2, 2), W32(e + 4, 4), memcpy(t + e + 8, "Cam", 4); /* Make */
    e += 12;
    W16(e, 0x0112), W16(e + 2, 3), W32(e + 4, 1), W16(e + 8, o); /* Orientation */
    e += 12;
    W16(e, 0x013B), W16(e + 2, 2), W32(e + 4, 10), W32(e + 8, 100); /* Artist */
    e += 12;
    W16(e, 0x8298), W16(e + 2, 2), W32(e + 4, 12), W32(e + 8, 112); /* Copyright */
    e += 12;
    W16(e, 0x8825), W16(e + 2, 4), W32(e + 4, 1), W32(e + 8, 130); /* GPS IFD */
    e += 12;
    W32(e, 0);
    memcpy(t + 100, "Ann Smith", 10);
    memcpy(t + 112, "(c) Example", 12);
    W16(130, 1);
    W16(132, 0x0002), W16(134, 5), W32(136, 3), W32(140, 160); /* GPSLatitude */
    memcpy(t + 160, "GPSSECRET", 9);
    return 6 + 200;
#undef W16
#undef W32
}

static void jpeg_sample(bytes *x, int orientation, bool big)
{
    uint8_t exif[256];
    PUT(x, "\xFF\xD8");
    seg(x, 0xE0, "JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 14);
    size_t n = exif_body(exif, orientation, big);
    seg(x, 0xE1, exif, n);
    seg(x, 0xE1, "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSXMP</x:xmpmeta>", 57);
    seg(x, 0xED, "Photoshop 3.0\0IPTCSECRET", 24);
    seg(x, 0xFE, "COMMENTSECRET", 13);
    seg(x, 0xE2, "ICC_PROFILE\0\x01\x01PROFILEDATA", 25);
    seg(x, 0xE2, "MPF\0MPFSECRET", 13);
    seg(x, 0xEE, "Adobe\0\x64\0\0\0\0\x01", 12);
    seg(x, 0xDB, "\0QUANTTABLES", 12);
    seg(x, 0xC0, "\x08\0\x10\0\x10\x01\x01\x11\0", 9);
    seg(x, 0xDA, "\x01\x01\0\0\x3f\0", 6);
    PUT(x, "SCAN\xFF\x00"
           "DATA\xFF\xD0MORE");           /* stuffed byte, restart marker */
    seg(x, 0xE1, "Exif\0\0LATEEXIF", 14); /* metadata between scans, too */
    seg(x, 0xDA, "\x01\x01\0\0\x3f\0", 6);
    PUT(x, "SCAN2\xFF\xFF\xD9"); /* a fill byte before EOI */
    PUT(x, "\xFF\xD8"
           "APPENDEDPREVIEWWITHGPSSECRET");
}

static void test_jpeg_strip(void **state)
{
    (void)state;
    bytes in = {.n = 0};
    jpeg_sample(&in, 6, false);
    media_buf out;
    assert_int_equal(scrub("image/jpeg", MEDIA_METADATA_STRIP, &in, &out), MEDIA_OK);
    assert_false(HAS(&out, "GPSSECRET"));
    assert_false(HAS(&out, "GPSXMP"));
    assert_false(HAS(&out, "IPTCSECRET"));
    assert_false(HAS(&out, "COMMENTSECRET"));
    assert_false(HAS(&out, "MPFSECRET"));
    assert_false(HAS(&out, "LATEEXIF"));
    assert_false(HAS(&out, "APPENDED"));
    assert_false(HAS(&out, "Ann Smith"));
    assert_false(HAS(&out, "Cam"));
    assert_true(HAS(&out, "JFIF"));
    assert_true(HAS(&out, "PROFILEDATA"));
    assert_true(HAS(&out, "Adobe"));
    assert_true(HAS(&out, "QUANTTABLES"));
    assert_true(HAS(&out, "SCAN\xFF\x00"
                          "DATA\xFF\xD0MORE"));
    assert_true(HAS(&out, "SCAN2"));
    /* the minimal Exif: IFD0 with Orientation 6 only, little-endian */
    assert_true(HAS(&out, "Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0"));
    assert_int_equal((uint8_t)out.data[out.len - 1], 0xD9); /* ends at EOI */
    idempotent("image/jpeg", MEDIA_METADATA_STRIP, &out);
    media_buf_cleanup(&out);
}

static void test_jpeg_all_orientations_both_orders(void **state)
{
    (void)state;
    for (int big = 0; big <= 1; big++)
        for (int o = 1; o <= 8; o++) {
            bytes in = {.n = 0};
            jpeg_sample(&in, o, big);
            media_buf out;
            assert_int_equal(scrub("image/jpeg", MEDIA_METADATA_STRIP, &in, &out), MEDIA_OK);
            uint8_t want[] = {0x12, 0x01, 0x03, 0, 0x01, 0, 0, 0, (uint8_t)o, 0};
            assert_true(has(&out, want, sizeof(want)));
            media_buf_cleanup(&out);
        }
}

static void test_jpeg_keep_copyright(void **state)
{
    (void)state;
    bytes in = {.n = 0};
    jpeg_sample(&in, 3, true);
    media_buf out;
    assert_int_equal(scrub("image/jpeg", MEDIA_METADATA_KEEP_COPYRIGHT, &in, &out), MEDIA_OK);
    assert_true(HAS(&out, "Ann Smith"));
    assert_true(HAS(&out, "(c) Example"));
    assert_false(HAS(&out, "GPSSECRET"));
    assert_false(HAS(&out, "Cam"));
    idempotent("image/jpeg", MEDIA_METADATA_KEEP_COPYRIGHT, &out);
    media_buf_cleanup(&out);
}

static void test_jpeg_malformed(void **state)
{
    (void)state;
    const char *bad[] = {"\xFF\xD9", "GIF89a", "\xFF\xD8\xFF\xE0\x00\x01", "\xFF\xD8\xFF\xD8",
                         "\xFF\xD8\xFF\xE1\x10\x00"
                         "Exif"};
    size_t len[] = {2, 6, 6, 4, 10};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bytes in = {.n = 0};
        put(&in, bad[i], len[i]);
        media_buf out;
        assert_int_equal(scrub("image/jpeg", MEDIA_METADATA_STRIP, &in, &out), MEDIA_ERR_INVALID);
        media_buf_cleanup(&out);
    }
}

/* ---- PNG ---- */

static void chunk(bytes *x, const char *type, const void *data, uint32_t n)
{
    uint8_t h[8] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(h + 4, type, 4);
    put(x, h, 8);
    put(x, data, n);
    PUT(x, "CRC!"); /* copied as it is: the scrubber never recomputes a kept chunk's CRC */
}

static void test_png(void **state)
{
    (void)state;
    bytes in = {.n = 0};
    PUT(&in, "\x89PNG\r\n\x1a\n");
    chunk(&in, "IHDR", "HEADERDATA123", 13);
    chunk(&in, "tEXt", "Comment\0TEXTSECRET", 18);
    chunk(&in, "tEXt", "Copyright\0(c) Ann", 17);
    chunk(&in, "zTXt", "Location\0\0ZSECRET", 17);
    chunk(&in, "iTXt", "XML:com.adobe.xmp\0\0\0\0\0XMPSECRET", 31);
    chunk(&in, "eXIf", "MM\0*EXIFSECRET", 14);
    chunk(&in, "tIME", "\x07\xe9\x01\x02\x03\x04\x05", 7);
    chunk(&in, "iCCP", "ICCDATA", 7);
    chunk(&in, "IDAT", "PIXELS", 6);
    chunk(&in, "IEND", "", 0);
    PUT(&in, "TRAILINGSECRET");
    media_buf out;
    assert_int_equal(scrub("image/png", MEDIA_METADATA_STRIP, &in, &out), MEDIA_OK);
    assert_false(HAS(&out, "TEXTSECRET"));
    assert_false(HAS(&out, "(c) Ann"));
    assert_false(HAS(&out, "ZSECRET"));
    assert_false(HAS(&out, "XMPSECRET"));
    assert_false(HAS(&out, "EXIFSECRET"));
    assert_false(HAS(&out, "tIME"));
    assert_false(HAS(&out, "TRAILING"));
    assert_true(HAS(&out, "IHDRHEADERDATA123CRC!"));
    assert_true(HAS(&out, "iCCPICCDATACRC!"));
    assert_true(HAS(&out, "IDATPIXELSCRC!"));
    assert_true(HAS(&out, "IENDCRC!"));
    idempotent("image/png", MEDIA_METADATA_STRIP, &out);
    media_buf_cleanup(&out);
    assert_int_equal(scrub("image/png", MEDIA_METADATA_KEEP_COPYRIGHT, &in, &out), MEDIA_OK);
    assert_true(HAS(&out, "Copyright\0(c) Ann"));
    assert_false(HAS(&out, "TEXTSECRET"));
    media_buf_cleanup(&out);
    bytes bad = {.n = 0};
    PUT(&bad, "\x89PNG\r\n\x1a\n\0\0\0\x05IH1R");
    assert_int_equal(scrub("image/png", MEDIA_METADATA_STRIP, &bad, &out), MEDIA_ERR_INVALID);
    media_buf_cleanup(&out);
}

/* ---- GIF ---- */

static void test_gif(void **state)
{
    (void)state;
    bytes in = {.n = 0};
    PUT(&in, "GIF89a\x01\0\x01\0\x80\0\0"); /* a 2-colour global table follows */
    PUT(&in, "\0\0\0\xff\xff\xff");
    PUT(&in, "\x21\xFE\x0D"
             "COMMENTSECRET\0");
    PUT(&in, "\x21\xFF\x0BNETSCAPE2.0\x03\x01\0\0\0");
    PUT(&in, "\x21\xFF\x0BXMP DataXMP\x09XMPSECRET\0");
    PUT(&in, "\x21\xF9\x04\0\0\0\0\0");
    PUT(&in, "\x2C\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\0");
    PUT(&in, "\x3B"
             "AFTERSECRET");
    media_buf out;
    assert_int_equal(scrub("image/gif", MEDIA_METADATA_STRIP, &in, &out), MEDIA_OK);
    assert_false(HAS(&out, "COMMENTSECRET"));
    assert_false(HAS(&out, "XMPSECRET"));
    assert_false(HAS(&out, "AFTERSECRET"));
    assert_true(HAS(&out, "NETSCAPE2.0\x03\x01\0\0\0"));
    assert_true(HAS(&out, "\x21\xF9\x04\0\0\0\0\0\x2C"));
    assert_int_equal(out.data[out.len - 1], 0x3B);
    idempotent("image/gif", MEDIA_METADATA_STRIP, &out);
    media_buf_cleanup(&out);
    assert_int_equal(scrub("image/gif", MEDIA_METADATA_KEEP_COPYRIGHT, &in, &out), MEDIA_OK);
    assert_true(HAS(&out, "COMMENTSECRET"));
    media_buf_cleanup(&out);
}

/* ---- WebP ---- */

static void test_webp(void **state)
{
    (void)state;
    bytes in = {.n = 0};
    PUT(&in, "RIFF\0\0\0\0WEBP");
    PUT(&in, "VP8X\x0a\0\0\0\x2c\0\0\0\0\0\0\0\0\0"); /* ICC | EXIF | XMP */
    PUT(&in, "ICCP\x03\0\0\0ICC\0");                  /* odd: padded */
    PUT(&in, "VP8L\x04\0\0\0PIXL");
    PUT(&in, "EXIF\x0b\0\0\0EXIFSECRET!\0");
    PUT(&in, "XMP \x09\0\0\0XMPSECRET\0");
    uint32_t riff = (uint32_t)in.n - 8;
    memcpy(in.b + 4, &riff, 4);
    PUT(&in, "BEYONDRIFF");
    media_buf out;
    assert_int_equal(scrub("image/webp", MEDIA_METADATA_STRIP, &in, &out), MEDIA_OK);
    assert_false(HAS(&out, "EXIFSECRET"));
    assert_false(HAS(&out, "XMPSECRET"));
    assert_false(HAS(&out, "BEYOND"));
    assert_true(HAS(&out, "VP8X\x0a\0\0\0\x20")); /* ICC stays; EXIF and XMP flags cleared */
    assert_true(HAS(&out, "ICCP\x03\0\0\0ICC\0VP8L\x04\0\0\0PIXL"));
    uint32_t size;
    memcpy(&size, out.data + 4, 4);
    assert_int_equal(size, out.len - 8);
    idempotent("image/webp", MEDIA_METADATA_STRIP, &out);
    media_buf_cleanup(&out);
}

static void test_policy_names(void **state)
{
    (void)state;
    media_metadata m;
    assert_true(media_metadata_parse("keep-copyright", &m));
    assert_int_equal(m, MEDIA_METADATA_KEEP_COPYRIGHT);
    assert_string_equal(media_metadata_name(m), "keep-copyright");
    assert_false(media_metadata_parse("none", &m));
    assert_true(media_scrub_applies("image/jpeg", MEDIA_METADATA_STRIP));
    assert_false(media_scrub_applies("image/jpeg", MEDIA_METADATA_KEEP));
    assert_false(media_scrub_applies("video/mp4", MEDIA_METADATA_STRIP));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jpeg_strip),
        cmocka_unit_test(test_jpeg_all_orientations_both_orders),
        cmocka_unit_test(test_jpeg_keep_copyright),
        cmocka_unit_test(test_jpeg_malformed),
        cmocka_unit_test(test_png),
        cmocka_unit_test(test_gif),
        cmocka_unit_test(test_webp),
        cmocka_unit_test(test_policy_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
