/* test_worker_config.c - the worker's settings from a table: the PostgreSQL connection budget
 * (MEDIAGATE_DB_CONNECTIONS) bounds its threads (issue 11, item 5; issue 12). */
#include "cmocka_prelude.h"

#include "env_table.h"

#include "ingest/worker.h"

#include <string.h>

static media_code load(env_table *t, ingest_worker_config *c, media_error *err)
{
    media_store_config store;
    media_code rc = media_store_config_load(&store, env_table_lookup, t, err);
    if (rc != MEDIA_OK)
        return rc;
    return ingest_worker_config_load(c, &store, env_table_lookup, t, err);
}

#define STORE "MEDIAGATE_DATABASE_URL", "postgresql://h/db", "MEDIAGATE_REDIS_URL", "redis://h:1/0"

static void test_connection_budget_bounds_threads(void **st)
{
    (void)st;
    ingest_worker_config c;
    media_error err;
    env_table plain = {{STORE, NULL}};
    assert_int_equal(load(&plain, &c, &err), MEDIA_OK);
    assert_int_equal(c.concurrency, 4);
    assert_int_equal(c.store.db_connections, 0);
    env_table small = {{STORE, "MEDIAGATE_DB_CONNECTIONS", "4", NULL}};
    assert_int_equal(load(&small, &c, &err), MEDIA_OK);
    assert_int_equal(c.concurrency, 1); /* the default shrinks to fit 4 connections */
    env_table big = {{STORE, "MEDIAGATE_DB_CONNECTIONS", "50", NULL}};
    assert_int_equal(load(&big, &c, &err), MEDIA_OK);
    assert_int_equal(c.concurrency, 4);
    env_table over = {
        {STORE, "MEDIAGATE_DB_CONNECTIONS", "7", "MEDIAGATE_WORKER_CONCURRENCY", "5", NULL}};
    assert_int_equal(load(&over, &c, &err), MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "MEDIAGATE_WORKER_CONCURRENCY (5) + 3 keepers exceeds "
                                        "MEDIAGATE_DB_CONNECTIONS (7)"));
    env_table tiny = {{STORE, "MEDIAGATE_DB_CONNECTIONS", "3", NULL}};
    assert_int_equal(load(&tiny, &c, &err), MEDIA_ERR_CONFIG);
    env_table junk = {{STORE, "MEDIAGATE_DB_CONNECTIONS", "lots", NULL}};
    assert_int_equal(load(&junk, &c, &err), MEDIA_ERR_CONFIG);
    assert_non_null(strstr(err.message, "MEDIAGATE_DB_CONNECTIONS"));
    env_table hooks = {
        {STORE, "MEDIAGATE_WEBHOOK_ATTEMPTS", "3", "MEDIAGATE_WEBHOOK_TIMEOUT_S", "2", NULL}};
    assert_int_equal(load(&hooks, &c, &err), MEDIA_OK);
    assert_int_equal(c.notify.retry.max_attempts, 3);
    assert_int_equal(c.notify.timeout_s, 2);
    assert_int_equal(c.notify.retry.base_ms, 5000);
    env_table badhook = {{STORE, "MEDIAGATE_WEBHOOK_TIMEOUT_S", "0", NULL}};
    assert_int_equal(load(&badhook, &c, &err), MEDIA_ERR_CONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connection_budget_bounds_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
