/*
 * bench_presign.c - presigned URLs per second on one core, in-process, signing key cached.
 *
 * usage: bench_presign [SECONDS]   (default 3)
 * Each iteration locates a key (path-style, custom port; 4,096 distinct keys made up front, as
 * the front end gets its key from a record), presigns a GET with response-content-type and
 * response-content-disposition overrides, and builds the URL the way presign/policy.c does,
 * as the front end does per request. Prints one JSON line.
 */
#include "media/s3_location.h"
#include "media/s3_sign.h"
#include "media/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    media_aws_credentials creds = {"AKIDBENCHMARK0000001",
                                   "benchmarksecretkey0000000000000000000001", NULL};
    media_error err;
    media_sigv4_signer *s = media_sigv4_signer_new(&creds, "us-east-1", "s3", &err);
    media_endpoint ep;
    media_endpoint_parse("http://127.0.0.1:7480", &ep, &err);
    enum { NKEYS = 4096 };
    static char keys[NKEYS][64];
    for (int i = 0; i < NKEYS; i++)
        snprintf(keys[i], sizeof(keys[i]), "t/4f/0192f0c4-7e1a-7b3c-9d2e-%012d.jpg", i);
    char query[2048], url[8192];
    media_s3_location loc;
    unsigned long n = 0, check = 0;
    double t0 = now_s(), t1;
    do {
        for (int i = 0; i < 1000; i++, n++) {
            media_s3_locate(&ep, MEDIA_S3_ADDRESSING_PATH, "media", keys[n % NKEYS], &loc, &err);
            media_sigv4_presign_request req = {"GET",
                                               loc.host,
                                               loc.path,
                                               "20261122T080000Z",
                                               3600,
                                               "image/jpeg",
                                               "inline; filename=\"a.jpg\"",
                                               NULL,
                                               NULL,
                                               NULL,
                                               NULL};
            if (media_sigv4_presign(s, &req, query, sizeof(query), NULL, &err) != MEDIA_OK) {
                fprintf(stderr, "presign failed: %s\n", err.message);
                return 1;
            }
            media_sb u = media_sb_over(url, sizeof(url));
            media_sb_puts(&u, loc.origin);
            media_sb_puts(&u, loc.path);
            media_sb_putc(&u, '?');
            media_sb_puts(&u, query);
            check += u.len;
        }
        t1 = now_s();
    } while (t1 - t0 < seconds);
    printf("{\"urls\":%lu,\"seconds\":%.3f,\"urls_per_second\":%.0f,\"avg_url_bytes\":%lu}\n", n,
           t1 - t0, n / (t1 - t0), check / n);
    media_sigv4_signer_destroy(s);
    return 0;
}
