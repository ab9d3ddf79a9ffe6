/*
 * scan.c - clamd's INSTREAM protocol over a socket (see scan.h).
 */
#include "scan.h"
#include "mem.h"

#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define CHUNK_MAX (1u << 20) /* below clamd's default StreamMaxLength; split larger writes */

struct media_scan {
    int fd;
    media_code failed;
    media_error err;
};

static media_error *scanner_down(media_error *err, const char *what)
{
    media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT, "the malware scanner %s: %s",
                    what, strerror(errno));
    return err;
}

static int connect_to(const char *addr, long timeout_ms, media_error *err)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int fd = -1;
    if (strncmp(addr, "unix:", 5) == 0) {
        struct sockaddr_un un = {.sun_family = AF_UNIX};
        if (strlen(addr + 5) >= sizeof(un.sun_path)) {
            media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                            "MEDIAGATE_SCAN_CLAMD: the socket path is too long");
            return -1;
        }
        memcpy(un.sun_path, addr + 5, strlen(addr + 5) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (fd >= 0 && connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0)
            return fd;
        scanner_down(err, "cannot be reached");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char host[256], port[16];
    const char *colon = strrchr(addr, ':');
    size_t hl = colon ? (size_t)(colon - addr) : 0;
    if (colon == NULL || hl == 0 || hl >= sizeof(host) || strlen(colon + 1) >= sizeof(port)) {
        media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                        "MEDIAGATE_SCAN_CLAMD is host:port or unix:/path");
        return -1;
    }
    const char *h = addr;
    if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']') { /* [v6]:port */
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, sizeof(port), "%s", colon + 1);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                        "the malware scanner's address does not resolve: %s", gai_strerror(gai));
        return -1;
    }
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        /* a connect bounded too: SO_SNDTIMEO applies to connect on Linux */
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0)
        scanner_down(err, "cannot be reached");
    freeaddrinfo(res);
    return fd;
}

static bool send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

media_scan *media_scan_open(const char *addr, long timeout_ms, media_error *err)
{
    int fd = connect_to(addr, timeout_ms, err);
    if (fd < 0)
        return NULL;
    if (!send_all(fd, "zINSTREAM", 10)) {
        scanner_down(err, "refused the stream");
        close(fd);
        return NULL;
    }
    media_scan *s = media_calloc(1, sizeof(*s));
    s->fd = fd;
    return s;
}

/* What the scanner said (after a failed send, it may have said why before closing). */
static void read_reply(media_scan *s, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = recv(s->fd, buf + n, cap - 1 - n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (memchr(buf, '\0', n) || memchr(buf, '\n', n))
            break;
    }
    buf[n] = '\0';
}

media_code media_scan_write(media_scan *s, const void *p, size_t n, media_error *err)
{
    const char *c = p;
    while (!s->failed && n > 0) {
        size_t take = n < CHUNK_MAX ? n : CHUNK_MAX;
        uint8_t len[4] = {(uint8_t)(take >> 24), (uint8_t)(take >> 16), (uint8_t)(take >> 8),
                          (uint8_t)take};
        if (!send_all(s->fd, len, 4) || !send_all(s->fd, c, take)) {
            char reply[256];
            scanner_down(&s->err, "stopped reading");
            read_reply(s, reply, sizeof(reply));
            if (reply[0])
                media_scan_verdict(reply, &s->err);
            s->failed = s->err.code;
        }
        c += take;
        n -= take;
    }
    if (s->failed && err)
        *err = s->err;
    return s->failed ? s->failed : MEDIA_OK;
}

media_code media_scan_verdict(const char *reply, media_error *err)
{
    char r[256];
    snprintf(r, sizeof(r), "%s", reply);
    r[strcspn(r, "\n")] = '\0';
    size_t n = strlen(r);
    const char *found = " FOUND";
    if (strstr(r, "size limit exceeded"))
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "refused by the malware scanner: larger than it scans "
                               "(its StreamMaxLength)");
    if (strcmp(r, "stream: OK") == 0)
        return MEDIA_OK;
    if (strncmp(r, "stream: ", 8) == 0 && n > 8 + strlen(found) &&
        strcmp(r + n - strlen(found), found) == 0) {
        r[n - strlen(found)] = '\0';
        return media_error_set(err, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT,
                               "refused by the malware scanner: %s", r + 8);
    }
    return media_error_set(err, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT,
                           "the malware scanner failed: %.200s", r[0] ? r : "no answer");
}

media_code media_scan_finish(media_scan *s, media_error *err)
{
    if (!s->failed) {
        char reply[256];
        if (!send_all(s->fd, "\0\0\0\0", 4)) {
            scanner_down(&s->err, "stopped reading");
            s->failed = s->err.code;
        } else {
            read_reply(s, reply, sizeof(reply));
            if (reply[0] == '\0') {
                scanner_down(&s->err, "gave no verdict");
                s->failed = s->err.code;
            } else {
                s->failed = media_scan_verdict(reply, &s->err);
            }
        }
    }
    if (s->failed && err)
        *err = s->err;
    return s->failed ? s->failed : MEDIA_OK;
}

void media_scan_close(media_scan *s)
{
    if (s == NULL)
        return;
    close(s->fd);
    free(s);
}
