/* fuzz_s3_xml.c - the scanner for S3's XML answers: element lookup, entity unescaping,
 * iteration over repeated elements. */
#include "media/xml.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *doc = (const char *)data;
    char out[256];
    static const char *const tags[] = {"Code", "Message", "UploadId", "ETag", "Key", "Upload"};
    for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
        if (media_xml_get(doc, size, tags[t], out, sizeof(out)) && strlen(out) >= sizeof(out))
            __builtin_trap();
    size_t pos = 0, guard = 0;
    const char *content;
    size_t len;
    while (media_xml_next(doc, size, "Upload", &pos, &content, &len) && guard++ < size + 1) {
        if (content < doc || content + len > doc + size || pos > size)
            __builtin_trap();
        long n = media_xml_text(content, len, out, sizeof(out));
        if (n >= (long)sizeof(out))
            __builtin_trap();
    }
    char esc[512];
    char in[128];
    size_t k = size < sizeof(in) - 1 ? size : sizeof(in) - 1;
    memcpy(in, data, k);
    in[k] = '\0';
    media_xml_escape(in, esc, sizeof(esc));
    return 0;
}
