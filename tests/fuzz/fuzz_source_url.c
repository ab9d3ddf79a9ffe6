/* fuzz_source_url.c - source URL checks, the SSRF address classification, CIDR lists, and
 * the URL helpers that keep credentials out of messages. */
#include "media/ssrf.h"
#include "ingest/fetch.h"
#include "media/cidr.h"
#include "media/mem.h"
#include "media/redact.h"
#include "media/source_url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    media_error err;
    media_source_url_check(s, &err);
    ingest_url_check(s, &err);
    ingest_is_localhost_name(s);
    media_cidr_list l;
    if (media_cidr_list_parse("X", s, &l, &err) == MEDIA_OK && l.count > MEDIA_CIDR_MAX)
        __builtin_trap();
    if (size >= 16) {
        media_ssrf_classify_v4(data);
        media_ssrf_classify_v6(data);
        media_cidr_list_contains(&l, 10, data); /* AF_INET6 */
    }
    const char *ui;
    size_t n;
    if (media_url_userinfo(s, &ui, &n) && (ui < s || ui + n > s + size))
        __builtin_trap();
    char *norm = media_pg_url_normalize(s);
    media_redactor r;
    media_redactor_init_url(&r, s);
    media_redact(&r, norm);
    media_redactor_cleanup(&r);
    media_free_secret(norm);
    free(s);
    return 0;
}
