-- +goose Up
-- Alert rules managed through the API (issue #8), beside the rule files: the fields of a Prometheus
-- alerting rule, the durations in seconds, labels and annotations as JSON objects. The server
-- evaluates the enabled ones with the files' and the built-in rules, and reloads them when they
-- change (the change log's newest alert-rule entry tells it).
CREATE TABLE alert_rules (
    id {{.ID}},
    name TEXT NOT NULL,
    group_name TEXT NOT NULL,
    expr TEXT NOT NULL,
    for_seconds BIGINT NOT NULL DEFAULT 0,
    keep_firing_for_seconds BIGINT NOT NULL DEFAULT 0,
    severity TEXT NOT NULL,
    labels TEXT NOT NULL DEFAULT '{}',
    annotations TEXT NOT NULL DEFAULT '{}',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL
);
CREATE INDEX alert_rules_name ON alert_rules(name);

-- +goose Down
DROP TABLE alert_rules;
