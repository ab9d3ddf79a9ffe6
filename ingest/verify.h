/*
 * verify.h - the verification job of a direct upload (issue 16): before an uploaded object
 * is ready the worker checks it, the same way an ingest checks a source.
 *
 *   HEAD   the object exists; its size is the size declared at creation (and within
 *          MEDIAGATE_MAX_BYTES); its ETag is recorded
 *   GET    streamed: the first bytes are sniffed (media/sniff.h: the type comes from the
 *          bytes, never from what the client said; HTML, SVG, scripts and unknown bytes are
 *          refused, and the stream stops there), every byte goes through SHA-256 (memory
 *          bounded by the transfer buffer, whatever the size)
 *
 *   SCRUB  a staged image the metadata policy scrubs (media/scrub.h) is promoted by that same
 *          read: the bytes go through the scrubber into an upload of the served key (s3
 *          uploads while s3_read reads), so the served bytes are the scrubbed ones;
 *          res->sha256, size_bytes and etag describe them, res->source_sha256 the upload as
 *          sent. Other staged objects are promoted by a copy made only while their ETag is
 *          the one read. Bytes the scrubber cannot parse are refused like a wrong type.
 *
 * A check that fails deletes the object and is a permanent MEDIA_ERR_INVALID saying why (the
 * row then ends failed with that message). An S3 failure is transient, with
 * res->failed_storage set (the object is kept for the next attempt).
 */
#ifndef INGEST_VERIFY_H
#define INGEST_VERIFY_H

#include "media/catalog.h"
#include "media/s3_client.h"
#include "options.h"
#include "transfer.h"

media_code ingest_verify_upload(const ingest_options *o, media_s3_client *s3,
                                media_s3_client *s3_read, const media_record *row,
                                ingest_result *res, media_error *err);

#endif
