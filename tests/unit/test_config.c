/* test_config.c - S3 configuration from a table, errors naming the variable, no secrets. */
#include "cmocka_prelude.h"

#include "env_table.h"

#include "media/config.h"

#include <string.h>

#define SECRET "s3cr3t-value-never-echoed"

static void test_minimal_config_defaults_to_aws(void **st)
{
    (void)st;
    env_table t = {{"AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", SECRET, NULL}};
    media_s3_config c;
    media_error err;
    assert_int_equal(media_s3_config_load(&c, env_table_lookup, &t, &err), MEDIA_OK);
    assert_string_equal(c.region, "us-east-1");
    assert_string_equal(c.endpoint.host, "s3.us-east-1.amazonaws.com");
    assert_true(c.endpoint.https);
    assert_int_equal(c.addressing, MEDIA_S3_ADDRESSING_VIRTUAL);
    assert_true(c.verify_tls);
    assert_null(c.session_token);
    assert_string_equal(c.bucket, "");
    media_s3_config_cleanup(&c);
}

static void test_custom_endpoint_public_endpoint_and_addressing(void **st)
{
    (void)st;
    env_table t = {{"AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", SECRET, "AWS_SESSION_TOKEN",
                    "tok", "AWS_REGION", "eu-west-1", "MEDIAGATE_S3_ENDPOINT",
                    "http://127.0.0.1:7480", "MEDIAGATE_S3_PUBLIC_ENDPOINT",
                    "https://cdn.example.com", "MEDIAGATE_S3_BUCKET", "media", NULL}};
    media_s3_config c;
    assert_int_equal(media_s3_config_load(&c, env_table_lookup, &t, NULL), MEDIA_OK);
    assert_int_equal(c.addressing, MEDIA_S3_ADDRESSING_PATH);
    assert_int_equal(c.endpoint.port, 7480);
    assert_string_equal(c.public_endpoint.host, "cdn.example.com");
    assert_string_equal(c.session_token, "tok");
    assert_string_equal(c.bucket, "media");
    assert_string_equal(c.region, "eu-west-1");
    media_s3_config_cleanup(&c);
}

static void expect_error(env_table *t, const char *names_var)
{
    media_s3_config c;
    media_error err;
    assert_int_equal(media_s3_config_load(&c, env_table_lookup, t, &err), MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, names_var));
    assert_null(strstr(err.message, SECRET));
}

static void test_errors_name_the_variable(void **st)
{
    (void)st;
    env_table none = {{NULL}};
    expect_error(&none, "AWS_ACCESS_KEY_ID");
    env_table nosecret = {{"AWS_ACCESS_KEY_ID", "AK", NULL}};
    expect_error(&nosecret, "AWS_SECRET_ACCESS_KEY");
    env_table badep = {{"AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", SECRET,
                        "MEDIAGATE_S3_ENDPOINT", "127.0.0.1:7480", NULL}};
    expect_error(&badep, "MEDIAGATE_S3_ENDPOINT");
    env_table badaddr = {{"AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", SECRET,
                          "MEDIAGATE_S3_ADDRESSING", "sideways", NULL}};
    expect_error(&badaddr, "MEDIAGATE_S3_ADDRESSING");
    env_table virt_ip = {{"AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", SECRET,
                          "MEDIAGATE_S3_ENDPOINT", "http://127.0.0.1:1", "MEDIAGATE_S3_ADDRESSING",
                          "virtual", NULL}};
    expect_error(&virt_ip, "MEDIAGATE_S3_ADDRESSING");
    env_table badbucket = {{"AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", SECRET,
                            "MEDIAGATE_S3_BUCKET", "Not_A_Bucket", NULL}};
    expect_error(&badbucket, "MEDIAGATE_S3_BUCKET");
    env_table badregion = {{"AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", SECRET,
                            "AWS_REGION", "us east", NULL}};
    expect_error(&badregion, "AWS_REGION");
    env_table badstitch = {{"AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", SECRET,
                            "MEDIAGATE_HASH_STITCH", "yes", NULL}};
    expect_error(&badstitch, "MEDIAGATE_HASH_STITCH");
    /* issue 15, defect 8: a session token is bounded, and refused by name, not echoed */
    static char long_token[MEDIA_SESSION_TOKEN_MAX + 2];
    memset(long_token, 'T', sizeof(long_token) - 1);
    env_table longtok = {{"AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", SECRET,
                          "AWS_SESSION_TOKEN", long_token, NULL}};
    expect_error(&longtok, "AWS_SESSION_TOKEN");
    long_token[MEDIA_SESSION_TOKEN_MAX] = '\0';
    media_s3_config c;
    media_error err;
    assert_int_equal(media_s3_config_load(&c, env_table_lookup, &longtok, &err), MEDIA_OK);
    assert_int_equal(strlen(c.session_token), MEDIA_SESSION_TOKEN_MAX);
    media_s3_config_cleanup(&c);
}

static void test_config_long(void **st)
{
    (void)st;
    env_table t = {{"N", "42", "J", "4x2", "BIG", "99999", NULL}};
    long v;
    media_error err;
    assert_int_equal(media_config_long(env_table_lookup, &t, "N", 1, 0, 100, &v, &err), MEDIA_OK);
    assert_int_equal(v, 42);
    assert_int_equal(media_config_long(env_table_lookup, &t, "UNSET", 7, 0, 100, &v, &err),
                     MEDIA_OK);
    assert_int_equal(v, 7);
    assert_int_equal(media_config_long(env_table_lookup, &t, "J", 1, 0, 100, &v, &err),
                     MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "J must be"));
    assert_int_equal(media_config_long(env_table_lookup, &t, "BIG", 1, 0, 100, &v, &err),
                     MEDIA_ERR_CONFIG);
}

static void test_store_config(void **st)
{
    (void)st;
    media_store_config c;
    media_error err;
    env_table none = {{NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &none, &err), MEDIA_OK);
    assert_string_equal(c.queue_prefix, "mediagate");
    assert_true(c.db_prepare);
    env_table noprep = {{"MEDIAGATE_DB_PREPARE", "off", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &noprep, &err), MEDIA_OK);
    assert_false(c.db_prepare);
    env_table badprep = {{"MEDIAGATE_DB_PREPARE", "no", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &badprep, &err),
                     MEDIA_ERR_CONFIG);
    assert_string_equal(err.message, "MEDIAGATE_DB_PREPARE must be on or off");
    assert_int_equal(media_store_config_need(&c, true, false, &err), MEDIA_ERR_CONFIG);
    assert_string_equal(err.message, "MEDIAGATE_DATABASE_URL is not set");
    assert_int_equal(media_store_config_need(&c, false, true, &err), MEDIA_ERR_CONFIG);
    assert_string_equal(err.message, "MEDIAGATE_REDIS_URL is not set");
    assert_int_equal(media_store_config_need(&c, false, false, &err), MEDIA_OK);

    env_table ok = {{"MEDIAGATE_DATABASE_URL", "postgresql://u:" SECRET "@db/m",
                     "MEDIAGATE_REDIS_URL", "redis://:" SECRET "@r:6379/0",
                     "MEDIAGATE_QUEUE_PREFIX", "{app}:jobs", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &ok, &err), MEDIA_OK);
    assert_int_equal(media_store_config_need(&c, true, true, &err), MEDIA_OK);
    assert_string_equal(c.queue_prefix, "{app}:jobs");

    env_table tls = {{"MEDIAGATE_REDIS_URL", "rediss://:" SECRET "@r:6380", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &tls, &err), MEDIA_ERR_CONFIG);
    assert_null(strstr(err.message, SECRET));
    env_table spaced = {{"MEDIAGATE_QUEUE_PREFIX", "my app", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &spaced, &err),
                     MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "MEDIAGATE_QUEUE_PREFIX"));
    char long_url[1100];
    memset(long_url, 'x', sizeof(long_url) - 1);
    long_url[sizeof(long_url) - 1] = '\0';
    env_table big = {{"MEDIAGATE_DATABASE_URL", long_url, NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &big, &err), MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "MEDIAGATE_DATABASE_URL"));
}

/* issue 12: Redis Sentinel settings become the redis-sentinel:// URL the adapter reads; the
 * password and database come from MEDIAGATE_REDIS_URL; bad lists are refused, never echoed. */
static void test_store_config_sentinels(void **st)
{
    (void)st;
    media_store_config c;
    media_error err;
    env_table plain = {{"MEDIAGATE_REDIS_SENTINELS", "127.0.0.1:26379,[::1]:26380,s3", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &plain, &err), MEDIA_OK);
    assert_string_equal(c.redis_url, "redis-sentinel://127.0.0.1:26379,[::1]:26380,s3/mediagate/0");
    env_table full = {{"MEDIAGATE_REDIS_SENTINELS", "a:1,b:2", "MEDIAGATE_REDIS_MASTER", "jobs",
                       "MEDIAGATE_REDIS_URL", "redis://:" SECRET "@/3", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &full, &err), MEDIA_OK);
    assert_string_equal(c.redis_url, "redis-sentinel://:" SECRET "@a:1,b:2/jobs/3");
    env_table bad_list = {{"MEDIAGATE_REDIS_SENTINELS", "a:1,,b:2", "MEDIAGATE_REDIS_URL",
                           "redis://:" SECRET "@/0", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &bad_list, &err),
                     MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "MEDIAGATE_REDIS_SENTINELS must be"));
    assert_null(strstr(err.message, SECRET));
    env_table bad_port = {{"MEDIAGATE_REDIS_SENTINELS", "a:0", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &bad_port, &err),
                     MEDIA_ERR_CONFIG);
    env_table bad_master = {
        {"MEDIAGATE_REDIS_SENTINELS", "a:1", "MEDIAGATE_REDIS_MASTER", "my master", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &bad_master, &err),
                     MEDIA_ERR_CONFIG);
    env_table nine = {{"MEDIAGATE_REDIS_SENTINELS", "a,b,c,d,e,f,g,h,i", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &nine, &err), MEDIA_ERR_CONFIG);
    env_table host_too = {
        {"MEDIAGATE_REDIS_SENTINELS", "a:1", "MEDIAGATE_REDIS_URL", "http://x", NULL}};
    assert_int_equal(media_store_config_load(&c, env_table_lookup, &host_too, &err),
                     MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "may only give the password"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_config_sentinels),
        cmocka_unit_test(test_minimal_config_defaults_to_aws),
        cmocka_unit_test(test_custom_endpoint_public_endpoint_and_addressing),
        cmocka_unit_test(test_errors_name_the_variable),
        cmocka_unit_test(test_config_long),
        cmocka_unit_test(test_store_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
