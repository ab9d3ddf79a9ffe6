/* pgtest.c - a database per test binary on the stack's PostgreSQL. */
#include "../unit/cmocka_prelude.h"

#include "pgtest.h"
#include "media/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char admin_url[1024], test_url[1024], test_name[64];

const char *pgtest_create_database(const char *prefix)
{
    const char *url = getenv("MEDIAGATE_DATABASE_URL");
    if (url == NULL || strlen(url) >= sizeof(admin_url) - 64) {
        fprintf(stderr, "MEDIAGATE_DATABASE_URL must name the stack's database\n");
        exit(1);
    }
    snprintf(admin_url, sizeof(admin_url), "%s", url);
    snprintf(test_name, sizeof(test_name), "%s_%d", prefix, (int)getpid());
    /* same server and credentials, another database: replace the URL's path */
    const char *slash = strrchr(url, '/');
    snprintf(test_url, sizeof(test_url), "%.*s/%s", (int)(slash - url), url, test_name);
    media_error err;
    media_db *db = media_db_connect(admin_url, &err);
    if (db == NULL) {
        fprintf(stderr, "cannot reach PostgreSQL: %s\n", err.message);
        exit(1);
    }
    char sql[200];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", test_name);
    media_db_exec(db, sql, 0, NULL, NULL, &err);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", test_name);
    if (media_db_exec(db, sql, 0, NULL, NULL, &err) != MEDIA_OK) {
        fprintf(stderr, "CREATE DATABASE failed: %s\n", err.message);
        exit(1);
    }
    media_db_close(db);
    atexit(pgtest_drop_database);
    return test_url;
}

void pgtest_drop_database(void)
{
    media_error err;
    media_db *db = media_db_connect(admin_url, &err);
    if (db == NULL)
        return;
    char sql[200];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", test_name);
    media_db_exec(db, sql, 0, NULL, NULL, &err);
    media_db_close(db);
}

media_db *pgtest_connect(void)
{
    media_error err;
    media_db *db = media_db_connect(test_url, &err);
    if (db == NULL)
        fail_msg("connect: %s", err.message);
    return db;
}

void pgtest_exec(media_db *db, const char *sql)
{
    media_error err;
    if (media_db_exec_script(db, sql, &err) != MEDIA_OK)
        fail_msg("%s: %s", sql, err.message);
}

char *pgtest_scalar(media_db *db, const char *sql)
{
    media_error err;
    media_db_result *r;
    if (media_db_query(db, sql, 0, NULL, &r, &err) != MEDIA_OK)
        fail_msg("%s: %s", sql, err.message);
    char *v = media_strdup(media_db_result_value(r, 0, 0));
    media_db_result_free(r);
    return v;
}
