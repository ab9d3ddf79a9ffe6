/*
 * migrations.c - apply and inspect schema migrations under an advisory lock.
 */
#include "migrations.h"
#include "hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_advisory_lock key: "mediagat" as a big-endian 64-bit integer */
#define MIGRATE_LOCK "7882826979012617588"

static const char *CREATE_TABLE =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

int media_migrations_latest(void)
{
    return media_migration_count ? media_migration_table[media_migration_count - 1].version : 0;
}

void media_migration_checksum(const media_migration *m, char out[65])
{
    uint8_t h[MEDIA_SHA256_LEN];
    media_sha256(m->sql, m->len, h);
    media_hex(h, sizeof(h), out);
}

/* Compare what the database recorded with list; fills states when given. */
static media_code verify(media_db *db, const media_migration *list, size_t n,
                         media_migration_state *states, bool strict, media_error *err)
{
    media_db_result *r;
    media_code rc =
        media_db_query(db,
                       "SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', "
                       "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM schema_migrations ORDER BY version",
                       0, NULL, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    for (size_t i = 0; i < n && states; i++) {
        memset(&states[i], 0, sizeof(states[i]));
        states[i].version = list[i].version;
        snprintf(states[i].name, sizeof(states[i].name), "%s", list[i].name);
    }
    for (int row = 0; row < media_db_result_rows(r); row++) {
        int version = atoi(media_db_result_value(r, row, 0));
        const char *sum = media_db_result_value(r, row, 2);
        size_t i = 0;
        while (i < n && list[i].version != version)
            i++;
        if (i == n) {
            if (strict) {
                rc = media_error_set(err, MEDIA_ERR_SCHEMA, MEDIA_CLASS_PERMANENT,
                                     "the database has migration %d, which this build does not "
                                     "ship: it was migrated by a newer mediagate",
                                     version);
                break;
            }
            continue;
        }
        char want[65];
        media_migration_checksum(&list[i], want);
        bool ok = strcmp(want, sum ? sum : "") == 0;
        if (states) {
            states[i].applied = true;
            states[i].checksum_ok = ok;
            snprintf(states[i].applied_at, sizeof(states[i].applied_at), "%s",
                     media_db_result_value(r, row, 3));
        }
        if (!ok && strict) {
            rc = media_error_set(err, MEDIA_ERR_SCHEMA, MEDIA_CLASS_PERMANENT,
                                 "migration %s was applied with a different checksum than the "
                                 "file shipped now: applied migrations must never be edited",
                                 list[i].name);
            break;
        }
    }
    media_db_result_free(r);
    return rc;
}

static bool is_applied(media_db *db, int version, bool *applied, media_error *err)
{
    char v[16];
    snprintf(v, sizeof(v), "%d", version);
    const char *p[] = {v};
    media_db_result *r;
    if (media_db_query(db, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, p, &r, err) !=
        MEDIA_OK)
        return false;
    *applied = media_db_result_rows(r) > 0;
    media_db_result_free(r);
    return true;
}

/* One migration in one transaction, under a transaction-level advisory lock: one replica at a
 * time, and the lock ends with the transaction, so it works through a transaction-pooling
 * pgbouncer too (a session lock taken on one server connection could be "released" on
 * another and stay held). *done: it was already applied. verify: check the applied
 * checksums first (once per run). */
static media_code apply_one(media_db *db, const media_migration *list, size_t n, size_t i,
                            bool verify_first, bool *done, media_error *err)
{
    char v[16], sum[65];
    snprintf(v, sizeof(v), "%d", list[i].version);
    media_migration_checksum(&list[i], sum);
    const char *p[] = {v, list[i].name, sum};
    media_error e;
    media_code rc = media_db_begin(db, err);
    if (rc != MEDIA_OK)
        return rc;
    rc = media_db_exec(db, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", 0, NULL, NULL, &e);
    if (rc == MEDIA_OK)
        rc = media_db_exec(db, CREATE_TABLE, 0, NULL, NULL, &e);
    if (rc == MEDIA_OK && verify_first && (rc = verify(db, list, n, NULL, true, &e)) != MEDIA_OK) {
        media_db_rollback(db);
        if (err)
            *err = e; /* the checksum message as it is */
        return rc;
    }
    if (rc == MEDIA_OK && !is_applied(db, list[i].version, done, &e))
        rc = MEDIA_ERR_DB;
    if (rc == MEDIA_OK && !*done) {
        rc = media_db_exec_script(db, list[i].sql, &e);
        if (rc == MEDIA_OK)
            rc = media_db_exec(db,
                               "INSERT INTO schema_migrations (version, name, checksum) "
                               "VALUES ($1, $2, $3)",
                               3, p, NULL, &e);
    }
    if (rc == MEDIA_OK)
        rc = media_db_commit(db, &e);
    if (rc != MEDIA_OK) {
        media_db_rollback(db);
        media_error_set(err, rc, e.cls, "migration %s failed (rolled back): %s", list[i].name,
                        e.message);
    }
    return rc;
}

media_code media_migrate(media_db *db, const media_migration *list, size_t n, int *applied,
                         media_error *err)
{
    *applied = 0;
    for (size_t i = 0; i < n; i++) {
        bool done = false;
        media_code rc = apply_one(db, list, n, i, i == 0, &done, err);
        if (rc != MEDIA_OK)
            return rc;
        if (!done)
            (*applied)++;
    }
    return MEDIA_OK;
}

media_code media_migrate_status(media_db *db, const media_migration *list, size_t n,
                                media_migration_state *states, media_error *err)
{
    media_db_result *r; /* read-only: a database never migrated has every migration pending */
    media_code rc =
        media_db_query(db, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL, &r, err);
    if (rc != MEDIA_OK)
        return rc;
    bool exists = strcmp(media_db_result_value(r, 0, 0), "t") == 0;
    media_db_result_free(r);
    if (exists)
        return verify(db, list, n, states, false, err);
    for (size_t i = 0; i < n; i++) {
        memset(&states[i], 0, sizeof(states[i]));
        states[i].version = list[i].version;
        snprintf(states[i].name, sizeof(states[i].name), "%s", list[i].name);
    }
    return MEDIA_OK;
}

media_code media_schema_check(media_db *db, int required, media_error *err)
{
    media_db_result *r;
    media_error e;
    media_code rc = media_db_query(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0,
                                   NULL, &r, &e);
    if (rc != MEDIA_OK) {
        if (strcmp(media_db_last_sqlstate(db), "42P01") == 0) /* undefined_table */
            return media_error_set(err, MEDIA_ERR_SCHEMA, MEDIA_CLASS_PERMANENT,
                                   "the database has no mediagate schema: run `mediagate "
                                   "migrate` first");
        if (err)
            *err = e;
        return rc;
    }
    int have = atoi(media_db_result_value(r, 0, 0));
    media_db_result_free(r);
    if (have < required)
        return media_error_set(err, MEDIA_ERR_SCHEMA, MEDIA_CLASS_PERMANENT,
                               "the database schema is at version %d and this build needs %d: "
                               "run `mediagate migrate`",
                               have, required);
    return MEDIA_OK;
}

media_code media_schema_require(const char *url, int required, media_error *err)
{
    media_db *db = media_db_connect(url, err);
    if (db == NULL)
        return err ? err->code : MEDIA_ERR_DB;
    media_code rc = media_schema_check(db, required, err);
    media_db_close(db);
    return rc;
}
