-- +goose Up
-- What Plenum polls (issue #4): a device's address and schedule; its credentials apart, in a table
-- the API never reads back.
CREATE TABLE poll_targets (
    id {{.ID}},
    site_id BIGINT NOT NULL REFERENCES sites(id),
    device_id BIGINT REFERENCES devices(id),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    profile TEXT NOT NULL DEFAULT '',
    interval_seconds INTEGER NOT NULL,
    timeout_seconds INTEGER NOT NULL,
    retries INTEGER NOT NULL,
    enabled BOOLEAN NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (name)
);
CREATE INDEX poll_targets_device ON poll_targets(device_id);

CREATE TABLE poll_target_credentials (
    target_id BIGINT PRIMARY KEY REFERENCES poll_targets(id) ON DELETE CASCADE,
    credentials TEXT NOT NULL
);

-- +goose Down
DROP TABLE poll_target_credentials;
DROP TABLE poll_targets;
