-- 0007_staged_uploads: direct uploads write a staging key, never the served one (issue 25).
-- Applied by `mediagate migrate` inside a transaction; never edit after release.
--
-- A presigned PUT URL or POST policy stays valid until its upload's expiry, also after the
-- upload was verified: a client could put other bytes under a key that was already served.
-- Uploads created from now on write "staging/<object key>"; the verification promotes the
-- checked bytes to the object key. staged_until is when the last URL of the upload lapses:
-- until then a late PUT can leave a staging object behind, and after it (the row done) the
-- workers delete the staging key once and clear it. NULL: an upload from before (its URLs
-- write the object key itself) or one whose staging key is cleaned up.
ALTER TABLE media ADD COLUMN staged_until timestamptz;
CREATE INDEX media_staged_until_idx ON media (staged_until) WHERE staged_until IS NOT NULL;
