/*
 * trace.c - W3C Trace Context (see trace.h).
 */
#include "trace.h"
#include "uuid.h"

#include <stdio.h>
#include <string.h>

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* n lower-case hex digits, not all zero */
static bool hex_id(const char *s, size_t n)
{
    bool nonzero = false;
    for (size_t i = 0; i < n; i++) {
        if (!is_hex(s[i]))
            return false;
        nonzero |= s[i] != '0';
    }
    return nonzero;
}

static unsigned hex_byte(const char *s)
{
    unsigned hi = (unsigned)(s[0] <= '9' ? s[0] - '0' : s[0] - 'a' + 10);
    return hi * 16 + (unsigned)(s[1] <= '9' ? s[1] - '0' : s[1] - 'a' + 10);
}

bool media_traceparent_parse(const char *h, char trace_id[33], char parent_id[17], uint8_t *flags)
{
    /* vv-<32 hex>-<16 hex>-ff; a version after 00 may append "-..." */
    size_t n = h ? strlen(h) : 0;
    if (n < MEDIA_TRACEPARENT_LEN || !is_hex(h[0]) || !is_hex(h[1]) || h[2] != '-' ||
        h[35] != '-' || h[52] != '-' || !is_hex(h[53]) || !is_hex(h[54]))
        return false;
    unsigned version = hex_byte(h);
    if (version == 0xff)
        return false;
    if (version == 0 ? n != MEDIA_TRACEPARENT_LEN : (n > MEDIA_TRACEPARENT_LEN && h[55] != '-'))
        return false;
    if (!hex_id(h + 3, 32) || !hex_id(h + 36, 16))
        return false;
    memcpy(trace_id, h + 3, 32);
    trace_id[32] = '\0';
    memcpy(parent_id, h + 36, 16);
    parent_id[16] = '\0';
    *flags = (uint8_t)hex_byte(h + 53);
    return true;
}

bool media_tracestate_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > MEDIA_TRACESTATE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    return true;
}

/* xorshift128+ per thread, seeded once from getrandom: fast unique ids, not secrets */
static _Thread_local uint64_t rs[2];

static uint64_t next_random(void)
{
    if (rs[0] == 0 && rs[1] == 0)
        while (rs[0] == 0 && rs[1] == 0)
            media_random_bytes(rs, sizeof(rs));
    uint64_t x = rs[0];
    const uint64_t y = rs[1];
    rs[0] = y;
    x ^= x << 23;
    rs[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
    return rs[1] + y;
}

static void random_hex(char *out, size_t digits)
{
    static const char hex[] = "0123456789abcdef";
    for (;;) {
        bool nonzero = false;
        for (size_t i = 0; i < digits; i += 16) {
            uint64_t r = next_random();
            for (size_t k = 0; k < 16 && i + k < digits; k++, r >>= 4) {
                out[i + k] = hex[r & 15];
                nonzero |= (r & 15) != 0;
            }
        }
        out[digits] = '\0';
        if (nonzero)
            return;
    }
}

void media_trace_start(media_trace *t, const char *traceparent, const char *tracestate)
{
    memset(t, 0, sizeof(*t));
    if (media_traceparent_parse(traceparent, t->trace_id, t->parent_id, &t->flags)) {
        if (media_tracestate_valid(tracestate))
            snprintf(t->state, sizeof(t->state), "%s", tracestate);
    } else {
        random_hex(t->trace_id, 32);
        t->flags = 1;
    }
    random_hex(t->span_id, 16);
}

void media_trace_child(media_trace *t, const media_trace *parent)
{
    *t = *parent;
    memcpy(t->parent_id, parent->span_id, sizeof(t->parent_id));
    random_hex(t->span_id, 16);
}

void media_trace_header(const media_trace *t, char *out)
{
    if (t == NULL || t->trace_id[0] == '\0') {
        out[0] = '\0';
        return;
    }
    snprintf(out, MEDIA_TRACEPARENT_LEN + 1, "00-%s-%s-%02x", t->trace_id, t->span_id, t->flags);
}

static _Thread_local media_trace current;
static _Thread_local bool has_current;

void media_trace_set_current(const media_trace *t)
{
    has_current = t != NULL && t->trace_id[0];
    if (has_current)
        current = *t;
}

const media_trace *media_trace_current(void)
{
    return has_current ? &current : NULL;
}
