/*
 * test_catalog.c - migrations, the repository and API keys against the real PostgreSQL of
 * the local stack (a database of its own per run).
 */
#include "../unit/cmocka_prelude.h"

#include "pgtest.h"
#include "media/apikey.h"
#include "media/catalog.h"
#include "media/migrations.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static media_db *db;

static int setup(void **st)
{
    (void)st;
    pgtest_create_database("mgtest_catalog");
    db = pgtest_connect();
    int applied = -1;
    media_error err;
    if (media_migrate(db, media_migration_table, media_migration_count, &applied, &err) != MEDIA_OK)
        fail_msg("migrate: %s", err.message);
    if (applied != (int)media_migration_count)
        fail_msg("applied %d of %zu", applied, media_migration_count);
    media_catalog_tenant_ensure(db, "acme", &err);
    media_catalog_tenant_ensure(db, "other", &err);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    media_db_close(db);
    return 0;
}

static void create(const char *tenant, const char *url, const char *idem, const char *meta,
                   media_record *out, bool *created, media_code want)
{
    media_create_request req = {tenant, url, idem, meta, "mediagate", "req-1", NULL, NULL, NULL};
    media_error err;
    bool c = false;
    media_code rc = media_catalog_create(db, &req, out, &c, &err);
    if (rc != want)
        fail_msg("create: got %s (%s), want %s", media_code_name(rc), err.message,
                 media_code_name(want));
    if (created)
        *created = c;
}

/* ---- migrations ---- */

static void test_migrate_rerun_is_a_noop(void **st)
{
    (void)st;
    int applied = -1;
    assert_int_equal(
        media_migrate(db, media_migration_table, media_migration_count, &applied, NULL), MEDIA_OK);
    assert_int_equal(applied, 0);
    char *n = pgtest_scalar(db, "SELECT count(*) FROM schema_migrations");
    assert_int_equal(atoi(n), (int)media_migration_count);
    free(n);
}

static void test_tampered_migration_is_refused(void **st)
{
    (void)st;
    media_migration edited = media_migration_table[0];
    edited.sql = "CREATE TABLE sneaky (x int);";
    edited.len = strlen(edited.sql);
    media_error err;
    int applied = -1;
    assert_int_equal(media_migrate(db, &edited, 1, &applied, &err), MEDIA_ERR_SCHEMA);
    assert_non_null(strstr(err.message, "never be edited"));
    assert_int_equal(applied, 0);
    char *t = pgtest_scalar(db, "SELECT to_regclass('sneaky')::text");
    assert_null(t); /* nothing of the edited file ran */

    media_migration_state s;
    assert_int_equal(media_migrate_status(db, &edited, 1, &s, &err), MEDIA_OK);
    assert_true(s.applied);
    assert_false(s.checksum_ok);
}

static void test_database_newer_than_build_is_refused_by_migrate(void **st)
{
    (void)st;
    media_error err;
    int applied;
    /* a build that ships none of the applied migrations */
    media_migration none = {999, "0999_future", "SELECT 1;", 9};
    assert_int_equal(media_migrate(db, &none, 1, &applied, &err), MEDIA_ERR_SCHEMA);
    assert_non_null(strstr(err.message, "newer mediagate"));
}

static void test_schema_check(void **st)
{
    (void)st;
    media_error err;
    assert_int_equal(media_schema_check(db, media_migrations_latest(), &err), MEDIA_OK);
    assert_int_equal(media_schema_check(db, media_migrations_latest() + 1, &err), MEDIA_ERR_SCHEMA);
    assert_non_null(strstr(err.message, "run `mediagate migrate`"));
}

/* ---- create / get / idempotency ---- */

static void test_create_get_and_tenant_isolation(void **st)
{
    (void)st;
    media_record m, g;
    bool created;
    create("acme", "https://img.example/a.jpg", NULL, "{\"alt\":\"a cat\"}", &m, &created,
           MEDIA_OK);
    assert_true(created);
    assert_int_equal(m.status, MEDIA_STATUS_QUEUED);
    assert_true(media_uuid_valid(m.id));
    assert_int_equal(m.id[14], '7'); /* UUIDv7 */
    char key[MEDIA_OBJECT_KEY_MAX];
    media_object_key("acme", m.id, key);
    assert_string_equal(m.object_key, key);
    assert_string_equal(m.request_id, "req-1");
    assert_string_equal(m.metadata, "{\"alt\": \"a cat\"}");
    assert_int_equal(m.size_bytes, -1);

    media_error err;
    assert_int_equal(media_catalog_get(db, "acme", m.id, &g, &err), MEDIA_OK);
    assert_string_equal(g.id, m.id);
    assert_string_equal(g.source_url, "https://img.example/a.jpg");
    media_record_cleanup(&g);
    assert_int_equal(media_catalog_get(db, "other", m.id, &g, &err), MEDIA_ERR_NOT_FOUND);
    assert_int_equal(media_catalog_get(db, "acme", "not-a-uuid", &g, &err), MEDIA_ERR_NOT_FOUND);
    assert_int_equal(
        media_catalog_get(db, "acme", "00000000-0000-7000-8000-000000000000", &g, &err),
        MEDIA_ERR_NOT_FOUND);

    media_buf b;
    media_buf_init(&b, 1 << 16);
    assert_int_equal(media_record_json(&m, &b), 0);
    assert_non_null(strstr(b.data, "\"status\":\"queued\""));
    assert_non_null(strstr(b.data, "\"metadata\":{\"alt\": \"a cat\"}"));
    media_buf_cleanup(&b);
    media_record_cleanup(&m);
}

static void test_idempotency_same_payload_returns_row_different_conflicts(void **st)
{
    (void)st;
    media_record a, b;
    bool created;
    create("acme", "https://x/1.png", "key-1", "{\"a\":1,\"b\":2}", &a, &created, MEDIA_OK);
    assert_true(created);
    /* same payload (metadata key order does not matter: jsonb is canonical) */
    create("acme", "https://x/1.png", "key-1", "{\"b\":2, \"a\":1}", &b, &created, MEDIA_OK);
    assert_false(created);
    assert_string_equal(a.id, b.id);
    media_record_cleanup(&b);
    create("acme", "https://x/OTHER.png", "key-1", "{\"a\":1,\"b\":2}", &b, NULL,
           MEDIA_ERR_CONFLICT);
    create("acme", "https://x/1.png", "key-1", "{\"a\":1}", &b, NULL, MEDIA_ERR_CONFLICT);
    /* bytes PostgreSQL would refuse are refused first, with the field named (they were once
     * reported as "metadata must be a JSON object") */
    create("acme", "https://x/1.png", "key\xff\xfe", NULL, &b, NULL, MEDIA_ERR_INVALID);
    create("acme", "https://x/1.png", "key\r\nX-Evil: 1", NULL, &b, NULL, MEDIA_ERR_INVALID);
    create("acme", "https://x/\xc0\xaf.png", NULL, NULL, &b, NULL, MEDIA_ERR_INVALID);
    /* the same key in another tenant is another request */
    create("other", "https://x/1.png", "key-1", NULL, &b, &created, MEDIA_OK);
    assert_true(created);
    assert_string_not_equal(a.id, b.id);
    media_record_cleanup(&a);
    media_record_cleanup(&b);
    char *n = pgtest_scalar(db, "SELECT count(*) FROM media WHERE idempotency_key = 'key-1'");
    assert_string_equal(n, "2");
    free(n);
}

static void test_create_refuses_bad_input(void **st)
{
    (void)st;
    media_record m;
    create("acme", "https://x/y", NULL, "[1,2]", &m, NULL, MEDIA_ERR_INVALID);
    create("acme", "https://x/y", NULL, "{not json", &m, NULL, MEDIA_ERR_INVALID);
    create("acme", "https://x/y", NULL, "\"str\"", &m, NULL, MEDIA_ERR_INVALID);
    create("acme", "", NULL, NULL, &m, NULL, MEDIA_ERR_INVALID);
    create("Bad Tenant", "https://x/y", NULL, NULL, &m, NULL, MEDIA_ERR_INVALID);
    create("nobody", "https://x/y", NULL, NULL, &m, NULL, MEDIA_ERR_NOT_FOUND);
    create("acme", "https://x/y", "", NULL, &m, NULL, MEDIA_ERR_INVALID);
    char *n = pgtest_scalar(db, "SELECT count(*) FROM media WHERE source_url = 'https://x/y'");
    assert_string_equal(n, "0"); /* nothing was written by any of them */
    free(n);
}

/* ---- the state machine ---- */

static void test_happy_path_and_second_finisher_changes_nothing(void **st)
{
    (void)st;
    media_record m, r;
    bool changed;
    media_error err;
    create("acme", "https://x/happy.jpg", NULL, NULL, &m, NULL, MEDIA_OK);
    assert_int_equal(media_catalog_claim(db, m.id, "w1", 60000, &r, &err), MEDIA_OK);
    assert_int_equal(r.status, MEDIA_STATUS_FETCHING);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.claim_epoch, 1);
    assert_string_equal(r.claim_owner, "w1");
    int64_t ep = r.claim_epoch;
    media_record_cleanup(&r);
    media_ready_info info = {"image/jpeg", 1234, "ab", "etag-1", NULL};
    assert_int_equal(media_catalog_mark_ready(db, m.id, ep, &info, &r, &changed, &err), MEDIA_OK);
    assert_string_equal(r.claim_owner, ""); /* the claim ends with the job */
    assert_true(changed);
    assert_int_equal(r.status, MEDIA_STATUS_READY);
    assert_int_equal(r.size_bytes, 1234);
    assert_true(r.ready_at[0] != '\0');
    char updated[40];
    strcpy(updated, r.updated_at);
    media_record_cleanup(&r);
    /* a second worker finishing the same job */
    media_ready_info other = {"image/png", 99, "cd", "etag-2", NULL};
    assert_int_equal(media_catalog_mark_ready(db, m.id, ep, &other, &r, &changed, &err), MEDIA_OK);
    assert_false(changed);
    assert_string_equal(r.etag, "etag-1");
    assert_string_equal(r.updated_at, updated);
    media_record_cleanup(&r);
    /* ready is never set back to fetching, nor failed */
    assert_int_equal(media_catalog_claim(db, m.id, "w2", 60000, &r, &err), MEDIA_ERR_CONFLICT);
    assert_int_equal(r.status, MEDIA_STATUS_READY);
    media_record_cleanup(&r);
    media_error cause;
    media_error_set(&cause, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT, "late failure");
    assert_int_equal(media_catalog_mark_failed(db, m.id, ep, &cause, &r, &changed, &err),
                     MEDIA_ERR_CONFLICT);
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_requeue(db, m.id, &r, &err), MEDIA_ERR_CONFLICT);
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_get(db, "acme", m.id, &r, &err), MEDIA_OK);
    assert_int_equal(r.status, MEDIA_STATUS_READY);
    media_record_cleanup(&r);
    media_record_cleanup(&m);
}

static void test_retry_fail_and_requeue(void **st)
{
    (void)st;
    media_record m, r;
    bool changed;
    media_error err, cause;
    create("acme", "https://x/flaky.jpg", NULL, NULL, &m, NULL, MEDIA_OK);
    assert_int_equal(media_catalog_mark_ready(db, m.id, 0,
                                              &(media_ready_info){"a", 1, "b", "c", NULL}, &r,
                                              &changed, &err),
                     MEDIA_ERR_CONFLICT); /* queued cannot jump to ready */
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_claim(db, m.id, "w1", 60000, &r, &err), MEDIA_OK);
    int64_t ep = r.claim_epoch;
    media_record_cleanup(&r);
    media_error_set(&cause, MEDIA_ERR_TIMEOUT, MEDIA_CLASS_TRANSIENT, "source timed out");
    cause.http_status = 503;
    assert_int_equal(media_catalog_schedule_retry(db, m.id, ep, &cause, 60000, &err), MEDIA_OK);
    assert_int_equal(media_catalog_get(db, "acme", m.id, &r, &err), MEDIA_OK);
    assert_int_equal(r.status, MEDIA_STATUS_QUEUED);
    assert_string_equal(r.error_class, "transient");
    assert_string_equal(r.last_error, "source timed out");
    assert_int_equal(r.http_status, 503);
    assert_true(strcmp(r.next_attempt_at, r.created_at) > 0);
    assert_string_equal(r.claim_owner, "");
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_claim(db, m.id, "w2", 60000, &r, &err), MEDIA_OK);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(r.claim_epoch, ep + 1);
    ep = r.claim_epoch;
    media_record_cleanup(&r);
    media_error_set(&cause, MEDIA_ERR_INVALID, MEDIA_CLASS_PERMANENT, "HTML is not media");
    assert_int_equal(media_catalog_mark_failed(db, m.id, ep, &cause, &r, &changed, &err), MEDIA_OK);
    assert_true(changed);
    assert_int_equal(r.status, MEDIA_STATUS_FAILED);
    assert_string_equal(r.error_class, "permanent");
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_mark_failed(db, m.id, ep, &cause, &r, &changed, &err), MEDIA_OK);
    assert_false(changed);
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_claim(db, m.id, "w3", 60000, &r, &err), MEDIA_ERR_CONFLICT);
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_requeue(db, m.id, &r, &err), MEDIA_OK);
    assert_int_equal(r.status, MEDIA_STATUS_QUEUED);
    assert_int_equal(r.attempts, 0);
    assert_string_equal(r.error_class, "");
    assert_null(r.last_error);
    media_record_cleanup(&r);
    media_record_cleanup(&m);
}

/* issue 15, defect 7: each claim has an owner and an epoch; a stale holder changes nothing */
static void test_claims_are_fenced(void **st)
{
    (void)st;
    media_record m, r;
    bool changed;
    media_error err, cause;
    media_error_set(&cause, MEDIA_ERR_NETWORK, MEDIA_CLASS_TRANSIENT, "boom");
    create("acme", "https://x/fenced.jpg", NULL, NULL, &m, NULL, MEDIA_OK);
    assert_int_equal(media_catalog_claim(db, m.id, "w1", 60000, &r, &err), MEDIA_OK);
    int64_t e1 = r.claim_epoch;
    media_record_cleanup(&r);

    /* a second delivery while the claim is live: busy, for about the lease */
    assert_int_equal(media_catalog_claim(db, m.id, "w2", 60000, &r, &err), MEDIA_ERR_BUSY);
    assert_int_equal(r.status, MEDIA_STATUS_FETCHING);
    assert_string_equal(r.claim_owner, "w1");
    assert_true(err.retry_after_s >= 59 && err.retry_after_s <= 60);
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_mark_failed(db, m.id, 0, &cause, &r, &changed, &err),
                     MEDIA_ERR_FENCED); /* a poison verdict cannot fail a live job */
    media_record_cleanup(&r);

    /* w1 records its upload; renewal keeps the claim */
    assert_int_equal(media_catalog_record_upload(db, m.id, e1, "up-1", &err), MEDIA_OK);
    media_claim_ref refs[] = {{m.id, e1}, {m.id, e1 + 7}};
    bool held[2];
    assert_int_equal(media_catalog_claims_renew(db, refs, 2, 60000, held, &err), MEDIA_OK);
    assert_true(held[0]);
    assert_false(held[1]);

    /* the claim runs out (w1 went silent): w2 takes over with a new epoch and sees the
     * upload w1 left */
    char sql[200];
    snprintf(sql, sizeof(sql),
             "UPDATE media SET claim_expires_at = now() - interval '1 second' WHERE id = '%s'",
             m.id);
    pgtest_exec(db, sql);
    assert_int_equal(media_catalog_claim(db, m.id, "w2", 60000, &r, &err), MEDIA_OK);
    int64_t e2 = r.claim_epoch;
    assert_int_equal(e2, e1 + 1);
    assert_int_equal(r.attempts, 2);
    assert_string_equal(r.upload_id, "up-1");
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_claims_renew(db, refs, 1, 60000, held, &err), MEDIA_OK);
    assert_false(held[0]); /* w1's renewal tells it the claim is gone */

    /* every write of the stale holder is refused and changes nothing */
    media_ready_info info = {"image/jpeg", 10, "aa", "e1", NULL};
    assert_int_equal(media_catalog_mark_ready(db, m.id, e1, &info, &r, &changed, &err),
                     MEDIA_ERR_FENCED);
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_mark_failed(db, m.id, e1, &cause, &r, &changed, &err),
                     MEDIA_ERR_FENCED);
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_schedule_retry(db, m.id, e1, &cause, 0, &err), MEDIA_ERR_FENCED);
    assert_int_equal(media_catalog_release(db, m.id, e1, &cause, 0, &err), MEDIA_ERR_FENCED);
    assert_int_equal(media_catalog_record_upload(db, m.id, e1, "up-stale", &err), MEDIA_ERR_FENCED);
    assert_int_equal(media_catalog_get_any(db, m.id, &r, &err), MEDIA_OK);
    assert_int_equal(r.status, MEDIA_STATUS_FETCHING);
    assert_string_equal(r.claim_owner, "w2");
    assert_string_equal(r.upload_id, "up-1");
    assert_int_equal(r.attempts, 2);
    media_record_cleanup(&r);

    /* the current holder aborts the leftover, forgets it, and finishes */
    assert_int_equal(media_catalog_forget_upload(db, m.id, "up-1", &err), MEDIA_OK);
    assert_int_equal(media_catalog_record_upload(db, m.id, e2, "up-2", &err), MEDIA_OK);
    assert_int_equal(media_catalog_mark_ready(db, m.id, e2, &info, &r, &changed, &err), MEDIA_OK);
    assert_true(changed);
    assert_string_equal(r.upload_id, ""); /* completed with the row */
    media_record_cleanup(&r);
    /* the stale holder finishing late: already ready, nothing changes, not an error */
    assert_int_equal(media_catalog_mark_ready(db, m.id, e1, &info, &r, &changed, &err), MEDIA_OK);
    assert_false(changed);
    media_record_cleanup(&r);
    media_record_cleanup(&m);
}

/* a release or retry hands the row back; the claim is gone, the next claim is a new epoch */
static void test_release_keeps_attempts_and_open_uploads_are_found(void **st)
{
    (void)st;
    media_record m, r;
    media_error err, cause;
    media_error_set(&cause, MEDIA_ERR_S3, MEDIA_CLASS_TRANSIENT, "S3 down");
    create("acme", "https://x/release.jpg", NULL, NULL, &m, NULL, MEDIA_OK);
    assert_int_equal(media_catalog_claim(db, m.id, "w1", 60000, &r, &err), MEDIA_OK);
    int64_t e1 = r.claim_epoch;
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_record_upload(db, m.id, e1, "up-left", &err), MEDIA_OK);
    assert_int_equal(media_catalog_release(db, m.id, e1, &cause, 0, &err), MEDIA_OK);
    assert_int_equal(media_catalog_get_any(db, m.id, &r, &err), MEDIA_OK);
    assert_int_equal(r.status, MEDIA_STATUS_QUEUED);
    assert_int_equal(r.attempts, 0);
    assert_string_equal(r.claim_owner, "");
    assert_string_equal(r.upload_id, "up-left"); /* its abort failed: kept for cleanup */
    media_record_cleanup(&r);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "UPDATE media SET updated_at = now() - interval '1 hour' WHERE id = '%s'", m.id);
    pgtest_exec(db, sql);
    media_page p;
    assert_int_equal(media_catalog_open_uploads(db, 60, 1000, &p, &err), MEDIA_OK);
    bool found = false;
    for (size_t i = 0; i < p.count; i++)
        found |= strcmp(p.items[i].id, m.id) == 0 && strcmp(p.items[i].upload_id, "up-left") == 0;
    assert_true(found);
    media_page_cleanup(&p);
    /* a live claim's upload is never offered to the sweeper */
    assert_int_equal(media_catalog_claim(db, m.id, "w2", 60000, &r, &err), MEDIA_OK);
    media_record_cleanup(&r);
    pgtest_exec(db, sql);
    assert_int_equal(media_catalog_open_uploads(db, 60, 1000, &p, &err), MEDIA_OK);
    for (size_t i = 0; i < p.count; i++)
        assert_string_not_equal(p.items[i].id, m.id);
    media_page_cleanup(&p);
    media_record_cleanup(&m);
}

static void test_soft_delete(void **st)
{
    (void)st;
    media_record m, r;
    media_error err;
    create("acme", "https://x/del.jpg", NULL, NULL, &m, NULL, MEDIA_OK);
    assert_int_equal(media_catalog_soft_delete(db, "other", m.id, &r, &err), MEDIA_ERR_NOT_FOUND);
    assert_int_equal(media_catalog_soft_delete(db, "acme", m.id, &r, &err), MEDIA_OK);
    assert_int_equal(r.status, MEDIA_STATUS_DELETED);
    assert_true(r.deleted_at[0] != '\0');
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_soft_delete(db, "acme", m.id, &r, &err), MEDIA_ERR_NOT_FOUND);
    assert_int_equal(media_catalog_claim(db, m.id, "w1", 60000, &r, &err), MEDIA_ERR_CONFLICT);
    media_record_cleanup(&r);
    media_record_cleanup(&m);
}

/* ---- listing ---- */

static void test_offset_and_keyset_pagination(void **st)
{
    (void)st;
    media_error err;
    media_catalog_tenant_ensure(db, "pager", &err);
    char ids[25][MEDIA_UUID_STR];
    for (int i = 0; i < 25; i++) {
        media_record m;
        char url[64];
        snprintf(url, sizeof(url), "https://x/p%02d.jpg", i);
        create("pager", url, NULL, NULL, &m, NULL, MEDIA_OK);
        strcpy(ids[i], m.id);
        media_record_cleanup(&m);
        usleep(1000); /* distinct created_at milliseconds */
    }
    media_page p;
    assert_int_equal(media_catalog_list(db, "pager", NULL, 1, 10, &p, &err), MEDIA_OK);
    assert_int_equal(p.total, 25);
    assert_int_equal(p.count, 10);
    assert_string_equal(p.items[0].id, ids[24]); /* newest first */
    assert_string_equal(p.items[9].id, ids[15]);
    media_page_cleanup(&p);
    assert_int_equal(media_catalog_list(db, "pager", NULL, 3, 10, &p, &err), MEDIA_OK);
    assert_int_equal(p.count, 5);
    assert_string_equal(p.items[4].id, ids[0]);
    assert_string_equal(p.next_cursor, "");
    media_page_cleanup(&p);
    assert_int_equal(media_catalog_list(db, "pager", NULL, 4, 10, &p, &err), MEDIA_OK);
    assert_int_equal(p.count, 0);
    assert_int_equal(p.total, 25);
    media_page_cleanup(&p);

    /* status filter and deleted rows */
    media_record r;
    assert_int_equal(media_catalog_soft_delete(db, "pager", ids[3], &r, &err), MEDIA_OK);
    media_record_cleanup(&r);
    assert_int_equal(media_catalog_claim(db, ids[4], "w1", 60000, &r, &err), MEDIA_OK);
    media_record_cleanup(&r);
    media_status fetching = MEDIA_STATUS_FETCHING;
    assert_int_equal(media_catalog_list(db, "pager", &fetching, 1, 10, &p, &err), MEDIA_OK);
    assert_int_equal(p.total, 1);
    assert_string_equal(p.items[0].id, ids[4]);
    media_page_cleanup(&p);
    assert_int_equal(media_catalog_list(db, "pager", NULL, 1, 100, &p, &err), MEDIA_OK);
    assert_int_equal(p.total, 24);
    media_page_cleanup(&p);

    /* keyset: walking pages of 7 visits every live row once, newest first */
    char after[40] = "";
    int seen = 0, expect = 24;
    for (int guard = 0; guard < 10; guard++) {
        assert_int_equal(
            media_catalog_list_after(db, "pager", NULL, after[0] ? after : NULL, 7, &p, &err),
            MEDIA_OK);
        for (size_t i = 0; i < p.count; i++, seen++) {
            int want = expect - seen; /* ids index, skipping the deleted ids[3] */
            int idx = want >= 4 ? want : want - 1;
            assert_string_equal(p.items[i].id, ids[idx]);
        }
        strcpy(after, p.next_cursor);
        media_page_cleanup(&p);
        if (after[0] == '\0')
            break;
    }
    assert_int_equal(seen, 24);

    /* bad arguments */
    assert_int_equal(media_catalog_list(db, "pager", NULL, 0, 10, &p, &err), MEDIA_ERR_INVALID);
    assert_int_equal(media_catalog_list(db, "pager", NULL, 1, 0, &p, &err), MEDIA_ERR_INVALID);
    assert_int_equal(media_catalog_list(db, "pager", NULL, 1, 1001, &p, &err), MEDIA_ERR_INVALID);
    assert_int_equal(media_catalog_list_after(db, "pager", NULL, "junk", 5, &p, &err),
                     MEDIA_ERR_INVALID);
    media_record o;
    create("other", "https://x/o.jpg", NULL, NULL, &o, NULL, MEDIA_OK);
    assert_int_equal(media_catalog_list_after(db, "pager", NULL, o.id, 5, &p, &err),
                     MEDIA_ERR_INVALID); /* another tenant's id is no cursor here */
    media_record_cleanup(&o);
}

static void test_stale_queued_lookup_and_mark_published(void **st)
{
    (void)st;
    media_record m;
    media_error err;
    create("acme", "https://x/stale.jpg", NULL, NULL, &m, NULL, MEDIA_OK);
    media_page p;
    assert_int_equal(media_catalog_stale_queued(db, 60, 1000, &p, &err), MEDIA_OK);
    for (size_t i = 0; i < p.count; i++)
        assert_string_not_equal(p.items[i].id, m.id); /* fresh: not stale yet */
    media_page_cleanup(&p);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "UPDATE media SET next_attempt_at = now() - interval '5 minutes' WHERE id = '%s'",
             m.id);
    pgtest_exec(db, sql);
    assert_int_equal(media_catalog_stale_queued(db, 60, 1000, &p, &err), MEDIA_OK);
    bool found = false;
    for (size_t i = 0; i < p.count; i++)
        found |= strcmp(p.items[i].id, m.id) == 0;
    assert_true(found);
    media_page_cleanup(&p);
    assert_int_equal(media_catalog_mark_published(db, m.id, 0, &err), MEDIA_OK);
    assert_int_equal(media_catalog_stale_queued(db, 60, 1000, &p, &err), MEDIA_OK);
    for (size_t i = 0; i < p.count; i++)
        assert_string_not_equal(p.items[i].id, m.id);
    media_page_cleanup(&p);
    media_record_cleanup(&m);

    /* a fetching row whose worker died and whose message is gone: its claim ran out long ago
     * and it was not published since; a live or recently lapsed claim is left alone */
    media_record r;
    create("acme", "https://x/orphan.jpg", NULL, NULL, &m, NULL, MEDIA_OK);
    assert_int_equal(media_catalog_claim(db, m.id, "dead", 60000, &r, &err), MEDIA_OK);
    media_record_cleanup(&r);
    snprintf(sql, sizeof(sql),
             "UPDATE media SET next_attempt_at = now() - interval '5 minutes' WHERE id = '%s'",
             m.id);
    pgtest_exec(db, sql);
    assert_int_equal(media_catalog_stale_queued(db, 60, 1000, &p, &err), MEDIA_OK);
    for (size_t i = 0; i < p.count; i++)
        assert_string_not_equal(p.items[i].id, m.id); /* claim live */
    media_page_cleanup(&p);
    snprintf(sql, sizeof(sql),
             "UPDATE media SET claim_expires_at = now() - interval '2 minutes' WHERE id = '%s'",
             m.id);
    pgtest_exec(db, sql);
    assert_int_equal(media_catalog_stale_queued(db, 60, 1000, &p, &err), MEDIA_OK);
    found = false;
    for (size_t i = 0; i < p.count; i++)
        found |= strcmp(p.items[i].id, m.id) == 0;
    assert_true(found);
    media_page_cleanup(&p);
    assert_int_equal(media_catalog_mark_published(db, m.id, 0, &err), MEDIA_OK);
    assert_int_equal(media_catalog_stale_queued(db, 60, 1000, &p, &err), MEDIA_OK);
    for (size_t i = 0; i < p.count; i++)
        assert_string_not_equal(p.items[i].id, m.id); /* published again: left alone */
    media_page_cleanup(&p);
    media_record_cleanup(&m);
}

/* EXPLAIN the repository's own SQL over a realistic table */
static char *explain(const char *sql, int n, const char *const *params)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "EXPLAIN %s", sql);
    media_db_result *r;
    media_error err;
    if (media_db_query(db, buf, n, params, &r, &err) != MEDIA_OK)
        fail_msg("explain: %s", err.message);
    media_buf out;
    media_buf_init(&out, 1 << 20);
    for (int i = 0; i < media_db_result_rows(r); i++) {
        media_buf_appends(&out, media_db_result_value(r, i, 0));
        media_buf_appends(&out, "\n");
    }
    media_db_result_free(r);
    return media_buf_detach(&out, NULL);
}

static void test_explain_listing_and_stale_lookup_use_their_indexes(void **st)
{
    (void)st;
    pgtest_exec(db, "INSERT INTO tenants (id) SELECT 'bulk' || g FROM generate_series(1, 50) g");
    pgtest_exec(db, "INSERT INTO media (id, tenant_id, status, source_url, request_sha256, bucket,"
                    " object_key, created_at, next_attempt_at)"
                    " SELECT gen_random_uuid(), 'bulk' || (g % 50 + 1),"
                    " (CASE WHEN g % 20 = 0 THEN 'queued' ELSE 'ready' END)::media_status,"
                    " 'https://x/' || g, 'x', 'mediagate', 'bulk/' || g,"
                    " now() - g * interval '1 second', now() - g * interval '1 second'"
                    " FROM generate_series(1, 40000) g");
    pgtest_exec(db, "ANALYZE media");
    const char *lp[] = {"bulk7", NULL, "20", "0"};
    char *plan = explain(media_catalog_sql_list, 4, lp);
    if (strstr(plan, "media_tenant_created_idx") == NULL)
        fail_msg("listing does not use media_tenant_created_idx:\n%s", plan);
    free(plan);
    const char *lp2[] = {"bulk7", "ready", "20", "100"};
    plan = explain(media_catalog_sql_list, 4, lp2);
    if (strstr(plan, "media_tenant_created_idx") == NULL)
        fail_msg("filtered listing does not use media_tenant_created_idx:\n%s", plan);
    free(plan);
    const char *sp[] = {"60", "100"};
    plan = explain(media_catalog_sql_stale_queued, 2, sp);
    if (strstr(plan, "media_queued_due_idx") == NULL ||
        strstr(plan, "media_fetching_claim_idx") == NULL)
        fail_msg("stale lookup does not use media_queued_due_idx and media_fetching_claim_idx:\n%s",
                 plan);
    free(plan);
    pgtest_exec(db, "DELETE FROM media WHERE tenant_id LIKE 'bulk%'");
}

/* ---- gc ---- */

typedef struct {
    int calls;
    int fail_at; /* 1-based call that fails, 0: none */
    char keys[64][MEDIA_OBJECT_KEY_MAX];
} gc_probe;

static media_code probe_delete(void *ud, const char *bucket, const char *key, media_error *err)
{
    gc_probe *g = ud;
    assert_string_equal(bucket, "mediagate");
    g->calls++;
    if (g->fail_at && g->calls == g->fail_at)
        return media_error_set(err, MEDIA_ERR_S3, MEDIA_CLASS_TRANSIENT, "S3 SlowDown: test");
    if (g->calls <= 64)
        snprintf(g->keys[g->calls - 1], MEDIA_OBJECT_KEY_MAX, "%s", key);
    return MEDIA_OK;
}

static void test_gc_deletes_objects_then_rows_in_batches(void **st)
{
    (void)st;
    media_error err;
    media_catalog_tenant_ensure(db, "gc", &err);
    char old_ids[7][MEDIA_UUID_STR], young[MEDIA_UUID_STR];
    for (int i = 0; i < 8; i++) {
        media_record m, r;
        char url[40];
        snprintf(url, sizeof(url), "https://x/gc%d", i);
        create("gc", url, NULL, NULL, &m, NULL, MEDIA_OK);
        assert_int_equal(media_catalog_soft_delete(db, "gc", m.id, &r, &err), MEDIA_OK);
        media_record_cleanup(&r);
        if (i < 7)
            strcpy(old_ids[i], m.id);
        else
            strcpy(young, m.id);
        media_record_cleanup(&m);
    }
    pgtest_exec(db,
                "UPDATE media SET deleted_at = now() - interval '40 days' WHERE tenant_id = 'gc'"
                " AND source_url <> 'https://x/gc7'");

    /* a failing object delete rolls its batch back: rows stay for the next run */
    gc_probe g = {.fail_at = 2};
    size_t removed = 99;
    assert_int_equal(media_catalog_gc(db, 30 * 86400, 3, probe_delete, &g, &removed, &err),
                     MEDIA_ERR_S3);
    assert_int_equal(removed, 0);
    char *n = pgtest_scalar(db, "SELECT count(*) FROM media WHERE tenant_id = 'gc'");
    assert_string_equal(n, "8");
    free(n);

    memset(&g, 0, sizeof(g));
    assert_int_equal(media_catalog_gc(db, 30 * 86400, 3, probe_delete, &g, &removed, &err),
                     MEDIA_OK);
    assert_int_equal(removed, 7);
    assert_int_equal(g.calls, 7);
    for (int i = 0; i < 7; i++) {
        char key[MEDIA_OBJECT_KEY_MAX];
        media_object_key("gc", old_ids[i], key);
        bool seen = false;
        for (int j = 0; j < 7; j++)
            seen |= strcmp(g.keys[j], key) == 0;
        assert_true(seen);
    }
    n = pgtest_scalar(db, "SELECT string_agg(id::text, ',') FROM media WHERE tenant_id = 'gc'");
    assert_string_equal(n, young); /* recently deleted: kept */
    free(n);
}

/* ---- API keys ---- */

static void test_apikeys(void **st)
{
    (void)st;
    media_error err;
    char key[MEDIA_APIKEY_LEN + 1];
    media_apikey_info info, found;
    assert_int_equal(
        media_apikey_create(db, "keys", MEDIA_SCOPE_READ | MEDIA_SCOPE_WRITE, key, &info, &err),
        MEDIA_OK);
    assert_true(media_apikey_well_formed(key));
    assert_int_equal(strncmp(key, "mgk_", 4), 0);
    assert_int_equal(strncmp(info.prefix, key, MEDIA_APIKEY_SHOWN_LEN), 0);
    /* only the hash is stored */
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM api_keys WHERE position('%s' in "
             "encode(key_sha256, 'escape')) > 0 OR prefix = '%s'",
             key, key);
    char *n = pgtest_scalar(db, sql);
    assert_string_equal(n, "0");
    free(n);
    assert_int_equal(media_apikey_lookup(db, key, &found, &err), MEDIA_OK);
    assert_string_equal(found.id, info.id);
    assert_string_equal(found.tenant, "keys");
    assert_int_equal(found.scopes, MEDIA_SCOPE_READ | MEDIA_SCOPE_WRITE);
    char wrong[MEDIA_APIKEY_LEN + 1];
    strcpy(wrong, key);
    wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
    assert_int_equal(media_apikey_lookup(db, wrong, &found, &err), MEDIA_ERR_NOT_FOUND);
    assert_int_equal(media_apikey_lookup(db, "garbage", &found, &err), MEDIA_ERR_NOT_FOUND);

    media_apikey_info *all;
    size_t count;
    assert_int_equal(media_apikey_list(db, "keys", &all, &count, &err), MEDIA_OK);
    assert_int_equal(count, 1);
    assert_string_equal(all[0].revoked_at, "");
    free(all);
    assert_int_equal(media_apikey_revoke(db, info.id, &err), MEDIA_OK);
    assert_int_equal(media_apikey_lookup(db, key, &found, &err), MEDIA_ERR_NOT_FOUND);
    assert_int_equal(media_apikey_revoke(db, info.id, &err), MEDIA_ERR_NOT_FOUND);
    assert_int_equal(media_apikey_list(db, "keys", &all, &count, &err), MEDIA_OK);
    assert_true(all[0].revoked_at[0] != '\0');
    free(all);
    assert_int_equal(media_apikey_create(db, "keys", 0, key, NULL, &err), MEDIA_ERR_INVALID);
}

/* ---- a connection lost mid-operation ---- */

typedef struct {
    media_code rc;
    media_error err;
} create_result;

static void *blocked_create(void *arg)
{
    create_result *res = arg;
    media_create_request req = {
        "lossy", "https://x/lost-in-flight.jpg", "lost-key", NULL, "mediagate", NULL, NULL, NULL,
        NULL};
    media_record m;
    bool created;
    res->rc = media_catalog_create(db, &req, &m, &created, &res->err);
    if (res->rc == MEDIA_OK)
        media_record_cleanup(&m);
    return NULL;
}

static void test_connection_lost_mid_operation_writes_nothing(void **st)
{
    (void)st;
    media_error err;
    media_catalog_tenant_ensure(db, "lossy", &err);
    media_db *other = pgtest_connect();
    /* hold the tenant row so the INSERT's foreign-key check waits inside its statement */
    pgtest_exec(other, "BEGIN; SELECT 1 FROM tenants WHERE id = 'lossy' FOR UPDATE");
    int pid = media_db_backend_pid(db);
    char *server_pid = pgtest_scalar(db, "SELECT pg_backend_pid()");
    bool pooled = atoi(server_pid) != pid; /* a pooler answers for the server */
    free(server_pid);
    if (pooled) { /* which server connection runs the INSERT is the pooler's choice */
        pgtest_exec(other, "ROLLBACK");
        media_db_close(other);
        skip();
    }
    create_result res;
    pthread_t t;
    pthread_create(&t, NULL, blocked_create, &res);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND wait_event_type = 'Lock'",
             pid);
    media_db *watcher = pgtest_connect();
    bool waiting = false;
    for (int i = 0; i < 200 && !waiting; i++) {
        char *n = pgtest_scalar(watcher, sql);
        waiting = strcmp(n, "1") == 0;
        free(n);
        if (!waiting)
            usleep(10000);
    }
    assert_true(waiting);
    snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", pid);
    free(pgtest_scalar(watcher, sql));
    pthread_join(t, NULL);
    assert_int_equal(res.rc, MEDIA_ERR_DB);
    assert_int_equal(res.err.cls, MEDIA_CLASS_TRANSIENT);
    assert_non_null(strstr(res.err.message, "connection to PostgreSQL lost"));
    pgtest_exec(other, "ROLLBACK");
    char *n =
        pgtest_scalar(watcher, "SELECT count(*) FROM media WHERE idempotency_key = 'lost-key'");
    assert_string_equal(n, "0"); /* no half-written row */
    free(n);
    /* the next operation reconnects */
    media_record m;
    bool created;
    media_create_request req = {
        "lossy", "https://x/after.jpg", NULL, NULL, "mediagate", NULL, NULL, NULL, NULL};
    assert_int_equal(media_catalog_create(db, &req, &m, &created, &err), MEDIA_OK);
    media_record_cleanup(&m);
    media_db_close(other);
    media_db_close(watcher);
}

/* ---- prepared statements (media/db.c) ---- */

static long prepared_count(media_db *c)
{
    media_db_result *r;
    media_error err;
    if (media_db_query(c, "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'mg\\_%'", 0,
                       NULL, &r, &err) != MEDIA_OK)
        fail_msg("pg_prepared_statements: %s", err.message);
    long n = strtol(media_db_result_value(r, 0, 0), NULL, 10);
    media_db_result_free(r);
    return n;
}

static void get_ok(media_db *c, const char *id, const char *want_status)
{
    media_record m;
    media_error err;
    if (media_catalog_get(c, "acme", id, &m, &err) != MEDIA_OK)
        fail_msg("get: %s", err.message);
    assert_string_equal(media_status_name(m.status), want_status);
    media_record_cleanup(&m);
}

static void test_statements_prepared_once_and_fall_back_when_gone(void **st)
{
    (void)st;
    media_record m;
    create("acme", "https://example.com/prep.jpg", NULL, NULL, &m, NULL, MEDIA_OK);
    if (getenv("MEDIAGATE_TEST_POOLED")) {
        /* behind PgBouncer's transaction pooling a connection's statements land on server
         * connections that have other clients' prepared statements, or not its own: every
         * one must still succeed (the counts below mean nothing there) */
        media_db *cs[3] = {pgtest_connect(), pgtest_connect(), pgtest_connect()};
        for (int i = 0; i < 60; i++)
            get_ok(cs[i % 3], m.id, "queued");
        for (int i = 0; i < 3; i++)
            media_db_close(cs[i]);
        media_record_cleanup(&m);
        return;
    }
    media_db *c = pgtest_connect();
    assert_int_equal(prepared_count(c), 0);
    get_ok(c, m.id, "queued");
    get_ok(c, m.id, "queued");
    assert_int_equal(prepared_count(c), 1); /* one statement, prepared once, run twice */

    /* a pooler hands the client a server connection without it: the plain way, from then on */
    media_error err;
    assert_int_equal(media_db_exec_script(c, "DEALLOCATE ALL", &err), MEDIA_OK);
    get_ok(c, m.id, "queued");
    get_ok(c, m.id, "queued");
    assert_int_equal(prepared_count(c), 0);
    media_db_close(c);

    /* inside a transaction, and with preparing off, statements go as text */
    c = pgtest_connect();
    assert_int_equal(media_db_begin(c, &err), MEDIA_OK);
    get_ok(c, m.id, "queued");
    assert_int_equal(media_db_commit(c, &err), MEDIA_OK);
    assert_int_equal(prepared_count(c), 0);
    media_db_set_prepare(false);
    get_ok(c, m.id, "queued");
    media_db_set_prepare(true);
    assert_int_equal(prepared_count(c), 0);
    media_db_close(c);
    media_record_cleanup(&m);
}

/* A migration that changes what a prepared statement returns: it runs the plain way. */
static void test_prepared_statement_survives_a_changed_result_type(void **st)
{
    (void)st;
    if (getenv("MEDIAGATE_TEST_POOLED"))
        skip(); /* DDL and its statements may land on different server connections */
    media_db *c = pgtest_connect();
    media_error err;
    assert_int_equal(media_db_exec_script(c,
                                          "CREATE TABLE prep_t (a int); INSERT INTO prep_t "
                                          "VALUES (1)",
                                          &err),
                     MEDIA_OK);
    const char *p[] = {"1"};
    media_db_result *r;
    assert_int_equal(media_db_query(c, "SELECT * FROM prep_t WHERE a = $1", 1, p, &r, &err),
                     MEDIA_OK);
    media_db_result_free(r);
    assert_int_equal(media_db_exec_script(c, "ALTER TABLE prep_t ADD COLUMN b text", &err),
                     MEDIA_OK);
    if (media_db_query(c, "SELECT * FROM prep_t WHERE a = $1", 1, p, &r, &err) != MEDIA_OK)
        fail_msg("after ALTER: %s", err.message);
    assert_int_equal(media_db_result_column(r, "b"), 1);
    media_db_result_free(r);
    assert_int_equal(media_db_exec_script(c, "DROP TABLE prep_t", &err), MEDIA_OK);
    media_db_close(c);
}

/* Every foreign key has an index whose leading columns are the key's (issue 24, item 10): a
 * cascade or a parent's delete otherwise scans the child table under the parent's lock. */
static void test_every_foreign_key_has_an_index(void **st)
{
    (void)st;
    char *missing = pgtest_scalar(
        db, "SELECT coalesce(string_agg(c.conrelid::regclass || '.' || c.conname, ', '), '') "
            "FROM pg_constraint c WHERE c.contype = 'f' AND NOT EXISTS ("
            " SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indpred IS NULL"
            " AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey"
            " AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey)");
    assert_string_equal(missing, "");
    free(missing);
    char *n = pgtest_scalar(db, "SELECT count(*) > 3 FROM pg_constraint WHERE contype = 'f'");
    assert_string_equal(n, "t"); /* the check saw the schema's foreign keys */
    free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_rerun_is_a_noop),
        cmocka_unit_test(test_tampered_migration_is_refused),
        cmocka_unit_test(test_database_newer_than_build_is_refused_by_migrate),
        cmocka_unit_test(test_schema_check),
        cmocka_unit_test(test_create_get_and_tenant_isolation),
        cmocka_unit_test(test_idempotency_same_payload_returns_row_different_conflicts),
        cmocka_unit_test(test_create_refuses_bad_input),
        cmocka_unit_test(test_happy_path_and_second_finisher_changes_nothing),
        cmocka_unit_test(test_retry_fail_and_requeue),
        cmocka_unit_test(test_claims_are_fenced),
        cmocka_unit_test(test_release_keeps_attempts_and_open_uploads_are_found),
        cmocka_unit_test(test_soft_delete),
        cmocka_unit_test(test_offset_and_keyset_pagination),
        cmocka_unit_test(test_stale_queued_lookup_and_mark_published),
        cmocka_unit_test(test_explain_listing_and_stale_lookup_use_their_indexes),
        cmocka_unit_test(test_gc_deletes_objects_then_rows_in_batches),
        cmocka_unit_test(test_apikeys),
        cmocka_unit_test(test_every_foreign_key_has_an_index),
        cmocka_unit_test(test_connection_lost_mid_operation_writes_nothing),
        cmocka_unit_test(test_statements_prepared_once_and_fall_back_when_gone),
        cmocka_unit_test(test_prepared_statement_survives_a_changed_result_type),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
