/*
 * pgtest.h - helpers for C integration tests against the stack's real PostgreSQL: each test
 * binary works in a database of its own (created from MEDIAGATE_DATABASE_URL's server and
 * dropped at the end), so tests never see each other's rows.
 */
#ifndef PGTEST_H
#define PGTEST_H

#include "media/db.h"

/* Create a fresh database named prefix_<pid>; returns its URL (static storage). Aborts the
 * test run with a message when MEDIAGATE_DATABASE_URL is unset or the server refuses. */
const char *pgtest_create_database(const char *prefix);
/* Drop the database created above (called at exit). */
void pgtest_drop_database(void);
/* Connect to the test database; fails the test on error. */
media_db *pgtest_connect(void);
/* Run SQL that must succeed (test setup), failing the test otherwise. */
void pgtest_exec(media_db *db, const char *sql);
/* First column of the first row of sql as a malloc'd string (NULL for no row/NULL). */
char *pgtest_scalar(media_db *db, const char *sql);

#endif
