/* test_redact.c - issue 15, defect 5: credentials never reach a message. */
#include "cmocka_prelude.h"

#include "media/mem.h"
#include "media/redact.h"

#include <stdlib.h>
#include <string.h>

static void scrub(const char *url, const char *text, const char *want)
{
    media_redactor r;
    media_redactor_init_url(&r, url);
    char buf[512];
    strcpy(buf, text);
    media_redact(&r, buf);
    assert_string_equal(buf, want);
    media_redactor_cleanup(&r);
}

static void test_userinfo_splits_at_the_last_at(void **st)
{
    (void)st;
    const char *ui;
    size_t n;
    assert_true(media_url_userinfo("postgresql://u:p@ss@h:5432/db", &ui, &n));
    assert_int_equal(n, strlen("u:p@ss"));
    assert_memory_equal(ui, "u:p@ss", n);
    assert_true(media_url_userinfo("redis://:a@b@c@host/0", &ui, &n));
    assert_memory_equal(ui, ":a@b@c", n);
    assert_false(media_url_userinfo("postgresql://h/db?x=a@b", &ui, &n)); /* '@' in the query */
    assert_false(media_url_userinfo("host=h password=x", &ui, &n));
    assert_false(media_url_userinfo(NULL, &ui, &n));
}

static void test_every_form_of_the_password_is_scrubbed(void **st)
{
    (void)st;
    /* what libpq printed for these URLs before the fix */
    scrub("postgresql://u:s3cr%zzet@h/db", "invalid percent-encoded token: \"s3cr%zzet\"",
          "invalid percent-encoded token: \"***\"");
    scrub("postgresql://u:s3cr@et@h/db", "could not translate host name \"et@h\" to address",
          "could not translate host name \"et@h\" to address"); /* no secret in it now */
    scrub("postgresql://u:p%40ss%25word@h/db", "a p%40ss%25word b p@ss%word c", "a *** b *** c");
    scrub("host=h user=u password=hunter22 dbname=x", "auth failed: hunter22", "auth failed: ***");
    scrub("host=h password='two words' dbname=x", "x two words y", "x *** y");
    scrub("redis://:sesame@h:6379", "Redis sesame:6379", "Redis ***:6379");
    scrub("postgresql://h/db", "nothing to hide", "nothing to hide");
    scrub("postgresql://u:**@h/db", "a ** b ***", "a ** b ***"); /* a secret of '*'s ends */
    scrub("postgresql://u:ab@h/db", "abcab", "**c**");
    /* found by fuzz_source_url: a password decoding to a NUL first gave an empty secret, and
     * scrubbing looped forever */
    scrub("Oes://:%00t'4@h", "no %00t'4 here", "no *** here");
    scrub("postgresql://u:%00@h/db", "left as is", "left as is");
}

static void test_pg_url_is_normalized_for_libpq(void **st)
{
    (void)st;
    char *u = media_pg_url_normalize("postgresql://u:p@ss@h:5432/db?sslmode=disable");
    assert_string_equal(u, "postgresql://u:p%40ss@h:5432/db?sslmode=disable");
    media_free_secret(u);
    u = media_pg_url_normalize("postgresql://u:plain@h/db");
    assert_string_equal(u, "postgresql://u:plain@h/db");
    media_free_secret(u);
    u = media_pg_url_normalize("host=h password=a@b");
    assert_string_equal(u, "host=h password=a@b");
    media_free_secret(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_userinfo_splits_at_the_last_at),
        cmocka_unit_test(test_every_form_of_the_password_is_scrubbed),
        cmocka_unit_test(test_pg_url_is_normalized_for_libpq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
