-- 0003_webhooks: webhook endpoints, per-request callbacks and the deliveries outbox.
-- Applied by `mediagate migrate` inside a transaction; never edit after release.
--
-- A media transition that tenants hear about (-> ready, -> failed, -> deleted) inserts one
-- delivery per subscribed endpoint (and one for the row's callback_url) in the same
-- statement, with a snapshot of the row: the event cannot be lost between the state change
-- and its notification, and the job never waits for a receiver. Worker processes claim due
-- deliveries (claimed_until, FOR UPDATE SKIP LOCKED), send them, and record the outcome;
-- after the last attempt a delivery stays as 'failed' (the dead letters) until replayed.
ALTER TABLE media ADD COLUMN callback_url text;
-- signs deliveries to callback_url; set (and rotated) by POST /api/v1/webhooks/callback-secret
ALTER TABLE tenants ADD COLUMN callback_secret text;

CREATE TABLE webhook_endpoints (
    id          uuid PRIMARY KEY,
    tenant_id   text NOT NULL REFERENCES tenants (id),
    url         text NOT NULL,
    events      text[] NOT NULL
                CHECK (cardinality(events) > 0
                       AND events <@ ARRAY['media.ready', 'media.failed', 'media.deleted']),
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id);

CREATE TYPE webhook_delivery_status AS ENUM ('pending', 'delivered', 'failed');

CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY,
    tenant_id        text NOT NULL REFERENCES tenants (id),
    endpoint_id      uuid REFERENCES webhook_endpoints (id) ON DELETE CASCADE, -- NULL: callback_url
    url              text NOT NULL,
    event            text NOT NULL,
    media_id         uuid NOT NULL,
    record           jsonb NOT NULL,          -- the media row as the event left it
    status           webhook_delivery_status NOT NULL DEFAULT 'pending',
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    claimed_until    timestamptz,             -- a sender holds it until then
    last_error       text,
    last_status      integer,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
-- the senders: pending deliveries that are due
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
-- listing per tenant, newest first, and retention
CREATE INDEX webhook_deliveries_tenant_idx ON webhook_deliveries (tenant_id, created_at);
-- the dead letters
CREATE INDEX webhook_deliveries_failed_idx ON webhook_deliveries (created_at)
    WHERE status = 'failed';
