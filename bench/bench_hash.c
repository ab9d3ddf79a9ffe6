/* bench_hash.c - the hashing floor of an ingest: CPU seconds per GiB for MD5 and SHA-256
 * each on its own (OpenSSL through media/hash.h: the floor issue 14 names), and for the
 * pair the uploads now compute (media/hash_pair.h: one loop where the CPU has the SHA
 * extensions), 64 KiB updates as the transfers make them. Used by bench/cpu_per_gib.sh;
 * prints one line of key=value. */
#include "media/hash.h"
#include "media/hash_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double per_gib(media_digest_kind kind, const unsigned char *buf, size_t chunk, int mib)
{
    uint8_t out[32];
    media_digest *d = media_digest_new(kind);
    double t0 = cpu_s();
    for (size_t done = 0; done < (size_t)mib << 20; done += chunk)
        media_digest_update(d, buf, chunk);
    media_digest_final(d, out);
    double t = cpu_s() - t0;
    media_digest_destroy(d);
    return t * 1024.0 / mib;
}

static double pair_per_gib(const unsigned char *buf, size_t chunk, int mib)
{
    uint8_t m[MEDIA_MD5_LEN], s[MEDIA_SHA256_LEN];
    media_hash_pair *p = media_hash_pair_new();
    double t0 = cpu_s();
    for (size_t done = 0; done < (size_t)mib << 20; done += chunk)
        media_hash_pair_update(p, buf, chunk);
    media_hash_pair_md5(p, m);
    media_hash_pair_sha256(p, s);
    double t = cpu_s() - t0;
    media_hash_pair_destroy(p);
    return t * 1024.0 / mib;
}

int main(int argc, char **argv)
{
    int mib = argc > 1 ? atoi(argv[1]) : 1024;
    if (mib < 1)
        mib = 1024;
    size_t chunk = 64 * 1024;
    unsigned char *buf = malloc(chunk);
    if (buf == NULL)
        return 1;
    for (size_t i = 0; i < chunk; i++)
        buf[i] = (unsigned char)(i * 2654435761u >> 13);
    double md5 = per_gib(MEDIA_DIGEST_MD5, buf, chunk, mib);
    double sha = per_gib(MEDIA_DIGEST_SHA256, buf, chunk, mib);
    double pair = pair_per_gib(buf, chunk, mib);
    printf("md5_s_per_gib=%.3f sha256_s_per_gib=%.3f floor_s_per_gib=%.3f pair_s_per_gib=%.3f "
           "pair_stitched=%d\n",
           md5, sha, md5 + sha, pair, media_hash_pair_stitched());
    free(buf);
    return 0;
}
