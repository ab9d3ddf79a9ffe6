/*
 * s3_upload.c - a stream of writes into one verified S3 object (see s3_upload.h).
 *
 * The writer and the uploader thread share one mutex and condition variable:
 *   stream:    a ring buffer (pipe) the writer fills and the PUT's read callback drains;
 *   multipart: two part slots, FREE -> FILLING (writer) -> READY -> UPLOADING -> FREE.
 * Either side sets its flag on failure (abort_in: the writer gave up; abort_up: S3 failed)
 * and the other stops at its next step.
 */
#include "s3_upload.h"
#include "hash.h"
#include "hash_pair.h"
#include "mem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PIPE_BYTES (256u * 1024)

typedef enum { SLOT_FREE, SLOT_FILLING, SLOT_READY, SLOT_UPLOADING } slot_state;

struct media_s3_uploader {
    media_s3_client *s3;
    const char *key;
    media_s3_upload_options o;
    media_s3_upload_hooks hooks;
    media_s3_upload_mode mode;
    int64_t declared;
    int64_t written; /* the writer's count */
    bool overrun;    /* the writer offered more than the declared length (stream) */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* stream */
    char *pipe;
    size_t pipe_cap, pipe_head, pipe_len;
    size_t writer_need; /* free bytes the waiting writer waits for; 0 when it is not waiting */
    size_t reader_need; /* bytes the waiting uploader waits for; 0 when it is not waiting */
    int64_t consumed;   /* bytes the uploader has taken (its count) */
    /* MD5 (of the stream, or of each part) and SHA-256 of every byte written, computed in one
     * pass on the writer's thread while the bytes are still in its cache (hash_pair.h) */
    media_hash_pair *hp;
    /* multipart */
    char *buf[2];
    size_t blen[2];
    uint8_t part_md5[2][MEDIA_MD5_LEN]; /* set by the writer when the slot becomes READY */
    slot_state st[2];
    unsigned seq[2], next_seq, up_seq;
    int filling;   /* the slot the writer fills, -1 when none */
    bool eof;      /* the writer finished; everything is handed over */
    bool abort_in; /* the writer gave up: the uploader aborts */
    bool abort_up; /* the upload failed: the writer stops */

    /* the uploader's results, read after join */
    pthread_t thread;
    media_code up_rc;
    media_error up_err;
    media_s3_object_info info;
    media_s3_part *parts;
    size_t nparts;
    bool whole_put; /* multipart mode, but the input fit in its first part: one PUT */
    uint8_t whole_md5[MEDIA_MD5_LEN];
};

media_s3_upload_mode media_s3_upload_plan(int64_t declared, const media_s3_upload_options *o)
{
    return declared >= 0 && declared <= o->single_put_max ? MEDIA_S3_UPLOAD_STREAM
                                                          : MEDIA_S3_UPLOAD_MULTIPART;
}

static media_s3_put_options put_options(const media_s3_uploader *u)
{
    media_s3_put_options po = {u->o.content_type, u->o.cache_control, NULL};
    return po;
}

static void upload_failed(media_s3_uploader *u)
{
    pthread_mutex_lock(&u->mu);
    u->abort_up = true;
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
}

/* ---- stream: one PUT fed from the pipe ---- */

/* The pipe is a ring with one writer and one reader. Each side takes the lock only to see
 * and to publish the counts and copies outside it: the writer fills free space the reader
 * cannot see yet, the reader copies bytes the writer cannot overwrite until they are
 * consumed. A side wakes the other only when it waits, and only once half the pipe is free
 * (the writer) or full (the uploader; or the rest of the body, when that is less), after
 * unlocking. (Copying under the lock and waking on every read cost about 3,600 futex calls
 * and as many context switches per 200 MiB; waking the uploader on every write, once the
 * writer hashed both digests, 4,400 and 2,200 sends instead of 840: bench/README.md.) */
static size_t pipe_read(void *ud, char *out, size_t cap)
{
    media_s3_uploader *u = ud;
    /* Wait for a batch, not for any byte: half the pipe, or what the PUT still needs when
     * that is less. A writer slower than the socket (it hashes) would otherwise be chased
     * with one small send and one wake-up per write. */
    size_t want = u->pipe_cap / 2 < cap ? u->pipe_cap / 2 : cap;
    if ((int64_t)want > u->declared - u->consumed)
        want = (size_t)(u->declared - u->consumed);
    if (want == 0)
        want = 1;
    pthread_mutex_lock(&u->mu);
    while (u->pipe_len < want && !u->eof && !u->abort_in) {
        u->reader_need = want;
        pthread_cond_wait(&u->cv, &u->mu);
    }
    u->reader_need = 0;
    if (u->abort_in) {
        pthread_mutex_unlock(&u->mu);
        return MEDIA_READ_ABORT;
    }
    size_t n = u->pipe_len < cap ? u->pipe_len : cap;
    size_t head = u->pipe_head;
    pthread_mutex_unlock(&u->mu);

    size_t first = u->pipe_cap - head;
    if (first > n)
        first = n;
    memcpy(out, u->pipe + head, first);
    memcpy(out + first, u->pipe, n - first);

    u->consumed += (int64_t)n;
    pthread_mutex_lock(&u->mu);
    u->pipe_head = (head + n) % u->pipe_cap;
    u->pipe_len -= n;
    bool wake = u->writer_need && u->pipe_cap - u->pipe_len >= u->writer_need;
    pthread_mutex_unlock(&u->mu);
    if (wake)
        pthread_cond_broadcast(&u->cv);
    return n;
}

static void *uploader_stream(void *arg)
{
    media_s3_uploader *u = arg;
    media_s3_put_options po = put_options(u);
    u->up_rc =
        media_s3_put(u->s3, u->key, pipe_read, u, (uint64_t)u->declared, &po, &u->info, &u->up_err);
    if (u->up_rc != MEDIA_OK)
        upload_failed(u);
    return NULL;
}

static bool stream_write(media_s3_uploader *u, const char *p, size_t n)
{
    bool ok = true;
    while (n) {
        pthread_mutex_lock(&u->mu);
        /* too little room for all of it: wait until half the pipe is free, not for every read */
        size_t half = u->pipe_cap > 1 ? u->pipe_cap / 2 : 1;
        while (u->pipe_cap - u->pipe_len < n && u->pipe_cap - u->pipe_len < half && !u->abort_up) {
            u->writer_need = half;
            pthread_cond_wait(&u->cv, &u->mu);
        }
        u->writer_need = 0;
        if (u->abort_up) {
            pthread_mutex_unlock(&u->mu);
            ok = false;
            break;
        }
        size_t tail = (u->pipe_head + u->pipe_len) % u->pipe_cap;
        size_t room = u->pipe_cap - u->pipe_len;
        pthread_mutex_unlock(&u->mu);

        size_t chunk = n < room ? n : room;
        size_t first = u->pipe_cap - tail < chunk ? u->pipe_cap - tail : chunk;
        memcpy(u->pipe + tail, p, first);
        memcpy(u->pipe, p + first, chunk - first);
        p += chunk;
        n -= chunk;

        pthread_mutex_lock(&u->mu);
        u->pipe_len += chunk;
        bool wake = u->reader_need && u->pipe_len >= u->reader_need;
        ok = !u->abort_up;
        pthread_mutex_unlock(&u->mu);
        if (wake)
            pthread_cond_broadcast(&u->cv);
        if (!ok)
            break;
    }
    return ok;
}

/* ---- multipart: two part slots ---- */

/* A free slot for the writer to fill (allocated on first use); false when the upload failed. */
static bool take_free_slot(media_s3_uploader *u)
{
    pthread_mutex_lock(&u->mu);
    for (;;) {
        if (u->abort_up) {
            pthread_mutex_unlock(&u->mu);
            return false;
        }
        int i = u->st[0] == SLOT_FREE ? 0 : u->st[1] == SLOT_FREE ? 1 : -1;
        if (i >= 0) {
            if (u->buf[i] == NULL)
                u->buf[i] = media_malloc(u->o.part_size);
            u->st[i] = SLOT_FILLING;
            u->blen[i] = 0;
            u->seq[i] = u->next_seq++;
            u->filling = i;
            pthread_mutex_unlock(&u->mu);
            return true;
        }
        pthread_cond_wait(&u->cv, &u->mu);
    }
}

static bool parts_write(media_s3_uploader *u, const char *p, size_t n)
{
    const size_t part = u->o.part_size;
    while (n) {
        if (u->filling < 0 && !take_free_slot(u))
            return false;
        int i = u->filling;
        size_t chunk = part - u->blen[i] < n ? part - u->blen[i] : n;
        media_hash_pair_update(u->hp, p, chunk);
        memcpy(u->buf[i] + u->blen[i], p, chunk); /* the FILLING slot is the writer's */
        u->blen[i] += chunk;
        p += chunk;
        n -= chunk;
        if (u->blen[i] == part) {
            media_hash_pair_md5(u->hp, u->part_md5[i]);
            pthread_mutex_lock(&u->mu);
            u->st[i] = SLOT_READY;
            u->filling = -1;
            bool failed = u->abort_up;
            pthread_cond_broadcast(&u->cv);
            pthread_mutex_unlock(&u->mu);
            if (failed)
                return false;
        }
    }
    return true;
}

/* Wait for the first part. When the input ended within it, send it in one PUT from memory
 * instead of starting a multipart upload. True when that happened (up_rc tells how). */
static bool first_part_is_whole(media_s3_uploader *u)
{
    pthread_mutex_lock(&u->mu);
    while (!u->abort_in && u->st[0] != SLOT_READY && u->st[1] != SLOT_READY && !u->eof)
        pthread_cond_wait(&u->cv, &u->mu);
    int i = u->st[0] == SLOT_READY ? 0 : u->st[1] == SLOT_READY ? 1 : -1;
    /* no part at all: the input was empty (an empty object is one PUT too) */
    bool whole = !u->abort_in && u->eof &&
                 (i < 0 || (u->st[1 - i] != SLOT_READY && u->blen[i] < u->o.part_size));
    pthread_mutex_unlock(&u->mu);
    if (!whole)
        return false;
    media_s3_put_options po = put_options(u);
    const char *data = i >= 0 ? u->buf[i] : "";
    size_t len = i >= 0 ? u->blen[i] : 0;
    if (i >= 0)
        memcpy(u->whole_md5, u->part_md5[i], sizeof(u->whole_md5));
    else
        media_md5("", 0, u->whole_md5);
    u->whole_put = true;
    u->up_rc = media_s3_put_buffer(u->s3, u->key, data, len, &po, &u->info, &u->up_err);
    if (u->up_rc != MEDIA_OK)
        upload_failed(u);
    return true;
}

/* Abort an upload of ours (never cancelled); report it once S3 confirmed. When the abort
 * fails, the owner's record of it (hooks.opened) is what cleans it later. */
static void abort_upload(media_s3_uploader *u, const char *upload_id)
{
    media_error aerr;
    if (media_s3_multipart_abort(u->s3, u->key, upload_id, &aerr) != MEDIA_OK)
        return;
    if (u->hooks.closed)
        u->hooks.closed(u->hooks.ud, upload_id);
}

/* The next READY slot in order, marked UPLOADING; -1 when everything is uploaded; -2 when
 * the writer gave up. */
static int next_ready_slot(media_s3_uploader *u)
{
    pthread_mutex_lock(&u->mu);
    int i = -1;
    for (;;) {
        if (u->abort_in) {
            i = -2;
            break;
        }
        for (int k = 0; k < 2; k++)
            if (u->st[k] == SLOT_READY && u->seq[k] == u->up_seq)
                i = k;
        if (i >= 0 || (u->eof && u->st[0] != SLOT_READY && u->st[1] != SLOT_READY))
            break;
        pthread_cond_wait(&u->cv, &u->mu);
    }
    if (i >= 0)
        u->st[i] = SLOT_UPLOADING;
    pthread_mutex_unlock(&u->mu);
    return i;
}

static media_code upload_parts(media_s3_uploader *u, const char *upload_id)
{
    size_t cap = 0;
    for (;;) {
        int i = next_ready_slot(u);
        if (i == -2)
            return media_error_set(&u->up_err, MEDIA_ERR_CANCELLED, MEDIA_CLASS_TRANSIENT,
                                   "the upload's input failed");
        if (i < 0)
            return MEDIA_OK; /* everything uploaded */
        if (u->nparts == MEDIA_S3_MAX_PARTS)
            return media_error_set(&u->up_err, MEDIA_ERR_TOO_LARGE, MEDIA_CLASS_PERMANENT,
                                   "input needs more than %d parts of %zu bytes",
                                   MEDIA_S3_MAX_PARTS, u->o.part_size);
        if (u->nparts == cap) {
            cap = cap ? cap * 2 : 16;
            u->parts = media_realloc(u->parts, cap * sizeof(*u->parts));
        }
        media_code rc = media_s3_multipart_upload_part(u->s3, u->key, upload_id, (int)u->nparts + 1,
                                                       u->buf[i], u->blen[i], u->part_md5[i],
                                                       &u->parts[u->nparts], &u->up_err);
        if (rc != MEDIA_OK)
            return rc;
        u->nparts++;
        pthread_mutex_lock(&u->mu);
        u->st[i] = SLOT_FREE;
        u->up_seq++;
        pthread_cond_broadcast(&u->cv);
        pthread_mutex_unlock(&u->mu);
    }
}

static void *uploader_multipart(void *arg)
{
    media_s3_uploader *u = arg;
    if (first_part_is_whole(u))
        return NULL;
    media_s3_put_options po = put_options(u);
    char upload_id[256];
    u->up_rc =
        media_s3_multipart_create(u->s3, u->key, &po, upload_id, sizeof(upload_id), &u->up_err);
    if (u->up_rc != MEDIA_OK) {
        upload_failed(u);
        return NULL;
    }
    /* reported before any part is sent, so the owner can record it and a later attempt or a
     * sweeper can abort it even if this process dies */
    if (u->hooks.opened &&
        (u->up_rc = u->hooks.opened(u->hooks.ud, upload_id, &u->up_err)) != MEDIA_OK) {
        upload_failed(u);
        abort_upload(u, upload_id);
        return NULL;
    }
    u->up_rc = upload_parts(u, upload_id);
    if (u->up_rc == MEDIA_OK)
        u->up_rc = media_s3_multipart_complete(u->s3, u->key, upload_id, u->parts, u->nparts,
                                               &u->info, &u->up_err);
    if (u->up_rc != MEDIA_OK) {
        upload_failed(u);
        abort_upload(u, upload_id); /* nothing partial stays behind */
    }
    return NULL;
}

/* ---- the writer's side ---- */

media_s3_uploader *media_s3_upload_new(media_s3_client *s3, const char *key, int64_t declared,
                                       const media_s3_upload_options *o,
                                       const media_s3_upload_hooks *hooks, media_error *err)
{
    media_s3_uploader *u = media_calloc(1, sizeof(*u));
    u->s3 = s3;
    u->key = key;
    u->o = *o;
    if (hooks)
        u->hooks = *hooks;
    u->declared = declared;
    u->filling = -1;
    u->mode = media_s3_upload_plan(declared, o);
    pthread_mutex_init(&u->mu, NULL);
    pthread_cond_init(&u->cv, NULL);
    if (u->mode == MEDIA_S3_UPLOAD_STREAM) {
        u->pipe_cap = o->pipe_bytes ? o->pipe_bytes : DEFAULT_PIPE_BYTES;
        u->pipe = media_malloc(u->pipe_cap);
    }
    u->hp = media_hash_pair_new();
    if (pthread_create(&u->thread, NULL,
                       u->mode == MEDIA_S3_UPLOAD_STREAM ? uploader_stream : uploader_multipart,
                       u) != 0) {
        media_hash_pair_destroy(u->hp);
        free(u->pipe);
        pthread_mutex_destroy(&u->mu);
        pthread_cond_destroy(&u->cv);
        free(u);
        media_error_set(err, MEDIA_ERR_IO, MEDIA_CLASS_TRANSIENT, "cannot start the upload thread");
        return NULL;
    }
    return u;
}

media_code media_s3_upload_write(media_s3_uploader *u, const void *data, size_t n)
{
    if (u->mode == MEDIA_S3_UPLOAD_STREAM && u->written + (int64_t)n > u->declared) {
        u->overrun = true; /* never more than declared: the PUT's length is already sent */
        return MEDIA_ERR_IO;
    }
    u->written += (int64_t)n;
    if (u->mode == MEDIA_S3_UPLOAD_STREAM)
        media_hash_pair_update(u->hp, data, n); /* parts_write hashes part by part */
    bool ok =
        u->mode == MEDIA_S3_UPLOAD_STREAM ? stream_write(u, data, n) : parts_write(u, data, n);
    return ok ? MEDIA_OK : MEDIA_ERR_IO;
}

/* Compare what S3 stored with what was sent; delete the object on a mismatch. */
static media_code verify(media_s3_uploader *u, media_error *err)
{
    char want[64];
    if (u->whole_put) {
        media_hex(u->whole_md5, sizeof(u->whole_md5), want);
    } else if (u->mode == MEDIA_S3_UPLOAD_MULTIPART) {
        media_s3_multipart_etag(u->parts, u->nparts, want);
    } else {
        uint8_t m[MEDIA_MD5_LEN];
        media_hash_pair_md5(u->hp, m);
        media_hex(m, sizeof(m), want);
    }
    if (strcmp(want, u->info.etag) == 0)
        return MEDIA_OK;
    media_error derr;
    if (media_s3_delete(u->s3, u->key, &derr) != MEDIA_OK)
        return media_error_set(err, MEDIA_ERR_CHECKSUM, MEDIA_CLASS_TRANSIENT,
                               "stored object's ETag %s does not match the bytes sent (%s); "
                               "deleting it failed too: %s",
                               u->info.etag, want, derr.message);
    return media_error_set(err, MEDIA_ERR_CHECKSUM, MEDIA_CLASS_TRANSIENT,
                           "stored object's ETag %s does not match the bytes sent (%s); object "
                           "deleted",
                           u->info.etag, want);
}

media_code media_s3_upload_finish(media_s3_uploader *u, bool input_ok, media_s3_upload_result *out,
                                  media_error *err)
{
    media_s3_upload_result none;
    if (out == NULL)
        out = &none;
    memset(out, 0, sizeof(*out));
    bool short_stream =
        u->mode == MEDIA_S3_UPLOAD_STREAM && (u->overrun || u->written != u->declared);
    bool ending_well = input_ok && !short_stream;
    pthread_mutex_lock(&u->mu);
    bool upload_failed_first = u->abort_up; /* the writer stopped because S3 failed */
    if (ending_well) {
        if (u->mode == MEDIA_S3_UPLOAD_MULTIPART && u->filling >= 0) {
            if (u->blen[u->filling])
                media_hash_pair_md5(u->hp, u->part_md5[u->filling]); /* the last part's */
            u->st[u->filling] = u->blen[u->filling] ? SLOT_READY : SLOT_FREE;
        }
        u->filling = -1;
        u->eof = true;
    } else {
        u->abort_in = true;
    }
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
    pthread_join(u->thread, NULL);

    media_code rc;
    if (u->up_rc != MEDIA_OK && (ending_well || upload_failed_first)) {
        rc = u->up_rc; /* S3's own failure (or the opened hook's refusal) */
        out->storage_failed = true;
        if (err)
            *err = u->up_err;
    } else if (short_stream && (u->overrun || input_ok)) {
        rc = media_error_set(err, MEDIA_ERR_CHECKSUM, MEDIA_CLASS_TRANSIENT,
                             "%s bytes written than the %lld declared; nothing was stored",
                             u->overrun ? "more" : "fewer", (long long)u->declared);
    } else if (!input_ok) {
        rc = media_error_set(err, MEDIA_ERR_CANCELLED, MEDIA_CLASS_TRANSIENT,
                             "the upload's input failed; nothing was stored");
    } else {
        rc = verify(u, err);
        out->storage_failed = rc != MEDIA_OK;
    }
    if (rc == MEDIA_OK) {
        out->info = u->info;
        out->size_bytes = u->written;
        out->parts = (int)u->nparts;
        media_hash_pair_sha256(u->hp, out->sha256);
    }
    media_hash_pair_destroy(u->hp);
    free(u->pipe);
    free(u->buf[0]);
    free(u->buf[1]);
    free(u->parts);
    pthread_mutex_destroy(&u->mu);
    pthread_cond_destroy(&u->cv);
    free(u);
    return rc;
}
