/*
 * cmd_healthcheck.c - `mediagate healthcheck [URL]`: exit 0 when URL (a /health) answers 200
 * within the timeout; the container image's HEALTHCHECK, so the image needs no curl (the
 * pattern imgproxy uses). Without a URL it finds the role of the container it runs in: the
 * admin listener of serve (MEDIAGATE_ADMIN_LISTEN) or of a worker (MEDIAGATE_WORKER_LISTEN),
 * whichever answers (issue 29, item 4: one image, one HEALTHCHECK, both roles).
 */
#include "cli.h"
#include "media/admin_http.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD "healthcheck"

static void help(void)
{
    printf("usage: mediagate healthcheck [--timeout-ms N] [URL]\n\n"
           "GET URL and exit 0 when it answers 200 within the timeout, 1 otherwise.\n"
           "URL is http://host:port/path; by default MEDIAGATE_HEALTHCHECK_URL, else the\n"
           "/health of whichever runs here: serve's admin listener (MEDIAGATE_ADMIN_LISTEN,\n"
           "default 127.0.0.1:9465) or a worker's (MEDIAGATE_WORKER_LISTEN, default\n"
           "127.0.0.1:9464); healthy when the one that answers says 200.\n\n"
           "  --timeout-ms N   connect, send and answer within N ms (default 2000)\n\n"
           "Environment: MEDIAGATE_HEALTHCHECK_URL, MEDIAGATE_ADMIN_LISTEN,\n"
           "MEDIAGATE_WORKER_LISTEN.\n");
}

/* The /health URL of a listen address: "host:port" (a wildcard host is probed on loopback);
 * false for "off" or anything else. */
static bool healthcheck_url(const char *listen, char *out, size_t cap)
{
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    if (colon == NULL || colon == listen || colon[1] == '\0')
        return false;
    size_t hl = (size_t)(colon - listen);
    const char *host = listen;
    if ((hl == 7 && strncmp(listen, "0.0.0.0", 7) == 0) ||
        (hl == 4 && strncmp(listen, "[::]", 4) == 0))
        host = "127.0.0.1", hl = 9;
    int n = snprintf(out, cap, "http://%.*s%s/health", (int)hl, host, colon);
    return n > 0 && (size_t)n < cap;
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
    int status = 0;
    media_error err;
    if (url && url[0]) {
        if (media_admin_http_probe(url, timeout_ms, &status, &err) != MEDIA_OK)
            return cli_fail_err(CMD, err.code == MEDIA_ERR_INVALID ? CLI_USAGE : CLI_FAILED, &err);
        if (status != 200)
            return cli_fail(CMD, CLI_FAILED, "%s answered %d", url, status);
        return CLI_OK;
    }
    /* the role: serve's admin listener, else a worker's; the first that answers decides */
    const char *admin = cli_env("MEDIAGATE_ADMIN_LISTEN", NULL);
    const char *worker = cli_env("MEDIAGATE_WORKER_LISTEN", NULL);
    const char *listens[] = {admin && admin[0] ? admin : "127.0.0.1:9465",
                             worker && worker[0] ? worker : "127.0.0.1:9464"};
    char tried[2][300];
    for (int i = 0; i < 2; i++) {
        char probe[300];
        tried[i][0] = '\0';
        if (!healthcheck_url(listens[i], probe, sizeof(probe)))
            continue; /* "off", or not host:port */
        snprintf(tried[i], sizeof(tried[i]), "%s", probe);
        if (media_admin_http_probe(probe, timeout_ms, &status, &err) != MEDIA_OK)
            continue; /* nothing of that role listens here */
        if (status != 200)
            return cli_fail(CMD, CLI_FAILED, "%s answered %d", probe, status);
        return CLI_OK;
    }
    return cli_fail(CMD, CLI_FAILED,
                    "neither serve's admin listener (%s) nor a worker's (%s) answers",
                    tried[0][0] ? tried[0] : "off", tried[1][0] ? tried[1] : "off");
}
