-- +goose Up
-- Alerts (issue #8): one row per episode of an alert, from its first sight to its resolution, so
-- that the history of every alert is kept; acknowledgements on the episode. Silences mute the
-- notifications of alerts whose labels match, until they end.
CREATE TABLE alerts (
    id {{.ID}},
    fingerprint TEXT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    labels TEXT NOT NULL,
    annotations TEXT NOT NULL,
    state TEXT NOT NULL,
    active_at {{.TS}} NOT NULL,
    fired_at {{.TS}},
    resolved_at {{.TS}},
    last_value {{.Float}},
    flapping BOOLEAN NOT NULL DEFAULT FALSE,
    object_type TEXT NOT NULL DEFAULT '',
    object_id BIGINT,
    acked_by TEXT NOT NULL DEFAULT '',
    acked_at {{.TS}},
    ack_comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alerts_fingerprint ON alerts(fingerprint, resolved_at);
CREATE INDEX alerts_state ON alerts(state);
CREATE INDEX alerts_active ON alerts(active_at);
CREATE TABLE silences (
    id {{.ID}},
    matchers TEXT NOT NULL,
    starts {{.TS}} NOT NULL,
    ends {{.TS}} NOT NULL,
    created_by TEXT NOT NULL,
    comment TEXT NOT NULL,
    created {{.TS}} NOT NULL
);

-- +goose Down
DROP TABLE silences;
DROP TABLE alerts;
