/*
 * mem.h - allocation that aborts on failure, and the byte buffer with a hard maximum.
 *
 * Out-of-memory is not a recoverable condition in mediagate: every allocation goes through
 * these wrappers, which print one line and abort, so no caller carries an untested OOM branch.
 */
#ifndef MEDIA_MEM_H
#define MEDIA_MEM_H

#include <stddef.h>

void *media_malloc(size_t n);
void *media_calloc(size_t count, size_t size);
void *media_realloc(void *p, size_t n);
/* Overwrite a NUL-terminated secret (key, password, URL with a password) and free it.
 * NULL is fine. */
void media_free_secret(char *p);
/* NULL in, NULL out. The caller frees the copy with free(). */
char *media_strdup(const char *s);
char *media_strndup(const char *s, size_t n);

/*
 * A growable byte buffer that refuses to grow past max_bytes (curl dynbuf's "toobig"): every
 * buffer filled from the network or a user has a bound. data is always NUL-terminated (the
 * terminator is not counted in len and not in max_bytes).
 * Ownership: the caller owns the struct; media_buf_cleanup frees data.
 */
typedef struct media_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max_bytes;
} media_buf;

void media_buf_init(media_buf *b, size_t max_bytes);
void media_buf_cleanup(media_buf *b);
void media_buf_reset(media_buf *b); /* len = 0, keeps the allocation */
/* 0 on success, -1 (buffer unchanged) when the result would exceed max_bytes. */
int media_buf_append(media_buf *b, const void *data, size_t n);
int media_buf_appends(media_buf *b, const char *s);
int media_buf_appendf(media_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Transfer data out of the buffer: the caller frees the result; the buffer is left empty. */
char *media_buf_detach(media_buf *b, size_t *len_out);

#endif
