/*
 * uri.c - S3 UriEncode and its inverse.
 */
#include "uri.h"

/* 1 for S3's unreserved characters (A-Z a-z 0-9 - . _ ~), 2 for '/', 0 otherwise */
static const unsigned char kind[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['/'] = 2, ['0'] = 1, ['1'] = 1, ['2'] = 1,
    ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['A'] = 1,
    ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1,
    ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1,
    ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
    ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
    ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1,
    ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

size_t media_uri_encode(char *out, size_t cap, const char *in, size_t len, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char pass = keep_slash ? 3 : 1; /* kinds that pass through */
    size_t o = 0;
    if (len < cap / 3) { /* room for the worst case: no bounds checks per byte */
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)in[i];
            if (kind[c] & pass) {
                out[o++] = (char)c;
            } else {
                out[o] = '%';
                out[o + 1] = hex[c >> 4];
                out[o + 2] = hex[c & 15];
                o += 3;
            }
        }
        out[o] = '\0';
        return o;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (kind[c] & pass) {
            if (o + 1 < cap)
                out[o] = (char)c;
            o++;
        } else {
            if (o + 3 < cap) {
                out[o] = '%';
                out[o + 1] = hex[c >> 4];
                out[o + 2] = hex[c & 15];
            }
            o += 3;
        }
    }
    if (cap > 0)
        out[o < cap ? o : cap - 1] = '\0';
    return o;
}

void media_uri_encode_sb(media_sb *b, const char *in, size_t len, bool keep_slash)
{
    if (b->overflow)
        return;
    size_t room = b->cap - b->len;
    size_t n = media_uri_encode(b->p + b->len, room, in, len, keep_slash);
    if (n >= room) {
        b->overflow = true;
        b->p[b->len] = '\0';
        return;
    }
    b->len += n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t media_uri_decode(char *out, size_t cap, const char *in, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= len)
                return (size_t)-1;
            int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
            if (hi < 0 || lo < 0)
                return (size_t)-1;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (o + 1 >= cap)
            return (size_t)-1;
        out[o++] = c;
    }
    if (cap == 0)
        return (size_t)-1;
    out[o] = '\0';
    return o;
}
