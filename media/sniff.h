/*
 * sniff.h - the media type of a source, from its first bytes, never from its Content-Type.
 *
 * Recognised: JPEG, PNG, GIF, WebP, AVIF, HEIC/HEIF, MP4, QuickTime. Recognised in order to
 * be refused with a clear reason: HTML, SVG, XML, scripts, PDF, empty input. Everything else
 * is "unknown" and refused too. Pure functions.
 */
#ifndef MEDIA_SNIFF_H
#define MEDIA_SNIFF_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes the sniffer wants before deciding (less only at end of input). */
#define MEDIA_SNIFF_BYTES 512

/*
 * Returns the media type ("image/png", ...) or NULL when the bytes are not a recognised
 * media type; *what (may be NULL) then names what they look like ("HTML", "SVG", "an empty
 * body", "unrecognised bytes", ...).
 */
const char *media_sniff(const uint8_t *p, size_t n, const char **what);

/* The set of media types that may be stored (MEDIAGATE_ALLOWED_TYPES): a bit per type
 * mediagate can recognise, so no list of any length can overflow it. Plain data. */
typedef struct media_type_set {
    uint32_t mask;
} media_type_set;

/* The default: the image types. */
void media_type_set_default(media_type_set *s);
/* Parse "image/jpeg,image/png,video/mp4" (only recognisable types are accepted). */
media_code media_type_set_parse(const char *csv, media_type_set *s, media_error *err);
bool media_type_set_contains(const media_type_set *s, const char *type);

/*
 * Sniff and decide: MEDIA_OK with *type set, or a permanent MEDIA_ERR_INVALID error that says
 * what the bytes are and that they are refused ("source is HTML, not media").
 */
media_code media_sniff_check(const uint8_t *p, size_t n, const media_type_set *allowed,
                             const char **type, media_error *err);

#endif
