/*
 * policy.c - presign policy (see policy.h).
 */
#include "policy.h"
#include "media/strbuf.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *type, *ext;
} inline_types[] = {
    {"image/jpeg", "jpg"},  {"image/png", "png"},   {"image/gif", "gif"},
    {"image/webp", "webp"}, {"image/avif", "avif"}, {"image/heic", "heic"},
    {"image/heif", "heif"}, {"video/mp4", "mp4"},   {"video/quicktime", "mov"},
};

const char *presign_extension(const char *t)
{
    for (size_t i = 0; t && i < sizeof(inline_types) / sizeof(inline_types[0]); i++)
        if (strcmp(t, inline_types[i].type) == 0)
            return inline_types[i].ext;
    return "bin";
}

static bool inline_safe(const char *t)
{
    return strcmp(presign_extension(t), "bin") != 0;
}

bool presign_disposition_parse(const char *s, presign_disposition *out)
{
    if (s == NULL || s[0] == '\0')
        *out = PRESIGN_DISPOSITION_DEFAULT;
    else if (strcmp(s, "inline") == 0)
        *out = PRESIGN_INLINE;
    else if (strcmp(s, "attachment") == 0)
        *out = PRESIGN_ATTACHMENT;
    else
        return false;
    return true;
}

time_t presign_policy_window_start(const presign_policy *p, time_t now)
{
    long window = p->window_s > 0 ? p->window_s : 1;
    return now - (now % window);
}

long presign_policy_cache_max_age(time_t expires_at, time_t now)
{
    long life = (long)(expires_at - now);
    return life / 2 < 300 ? life / 2 : 300;
}

media_code presign_policy_url(const presign_policy *p, media_sigv4_signer *signer,
                              const media_endpoint *pub, media_s3_addressing addr,
                              const media_record *rec, long expires_s, presign_disposition disp,
                              time_t now, presign_url *out, media_error *err)
{
    long max =
        p->max_expires_s < MEDIA_SIGV4_MAX_EXPIRES_S ? p->max_expires_s : MEDIA_SIGV4_MAX_EXPIRES_S;
    if (expires_s == 0)
        expires_s = p->default_expires_s < max ? p->default_expires_s : max;
    if (expires_s < 1 || expires_s > max)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "expires must be 1..%ld seconds", max);
    long window = p->window_s > 0 ? p->window_s : 1;
    time_t signed_at = presign_policy_window_start(p, now);
    long amz_expires = expires_s + window;
    if (amz_expires > MEDIA_SIGV4_MAX_EXPIRES_S)
        amz_expires = MEDIA_SIGV4_MAX_EXPIRES_S;
    if (signed_at + amz_expires < now + expires_s) /* 7-day cap: sign now instead */
        signed_at = now, amz_expires = expires_s;

    const char *type = rec->content_type[0] ? rec->content_type : "application/octet-stream";
    bool as_inline = inline_safe(type) && disp != PRESIGN_ATTACHMENT;
    char disposition[128];
    snprintf(disposition, sizeof(disposition), "%s; filename=\"%s.%s\"",
             as_inline ? "inline" : "attachment", rec->id, presign_extension(type));

    media_s3_location loc;
    media_code rc = media_s3_locate(pub, addr, rec->bucket, rec->object_key, &loc, err);
    if (rc != MEDIA_OK)
        return rc;
    char amz_date[17];
    struct tm tm;
    gmtime_r(&signed_at, &tm);
    strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
    media_sigv4_presign_request req = {"GET",       loc.host, loc.path, amz_date, amz_expires, type,
                                       disposition, NULL,     NULL,     NULL,     NULL};
    char query[MEDIA_SIGV4_MAX_QUERY];
    rc = media_sigv4_presign(signer, &req, query, sizeof(query), NULL, err);
    if (rc != MEDIA_OK)
        return rc;
    media_sb url = media_sb_over(out->url, sizeof(out->url));
    media_sb_puts(&url, loc.origin);
    media_sb_puts(&url, loc.path);
    media_sb_putc(&url, '?');
    media_sb_puts(&url, query);
    if (url.overflow)
        return media_error_set(err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT, "URL too long");
    out->signed_at = signed_at;
    out->expires_at = signed_at + amz_expires;
    out->cache_max_age_s = presign_policy_cache_max_age(out->expires_at, now);
    return MEDIA_OK;
}
