/* test_catalog.c - the catalog's pure parts: statuses, tenants, object keys, record JSON.
 * (Everything that touches PostgreSQL is in tests/integration/test_catalog.c.) */
#include "cmocka_prelude.h"

#include "media/catalog.h"
#include "media/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_status_names_round_trip(void **st)
{
    (void)st;
    for (int s = MEDIA_STATUS_QUEUED; s <= MEDIA_STATUS_UPLOADING; s++) {
        media_status back;
        assert_true(media_status_parse(media_status_name((media_status)s), &back));
        assert_int_equal(back, s);
    }
    media_status x;
    assert_false(media_status_parse("READY", &x));
    assert_false(media_status_parse(NULL, &x));
}

static void test_tenant_ids(void **st)
{
    (void)st;
    assert_true(media_tenant_valid("acme"));
    assert_true(media_tenant_valid("a-b_c9"));
    assert_false(media_tenant_valid(""));
    assert_false(media_tenant_valid("-acme"));
    assert_false(media_tenant_valid("Acme"));
    assert_false(media_tenant_valid("a/b"));
    assert_false(media_tenant_valid("a b"));
    char long_id[80];
    memset(long_id, 'a', 64);
    long_id[64] = '\0';
    assert_false(media_tenant_valid(long_id));
}

static void test_object_key_is_derived_and_spread(void **st)
{
    (void)st;
    const char *id = "017f22e2-79b0-7fff-bfff-ffffffffffff";
    char key[MEDIA_OBJECT_KEY_MAX], again[MEDIA_OBJECT_KEY_MAX];
    media_object_key("acme", id, key);
    media_object_key("acme", id, again);
    assert_string_equal(key, again); /* never changes for a row */
    uint8_t h[32];
    char hex[65];
    media_sha256("acme/017f22e2-79b0-7fff-bfff-ffffffffffff", 41, h);
    media_hex(h, 32, hex);
    char want[MEDIA_OBJECT_KEY_MAX];
    snprintf(want, sizeof(want), "%.4s/acme/%s", hex, id);
    assert_string_equal(key, want);
    media_object_key("other", id, again);
    assert_string_not_equal(key, again);
}

static void test_record_json(void **st)
{
    (void)st;
    media_record r;
    memset(&r, 0, sizeof(r));
    strcpy(r.id, "017f22e2-79b0-7fff-bfff-ffffffffffff");
    strcpy(r.tenant, "acme");
    r.status = MEDIA_STATUS_FAILED;
    r.source_url = strdup("https://x/\"q\".jpg");
    r.metadata = strdup("{\"a\": 1}");
    r.size_bytes = -1;
    strcpy(r.error_class, "permanent");
    r.last_error = strdup("HTML is not media");
    r.http_status = 200;
    media_buf b;
    media_buf_init(&b, 4096);
    assert_int_equal(media_record_json(&r, &b), 0);
    assert_non_null(strstr(b.data, "\"status\":\"failed\""));
    assert_non_null(strstr(b.data, "\"source_url\":\"https://x/\\\"q\\\".jpg\""));
    assert_non_null(strstr(b.data, "\"size_bytes\":null"));
    assert_non_null(
        strstr(b.data, "\"error_class\":\"permanent\",\"error\":\"HTML is not media\""));
    assert_non_null(strstr(b.data, "\"content_type\":null"));
    media_buf_cleanup(&b);
    media_record_cleanup(&r);
}

static void test_record_time_ms(void **st)
{
    (void)st;
    assert_int_equal(media_record_time_ms("1970-01-01T00:00:00.000000Z"), 0);
    assert_int_equal(media_record_time_ms("2026-12-03T20:05:39.879123Z"), 1796328339879LL);
    assert_int_equal(media_record_time_ms("2000-02-29T23:59:59.999999Z"), 951868799999LL);
    assert_int_equal(media_record_time_ms(""), -1);
    assert_int_equal(media_record_time_ms(NULL), -1);
    assert_int_equal(media_record_time_ms("2026-12-03 20:05:39"), -1);
    assert_int_equal(media_record_time_ms("2026-13-03T20:05:39.000000Z"), -1);
    assert_int_equal(media_record_time_ms("2026-12-03T20:05:39.000000Z junk"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names_round_trip),
        cmocka_unit_test(test_tenant_ids),
        cmocka_unit_test(test_object_key_is_derived_and_spread),
        cmocka_unit_test(test_record_json),
        cmocka_unit_test(test_record_time_ms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
