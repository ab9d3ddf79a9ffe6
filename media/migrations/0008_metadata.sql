-- 0008_metadata: what of a stored image's metadata is kept (issue 25).
-- Applied by `mediagate migrate` inside a transaction; never edit after release.
--
-- Images are scrubbed of their metadata on their way to the bucket (media/scrub.h), so the
-- row's sha256, size_bytes and etag describe the served bytes; source_sha256 is the SHA-256
-- of the bytes as they arrived (NULL for rows stored before, whose bytes were not changed).
-- A tenant may override the service's MEDIAGATE_METADATA (NULL: the service's).
ALTER TABLE media ADD COLUMN source_sha256 text;
ALTER TABLE tenants ADD COLUMN metadata text
    CHECK (metadata IN ('strip', 'keep-copyright', 'keep'));
