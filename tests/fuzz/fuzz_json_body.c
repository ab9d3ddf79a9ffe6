/* fuzz_json_body.c - the bodies of POST /api/v1/media (presign_create_body_parse) and POST
 * /api/v1/webhooks (presign_webhook_body_parse): any bytes give a status or a parsed body,
 * never a crash, a leak or a read out of bounds. */
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
    return 0;
}
