/*
 * cli.h - what the subcommands of the mediagate binary share: the command table entry,
 * the environment adapter, and the exit-code convention.
 *
 * Exit codes: 0 success; 1 the operation failed (S3, network, ...); 2 bad arguments or
 * configuration (a one-line message on stderr names what is wrong); 3 (ingest) some items
 * failed.
 */
#ifndef MEDIAGATE_CLI_H
#define MEDIAGATE_CLI_H

#include "media/config.h"
#include "media/error.h"

#include <stdbool.h>

#define CLI_OK     0
#define CLI_FAILED 1
#define CLI_USAGE  2

typedef int (*cli_main_fn)(int argc, char **argv);

/* What a command reads beyond its own options (its --help ends with those variables). */
enum {
    CLI_READS_CATALOG = 1, /* PostgreSQL: MEDIAGATE_DB_PREPARE */
    CLI_READS_UPLOADS = 2, /* uploads into S3, hashing them: MEDIAGATE_HASH_STITCH */
    CLI_READS_NO_LOG = 4,  /* logs nothing: no MEDIAGATE_LOG_LEVEL */
};

typedef struct cli_command {
    const char *name;
    const char *summary;
    cli_main_fn run;
    unsigned reads; /* CLI_READS_* */
} cli_command;

/* The process environment as a media_env_fn (the only getenv in mediagate). */
const char *cli_env(const char *name, void *ud);

/* Where the catalog and the queue are (MEDIAGATE_DATABASE_URL, _REDIS_URL, _QUEUE_PREFIX),
 * loaded from the environment once, on first use, and passed down from here. NULL after
 * printing "mediagate <cmd>: ..." when a value is malformed (exit 2). */
const media_store_config *cli_store(const char *cmd);

/* Print "mediagate <cmd>: <message>" to stderr as one line and return code. */
int cli_fail(const char *cmd, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Print a media_error the same way. */
int cli_fail_err(const char *cmd, int code, const media_error *err);

/* True when argv has -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

/* Parse a non-negative decimal (with optional K/M/G binary suffix) into *out; 0 on success. */
int cli_parse_size(const char *s, unsigned long long *out);

/* Parse "30d", "12h", "90m", "45s" or plain seconds; 0 on success. */
int cli_parse_duration(const char *s, long *seconds);

struct media_db;
/* Connect to MEDIAGATE_DATABASE_URL; with check_schema, refuse an older schema. Prints the
 * error and returns NULL on failure. The caller closes the connection. */
struct media_db *cli_open_db(const char *cmd, bool check_schema);

int cmd_presign(int argc, char **argv);
int cmd_healthcheck(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_webhooks(int argc, char **argv);
int cmd_enqueue(int argc, char **argv);
int cmd_dlq(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_apikey(int argc, char **argv);
int cmd_tenant(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_put(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_uploads(int argc, char **argv);
int cmd_create_bucket(int argc, char **argv);

#endif
