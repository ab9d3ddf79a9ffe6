/*
 * body.c - POST /api/v1/media's JSON body (see body.h).
 */
#include "body.h"
#include "media/mem.h"
#include "media/source_url.h"
#include "media/webhook.h"

#include <jansson.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* body as a JSON document (duplicate keys refused), or NULL with the 400's slug and detail */
static json_t *load(const char *body, size_t len, const char **slug, char *detail, size_t cap)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        *slug = "malformed-json";
        snprintf(detail, cap, "%s", jerr.text);
    }
    return doc;
}

int presign_create_body_parse(const char *body, size_t len, presign_create_body *out,
                              const char **slug, char *detail, size_t cap)
{
    memset(out, 0, sizeof(*out));
    json_t *doc = load(body, len, slug, detail, cap);
    if (doc == NULL)
        return 400;
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
    json_t *doc = load(body, len, slug, detail, cap);
    if (doc == NULL)
        return 400;
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

static int invalid(const char **slug, char *detail, size_t cap, const char *why)
{
    *slug = "invalid-request";
    snprintf(detail, cap, "%s", why);
    return 422;
}

int presign_upload_body_parse(const char *body, size_t len, presign_upload_body *out,
                              const char **slug, char *detail, size_t cap)
{
    memset(out, 0, sizeof(*out));
    json_t *doc = load(body, len, slug, detail, cap);
    if (doc == NULL)
        return 400;
    const char *bad = NULL, *key;
    json_t *val;
    if (!json_is_object(doc))
        bad = "the body must be a JSON object";
    else
        json_object_foreach(
            doc, key, val) if (strcmp(key, "size_bytes") != 0 && strcmp(key, "content_type") != 0 &&
                               strcmp(key, "filename") != 0 && strcmp(key, "metadata") != 0 &&
                               strcmp(key, "multipart") != 0) bad =
            "unknown field (allowed: size_bytes, content_type, filename, metadata, multipart)";
    json_t *size = json_object_get(doc, "size_bytes"), *type = json_object_get(doc, "content_type");
    json_t *name = json_object_get(doc, "filename"), *meta = json_object_get(doc, "metadata");
    json_t *multi = json_object_get(doc, "multipart");
    if (bad == NULL && (!json_is_integer(size) || json_integer_value(size) < 1))
        bad = "size_bytes is required: the upload's exact length, at least 1";
    if (bad == NULL && type && !json_is_string(type))
        bad = "content_type must be a string";
    if (bad == NULL && name && !json_is_string(name))
        bad = "filename must be a string";
    if (bad == NULL && meta && !json_is_object(meta))
        bad = "metadata must be an object";
    if (bad == NULL && multi && !json_is_boolean(multi))
        bad = "multipart must be true or false";
    int status = 0;
    if (bad) {
        status = invalid(slug, detail, cap, bad);
    } else {
        out->size_bytes = (int64_t)json_integer_value(size);
        out->content_type = type ? media_strdup(json_string_value(type)) : NULL;
        out->filename = name ? media_strdup(json_string_value(name)) : NULL;
        out->metadata = meta ? json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        out->multipart = multi && json_is_true(multi);
    }
    json_decref(doc);
    return status;
}

void presign_upload_body_cleanup(presign_upload_body *b)
{
    free(b->content_type);
    free(b->filename);
    free(b->metadata);
    memset(b, 0, sizeof(*b));
}

/* A part's ETag as S3 gives it: 1..96 of [A-Za-z0-9-], optionally in double quotes (what a
 * browser reads from S3's ETag header). The owned, unquoted copy, or NULL when it is anything
 * else: the value is sent back to S3 inside XML, so only what S3 issues gets that far
 * (issue 24, defect 3). */
static char *part_etag(const json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
        s++, n -= 2;
    if (n == 0 || n > 96)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '-'))
            return NULL;
    char *out = media_malloc(n + 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

int presign_complete_body_parse(const char *body, size_t len, presign_complete_body *out,
                                const char **slug, char *detail, size_t cap)
{
    memset(out, 0, sizeof(*out));
    if (body == NULL || len == 0)
        return 0; /* a single PUT has nothing to say */
    json_t *doc = load(body, len, slug, detail, cap);
    if (doc == NULL)
        return 400;
    const char *bad = NULL, *key;
    json_t *val;
    if (!json_is_object(doc))
        bad = "the body must be a JSON object";
    else
        json_object_foreach(doc, key, val) if (strcmp(key, "parts") != 0) bad =
            "unknown field (allowed: parts)";
    json_t *parts = json_object_get(doc, "parts");
    if (bad == NULL && parts && (!json_is_array(parts) || json_array_size(parts) > 10000))
        bad = "parts must be an array of at most 10000 {part_number, etag}";
    size_t n = parts && bad == NULL ? json_array_size(parts) : 0;
    if (n) {
        out->numbers = media_calloc(n, sizeof(int));
        out->etags = media_calloc(n, sizeof(char *));
    }
    for (size_t i = 0; i < n && bad == NULL; i++) {
        json_t *p = json_array_get(parts, i);
        json_t *num = json_object_get(p, "part_number"), *etag = json_object_get(p, "etag");
        char *tag = NULL;
        if (!json_is_object(p) || json_object_size(p) != 2 || !json_is_integer(num) ||
            (tag = part_etag(etag)) == NULL)
            bad = "each part is {\"part_number\": 1..10000, \"etag\": the part's ETag from S3}";
        else if (json_integer_value(num) < 1 || json_integer_value(num) > 10000 ||
                 (i > 0 && json_integer_value(num) <= out->numbers[i - 1]))
            bad = "part numbers are 1..10000, in ascending order, each once";
        if (bad) {
            free(tag);
        } else {
            out->numbers[i] = (int)json_integer_value(num);
            out->etags[i] = tag;
            out->count = i + 1;
        }
    }
    json_decref(doc);
    if (bad) {
        presign_complete_body_cleanup(out);
        return invalid(slug, detail, cap, bad);
    }
    return 0;
}

void presign_complete_body_cleanup(presign_complete_body *b)
{
    for (size_t i = 0; i < b->count; i++)
        free(b->etags[i]);
    free(b->etags);
    free(b->numbers);
    memset(b, 0, sizeof(*b));
}

int presign_uppy_create_parse(const char *body, size_t len, char **filename, char **type,
                              char **metadata, const char **slug, char *detail, size_t cap)
{
    *filename = *type = *metadata = NULL;
    json_t *doc = load(body, len, slug, detail, cap);
    if (doc == NULL)
        return 400;
    json_t *f = json_object_get(doc, "filename"), *t = json_object_get(doc, "type");
    json_t *m = json_object_get(doc, "metadata");
    int status = 0;
    if (!json_is_object(doc) || (f && !json_is_string(f)) || (t && !json_is_string(t)) ||
        (m && !json_is_object(m))) {
        status = invalid(slug, detail, cap, "filename and type are strings, metadata an object");
    } else {
        *filename = f && json_string_length(f) ? media_strdup(json_string_value(f)) : NULL;
        *type = t && json_string_length(t) ? media_strdup(json_string_value(t)) : NULL;
        *metadata = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    }
    json_decref(doc);
    return status;
}

int presign_uppy_complete_parse(const char *body, size_t len, presign_complete_body *out,
                                const char **slug, char *detail, size_t cap)
{
    memset(out, 0, sizeof(*out));
    json_t *doc = load(body, len, slug, detail, cap);
    if (doc == NULL)
        return 400;
    json_t *parts = json_object_get(doc, "parts");
    const char *bad = NULL;
    if (!json_is_array(parts) || json_array_size(parts) == 0 || json_array_size(parts) > 10000)
        bad = "parts must be a non-empty array of {PartNumber, ETag}";
    size_t n = bad ? 0 : json_array_size(parts);
    if (n) {
        out->numbers = media_calloc(n, sizeof(int));
        out->etags = media_calloc(n, sizeof(char *));
    }
    for (size_t i = 0; i < n && bad == NULL; i++) {
        json_t *p = json_array_get(parts, i);
        json_t *num = json_object_get(p, "PartNumber"), *etag = json_object_get(p, "ETag");
        char *tag = NULL;
        if (!json_is_integer(num) || json_integer_value(num) < 1 ||
            json_integer_value(num) > 10000 ||
            (i > 0 && json_integer_value(num) <= out->numbers[i - 1]) ||
            (tag = part_etag(etag)) == NULL)
            bad = "each part is {PartNumber: 1..10000 ascending, ETag: the part's ETag from S3}";
        else {
            out->numbers[i] = (int)json_integer_value(num);
            out->etags[i] = tag;
            out->count = i + 1;
        }
    }
    json_decref(doc);
    if (bad) {
        presign_complete_body_cleanup(out);
        return invalid(slug, detail, cap, bad);
    }
    return 0;
}

/* {"metadata": "strip" | "keep-copyright" | "keep" | null}, nothing else. */
static int settings_parse(const char *body, size_t len, char out[16], const char **slug,
                          char *detail, size_t cap)
{
    out[0] = '\0';
    json_t *doc = load(body, len, slug, detail, cap);
    if (doc == NULL)
        return 400;
    json_t *m = json_object_get(doc, "metadata");
    const char *v = json_is_string(m) ? json_string_value(m) : NULL;
    int status = 0;
    if (!json_is_object(doc) || json_object_size(doc) != 1 || m == NULL ||
        (!json_is_null(m) &&
         (v == NULL ||
          (strcmp(v, "strip") != 0 && strcmp(v, "keep-copyright") != 0 && strcmp(v, "keep") != 0))))
        status = invalid(slug, detail, cap,
                         "the body is {\"metadata\": \"strip\" | \"keep-copyright\" | \"keep\" | "
                         "null}");
    else if (v)
        snprintf(out, 16, "%s", v);
    json_decref(doc);
    return status;
}

int presign_body_parse(presign_body_kind kind, const char *body, size_t len, presign_body *out,
                       const char **slug, const char **title, char *detail, size_t cap)
{
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    int status = 0;
    switch (kind) {
    case PRESIGN_BODY_NONE:
        return 0;
    case PRESIGN_BODY_CREATE:
        status = presign_create_body_parse(body, len, &out->u.create, slug, detail, cap);
        break;
    case PRESIGN_BODY_UPLOAD:
        status = presign_upload_body_parse(body, len, &out->u.upload, slug, detail, cap);
        break;
    case PRESIGN_BODY_COMPLETE:
        status = presign_complete_body_parse(body, len, &out->u.complete, slug, detail, cap);
        break;
    case PRESIGN_BODY_WEBHOOK:
        status = presign_webhook_body_parse(body, len, &out->u.webhook.url, &out->u.webhook.events,
                                            slug, detail, cap);
        break;
    case PRESIGN_BODY_UPPY_CREATE:
        status = presign_uppy_create_parse(body, len, &out->u.uppy.filename, &out->u.uppy.type,
                                           &out->u.uppy.metadata, slug, detail, cap);
        break;
    case PRESIGN_BODY_UPPY_COMPLETE:
        status = presign_uppy_complete_parse(body, len, &out->u.complete, slug, detail, cap);
        break;
    case PRESIGN_BODY_SETTINGS:
        status = settings_parse(body, len, out->u.settings.metadata, slug, detail, cap);
        break;
    }
    if (status)
        *title = status == 400                              ? "Request body is not valid JSON"
                 : strcmp(*slug, "invalid-source-url") == 0 ? "Invalid source_url"
                                                            : "Invalid request";
    return status;
}

void presign_body_cleanup(presign_body *b)
{
    switch (b->kind) {
    case PRESIGN_BODY_NONE:
    case PRESIGN_BODY_SETTINGS:
        break;
    case PRESIGN_BODY_CREATE:
        presign_create_body_cleanup(&b->u.create);
        break;
    case PRESIGN_BODY_UPLOAD:
        presign_upload_body_cleanup(&b->u.upload);
        break;
    case PRESIGN_BODY_COMPLETE:
    case PRESIGN_BODY_UPPY_COMPLETE:
        presign_complete_body_cleanup(&b->u.complete);
        break;
    case PRESIGN_BODY_WEBHOOK:
        free(b->u.webhook.url);
        break;
    case PRESIGN_BODY_UPPY_CREATE:
        free(b->u.uppy.filename);
        free(b->u.uppy.type);
        free(b->u.uppy.metadata); /* from jansson's json_dumps: malloc */
        break;
    }
    memset(b, 0, sizeof(*b));
}
