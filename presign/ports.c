/*
 * ports.c - the real ports (ports.h) over a backend thread's connections: PostgreSQL, Redis
 * and S3. A connection that failed is closed here and re-opened on next use, so handlers only
 * see errors as values.
 */
#include "media/enqueue.h"
#include "media/events.h"
#include "media/log.h"
#include "media/mem.h"
#include "media/uploads.h"
#include "media/webhook.h"
#include "ports.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A catalog error that means the connection is gone: drop it, the next call reconnects. */
static media_code db_result(presign_backend *b, media_code rc)
{
    if (rc == MEDIA_ERR_DB && b->db) {
        media_db_close(b->db);
        b->db = NULL;
    }
    return rc;
}

/* Redis failed: drop the connection, the next call reconnects. */
static void queue_failed(presign_backend *b)
{
    if (b->q) {
        media_queue_close(b->q);
        b->q = NULL;
    }
}

/* The backend's S3 client; a failure to make one is transient (the next request tries again). */
static media_s3_client *s3_of(presign_backend *b, media_error *err)
{
    media_s3_client *s3 = presign_backend_s3(b, err);
    if (s3 == NULL)
        err->cls = MEDIA_CLASS_TRANSIENT;
    return s3;
}

static media_code port_create(void *ud, const media_create_request *req, media_record *out,
                              bool *created, bool *queued, media_error *queue_err, media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    if (db == NULL)
        return MEDIA_ERR_DB;
    media_queue *q = presign_backend_queue(b, queue_err);
    media_code rc = media_enqueue(db, q, req, out, created, queued, queue_err, err);
    if (rc == MEDIA_OK && *created && !*queued) /* Redis failed: reconnect next time */
        queue_failed(b);
    return db_result(b, rc);
}

static media_code port_retry(void *ud, const char *tenant, const char *id, media_record *out,
                             bool *queued, media_error *err)
{
    presign_backend *b = ud;
    *queued = false;
    media_db *db = presign_backend_db(b, err);
    if (db == NULL)
        return MEDIA_ERR_DB;
    media_code rc = media_catalog_get(db, tenant, id, out, err);
    if (rc == MEDIA_OK && out->status == MEDIA_STATUS_DELETED)
        rc = media_error_set(err, MEDIA_ERR_NOT_FOUND, MEDIA_CLASS_PERMANENT, "no such media");
    else if (rc == MEDIA_OK && out->status != MEDIA_STATUS_FAILED)
        rc = media_error_set(err, MEDIA_ERR_CONFLICT, MEDIA_CLASS_PERMANENT,
                             "media %s is %s; only failed media is retried", id,
                             media_status_name(out->status));
    if (rc == MEDIA_OK) {
        media_record_cleanup(out);
        rc = media_catalog_requeue(db, id, out, err);
    }
    if (rc != MEDIA_OK)
        return db_result(b, rc);
    media_error qerr;
    media_queue *q = presign_backend_queue(b, &qerr);
    *queued = q && media_enqueue_publish(db, q, out, &qerr) == MEDIA_OK;
    if (!*queued) /* Redis failed: the outbox sweeper publishes it; reconnect */
        queue_failed(b);
    return MEDIA_OK;
}

static media_code port_get(void *ud, const char *tenant, const char *id, media_record *out,
                           media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_catalog_get(db, tenant, id, out, err)) : MEDIA_ERR_DB;
}

static media_code port_list(void *ud, const char *tenant, const media_status *status,
                            const char *after, long long page, int size, media_page *out,
                            media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    if (db == NULL)
        return MEDIA_ERR_DB;
    return db_result(b, after ? media_catalog_list_after(db, tenant, status, after, size, out, err)
                              : media_catalog_list(db, tenant, status, page, size, out, err));
}

static media_code port_soft_delete(void *ud, const char *tenant, const char *id, media_record *out,
                                   media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_catalog_soft_delete(db, tenant, id, out, err)) : MEDIA_ERR_DB;
}

static media_code port_delete_object(void *ud, const char *key, media_error *err)
{
    presign_backend *b = ud;
    media_s3_client *s3 = presign_backend_s3(b, err);
    return s3 ? media_s3_delete(s3, key, err) : MEDIA_ERR_NETWORK;
}

static media_code port_abort_upload(void *ud, const char *key, const char *upload_id,
                                    media_error *err)
{
    presign_backend *b = ud;
    media_s3_client *s3 = presign_backend_s3(b, err);
    return s3 ? media_s3_multipart_abort(s3, key, upload_id, err) : MEDIA_ERR_NETWORK;
}

static bool port_ping_db(void *ud)
{
    presign_backend *b = ud;
    media_error err;
    media_db *db = presign_backend_db(b, &err);
    media_db_result *r = NULL;
    media_code rc = db ? media_db_query(db, "SELECT 1", 0, NULL, &r, &err) : MEDIA_ERR_DB;
    media_db_result_free(r);
    return db_result(b, rc == MEDIA_OK ? MEDIA_OK : MEDIA_ERR_DB) == MEDIA_OK;
}

static bool port_ping_queue(void *ud)
{
    presign_backend *b = ud;
    media_error err;
    media_queue *q = presign_backend_queue(b, &err);
    bool ok = q && media_queue_ping(q, &err) == MEDIA_OK;
    if (!ok)
        queue_failed(b);
    return ok;
}

static bool port_ping_s3(void *ud)
{
    presign_backend *b = ud;
    media_error err;
    media_s3_client *s3 = presign_backend_s3(b, &err);
    return s3 && media_s3_bucket_check(s3, &err) == MEDIA_OK;
}

static void port_announce(void *ud, const char *tenant, const char *id)
{
    presign_backend *b = ud;
    media_error err;
    char msg[MEDIA_TENANT_MAX + MEDIA_UUID_STR + 2];
    snprintf(msg, sizeof(msg), "%s%s%s", tenant ? tenant : "", tenant ? "/" : "", id);
    media_queue *q = presign_backend_queue(b, &err);
    if (q == NULL || media_events_publish(media_queue_redis(q), b->cfg->store.queue_prefix, msg,
                                          &err) != MEDIA_OK)
        media_log(MEDIA_LOG_DEBUG, NULL, NULL, "media event for %s not published: %s", id,
                  err.message);
}

/* ---- direct uploads and Uppy ---- */

static media_code port_upload_create(void *ud, const media_upload_request *req, media_record *out,
                                     bool *created, media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_upload_create(db, req, out, created, err)) : MEDIA_ERR_DB;
}

static media_code port_upload_start_multipart(void *ud, media_record *rec, const char *type,
                                              media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    if (db == NULL)
        return MEDIA_ERR_DB;
    media_s3_client *s3 = s3_of(b, err);
    if (s3 == NULL)
        return err->code;
    media_s3_put_options po = {type, NULL, NULL};
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX]; /* the staging key: never the served one */
    media_upload_write_key(rec, key);
    media_code rc =
        media_s3_multipart_create(s3, key, &po, rec->upload_id, sizeof(rec->upload_id), err);
    if (rc == MEDIA_OK)
        rc = db_result(b, media_upload_record_multipart(db, rec->id, rec->upload_id, err));
    return rc;
}

static media_code port_upload_find_multipart(void *ud, const char *tenant, const char *upload_id,
                                             media_record *out, media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_upload_find_multipart(db, tenant, upload_id, out, err))
              : MEDIA_ERR_DB;
}

/* S3 completes the client's multipart upload with the parts it names. MEDIA_OK also when the
 * upload was completed before (a complete retried after the catalog failed). */
static media_code port_upload_finish_multipart(void *ud, const media_record *rec,
                                               const presign_complete_body *parts, media_error *err)
{
    media_s3_client *s3 = s3_of(ud, err);
    if (s3 == NULL)
        return err->code;
    media_s3_part *p = media_calloc(parts->count, sizeof(*p));
    for (size_t i = 0; i < parts->count; i++) {
        p[i].number = parts->numbers[i];
        snprintf(p[i].etag, sizeof(p[i].etag), "%s", parts->etags[i]);
    }
    media_s3_object_info info;
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX];
    media_upload_write_key(rec, key);
    media_code rc =
        media_s3_multipart_complete(s3, key, rec->upload_id, p, parts->count, &info, err);
    free(p);
    media_error e;
    if (rc != MEDIA_OK && media_s3_head(s3, key, &info, &e) == MEDIA_OK)
        rc = MEDIA_OK; /* completed before: the object is there */
    return rc;
}

static media_code port_upload_complete(void *ud, const char *tenant, const char *id,
                                       media_record *out, bool *changed, media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    if (db == NULL)
        return MEDIA_ERR_DB;
    media_code rc = db_result(b, media_upload_complete(db, tenant, id, out, changed, err));
    if (rc != MEDIA_OK || !*changed)
        return rc;
    media_error qerr;
    media_queue *q = presign_backend_queue(b, &qerr);
    if (q == NULL || media_enqueue_publish(db, q, out, &qerr) != MEDIA_OK) {
        media_log(MEDIA_LOG_WARN, NULL, NULL,
                  "upload %s completed, verification not yet queued (%s); the outbox sweeper "
                  "will enqueue it",
                  id, qerr.message);
        queue_failed(b);
    }
    return MEDIA_OK;
}

static media_code port_upload_abort(void *ud, const char *tenant, const media_record *rec,
                                    media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    if (db == NULL)
        return MEDIA_ERR_DB;
    media_s3_client *s3 = s3_of(b, err);
    if (s3 == NULL)
        return err->code;
    char key[MEDIA_UPLOAD_WRITE_KEY_MAX];
    media_upload_write_key(rec, key);
    media_code rc = media_s3_multipart_abort(s3, key, rec->upload_id, err);
    return rc == MEDIA_OK ? db_result(b, media_upload_abort(db, tenant, rec->id, err)) : rc;
}

/* ---- webhooks ---- */

static media_code port_webhook_create(void *ud, const char *tenant, const char *url,
                                      unsigned events, media_webhook_endpoint *out,
                                      media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_webhook_endpoint_create(db, tenant, url, events, out, err))
              : MEDIA_ERR_DB;
}

static media_code port_webhook_list(void *ud, const char *tenant, media_webhook_endpoint **out,
                                    size_t *n, media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_webhook_endpoint_list(db, tenant, out, n, err)) : MEDIA_ERR_DB;
}

static media_code port_webhook_delete(void *ud, const char *tenant, const char *id,
                                      media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_webhook_endpoint_delete(db, tenant, id, err)) : MEDIA_ERR_DB;
}

static media_code port_webhook_rotate_secret(void *ud, const char *tenant,
                                             char out[MEDIA_WEBHOOK_SECRET_LEN + 1],
                                             media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_webhook_callback_secret_rotate(db, tenant, out, err))
              : MEDIA_ERR_DB;
}

static media_code port_webhook_deliveries(void *ud, const char *tenant,
                                          const media_delivery_status *status, int limit,
                                          media_delivery **out, size_t *n, media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_webhook_deliveries_list(db, tenant, status, limit, out, n, err))
              : MEDIA_ERR_DB;
}

static media_code port_webhook_replay(void *ud, const char *tenant, const char *id,
                                      media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_webhook_replay(db, tenant, id, err)) : MEDIA_ERR_DB;
}

/* ---- the tenant's settings ---- */

static media_code port_settings_get(void *ud, const char *tenant, char out[16], media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_catalog_tenant_metadata_get(db, tenant, out, err))
              : MEDIA_ERR_DB;
}

static media_code port_settings_set(void *ud, const char *tenant, const char *policy,
                                    media_error *err)
{
    presign_backend *b = ud;
    media_db *db = presign_backend_db(b, err);
    return db ? db_result(b, media_catalog_tenant_metadata_set(db, tenant, policy, err))
              : MEDIA_ERR_DB;
}

void presign_ports_backend(presign_backend *b, presign_ports *out)
{
    *out = (presign_ports){.create = port_create,
                           .get = port_get,
                           .list = port_list,
                           .retry = port_retry,
                           .soft_delete = port_soft_delete,
                           .delete_object = port_delete_object,
                           .abort_upload = port_abort_upload,
                           .ping_db = port_ping_db,
                           .ping_queue = port_ping_queue,
                           .ping_s3 = port_ping_s3,
                           .announce = port_announce,
                           .upload_create = port_upload_create,
                           .upload_start_multipart = port_upload_start_multipart,
                           .upload_find_multipart = port_upload_find_multipart,
                           .upload_finish_multipart = port_upload_finish_multipart,
                           .upload_complete = port_upload_complete,
                           .upload_abort = port_upload_abort,
                           .webhook_create = port_webhook_create,
                           .webhook_list = port_webhook_list,
                           .webhook_delete = port_webhook_delete,
                           .webhook_rotate_secret = port_webhook_rotate_secret,
                           .webhook_deliveries = port_webhook_deliveries,
                           .webhook_replay = port_webhook_replay,
                           .settings_get = port_settings_get,
                           .settings_set = port_settings_set,
                           .ud = b};
}
