/*
 * mem.c - abort-on-OOM allocation and media_buf.
 */
#include "mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"out of memory allocating %zu bytes\"}\n", n);
    abort();
}

void *media_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *media_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        oom(count * size);
    return p;
}

void *media_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

void media_free_secret(char *p)
{
    if (p == NULL)
        return;
    volatile char *v = p; /* volatile: the wipe is not optimised away before free */
    while (*v)
        *v++ = 0;
    free(p);
}

char *media_strdup(const char *s)
{
    return s ? media_strndup(s, strlen(s)) : NULL;
}

char *media_strndup(const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    size_t len = strnlen(s, n);
    char *p = media_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void media_buf_init(media_buf *b, size_t max_bytes)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max_bytes = max_bytes;
}

void media_buf_cleanup(media_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void media_buf_reset(media_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int reserve(media_buf *b, size_t extra)
{
    if (extra > b->max_bytes || b->len > b->max_bytes - extra)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > b->max_bytes + 1)
        cap = b->max_bytes + 1;
    b->data = media_realloc(b->data, cap);
    b->cap = cap;
    return 0;
}

int media_buf_append(media_buf *b, const void *data, size_t n)
{
    if (reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int media_buf_appends(media_buf *b, const char *s)
{
    return media_buf_append(b, s, strlen(s));
}

int media_buf_appendf(media_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof(small))
        return media_buf_append(b, small, (size_t)n);
    if (reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *media_buf_detach(media_buf *b, size_t *len_out)
{
    char *p = b->data ? b->data : media_strdup("");
    if (len_out)
        *len_out = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
