/*
 * xml.h - just enough XML to read S3's responses: find an element's text, unescape it.
 *
 * S3 answers with small, flat, machine-written documents (errors, upload ids, ETags, upload
 * listings). This is a scanner for those, not a general parser: no DTDs, no namespaces
 * prefixes on the elements we read, no CDATA.
 */
#ifndef MEDIA_XML_H
#define MEDIA_XML_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Find the next element named tag (`<tag>` or `<tag attr...>`) starting at *pos in doc[0..len).
 * On success: *content and *content_len borrow the raw (still escaped) text between the tags,
 * *pos moves past the closing tag, returns true. A self-closing element yields "".
 */
bool media_xml_next(const char *doc, size_t len, const char *tag, size_t *pos, const char **content,
                    size_t *content_len);

/*
 * Unescape the five named entities and numeric references (&#N; &#xN;) of in[0..n) into out
 * (cap bytes, NUL-terminated). Returns the output length, or -1 when malformed or too long.
 */
long media_xml_text(const char *in, size_t n, char *out, size_t cap);

/* Find the first element named tag anywhere in doc and unescape it into out. False if absent
 * or it does not fit. */
bool media_xml_get(const char *doc, size_t len, const char *tag, char *out, size_t cap);

/* Escape s for element text (& < > " ') into out. Returns its length, or -1 when it does not
 * fit; out is a NUL-terminated string either way ("" on -1, when cap > 0). */
long media_xml_escape(const char *s, char *out, size_t cap);

#endif
