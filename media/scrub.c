/*
 * scrub.c - the streaming metadata scrubbers (see scrub.h).
 *
 * One small engine drives all four formats: it gathers `need` bytes of a structure's header
 * into `hold`, then the format's step decides what follows — copy n bytes, skip n bytes,
 * gather more, or (JPEG) scan entropy-coded data for the next marker. So a chunk boundary can
 * fall anywhere, and memory is the hold buffer (one JPEG segment at most) whatever the size
 * of the input; only a WebP's output is held, to fix its size field.
 */
#include "scrub.h"

#include <stdlib.h>
#include <string.h>

#define HOLD_MAX (4 + 65535 + 16) /* a marker, its length and the largest JPEG segment */

typedef enum { K_JPEG, K_PNG, K_GIF, K_WEBP } kind;

/* Per-format states: what the gathered bytes are. */
enum {
    J_SOI,
    J_MARKER,
    J_SEG,
    J_APP1,
    J_EXIF,
    J_APP2,
    P_SIG,
    P_CHUNK,
    P_TEXT,
    G_HEAD,
    G_BLOCK,
    G_EXT,
    G_APP,
    G_IMG,
    G_LZW,
    G_SUB,
    W_HEAD,
    W_CHUNK,
    W_VP8X,
};

struct media_scrub {
    kind k;
    media_metadata m;
    media_scrub_emit_fn emit;
    void *ud;
    uint8_t *hold;
    size_t hold_len, need;
    uint64_t copy_left, skip_left;
    int state;
    bool then_scan;    /* JPEG: the copy under way is a SOS header; entropy data follows */
    bool then_trailer; /* the copy under way ends the image (PNG's IEND) */
    bool scan;         /* JPEG entropy-coded data */
    bool pending_ff;   /* JPEG scan: the last byte seen was 0xFF */
    bool trailer;      /* after the image's end: the rest is dropped */
    bool trailer_seen; /* and some was */
    bool sub_keep;     /* GIF sub-blocks being copied (else skipped) */
    uint64_t in;       /* input bytes consumed */
    uint64_t riff_end; /* WebP: where the RIFF payload ends in the input */
    media_buf webp;    /* WebP: the output, held */
    unsigned removed;
    media_code failed;
    media_error err;
};

bool media_metadata_parse(const char *s, media_metadata *out)
{
    static const char *const names[] = {"strip", "keep-copyright", "keep"};
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *out = (media_metadata)i;
            return true;
        }
    return false;
}

const char *media_metadata_name(media_metadata m)
{
    return m == MEDIA_METADATA_KEEP             ? "keep"
           : m == MEDIA_METADATA_KEEP_COPYRIGHT ? "keep-copyright"
                                                : "strip";
}

static bool kind_of(const char *type, kind *k)
{
    static const struct {
        const char *type;
        kind k;
    } t[] = {
        {"image/jpeg", K_JPEG}, {"image/png", K_PNG}, {"image/gif", K_GIF}, {"image/webp", K_WEBP}};
    for (size_t i = 0; type && i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(type, t[i].type) == 0) {
            *k = t[i].k;
            return true;
        }
    return false;
}

bool media_scrub_applies(const char *type, media_metadata m)
{
    kind k;
    return m != MEDIA_METADATA_KEEP && kind_of(type, &k);
}

media_scrub *media_scrub_new(const char *type, media_metadata m, media_scrub_emit_fn emit, void *ud)
{
    kind k = K_JPEG;
    kind_of(type, &k);
    media_scrub *s = media_calloc(1, sizeof(*s));
    s->k = k;
    s->m = m;
    s->emit = emit;
    s->ud = ud;
    s->hold = media_malloc(HOLD_MAX);
    static const int first[] = {
        [K_JPEG] = J_SOI, [K_PNG] = P_SIG, [K_GIF] = G_HEAD, [K_WEBP] = W_HEAD};
    static const size_t first_need[] = {[K_JPEG] = 2, [K_PNG] = 8, [K_GIF] = 13, [K_WEBP] = 12};
    s->state = first[k];
    s->need = first_need[k];
    if (k == K_WEBP)
        media_buf_init(&s->webp, MEDIA_SCRUB_WEBP_MAX);
    return s;
}

void media_scrub_destroy(media_scrub *s)
{
    if (s == NULL)
        return;
    free(s->hold);
    if (s->k == K_WEBP)
        media_buf_cleanup(&s->webp);
    free(s);
}

unsigned media_scrub_removed(const media_scrub *s)
{
    return s->removed;
}

static const char *const format_name[] = {"JPEG", "PNG", "GIF", "WebP"};

static void malformed(media_scrub *s, const char *why)
{
    if (s->failed)
        return;
    s->failed = MEDIA_ERR_INVALID;
    media_error_set(&s->err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                    "the %s cannot be scrubbed of its metadata: %s", format_name[s->k], why);
}

/* Bytes that stay. */
static void out(media_scrub *s, const void *p, size_t n)
{
    if (s->failed || n == 0)
        return;
    if (s->k == K_WEBP) {
        if (media_buf_append(&s->webp, p, n) != 0) {
            s->failed = MEDIA_ERR_TOO_LARGE;
            media_error_set(&s->err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                            "a WebP is scrubbed whole, and this one is larger than %ld bytes",
                            (long)MEDIA_SCRUB_WEBP_MAX);
        }
        return;
    }
    if (s->emit(s->ud, p, n) != 0) {
        s->failed = MEDIA_ERR_IO;
        media_error_set(&s->err, MEDIA_ERR_IO, MEDIA_CLASS_TRANSIENT,
                        "the scrubbed bytes' receiver stopped");
    }
}

/* The gathered unit is decided: start gathering the next one. */
static void next(media_scrub *s, int state, size_t need)
{
    s->hold_len = 0;
    s->state = state;
    s->need = need;
}

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---- JPEG ---- */

/* Exif's TIFF structure, read with bounds: the byte order and an IFD0 entry's fields. */
typedef struct {
    const uint8_t *p;
    size_t n;
    bool big;
} tiff;

static uint32_t t16(const tiff *t, size_t at)
{
    return t->big ? be16(t->p + at) : (uint32_t)t->p[at + 1] << 8 | t->p[at];
}
static uint32_t t32(const tiff *t, size_t at)
{
    return t->big ? be32(t->p + at) : le32(t->p + at);
}

/* An ASCII tag's text (keep-copyright), at most cap-1 bytes; "" when out of bounds. */
static void tiff_ascii(const tiff *t, size_t entry, char *out, size_t cap)
{
    uint32_t count = t32(t, entry + 4);
    size_t at = count <= 4 ? entry + 8 : t32(t, entry + 8);
    out[0] = '\0';
    if (count == 0 || at > t->n || count > t->n - at)
        return;
    size_t n = strnlen((const char *)t->p + at, count);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, t->p + at, n);
    out[n] = '\0';
}

typedef struct {
    uint16_t tag;
    const char *text; /* NULL: the orientation */
} kept_tag;

/* The minimal Exif that replaces an APP1 Exif segment (body: after the length): IFD0 with
 * Orientation (and, under keep-copyright, Artist and Copyright), little-endian, in buf;
 * its length, 0 when nothing is worth keeping. */
static size_t minimal_exif(const media_scrub *s, const uint8_t *body, size_t len, uint8_t *buf,
                           size_t cap)
{
    tiff t = {body + 6, len - 6, false};
    if (t.n < 8 || !((t.p[0] == 'I' && t.p[1] == 'I') || (t.p[0] == 'M' && t.p[1] == 'M')))
        return 0;
    t.big = t.p[0] == 'M';
    uint32_t ifd = t32(&t, 4);
    if (t16(&t, 2) != 42 || ifd > t.n - 2)
        return 0;
    uint32_t count = t16(&t, ifd);
    if (count > (t.n - ifd - 2) / 12)
        count = (uint32_t)((t.n - ifd - 2) / 12); /* what fits: the rest is not there */
    uint32_t orientation = 0;
    char artist[256] = "", copyright[256] = "";
    for (uint32_t i = 0; i < count; i++) {
        size_t e = ifd + 2 + (size_t)i * 12;
        uint32_t tag = t16(&t, e), type = t16(&t, e + 2);
        if (tag == 0x0112 && type == 3 && t32(&t, e + 4) == 1) {
            uint32_t v = t16(&t, e + 8);
            orientation = v >= 1 && v <= 8 ? v : 0;
        } else if (s->m == MEDIA_METADATA_KEEP_COPYRIGHT && type == 2 && tag == 0x013B) {
            tiff_ascii(&t, e, artist, sizeof(artist));
        } else if (s->m == MEDIA_METADATA_KEEP_COPYRIGHT && type == 2 && tag == 0x8298) {
            tiff_ascii(&t, e, copyright, sizeof(copyright));
        }
    }
    kept_tag keep[3];
    size_t n = 0;
    if (orientation)
        keep[n++] = (kept_tag){0x0112, NULL};
    if (artist[0])
        keep[n++] = (kept_tag){0x013B, artist};
    if (copyright[0])
        keep[n++] = (kept_tag){0x8298, copyright};
    if (n == 0)
        return 0;
    /* "Exif\0\0", TIFF header (II, 42, IFD0 at 8), IFD0, then the texts */
    size_t head = 6 + 8, data = head + 2 + n * 12 + 4, o;
    if (data + sizeof(artist) + sizeof(copyright) > cap)
        return 0;
    memset(buf, 0, cap); /* the padding after an odd-length text is zero, not stack */
    memcpy(buf, "Exif\0\0II*\0\x08\0\0\0", head);
    o = head;
    buf[o++] = (uint8_t)n;
    buf[o++] = 0;
    size_t text_at = data - 6; /* offsets count from the TIFF header */
    for (size_t i = 0; i < n; i++, o += 12) {
        uint8_t *e = buf + o;
        memset(e, 0, 12);
        e[0] = (uint8_t)(keep[i].tag & 0xff);
        e[1] = (uint8_t)(keep[i].tag >> 8);
        if (keep[i].text == NULL) {
            e[2] = 3; /* SHORT, one, in the value field */
            e[4] = 1;
            e[8] = (uint8_t)orientation;
            continue;
        }
        size_t tl = strlen(keep[i].text) + 1;
        e[2] = 2; /* ASCII, with its NUL */
        e[4] = (uint8_t)(tl & 0xff);
        e[5] = (uint8_t)(tl >> 8);
        if (tl <= 4) {
            memcpy(e + 8, keep[i].text, tl);
        } else {
            e[8] = (uint8_t)(text_at & 0xff);
            e[9] = (uint8_t)(text_at >> 8);
            memcpy(buf + 6 + text_at, keep[i].text, tl);
            text_at += tl + (tl & 1); /* word-aligned */
        }
    }
    memset(buf + o, 0, 4); /* no IFD1: the thumbnail is gone */
    return 6 + text_at;
}

/* A marker segment's first bytes are gathered (marker, length[, identifier]). */
static void jpeg_segment(media_scrub *s)
{
    uint8_t marker = s->hold[1];
    size_t body = be16(s->hold + 2);
    if (body < 2) {
        malformed(s, "a segment's length is below 2");
        return;
    }
    body -= 2;
    size_t seen = s->hold_len - 4; /* of the body, already gathered */
    bool drop = (marker >= 0xE1 && marker <= 0xEF && marker != 0xEE) || marker == 0xFE;
    if (marker == 0xE1 && s->state == J_SEG && body >= 6) { /* Exif or XMP: look */
        s->state = J_APP1;
        s->need = 4 + 6;
        return;
    }
    if (s->state == J_APP1 && memcmp(s->hold + 4, "Exif\0\0", 6) == 0) {
        s->state = J_EXIF; /* the whole segment, to keep its orientation */
        s->need = 4 + body;
        return;
    }
    if (s->state == J_EXIF) {
        uint8_t buf[6 + 8 + 2 + 3 * 12 + 4 + 2 * 256 + 8];
        size_t n = minimal_exif(s, s->hold + 4, body, buf, sizeof(buf));
        s->removed++;
        if (n) {
            uint8_t head[4] = {0xFF, 0xE1, (uint8_t)((n + 2) >> 8), (uint8_t)((n + 2) & 0xff)};
            out(s, head, 4);
            out(s, buf, n);
        }
        next(s, J_MARKER, 2);
        return;
    }
    if (marker == 0xE2 && s->state == J_SEG && body >= 12) { /* ICC profile, or MPF */
        s->state = J_APP2;
        s->need = 4 + 12;
        return;
    }
    if (s->state == J_APP2)
        drop = memcmp(s->hold + 4, "ICC_PROFILE\0", 12) != 0;
    if (drop) {
        s->removed++;
        s->skip_left = body - seen;
    } else {
        out(s, s->hold, s->hold_len);
        s->copy_left = body - seen;
        s->then_scan = marker == 0xDA;
    }
    next(s, J_MARKER, 2);
    if (s->then_scan && s->copy_left == 0) {
        s->then_scan = false;
        s->scan = true;
    }
}

static void jpeg_step(media_scrub *s)
{
    uint8_t *h = s->hold;
    if (s->state == J_SOI) {
        if (h[0] != 0xFF || h[1] != 0xD8) {
            malformed(s, "it does not start with SOI");
            return;
        }
        out(s, h, 2);
        next(s, J_MARKER, 2);
        return;
    }
    if (s->state != J_MARKER) {
        jpeg_segment(s);
        return;
    }
    if (h[0] != 0xFF) {
        malformed(s, "a marker was expected");
        return;
    }
    if (h[1] == 0xFF) { /* a fill byte: the marker is the next byte */
        s->hold_len = 1;
        return;
    }
    if (h[1] == 0xD9) { /* EOI: what follows (appended images) goes */
        out(s, h, 2);
        s->trailer = true;
        next(s, J_MARKER, 2);
        return;
    }
    if (h[1] == 0xD8 || h[1] == 0x00) {
        malformed(s, h[1] ? "a second SOI" : "a stuffed byte outside a scan");
        return;
    }
    if ((h[1] >= 0xD0 && h[1] <= 0xD7) || h[1] == 0x01) { /* no length */
        out(s, h, 2);
        next(s, J_MARKER, 2);
        return;
    }
    s->state = J_SEG;
    s->need = 4;
}

/* Entropy-coded data: copied up to the next marker (0xFF not followed by 0x00 or RSTn), in
 * one run per call: stuffed bytes and restart markers stay inside the run, so a photo's scan
 * costs a memchr per 0xFF and one hand-over per write, not three. */
static size_t jpeg_scan(media_scrub *s, const uint8_t *p, size_t n)
{
    size_t from = 0;
    if (s->pending_ff) { /* the last write ended on 0xFF */
        uint8_t b = p[0];
        if (b == 0xFF) /* fill before a marker */
            return 1;
        if (b != 0x00 && !(b >= 0xD0 && b <= 0xD7)) {
            s->pending_ff = false;
            s->scan = false;
            s->hold[0] = 0xFF;
            s->hold_len = 1;
            s->state = J_MARKER;
            s->need = 2;
            return 0; /* the marker byte is gathered next */
        }
        out(s, "\xFF", 1); /* stuffing or a restart: data; the run goes on from b */
        s->pending_ff = false;
    }
    for (size_t at = from;;) {
        const uint8_t *ff = memchr(p + at, 0xFF, n - at);
        if (ff == NULL) {
            out(s, p + from, n - from);
            return n;
        }
        at = (size_t)(ff - p);
        if (at + 1 < n && (p[at + 1] == 0x00 || (p[at + 1] >= 0xD0 && p[at + 1] <= 0xD7))) {
            at += 2; /* still data */
            continue;
        }
        out(s, p + from, at - from); /* the run ends before this 0xFF: a marker, or unknown yet */
        s->pending_ff = true;
        return at + 1;
    }
}

/* ---- PNG ---- */

static bool png_text_kept(const media_scrub *s, const uint8_t *data, size_t n)
{
    if (s->m != MEDIA_METADATA_KEEP_COPYRIGHT)
        return false;
    size_t kl = strnlen((const char *)data, n);
    return kl < n && ((kl == 9 && memcmp(data, "Copyright", 9) == 0) ||
                      (kl == 6 && memcmp(data, "Author", 6) == 0));
}

static void png_step(media_scrub *s)
{
    uint8_t *h = s->hold;
    if (s->state == P_SIG) {
        if (memcmp(h, "\x89PNG\r\n\x1a\n", 8) != 0) {
            malformed(s, "no PNG signature");
            return;
        }
        out(s, h, 8);
        next(s, P_CHUNK, 8);
        return;
    }
    uint32_t len = be32(h);
    const uint8_t *type = h + 4;
    if (len > 0x7fffffffu) {
        malformed(s, "a chunk longer than 2^31 - 1");
        return;
    }
    for (int i = 0; i < 4; i++)
        if (!((type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= 'a' && type[i] <= 'z'))) {
            malformed(s, "a chunk type that is not four letters");
            return;
        }
    bool text = memcmp(type, "tEXt", 4) == 0 || memcmp(type, "zTXt", 4) == 0 ||
                memcmp(type, "iTXt", 4) == 0;
    if (text && s->m == MEDIA_METADATA_KEEP_COPYRIGHT && s->state == P_CHUNK) {
        s->state = P_TEXT; /* the keyword (1-79 bytes and its NUL) decides */
        s->need = 8 + (len < 80 ? len : 80);
        return;
    }
    uint64_t rest = (uint64_t)len + 4 - (s->hold_len - 8); /* the data left, and the CRC */
    bool drop = (text && !png_text_kept(s, h + 8, s->hold_len - 8)) ||
                memcmp(type, "eXIf", 4) == 0 || memcmp(type, "tIME", 4) == 0;
    if (drop) {
        s->removed++;
        s->skip_left = rest;
    } else {
        out(s, h, s->hold_len);
        s->copy_left = rest;
        s->then_trailer = memcmp(type, "IEND", 4) == 0;
    }
    next(s, P_CHUNK, 8);
}

/* ---- GIF ---- */

static void gif_step(media_scrub *s)
{
    uint8_t *h = s->hold;
    switch (s->state) {
    case G_HEAD: {
        if (memcmp(h, "GIF87a", 6) != 0 && memcmp(h, "GIF89a", 6) != 0) {
            malformed(s, "no GIF header");
            return;
        }
        out(s, h, 13);
        s->copy_left = h[10] & 0x80 ? 3u << ((h[10] & 7) + 1) : 0; /* the global colours */
        next(s, G_BLOCK, 1);
        return;
    }
    case G_BLOCK:
        if (h[0] == 0x21) {
            s->state = G_EXT;
            s->need = 3; /* introducer, label, the first sub-block's size */
        } else if (h[0] == 0x2C) {
            s->state = G_IMG;
            s->need = 10;
        } else if (h[0] == 0x3B) {
            out(s, h, 1);
            s->trailer = true;
            next(s, G_BLOCK, 1);
        } else {
            malformed(s, "an unknown block");
        }
        return;
    case G_EXT: {
        uint8_t label = h[1], size = h[2];
        bool keep = label == 0xF9 || label == 0x01 ||
                    (label == 0xFE && s->m == MEDIA_METADATA_KEEP_COPYRIGHT);
        if (label == 0xFF && size == 11) { /* an application: its identifier decides */
            s->state = G_APP;
            s->need = 3 + 11;
            return;
        }
        if (!keep)
            s->removed++;
        s->sub_keep = keep;
        if (keep)
            out(s, h, 3);
        if (keep)
            s->copy_left = size;
        else
            s->skip_left = size;
        next(s, G_SUB, 1);
        if (size == 0) { /* the terminator came first */
            s->state = G_BLOCK;
        }
        return;
    }
    case G_APP: {
        bool loop = memcmp(h + 3, "NETSCAPE2.0", 11) == 0 || memcmp(h + 3, "ANIMEXTS1.0", 11) == 0;
        s->sub_keep = loop;
        if (loop)
            out(s, h, 14);
        else
            s->removed++;
        next(s, G_SUB, 1);
        return;
    }
    case G_IMG:
        out(s, h, 10);
        s->copy_left = h[9] & 0x80 ? 3u << ((h[9] & 7) + 1) : 0; /* the local colours */
        next(s, G_LZW, 1);
        return;
    case G_LZW:
        out(s, h, 1);
        s->sub_keep = true;
        next(s, G_SUB, 1);
        return;
    case G_SUB:
        if (s->sub_keep)
            out(s, h, 1);
        if (h[0] == 0) {
            next(s, G_BLOCK, 1);
        } else {
            if (s->sub_keep)
                s->copy_left = h[0];
            else
                s->skip_left = h[0];
            next(s, G_SUB, 1);
        }
        return;
    }
}

/* ---- WebP ---- */

static void webp_step(media_scrub *s)
{
    uint8_t *h = s->hold;
    if (s->state == W_HEAD) {
        if (memcmp(h, "RIFF", 4) != 0 || memcmp(h + 8, "WEBP", 4) != 0) {
            malformed(s, "no RIFF/WEBP header");
            return;
        }
        s->riff_end = (uint64_t)le32(h + 4) + 8;
        out(s, h, 12); /* the size is fixed at the end */
        next(s, W_CHUNK, 8);
        return;
    }
    uint32_t size = le32(h + 4);
    uint64_t padded = (uint64_t)size + (size & 1);
    if (s->state == W_CHUNK && memcmp(h, "VP8X", 4) == 0) {
        if (size < 10) {
            malformed(s, "a VP8X chunk shorter than 10 bytes");
            return;
        }
        s->state = W_VP8X;
        s->need = 8 + 10;
        return;
    }
    if (s->state == W_VP8X) {
        h[8] &= (uint8_t) ~(0x08 | 0x04); /* no EXIF, no XMP */
        out(s, h, 18);
        s->copy_left = padded - 10;
    } else if (memcmp(h, "EXIF", 4) == 0 || memcmp(h, "XMP ", 4) == 0) {
        s->removed++;
        s->skip_left = padded;
    } else {
        out(s, h, 8);
        s->copy_left = padded;
    }
    next(s, W_CHUNK, 8);
}

/* ---- the engine ---- */

static void step(media_scrub *s)
{
    switch (s->k) {
    case K_JPEG:
        jpeg_step(s);
        break;
    case K_PNG:
        png_step(s);
        break;
    case K_GIF:
        gif_step(s);
        break;
    case K_WEBP:
        webp_step(s);
        break;
    }
}

/* A copy or skip ended: what it ends may start something. */
static void unit_done(media_scrub *s)
{
    if (s->then_scan) {
        s->then_scan = false;
        s->scan = true;
    }
    if (s->then_trailer) {
        s->then_trailer = false;
        s->trailer = true;
    }
}

media_code media_scrub_write(media_scrub *s, const void *data, size_t n, media_error *err)
{
    const uint8_t *p = data;
    while (n > 0 && !s->failed) {
        size_t take;
        if (s->copy_left || s->skip_left) {
            uint64_t *left = s->copy_left ? &s->copy_left : &s->skip_left;
            take = *left < n ? (size_t)*left : n;
            if (left == &s->copy_left)
                out(s, p, take);
            *left -= take;
            if (*left == 0)
                unit_done(s);
        } else if (s->trailer) {
            if (!s->trailer_seen)
                s->removed++; /* everything after the end goes: one removal */
            s->trailer_seen = true;
            s->in += n;
            break;
        } else if (s->k == K_WEBP && s->hold_len == 0 && s->state == W_CHUNK &&
                   s->in >= s->riff_end) {
            s->trailer = true; /* past the RIFF payload */
            continue;
        } else if (s->scan) {
            take = jpeg_scan(s, p, n);
        } else {
            take = s->need - s->hold_len < n ? s->need - s->hold_len : n;
            memcpy(s->hold + s->hold_len, p, take);
            s->hold_len += take;
            while (!s->failed && s->hold_len && s->hold_len == s->need)
                step(s); /* a step may find it already has what it asks for next */
        }
        p += take;
        n -= take;
        s->in += take;
    }
    if (s->failed && err)
        *err = s->err;
    return s->failed ? s->failed : MEDIA_OK;
}

media_code media_scrub_finish(media_scrub *s, media_error *err)
{
    if (!s->failed && (s->copy_left || s->skip_left || s->hold_len))
        malformed(s, "it ends inside a segment, chunk or block");
    if (!s->failed && s->k == K_JPEG && s->state == J_SOI)
        malformed(s, "it is empty");
    if (!s->failed && s->pending_ff)
        out(s, "\xFF", 1);
    if (!s->failed && s->k == K_WEBP) {
        if (s->webp.len < 12) {
            malformed(s, "it is shorter than its header");
        } else {
            uint64_t size = s->webp.len - 8;
            uint8_t *z = (uint8_t *)s->webp.data + 4;
            for (int i = 0; i < 4; i++)
                z[i] = (uint8_t)(size >> (8 * i));
            if (s->emit(s->ud, s->webp.data, s->webp.len) != 0) {
                s->failed = MEDIA_ERR_IO;
                media_error_set(&s->err, MEDIA_ERR_IO, MEDIA_CLASS_TRANSIENT,
                                "the scrubbed bytes' receiver stopped");
            }
        }
    }
    if (s->failed && err)
        *err = s->err;
    return s->failed ? s->failed : MEDIA_OK;
}

static int to_buf(void *ud, const char *p, size_t n)
{
    return media_buf_append(ud, p, n);
}

media_code media_scrub_buffer(const char *type, media_metadata m, const void *in, size_t n,
                              media_buf *outb, media_error *err)
{
    media_scrub *s = media_scrub_new(type, m, to_buf, outb);
    media_code rc = media_scrub_write(s, in, n, err);
    if (rc == MEDIA_OK)
        rc = media_scrub_finish(s, err);
    media_scrub_destroy(s);
    return rc;
}
