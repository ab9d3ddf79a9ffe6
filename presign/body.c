/*
 * body.c - POST /api/v1/media's JSON body (see body.h).
 */
#include "body.h"
#include "media/mem.h"
#include "media/source_url.h"
#include "media/webhook.h"

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
        json_object_foreach(doc, key, val) if (strcmp(key, "source_url") != 0 &&
                                               strcmp(key, "metadata") != 0 &&
                                               strcmp(key, "callback_url") != 0) bad =
            "unknown field (allowed: source_url, metadata, callback_url)";
    json_t *url = json_object_get(doc, "source_url");
    json_t *meta = json_object_get(doc, "metadata");
    json_t *cb = json_object_get(doc, "callback_url");
    if (bad == NULL && !json_is_string(url))
        bad = "source_url is required and must be a string";
    if (bad == NULL && meta && !json_is_object(meta))
        bad = "metadata must be an object";
    if (bad == NULL && cb && !json_is_string(cb))
        bad = "callback_url must be a string";
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
        out->callback_url = cb ? media_strdup(json_string_value(cb)) : NULL;
    }
    json_decref(doc);
    return status;
}

void presign_create_body_cleanup(presign_create_body *b)
{
    free(b->source_url);
    free(b->metadata); /* from jansson's json_dumps: its default allocator is malloc */
    free(b->callback_url);
    memset(b, 0, sizeof(*b));
}

int presign_webhook_body_parse(const char *body, size_t len, char **url, unsigned *events,
                               const char **slug, char *detail, size_t cap)
{
    *url = NULL;
    *events = 0;
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        *slug = "malformed-json";
        snprintf(detail, cap, "%s", jerr.text);
        return 400;
    }
    const char *bad = NULL, *key;
    json_t *val;
    if (!json_is_object(doc))
        bad = "the body must be a JSON object";
    else
        json_object_foreach(doc, key,
                            val) if (strcmp(key, "url") != 0 && strcmp(key, "events") != 0) bad =
            "unknown field (allowed: url, events)";
    json_t *u = json_object_get(doc, "url"), *ev = json_object_get(doc, "events");
    if (bad == NULL && !json_is_string(u))
        bad = "url is required and must be a string";
    if (bad == NULL && ev && (!json_is_array(ev) || json_array_size(ev) == 0))
        bad = "events must be a non-empty array of event names";
    size_t i;
    if (bad == NULL && ev) {
        json_array_foreach(ev, i, val)
        {
            unsigned e = json_is_string(val) ? media_event_parse(json_string_value(val)) : 0;
            if (e == 0) {
                bad = "events may name media.ready, media.failed and media.deleted";
                break;
            }
            *events |= e;
        }
    }
    int status = 0;
    if (bad) {
        *slug = "invalid-request";
        snprintf(detail, cap, "%s", bad);
        status = 422;
    } else {
        *url = media_strdup(json_string_value(u));
        if (ev == NULL)
            *events = MEDIA_EVENT_ALL;
    }
    json_decref(doc);
    return status;
}
