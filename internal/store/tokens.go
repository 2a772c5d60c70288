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
	"net/netip"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

const tokenPrefix = "plm_"

// hashToken hashes a token or session secret. They carry 160 random bits, so a fast hash is enough:
// there is nothing to brute-force that a password hash would slow down. Lookups are by this hash,
// so no secret is ever compared byte by byte.
func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// newSecret returns prefix and 160 random bits in base32.
func newSecret(prefix string) (string, error) {
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)), nil
}

// TokenSpec is what a new token is: its name, the user it acts for (empty: the built-in admin),
// whether it may write, when it expires, and the networks it is accepted from.
type TokenSpec struct {
	Name     string
	User     string
	Write    bool
	Expires  *time.Time
	Networks []string
}

// CreateToken makes a built-in admin token (no user) and returns its secret.
func (s *Store) CreateToken(ctx context.Context, name string, write bool, expires *time.Time) (dcim.Token, string, error) {
	return s.IssueToken(ctx, TokenSpec{Name: name, Write: write, Expires: expires})
}

// IssueToken makes a new token and returns its secret, which is shown once and never stored.
func (s *Store) IssueToken(ctx context.Context, spec TokenSpec) (dcim.Token, string, error) {
	name := strings.TrimSpace(spec.Name)
	if name == "" {
		return dcim.Token{}, "", dcim.Invalid("name", "is required")
	}
	if len(name) > 100 {
		return dcim.Token{}, "", dcim.Invalid("name", "at most 100 characters")
	}
	nets, err := parseNetworks(spec.Networks)
	if err != nil {
		return dcim.Token{}, "", err
	}
	if spec.Expires != nil && !spec.Expires.After(s.now()) {
		return dcim.Token{}, "", dcim.Invalid("expires", "%s is not in the future", spec.Expires.Format(time.RFC3339))
	}
	secret, err := newSecret(tokenPrefix)
	if err != nil {
		return dcim.Token{}, "", err
	}
	tok := dcim.Token{Name: name, Prefix: secret[:len(tokenPrefix)+6], WriteEnabled: spec.Write, Expires: spec.Expires, Networks: nets}
	err = s.write(ctx, func(t *tx) error {
		if spec.User != "" {
			u, err := userTx(ctx, t, spec.User)
			if err != nil {
				return dcim.Invalid("user", "%v", err)
			}
			if u.Disabled {
				return dcim.Invalid("user", "user %q is disabled", u.Name)
			}
			tok.UserID, tok.User = &u.ID, u.Name
		}
		tok.Created = t.now
		if err := t.QueryRowContext(ctx, `INSERT INTO tokens (name, prefix, key_hash, write_enabled, created, expires, user_id, networks)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, tok.Name, tok.Prefix, hashToken(secret), tok.WriteEnabled, t.now,
			spec.Expires, tok.UserID, strings.Join(nets, ",")).Scan(&tok.ID); err != nil {
			return fmt.Errorf("store token: %w", err)
		}
		return t.logChange(ctx, "create", dcim.TypeToken, tok.ID, tok.Name, nil, tok)
	})
	if err != nil {
		return dcim.Token{}, "", err
	}
	return tok, secret, nil
}

// parseNetworks checks and canonicalizes CIDR networks; a bare address is its own /32 or /128.
func parseNetworks(in []string) ([]string, error) {
	out := []string{}
	for i, n := range in {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		p, err := netip.ParsePrefix(n)
		if err != nil {
			a, aerr := netip.ParseAddr(n)
			if aerr != nil {
				return nil, dcim.Invalid(fmt.Sprintf("networks[%d]", i), "%q is not a network (CIDR, e.g. 10.0.0.0/8) or an address", n)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked().String())
	}
	return out, nil
}

// TokenAllows reports whether a token is accepted from addr: any address when it names no network.
func TokenAllows(tok dcim.Token, addr netip.Addr) bool {
	if len(tok.Networks) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, n := range tok.Networks {
		if p, err := netip.ParsePrefix(n); err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}

const tokenColumns = `t.id, t.name, t.prefix, t.write_enabled, t.created, t.expires, t.last_used, t.user_id, COALESCE(u.name, ''), t.networks`

func scanToken(r interface{ Scan(...any) error }, extra ...any) (dcim.Token, error) {
	var tok dcim.Token
	var expires, lastUsed sql.NullTime
	var nets string
	if err := r.Scan(append([]any{&tok.ID, &tok.Name, &tok.Prefix, &tok.WriteEnabled, &tok.Created, &expires, &lastUsed,
		&tok.UserID, &tok.User, &nets}, extra...)...); err != nil {
		return tok, err
	}
	tok.Created = tok.Created.UTC()
	if expires.Valid {
		e := expires.Time.UTC()
		tok.Expires = &e
	}
	if lastUsed.Valid {
		l := lastUsed.Time.UTC()
		tok.LastUsed = &l
	}
	tok.Networks = []string{}
	if nets != "" {
		tok.Networks = strings.Split(nets, ",")
	}
	return tok, nil
}

// Authenticate returns the actor a token secret stands for and the token, or an EUnauthorized
// error: unknown (or revoked) secret, expired token, disabled user. A token of a user takes that
// user's role and tenant; its scope limits it to reading unless it is a write token. Use is
// recorded (last_used, and a token-use entry in the change log) at most once a minute.
func (s *Store) Authenticate(ctx context.Context, secret string) (dcim.Actor, dcim.Token, error) {
	refuse := func(tok dcim.Token, why string) (dcim.Actor, dcim.Token, error) {
		return dcim.Actor{}, tok, dcim.Errorf(dcim.EUnauthorized, "%s", why)
	}
	if !strings.HasPrefix(secret, tokenPrefix) {
		return refuse(dcim.Token{}, "invalid token")
	}
	var role sql.NullString
	var tenant sql.NullInt64
	var disabled sql.NullBool
	tok, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+`, u.role, u.tenant_id, u.disabled
		FROM tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.key_hash = $1`, hashToken(secret)), &role, &tenant, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return refuse(dcim.Token{}, "invalid token")
	}
	if err != nil {
		return dcim.Actor{}, tok, fmt.Errorf("authenticate: %w", err)
	}
	now := s.now()
	if tok.Expires != nil && !tok.Expires.After(now) {
		return refuse(tok, "token expired")
	}
	a := dcim.Actor{Name: "token:" + tok.Name, TokenID: tok.ID, Role: dcim.RoleAdmin, CanWrite: tok.WriteEnabled}
	if tok.UserID != nil {
		if disabled.Bool {
			return refuse(tok, "the token's user is disabled")
		}
		a.Name, a.UserID, a.Role, a.TenantID = "user:"+tok.User+" token:"+tok.Name, *tok.UserID, role.String, tenant.Int64
	}
	if tok.LastUsed == nil || now.Sub(*tok.LastUsed) > time.Minute {
		err := s.write(dcim.WithActor(ctx, a), func(t *tx) error {
			if _, err := t.ExecContext(ctx, "UPDATE tokens SET last_used = $1 WHERE id = $2", now, tok.ID); err != nil {
				return err
			}
			return t.logChange(ctx, "token-use", dcim.TypeToken, tok.ID, tok.Name, nil, nil)
		})
		if err != nil {
			return a, tok, fmt.Errorf("token last used: %w", err)
		}
		tok.LastUsed = &now
	}
	return a, tok, nil
}

// Tokens lists the tokens (never their secrets): all of them, or those of one user (user > 0).
func (s *Store) Tokens(ctx context.Context, user ...int64) ([]dcim.Token, error) {
	q := `SELECT ` + tokenColumns + ` FROM tokens t LEFT JOIN users u ON u.id = t.user_id`
	var args []any
	if len(user) > 0 {
		q += " WHERE t.user_id = $1"
		args = append(args, user[0])
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY t.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []dcim.Token{}
	for rows.Next() {
		tok, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, tok)
	}
	return out, rows.Err()
}

// TokenByID returns a token (never its secret).
func (s *Store) TokenByID(ctx context.Context, id int64) (dcim.Token, error) {
	tok, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return tok, dcim.NotFound(dcim.TypeToken, id)
	}
	return tok, err
}

// RevokeToken deletes a token; its secret is refused from then on. owner > 0 limits it to that
// user's tokens (a user revoking its own): another's token is not found.
func (s *Store) RevokeToken(ctx context.Context, id int64, owner ...int64) error {
	return s.write(ctx, func(t *tx) error {
		q, args := "DELETE FROM tokens WHERE id = $1", []any{id}
		if len(owner) > 0 {
			q, args = q+" AND user_id = $2", append(args, owner[0])
		}
		res, err := t.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return dcim.NotFound(dcim.TypeToken, id)
		}
		return t.logChange(ctx, "delete", dcim.TypeToken, id, "", nil, nil)
	})
}
