/*
 * uri.h - percent-encoding by S3's UriEncode rules.
 *
 * Unreserved characters (A-Z a-z 0-9 - . _ ~) pass through; every other byte, including each
 * byte of a UTF-8 sequence, becomes %XX with upper-case hex. '/' passes through only when
 * keep_slash is set (object key paths); query names and values encode it.
 */
#ifndef MEDIA_URI_H
#define MEDIA_URI_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Encode len bytes of in into out (capacity cap, NUL-terminated when cap > 0), snprintf
 * style: returns the length the full encoding needs; the output is complete only when the
 * return value is < cap.
 */
size_t media_uri_encode(char *out, size_t cap, const char *in, size_t len, bool keep_slash);
/* The same, appended to a builder: on overflow it is marked and its text stays as it was. */
void media_uri_encode_sb(media_sb *b, const char *in, size_t len, bool keep_slash);

/* Decode %XX sequences (and nothing else) of in into out (cap bytes, NUL-terminated).
 * Returns the decoded length, or (size_t)-1 on a malformed escape or when out is too small. */
size_t media_uri_decode(char *out, size_t cap, const char *in, size_t len);

#endif
