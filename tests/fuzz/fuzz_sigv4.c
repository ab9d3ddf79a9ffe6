/* fuzz_sigv4.c - SigV4 canonicalisation: a canonical query from arbitrary names and values,
 * and a presigned URL for an arbitrary host and path; output always NUL-terminated and in
 * bounds, errors as values. */
#include "media/s3_sign.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    /* split at NUL-free separators: name=value pairs on '\n', fields on '=' */
    media_kv kv[8];
    size_t n = 0;
    char *save = NULL, *copy = strdup(s);
    for (char *line = strtok_r(copy, "\n", &save); line && n < 8;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (eq)
            *eq = '\0';
        kv[n++] = (media_kv){line, eq ? eq + 1 : NULL};
    }
    char out[2048];
    media_error err;
    if (media_sigv4_canonical_query(kv, n, out, sizeof(out), &err) == MEDIA_OK &&
        strlen(out) >= sizeof(out))
        __builtin_trap();
    media_aws_credentials cred = {"AKIDEXAMPLE", "secret", n > 2 ? kv[2].name : NULL};
    media_sigv4_signer *signer = media_sigv4_signer_new(&cred, "us-east-1", "s3", NULL);
    if (signer) {
        char *path = malloc(size + 2);
        path[0] = '/';
        memcpy(path + 1, s, size + 1);
        media_sigv4_presign_request req = {"GET", n > 0 ? kv[0].name : "h",
                                           path,  "20130524T000000Z",
                                           86400, n > 1 ? kv[1].name : NULL,
                                           NULL,  NULL,
                                           NULL,  NULL,
                                           NULL};
        char q[MEDIA_SIGV4_MAX_QUERY];
        if (media_sigv4_presign(signer, &req, q, sizeof(q), NULL, &err) == MEDIA_OK &&
            strstr(q, "X-Amz-Signature=") == NULL)
            __builtin_trap();
        free(path);
        media_sigv4_signer_destroy(signer);
    }
    free(copy);
    free(s);
    return 0;
}
