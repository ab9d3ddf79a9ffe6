/*
 * cmd_queue.c - the queue side: `worker`, `enqueue`, `dlq`.
 */
#include "cli.h"
#include "ingest/worker.h"
#include "media/catalog.h"
#include "media/config.h"
#include "media/db.h"
#include "media/enqueue.h"
#include "media/json.h"
#include "media/log.h"
#include "media/queue.h"
#include "media/uuid.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static ingest_worker *running;
static volatile sig_atomic_t signals_seen;

static void on_stop_signal(int sig)
{
    (void)sig;
    if (signals_seen++ > 0)
        _exit(1); /* a second signal: at once */
    if (running)
        ingest_worker_stop(running);
}

static media_queue *open_queue(const char *cmd, media_error *err, bool quiet)
{
    const media_store_config *store = cli_store(cmd);
    if (store == NULL) {
        media_error_set(err, MEDIA_ERR_CONFIG, MEDIA_CLASS_PERMANENT, "bad configuration");
        return NULL; /* cli_store said why */
    }
    if (media_store_config_need(store, false, true, err) != MEDIA_OK) {
        if (!quiet)
            cli_fail_err(cmd, CLI_USAGE, err);
        return NULL;
    }
    media_queue_options qo = {store->redis_url, store->queue_prefix, 2000};
    media_queue *q = media_queue_connect(&qo, err);
    if (q == NULL && !quiet)
        cli_fail_err(cmd, err->code == MEDIA_ERR_CONFIG ? CLI_USAGE : CLI_FAILED, err);
    return q;
}

int cmd_worker(int argc, char **argv)
{
    static const char *CMD = "worker";
    if (cli_wants_help(argc, argv)) {
        printf(
            "usage: mediagate worker\n\n"
            "Run ingest jobs from the Redis queue until SIGTERM/SIGINT: stop taking jobs,\n"
            "finish in-flight transfers within the grace period, leave the rest for another\n"
            "worker, exit 0. A second signal exits at once. Serves /health, /ready and\n"
            "/metrics on MEDIAGATE_WORKER_LISTEN. Logs are JSON lines on stderr.\n\n"
            "environment:\n  MEDIAGATE_DATABASE_URL          PostgreSQL URL (required)\n%s%s%s%s",
            ingest_worker_help(), ingest_notify_help(), media_s3_config_help(),
            ingest_options_help());
        return CLI_OK;
    }
    if (argc > 1)
        return cli_fail(CMD, CLI_USAGE, "unexpected argument '%s'", argv[1]);
    media_error err;
    ingest_worker_config wc;
    media_s3_config s3;
    ingest_options io;
    const media_store_config *store = cli_store(CMD);
    if (store == NULL)
        return CLI_USAGE;
    if (ingest_worker_config_load(&wc, store, cli_env, NULL, &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    if (media_s3_config_load(&s3, cli_env, NULL, &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    if (s3.bucket[0] == '\0') {
        media_s3_config_cleanup(&s3);
        return cli_fail(CMD, CLI_USAGE, "MEDIAGATE_S3_BUCKET is not set");
    }
    if (ingest_options_load(&io, cli_env, NULL, &err) != MEDIA_OK) {
        media_s3_config_cleanup(&s3);
        return cli_fail_err(CMD, CLI_USAGE, &err);
    }
    const char *lvl = cli_env("MEDIAGATE_LOG_LEVEL", NULL);
    if (lvl && lvl[0] && media_log_level_parse(lvl) >= 0)
        media_log_set_level((media_log_level)media_log_level_parse(lvl));
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int rc = CLI_OK;
    running = ingest_worker_start(&wc, &s3, &io, &err);
    if (running == NULL) {
        rc = cli_fail_err(CMD, err.code == MEDIA_ERR_CONFIG ? CLI_USAGE : CLI_FAILED, &err);
    } else {
        ingest_worker_wait(running); /* frees it */
        running = NULL;
    }
    ingest_options_cleanup(&io);
    media_s3_config_cleanup(&s3);
    return rc;
}

int cmd_enqueue(int argc, char **argv)
{
    static const char *CMD = "enqueue";
    if (cli_wants_help(argc, argv)) {
        printf(
            "usage: mediagate enqueue [--tenant T] [--idempotency-key K] [--metadata JSON] URL\n\n"
            "Accept an ingest job: write the catalog row (queued) first, then add the job\n"
            "to the Redis stream. If Redis is unreachable the job is still accepted (the\n"
            "row is the outbox; workers re-enqueue it). Prints the record as one JSON line.\n\n"
            "environment:\n  MEDIAGATE_DATABASE_URL, MEDIAGATE_REDIS_URL, MEDIAGATE_S3_BUCKET\n");
        return CLI_OK;
    }
    static const struct option opts[] = {{"tenant", required_argument, NULL, 't'},
                                         {"idempotency-key", required_argument, NULL, 'k'},
                                         {"metadata", required_argument, NULL, 'm'},
                                         {NULL, 0, NULL, 0}};
    const char *tenant = "default", *key = NULL, *metadata = NULL;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (ch == 't')
            tenant = optarg;
        else if (ch == 'k')
            key = optarg;
        else if (ch == 'm')
            metadata = optarg;
        else
            return cli_fail(CMD, CLI_USAGE, "bad option '%s'", argv[optind - 1]);
    }
    if (argc - optind != 1)
        return cli_fail(CMD, CLI_USAGE, "expected one URL");
    if (!media_tenant_valid(tenant))
        return cli_fail(CMD, CLI_USAGE, "--tenant must be 1-63 characters of a-z 0-9 - _");
    const char *bucket = cli_env("MEDIAGATE_S3_BUCKET", NULL);
    if (bucket == NULL || bucket[0] == '\0')
        return cli_fail(CMD, CLI_USAGE, "MEDIAGATE_S3_BUCKET is not set");
    media_error err, qerr;
    const media_store_config *store = cli_store(CMD);
    if (store == NULL)
        return CLI_USAGE;
    if (media_store_config_need(store, false, true, &err) != MEDIA_OK)
        return cli_fail_err(CMD, CLI_USAGE, &err);
    media_db *db = cli_open_db(CMD, true);
    if (db == NULL)
        return CLI_FAILED;
    int rc = CLI_OK;
    media_queue *q = open_queue(CMD, &qerr, true); /* Redis down is not a failure here */
    char request_id[48] = "cli-";
    media_uuid7_new(request_id + 4);
    media_create_request req = {tenant,     argv[optind], key,  metadata, bucket,
                                request_id, NULL,         NULL, NULL};
    media_record rec;
    bool created, queued;
    memset(&rec, 0, sizeof(rec));
    if (media_catalog_tenant_ensure(db, tenant, &err) != MEDIA_OK ||
        media_enqueue(db, q, &req, &rec, &created, &queued, &qerr, &err) != MEDIA_OK) {
        rc = cli_fail_err(CMD,
                          err.code == MEDIA_ERR_INVALID || err.code == MEDIA_ERR_CONFLICT
                              ? CLI_USAGE
                              : CLI_FAILED,
                          &err);
    } else {
        if (created && !queued)
            media_log(MEDIA_LOG_WARN, request_id, NULL,
                      "job accepted but not yet queued (%s); the outbox sweeper will enqueue it",
                      qerr.message);
        media_buf b;
        media_buf_init(&b, 1 << 20);
        media_record_json(&rec, &b);
        puts(b.data);
        media_buf_cleanup(&b);
    }
    media_record_cleanup(&rec);
    media_queue_close(q);
    media_db_close(db);
    return rc;
}

static void print_dead(const media_dead_letter *d)
{
    media_buf b;
    media_buf_init(&b, 1 << 16);
    int first = 1;
    char at[40];
    time_t secs = (time_t)(d->failed_at_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
    media_buf_appends(&b, "{");
    media_json_kv_str(&b, "id", d->id, &first);
    media_json_kv_str(&b, "media_id", d->job.media_id, &first);
    media_json_kv_str(&b, "tenant", d->job.tenant, &first);
    media_json_kv_str(&b, "source_url", d->job.source_url, &first);
    media_json_kv_int(&b, "attempts", d->job.attempt, &first);
    media_json_kv_str(&b, "request_id", d->job.request_id, &first);
    media_json_kv_str(&b, "error_class", d->error_class, &first);
    media_json_kv_str(&b, "error", d->error, &first);
    media_json_kv_int(&b, "http_status", d->http_status, &first);
    media_json_kv_str(&b, "worker", d->worker, &first);
    media_json_kv_str(&b, "failed_at", at, &first);
    media_buf_appends(&b, "}");
    puts(b.data);
    media_buf_cleanup(&b);
}

/* Replay one dead letter: row back to queued (attempts 0), job to the stream, entry gone. */
/* A Redis stream entry ID: milliseconds '-' sequence, both decimal. */
static bool dead_letter_id_valid(const char *id)
{
    size_t ms = strspn(id, "0123456789");
    if (ms == 0 || ms > 20 || id[ms] != '-')
        return false;
    size_t seq = strspn(id + ms + 1, "0123456789");
    return seq > 0 && seq <= 20 && id[ms + 1 + seq] == '\0';
}

static media_code replay(media_db *db, media_queue *q, const media_dead_letter *d, media_error *err)
{
    media_record r;
    media_code rc = media_catalog_requeue(db, d->job.media_id, &r, err);
    if (rc != MEDIA_OK && rc != MEDIA_ERR_NOT_FOUND)
        return rc;
    if (rc == MEDIA_OK) { /* the row, now queued with attempts 0, goes the normal way */
        rc = media_enqueue_publish(db, q, &r, err);
        media_record_cleanup(&r);
        if (rc != MEDIA_OK)
            return rc;
    }
    return media_queue_dlq_delete(q, d->id, err);
}

static int dlq_list(int argc, char **argv)
{
    static const char *CMD = "dlq";
    media_error err;
    int rc = CLI_OK;
    long limit = 100;
    if (argc == 4 && strcmp(argv[2], "--limit") == 0)
        limit = strtol(argv[3], NULL, 10);
    else if (argc != 2)
        return cli_fail(CMD, CLI_USAGE, "usage: dlq list [--limit N]");
    if (limit < 1 || limit > 100000)
        return cli_fail(CMD, CLI_USAGE, "--limit must be 1..100000");
    media_queue *q = open_queue(CMD, &err, false);
    if (q == NULL)
        return err.code == MEDIA_ERR_CONFIG ? CLI_USAGE : CLI_FAILED;
    char after[48] = "";
    long shown = 0;
    while (shown < limit) {
        media_dead_letter *d;
        size_t n;
        int page = limit - shown > 500 ? 500 : (int)(limit - shown);
        if (media_queue_dlq_list(q, after, page, &d, &n, &err) != MEDIA_OK) {
            rc = cli_fail_err(CMD, CLI_FAILED, &err);
            break;
        }
        for (size_t i = 0; i < n; i++)
            print_dead(&d[i]);
        if (n)
            snprintf(after, sizeof(after), "%s", d[n - 1].id);
        shown += (long)n;
        free(d);
        if (n < (size_t)page)
            break;
    }
    media_queue_close(q);
    return rc;
}

static int dlq_show(int argc, char **argv)
{
    static const char *CMD = "dlq";
    media_error err;
    int rc = CLI_OK;
    if (argc != 3)
        return cli_fail(CMD, CLI_USAGE, "usage: dlq show ID");
    media_queue *q = open_queue(CMD, &err, false);
    if (q == NULL)
        return err.code == MEDIA_ERR_CONFIG ? CLI_USAGE : CLI_FAILED;
    media_dead_letter d;
    if (media_queue_dlq_get(q, argv[2], &d, &err) != MEDIA_OK)
        rc = cli_fail_err(CMD, CLI_FAILED, &err);
    else
        print_dead(&d);
    media_queue_close(q);
    return rc;
}

static int dlq_replay(int argc, char **argv)
{
    static const char *CMD = "dlq";
    media_error err;
    int rc = CLI_OK;
    if (argc != 3)
        return cli_fail(CMD, CLI_USAGE, "usage: dlq replay ID | --all");
    media_db *db = cli_open_db(CMD, true);
    if (db == NULL)
        return CLI_FAILED;
    media_queue *q = open_queue(CMD, &err, false);
    if (q == NULL) {
        media_db_close(db);
        return err.code == MEDIA_ERR_CONFIG ? CLI_USAGE : CLI_FAILED;
    }
    long replayed = 0;
    if (strcmp(argv[2], "--all") == 0) {
        for (;;) {
            media_dead_letter *d;
            size_t n;
            if (media_queue_dlq_list(q, NULL, 200, &d, &n, &err) != MEDIA_OK) {
                rc = cli_fail_err(CMD, CLI_FAILED, &err);
                break;
            }
            for (size_t i = 0; i < n && rc == CLI_OK; i++) {
                if (replay(db, q, &d[i], &err) != MEDIA_OK)
                    rc = cli_fail_err(CMD, CLI_FAILED, &err);
                else
                    replayed++;
            }
            free(d);
            if (n == 0 || rc != CLI_OK)
                break;
        }
    } else {
        media_dead_letter d;
        if (media_queue_dlq_get(q, argv[2], &d, &err) != MEDIA_OK ||
            replay(db, q, &d, &err) != MEDIA_OK)
            rc = cli_fail_err(CMD, CLI_FAILED, &err);
        else
            replayed = 1;
    }
    printf("{\"replayed\":%ld}\n", replayed);
    media_queue_close(q);
    media_db_close(db);
    return rc;
}

static int dlq_purge(int argc, char **argv)
{
    static const char *CMD = "dlq";
    media_error err;
    int rc = CLI_OK;
    long older = 0;
    if (argc == 4 && strcmp(argv[2], "--older-than") == 0) {
        if (cli_parse_duration(argv[3], &older) != 0)
            return cli_fail(CMD, CLI_USAGE, "--older-than must be a duration like 7d");
    } else if (argc != 2) {
        return cli_fail(CMD, CLI_USAGE, "usage: dlq purge [--older-than DURATION]");
    }
    media_queue *q = open_queue(CMD, &err, false);
    if (q == NULL)
        return err.code == MEDIA_ERR_CONFIG ? CLI_USAGE : CLI_FAILED;
    long removed = 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (media_queue_dlq_purge(q, now, (int64_t)older * 1000, &removed, &err) != MEDIA_OK)
        rc = cli_fail_err(CMD, CLI_FAILED, &err);
    else
        printf("{\"purged\":%ld}\n", removed);
    media_queue_close(q);
    return rc;
}

int cmd_dlq(int argc, char **argv)
{
    static const char *CMD = "dlq";
    if (argc < 2 || cli_wants_help(argc, argv)) {
        printf("usage: mediagate dlq list [--limit N]\n"
               "       mediagate dlq show ID\n"
               "       mediagate dlq replay ID | --all\n"
               "       mediagate dlq purge [--older-than DURATION]\n\n"
               "Dead letters: jobs that failed permanently or ran out of attempts, with their\n"
               "error context. replay resets the row's attempts, re-enqueues it through the\n"
               "normal path and removes the entry. purge removes entries (all, or older than\n"
               "e.g. 7d). Entries older than MEDIAGATE_DLQ_RETENTION_DAYS are trimmed.\n\n"
               "environment:\n  MEDIAGATE_REDIS_URL, MEDIAGATE_DATABASE_URL (replay)\n");
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1];
    if ((strcmp(sub, "show") == 0 || strcmp(sub, "replay") == 0) && argc == 3 &&
        strcmp(argv[2], "--all") != 0 && !dead_letter_id_valid(argv[2]))
        return cli_fail(CMD, CLI_USAGE, "a dead letter ID looks like 1700000000000-0 (dlq list)");
    if (strcmp(sub, "list") == 0)
        return dlq_list(argc, argv);
    if (strcmp(sub, "show") == 0)
        return dlq_show(argc, argv);
    if (strcmp(sub, "replay") == 0)
        return dlq_replay(argc, argv);
    if (strcmp(sub, "purge") == 0)
        return dlq_purge(argc, argv);
    return cli_fail(CMD, CLI_USAGE, "unknown subcommand '%s' (list, show, replay, purge)", sub);
}
