package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/plenum-dcim/plenum/internal/auth"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

// CreateUser adds a user with a password (checked, then stored as its argon2id hash only). The
// change log records the user, never the password or its hash.
func (s *Store) CreateUser(ctx context.Context, u dcim.User, password string) (dcim.User, error) {
	if err := u.Normalize(); err != nil {
		return u, err
	}
	if err := auth.CheckPassword(password); err != nil {
		return u, dcim.Invalid("password", "%v", err)
	}
	hash, err := auth.Hash(password)
	if err != nil {
		return u, err
	}
	err = s.write(ctx, func(t *tx) error {
		var n int
		if err := t.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE name = $1", u.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return dcim.Invalid("name", "user %q exists", u.Name)
		}
		if u.TenantID != nil {
			if _, err := mustGet(ctx, t, tenantTable, *u.TenantID, "tenant_id", false); err != nil {
				return err
			}
		}
		u.Created = t.now
		if err := t.QueryRowContext(ctx, `INSERT INTO users (name, role, tenant_id, password_hash, disabled, created)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, u.Name, u.Role, u.TenantID, hash, u.Disabled, t.now).Scan(&u.ID); err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return t.logChange(ctx, "create", dcim.TypeUser, u.ID, u.Name, nil, u)
	})
	return u, err
}

// Users lists the users by name.
func (s *Store) Users(ctx context.Context) ([]dcim.User, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, role, tenant_id, disabled, created, last_login FROM users ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	var out []dcim.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func scanUser(r interface{ Scan(...any) error }) (dcim.User, error) {
	var u dcim.User
	var last sql.NullTime
	if err := r.Scan(&u.ID, &u.Name, &u.Role, &u.TenantID, &u.Disabled, &u.Created, &last); err != nil {
		return u, err
	}
	if last.Valid {
		t := last.Time.UTC()
		u.LastLogin = &t
	}
	u.Created = u.Created.UTC()
	return u, nil
}

// user reads a user and its hash by name.
func (s *Store) user(ctx context.Context, name string) (dcim.User, string, error) {
	var hash string
	var u dcim.User
	var last sql.NullTime
	err := s.db.QueryRowContext(ctx, "SELECT id, name, role, tenant_id, disabled, created, last_login, password_hash FROM users WHERE name = $1", name).
		Scan(&u.ID, &u.Name, &u.Role, &u.TenantID, &u.Disabled, &u.Created, &last, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", dcim.Errorf(dcim.ENotFound, "no user %q", name)
	}
	if last.Valid {
		t := last.Time.UTC()
		u.LastLogin = &t
	}
	return u, hash, err
}

// CheckPassword returns the user whose name and password these are, and records the login. An
// unknown name, a wrong password and a disabled user are the same EUnauthorized error, and an
// unknown name takes as long to refuse as a wrong password.
func (s *Store) CheckPassword(ctx context.Context, name, password string) (dcim.User, error) {
	u, hash, err := s.user(ctx, name)
	switch {
	case dcim.ErrorCode(err) == dcim.ENotFound:
		_ = auth.VerifyNone(password)
		return dcim.User{}, dcim.Errorf(dcim.EUnauthorized, "wrong name or password")
	case err != nil:
		return dcim.User{}, err
	}
	if auth.Verify(hash, password) != nil || u.Disabled {
		return dcim.User{}, dcim.Errorf(dcim.EUnauthorized, "wrong name or password")
	}
	now := s.now()
	if _, err := s.db.ExecContext(ctx, "UPDATE users SET last_login = $1 WHERE id = $2", now, u.ID); err != nil {
		return u, fmt.Errorf("last login: %w", err)
	}
	u.LastLogin = &now
	return u, nil
}

// SetPassword replaces a user's password.
func (s *Store) SetPassword(ctx context.Context, name, password string) error {
	if err := auth.CheckPassword(password); err != nil {
		return dcim.Invalid("password", "%v", err)
	}
	hash, err := auth.Hash(password)
	if err != nil {
		return err
	}
	return s.updateUser(ctx, name, "password changed", "UPDATE users SET password_hash = $1 WHERE id = $2", hash)
}

// DisableUser stops a user from signing in (it keeps its history).
func (s *Store) DisableUser(ctx context.Context, name string) error {
	return s.updateUser(ctx, name, "disabled", "UPDATE users SET disabled = $1 WHERE id = $2", true)
}

func (s *Store) updateUser(ctx context.Context, name, what, query string, arg any) error {
	return s.write(ctx, func(t *tx) error {
		var u dcim.User
		var last sql.NullTime
		err := t.QueryRowContext(ctx, "SELECT id, name, role, tenant_id, disabled, created, last_login FROM users WHERE name = $1", name).
			Scan(&u.ID, &u.Name, &u.Role, &u.TenantID, &u.Disabled, &u.Created, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return dcim.Errorf(dcim.ENotFound, "no user %q", name)
		}
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, query, arg, u.ID); err != nil {
			return fmt.Errorf("user %q: %w", name, err)
		}
		after := u
		after.Disabled = u.Disabled || what == "disabled"
		return t.logChange(ctx, "update", dcim.TypeUser, u.ID, u.Name+": "+what, u, after)
	})
}
