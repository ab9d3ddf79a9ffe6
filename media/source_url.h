/*
 * source_url.h - is this a source URL mediagate will fetch? (syntax only: http or https, a
 * host, no user:password, no spaces, at most 8 KiB). The SSRF guard decides about addresses
 * later, at connection time. Used by the front end to refuse bad submissions at once and by
 * the pipeline before fetching.
 */
#ifndef MEDIA_SOURCE_URL_H
#define MEDIA_SOURCE_URL_H

#include "error.h"

/* MEDIA_OK, or MEDIA_ERR_INVALID (permanent) with the reason (never echoing credentials). */
media_code media_source_url_check(const char *url, media_error *err);

#endif
