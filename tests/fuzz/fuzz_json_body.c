/* fuzz_json_body.c - the JSON bodies the API parses: POST /api/v1/media, /webhooks,
 * /uploads, /uploads/{id}/complete and Uppy's routes. Any bytes give a status or a parsed
 * body, never a crash, a leak or a read out of bounds. */
#include "presign/api.h"

#include "media/webhook.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    presign_create_body b;
    const char *slug = NULL;
    char detail[256];
    int status =
        presign_create_body_parse((const char *)data, size, &b, &slug, detail, sizeof(detail));
    if (status == 0) {
        /* a parsed body always has a URL that passed the check, and metadata is an object */
        if (b.source_url == NULL || (b.metadata && b.metadata[0] != '{'))
            __builtin_trap();
        presign_create_body_cleanup(&b);
    } else if (slug == NULL || (status != 400 && status != 422)) {
        __builtin_trap();
    }
    char *url = NULL;
    unsigned events = 0;
    slug = NULL;
    status = presign_webhook_body_parse((const char *)data, size, &url, &events, &slug, detail,
                                        sizeof(detail));
    if (status == 0) {
        /* a parsed body has a URL and names only known events, at least one */
        if (url == NULL || events == 0 || (events & ~(unsigned)MEDIA_EVENT_ALL))
            __builtin_trap();
        free(url);
    } else if (slug == NULL || url != NULL || (status != 400 && status != 422)) {
        __builtin_trap();
    }
    presign_upload_body up;
    status =
        presign_upload_body_parse((const char *)data, size, &up, &slug, detail, sizeof(detail));
    if (status == 0) {
        if (up.size_bytes < 1)
            __builtin_trap();
        presign_upload_body_cleanup(&up);
    } else if (status != 400 && status != 422) {
        __builtin_trap();
    }
    presign_complete_body done;
    status =
        presign_complete_body_parse((const char *)data, size, &done, &slug, detail, sizeof(detail));
    for (size_t i = 1; status == 0 && i < done.count; i++)
        if (done.numbers[i] <= done.numbers[i - 1]) /* ascending, each once */
            __builtin_trap();
    presign_complete_body_cleanup(&done);
    status =
        presign_uppy_complete_parse((const char *)data, size, &done, &slug, detail, sizeof(detail));
    if (status == 0 && done.count == 0)
        __builtin_trap();
    presign_complete_body_cleanup(&done);
    char *f, *t, *m;
    if (presign_uppy_create_parse((const char *)data, size, &f, &t, &m, &slug, detail,
                                  sizeof(detail)) == 0) {
        free(f);
        free(t);
        free(m);
    }
    return 0;
}
