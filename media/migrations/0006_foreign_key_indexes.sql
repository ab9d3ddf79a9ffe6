-- 0006_foreign_key_indexes: every foreign key has an index that covers it (issue 24, item 10).
-- Applied by `mediagate migrate` inside a transaction; never edit after release.
--
-- Deleting a webhook endpoint cascades to its deliveries: without an index on endpoint_id
-- PostgreSQL scans the whole deliveries table for each deleted endpoint, holding the
-- endpoint's row lock meanwhile. Deliveries to a record's callback_url have no endpoint.
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id);
