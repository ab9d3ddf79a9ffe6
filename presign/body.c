/*
 * body.c - POST /api/v1/media's JSON body (see body.h).
 */
#include "body.h"
#include "media/mem.h"
#include "media/source_url.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int presign_create_body_parse(const char *body, size_t len, presign_create_body *out,
                              const char **slug, char *detail, size_t cap)
{
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        *slug = "malformed-json";
        snprintf(detail, cap, "%s", jerr.text);
        return 400;
    }
    const char *bad = NULL;
    const char *key;
    json_t *val;
    if (!json_is_object(doc))
        bad = "the body must be a JSON object";
    else
        json_object_foreach(doc, key,
                            val) if (strcmp(key, "source_url") != 0 && strcmp(key, "metadata") != 0)
            bad = "unknown field (allowed: source_url, metadata)";
    json_t *url = json_object_get(doc, "source_url");
    json_t *meta = json_object_get(doc, "metadata");
    if (bad == NULL && !json_is_string(url))
        bad = "source_url is required and must be a string";
    if (bad == NULL && meta && !json_is_object(meta))
        bad = "metadata must be an object";
    media_error err;
    int status = 0;
    if (bad) {
        *slug = "invalid-request";
        snprintf(detail, cap, "%s", bad);
        status = 422;
    } else if (media_source_url_check(json_string_value(url), &err) != MEDIA_OK) {
        *slug = "invalid-source-url";
        snprintf(detail, cap, "%s", err.message);
        status = 422;
    } else {
        out->source_url = media_strdup(json_string_value(url));
        out->metadata = meta ? json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    }
    json_decref(doc);
    return status;
}

void presign_create_body_cleanup(presign_create_body *b)
{
    free(b->source_url);
    free(b->metadata); /* from jansson's json_dumps: its default allocator is malloc */
    memset(b, 0, sizeof(*b));
}
