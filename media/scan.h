/*
 * scan.h - the scanning hook before `ready` (issue 25): a stream of bytes to clamd, and its
 * verdict, over clamd's INSTREAM protocol ("zINSTREAM\0", then chunks each preceded by its
 * 4-byte big-endian length, a zero length to end; clamd answers "stream: OK" or
 * "stream: <signature> FOUND"). Plain sockets: no library.
 *
 * The bytes go to the scanner while they go to the bucket; the verdict is read before the
 * record can turn ready. A signature found is a permanent refusal naming it; a scanner that
 * cannot be reached, stops answering or errs is a transient failure (the job is retried) —
 * never a silent pass. clamd's own size limit (StreamMaxLength) is a permanent refusal.
 */
#ifndef MEDIA_SCAN_H
#define MEDIA_SCAN_H

#include "error.h"

#include <stddef.h>

typedef struct media_scan media_scan;

/* Open a scan on clamd at addr: "host:port" (IPv4, IPv6 in brackets, or a name) or
 * "unix:/path"; every connect, send and receive bounded by timeout_ms. NULL with a transient
 * *err when the scanner cannot be reached. Close with media_scan_close. */
media_scan *media_scan_open(const char *addr, long timeout_ms, media_error *err);
/* The next n bytes. MEDIA_OK, or the scanner's failure (transient; or the size limit,
 * permanent): stop sending and call finish anyway, which reports the same error. */
media_code media_scan_write(media_scan *s, const void *p, size_t n, media_error *err);
/* End the stream and read the verdict: MEDIA_OK clean; MEDIA_ERR_INVALID (permanent) with
 * "refused by the malware scanner: <signature>"; a transient error when the scanner failed. */
media_code media_scan_finish(media_scan *s, media_error *err);
void media_scan_close(media_scan *s);

/* Pure: the verdict of a clamd reply (NUL or newline terminated, as read). */
media_code media_scan_verdict(const char *reply, media_error *err);

#endif
