/*
 * strbuf.h - a bounded string builder over a caller's fixed buffer, for hot paths.
 *
 * snprintf parses its format on every call; building a presigned URL with it cost a third of
 * the time (bench/README.md). These appends copy known lengths instead. The buffer is always
 * NUL-terminated; an append that does not fit sets overflow, leaves the text as it was and
 * makes every later append a no-op, so a caller checks once at the end.
 * Ownership: the caller owns the buffer; nothing here allocates.
 */
#ifndef MEDIA_STRBUF_H
#define MEDIA_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct media_sb {
    char *p;
    size_t len;
    size_t cap; /* bytes at p, terminator included; at least 1 */
    bool overflow;
} media_sb;

/* Start an empty builder over buf[cap] (cap >= 1). */
static inline media_sb media_sb_over(char *buf, size_t cap)
{
    buf[0] = '\0';
    return (media_sb){buf, 0, cap, false};
}

static inline void media_sb_put(media_sb *b, const char *s, size_t n)
{
    if (b->overflow || n >= b->cap - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static inline void media_sb_puts(media_sb *b, const char *s)
{
    media_sb_put(b, s, strlen(s));
}

static inline void media_sb_putc(media_sb *b, char c)
{
    media_sb_put(b, &c, 1);
}

/* Decimal text of v (any long, LONG_MIN included). */
static inline void media_sb_put_long(media_sb *b, long v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    media_sb_put(b, tmp + i, sizeof(tmp) - i);
}

#endif
