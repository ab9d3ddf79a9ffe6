/*
 * db.h - a thin, synchronous PostgreSQL adapter over libpq.
 *
 * The only file of mediagate that includes libpq (db.c). Everything above it sees
 * media_db (a connection) and media_db_result (rows of text values), so the SQL-building
 * and row-parsing logic of the catalog stays testable and libpq types never leak.
 * All statements are parameterised ($1, $2, ...); values travel as text.
 *
 * Errors are classified: connection failures, serialization failures, deadlocks, admin
 * shutdowns and resource exhaustion are transient; everything else is permanent. Before a
 * statement, a connection the server closed while it was idle (restart, failover) is
 * detected without blocking and replaced; a connection lost while a statement runs is not
 * retried (the outcome is unknown), and never inside a transaction.
 *
 * Thread: a connection belongs to one thread at a time.
 */
#ifndef MEDIA_DB_H
#define MEDIA_DB_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct media_db media_db;
typedef struct media_db_result media_db_result;

/*
 * Connect to url (a libpq URI or key=value string, e.g. MEDIAGATE_DATABASE_URL). Adds
 * connect_timeout=5 and application_name=mediagate unless the URL sets them. Errors never
 * echo the URL (it may hold a password). The caller frees with media_db_close.
 */
media_db *media_db_connect(const char *url, media_error *err);
void media_db_close(media_db *db);

/*
 * Run sql with n text parameters (NULL entries are SQL NULL). On success *out (when not NULL)
 * receives the rows; the caller frees it with media_db_result_free. Errors: MEDIA_ERR_DB
 * with the server's message and SQLSTATE, classified as above; a unique violation is
 * reported with code MEDIA_ERR_CONFLICT.
 */
media_code media_db_query(media_db *db, const char *sql, int n, const char *const *params,
                          media_db_result **out, media_error *err);
/* Same, for statements without rows; *affected (may be NULL) gets the row count. */
media_code media_db_exec(media_db *db, const char *sql, int n, const char *const *params,
                         long *affected, media_error *err);
/* Run a script of several statements (no parameters): migrations. */
media_code media_db_exec_script(media_db *db, const char *sql, media_error *err);

/*
 * Parameterised statements outside a transaction run as prepared statements, each prepared
 * once per connection (the server then skips parsing and planning). Off: every statement is
 * sent with its text (MEDIAGATE_DB_PREPARE=off, for a transaction pooler such as PgBouncer
 * before 1.21; a connection that finds a prepared statement missing also falls back to this
 * by itself). Process-wide; set before connections are used.
 */
void media_db_set_prepare(bool on);

/* BEGIN / COMMIT / ROLLBACK. ROLLBACK never fails loudly (it is the cleanup path). */
media_code media_db_begin(media_db *db, media_error *err);
media_code media_db_commit(media_db *db, media_error *err);
void media_db_rollback(media_db *db);

/* This process's use of PostgreSQL, over every media_db: connections open and running a
 * statement now, connections made and statements sent since start (for /metrics). */
typedef struct media_db_usage {
    long open, busy;
    unsigned long long connects, statements;
} media_db_usage;
void media_db_usage_get(media_db_usage *u);

/* The SQLSTATE of the last failed statement ("" when none). */
const char *media_db_last_sqlstate(const media_db *db);
/* The server process id of this connection (for tests that cut it). */
int media_db_backend_pid(const media_db *db);

int media_db_result_rows(const media_db_result *r);
/* Text value at (row, col), or NULL for SQL NULL. Borrowed from r. */
const char *media_db_result_value(const media_db_result *r, int row, int col);
/* Column index by name, -1 when absent. */
int media_db_result_column(const media_db_result *r, const char *name);
void media_db_result_free(media_db_result *r);

/* Pure: classify a SQLSTATE ("08006" -> transient, "23505" -> permanent). */
media_error_class media_db_classify(const char *sqlstate);

#endif
