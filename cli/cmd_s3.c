/*
 * cmd_s3.c - thin CLIs over the S3 client: put, get, uploads, create-bucket.
 *
 * put: reads FILE (or stdin) and writes it through media/s3_upload.c, the one upload path:
 * a regular file no larger than the threshold streams up in one PUT with its length; larger
 * files and stdin go by multipart (a stdin stream that ends within the first part is one
 * PUT). On SIGINT/SIGTERM or any failure nothing partial is left.
 */
#include "cli.h"
#include "media/db.h"
#include "media/uploads.h"
#include "media/config.h"
#include "media/hash.h"
#include "media/mem.h"
#include "media/s3_client.h"
#include "media/s3_upload.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocked read() returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static const char *s3_help_env(void)
{
    return media_s3_config_help();
}

/* Load config and build a client; prints the error and returns NULL on failure. */
static media_s3_client *open_client(const char *cmd, const char *bucket, media_s3_config *cfg)
{
    media_error err;
    if (media_s3_config_load(cfg, cli_env, NULL, &err) != MEDIA_OK) {
        cli_fail_err(cmd, CLI_USAGE, &err);
        return NULL;
    }
    media_s3_client_options o;
    media_s3_client_options_init(&o);
    o.cancel = &interrupted;
    media_s3_client *c = media_s3_client_new(cfg, bucket, &o, &err);
    if (c == NULL) {
        cli_fail_err(cmd, CLI_USAGE, &err);
        media_s3_config_cleanup(cfg);
    }
    return c;
}

/* ---- put ---- */

static void print_result(const char *key, const media_s3_upload_result *res)
{
    char hex[2 * MEDIA_SHA256_LEN + 1];
    media_hex(res->sha256, sizeof(res->sha256), hex);
    /* keys are validated UTF-8 without control characters; escape what JSON needs */
    printf("{\"key\":\"");
    for (const char *p = key; *p; p++) {
        if (*p == '"' || *p == '\\')
            putchar('\\');
        putchar(*p);
    }
    printf("\",\"size_bytes\":%llu,\"etag\":\"%s\",\"sha256\":\"%s\"}\n",
           (unsigned long long)res->size_bytes, res->info.etag, hex);
}

/* Read fd to its end into the uploader (which hashes it). True when all of it was read. */
static bool read_into(int fd, media_s3_uploader *u, media_error *err)
{
    enum { CHUNK = 256 * 1024 };
    char *buf = media_malloc(CHUNK);
    bool ok = false;
    for (;;) {
        if (interrupted) {
            media_error_set(err, MEDIA_ERR_CANCELLED, MEDIA_CLASS_PERMANENT, "interrupted");
            break;
        }
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            media_error_set(err, MEDIA_ERR_IO, MEDIA_CLASS_PERMANENT, "reading input failed: %s",
                            strerror(errno));
            break;
        }
        if (n == 0) {
            ok = true;
            break;
        }
        if (media_s3_upload_write(u, buf, (size_t)n) != MEDIA_OK) {
            media_error_set(err, MEDIA_ERR_IO, MEDIA_CLASS_PERMANENT, "the upload failed");
            break;
        }
    }
    free(buf);
    return ok;
}

typedef struct {
    const char *content_type, *cache_control, *bucket, *key, *path;
    unsigned long long part_size, threshold;
} put_args;

/* Parse put's options and operands; CLI_OK or the usage error already printed. */
static int parse_put(int argc, char **argv, put_args *a)
{
    static const char *CMD = "put";
    static const struct option opts[] = {
        {"content-type", required_argument, NULL, 't'},
        {"cache-control", required_argument, NULL, 'c'},
        {"part-size", required_argument, NULL, 'p'},
        {"threshold", required_argument, NULL, 'T'},
        {"bucket", required_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    *a = (put_args){"application/octet-stream", NULL, NULL, NULL, NULL, 8ull << 20, 0};
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (ch) {
        case 't':
            a->content_type = optarg;
            break;
        case 'c':
            a->cache_control = optarg;
            break;
        case 'b':
            a->bucket = optarg;
            break;
        case 'p':
            if (cli_parse_size(optarg, &a->part_size) || a->part_size < MEDIA_S3_MIN_PART_BYTES ||
                a->part_size > (1ull << 30))
                return cli_fail(CMD, CLI_USAGE, "--part-size must be 5MiB..1GiB");
            break;
        case 'T':
            if (cli_parse_size(optarg, &a->threshold) || a->threshold > MEDIA_S3_MAX_PUT_BYTES)
                return cli_fail(CMD, CLI_USAGE, "--threshold must be a size up to 5GiB");
            break;
        case ':':
            return cli_fail(CMD, CLI_USAGE, "%s needs a value", argv[optind - 1]);
        default:
            return cli_fail(CMD, CLI_USAGE, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_fail(CMD, CLI_USAGE, "expected KEY and FILE (or - for stdin)");
    a->key = argv[optind];
    a->path = argv[optind + 1];
    if (a->threshold == 0)
        a->threshold = a->part_size;
    media_error err;
    if (media_s3_key_check(a->key, &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    return CLI_OK;
}

/* Send fd (declared: its length, -1 unknown) to the key through the one upload path. */
static int put_fd(media_s3_client *c, const put_args *a, int fd, int64_t declared)
{
    static const char *CMD = "put";
    media_s3_upload_options uo = {(size_t)a->part_size, (int64_t)a->threshold, 0, a->content_type,
                                  a->cache_control};
    media_error err;
    media_s3_uploader *u = media_s3_upload_new(c, a->key, declared, &uo, NULL, &err);
    if (u == NULL)
        return cli_fail_err(CMD, CLI_FAILED, &err);
    media_error rerr;
    bool read_ok = read_into(fd, u, &rerr);
    media_s3_upload_result res;
    int rc = CLI_OK;
    if (media_s3_upload_finish(u, read_ok, &res, &err) == MEDIA_OK)
        print_result(a->key, &res);
    else if (!read_ok && !res.storage_failed)
        rc = cli_fail(CMD, CLI_FAILED, "%s; upload aborted, nothing was stored", rerr.message);
    else
        rc = cli_fail(CMD, CLI_FAILED, "%s; upload aborted, nothing partial was kept", err.message);
    return rc;
}

int cmd_put(int argc, char **argv)
{
    static const char *CMD = "put";
    if (cli_wants_help(argc, argv)) {
        printf("usage: mediagate put [options] KEY FILE|-\n\n"
               "Upload FILE (or stdin with '-') to KEY and print {key,size_bytes,etag,sha256}.\n"
               "A file up to the threshold goes in one streaming PUT; larger files and stdin\n"
               "go by multipart upload, at most two parts in memory at a time.\n\n"
               "  --content-type T   Content-Type to store (default application/octet-stream)\n"
               "  --cache-control C  Cache-Control to store\n"
               "  --part-size N      multipart part size, >= 5MiB (default 8MiB)\n"
               "  --threshold N      largest file sent in one PUT (default: the part size)\n"
               "  --bucket B         bucket (default MEDIAGATE_S3_BUCKET)\n\n"
               "environment:\n%s\n"
               "exit status: 0 stored; 1 failed (nothing partial is kept); 2 bad usage.\n",
               s3_help_env());
        return CLI_OK;
    }
    put_args a;
    int rc = parse_put(argc, argv, &a);
    if (rc != CLI_OK)
        return rc;
    int fd = 0;
    bool is_stdin = strcmp(a.path, "-") == 0;
    if (!is_stdin && (fd = open(a.path, O_RDONLY | O_CLOEXEC)) < 0)
        return cli_fail(CMD, CLI_USAGE, "cannot open %s: %s", a.path, strerror(errno));
    struct stat st;
    bool known = !is_stdin && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    media_s3_config cfg;
    media_s3_client *c = open_client(CMD, a.bucket, &cfg);
    if (c == NULL) {
        rc = CLI_USAGE;
    } else {
        catch_signals();
        rc = put_fd(c, &a, fd, known ? (int64_t)st.st_size : -1);
        media_s3_client_destroy(c);
        media_s3_config_cleanup(&cfg);
    }
    if (!is_stdin)
        close(fd);
    return rc;
}

/* ---- get ---- */

static int write_stdout(void *ud, const char *data, size_t n)
{
    (void)ud;
    while (n) {
        ssize_t w = write(1, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        data += w;
        n -= (size_t)w;
    }
    return 0;
}

int cmd_get(int argc, char **argv)
{
    static const char *CMD = "get";
    if (cli_wants_help(argc, argv)) {
        printf("usage: mediagate get [--bucket B] KEY\n\nWrite the object at KEY to stdout.\n\n"
               "environment:\n%s\nexit status: 0 written; 1 failed (e.g. no such key); 2 bad "
               "usage.\n",
               s3_help_env());
        return CLI_OK;
    }
    const char *bucket = NULL;
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "--bucket") == 0) {
        bucket = argv[2];
        i = 3;
    }
    if (argc - i != 1)
        return cli_fail(CMD, CLI_USAGE, "expected one KEY");
    media_error err;
    if (media_s3_key_check(argv[i], &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    media_s3_config cfg;
    media_s3_client *c = open_client(CMD, bucket, &cfg);
    if (c == NULL)
        return CLI_USAGE;
    catch_signals();
    int rc = CLI_OK;
    if (media_s3_get(c, argv[i], write_stdout, NULL, NULL, &err) != MEDIA_OK)
        rc = cli_fail_err(CMD, CLI_FAILED, &err);
    media_s3_client_destroy(c);
    media_s3_config_cleanup(&cfg);
    return rc;
}

/* ---- uploads ---- */

static int print_upload(void *ud, const media_s3_upload *u)
{
    (void)ud;
    char when[32];
    struct tm tm;
    gmtime_r(&u->initiated, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("{\"key\":\"");
    for (const char *p = u->key; *p; p++) {
        if (*p == '"' || *p == '\\')
            putchar('\\');
        putchar(*p);
    }
    printf("\",\"upload_id\":\"%s\",\"initiated\":\"%s\"}\n", u->upload_id, when);
    return 0;
}

/* `uploads --direct`: the catalog's uploads not completed yet. */
static int list_direct(const char *cmd, const char *tenant)
{
    if (tenant && !media_tenant_valid(tenant))
        return cli_fail(cmd, CLI_USAGE, "--tenant must be 1-63 characters of a-z 0-9 - _");
    media_db *db = cli_open_db(cmd, true);
    if (db == NULL)
        return CLI_FAILED;
    media_page p;
    media_error err;
    int rc = CLI_OK;
    if (media_uploads_pending(db, tenant, 1000, &p, &err) != MEDIA_OK) {
        rc = cli_fail_err(cmd, CLI_FAILED, &err);
    } else {
        media_buf b;
        media_buf_init(&b, 1 << 20);
        for (size_t i = 0; i < p.count; i++) {
            media_buf_reset(&b);
            media_record_json(&p.items[i], &b);
            printf("%.*s\n", (int)b.len, b.data);
        }
        media_buf_cleanup(&b);
        media_page_cleanup(&p);
    }
    media_db_close(db);
    return rc;
}

int cmd_uploads(int argc, char **argv)
{
    static const char *CMD = "uploads";
    if (cli_wants_help(argc, argv)) {
        printf("usage: mediagate uploads [--prefix P] [--abort-older-than SECONDS]\n"
               "       mediagate uploads --direct [--tenant T]\n\n"
               "List in-progress multipart uploads as JSON lines, or abort those started at\n"
               "least SECONDS ago and print {\"aborted\":N}. --direct lists the direct uploads\n"
               "(POST /api/v1/uploads) not completed yet, oldest expiry first, as media\n"
               "records; the worker's sweeper fails and cleans up those that expire.\n\n"
               "environment:\n  MEDIAGATE_DATABASE_URL (--direct)\n%s",
               s3_help_env());
        return CLI_OK;
    }
    static const struct option opts[] = {
        {"prefix", required_argument, NULL, 'p'},
        {"abort-older-than", required_argument, NULL, 'a'},
        {"bucket", required_argument, NULL, 'b'},
        {"direct", no_argument, NULL, 'd'},
        {"tenant", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    const char *prefix = NULL, *bucket = NULL, *tenant = NULL;
    bool direct = false;
    long age = -1;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'p':
            prefix = optarg;
            break;
        case 'b':
            bucket = optarg;
            break;
        case 'd':
            direct = true;
            break;
        case 't':
            tenant = optarg;
            break;
        case 'a':
            age = strtol(optarg, &end, 10);
            if (end == optarg || *end || age < 0)
                return cli_fail(CMD, CLI_USAGE, "--abort-older-than needs seconds >= 0");
            break;
        case ':':
            return cli_fail(CMD, CLI_USAGE, "%s needs a value", argv[optind - 1]);
        default:
            return cli_fail(CMD, CLI_USAGE, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_fail(CMD, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
    if (direct)
        return list_direct(CMD, tenant);
    if (tenant)
        return cli_fail(CMD, CLI_USAGE, "--tenant goes with --direct");
    media_s3_config cfg;
    media_s3_client *c = open_client(CMD, bucket, &cfg);
    if (c == NULL)
        return CLI_USAGE;
    media_error err;
    int rc = CLI_OK;
    if (age >= 0) {
        size_t n = 0;
        media_code mc = media_s3_multipart_abort_older_than(c, prefix, time(NULL), age, &n, &err);
        printf("{\"aborted\":%zu}\n", n);
        if (mc != MEDIA_OK)
            rc = cli_fail_err(CMD, CLI_FAILED, &err);
    } else if (media_s3_multipart_list(c, prefix, print_upload, NULL, &err) != MEDIA_OK) {
        rc = cli_fail_err(CMD, CLI_FAILED, &err);
    }
    media_s3_client_destroy(c);
    media_s3_config_cleanup(&cfg);
    return rc;
}

int cmd_create_bucket(int argc, char **argv)
{
    static const char *CMD = "create-bucket";
    if (cli_wants_help(argc, argv)) {
        printf("usage: mediagate create-bucket [BUCKET]\n\nCreate BUCKET (default "
               "MEDIAGATE_S3_BUCKET); success when it exists and is ours.\n\nenvironment:\n%s",
               s3_help_env());
        return CLI_OK;
    }
    if (argc > 2)
        return cli_fail(CMD, CLI_USAGE, "expected at most one BUCKET");
    media_s3_config cfg;
    media_s3_client *c = open_client(CMD, argc == 2 ? argv[1] : NULL, &cfg);
    if (c == NULL)
        return CLI_USAGE;
    media_error err;
    int rc = CLI_OK;
    if (media_s3_create_bucket(c, &err) != MEDIA_OK)
        rc = cli_fail_err(CMD, CLI_FAILED, &err);
    media_s3_client_destroy(c);
    media_s3_config_cleanup(&cfg);
    return rc;
}
