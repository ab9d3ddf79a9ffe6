/* fuzz_json_body.c - the body of POST /api/v1/media (presign_create_body_parse): any bytes
 * give a status or a parsed body, never a crash, a leak or a read out of bounds. */
#include "presign/api.h"

#include <stdint.h>
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
    return 0;
}
