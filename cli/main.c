/*
 * main.c - the mediagate binary: a thin dispatcher over the subcommands.
 *
 * To add a subcommand: write cmd_<name> (its own file under cli/), declare it in cli.h and
 * add a row to `commands` below. Every subcommand answers --help.
 */
#include "cli.h"
#include "media/db.h"
#include "media/mem.h"
#include "media/process_metrics.h"
#include "version.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_version(int argc, char **argv);

static const cli_command commands[] = {
    {"presign", "print a presigned S3 URL for a key", cmd_presign, 0},
    {"ingest", "stream source URLs into the bucket and record them (one-shot, no queue)",
     cmd_ingest, CLI_READS_CATALOG | CLI_READS_UPLOADS},
    {"serve", "serve the /api/v1 HTTP API (presigned URLs, ingest submissions)", cmd_serve,
     CLI_READS_CATALOG},
    {"worker", "run ingest jobs from the Redis queue", cmd_worker,
     CLI_READS_CATALOG | CLI_READS_UPLOADS},
    {"enqueue", "accept an ingest job into the queue (the catalog row is the outbox)", cmd_enqueue,
     CLI_READS_CATALOG},
    {"dlq", "list, show, replay or purge dead-lettered jobs", cmd_dlq, CLI_READS_CATALOG},
    {"webhooks", "list webhook deliveries and their dead letters; replay one", cmd_webhooks,
     CLI_READS_CATALOG},
    {"put", "upload a file or stdin to a key (multipart when large or unknown)", cmd_put,
     CLI_READS_UPLOADS},
    {"get", "write an object to stdout", cmd_get, 0},
    {"uploads", "list in-progress multipart uploads; abort stale ones", cmd_uploads,
     CLI_READS_CATALOG},
    {"create-bucket", "create the configured bucket (idempotent)", cmd_create_bucket, 0},
    {"migrate", "apply database migrations (a separate step, safe to run concurrently)",
     cmd_migrate, CLI_READS_CATALOG},
    {"apikey", "create, list and revoke API keys", cmd_apikey, CLI_READS_CATALOG},
    {"tenant", "show or set a tenant's settings (its image metadata policy)", cmd_tenant,
     CLI_READS_CATALOG},
    {"gc", "delete objects and rows of media soft-deleted long enough ago", cmd_gc,
     CLI_READS_CATALOG},
    {"healthcheck", "exit 0 when a /health URL answers 200 (container HEALTHCHECK)",
     cmd_healthcheck, CLI_READS_NO_LOG},
    {"version", "print the version", cmd_version, CLI_READS_NO_LOG},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The values read from NAME_FILE files, kept for the process's life (cli_env hands out
 * pointers into them). */
typedef struct file_value {
    struct file_value *next;
    char *name, *value;
} file_value;
static file_value *file_values;
static pthread_mutex_t file_values_mu = PTHREAD_MUTEX_INITIALIZER;

#define SECRET_FILE_MAX (64 * 1024)

/* NAME's value from the file NAME_FILE names, its trailing newlines dropped; read once. A file
 * that cannot be read ends the process (exit 2), naming the variable and the path, never
 * what the file holds. */
static const char *value_from_file(const char *name, const char *var, const char *path)
{
    pthread_mutex_lock(&file_values_mu);
    for (file_value *f = file_values; f; f = f->next)
        if (strcmp(f->name, name) == 0) {
            pthread_mutex_unlock(&file_values_mu);
            return f->value;
        }
    FILE *in = fopen(path, "rb");
    char *buf = media_malloc(SECRET_FILE_MAX + 1);
    size_t n = in ? fread(buf, 1, SECRET_FILE_MAX + 1, in) : 0;
    int failed = in == NULL || ferror(in);
    const char *why = in == NULL ? strerror(errno) : "it cannot be read";
    if (in)
        fclose(in);
    if (failed || n > SECRET_FILE_MAX) {
        fprintf(stderr, "mediagate: %s=%s: %s\n", var, path,
                failed ? why : "larger than 64 KiB: not a setting");
        exit(CLI_USAGE);
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    file_value *f = media_calloc(1, sizeof(*f));
    f->name = media_strdup(name);
    f->value = buf;
    f->next = file_values;
    file_values = f;
    pthread_mutex_unlock(&file_values_mu);
    return buf;
}

/* A setting: NAME from the environment, else the contents of the file NAME_FILE names (as
 * Kubernetes and compose mount secrets), for every setting alike. */
const char *cli_env(const char *name, void *ud)
{
    (void)ud;
    const char *v = getenv(name);
    size_t n = strlen(name);
    if (v || n > 200 || (n > 5 && strcmp(name + n - 5, "_FILE") == 0))
        return v;
    char var[208];
    snprintf(var, sizeof(var), "%s_FILE", name);
    const char *path = getenv(var);
    return path && path[0] ? value_from_file(name, var, path) : NULL;
}

const media_store_config *cli_store(const char *cmd)
{
    static media_store_config store;
    static int state; /* 0 not loaded, 1 loaded, -1 malformed */
    static media_error why;
    if (state == 0)
        state = media_store_config_load(&store, cli_env, NULL, &why) == MEDIA_OK ? 1 : -1;
    if (state > 0) {
        media_db_set_prepare(store.db_prepare);
        return &store;
    }
    cli_fail_err(cmd, CLI_USAGE, &why);
    return NULL;
}

int cli_fail(const char *cmd, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n')
            *p = ' ';
    fprintf(stderr, "mediagate %s: %s\n", cmd, msg);
    return code;
}

int cli_fail_err(const char *cmd, int code, const media_error *err)
{
    return cli_fail(cmd, code, "%s", err->message);
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

int cli_parse_size(const char *s, unsigned long long *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024ull, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024ull * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024, end++;
    if (*end == 'i' && mul > 1) /* "MiB" spelling: 8MiB */
        end++;
    if (*end == 'B' && mul > 1)
        end++;
    if (*end != '\0' || (v && mul > ~0ull / v))
        return -1;
    *out = v * mul;
    return 0;
}

/* The end of every command's --help: what every command reads (issue 29, item 3: the help
 * names each variable the process reads; tests/check_config_docs.sh holds it to that). */
static void help_common(unsigned reads)
{
    if ((reads & (CLI_READS_CATALOG | CLI_READS_UPLOADS)) == 0 && (reads & CLI_READS_NO_LOG))
        return;
    printf("\nAlso read by this command:\n");
    if (!(reads & CLI_READS_NO_LOG))
        printf("  MEDIAGATE_LOG_LEVEL              debug, info, warn or error (default info)\n");
    if (reads & CLI_READS_CATALOG)
        printf("  MEDIAGATE_DB_PREPARE             on: each statement prepared once per\n"
               "                                   connection; off behind a transaction pooler\n"
               "                                   before PgBouncer 1.21 (default on)\n");
    if (reads & CLI_READS_UPLOADS)
        printf("  MEDIAGATE_HASH_STITCH            on: MD5 and SHA-256 in one loop where the CPU\n"
               "                                   has the SHA extensions (default on)\n");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mediagate <command> [options]\n\n"
               "mediagate streams remote media into S3-compatible storage and hands out\n"
               "presigned URLs instead of proxying bytes.\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'mediagate <command> --help' describes a command and its configuration.\n");
}

static int cmd_version(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: mediagate version\n\nPrint the version of mediagate.\n");
        return CLI_OK;
    }
    if (argc > 1)
        return cli_fail("version", CLI_USAGE, "unexpected argument '%s'", argv[1]);
    printf("mediagate %s\n", MEDIAGATE_VERSION);
    return CLI_OK;
}

int main(int argc, char **argv)
{
    media_process_set_version(MEDIAGATE_VERSION); /* mediagate_build_info */
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(1, argv + 1);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            int rc = commands[i].run(argc - 1, argv + 1);
            if (rc == CLI_OK && cli_wants_help(argc - 1, argv + 1))
                help_common(commands[i].reads);
            return rc;
        }
    fprintf(stderr, "mediagate: unknown command '%s' (try 'mediagate --help')\n", argv[1]);
    return CLI_USAGE;
}
