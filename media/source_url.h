/*
 * source_url.h - is this a source URL mediagate will fetch? (syntax only: http or https, a
 * host, no user:password, no spaces, at most 8 KiB). The SSRF guard decides about addresses
 * later, at connection time. Used by the front end to refuse bad submissions at once and by
 * the pipeline before fetching.
 */
#ifndef MEDIA_SOURCE_URL_H
#define MEDIA_SOURCE_URL_H

#include "cidr.h"
#include "error.h"

/* MEDIA_OK, or MEDIA_ERR_INVALID (permanent) with the reason (never echoing credentials). */
media_code media_source_url_check(const char *url, media_error *err);

/* A URL whose host is an address literal the SSRF guard refuses (media/ssrf.h; not inside
 * allow): MEDIA_ERR_INVALID naming the rule, so a submission is refused at once instead of
 * failing in the worker (issue 29, item 7). A host name is MEDIA_OK: names resolve in the
 * worker, where every address connected is checked. Every spelling libcurl fetches as an
 * address is one (127.1, 0x7f000001, 2130706433, [::ffff:127.0.0.1]). */
media_code media_source_url_check_literal(const char *url, const media_cidr_list *allow,
                                          media_error *err);

#endif
