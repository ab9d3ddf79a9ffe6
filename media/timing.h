/*
 * timing.h - where a request's time went, per thread: the time spent in PostgreSQL, Redis and
 * S3 calls is added up by their adapters (db.c, redis.c, s3_client.c) on the calling thread,
 * and taken by whoever answers the request — serve's Server-Timing header (issue 29, item 6).
 * No locks: each thread owns its counters.
 */
#ifndef MEDIA_TIMING_H
#define MEDIA_TIMING_H

#include <stdint.h>

typedef enum {
    MEDIA_TIMING_DB,
    MEDIA_TIMING_REDIS,
    MEDIA_TIMING_S3,
    MEDIA_TIMING_KINDS,
} media_timing_kind;

/* Now, on the monotonic clock, in nanoseconds: the start of a call to time. */
int64_t media_timing_start(void);
/* Add the time since start_ns to this thread's counter of kind. */
void media_timing_add(media_timing_kind kind, int64_t start_ns);
/* This thread's counters since the last take (nanoseconds), then zero them. */
void media_timing_take(int64_t out[MEDIA_TIMING_KINDS]);

#endif
