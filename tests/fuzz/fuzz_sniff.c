/* fuzz_sniff.c - content sniffing: any bytes are a known media type or a named refusal. */
#include "media/sniff.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *what = NULL;
    const char *type = media_sniff(data, size, &what);
    if (type == NULL && what == NULL)
        __builtin_trap();
    media_type_set all;
    media_error err;
    media_type_set_parse("image/jpeg,image/png,image/gif,image/webp,image/avif,image/heic,"
                         "image/heif,video/mp4,video/quicktime",
                         &all, &err);
    const char *t2;
    media_code rc = media_sniff_check(data, size, &all, &t2, &err);
    if ((rc == MEDIA_OK) != (type != NULL))
        __builtin_trap(); /* with every type allowed, the check agrees with the sniff */
    return 0;
}
