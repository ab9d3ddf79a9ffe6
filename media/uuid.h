/*
 * uuid.h - UUIDv7 media ids (RFC 9562): 48-bit Unix milliseconds, version 7, 74 random bits.
 * Time-ordered, so catalog rows are inserted at the right edge of the primary key and listing
 * by (created_at, id) agrees with id order.
 */
#ifndef MEDIA_UUID_H
#define MEDIA_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIA_UUID_STR 37 /* 36 characters + NUL */

/* Pure: format the UUIDv7 for unix_ms and 10 random bytes as lower-case 8-4-4-4-12 text. */
void media_uuid7_format(uint64_t unix_ms, const uint8_t random[10], char out[MEDIA_UUID_STR]);
/* A fresh UUIDv7 from the real-time clock and getrandom(2). */
void media_uuid7_new(char out[MEDIA_UUID_STR]);
/* True when s is a canonical lower- or upper-case 8-4-4-4-12 hex UUID (any version). */
bool media_uuid_valid(const char *s);
/* Fill buf with n cryptographically random bytes (getrandom; aborts if the kernel cannot). */
void media_random_bytes(void *buf, size_t n);

#endif
