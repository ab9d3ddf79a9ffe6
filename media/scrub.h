/*
 * scrub.h - metadata scrubbing, in the stream (issue 25): what a photo says about where and
 * when it was taken, and who took it, never reaches a presigned URL. The bytes pass through a
 * scrubber on their way to S3 (ingest and upload verification alike); nothing is buffered
 * whole but a WebP (its size field sits at the front; held up to MEDIA_SCRUB_WEBP_MAX).
 *
 * What goes (policy strip; keep-copyright also keeps the marked copyright and author fields):
 *   JPEG  APP1 (Exif, XMP, extended XMP), APP13 (IPTC/Photoshop), COM, APP2 other than
 *         ICC_PROFILE (MPF: it points at the appended images), every other APPn but APP0
 *         (JFIF) and APP14 (Adobe), and anything after EOI (phones append previews and depth
 *         maps there, each with its own Exif). Orientation survives as a minimal Exif (IFD0
 *         with Orientation only; plus Copyright and Artist under keep-copyright): the pixels
 *         and their compressed bytes are untouched, where a lossless rotation would rewrite
 *         the scan and cannot rotate images whose size is not a multiple of the MCU.
 *   PNG   tEXt, zTXt, iTXt (keep-copyright: those keyed Copyright or Author stay), eXIf, tIME,
 *         and anything after IEND. Kept chunks are copied with their CRC as they are.
 *   WebP  EXIF and "XMP " chunks; the VP8X flags for them cleared; the RIFF size fixed.
 *   GIF   comment extensions (kept under keep-copyright) and application extensions other
 *         than the loop count (NETSCAPE2.0 / ANIMEXTS1.0), unknown extensions, and anything
 *         after the trailer.
 * Other types are stored as they arrive (docs/ingest.md says so).
 *
 * The scrubbers parse hostile bytes: every length is checked before use, memory is bounded,
 * and bytes that do not parse end the transfer with MEDIA_ERR_INVALID (permanent), never
 * with output that was not scrubbed. Scrubbing twice changes nothing more.
 */
#ifndef MEDIA_SCRUB_H
#define MEDIA_SCRUB_H

#include "error.h"
#include "mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* MEDIAGATE_METADATA (and a tenant's override): what of a stored image's metadata is kept. */
typedef enum {
    MEDIA_METADATA_STRIP,          /* nothing but what rendering needs (orientation, colour) */
    MEDIA_METADATA_KEEP_COPYRIGHT, /* strip, but copyright and author fields stay */
    MEDIA_METADATA_KEEP,           /* the bytes as they arrived */
} media_metadata;

/* "strip", "keep-copyright", "keep" -> *out; false for anything else. */
bool media_metadata_parse(const char *s, media_metadata *out);
const char *media_metadata_name(media_metadata m);

/* Whether bytes of type (a sniffed content type) are scrubbed under m. */
bool media_scrub_applies(const char *type, media_metadata m);

/* The largest WebP scrubbed (held whole to fix its size field); larger ones are refused. */
#define MEDIA_SCRUB_WEBP_MAX (64L << 20)

/* Receives the scrubbed bytes in order: 0, or -1 to stop (the write then fails, MEDIA_ERR_IO). */
typedef int (*media_scrub_emit_fn)(void *ud, const char *p, size_t n);

typedef struct media_scrub media_scrub;

/* A scrubber for type under m (media_scrub_applies must hold). Free with
 * media_scrub_destroy. */
media_scrub *media_scrub_new(const char *type, media_metadata m, media_scrub_emit_fn emit,
                             void *ud);
/* The next n input bytes. MEDIA_OK, MEDIA_ERR_INVALID (malformed: stop), MEDIA_ERR_TOO_LARGE
 * (a WebP over MEDIA_SCRUB_WEBP_MAX) or MEDIA_ERR_IO (emit stopped). After an error every
 * call repeats it. */
media_code media_scrub_write(media_scrub *s, const void *p, size_t n, media_error *err);
/* The input ended: what is held goes out. MEDIA_ERR_INVALID when it ended inside a structure
 * (a truncated segment, chunk or block). */
media_code media_scrub_finish(media_scrub *s, media_error *err);
/* How many metadata blocks were removed so far (segments, chunks, extensions, trailers). */
unsigned media_scrub_removed(const media_scrub *s);
void media_scrub_destroy(media_scrub *s);

/* One buffer in, one out (tests, fuzzing, the CLI): out is appended to. */
media_code media_scrub_buffer(const char *type, media_metadata m, const void *in, size_t n,
                              media_buf *out, media_error *err);

#endif
