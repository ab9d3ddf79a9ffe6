/*
 * cmd_presign.c - `mediagate presign`: print one presigned URL on stdout and nothing else.
 */
#include "cli.h"
#include "media/config.h"
#include "media/s3_client.h"
#include "media/s3_location.h"
#include "media/s3_sign.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CMD "presign"

static void help(void)
{
    printf("usage: mediagate presign --key KEY [--method GET|PUT|HEAD|DELETE] [--bucket B]\n"
           "                         [--expires SECONDS] [--at YYYYMMDDTHHMMSSZ]\n"
           "                         [--content-type T] [--disposition D]\n\n"
           "Print one SigV4 presigned URL for KEY on stdout. The URL names the public\n"
           "endpoint (MEDIAGATE_S3_PUBLIC_ENDPOINT) when set.\n\n"
           "  --method        HTTP method the URL allows (default GET)\n"
           "  --key           object key (required)\n"
           "  --bucket        bucket (default MEDIAGATE_S3_BUCKET)\n"
           "  --expires       lifetime in seconds, 1..604800 (default 3600)\n"
           "  --at            signing time, UTC (default now)\n"
           "  --content-type  GET only: response-content-type override\n"
           "  --disposition   GET only: response-content-disposition override\n\n"
           "environment:\n%s\n"
           "exit status: 0 printed a URL; 2 bad arguments or configuration.\n",
           media_s3_config_help());
}

typedef struct {
    const char *method, *key, *bucket, *at, *content_type, *disposition;
    long expires;
} presign_args;

/* Parse and check the options; CLI_OK or the usage error already printed. */
static int parse_args(int argc, char **argv, presign_args *a)
{
    static const struct option opts[] = {
        {"method", required_argument, NULL, 'm'},
        {"key", required_argument, NULL, 'k'},
        {"bucket", required_argument, NULL, 'b'},
        {"expires", required_argument, NULL, 'e'},
        {"at", required_argument, NULL, 'a'},
        {"content-type", required_argument, NULL, 't'},
        {"disposition", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    *a = (presign_args){"GET", NULL, NULL, NULL, NULL, NULL, 3600};
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            a->method = optarg;
            break;
        case 'k':
            a->key = optarg;
            break;
        case 'b':
            a->bucket = optarg;
            break;
        case 'e': {
            char *end;
            a->expires = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || a->expires < 1 ||
                a->expires > MEDIA_SIGV4_MAX_EXPIRES_S)
                return cli_fail(CMD, CLI_USAGE, "--expires must be an integer in 1..%ld",
                                MEDIA_SIGV4_MAX_EXPIRES_S);
            break;
        }
        case 'a':
            a->at = optarg;
            break;
        case 't':
            a->content_type = optarg;
            break;
        case 'd':
            a->disposition = optarg;
            break;
        case ':':
            return cli_fail(CMD, CLI_USAGE, "%s needs a value", argv[optind - 1]);
        default:
            return cli_fail(CMD, CLI_USAGE, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_fail(CMD, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
    if (strcmp(a->method, "GET") && strcmp(a->method, "PUT") && strcmp(a->method, "HEAD") &&
        strcmp(a->method, "DELETE"))
        return cli_fail(CMD, CLI_USAGE, "--method must be GET, PUT, HEAD or DELETE");
    if (a->key == NULL)
        return cli_fail(CMD, CLI_USAGE, "--key is required");
    if ((a->content_type || a->disposition) && strcmp(a->method, "GET") != 0)
        return cli_fail(CMD, CLI_USAGE, "--content-type and --disposition apply to GET only");
    if (a->at && !media_sigv4_date_valid(a->at))
        return cli_fail(CMD, CLI_USAGE, "--at must be YYYYMMDDTHHMMSSZ (UTC)");
    return CLI_OK;
}

int cmd_presign(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_OK;
    }
    presign_args a;
    if (parse_args(argc, argv, &a) != CLI_OK)
        return CLI_USAGE;
    media_error err;
    media_s3_config cfg;
    if (media_s3_config_load(&cfg, cli_env, NULL, &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    int rc = CLI_USAGE;
    media_sigv4_signer *signer = NULL;
    const char *bucket = a.bucket ? a.bucket : cfg.bucket[0] ? cfg.bucket : NULL;
    if (bucket == NULL) {
        cli_fail(CMD, CLI_USAGE, "MEDIAGATE_S3_BUCKET is not set (or pass --bucket)");
        goto out;
    }
    media_s3_location loc;
    if (media_s3_locate(&cfg.public_endpoint, cfg.addressing, bucket, a.key, &loc, &err) !=
        MEDIA_OK) {
        cli_fail_err(CMD, CLI_USAGE, &err);
        goto out;
    }
    media_aws_credentials creds = {cfg.access_key_id, cfg.secret_access_key, cfg.session_token};
    signer = media_sigv4_signer_new(&creds, cfg.region, "s3", &err);
    if (signer == NULL) {
        cli_fail_err(CMD, CLI_USAGE, &err);
        goto out;
    }
    char now[17];
    media_s3_amz_date(time(NULL), now);
    media_sigv4_presign_request req = {a.method,  loc.host,       loc.path,      a.at ? a.at : now,
                                       a.expires, a.content_type, a.disposition, NULL,
                                       NULL,      NULL,           NULL};
    char query[MEDIA_SIGV4_MAX_QUERY];
    if (media_sigv4_presign(signer, &req, query, sizeof(query), NULL, &err) != MEDIA_OK) {
        cli_fail_err(CMD, CLI_USAGE, &err);
        goto out;
    }
    printf("%s%s?%s\n", loc.origin, loc.path, query);
    rc = CLI_OK;
out:
    media_sigv4_signer_destroy(signer);
    media_s3_config_cleanup(&cfg);
    return rc;
}
