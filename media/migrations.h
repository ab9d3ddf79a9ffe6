/*
 * migrations.h - the versioned SQL migrations compiled into the binary, and applying them.
 *
 * Files: media/migrations/NNNN_name.sql, applied in version order, each inside its own
 * transaction, recorded in schema_migrations (version, name, SHA-256 checksum, time).
 * An applied migration whose checksum differs from the shipped file is an error, not a skip.
 * Concurrent runs are safe: each migration's transaction takes a transaction-level advisory
 * lock, so one replica applies while the others wait, then find nothing to do; a lock that
 * ends with its transaction also works through a transaction-pooling pgbouncer. Migrations never
 * run implicitly: serve and worker call media_schema_check and refuse to start on an older schema.
 *
 * To add a migration: add media/migrations/NNNN_what.sql (next number). Nothing else.
 */
#ifndef MEDIA_MIGRATIONS_H
#define MEDIA_MIGRATIONS_H

#include "db.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct media_migration {
    int version;
    const char *name; /* "0001_catalog" */
    const char *sql;
    size_t len;
} media_migration;

/* The shipped migrations, ascending by version (generated at build time). */
extern const media_migration media_migration_table[];
extern const size_t media_migration_count;

/* The version this build needs (the highest shipped). */
int media_migrations_latest(void);

/* Status of one migration, for `migrate --status`. */
typedef struct media_migration_state {
    int version;
    char name[64];
    bool applied;
    bool checksum_ok;    /* applied and the shipped file matches */
    char applied_at[40]; /* "" when pending */
} media_migration_state;

/*
 * Apply every pending migration of list[0..n) (normally the shipped table). *applied gets the
 * number applied by this call (0 when another replica did it). MEDIA_ERR_SCHEMA when an
 * applied migration's checksum differs, or the database has a version this list lacks.
 */
media_code media_migrate(media_db *db, const media_migration *list, size_t n, int *applied,
                         media_error *err);

/* Fill states[0..n) for list[0..n). */
media_code media_migrate_status(media_db *db, const media_migration *list, size_t n,
                                media_migration_state *states, media_error *err);

/*
 * Refuse to run on a schema older than `required`: MEDIA_ERR_SCHEMA with a message telling
 * the operator to run `mediagate migrate`. A newer schema is accepted (rolling deploys).
 */
media_code media_schema_check(media_db *db, int required, media_error *err);

/* Connect to url, check the schema like media_schema_check, disconnect (start-up checks of
 * long-running commands). */
media_code media_schema_require(const char *url, int required, media_error *err);

/* Hex SHA-256 of a migration's SQL (the recorded checksum). out: 65 bytes. */
void media_migration_checksum(const media_migration *m, char out[65]);

#endif
