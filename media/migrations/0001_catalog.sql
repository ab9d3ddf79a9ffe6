-- 0001_catalog: tenants, API keys and the media catalog.
-- Applied by `mediagate migrate` inside a transaction; never edit after release (the
-- checksum in schema_migrations would refuse it): add a new file instead.

CREATE TABLE tenants (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id          uuid PRIMARY KEY,
    tenant_id   text NOT NULL REFERENCES tenants (id),
    key_sha256  bytea NOT NULL UNIQUE CHECK (octet_length(key_sha256) = 32),
    prefix      text NOT NULL,
    scopes      text[] NOT NULL
                CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin']),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id);

CREATE TYPE media_status AS ENUM ('queued', 'fetching', 'ready', 'failed', 'deleted');

CREATE TABLE media (
    id               uuid PRIMARY KEY,           -- UUIDv7: time-ordered
    tenant_id        text NOT NULL REFERENCES tenants (id),
    status           media_status NOT NULL DEFAULT 'queued',
    source_url       text NOT NULL,
    idempotency_key  text,
    request_sha256   text NOT NULL,              -- fingerprint of the submitted payload
    metadata         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    bucket           text NOT NULL,
    object_key       text NOT NULL UNIQUE,
    content_type     text,
    size_bytes       bigint CHECK (size_bytes >= 0),
    sha256           text,
    etag             text,
    attempts         integer NOT NULL DEFAULT 0,
    error_class      text CHECK (error_class IN ('transient', 'permanent', 'rate_limited')),
    last_error       text,
    http_status      integer,
    request_id       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(), -- when a queued row is due
    ready_at         timestamptz,
    deleted_at       timestamptz,
    UNIQUE (tenant_id, idempotency_key)
);
-- listing and keyset pagination, per tenant, newest first (also covers the tenant FK)
CREATE INDEX media_tenant_created_idx ON media (tenant_id, created_at, id);
-- the outbox sweeper: queued rows that are due and were not picked up
CREATE INDEX media_queued_due_idx ON media (next_attempt_at) WHERE status = 'queued';
-- retention: soft-deleted rows by age
CREATE INDEX media_deleted_idx ON media (deleted_at) WHERE status = 'deleted';
