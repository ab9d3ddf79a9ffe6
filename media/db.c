/*
 * db.c - the libpq adapter. Connection strings may carry passwords: they are never logged,
 * and every libpq message is scrubbed of the password before it becomes a media_error
 * (libpq echoes pieces of a URL it cannot parse).
 */
#include "db.h"
#include "timing.h"
#include "hash.h"
#include "mem.h"
#include "redact.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Statements this connection has prepared, by name: "mg_" + 32 hex of the SQL's SHA-256, so a
 * name always means the same text (a pooled server connection may hold another client's). */
#define PREPARED_MAX  64
#define STMT_NAME_LEN 36

struct media_db {
    PGconn *conn;
    char *url; /* as libpq reads it (media_pg_url_normalize) */
    media_redactor red;
    char sqlstate[6];
    bool in_tx;      /* between BEGIN and COMMIT/ROLLBACK: never reconnect mid-transaction */
    bool no_prepare; /* a prepared statement went missing (a transaction pooler): plain only */
    int nprepared;
    char prepared[PREPARED_MAX][STMT_NAME_LEN];
};

static _Atomic bool g_prepare = true;

void media_db_set_prepare(bool on)
{
    atomic_store(&g_prepare, on);
}

struct media_db_result {
    PGresult *res;
};

media_error_class media_db_classify(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return MEDIA_CLASS_TRANSIENT; /* no SQLSTATE: the connection itself failed */
    if (strncmp(s, "08", 2) == 0 || strncmp(s, "53", 2) == 0 || strcmp(s, "40001") == 0 ||
        strcmp(s, "40P01") == 0 || strncmp(s, "57P", 3) == 0 || strcmp(s, "55P03") == 0)
        return MEDIA_CLASS_TRANSIENT;
    return MEDIA_CLASS_PERMANENT;
}

/* libpq messages end with newlines and may span lines; keep the first line. */
static void first_line(const char *msg, char *out, size_t cap)
{
    size_t n = strcspn(msg ? msg : "", "\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, msg ? msg : "", n);
    out[n] = '\0';
}

/* Server NOTICEs ("relation exists, skipping") are not ours to print. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg, (void)message;
}

/* Process-wide use, for /metrics (media_db_usage_get) */
static _Atomic long g_open, g_busy;
static _Atomic unsigned long long g_connects, g_statements;

void media_db_usage_get(media_db_usage *u)
{
    u->open = atomic_load(&g_open);
    u->busy = atomic_load(&g_busy);
    u->connects = atomic_load(&g_connects);
    u->statements = atomic_load(&g_statements);
}

static void finish_conn(PGconn *c)
{
    if (c == NULL)
        return;
    atomic_fetch_sub(&g_open, 1);
    PQfinish(c);
}

/* One statement, counted; params NULL and n 0 with simple = true for a script. */
static PGresult *exec_counted(PGconn *c, const char *sql, int n, const char *const *params,
                              bool simple)
{
    atomic_fetch_add(&g_statements, 1);
    atomic_fetch_add(&g_busy, 1);
    PGresult *res = simple ? PQexec(c, sql) : PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    atomic_fetch_sub(&g_busy, 1);
    return res;
}

static PGconn *open_conn(const char *url, const media_redactor *red, media_error *err)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {url, "5", "mediagate", NULL};
    /* expand_dbname: the URL's own settings win over these defaults */
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL) {
        fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"out of memory (libpq)\"}\n");
        abort();
    }
    if (PQstatus(c) != CONNECTION_OK) {
        char line[300];
        first_line(PQerrorMessage(c), line, sizeof(line));
        media_redact(red, line);
        media_error_set(err, MEDIA_ERR_DB, MEDIA_CLASS_TRANSIENT,
                        "cannot connect to PostgreSQL: %s", line);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, ignore_notice, NULL);
    atomic_fetch_add(&g_open, 1);
    atomic_fetch_add(&g_connects, 1);
    return c;
}

media_db *media_db_connect(const char *url, media_error *err)
{
    if (url == NULL || url[0] == '\0') {
        media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT,
                        "MEDIAGATE_DATABASE_URL is not set");
        return NULL;
    }
    media_db *db = media_calloc(1, sizeof(*db));
    db->url = media_pg_url_normalize(url); /* split at the last '@', as we do */
    media_redactor_init_url(&db->red, url);
    media_redactor r2;
    media_redactor_init_url(&r2, db->url);
    for (size_t i = 0; i < r2.n; i++)
        media_redactor_add(&db->red, r2.s[i], strlen(r2.s[i]));
    media_redactor_cleanup(&r2);
    db->conn = open_conn(db->url, &db->red, err);
    if (db->conn == NULL) {
        media_db_close(db);
        return NULL;
    }
    return db;
}

void media_db_close(media_db *db)
{
    if (db == NULL)
        return;
    finish_conn(db->conn);
    media_free_secret(db->url);
    media_redactor_cleanup(&db->red);
    free(db);
}

/* Before a statement: a connection found broken is replaced once. A transaction in progress
 * is lost with it, which the statement's failure then reports. */
static media_code ensure_conn(media_db *db, media_error *err)
{
    /* A connection the server closed while it sat idle (restart, failover, idle timeout)
     * still says CONNECTION_OK until it is read: read what is there (never blocks) so such a
     * connection is replaced before a statement is sent on it. A connection lost while a
     * statement runs is not retried: that statement's outcome is unknown. */
    if (PQstatus(db->conn) == CONNECTION_OK && !db->in_tx && PQconsumeInput(db->conn) == 1 &&
        PQstatus(db->conn) == CONNECTION_OK)
        return MEDIA_OK;
    if (PQstatus(db->conn) == CONNECTION_OK && db->in_tx)
        return MEDIA_OK;
    if (db->in_tx) /* a fresh connection would run the rest of a transaction on its own */
        return media_error_set(err, MEDIA_ERR_DB, MEDIA_CLASS_TRANSIENT,
                               "connection to PostgreSQL lost during a transaction; it was "
                               "rolled back");
    PGconn *c = open_conn(db->url, &db->red, err);
    if (c == NULL)
        return MEDIA_ERR_DB;
    finish_conn(db->conn);
    db->conn = c;
    db->nprepared = 0; /* a new session has none */
    db->no_prepare = false;
    return MEDIA_OK;
}

static media_code fail(media_db *db, PGresult *res, media_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
    char line[400];
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    first_line(msg ? msg : PQerrorMessage(db->conn), line, sizeof(line));
    media_redact(&db->red, line);
    bool lost = PQstatus(db->conn) != CONNECTION_OK;
    media_code code = (state && strcmp(state, "23505") == 0) ? MEDIA_ERR_CONFLICT : MEDIA_ERR_DB;
    media_error_set(
        err, code, lost ? MEDIA_CLASS_TRANSIENT : media_db_classify(state), "%s%s%s%s%s",
        lost ? "connection to PostgreSQL lost: " : "PostgreSQL: ", line[0] ? line : "no message",
        state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "");
    PQclear(res);
    return code;
}

static void stmt_name(const char *sql, char out[STMT_NAME_LEN])
{
    uint8_t h[MEDIA_SHA256_LEN];
    char hex[2 * MEDIA_SHA256_LEN + 1];
    media_sha256(sql, strlen(sql), h);
    media_hex(h, 16, hex);
    memcpy(out, "mg_", 3);
    memcpy(out + 3, hex, 32);
    out[35] = '\0';
}

static bool is_prepared(const media_db *db, const char *name)
{
    for (int i = 0; i < db->nprepared; i++)
        if (memcmp(db->prepared[i], name, STMT_NAME_LEN) == 0)
            return true;
    return false;
}

static bool state_is(const PGresult *res, const char *sqlstate)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return s && strcmp(s, sqlstate) == 0;
}

/*
 * A parameterised statement outside a transaction runs as a prepared statement: the server
 * parses and plans it once per connection instead of every time (about half of its CPU for
 * the catalog's statements, bench/README.md). NULL when it should run the plain way instead:
 * preparing is off, the cache is full, or a prepared statement went missing or already
 * existed — a transaction pooler (PgBouncer's pool_mode=transaction) moves a client between
 * server connections; nothing ran, and this connection stays plain from then on.
 */
static PGresult *exec_prepared(media_db *db, const char *sql, int n, const char *const *params)
{
    if (n == 0 || db->in_tx || db->no_prepare || !atomic_load(&g_prepare))
        return NULL;
    char name[STMT_NAME_LEN];
    stmt_name(sql, name);
    if (!is_prepared(db, name)) {
        if (db->nprepared == PREPARED_MAX)
            return NULL;
        atomic_fetch_add(&g_statements, 1);
        PGresult *p = PQprepare(db->conn, name, sql, n, NULL);
        bool ok = p && PQresultStatus(p) == PGRES_COMMAND_OK;
        if (!ok && PQstatus(db->conn) == CONNECTION_OK)
            db->no_prepare = state_is(p, "42P05"); /* a pooled server holds one already */
        PQclear(p);
        if (!ok)
            return NULL; /* the plain statement reports any real error */
        memcpy(db->prepared[db->nprepared++], name, STMT_NAME_LEN);
    }
    atomic_fetch_add(&g_statements, 1);
    atomic_fetch_add(&g_busy, 1);
    PGresult *res = PQexecPrepared(db->conn, name, n, params, NULL, NULL, 0);
    atomic_fetch_sub(&g_busy, 1);
    /* this server connection does not have it, or a migration changed the rows it returns
     * ("cached plan must not change result type"): raised before anything ran, and outside a
     * transaction the plain statement starts clean */
    if (state_is(res, "26000") || state_is(res, "0A000")) {
        PQclear(res);
        db->no_prepare = true;
        return NULL;
    }
    return res;
}

static media_code run(media_db *db, const char *sql, int n, const char *const *params,
                      PGresult **out, media_error *err)
{
    db->sqlstate[0] = '\0';
    int64_t t0 = media_timing_start();
    media_code rc = ensure_conn(db, err);
    if (rc != MEDIA_OK) {
        media_timing_add(MEDIA_TIMING_DB, t0);
        return rc;
    }
    PGresult *res = exec_prepared(db, sql, n, params);
    if (res == NULL && PQstatus(db->conn) == CONNECTION_OK)
        res = exec_counted(db->conn, sql, n, params, false);
    media_timing_add(MEDIA_TIMING_DB, t0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
        return fail(db, res, err);
    *out = res;
    return MEDIA_OK;
}

media_code media_db_query(media_db *db, const char *sql, int n, const char *const *params,
                          media_db_result **out, media_error *err)
{
    PGresult *res = NULL;
    media_code rc = run(db, sql, n, params, &res, err);
    if (rc != MEDIA_OK)
        return rc;
    if (out) {
        *out = media_malloc(sizeof(**out));
        (*out)->res = res;
    } else {
        PQclear(res);
    }
    return MEDIA_OK;
}

media_code media_db_exec(media_db *db, const char *sql, int n, const char *const *params,
                         long *affected, media_error *err)
{
    PGresult *res = NULL;
    media_code rc = run(db, sql, n, params, &res, err);
    if (rc != MEDIA_OK)
        return rc;
    if (affected) {
        const char *t = PQcmdTuples(res);
        *affected = t && t[0] ? strtol(t, NULL, 10) : 0;
    }
    PQclear(res);
    return MEDIA_OK;
}

media_code media_db_exec_script(media_db *db, const char *sql, media_error *err)
{
    db->sqlstate[0] = '\0';
    media_code rc = ensure_conn(db, err);
    if (rc != MEDIA_OK)
        return rc;
    PGresult *res = exec_counted(db->conn, sql, 0, NULL, true);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
        return fail(db, res, err);
    PQclear(res);
    return MEDIA_OK;
}

media_code media_db_begin(media_db *db, media_error *err)
{
    media_code rc = media_db_exec(db, "BEGIN", 0, NULL, NULL, err);
    db->in_tx = rc == MEDIA_OK;
    return rc;
}

media_code media_db_commit(media_db *db, media_error *err)
{
    media_code rc = media_db_exec(db, "COMMIT", 0, NULL, NULL, err);
    db->in_tx = false;
    return rc;
}

void media_db_rollback(media_db *db)
{
    db->in_tx = false;
    if (PQstatus(db->conn) != CONNECTION_OK)
        return;
    PGresult *res = exec_counted(db->conn, "ROLLBACK", 0, NULL, true);
    PQclear(res);
}

const char *media_db_last_sqlstate(const media_db *db)
{
    return db->sqlstate;
}

int media_db_backend_pid(const media_db *db)
{
    return PQbackendPID(db->conn);
}

int media_db_result_rows(const media_db_result *r)
{
    return PQntuples(r->res);
}

const char *media_db_result_value(const media_db_result *r, int row, int col)
{
    if (row < 0 || row >= PQntuples(r->res) || col < 0 || col >= PQnfields(r->res) ||
        PQgetisnull(r->res, row, col))
        return NULL;
    return PQgetvalue(r->res, row, col);
}

int media_db_result_column(const media_db_result *r, const char *name)
{
    return PQfnumber(r->res, name);
}

void media_db_result_free(media_db_result *r)
{
    if (r == NULL)
        return;
    PQclear(r->res);
    free(r);
}
