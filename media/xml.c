/*
 * xml.c - element scanning and entity handling for S3 response documents.
 */
#include "xml.h"

#include <string.h>

static const char *find(const char *hay, size_t hay_len, const char *needle, size_t n)
{
    if (n == 0 || hay_len < n)
        return NULL;
    for (size_t i = 0; i + n <= hay_len; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

bool media_xml_next(const char *doc, size_t len, const char *tag, size_t *pos, const char **content,
                    size_t *content_len)
{
    size_t tl = strlen(tag);
    char open[80], close[84];
    if (tl + 4 > sizeof(open))
        return false;
    open[0] = '<';
    memcpy(open + 1, tag, tl);
    close[0] = '<';
    close[1] = '/';
    memcpy(close + 2, tag, tl);
    close[tl + 2] = '>';

    size_t at = *pos;
    while (at < len) {
        const char *o = find(doc + at, len - at, open, tl + 1);
        if (o == NULL)
            return false;
        size_t after = (size_t)(o - doc) + tl + 1;
        if (after >= len)
            return false;
        char c = doc[after];
        if (c != '>' && c != ' ' && c != '/' && c != '\t' && c != '\n' && c != '\r') {
            at = after; /* a longer name with this prefix: <UploadId> vs <Upload> */
            continue;
        }
        const char *gt = memchr(doc + after, '>', len - after);
        if (gt == NULL)
            return false;
        if (gt[-1] == '/') { /* <tag/> */
            *content = gt;
            *content_len = 0;
            *pos = (size_t)(gt - doc) + 1;
            return true;
        }
        size_t body = (size_t)(gt - doc) + 1;
        const char *cl = find(doc + body, len - body, close, tl + 3);
        if (cl == NULL)
            return false;
        *content = doc + body;
        *content_len = (size_t)(cl - (doc + body));
        *pos = (size_t)(cl - doc) + tl + 3;
        return true;
    }
    return false;
}

static int put_utf8(unsigned long cp, char *out, size_t cap, size_t *o)
{
    char tmp[4];
    size_t n;
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xc0 | cp >> 6);
        tmp[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xe0 | cp >> 12);
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        tmp[0] = (char)(0xf0 | cp >> 18);
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (*o + n >= cap)
        return -1;
    memcpy(out + *o, tmp, n);
    *o += n;
    return 0;
}

long media_xml_text(const char *in, size_t n, char *out, size_t cap)
{
    static const struct {
        const char *ent;
        char c;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    size_t o = 0;
    if (cap == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (in[i] != '&') {
            if (o + 1 >= cap)
                return -1;
            out[o++] = in[i];
            continue;
        }
        const char *semi = memchr(in + i, ';', n - i);
        if (semi == NULL)
            return -1;
        size_t elen = (size_t)(semi - (in + i)); /* after '&' up to and including ';' - 1 */
        bool done = false;
        for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
            size_t nl = strlen(named[k].ent);
            if (elen == nl && memcmp(in + i + 1, named[k].ent, nl) == 0) {
                if (o + 1 >= cap)
                    return -1;
                out[o++] = named[k].c;
                done = true;
                break;
            }
        }
        if (!done) {
            if (elen < 2 || in[i + 1] != '#')
                return -1;
            bool hex = in[i + 2] == 'x' || in[i + 2] == 'X';
            unsigned long cp = 0;
            size_t start = i + (hex ? 3 : 2);
            if (start >= (size_t)(semi - in))
                return -1;
            for (size_t k = start; k < (size_t)(semi - in); k++) {
                char c = in[k];
                int d = (c >= '0' && c <= '9')          ? c - '0'
                        : hex && (c >= 'a' && c <= 'f') ? c - 'a' + 10
                        : hex && (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                        : -1;
                if (d < 0 || cp > 0x10ffff)
                    return -1;
                cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            }
            if (put_utf8(cp, out, cap, &o) != 0)
                return -1;
        }
        i = (size_t)(semi - in);
    }
    out[o] = '\0';
    return (long)o;
}

bool media_xml_get(const char *doc, size_t len, const char *tag, char *out, size_t cap)
{
    size_t pos = 0;
    const char *c;
    size_t n;
    if (!media_xml_next(doc, len, tag, &pos, &c, &n))
        return false;
    return media_xml_text(c, n, out, cap) >= 0;
}

long media_xml_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        }
        size_t n = rep ? strlen(rep) : 1;
        if (o + n >= cap) {
            if (cap > 0)
                out[0] = '\0'; /* never a truncated, unterminated string (issue 24, defect 3) */
            return -1;
        }
        if (rep)
            memcpy(out + o, rep, n);
        else
            out[o] = *s;
        o += n;
    }
    if (cap == 0)
        return -1;
    out[o] = '\0';
    return (long)o;
}
