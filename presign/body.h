/*
 * body.h - the JSON request adapter: every request body the API takes, parsed and validated.
 * body.c is the only file that includes jansson. The dispatcher (api.c) parses the body a
 * route's match names (presign_body_kind) once, before the handler, and answers a bad one
 * itself (presign_body_parse); handlers read the typed result from their call.
 */
#ifndef PRESIGN_BODY_H
#define PRESIGN_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The body of POST /api/v1/media: {"source_url": string, "metadata"?: object,
 * "callback_url"?: string}, nothing else.
 * Returns 0 with *out filled (free with presign_create_body_cleanup), or the HTTP status
 * (400 malformed JSON, 422 invalid) with *slug (static) and detail (cap bytes). */
typedef struct presign_create_body {
    char *source_url;   /* owned */
    char *metadata;     /* owned compact JSON object text with sorted keys; NULL when absent */
    char *callback_url; /* owned; NULL when absent */
} presign_create_body;
int presign_create_body_parse(const char *body, size_t len, presign_create_body *out,
                              const char **slug, char *detail, size_t cap);
void presign_create_body_cleanup(presign_create_body *b);

/* The body of POST /api/v1/webhooks: {"url": string, "events": [event names]} ("events"
 * absent: all of them), nothing else. 0 with *url (owned; free it) and *events (a
 * media/webhook.h bit set), or 400/422 as above. */
int presign_webhook_body_parse(const char *body, size_t len, char **url, unsigned *events,
                               const char **slug, char *detail, size_t cap);

/* The body of POST /api/v1/uploads: {"size_bytes": integer >= 1, "content_type"?: string,
 * "filename"?: string, "metadata"?: object, "multipart"?: boolean}, nothing else. 0 with *out
 * filled (free with presign_upload_body_cleanup), or 400/422 as above. */
typedef struct presign_upload_body {
    int64_t size_bytes;
    char *content_type; /* owned; NULL when absent */
    char *filename;     /* owned; NULL when absent */
    char *metadata;     /* owned compact JSON object text; NULL when absent */
    bool multipart;
} presign_upload_body;
int presign_upload_body_parse(const char *body, size_t len, presign_upload_body *out,
                              const char **slug, char *detail, size_t cap);
void presign_upload_body_cleanup(presign_upload_body *b);

/* The body of POST /api/v1/uploads/{id}/complete: empty, {}, or {"parts": [{"part_number":
 * 1..10000, "etag": string}, ...]} in ascending part order (at most 10000). 0 with *numbers
 * and *etags (owned arrays of *count; free with presign_complete_body_cleanup), or 400/422. */
typedef struct presign_complete_body {
    int *numbers;
    char **etags;
    size_t count;
} presign_complete_body;
int presign_complete_body_parse(const char *body, size_t len, presign_complete_body *out,
                                const char **slug, char *detail, size_t cap);
void presign_complete_body_cleanup(presign_complete_body *b);

/* Uppy's Companion-style bodies (presign/uppy.h): POST /s3/multipart {"filename"?, "type"?,
 * "metadata"?: object} (other fields ignored, as Companion does) -> *filename, *type and
 * *metadata (owned, NULL when absent); and POST .../complete {"parts": [{"PartNumber",
 * "ETag"}]} -> the same as presign_complete_body. 0, or 400/422. */
int presign_uppy_create_parse(const char *body, size_t len, char **filename, char **type,
                              char **metadata, const char **slug, char *detail, size_t cap);
int presign_uppy_complete_parse(const char *body, size_t len, presign_complete_body *out,
                                const char **slug, char *detail, size_t cap);

/* The body a route takes, by kind; the dispatcher parses and frees it. */
typedef enum {
    PRESIGN_BODY_NONE,          /* ignored */
    PRESIGN_BODY_CREATE,        /* POST /api/v1/media */
    PRESIGN_BODY_UPLOAD,        /* POST /api/v1/uploads */
    PRESIGN_BODY_COMPLETE,      /* POST /api/v1/uploads/{id}/complete */
    PRESIGN_BODY_WEBHOOK,       /* POST /api/v1/webhooks */
    PRESIGN_BODY_UPPY_CREATE,   /* POST /api/v1/uppy/s3/multipart */
    PRESIGN_BODY_UPPY_COMPLETE, /* POST /api/v1/uppy/s3/multipart/{uploadId}/complete */
    PRESIGN_BODY_SETTINGS,      /* PUT /api/v1/settings */
} presign_body_kind;

typedef struct presign_body {
    presign_body_kind kind;
    union {
        presign_create_body create;
        presign_upload_body upload;
        presign_complete_body complete; /* COMPLETE and UPPY_COMPLETE */
        struct {
            char *url; /* owned */
            unsigned events;
        } webhook;
        struct {
            char *filename, *type, *metadata; /* owned; NULL when absent */
        } uppy;
        struct {
            char metadata[16]; /* strip, keep-copyright, keep; "" (null): the service's */
        } settings;
    } u;
} presign_body;

/* Parse len bytes as a body of kind into *out (out->kind = kind; NONE parses nothing): 0, or
 * the status (400 not JSON, 422 invalid) with *slug (static), *title (static) and detail (cap
 * bytes). *out is cleaned with presign_body_cleanup either way. */
int presign_body_parse(presign_body_kind kind, const char *body, size_t len, presign_body *out,
                       const char **slug, const char **title, char *detail, size_t cap);
void presign_body_cleanup(presign_body *b);

#endif
