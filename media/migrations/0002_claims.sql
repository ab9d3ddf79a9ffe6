-- 0002_claims: who holds a job, with a fencing token, and the multipart upload it opened.
-- Applied by `mediagate migrate` inside a transaction; never edit after release.
--
-- A worker claims a row (queued -> fetching, or a fetching row whose claim expired) by
-- incrementing claim_epoch and naming itself in claim_owner until claim_expires_at, which
-- it renews while it works. Every later transition of the row and every cleanup names the
-- epoch it holds, so a worker whose claim was taken over can no longer change the row.
-- upload_id records a multipart upload as soon as it is created, so a later attempt or the
-- sweeper aborts it even when the worker that opened it died.
ALTER TABLE media
    ADD COLUMN claim_owner      text,
    ADD COLUMN claim_epoch      bigint NOT NULL DEFAULT 0,
    ADD COLUMN claim_expires_at timestamptz,
    ADD COLUMN upload_id        text;
-- the outbox sweeper: fetching rows whose claim ran out long ago (their message was lost)
CREATE INDEX media_fetching_claim_idx ON media (claim_expires_at) WHERE status = 'fetching';
-- the upload sweeper: rows that still name an open multipart upload
CREATE INDEX media_upload_idx ON media (updated_at) WHERE upload_id IS NOT NULL;
