/*
 * s3_location.c - endpoint parsing and S3 addressing.
 */
#include "s3_location.h"
#include "strbuf.h"
#include "uri.h"

#include <stdlib.h>
#include <string.h>

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

media_code media_endpoint_parse(const char *url, media_endpoint *out, media_error *err)
{
    memset(out, 0, sizeof(*out));
    if (url == NULL || url[0] == '\0')
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT, "empty endpoint");
    const char *p;
    if (strncmp(url, "https://", 8) == 0) {
        out->https = true;
        p = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        p = url + 7;
    } else {
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "endpoint must start with http:// or https://");
    }
    const char *host = p, *host_end;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (close == NULL)
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "endpoint has an unterminated IPv6 literal");
        for (const char *q = p + 1; q < close; q++)
            if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                  (*q >= 'A' && *q <= 'F') || *q == ':' || *q == '.'))
                return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                       "endpoint has an invalid IPv6 literal");
        host_end = close + 1;
    } else {
        host_end = p;
        while (host_char(*host_end))
            host_end++;
    }
    if (host_end == host)
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "endpoint has no host");
    if ((size_t)(host_end - host) >= sizeof(out->host))
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "endpoint host is too long");
    memcpy(out->host, host, (size_t)(host_end - host));
    p = host_end;
    out->port = out->https ? 443 : 80;
    out->default_port = true;
    if (*p == ':') {
        p++;
        char *end;
        long port = strtol(p, &end, 10);
        if (end == p || port < 1 || port > 65535)
            return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                                   "endpoint port must be 1..65535");
        out->default_port = port == (out->https ? 443 : 80);
        out->port = (int)port;
        p = end;
    }
    if (*p == '/')
        p++;
    if (*p != '\0')
        return media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                               "endpoint must be scheme://host[:port] with no path, query or "
                               "user info");
    return MEDIA_OK;
}

bool media_endpoint_is_ip_literal(const media_endpoint *ep)
{
    if (ep->host[0] == '[')
        return true;
    for (const char *p = ep->host; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return false;
    return true;
}

bool media_s3_bucket_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 3 || n > 63)
        return false;
    bool all_ip = true;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '.' && c != '-')
            return false;
        if ((i == 0 || i == n - 1) && !alnum)
            return false;
        if (c == '.' && i + 1 < n && (name[i + 1] == '.' || name[i + 1] == '-'))
            return false;
        if (c == '-' && i + 1 < n && name[i + 1] == '.')
            return false;
        if (!((c >= '0' && c <= '9') || c == '.'))
            all_ip = false;
    }
    return !all_ip;
}

media_code media_s3_key_check(const char *key, media_error *err)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "object key is empty");
    if (n > MEDIA_S3_MAX_KEY_BYTES)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "object key is longer than %d bytes", MEDIA_S3_MAX_KEY_BYTES);
    const unsigned char *s = (const unsigned char *)key;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x20 || c == 0x7f)
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "object key contains a control character");
        size_t len;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            goto bad;
        }
        if (i + len > n)
            goto bad;
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                goto bad;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        /* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            goto bad;
        if (cp >= 0x80 && cp <= 0x9f)
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "object key contains a control character");
        i += len;
    }
    return MEDIA_OK;
bad:
    return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                           "object key is not valid UTF-8");
}

media_code media_s3_locate(const media_endpoint *ep, media_s3_addressing addressing,
                           const char *bucket, const char *key, media_s3_location *out,
                           media_error *err)
{
    if (!media_s3_bucket_name_valid(bucket))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "invalid bucket name (3-63 characters of a-z, 0-9, '.', '-')");
    if (key) {
        media_code rc = media_s3_key_check(key, err);
        if (rc != MEDIA_OK)
            return rc;
    }
    media_sb host = media_sb_over(out->host, sizeof(out->host));
    media_sb path = media_sb_over(out->path, sizeof(out->path));
    if (addressing == MEDIA_S3_ADDRESSING_VIRTUAL) {
        if (media_endpoint_is_ip_literal(ep))
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "virtual-hosted addressing needs a DNS name endpoint, not "
                                   "an IP address");
        /* dots in a bucket name break TLS wildcard certificates; S3 itself says use path */
        media_sb_puts(&host, bucket);
        media_sb_putc(&host, '.');
        media_sb_putc(&path, '/');
    } else {
        media_sb_putc(&path, '/');
        media_sb_puts(&path, bucket);
        if (key)
            media_sb_putc(&path, '/');
    }
    media_sb_puts(&host, ep->host);
    if (!ep->default_port) {
        media_sb_putc(&host, ':');
        media_sb_put_long(&host, ep->port);
    }
    if (key)
        media_uri_encode_sb(&path, key, strlen(key), true);
    if (path.overflow)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "object key too long to address");
    media_sb origin = media_sb_over(out->origin, sizeof(out->origin));
    media_sb_puts(&origin, ep->https ? "https://" : "http://");
    media_sb_put(&origin, host.p, host.len);
    return MEDIA_OK;
}
