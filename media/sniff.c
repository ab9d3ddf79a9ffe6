/*
 * sniff.c - magic numbers. To recognise a new type: add its signature to media_sniff, its
 * name to known_types, and a case to tests/unit/test_sniff.c.
 */
#include "sniff.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const known_types[] = {
    "image/jpeg", "image/png",  "image/gif", "image/webp",      "image/avif",
    "image/heic", "image/heif", "video/mp4", "video/quicktime",
};

static bool brand_is(const uint8_t *b, const char *s)
{
    return memcmp(b, s, 4) == 0;
}

/* ISO BMFF: size, "ftyp", major brand, minor version, compatible brands. */
static const char *sniff_ftyp(const uint8_t *p, size_t n)
{
    if (n < 12 || memcmp(p + 4, "ftyp", 4) != 0)
        return NULL;
    uint32_t size = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (size < 16)
        size = 16;
    size_t end = size < n ? size : n;
    bool avif = false, heic = false, heif = false, mp4 = false, qt = false;
    for (size_t off = 8; off + 4 <= end; off += 4) {
        if (off == 12)
            continue; /* minor version, not a brand */
        const uint8_t *b = p + off;
        avif |= brand_is(b, "avif") || brand_is(b, "avis");
        heic |= brand_is(b, "heic") || brand_is(b, "heix") || brand_is(b, "heim") ||
                brand_is(b, "heis") || brand_is(b, "hevc") || brand_is(b, "hevx");
        heif |= brand_is(b, "mif1") || brand_is(b, "msf1");
        mp4 |= brand_is(b, "isom") || brand_is(b, "iso2") || brand_is(b, "iso4") ||
               brand_is(b, "iso5") || brand_is(b, "iso6") || brand_is(b, "mp41") ||
               brand_is(b, "mp42") || brand_is(b, "avc1") || brand_is(b, "dash") ||
               brand_is(b, "M4V ");
        qt |= off == 8 && brand_is(b, "qt  ");
    }
    if (avif)
        return "image/avif";
    if (heic)
        return "image/heic";
    if (heif)
        return "image/heif";
    if (qt)
        return "video/quicktime";
    if (mp4)
        return "video/mp4";
    return NULL;
}

static bool starts_ci(const uint8_t *p, size_t n, const char *s)
{
    size_t l = strlen(s);
    return n >= l && strncasecmp((const char *)p, s, l) == 0;
}

static bool contains_ci(const uint8_t *p, size_t n, const char *s)
{
    size_t l = strlen(s);
    for (size_t i = 0; i + l <= n; i++)
        if (strncasecmp((const char *)p + i, s, l) == 0)
            return true;
    return false;
}

/* What text-like bytes are, for the refusal message. */
static const char *markup(const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3; /* UTF-8 BOM */
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    p += i;
    n -= i;
    if (starts_ci(p, n, "<svg") || (starts_ci(p, n, "<?xml") && contains_ci(p, n, "<svg")) ||
        (starts_ci(p, n, "<!doctype svg")))
        return "SVG";
    if (starts_ci(p, n, "<!doctype html") || starts_ci(p, n, "<html") || starts_ci(p, n, "<head") ||
        starts_ci(p, n, "<body") || starts_ci(p, n, "<!--") || starts_ci(p, n, "<title") ||
        starts_ci(p, n, "<iframe") || starts_ci(p, n, "<a ") || starts_ci(p, n, "<div") ||
        starts_ci(p, n, "<p>") || starts_ci(p, n, "<h1"))
        return "HTML";
    if (starts_ci(p, n, "<script"))
        return "a script";
    if (starts_ci(p, n, "<?xml"))
        return "XML";
    if (starts_ci(p, n, "#!"))
        return "a script";
    if (starts_ci(p, n, "%PDF-"))
        return "PDF";
    if (n > 0 && (p[0] == '{' || p[0] == '['))
        return "JSON or text";
    return NULL;
}

const char *media_sniff(const uint8_t *p, size_t n, const char **what)
{
    const char *dummy;
    if (what == NULL)
        what = &dummy;
    *what = NULL;
    if (n == 0) {
        *what = "an empty body";
        return NULL;
    }
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return "image/jpeg";
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
        return "image/gif";
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return "image/webp";
    const char *t = sniff_ftyp(p, n);
    if (t)
        return t;
    *what = markup(p, n);
    if (*what == NULL)
        *what = "unrecognised bytes";
    return NULL;
}

#define N_KNOWN (sizeof(known_types) / sizeof(known_types[0]))
_Static_assert(N_KNOWN <= 32, "media_type_set.mask has a bit per known type");

/* The bit of a known type, 0 for any other string. */
static uint32_t type_bit(const char *type, size_t n)
{
    for (size_t i = 0; type && i < N_KNOWN; i++)
        if (strlen(known_types[i]) == n && strncmp(type, known_types[i], n) == 0)
            return 1u << i;
    return 0;
}

void media_type_set_default(media_type_set *s)
{
    s->mask = 0;
    for (size_t i = 0; i < N_KNOWN; i++)
        if (strncmp(known_types[i], "image/", 6) == 0)
            s->mask |= 1u << i;
}

media_code media_type_set_parse(const char *csv, media_type_set *s, media_error *err)
{
    s->mask = 0;
    const char *p = csv ? csv : "";
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        if (*p == '\0')
            break;
        size_t n = strcspn(p, ", ");
        uint32_t bit = type_bit(p, n);
        s->mask |= bit; /* a type named twice (or fifty times) is one member */
        if (bit == 0)
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "MEDIAGATE_ALLOWED_TYPES: '%.*s' is not a type mediagate can "
                                   "recognise (image/jpeg, image/png, image/gif, image/webp, "
                                   "image/avif, image/heic, image/heif, video/mp4, "
                                   "video/quicktime)",
                                   (int)(n > 40 ? 40 : n), p);
        p += n;
    }
    if (s->mask == 0)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "MEDIAGATE_ALLOWED_TYPES is empty");
    return MEDIA_OK;
}

bool media_type_set_contains(const media_type_set *s, const char *type)
{
    uint32_t bit = type ? type_bit(type, strlen(type)) : 0;
    return bit && (s->mask & bit);
}

media_code media_sniff_check(const uint8_t *p, size_t n, const media_type_set *allowed,
                             const char **type, media_error *err)
{
    const char *what;
    *type = media_sniff(p, n, &what);
    if (*type == NULL)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source is %s, not a media type mediagate stores", what);
    if (!media_type_set_contains(allowed, *type))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source is %s, which is not an allowed type here", *type);
    return MEDIA_OK;
}
