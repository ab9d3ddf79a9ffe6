-- 0004_traces: the W3C trace context a job was submitted under (issue 13, item 3).
-- Applied by `mediagate migrate` inside a transaction; never edit after release.
--
-- The API stores the traceparent of its request span (and the client's tracestate) with the
-- row; the worker that claims the row continues that trace, so the job's logs, its source,
-- S3 and webhook requests and its spans belong to the request that created it.
ALTER TABLE media
    ADD COLUMN traceparent text CHECK (traceparent IS NULL OR length(traceparent) = 55),
    ADD COLUMN tracestate  text CHECK (tracestate IS NULL OR length(tracestate) <= 512);
