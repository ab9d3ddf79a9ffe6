/*
 * source_url.c - source URL syntax, parsed by the HTTP adapter's parser (http.h: the one that
 * will fetch it).
 */
#include "source_url.h"
#include "http.h"
#include "ssrf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

media_code media_source_url_check(const char *url, media_error *err)
{
    if (url == NULL || url[0] == '\0')
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source URL is empty");
    if (strlen(url) > 8192)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source URL is longer than 8192 bytes");
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                                   "source URL contains spaces or control characters");
    const char *authority = strstr(url, "://");
    if (authority && authority[3] == '/') /* libcurl would read "https:///x" as host "x" */
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source URL has no host");
    media_http_url u;
    media_error why;
    if (media_http_url_parse(url, &u, &why) != MEDIA_OK)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source URL is not a valid absolute URL");
    if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source URL must be http or https");
    if (u.host[0] == '\0')
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source URL has no host");
    if (u.userinfo)
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "source URL must not carry a user name or password");
    return MEDIA_OK;
}

media_code media_source_url_check_literal(const char *url, const media_cidr_list *allow,
                                          media_error *err)
{
    media_http_url u;
    media_error why;
    if (media_http_url_parse(url, &u, &why) != MEDIA_OK)
        return MEDIA_OK; /* not a URL: media_source_url_check says so */
    const char *host = u.host;
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    struct sockaddr_in a4 = {.sin_family = AF_INET};
    size_t n = strlen(host);
    char inner[64];
    if (host[0] == '[' && n >= 2 && n - 2 < sizeof(inner)) { /* "[v6]" (a zone stays out) */
        memcpy(inner, host + 1, n - 2);
        inner[n - 2] = '\0';
        if (inet_pton(AF_INET6, inner, &a6.sin6_addr) == 1)
            return media_ssrf_check_sockaddr((struct sockaddr *)&a6, sizeof(a6), allow, err);
    } else if (inet_aton(host, &a4.sin_addr) != 0) { /* every form getaddrinfo reads */
        return media_ssrf_check_sockaddr((struct sockaddr *)&a4, sizeof(a4), allow, err);
    }
    return MEDIA_OK;
}
