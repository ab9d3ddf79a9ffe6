/*
 * uppy.h - the S3 signing routes of Uppy's Companion, so an unmodified @uppy/aws-s3 uploads
 * into mediagate (issue 16, item 6) with `companionEndpoint: "/api/v1/uppy"`. Same auth
 * (a key, or the page's session cookie on the page's own origin — Sec-Fetch-Site:
 * same-origin, or X-Mediagate-App — never from another site: issue 24, defect 7), scope (write),
 * limits and verification as /api/v1/uploads (uploads.h); the size is not declared by Uppy, so it
 * is checked against MEDIAGATE_MAX_BYTES (by the form's policy, and by the verification job).
 *
 *   GET    /api/v1/uppy/s3/params?filename=&type=   -> {method: POST, url, fields, headers}
 *          (a form upload; Uppy never calls back: the worker's sweeper finds the object and
 *          queues its verification)
 *   POST   /api/v1/uppy/s3/multipart {filename, type, metadata} -> {key, uploadId, mediaId}
 *   GET    /api/v1/uppy/s3/multipart/<uploadId>/<partNumber>?key= -> {url, expires}
 *   GET    /api/v1/uppy/s3/multipart/<uploadId>?key= -> [] (parts are not listed: a resume
 *          sends them again)
 *   POST   /api/v1/uppy/s3/multipart/<uploadId>/complete?key= {parts: [{PartNumber, ETag}]}
 *          -> {location: /api/v1/media/<id>, bucket, key, mediaId} (queued for verification)
 *   DELETE /api/v1/uppy/s3/multipart/<uploadId>?key= -> {} (aborted; the row fails)
 *
 * An upload id names an upload of the caller's tenant only; the key must be the one issued.
 */
#ifndef PRESIGN_UPPY_H
#define PRESIGN_UPPY_H

#include "request.h"
#include "routes.h"

#include <stdbool.h>

/* The longest upload id accepted in a path (S3's are opaque; AWS's run to ~150 bytes). */
#define UPPY_UPLOAD_ID_MAX 256

/* The route table's row (routes.h): the match names the operation in call->rt.sub (params,
 * create, parts, sign, complete, abort) and its body (404 for an unknown shape, 405 with Allow
 * for a known one with another method); the handler runs over the ports. */
int presign_uppy_match(const presign_request *req, presign_response *res, presign_call *call);
void presign_uppy_handle(const presign_handler_ctx *c, const presign_request *req,
                         const presign_call *call, presign_response *res);

#endif
