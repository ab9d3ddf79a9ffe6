/*
 * body.h - the JSON request adapter: the body of POST /api/v1/media, parsed and validated.
 * body.c is the only file that includes jansson.
 */
#ifndef PRESIGN_BODY_H
#define PRESIGN_BODY_H

#include <stddef.h>

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

#endif
