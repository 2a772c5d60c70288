package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

const tokenPrefix = "plm_"

// hashToken hashes a token secret. Tokens carry 160 random bits, so a fast hash is enough: there is
// nothing to brute-force that a password hash would slow down.
func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a new token and returns its secret, which is shown once and never stored.
func (s *Store) CreateToken(ctx context.Context, name string, write bool, expires *time.Time) (dcim.Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return dcim.Token{}, "", dcim.Invalid("name", "is required")
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return dcim.Token{}, "", err
	}
	secret := tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	tok := dcim.Token{Name: name, Prefix: secret[:len(tokenPrefix)+6], WriteEnabled: write, Expires: expires}
	err := s.write(ctx, func(t *tx) error {
		tok.Created = t.now
		if err := t.QueryRowContext(ctx, `INSERT INTO tokens (name, prefix, key_hash, write_enabled, created, expires)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, tok.Name, tok.Prefix, hashToken(secret), write, t.now, expires).Scan(&tok.ID); err != nil {
			return fmt.Errorf("store token: %w", err)
		}
		return t.logChange(ctx, "create", dcim.TypeToken, tok.ID, tok.Name, nil, tok)
	})
	if err != nil {
		return dcim.Token{}, "", err
	}
	return tok, secret, nil
}

// Authenticate returns the token whose secret this is, or an EUnauthorized error.
func (s *Store) Authenticate(ctx context.Context, secret string) (dcim.Token, error) {
	var tok dcim.Token
	if !strings.HasPrefix(secret, tokenPrefix) {
		return tok, dcim.Errorf(dcim.EUnauthorized, "invalid token")
	}
	var expires, lastUsed sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT id, name, prefix, write_enabled, created, expires, last_used FROM tokens WHERE key_hash = $1`,
		hashToken(secret)).Scan(&tok.ID, &tok.Name, &tok.Prefix, &tok.WriteEnabled, &tok.Created, &expires, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return tok, dcim.Errorf(dcim.EUnauthorized, "invalid token")
	}
	if err != nil {
		return tok, fmt.Errorf("authenticate: %w", err)
	}
	now := s.now()
	if expires.Valid {
		tok.Expires = &expires.Time
		if !expires.Time.After(now) {
			return tok, dcim.Errorf(dcim.EUnauthorized, "token expired")
		}
	}
	// Record use at most once a minute, so reads do not turn into writes.
	if !lastUsed.Valid || now.Sub(lastUsed.Time) > time.Minute {
		if _, err := s.db.ExecContext(ctx, "UPDATE tokens SET last_used = $1 WHERE id = $2", now, tok.ID); err != nil {
			return tok, fmt.Errorf("token last used: %w", err)
		}
		lastUsed = sql.NullTime{Time: now, Valid: true}
	}
	tok.LastUsed = &lastUsed.Time
	return tok, nil
}

// Tokens lists the tokens (without secrets).
func (s *Store) Tokens(ctx context.Context) ([]dcim.Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, prefix, write_enabled, created, expires, last_used FROM tokens ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dcim.Token
	for rows.Next() {
		var tok dcim.Token
		var expires, lastUsed sql.NullTime
		if err := rows.Scan(&tok.ID, &tok.Name, &tok.Prefix, &tok.WriteEnabled, &tok.Created, &expires, &lastUsed); err != nil {
			return nil, err
		}
		if expires.Valid {
			tok.Expires = &expires.Time
		}
		if lastUsed.Valid {
			tok.LastUsed = &lastUsed.Time
		}
		out = append(out, tok)
	}
	return out, rows.Err()
}

// RevokeToken deletes a token.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.write(ctx, func(t *tx) error {
		res, err := t.ExecContext(ctx, "DELETE FROM tokens WHERE id = $1", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return dcim.NotFound(dcim.TypeToken, id)
		}
		return t.logChange(ctx, "delete", dcim.TypeToken, id, "", nil, nil)
	})
}
