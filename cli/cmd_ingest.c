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
#include "media/uuid.h"

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "ingest"

static volatile sig_atomic_t cancelled;

/* The claim this command holds on each row it works on (renewed while it runs): another
 * process, or a worker's outbox sweeper after this one died, may take a row over only after
 * its claim ran out. */
#define CLAIM_LEASE_MS 60000L

static void on_signal(int sig)
{
    (void)sig;
    cancelled = 1;
}

/*
 * The batch runs as a pipeline, so the catalog round trips of some URLs overlap the
 * transfers of others and `--concurrency N` means N transfers in flight:
 *   claimer (1 thread):    create the row, claim it (queued -> fetching)  -> work queue
 *   transfers (N threads): download + upload (ingest_transfer)            -> done queue
 *   finisher (1 thread):   mark ready or failed, print the record
 * The work queue holds at most N claimed rows, so at most 2N rows are fetching at once.
 */
typedef struct item {
    const char *url;
    ingest_job job;               /* claimed (or, when no row could be made, job.row.id is "") */
    volatile sig_atomic_t cancel; /* set by the claim keeper when the claim is lost */
    bool skip_transfer;
    media_code rc;
    media_error err;
    struct item *next;
} item;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    item *head, *tail;
    size_t len, cap; /* cap 0: unbounded */
    int producers;   /* closed when it reaches 0 */
} queue;

static void queue_init(queue *q, size_t cap, int producers)
{
    memset(q, 0, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->cap = cap;
    q->producers = producers;
}

static void queue_destroy(queue *q)
{
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
}

static void queue_push(queue *q, item *it)
{
    pthread_mutex_lock(&q->mu);
    while (q->cap && q->len >= q->cap)
        pthread_cond_wait(&q->cv, &q->mu);
    it->next = NULL;
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->len++;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* One producer is done; the queue closes when all are. */
static void queue_done(queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->producers--;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* The next item, or NULL once the queue is closed and empty. */
static item *queue_pop(queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->head == NULL && q->producers > 0)
        pthread_cond_wait(&q->cv, &q->mu);
    item *it = q->head;
    if (it) {
        q->head = it->next;
        if (q->head == NULL)
            q->tail = NULL;
        q->len--;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return it;
}

typedef struct {
    char **urls;
    int count;
    const char *tenant;
    const char *idempotency_key;
    const char *metadata;
    media_s3_config *s3cfg;
    const media_store_config *store; /* the catalog (the CLI runs without the queue) */
    ingest_options *opts;
    ingest_claims *claims;
    char owner[128];
    queue work, done;
    int failed;
    atomic_int setup_failed;
} batch;

static void emit(const media_record *r, const char *url, const media_error *err)
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
    puts(out.data);
    fflush(stdout);
    media_buf_cleanup(&out);
}

/* The catalog and S3 connections of one pipeline stage; false (reported once) on failure. */
static bool stage_open(batch *b, ingest_context *ctx)
{
    media_error err;
    memset(ctx, 0, sizeof(*ctx));
    ctx->o = b->opts;
    ctx->claims = b->claims;
    ctx->owner = b->owner;
    ctx->lease_ms = CLAIM_LEASE_MS;
    ctx->shutdown = &cancelled;
    if ((ctx->db = media_db_connect(b->store->database_url, &err)) == NULL)
        goto fail;
    media_s3_client_options so;
    media_s3_client_options_init(&so);
    so.cancel = &cancelled;
    if ((ctx->s3 = media_s3_client_new(b->s3cfg, NULL, &so, &err)) == NULL ||
        (ctx->s3_read = media_s3_client_new(b->s3cfg, NULL, &so, &err)) == NULL)
        goto fail;
    return true;
fail:
    if (atomic_exchange(&b->setup_failed, 1) == 0)
        cli_fail_err(CMD, CLI_FAILED, &err);
    media_db_close(ctx->db);
    ctx->db = NULL;
    media_s3_client_destroy(ctx->s3);
    ctx->s3 = NULL;
    return false;
}

static void stage_close(ingest_context *ctx)
{
    media_s3_client_destroy(ctx->s3);
    media_s3_client_destroy(ctx->s3_read);
    media_db_close(ctx->db);
    ingest_source_destroy(ctx->src);
}

static void *claimer(void *arg)
{
    batch *b = arg;
    ingest_context ctx;
    bool up = stage_open(b, &ctx);
    for (int i = 0; i < b->count; i++) {
        item *it = media_calloc(1, sizeof(*it));
        it->url = b->urls[i];
        it->job.claim = -1;
        if (!up || cancelled) {
            it->skip_transfer = true;
            it->rc = media_error_set(&it->err, MEDIA_ERR_CANCELLED, MEDIA_CLASS_TRANSIENT,
                                     up ? "cancelled" : "the catalog or storage is unreachable");
            queue_push(&b->done, it);
            continue;
        }
        char request_id[48] = "ingest-";
        media_uuid7_new(request_id + 7);
        media_create_request req = {b->tenant,
                                    it->url,
                                    b->idempotency_key,
                                    b->metadata,
                                    media_s3_client_bucket(ctx.s3),
                                    request_id,
                                    NULL,
                                    NULL,
                                    NULL};
        media_record created;
        bool was_created;
        memset(&created, 0, sizeof(created));
        it->rc = media_catalog_create(ctx.db, &req, &created, &was_created, &it->err);
        ctx.cancel = &it->cancel;
        if (it->rc == MEDIA_OK)
            it->rc = ingest_job_begin(&ctx, created.id, NULL, &it->job, &it->err);
        if (it->rc == MEDIA_OK && it->job.skipped) { /* an idempotent repeat of a finished row */
            media_record_cleanup(&it->job.row);
            it->job.row = created;
            memset(&created, 0, sizeof(created));
        } else if (it->rc != MEDIA_OK && it->job.row.id[0] == '\0') {
            media_record_cleanup(&it->job.row);
            it->job.row = created; /* report the row as it is (or nothing when none was made) */
            memset(&created, 0, sizeof(created));
        }
        media_record_cleanup(&created);
        it->skip_transfer = it->rc != MEDIA_OK || it->job.skipped;
        queue_push(it->skip_transfer ? &b->done : &b->work, it);
    }
    queue_done(&b->work);
    queue_done(&b->done);
    stage_close(&ctx);
    return NULL;
}

static void *transferrer(void *arg)
{
    batch *b = arg;
    ingest_context ctx;
    bool up = stage_open(b, &ctx);
    ctx.src = ingest_source_new();
    item *it;
    while ((it = queue_pop(&b->work)) != NULL) {
        ctx.cancel = &it->cancel;
        if (!up)
            it->rc = media_error_set(&it->err, MEDIA_ERR_IO, MEDIA_CLASS_TRANSIENT,
                                     "storage is unreachable");
        else
            it->rc = ingest_job_transfer(&ctx, &it->job, &it->err);
        queue_push(&b->done, it);
    }
    queue_done(&b->done);
    stage_close(&ctx);
    return NULL;
}

static void *finisher(void *arg)
{
    batch *b = arg;
    ingest_context ctx;
    bool up = stage_open(b, &ctx);
    item *it;
    while ((it = queue_pop(&b->done)) != NULL) {
        media_record *row = &it->job.row;
        ctx.cancel = &it->cancel;
        if (up && !it->skip_transfer && it->rc == MEDIA_OK)
            it->rc = ingest_job_finish(&ctx, &it->job, &it->err);
        if (up && it->rc != MEDIA_OK && row->id[0] && row->status == MEDIA_STATUS_FETCHING &&
            it->rc != MEDIA_ERR_FENCED && !ingest_job_claim_lost(&ctx, &it->job)) {
            media_record failed;
            bool changed;
            media_error ferr;
            if (media_catalog_mark_failed(ctx.db, row->id, row->claim_epoch, &it->err, &failed,
                                          &changed, &ferr) == MEDIA_OK) {
                media_record_cleanup(row);
                *row = failed;
            } else {
                media_record_cleanup(&failed);
            }
        }
        emit(row->id[0] ? row : NULL, it->url, &it->err);
        if (row->status != MEDIA_STATUS_READY || !row->id[0])
            b->failed++;
        ingest_job_end(&ctx, &it->job);
        free(it);
    }
    stage_close(&ctx);
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

/* Parse options and URLs into b; CLI_OK or the usage error already printed. */
static int parse_args(int argc, char **argv, batch *b, long *concurrency)
{
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 't'},
        {"concurrency", required_argument, NULL, 'c'},
        {"idempotency-key", required_argument, NULL, 'k'},
        {"metadata", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    b->tenant = "default";
    *concurrency = 1;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 't':
            b->tenant = optarg;
            break;
        case 'c':
            *concurrency = strtol(optarg, &end, 10);
            if (*end || *concurrency < 1 || *concurrency > 64)
                return cli_fail(CMD, CLI_USAGE, "--concurrency must be 1..64");
            break;
        case 'k':
            b->idempotency_key = optarg;
            break;
        case 'm':
            b->metadata = optarg;
            break;
        case ':':
            return cli_fail(CMD, CLI_USAGE, "%s needs a value", argv[optind - 1]);
        default:
            return cli_fail(CMD, CLI_USAGE, "unknown option '%s'", argv[optind - 1]);
        }
    }
    b->urls = argv + optind;
    b->count = argc - optind;
    if (b->count == 0)
        return cli_fail(CMD, CLI_USAGE, "give at least one URL");
    if (b->idempotency_key && b->count != 1)
        return cli_fail(CMD, CLI_USAGE, "--idempotency-key needs exactly one URL");
    if (!media_tenant_valid(b->tenant))
        return cli_fail(CMD, CLI_USAGE, "--tenant must be 1-63 characters of a-z 0-9 - _");
    return CLI_OK;
}

/* The pipeline: a claimer, `concurrency` transfer threads and a finisher, joined. */
static void run_batch(batch *b, long concurrency)
{
    char host[64] = "cli";
    gethostname(host, sizeof(host) - 1);
    snprintf(b->owner, sizeof(b->owner), "ingest-%s-%d", host, (int)getpid());
    ingest_claims_options co = {b->store->database_url, CLAIM_LEASE_MS, NULL, NULL, NULL};
    b->claims = ingest_claims_start(&co);
    if (concurrency > b->count)
        concurrency = b->count;
    /* the done queue's producers: the claimer and every transfer thread */
    queue_init(&b->work, (size_t)concurrency, 1);
    queue_init(&b->done, 0, 1 + (int)concurrency);
    pthread_t claim, finish, *threads = media_calloc((size_t)concurrency, sizeof(*threads));
    long started = 0;
    while (started < concurrency && pthread_create(&threads[started], NULL, transferrer, b) == 0)
        started++;
    /* threads that cannot start: fewer transfers is slower, not wrong; none cannot work (the
     * transfer threads, waiting on an empty work queue, hold nothing yet) */
    if (started == 0 || pthread_create(&claim, NULL, claimer, b) != 0) {
        fprintf(stderr, "mediagate ingest: cannot start threads\n");
        abort();
    }
    for (long i = started; i < concurrency; i++)
        queue_done(&b->done); /* a transfer thread that never started produces nothing */
    if (started < concurrency)
        fprintf(stderr, "mediagate ingest: %ld of %ld transfer threads started\n", started,
                concurrency);
    if (pthread_create(&finish, NULL, finisher, b) != 0) {
        fprintf(stderr, "mediagate ingest: cannot start a thread\n");
        abort();
    }
    pthread_join(claim, NULL);
    for (long i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_join(finish, NULL);
    ingest_claims_stop(b->claims);
    free(threads);
    queue_destroy(&b->work);
    queue_destroy(&b->done);
}

int cmd_ingest(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_OK;
    }
    batch b = {0};
    long concurrency;
    if (parse_args(argc, argv, &b, &concurrency) != CLI_OK)
        return CLI_USAGE;
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
    b.store = cli_store(CMD); /* loaded and checked by cli_open_db above */
    b.opts = &io;
    run_batch(&b, concurrency);
    rc = b.setup_failed ? CLI_FAILED : b.failed ? 3 : CLI_OK;
out:
    ingest_options_cleanup(&io);
    media_s3_config_cleanup(&s3cfg);
    return rc;
}
