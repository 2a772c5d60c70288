-- +goose Up
-- People who sign in (issue #6): a login name, a role, the tenant of a tenant user, and an argon2id
-- password hash (never returned, never logged).
CREATE TABLE users (
    id {{.ID}},
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    tenant_id BIGINT REFERENCES tenants(id),
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created {{.TS}} NOT NULL,
    last_login {{.TS}}
);

-- +goose Down
DROP TABLE users;
