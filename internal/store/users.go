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
	rows, err := s.db.QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY name")
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

const userColumns = "id, name, role, tenant_id, disabled, created, last_login"

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
// unknown name takes as long to refuse as a wrong password. Both outcomes go into the change log
// (login, login-failed), with the client's address when the context's actor carries it.
func (s *Store) CheckPassword(ctx context.Context, name, password string) (dcim.User, error) {
	u, hash, err := s.user(ctx, name)
	switch {
	case dcim.ErrorCode(err) == dcim.ENotFound:
		_ = auth.VerifyNone(password)
		return dcim.User{}, s.loginFailed(ctx, 0, name, "unknown user")
	case err != nil:
		return dcim.User{}, err
	}
	if auth.Verify(hash, password) != nil {
		return dcim.User{}, s.loginFailed(ctx, u.ID, name, "wrong password")
	}
	if u.Disabled {
		return dcim.User{}, s.loginFailed(ctx, u.ID, name, "disabled")
	}
	return u, s.LoggedIn(ctx, &u, "password")
}

// LoggedIn records a sign-in of u (by password or single sign-on): last_login and the change log.
func (s *Store) LoggedIn(ctx context.Context, u *dcim.User, how string) error {
	a := dcim.ActorFrom(ctx)
	a.Name, a.UserID, a.Role = "user:"+u.Name, u.ID, u.Role
	return s.write(dcim.WithActor(ctx, a), func(t *tx) error {
		if _, err := t.ExecContext(ctx, "UPDATE users SET last_login = $1 WHERE id = $2", t.now, u.ID); err != nil {
			return fmt.Errorf("last login: %w", err)
		}
		now := t.now
		u.LastLogin = &now
		return t.logChange(ctx, "login", dcim.TypeUser, u.ID, authRepr(u.Name+" by "+how, a.Remote), nil, nil)
	})
}

// loginFailed records a refused sign-in and returns the one error every refusal gives.
func (s *Store) loginFailed(ctx context.Context, id int64, name, why string) error {
	a := dcim.ActorFrom(ctx)
	a.Name = "anonymous"
	if err := s.write(dcim.WithActor(ctx, a), func(t *tx) error {
		return t.logChange(ctx, "login-failed", dcim.TypeUser, id, authRepr(fmt.Sprintf("%.100s: %s", name, why), a.Remote), nil, nil)
	}); err != nil {
		return err
	}
	return dcim.Errorf(dcim.EUnauthorized, "wrong name or password")
}

// Audit writes one entry of an event that changes no object (a logout, a refused token) to the
// change log, as the context's actor.
func (s *Store) Audit(ctx context.Context, action, objType string, id int64, repr string) error {
	return s.write(ctx, func(t *tx) error {
		return t.logChange(ctx, action, objType, id, authRepr(repr, dcim.ActorFrom(ctx).Remote), nil, nil)
	})
}

func authRepr(repr, remote string) string {
	if remote == "" {
		return repr
	}
	return repr + " from " + remote
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
		u, err := userTx(ctx, t, name)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, query, arg, u.ID); err != nil {
			return fmt.Errorf("user %q: %w", name, err)
		}
		// A new password or a disabled user ends every session it had (one stolen before stays no use).
		if _, err := t.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", u.ID); err != nil {
			return fmt.Errorf("end sessions of %q: %w", name, err)
		}
		after := u
		after.Disabled = what == "disabled" || (u.Disabled && what != "enabled")
		return t.logChange(ctx, "update", dcim.TypeUser, u.ID, u.Name+": "+what, u, after)
	})
}

// userTx reads a user by name inside a transaction.
func userTx(ctx context.Context, t *tx, name string) (dcim.User, error) {
	u, err := scanUser(t.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE name = $1", name))
	if errors.Is(err, sql.ErrNoRows) {
		return u, dcim.Errorf(dcim.ENotFound, "no user %q", name)
	}
	return u, err
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id int64) (dcim.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, dcim.NotFound(dcim.TypeUser, id)
	}
	return u, err
}

// UserByName returns a user.
func (s *Store) UserByName(ctx context.Context, name string) (dcim.User, error) {
	u, _, err := s.user(ctx, name)
	return u, err
}

// SetRole changes a user's role and tenant (tenant only for the tenant role), ending its sessions so
// that the new role holds from the next sign-in.
func (s *Store) SetRole(ctx context.Context, name, role string, tenant *int64) (dcim.User, error) {
	var out dcim.User
	err := s.write(ctx, func(t *tx) error {
		u, err := userTx(ctx, t, name)
		if err != nil {
			return err
		}
		after := u
		after.Role, after.TenantID = role, tenant
		if err := after.Normalize(); err != nil {
			return err
		}
		if tenant != nil {
			if _, err := mustGet(ctx, t, tenantTable, *tenant, "tenant_id", false); err != nil {
				return err
			}
		}
		if _, err := t.ExecContext(ctx, "UPDATE users SET role = $1, tenant_id = $2 WHERE id = $3", role, tenant, u.ID); err != nil {
			return fmt.Errorf("set role of %q: %w", name, err)
		}
		if _, err := t.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", u.ID); err != nil {
			return err
		}
		out = after
		return t.logChange(ctx, "update", dcim.TypeUser, u.ID, u.Name+": role "+role, u, after)
	})
	return out, err
}

// EnableUser lets a disabled user sign in again.
func (s *Store) EnableUser(ctx context.Context, name string) error {
	return s.updateUser(ctx, name, "enabled", "UPDATE users SET disabled = $1 WHERE id = $2", false)
}

// SignOnUser returns the user an identity provider vouches for, found by issuer and subject, and
// made on first sign-on (with no password: it signs in only through the provider). Its role and
// tenant follow the provider's claims at every sign-on; a change is logged. A local user with the
// same name is never taken over.
func (s *Store) SignOnUser(ctx context.Context, issuer, subject, name, role, tenantSlug string) (dcim.User, error) {
	key := issuer + "|" + subject
	var out dcim.User
	err := s.write(ctx, func(t *tx) error {
		var tenant *int64
		if tenantSlug != "" {
			var id int64
			err := t.QueryRowContext(ctx, "SELECT id FROM tenants WHERE slug = $1", tenantSlug).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return dcim.Errorf(dcim.EForbidden, "the identity provider names tenant %q, which Plenum does not have", tenantSlug)
			}
			if err != nil {
				return err
			}
			tenant = &id
		}
		u, err := scanUser(t.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE oidc_subject = $1", key))
		if errors.Is(err, sql.ErrNoRows) {
			nu := dcim.User{Name: name, Role: role, TenantID: tenant}
			if err := nu.Normalize(); err != nil {
				return dcim.Errorf(dcim.EForbidden, "cannot make a user of this sign-on: %v", err)
			}
			if _, err := userTx(ctx, t, name); err == nil {
				return dcim.Errorf(dcim.EForbidden, "a user named %q already exists; it is not taken over by single sign-on", name)
			}
			nu.Created = t.now
			if err := t.QueryRowContext(ctx, `INSERT INTO users (name, role, tenant_id, password_hash, disabled, created, oidc_subject)
				VALUES ($1, $2, $3, '!', FALSE, $4, $5) RETURNING id`, nu.Name, nu.Role, nu.TenantID, t.now, key).Scan(&nu.ID); err != nil {
				return fmt.Errorf("sign-on user: %w", err)
			}
			out = nu
			return t.logChange(ctx, "create", dcim.TypeUser, nu.ID, nu.Name+" (single sign-on)", nil, nu)
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return dcim.Errorf(dcim.EUnauthorized, "user %q is disabled", u.Name)
		}
		out = u
		if u.Role == role && equalIDs(u.TenantID, tenant) {
			return nil
		}
		out.Role, out.TenantID = role, tenant
		if _, err := t.ExecContext(ctx, "UPDATE users SET role = $1, tenant_id = $2 WHERE id = $3", role, tenant, u.ID); err != nil {
			return err
		}
		return t.logChange(ctx, "update", dcim.TypeUser, u.ID, u.Name+": role "+role+" from the identity provider", u, out)
	})
	return out, err
}

func equalIDs(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// PasswordIs reports whether password is the user's password, recording nothing (the demo checks
// that no default password survives on a public address).
func (s *Store) PasswordIs(ctx context.Context, name, password string) (bool, error) {
	_, hash, err := s.user(ctx, name)
	if err != nil {
		return false, err
	}
	return auth.Verify(hash, password) == nil, nil
}
