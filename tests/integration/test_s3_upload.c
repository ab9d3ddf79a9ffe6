/* test_s3_upload.c - media/s3_upload.c against the stack's real S3 server (Ceph RGW): each
 * mode stores exactly the bytes written and verifies them; every way an upload can go wrong
 * (input cut short, too many bytes, the writer giving up mid-multipart, the owner refusing
 * the opened upload) leaves no object and no multipart upload behind. */
#include "../unit/cmocka_prelude.h"

#include "media/config.h"
#include "media/hash.h"
#include "media/mem.h"
#include "media/s3_upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1024 * 1024)

static media_s3_client *s3;
static media_s3_config cfg;
static char prefix[64];

static const char *env(const char *name, void *ud)
{
    (void)ud;
    return getenv(name);
}

static int setup(void **st)
{
    (void)st;
    media_error err;
    if (media_s3_config_load(&cfg, env, NULL, &err) != MEDIA_OK) {
        fprintf(stderr, "S3 configuration: %s\n", err.message);
        return -1;
    }
    s3 = media_s3_client_new(&cfg, NULL, NULL, &err);
    if (s3 == NULL) {
        fprintf(stderr, "S3 client: %s\n", err.message);
        return -1;
    }
    snprintf(prefix, sizeof(prefix), "itest-upload-%d", (int)getpid());
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    media_s3_client_destroy(s3);
    media_s3_config_cleanup(&cfg);
    return 0;
}

/* deterministic bytes: a different stream per seed */
static char *bytes(size_t n, unsigned seed)
{
    char *b = media_malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[i] = (char)(seed >> 16);
    }
    return b;
}

static const media_s3_upload_options OPTS = {5 * MIB, 6 * MIB, 64 * 1024, "image/png", NULL};

/* write data in uneven chunks (so slots and the pipe wrap) and finish, with options o */
static media_code put_with(const media_s3_upload_options *o, const char *key, int64_t declared,
                           const char *data, size_t n, const media_s3_upload_hooks *hooks,
                           media_s3_upload_result *out, media_error *err)
{
    media_s3_uploader *u = media_s3_upload_new(s3, key, declared, o, hooks, err);
    assert_non_null(u);
    bool ok = true;
    for (size_t off = 0, chunk = 777; off < n && ok; off += chunk, chunk = chunk * 3 % 300007 + 1)
        ok = media_s3_upload_write(u, data + off, off + chunk > n ? n - off : chunk) == MEDIA_OK;
    return media_s3_upload_finish(u, ok, out, err);
}

static media_code put(const char *key, int64_t declared, const char *data, size_t n,
                      const media_s3_upload_hooks *hooks, media_s3_upload_result *out,
                      media_error *err)
{
    return put_with(&OPTS, key, declared, data, n, hooks, out, err);
}

/* the result's SHA-256 is that of the bytes written */
static void sha256_is(const media_s3_upload_result *r, const char *data, size_t n)
{
    uint8_t h[MEDIA_SHA256_LEN];
    media_sha256(data, n, h);
    assert_memory_equal(r->sha256, h, sizeof(h));
}

typedef struct {
    const char *want;
    size_t n, got;
    bool same;
} compare;

static int compare_bytes(void *ud, const char *data, size_t n)
{
    compare *c = ud;
    if (c->got + n > c->n || memcmp(c->want + c->got, data, n) != 0)
        c->same = false;
    c->got += n;
    return 0;
}

/* the object holds exactly data, with the type it was given */
static void stored_is(const char *key, const char *data, size_t n)
{
    media_s3_object_info info;
    media_error err;
    assert_int_equal(media_s3_head(s3, key, &info, &err), MEDIA_OK);
    assert_int_equal(info.content_length, (int64_t)n);
    assert_string_equal(info.content_type, "image/png");
    compare c = {data, n, 0, true};
    assert_int_equal(media_s3_get(s3, key, compare_bytes, &c, &info, &err), MEDIA_OK);
    assert_true(c.same);
    assert_int_equal(c.got, n);
}

static void absent(const char *key)
{
    media_s3_object_info info;
    media_error err;
    assert_int_not_equal(media_s3_head(s3, key, &info, &err), MEDIA_OK);
}

static int count_upload(void *ud, const media_s3_upload *u)
{
    (void)u;
    (*(int *)ud)++;
    return 0;
}

static int open_uploads(const char *key)
{
    int n = 0;
    media_error err;
    assert_int_equal(media_s3_multipart_list(s3, key, count_upload, &n, &err), MEDIA_OK);
    return n;
}

static void test_plan(void **st)
{
    (void)st;
    assert_int_equal(media_s3_upload_plan(0, &OPTS), MEDIA_S3_UPLOAD_STREAM);
    assert_int_equal(media_s3_upload_plan(6 * MIB, &OPTS), MEDIA_S3_UPLOAD_STREAM);
    assert_int_equal(media_s3_upload_plan(6 * MIB + 1, &OPTS), MEDIA_S3_UPLOAD_MULTIPART);
    assert_int_equal(media_s3_upload_plan(-1, &OPTS), MEDIA_S3_UPLOAD_MULTIPART);
}

static void test_stream_put(void **st)
{
    (void)st;
    char key[128];
    snprintf(key, sizeof(key), "%s/stream", prefix);
    size_t n = 3 * MIB + 17;
    char *d = bytes(n, 1);
    media_s3_upload_result r;
    media_error err;
    assert_int_equal(put(key, (int64_t)n, d, n, NULL, &r, &err), MEDIA_OK);
    assert_int_equal(r.parts, 0);
    assert_int_equal(r.size_bytes, (int64_t)n);
    uint8_t m[MEDIA_MD5_LEN];
    char hex[33];
    media_md5(d, n, m);
    media_hex(m, sizeof(m), hex);
    assert_string_equal(r.info.etag, hex);
    sha256_is(&r, d, n);
    stored_is(key, d, n);
    free(d);
}

static void test_multipart_and_whole_first_part(void **st)
{
    (void)st;
    char key[128];
    snprintf(key, sizeof(key), "%s/multi", prefix);
    size_t n = 12 * MIB + 5; /* three parts, the last short */
    char *d = bytes(n, 2);
    media_s3_upload_result r;
    media_error err;
    assert_int_equal(put(key, -1, d, n, NULL, &r, &err), MEDIA_OK);
    assert_int_equal(r.parts, 3);
    assert_non_null(strstr(r.info.etag, "-3"));
    sha256_is(&r, d, n);
    stored_is(key, d, n);
    /* parts of a size that is no multiple of 64: the part MD5s restart off the SHA-256's
     * block boundaries (hash_pair.h), and S3 still checks each part's Content-MD5 */
    media_s3_upload_options odd = OPTS;
    odd.part_size = 5 * MIB + 3;
    snprintf(key, sizeof(key), "%s/multi-odd", prefix);
    assert_int_equal(put_with(&odd, key, -1, d, n, NULL, &r, &err), MEDIA_OK);
    assert_int_equal(r.parts, 3);
    sha256_is(&r, d, n);
    stored_is(key, d, n);
    /* unknown length ending inside the first part: one PUT, no multipart */
    snprintf(key, sizeof(key), "%s/small", prefix);
    assert_int_equal(put(key, -1, d, 1000, NULL, &r, &err), MEDIA_OK);
    assert_int_equal(r.parts, 0);
    sha256_is(&r, d, 1000);
    stored_is(key, d, 1000);
    /* and an empty input is an empty object */
    snprintf(key, sizeof(key), "%s/empty", prefix);
    assert_int_equal(put(key, -1, d, 0, NULL, &r, &err), MEDIA_OK);
    sha256_is(&r, d, 0);
    stored_is(key, d, 0);
    free(d);
}

static void test_stream_lengths_must_match(void **st)
{
    (void)st;
    char key[128];
    char *d = bytes(MIB, 3);
    media_s3_upload_result r;
    media_error err;
    snprintf(key, sizeof(key), "%s/short", prefix);
    assert_int_equal(put(key, MIB, d, MIB - 10, NULL, &r, &err), MEDIA_ERR_CHECKSUM);
    assert_non_null(strstr(err.message, "fewer bytes"));
    absent(key);
    snprintf(key, sizeof(key), "%s/long", prefix);
    assert_int_equal(put(key, MIB - 10, d, MIB, NULL, &r, &err), MEDIA_ERR_CHECKSUM);
    assert_non_null(strstr(err.message, "more bytes"));
    absent(key);
    free(d);
}

static void test_writer_gives_up_mid_multipart(void **st)
{
    (void)st;
    char key[128];
    snprintf(key, sizeof(key), "%s/giveup", prefix);
    size_t n = 11 * MIB;
    char *d = bytes(n, 4);
    media_error err;
    media_s3_uploader *u = media_s3_upload_new(s3, key, -1, &OPTS, NULL, &err);
    assert_non_null(u);
    assert_int_equal(media_s3_upload_write(u, d, n), MEDIA_OK); /* two parts handed over */
    media_s3_upload_result r;
    assert_int_equal(media_s3_upload_finish(u, false, &r, &err), MEDIA_ERR_CANCELLED);
    assert_false(r.storage_failed);
    absent(key);
    assert_int_equal(open_uploads(key), 0);
    free(d);
}

typedef struct {
    char opened[256];
    int closed;
} hook_state;

static media_code refuse(void *ud, const char *upload_id, media_error *err)
{
    hook_state *h = ud;
    snprintf(h->opened, sizeof(h->opened), "%s", upload_id);
    return media_error_set(err, MEDIA_ERR_FENCED, MEDIA_CLASS_TRANSIENT, "claim taken over");
}

static void closed(void *ud, const char *upload_id)
{
    hook_state *h = ud;
    if (strcmp(upload_id, h->opened) == 0)
        h->closed++;
}

static void test_owner_refuses_the_upload(void **st)
{
    (void)st;
    char key[128];
    snprintf(key, sizeof(key), "%s/refused", prefix);
    size_t n = 7 * MIB;
    char *d = bytes(n, 5);
    hook_state h = {"", 0};
    media_s3_upload_hooks hooks = {refuse, closed, &h};
    media_s3_upload_result r;
    media_error err;
    assert_int_equal(put(key, -1, d, n, &hooks, &r, &err), MEDIA_ERR_FENCED);
    assert_true(r.storage_failed);
    assert_string_equal(err.message, "claim taken over");
    assert_true(h.opened[0] != '\0');
    assert_int_equal(h.closed, 1); /* the abort was confirmed and reported */
    absent(key);
    assert_int_equal(open_uploads(key), 0);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_stream_put),
        cmocka_unit_test(test_multipart_and_whole_first_part),
        cmocka_unit_test(test_stream_lengths_must_match),
        cmocka_unit_test(test_writer_gives_up_mid_multipart),
        cmocka_unit_test(test_owner_refuses_the_upload),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
