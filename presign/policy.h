/*
 * policy.h - how the front end presigns a catalog record: expiry, caching window,
 * Content-Type and Content-Disposition. Pure (time is a parameter).
 *
 * - Expiry: the request's `expires` (seconds) or the default, at most the configured
 *   maximum and SigV4's 7 days; anything else is a client error.
 * - Caching: URLs are signed with the time rounded down to `window_s`, and X-Amz-Expires is
 *   the requested lifetime plus the window, so every request for the same object, expiry and
 *   disposition within a window gets the identical URL (browsers and CDNs cache it), and each
 *   URL stays valid at least the requested time.
 * - The bucket may only render what the catalog says: response-content-type is the sniffed
 *   type; response-content-disposition is inline only for the image/video types mediagate
 *   stores and asked for, attachment otherwise; the filename is <id>.<ext>, built from
 *   trusted parts only.
 */
#ifndef PRESIGN_POLICY_H
#define PRESIGN_POLICY_H

#include "media/catalog.h"
#include "media/error.h"
#include "media/s3_location.h"
#include "media/s3_sign.h"

#include <stdbool.h>
#include <time.h>

typedef struct presign_policy {
    long default_expires_s; /* MEDIAGATE_PRESIGN_EXPIRES_S (3600) */
    long max_expires_s;     /* MEDIAGATE_PRESIGN_MAX_EXPIRES_S (86400, <= 604800) */
    long window_s;          /* MEDIAGATE_PRESIGN_WINDOW_S (300) */
} presign_policy;

typedef enum {
    PRESIGN_DISPOSITION_DEFAULT,
    PRESIGN_INLINE,
    PRESIGN_ATTACHMENT
} presign_disposition;

/* Parse "inline" / "attachment" (NULL or "" = default). False for anything else. */
bool presign_disposition_parse(const char *s, presign_disposition *out);

typedef struct presign_url {
    char url[MEDIA_SIGV4_MAX_URL];
    time_t signed_at;     /* the signing time (the window's start, normally) */
    time_t expires_at;    /* when the URL stops working */
    long cache_max_age_s; /* for a redirect to it: shorter than its remaining life */
} presign_url;

/* The start of the signing window that `now` falls in: a URL signed at this time, for the
 * same object, expiry and disposition, is the URL presign_policy_url returns now. */
time_t presign_policy_window_start(const presign_policy *p, time_t now);
/* How long a redirect to a URL that stops working at expires_at may be cached at `now`. */
long presign_policy_cache_max_age(time_t expires_at, time_t now);

/*
 * Presign a GET for rec (must be ready). expires_s 0 = default. MEDIA_ERR_INVALID for an
 * expiry out of range (the message says the range).
 */
media_code presign_policy_url(const presign_policy *p, media_sigv4_signer *signer,
                              const media_endpoint *public_endpoint, media_s3_addressing addr,
                              const media_record *rec, long expires_s, presign_disposition disp,
                              time_t now, presign_url *out, media_error *err);

/* The file extension of a stored media type ("jpg", "png", ...; "bin" when unknown). */
const char *presign_extension(const char *content_type);

#endif
