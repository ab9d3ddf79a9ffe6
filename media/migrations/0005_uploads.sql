-- 0005_uploads: direct uploads (issue 16). A client puts the bytes into the bucket itself
-- with presigned requests; the row waits in 'uploading' until the client completes it, then
-- a verification job (the same queue and claims as an ingest) checks the object before it
-- is 'ready'. Applied by `mediagate migrate` inside a transaction; never edit after release.
--
-- 'uploading' is added to the enum here and first used by later statements (PostgreSQL 12+
-- allows adding an enum value inside a transaction when it is not used in it).
ALTER TYPE media_status ADD VALUE IF NOT EXISTS 'uploading' BEFORE 'queued';
ALTER TABLE media
    ALTER COLUMN source_url DROP NOT NULL,           -- an upload has no source
    ADD COLUMN origin            text NOT NULL DEFAULT 'ingest'
                                 CHECK (origin IN ('ingest', 'upload')),
    ADD COLUMN declared_size     bigint CHECK (declared_size IS NULL OR declared_size >= 0),
    ADD COLUMN declared_type     text,
    ADD COLUMN filename          text CHECK (filename IS NULL OR length(filename) <= 255),
    ADD COLUMN upload_expires_at timestamptz,
    ADD CONSTRAINT media_source_or_upload
        CHECK (origin = 'upload' OR source_url IS NOT NULL);
-- the upload sweeper: uploads never completed, by expiry
CREATE INDEX media_uploading_idx ON media (upload_expires_at) WHERE upload_expires_at IS NOT NULL;
