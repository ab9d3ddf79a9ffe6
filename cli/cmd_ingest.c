/*
 * cmd_ingest.c - `mediagate ingest URL...`: the one-shot pipeline, no queue. Each URL gets a
 * catalog row, is streamed into the bucket, and is printed as one JSON line (the record).
 */
#include "cli.h"
#include "ingest/job.h"
#include "media/catalog.h"
#include "media/config.h"
#include "media/db.h"
#include "media/json.h"
#include "media/mem.h"
#include "media/migrations.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD "ingest"

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
    (void)sig;
    cancelled = 1;
}

typedef struct {
    char **urls;
    int count;
    int next;
    const char *tenant;
    const char *idempotency_key;
    const char *metadata;
    media_s3_config *s3cfg;
    ingest_options *opts;
    pthread_mutex_t mu;
    int failed;
    int setup_failed;
} batch;

static void emit(batch *b, const media_record *r, const char *url, const media_error *err)
{
    media_buf out;
    media_buf_init(&out, 1 << 20);
    if (r && r->id[0]) {
        media_record_json(r, &out);
    } else { /* no row could be written: report the URL and why */
        int first = 1;
        media_buf_appends(&out, "{");
        media_json_kv_str(&out, "status", "failed", &first);
        media_json_kv_str(&out, "source_url", url, &first);
        media_json_kv_str(&out, "error_class", media_error_class_name(err->cls), &first);
        media_json_kv_str(&out, "error", err->message, &first);
        media_buf_appends(&out, "}");
    }
    pthread_mutex_lock(&b->mu);
    puts(out.data);
    fflush(stdout);
    pthread_mutex_unlock(&b->mu);
    media_buf_cleanup(&out);
}

static void ingest_one(batch *b, ingest_context *ctx, const char *url)
{
    media_error err;
    media_record rec, fin;
    bool created, skipped;
    char request_id[48] = "ingest-";
    media_uuid7_new(request_id + 7);
    media_create_request req = {
        b->tenant, url, b->idempotency_key, b->metadata, media_s3_client_bucket(ctx->s3),
        request_id};
    memset(&rec, 0, sizeof(rec));
    if (media_catalog_create(ctx->db, &req, &rec, &created, &err) != MEDIA_OK) {
        emit(b, NULL, url, &err);
        pthread_mutex_lock(&b->mu);
        b->failed++;
        pthread_mutex_unlock(&b->mu);
        return;
    }
    media_code rc = ingest_job_run(ctx, rec.id, &fin, &skipped, NULL, &err);
    if (rc != MEDIA_OK && fin.id[0]) {
        media_record failed;
        bool changed;
        media_error ferr;
        if (media_catalog_mark_failed(ctx->db, rec.id, &err, &failed, &changed, &ferr) ==
            MEDIA_OK) {
            media_record_cleanup(&fin);
            fin = failed;
        }
    }
    const media_record *show = fin.id[0] ? &fin : &rec;
    emit(b, show, url, &err);
    if (show->status != MEDIA_STATUS_READY) {
        pthread_mutex_lock(&b->mu);
        b->failed++;
        pthread_mutex_unlock(&b->mu);
    }
    media_record_cleanup(&fin);
    media_record_cleanup(&rec);
}

static void *worker(void *arg)
{
    batch *b = arg;
    media_error err;
    media_db *db = media_db_connect(cli_env("MEDIAGATE_DATABASE_URL", NULL), &err);
    media_s3_client_options so;
    media_s3_client_options_init(&so);
    so.cancel = &cancelled;
    media_s3_client *s3 = db ? media_s3_client_new(b->s3cfg, NULL, &so, &err) : NULL;
    if (db == NULL || s3 == NULL) {
        pthread_mutex_lock(&b->mu);
        if (!b->setup_failed)
            cli_fail_err(CMD, CLI_FAILED, &err);
        b->setup_failed = 1;
        pthread_mutex_unlock(&b->mu);
        media_db_close(db);
        return NULL;
    }
    ingest_context ctx = {db, s3, b->opts, ingest_source_new()};
    for (;;) {
        pthread_mutex_lock(&b->mu);
        int i = b->next < b->count ? b->next++ : -1;
        pthread_mutex_unlock(&b->mu);
        if (i < 0)
            break;
        ingest_one(b, &ctx, b->urls[i]);
    }
    ingest_source_destroy(ctx.src);
    media_s3_client_destroy(s3);
    media_db_close(db);
    return NULL;
}

static void help(void)
{
    printf("usage: mediagate ingest [--tenant T] [--concurrency N] [--idempotency-key K]\n"
           "                        [--metadata JSON] URL...\n\n"
           "Stream each URL into the bucket (no local file, bounded memory), record it in the\n"
           "catalog and print its record as one JSON line: id, status, source_url,\n"
           "object_key, content_type, size_bytes, sha256, etag, and on failure error_class\n"
           "and error. The type comes from the bytes; only allowed types are stored.\n\n"
           "  --tenant T           tenant (default: default; created when missing)\n"
           "  --concurrency N      URLs in flight at once, 1..64 (default 1)\n"
           "  --idempotency-key K  with one URL: a repeated run returns the same record\n"
           "  --metadata JSON      a JSON object stored with each record\n\n"
           "environment:\n  MEDIAGATE_DATABASE_URL        PostgreSQL URL (required)\n%s%s\n"
           "exit status: 0 all ready; 3 some failed; 2 bad arguments or configuration;\n"
           "1 the catalog or storage could not be reached at all.\n",
           media_s3_config_help(), ingest_options_help());
}

int cmd_ingest(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_OK;
    }
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 't'},
        {"concurrency", required_argument, NULL, 'c'},
        {"idempotency-key", required_argument, NULL, 'k'},
        {"metadata", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    batch b = {.tenant = "default"};
    long concurrency = 1;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 't':
            b.tenant = optarg;
            break;
        case 'c':
            concurrency = strtol(optarg, &end, 10);
            if (*end || concurrency < 1 || concurrency > 64)
                return cli_fail(CMD, CLI_USAGE, "--concurrency must be 1..64");
            break;
        case 'k':
            b.idempotency_key = optarg;
            break;
        case 'm':
            b.metadata = optarg;
            break;
        case ':':
            return cli_fail(CMD, CLI_USAGE, "%s needs a value", argv[optind - 1]);
        default:
            return cli_fail(CMD, CLI_USAGE, "unknown option '%s'", argv[optind - 1]);
        }
    }
    b.urls = argv + optind;
    b.count = argc - optind;
    if (b.count == 0)
        return cli_fail(CMD, CLI_USAGE, "give at least one URL");
    if (b.idempotency_key && b.count != 1)
        return cli_fail(CMD, CLI_USAGE, "--idempotency-key needs exactly one URL");
    if (!media_tenant_valid(b.tenant))
        return cli_fail(CMD, CLI_USAGE, "--tenant must be 1-63 characters of a-z 0-9 - _");

    media_error err;
    media_s3_config s3cfg;
    ingest_options io;
    if (media_s3_config_load(&s3cfg, cli_env, NULL, &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    if (s3cfg.bucket[0] == '\0') {
        media_s3_config_cleanup(&s3cfg);
        return cli_fail(CMD, CLI_USAGE, "MEDIAGATE_S3_BUCKET is not set");
    }
    if (ingest_options_load(&io, cli_env, NULL, &err) != MEDIA_OK) {
        media_s3_config_cleanup(&s3cfg);
        return cli_fail_err(CMD, CLI_USAGE, &err);
    }
    io.cancel = &cancelled;
    int rc = CLI_FAILED;
    media_db *db = cli_open_db(CMD, true);
    if (db == NULL)
        goto out;
    media_code mc = media_catalog_tenant_ensure(db, b.tenant, &err);
    media_db_close(db);
    if (mc != MEDIA_OK) {
        cli_fail_err(CMD, CLI_FAILED, &err);
        goto out;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    b.s3cfg = &s3cfg;
    b.opts = &io;
    pthread_mutex_init(&b.mu, NULL);
    if (concurrency > b.count)
        concurrency = b.count;
    pthread_t *threads = media_calloc((size_t)concurrency, sizeof(*threads));
    for (long i = 0; i < concurrency; i++)
        pthread_create(&threads[i], NULL, worker, &b);
    for (long i = 0; i < concurrency; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pthread_mutex_destroy(&b.mu);
    rc = b.setup_failed ? CLI_FAILED : b.failed ? 3 : CLI_OK;
out:
    ingest_options_cleanup(&io);
    media_s3_config_cleanup(&s3cfg);
    return rc;
}
