/*
 * cmd_webhooks.c - `mediagate webhooks`: the webhook deliveries and their dead letters, for
 * operators (tenants use /api/v1/webhooks).
 */
#include "cli.h"
#include "media/db.h"
#include "media/webhook.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_webhooks(int argc, char **argv)
{
    static const char *CMD = "webhooks";
    if (argc < 2 || cli_wants_help(argc, argv)) {
        printf("usage: mediagate webhooks deliveries [--failed | --status S] [--tenant T]\n"
               "                                     [--limit N]\n"
               "       mediagate webhooks replay ID [--tenant T]\n\n"
               "deliveries prints webhook deliveries as JSON lines, newest first (--failed: the\n"
               "dead letters, deliveries that used every attempt or whose target is refused).\n"
               "replay sends a failed delivery again: same delivery id, attempts from zero.\n"
               "Secrets are never printed.\n\n"
               "environment:\n  MEDIAGATE_DATABASE_URL          PostgreSQL URL (required)\n");
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1], *tenant = NULL, *status_s = NULL;
    long limit = 100;
    static const struct option opts[] = {{"tenant", required_argument, NULL, 't'},
                                         {"status", required_argument, NULL, 's'},
                                         {"failed", no_argument, NULL, 'f'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    opterr = 0;
    optind = 2;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end;
        if (ch == 't')
            tenant = optarg;
        else if (ch == 's')
            status_s = optarg;
        else if (ch == 'f')
            status_s = "failed";
        else if (ch == 'l') {
            limit = strtol(optarg, &end, 10);
            if (*end || limit < 1 || limit > 1000)
                return cli_fail(CMD, CLI_USAGE, "--limit must be 1..1000");
        } else if (ch == ':')
            return cli_fail(CMD, CLI_USAGE, "%s needs a value", argv[optind - 1]);
        else
            return cli_fail(CMD, CLI_USAGE, "unknown option '%s'", argv[optind - 1]);
    }
    media_delivery_status status = MEDIA_DELIVERY_PENDING;
    bool by_status = false;
    if (status_s) {
        by_status = true;
        if (strcmp(status_s, "pending") == 0)
            status = MEDIA_DELIVERY_PENDING;
        else if (strcmp(status_s, "delivered") == 0)
            status = MEDIA_DELIVERY_DELIVERED;
        else if (strcmp(status_s, "failed") == 0)
            status = MEDIA_DELIVERY_FAILED;
        else
            return cli_fail(CMD, CLI_USAGE, "--status must be pending, delivered or failed");
    }
    if (tenant && !media_tenant_valid(tenant))
        return cli_fail(CMD, CLI_USAGE, "--tenant must be 1-63 characters of a-z 0-9 - _");
    bool list = strcmp(sub, "deliveries") == 0, replay = strcmp(sub, "replay") == 0;
    if (!list && !replay)
        return cli_fail(CMD, CLI_USAGE, "unknown subcommand '%s' (deliveries, replay)", sub);
    if (list && optind != argc)
        return cli_fail(CMD, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
    if (replay && optind != argc - 1)
        return cli_fail(CMD, CLI_USAGE, "replay takes one delivery ID");
    media_db *db = cli_open_db(CMD, true);
    if (db == NULL)
        return CLI_FAILED;
    media_error err;
    int rc = CLI_OK;
    if (list) {
        media_delivery *ds;
        size_t n;
        if (media_webhook_deliveries_list(db, tenant, by_status ? &status : NULL, (int)limit, &ds,
                                          &n, &err) != MEDIA_OK) {
            rc = cli_fail_err(CMD, CLI_FAILED, &err);
        } else {
            media_buf b;
            media_buf_init(&b, 1 << 20);
            for (size_t i = 0; i < n; i++) {
                media_buf_reset(&b);
                media_delivery_json(&ds[i], &b);
                printf("%.*s\n", (int)b.len, b.data);
            }
            media_buf_cleanup(&b);
            media_deliveries_free(ds, n);
        }
    } else if (media_webhook_replay(db, tenant, argv[optind], &err) != MEDIA_OK) {
        rc = cli_fail_err(CMD, err.code == MEDIA_ERR_NOT_FOUND ? CLI_USAGE : CLI_FAILED, &err);
    } else {
        fprintf(stderr, "mediagate webhooks: delivery %s is pending again\n", argv[optind]);
    }
    media_db_close(db);
    return rc;
}
