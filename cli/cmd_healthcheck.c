/*
 * cmd_healthcheck.c - `mediagate healthcheck [URL]`: exit 0 when URL (a /health) answers 200
 * within the timeout; the container image's HEALTHCHECK, so the image needs no curl (the
 * pattern imgproxy uses).
 */
#include "cli.h"
#include "media/admin_http.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD "healthcheck"

static void help(void)
{
    printf("usage: mediagate healthcheck [--timeout-ms N] [URL]\n\n"
           "GET URL and exit 0 when it answers 200 within the timeout, 1 otherwise.\n"
           "URL is http://host:port/path; by default MEDIAGATE_HEALTHCHECK_URL, else\n"
           "http://127.0.0.1:9465/health (serve's admin listener). A worker's is\n"
           "http://127.0.0.1:9464/health (MEDIAGATE_WORKER_LISTEN).\n\n"
           "  --timeout-ms N   connect, send and answer within N ms (default 2000)\n");
}

int cmd_healthcheck(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_OK;
    }
    static const struct option opts[] = {{"timeout-ms", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    long timeout_ms = 2000;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 't':
            timeout_ms = strtol(optarg, &end, 10);
            if (*end || timeout_ms < 1 || timeout_ms > 600000)
                return cli_fail(CMD, CLI_USAGE, "--timeout-ms must be 1..600000");
            break;
        case ':':
            return cli_fail(CMD, CLI_USAGE, "%s needs a value", argv[optind - 1]);
        default:
            return cli_fail(CMD, CLI_USAGE, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        return cli_fail(CMD, CLI_USAGE, "give at most one URL");
    const char *url =
        argc - optind == 1 ? argv[optind] : cli_env("MEDIAGATE_HEALTHCHECK_URL", NULL);
    if (url == NULL || url[0] == '\0')
        url = "http://127.0.0.1:9465/health";
    int status = 0;
    media_error err;
    if (media_admin_http_probe(url, timeout_ms, &status, &err) != MEDIA_OK)
        return cli_fail_err(CMD, err.code == MEDIA_ERR_INVALID ? CLI_USAGE : CLI_FAILED, &err);
    if (status != 200)
        return cli_fail(CMD, CLI_FAILED, "%s answered %d", url, status);
    return CLI_OK;
}
