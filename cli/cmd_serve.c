/*
 * cmd_serve.c - `mediagate serve`: the HTTP front end.
 */
#include "cli.h"
#include "media/config.h"
#include "media/log.h"
#include "presign/server.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static presign_server *running; /* kept for the whole process (reachable until exit) */
static volatile sig_atomic_t seen;

static void on_signal(int sig)
{
    (void)sig;
    if (seen++ > 0)
        _exit(1);
    if (running)
        presign_server_stop(running);
}

int cmd_serve(int argc, char **argv)
{
    static const char *CMD = "serve";
    if (cli_wants_help(argc, argv)) {
        printf("usage: mediagate serve\n\n"
               "Serve the /api/v1 HTTP API: submit ingests, read records, hand out presigned\n"
               "URLs (JSON, or a 302 from /content), list and delete media; /health, /ready,\n"
               "/metrics. SIGTERM: /ready answers 503, listeners close after the drain delay,\n"
               "in-flight requests finish, exit 0. Docs: docs/frontend.md, docs/openapi.json.\n\n"
               "environment:\n%s%s",
               presign_config_help(), media_s3_config_help());
        return CLI_OK;
    }
    if (argc > 1)
        return cli_fail(CMD, CLI_USAGE, "unexpected argument '%s'", argv[1]);
    media_error err;
    static presign_config pc;
    static media_s3_config s3;
    const media_store_config *store = cli_store(CMD);
    if (store == NULL)
        return CLI_USAGE;
    if (presign_config_load(&pc, store, cli_env, NULL, &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    if (media_s3_config_load(&s3, cli_env, NULL, &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    if (s3.bucket[0] == '\0')
        return cli_fail(CMD, CLI_USAGE, "MEDIAGATE_S3_BUCKET is not set");
    const char *lvl = cli_env("MEDIAGATE_LOG_LEVEL", NULL);
    if (lvl && media_log_level_parse(lvl) >= 0)
        media_log_set_level((media_log_level)media_log_level_parse(lvl));
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    running = presign_server_start(&pc, &s3, &err);
    if (running == NULL)
        return cli_fail_err(CMD, err.code == MEDIA_ERR_CONFIG ? CLI_USAGE : CLI_FAILED, &err);
    presign_server_wait(running);
    return CLI_OK;
}
