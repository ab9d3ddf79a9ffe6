/*
 * json.c - JSON text output.
 */
#include "json.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (max n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        len = 2, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        len = 3, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

bool media_utf8_valid(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len((const unsigned char *)s + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

/* Nonzero when one of the eight bytes of w needs more than a copy: a control byte (< 0x20),
 * DEL or anything above (>= 0x7f: escaped, or the start of a UTF-8 sequence to check), '"' or
 * '\\'. Each term is the classic "has a zero byte" / "has a byte below n" test: exact about
 * whether such a byte exists (not about where), which is all the caller asks. */
static uint64_t word_needs_care(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\'), del = w ^ (ones * 0x7f);
    uint64_t below_space = (w - ones * 0x20) & ~w;
    uint64_t quote = (q - ones) & ~q, backslash = (bs - ones) & ~bs, delete = (del - ones) & ~del;
    return (below_space | quote | backslash | delete | w) & highs;
}

int media_json_string(media_buf *b, const char *s)
{
    return media_json_string_max(b, s, SIZE_MAX);
}

int media_json_string_max(media_buf *b, const char *s, size_t max_bytes)
{
    if (s == NULL)
        return media_buf_appends(b, "null");
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strnlen(s, max_bytes);
    bool cut = s[n] != '\0';
    if (cut) /* never end inside a UTF-8 sequence: back up to the start of the last one */
        while (n > 0 && (p[n] & 0xc0) == 0x80)
            n--;
    int rc = media_buf_append(b, "\"", 1);
    size_t run = 0; /* bytes copied verbatim in one append */
    for (size_t i = 0; i < n && rc == 0;) {
        if (n - i >= 8) { /* eight plain bytes at a time (a presigned URL is ~500 of them) */
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!word_needs_care(w)) {
                run += 8;
                i += 8;
                continue;
            }
        }
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') { /* the common case: plain ASCII */
            run++;
            i++;
            continue;
        }
        const char *esc = NULL;
        char u[8];
        size_t len = 1;
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20 || c == 0x7f) {
            snprintf(u, sizeof(u), "\\u%04x", c);
            esc = u;
        } else if (c >= 0x80) {
            len = utf8_len(p + i, n - i);
            if (len == 0) {
                esc = "\\ufffd";
                len = 1;
            }
        }
        if (esc) {
            rc = media_buf_append(b, s + i - run, run);
            run = 0;
            if (rc == 0)
                rc = media_buf_appends(b, esc);
        } else {
            run += len;
        }
        i += len;
    }
    if (rc == 0)
        rc = media_buf_append(b, s + n - run, run);
    if (rc == 0 && cut)
        rc = media_buf_appends(b, "\\u2026"); /* ... */
    return rc ? rc : media_buf_append(b, "\"", 1);
}

static int key(media_buf *b, const char *name, int *first)
{
    int rc = *first ? 0 : media_buf_append(b, ",", 1);
    *first = 0;
    if (rc == 0)
        rc = media_json_string(b, name);
    return rc ? rc : media_buf_append(b, ":", 1);
}

int media_json_kv_str(media_buf *b, const char *name, const char *value, int *first)
{
    int rc = key(b, name, first);
    return rc ? rc : media_json_string(b, value);
}

int media_json_kv_int(media_buf *b, const char *name, int64_t value, int *first)
{
    int rc = key(b, name, first);
    return rc ? rc : media_buf_appendf(b, "%" PRId64, value);
}

int media_json_kv_raw(media_buf *b, const char *name, const char *json, int *first)
{
    int rc = key(b, name, first);
    return rc ? rc : media_buf_appends(b, json ? json : "null");
}
