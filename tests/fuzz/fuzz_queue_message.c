/* fuzz_queue_message.c - decoding a stream entry's fields into a job: any names and values
 * (any length, any bytes) give a bounded, NUL-terminated job or a refusal. */
#include "media/queue.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* fields are separated by 0x00, names from values by 0x01 */
    const char *names[16], *values[16];
    size_t nl[16], vl[16], n = 0;
    const char *p = (const char *)data, *end = p + size;
    while (p < end && n < 16) {
        const char *stop = memchr(p, 0, (size_t)(end - p));
        if (stop == NULL)
            stop = end;
        const char *sep = memchr(p, 1, (size_t)(stop - p));
        names[n] = p;
        nl[n] = sep ? (size_t)(sep - p) : (size_t)(stop - p);
        values[n] = sep ? sep + 1 : stop;
        vl[n] = sep ? (size_t)(stop - sep - 1) : 0;
        n++;
        p = stop + 1;
    }
    media_job job;
    memset(&job, 0, sizeof(job));
    bool ok = media_job_from_fields(n, names, nl, values, vl, &job);
    if (ok && (job.media_id[0] == '\0' || strlen(job.source_url) >= sizeof(job.source_url) ||
               job.attempt < 0 || job.deliveries != 1))
        __builtin_trap();
    return 0;
}
