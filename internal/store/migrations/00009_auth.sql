-- +goose Up
-- Tokens belong to users (issue #6): a token acts for its user with that user's role (none: the
-- built-in admin), and may be limited to source networks. Browser sessions are kept by the hash of
-- their cookie, with the CSRF token that must come back on every change. A user signed on through
-- an identity provider is found again by its issuer and subject.
ALTER TABLE tokens ADD COLUMN user_id BIGINT REFERENCES users(id);
ALTER TABLE tokens ADD COLUMN networks TEXT NOT NULL DEFAULT '';
CREATE INDEX tokens_user ON tokens(user_id);
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc_subject ON users(oidc_subject);
CREATE TABLE sessions (
    id {{.ID}},
    key_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created {{.TS}} NOT NULL,
    expires {{.TS}} NOT NULL,
    last_seen {{.TS}} NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- +goose Down
DROP TABLE sessions;
DROP INDEX users_oidc_subject;
ALTER TABLE users DROP COLUMN oidc_subject;
DROP INDEX tokens_user;
ALTER TABLE tokens DROP COLUMN networks;
ALTER TABLE tokens DROP COLUMN user_id;
