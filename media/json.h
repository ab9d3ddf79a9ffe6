/*
 * json.h - writing JSON text into a media_buf: escaped strings and small helpers.
 * (Parsing untrusted JSON is done with jansson, in the component that receives it.)
 */
#ifndef MEDIA_JSON_H
#define MEDIA_JSON_H

#include "mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Append s as a JSON string literal (quotes included; NULL appends null). Bytes that are not
 * valid UTF-8 become U+FFFD so the output is always valid JSON. 0 or -1 (buffer full). */
int media_json_string(media_buf *b, const char *s);
/* The same, writing at most max_bytes of s (cut at a UTF-8 boundary, then "\u2026"). */
int media_json_string_max(media_buf *b, const char *s, size_t max_bytes);
/* s (NUL-terminated) is valid UTF-8: no overlong forms, surrogates or code points past
 * U+10FFFF. What PostgreSQL's UTF8 text columns accept. */
bool media_utf8_valid(const char *s);
/* Append "name":<string> preceded by ',' unless first. */
int media_json_kv_str(media_buf *b, const char *name, const char *value, int *first);
int media_json_kv_int(media_buf *b, const char *name, int64_t value, int *first);
/* Append "name":<raw json text> (value must already be valid JSON). */
int media_json_kv_raw(media_buf *b, const char *name, const char *json, int *first);

#endif
