/*
 * cmd_catalog.c - catalog administration: migrate, apikey, gc.
 *
 * Every command but `migrate` refuses to run against a schema older than this build needs
 * (cli_open_db), with a message that says to run `mediagate migrate`.
 */
#include "cli.h"
#include "media/apikey.h"
#include "media/catalog.h"
#include "media/config.h"
#include "media/db.h"
#include "media/json.h"
#include "media/scrub.h"
#include "media/migrations.h"
#include "media/s3_client.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *DB_HELP =
    "  MEDIAGATE_DATABASE_URL        PostgreSQL URL (required; its password is never printed)\n";

media_db *cli_open_db(const char *cmd, bool check_schema)
{
    media_error err;
    const media_store_config *store = cli_store(cmd);
    if (store == NULL)
        return NULL;
    media_db *db = media_store_config_need(store, true, false, &err) == MEDIA_OK
                       ? media_db_connect(store->database_url, &err)
                       : NULL;
    if (db == NULL) {
        cli_fail_err(cmd, err.code == MEDIA_ERR_CONFIG ? CLI_USAGE : CLI_FAILED, &err);
        return NULL;
    }
    if (check_schema && media_schema_check(db, media_migrations_latest(), &err) != MEDIA_OK) {
        cli_fail_err(cmd, CLI_FAILED, &err);
        media_db_close(db);
        return NULL;
    }
    return db;
}

int cli_parse_duration(const char *s, long *seconds)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    long v = strtol(s, &end, 10);
    long mul = 1;
    if (*end == 'd')
        mul = 86400, end++;
    else if (*end == 'h')
        mul = 3600, end++;
    else if (*end == 'm')
        mul = 60, end++;
    else if (*end == 's')
        end++;
    if (*end != '\0' || v < 0 || v > 100L * 365 * 86400 / mul)
        return -1;
    *seconds = v * mul;
    return 0;
}

/* ---- migrate ---- */

int cmd_migrate(int argc, char **argv)
{
    static const char *CMD = "migrate";
    if (cli_wants_help(argc, argv)) {
        printf("usage: mediagate migrate [--status] [--wait SECONDS]\n\n"
               "Apply the SQL migrations shipped with this binary, each in its own transaction,\n"
               "recording version and checksum in schema_migrations. Several replicas may run\n"
               "it at once: an advisory lock lets one apply while the others wait and then find\n"
               "nothing to do. An applied migration whose checksum changed is refused.\n"
               "Prints {\"applied\":N,\"version\":V}.\n\n"
               "  --status        list applied and pending migrations (exit 1 if one was\n"
               "                  modified)\n"
               "  --wait SECONDS  wait up to this long for the database to accept connections\n"
               "                  (a migration job started with its database)\n\n"
               "environment:\n%s",
               DB_HELP);
        return CLI_OK;
    }
    bool status = false;
    long wait_s = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--status") == 0) {
            status = true;
        } else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc) {
            char *end;
            wait_s = strtol(argv[++i], &end, 10);
            if (*end || wait_s < 0 || wait_s > 3600)
                return cli_fail(CMD, CLI_USAGE, "--wait must be 0..3600 seconds");
        } else {
            return cli_fail(CMD, CLI_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    media_error err;
    media_db *db = NULL;
    const media_store_config *store = cli_store(CMD);
    if (store == NULL)
        return CLI_USAGE;
    if (media_store_config_need(store, true, false, &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    for (long waited = 0;; waited++) { /* a refused connection is what waiting is for */
        db = media_db_connect(store->database_url, &err);
        if (db || err.code == MEDIA_ERR_CONFIG || waited >= wait_s)
            break;
        sleep(1);
    }
    if (db == NULL)
        return cli_fail_err(CMD, err.code == MEDIA_ERR_CONFIG ? CLI_USAGE : CLI_FAILED, &err);
    int rc = CLI_OK;
    if (status) {
        media_migration_state *st =
            media_calloc(media_migration_count ? media_migration_count : 1, sizeof(*st));
        if (media_migrate_status(db, media_migration_table, media_migration_count, st, &err) !=
            MEDIA_OK) {
            rc = cli_fail_err(CMD, CLI_FAILED, &err);
        } else {
            for (size_t i = 0; i < media_migration_count; i++) {
                const char *what = !st[i].applied      ? "pending"
                                   : st[i].checksum_ok ? "applied"
                                                       : "MODIFIED";
                printf("%-28s %-8s %s\n", st[i].name, what, st[i].applied_at);
                if (st[i].applied && !st[i].checksum_ok)
                    rc = CLI_FAILED;
            }
        }
        free(st);
    } else {
        int applied = 0;
        if (media_migrate(db, media_migration_table, media_migration_count, &applied, &err) !=
            MEDIA_OK)
            rc = cli_fail_err(CMD, CLI_FAILED, &err);
        else
            printf("{\"applied\":%d,\"version\":%d}\n", applied, media_migrations_latest());
    }
    media_db_close(db);
    return rc;
}

/* ---- apikey ---- */

static void print_key(const media_apikey_info *k)
{
    char scopes[32];
    media_scopes_format(k->scopes, scopes, sizeof(scopes));
    media_buf b;
    media_buf_init(&b, 4096);
    int first = 1;
    media_buf_appends(&b, "{");
    media_json_kv_str(&b, "id", k->id, &first);
    media_json_kv_str(&b, "tenant", k->tenant, &first);
    media_json_kv_str(&b, "scopes", scopes, &first);
    media_json_kv_str(&b, "prefix", k->prefix, &first);
    media_json_kv_str(&b, "created_at", k->created_at, &first);
    media_json_kv_str(&b, "revoked_at", k->revoked_at[0] ? k->revoked_at : NULL, &first);
    media_buf_appends(&b, "}");
    puts(b.data);
    media_buf_cleanup(&b);
}

int cmd_apikey(int argc, char **argv)
{
    static const char *CMD = "apikey";
    if (argc < 2 || cli_wants_help(argc, argv)) {
        printf("usage: mediagate apikey create --tenant T --scopes read,write[,admin]\n"
               "       mediagate apikey list [--tenant T]\n"
               "       mediagate apikey revoke ID\n\n"
               "create prints the new key alone on stdout: it is shown once and only its\n"
               "SHA-256 is stored. list prints ids, tenants, scopes and prefixes, never keys.\n"
               "The tenant is created when missing.\n\nenvironment:\n%s",
               DB_HELP);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1], *tenant = NULL, *scopes = NULL;
    static const struct option opts[] = {{"tenant", required_argument, NULL, 't'},
                                         {"scopes", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    opterr = 0;
    optind = 2;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (ch == 't')
            tenant = optarg;
        else if (ch == 's')
            scopes = optarg;
        else if (ch == ':')
            return cli_fail(CMD, CLI_USAGE, "%s needs a value", argv[optind - 1]);
        else
            return cli_fail(CMD, CLI_USAGE, "unknown option '%s'", argv[optind - 1]);
    }
    unsigned mask = 0;
    if (strcmp(sub, "create") == 0) {
        if (tenant == NULL || !media_tenant_valid(tenant))
            return cli_fail(CMD, CLI_USAGE, "--tenant must be 1-63 characters of a-z 0-9 - _");
        if (!media_scopes_parse(scopes, &mask))
            return cli_fail(CMD, CLI_USAGE, "--scopes must be a list of read, write, admin");
        if (optind != argc)
            return cli_fail(CMD, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
    } else if (strcmp(sub, "list") == 0) {
        if (optind != argc)
            return cli_fail(CMD, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
    } else if (strcmp(sub, "revoke") == 0) {
        if (optind != argc - 1)
            return cli_fail(CMD, CLI_USAGE, "revoke takes one key ID");
    } else {
        return cli_fail(CMD, CLI_USAGE, "unknown subcommand '%s' (create, list, revoke)", sub);
    }
    media_db *db = cli_open_db(CMD, true);
    if (db == NULL)
        return CLI_FAILED;
    media_error err;
    int rc = CLI_OK;
    if (strcmp(sub, "create") == 0) {
        char key[MEDIA_APIKEY_LEN + 1];
        media_apikey_info info;
        if (media_apikey_create(db, tenant, mask, key, &info, &err) != MEDIA_OK) {
            rc = cli_fail_err(CMD, CLI_FAILED, &err);
        } else {
            puts(key);
            fprintf(stderr, "mediagate apikey: created key %s for tenant %s (shown once)\n",
                    info.id, info.tenant);
            memset(key, 0, sizeof(key));
        }
    } else if (strcmp(sub, "list") == 0) {
        media_apikey_info *keys;
        size_t n;
        if (media_apikey_list(db, tenant, &keys, &n, &err) != MEDIA_OK) {
            rc = cli_fail_err(CMD, CLI_FAILED, &err);
        } else {
            for (size_t i = 0; i < n; i++)
                print_key(&keys[i]);
            free(keys);
        }
    } else if (media_apikey_revoke(db, argv[optind], &err) != MEDIA_OK) {
        rc = cli_fail_err(CMD, CLI_FAILED, &err);
    }
    media_db_close(db);
    return rc;
}

/* ---- tenant ---- */

int cmd_tenant(int argc, char **argv)
{
    static const char *CMD = "tenant";
    if (argc < 3 || cli_wants_help(argc, argv)) {
        printf("usage: mediagate tenant show TENANT\n"
               "       mediagate tenant set TENANT --metadata strip|keep-copyright|keep|default\n\n"
               "A tenant's own settings. --metadata: what of its images' metadata is kept when\n"
               "they are stored (default: the service's MEDIAGATE_METADATA); it applies to\n"
               "what is stored from then on.\n\nenvironment:\n%s",
               DB_HELP);
        return cli_wants_help(argc, argv) ? CLI_OK : CLI_USAGE;
    }
    const char *sub = argv[1], *tenant = argv[2], *metadata = NULL;
    static const struct option opts[] = {{"metadata", required_argument, NULL, 'm'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    opterr = 0;
    optind = 3;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (ch == 'm')
            metadata = optarg;
        else if (ch == ':')
            return cli_fail(CMD, CLI_USAGE, "%s needs a value", argv[optind - 1]);
        else
            return cli_fail(CMD, CLI_USAGE, "unknown option '%s'", argv[optind - 1]);
    }
    media_metadata m;
    bool set = strcmp(sub, "set") == 0;
    if (!set && strcmp(sub, "show") != 0)
        return cli_fail(CMD, CLI_USAGE, "unknown subcommand '%s' (show, set)", sub);
    if (optind != argc)
        return cli_fail(CMD, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
    if (set && (metadata == NULL ||
                (strcmp(metadata, "default") != 0 && !media_metadata_parse(metadata, &m))))
        return cli_fail(CMD, CLI_USAGE, "--metadata is strip, keep-copyright, keep or default");
    media_db *db = cli_open_db(CMD, true);
    if (db == NULL)
        return CLI_FAILED;
    media_error err;
    char policy[16];
    int rc = CLI_OK;
    if ((set &&
         media_catalog_tenant_metadata_set(
             db, tenant, strcmp(metadata, "default") == 0 ? NULL : metadata, &err) != MEDIA_OK) ||
        media_catalog_tenant_metadata_get(db, tenant, policy, &err) != MEDIA_OK)
        rc = cli_fail_err(CMD, err.code == MEDIA_ERR_NOT_FOUND ? CLI_USAGE : CLI_FAILED, &err);
    else if (policy[0])
        printf("{\"tenant\":\"%s\",\"metadata\":\"%s\"}\n", tenant, policy);
    else
        printf("{\"tenant\":\"%s\",\"metadata\":null}\n", tenant);
    media_db_close(db);
    return rc;
}

/* ---- gc ---- */

typedef struct {
    media_s3_config cfg;
    media_s3_client *client;
    size_t objects;
} gc_ctx;

static media_code gc_delete(void *ud, const char *bucket, const char *key, media_error *err)
{
    gc_ctx *g = ud;
    if (g->client == NULL || strcmp(media_s3_client_bucket(g->client), bucket) != 0) {
        media_s3_client_destroy(g->client);
        g->client = media_s3_client_new(&g->cfg, bucket, NULL, err);
        if (g->client == NULL)
            return err ? err->code : MEDIA_ERR_CONFIG;
    }
    media_code rc = media_s3_delete(g->client, key, err);
    if (rc == MEDIA_OK)
        g->objects++;
    return rc;
}

int cmd_gc(int argc, char **argv)
{
    static const char *CMD = "gc";
    if (cli_wants_help(argc, argv)) {
        printf("usage: mediagate gc [--older-than DURATION] [--batch N]\n\n"
               "Retention: for media soft-deleted longer ago than DURATION (e.g. 30d, 12h,\n"
               "90m, 45s; default MEDIAGATE_GC_RETENTION_DAYS days, 30), delete the stored\n"
               "object, then the row, in batches of N rows (default 100), each batch one\n"
               "transaction. Safe to run concurrently: rows are locked SKIP LOCKED. A failed\n"
               "object delete leaves its batch for the next run. Prints {\"removed\":N}.\n\n"
               "environment:\n%s  MEDIAGATE_GC_RETENTION_DAYS   default retention in days\n%s",
               DB_HELP, media_s3_config_help());
        return CLI_OK;
    }
    long days, older = -1, batch = 100;
    media_error err;
    if (media_config_long(cli_env, NULL, "MEDIAGATE_GC_RETENTION_DAYS", 30, 0, 36500, &days,
                          &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--older-than") == 0 && i + 1 < argc) {
            if (cli_parse_duration(argv[++i], &older) != 0)
                return cli_fail(CMD, CLI_USAGE, "--older-than must be a duration like 30d");
        } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            char *end;
            batch = strtol(argv[++i], &end, 10);
            if (*end || batch < 1 || batch > 10000)
                return cli_fail(CMD, CLI_USAGE, "--batch must be 1..10000");
        } else {
            return cli_fail(CMD, CLI_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    if (older < 0)
        older = days * 86400;
    gc_ctx g = {0};
    if (media_s3_config_load(&g.cfg, cli_env, NULL, &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    media_db *db = cli_open_db(CMD, true);
    if (db == NULL) {
        media_s3_config_cleanup(&g.cfg);
        return CLI_FAILED;
    }
    size_t removed = 0;
    int rc = CLI_OK;
    media_code mc = media_catalog_gc(db, older, (int)batch, gc_delete, &g, &removed, &err);
    printf("{\"removed\":%zu}\n", removed);
    if (mc != MEDIA_OK)
        rc = cli_fail_err(CMD, CLI_FAILED, &err);
    media_s3_client_destroy(g.client);
    media_s3_config_cleanup(&g.cfg);
    media_db_close(db);
    return rc;
}
