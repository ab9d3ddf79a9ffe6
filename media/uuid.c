/*
 * uuid.c - UUIDv7 generation and validation.
 */
#include "uuid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void media_random_bytes(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"getrandom failed\"}\n");
            abort();
        }
        p += got;
        n -= (size_t)got;
    }
}

/* Random bytes for UUIDs, drawn from getrandom a block at a time (one syscall per 25 UUIDs
 * instead of one each). Per thread; the block is wiped as it is used. */
static void uuid_random(uint8_t out[10])
{
    static _Thread_local uint8_t pool[250];
    static _Thread_local size_t left;
    if (left < 10) {
        media_random_bytes(pool, sizeof(pool));
        left = sizeof(pool);
    }
    left -= 10;
    memcpy(out, pool + left, 10);
    memset(pool + left, 0, 10);
}

void media_uuid7_format(uint64_t unix_ms, const uint8_t random[10], char out[MEDIA_UUID_STR])
{
    uint8_t b[16];
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(unix_ms >> (40 - 8 * i));
    memcpy(b + 6, random, 10);
    b[6] = (uint8_t)(0x70 | (b[6] & 0x0f)); /* version 7 */
    b[8] = (uint8_t)(0x80 | (b[8] & 0x3f)); /* variant 10 */
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

void media_uuid7_new(char out[MEDIA_UUID_STR])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint8_t rnd[10];
    uuid_random(rnd);
    media_uuid7_format((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u, rnd, out);
}

bool media_uuid_valid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}
