/*
 * timing.c - per-thread time spent in PostgreSQL, Redis and S3 calls (see timing.h).
 */
#include "timing.h"

#include <string.h>
#include <time.h>

static _Thread_local int64_t spent[MEDIA_TIMING_KINDS];

int64_t media_timing_start(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void media_timing_add(media_timing_kind kind, int64_t start_ns)
{
    spent[kind] += media_timing_start() - start_ns;
}

void media_timing_take(int64_t out[MEDIA_TIMING_KINDS])
{
    memcpy(out, spent, sizeof(spent));
    memset(spent, 0, sizeof(spent));
}
