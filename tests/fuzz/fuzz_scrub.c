/* fuzz_scrub.c - the metadata scrubbers (media/scrub.c) on hostile bytes. The first byte picks
 * the format and the policy; the rest is the file. Traps on a crash, a sanitizer report, and
 * on output that scrubbing again would change (the scrubbers are idempotent), or that a
 * chunk-by-chunk write (in pieces the input's second byte sizes) scrubs differently. */
#include "media/scrub.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int to_buf(void *ud, const char *p, size_t n)
{
    return media_buf_append(ud, p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const char *const types[] = {"image/jpeg", "image/png", "image/gif", "image/webp"};
    const char *type = types[data[0] & 3];
    media_metadata m = (data[0] >> 2) & 1 ? MEDIA_METADATA_KEEP_COPYRIGHT : MEDIA_METADATA_STRIP;
    size_t piece = (size_t)data[1] % 7 + 1;
    data += 2;
    size -= 2;
    media_buf once, pieces, twice;
    media_buf_init(&once, 1 << 22);
    media_buf_init(&pieces, 1 << 22);
    media_buf_init(&twice, 1 << 22);
    media_error err;
    media_code rc = media_scrub_buffer(type, m, data, size, &once, &err);
    media_scrub *s = media_scrub_new(type, m, to_buf, &pieces);
    media_code rc2 = MEDIA_OK;
    for (size_t i = 0; i < size && rc2 == MEDIA_OK; i += piece)
        rc2 = media_scrub_write(s, data + i, size - i < piece ? size - i : piece, &err);
    if (rc2 == MEDIA_OK)
        rc2 = media_scrub_finish(s, &err);
    media_scrub_destroy(s);
    if (rc != rc2 || (rc == MEDIA_OK && (once.len != pieces.len ||
                                         (once.len && memcmp(once.data, pieces.data, once.len)))))
        __builtin_trap();
    if (rc == MEDIA_OK) {
        if (media_scrub_buffer(type, m, once.data, once.len, &twice, &err) != MEDIA_OK ||
            twice.len != once.len || (once.len && memcmp(twice.data, once.data, once.len)))
            __builtin_trap();
    }
    media_buf_cleanup(&once);
    media_buf_cleanup(&pieces);
    media_buf_cleanup(&twice);
    return 0;
}
