package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plenum-dcim/plenum/internal/auth"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Session lifetimes: a browser session ends SessionMaxAge after sign-in, or SessionIdle after its
// last request, whichever comes first.
const (
	SessionMaxAge = 12 * time.Hour
	SessionIdle   = time.Hour
)

const sessionPrefix = "pls_"

// CreateSession starts a browser session for a user who has just signed in. It returns the cookie
// secret (stored only as its hash) and the CSRF token every change made in the session must carry.
// A new session is always a new secret: whatever cookie the browser had before is not reused, so
// a session fixed by an attacker before sign-in never becomes a signed-in one.
func (s *Store) CreateSession(ctx context.Context, userID int64) (secret, csrf string, err error) {
	if secret, err = newSecret(sessionPrefix); err != nil {
		return "", "", err
	}
	if csrf, err = newSecret(""); err != nil {
		return "", "", err
	}
	now := s.now()
	// Sessions long over are swept as new ones start.
	if _, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE expires <= $1 OR last_seen <= $2", now, now.Add(-SessionIdle)); err != nil {
		return "", "", fmt.Errorf("sweep sessions: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions (key_hash, user_id, csrf, created, expires, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6)`, hashToken(secret), userID, csrf, now, now.Add(SessionMaxAge), now); err != nil {
		return "", "", fmt.Errorf("start session: %w", err)
	}
	return secret, csrf, nil
}

// Session returns the actor of a session cookie and its CSRF token, or an EUnauthorized error when
// the session is unknown, ended, expired or idle too long, or its user is disabled.
func (s *Store) Session(ctx context.Context, secret string) (dcim.Actor, string, error) {
	var a dcim.Actor
	var csrf, name string
	var expires, lastSeen time.Time
	var tenant sql.NullInt64
	var disabled bool
	err := s.db.QueryRowContext(ctx, `SELECT u.id, u.name, u.role, u.tenant_id, u.disabled, s.csrf, s.expires, s.last_seen
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.key_hash = $1`, hashToken(secret)).
		Scan(&a.UserID, &name, &a.Role, &tenant, &disabled, &csrf, &expires, &lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return a, "", dcim.Errorf(dcim.EUnauthorized, "not signed in (session unknown or ended)")
	}
	if err != nil {
		return a, "", fmt.Errorf("session: %w", err)
	}
	now := s.now()
	switch {
	case disabled:
		return dcim.Actor{}, "", dcim.Errorf(dcim.EUnauthorized, "user %q is disabled", name)
	case !expires.After(now):
		return dcim.Actor{}, "", dcim.Errorf(dcim.EUnauthorized, "session expired; sign in again")
	case now.Sub(lastSeen) >= SessionIdle:
		return dcim.Actor{}, "", dcim.Errorf(dcim.EUnauthorized, "session idle too long; sign in again")
	}
	if now.Sub(lastSeen) > time.Minute {
		if _, err := s.db.ExecContext(ctx, "UPDATE sessions SET last_seen = $1 WHERE key_hash = $2", now, hashToken(secret)); err != nil {
			return dcim.Actor{}, "", fmt.Errorf("session last seen: %w", err)
		}
	}
	a.Name, a.TenantID, a.CanWrite = "user:"+name, tenant.Int64, true
	return a, csrf, nil
}

// EndSession ends one session (logout); an unknown secret is no error.
func (s *Store) EndSession(ctx context.Context, secret string) error {
	_, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE key_hash = $1", hashToken(secret))
	return err
}

// ChangePassword replaces the signed-in user's password after checking the current one; every
// session of the user ends (the caller starts a new one).
func (s *Store) ChangePassword(ctx context.Context, userID int64, current, next string) error {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	_, hash, err := s.user(ctx, u.Name)
	if err != nil {
		return err
	}
	if auth.Verify(hash, current) != nil {
		return dcim.Invalid("current_password", "is wrong")
	}
	return s.SetPassword(ctx, u.Name, next)
}
