package httpapi

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/auth"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

type userCreateInput struct {
	Body struct {
		Name     string `json:"name" minLength:"1" maxLength:"100"`
		Role     string `json:"role" enum:"admin,operator,viewer,tenant"`
		TenantID *int64 `json:"tenant_id,omitempty" required:"false" doc:"a tenant user's tenant"`
		Password string `json:"password,omitempty" required:"false" maxLength:"1024" doc:"at least 12 characters; left out, one is made and returned once"`
	}
}

type userCreated struct {
	dcim.User
	Password string `json:"password,omitempty" doc:"the password made for the user, shown only this once"`
}

type userPatchInput struct {
	Name string `path:"name" maxLength:"100"`
	Body struct {
		Role     *string `json:"role,omitempty" required:"false" enum:"admin,operator,viewer,tenant"`
		TenantID *int64  `json:"tenant_id,omitempty" required:"false"`
		Disabled *bool   `json:"disabled,omitempty" required:"false"`
	}
}

type userPasswordInput struct {
	Name string `path:"name" maxLength:"100"`
	Body struct {
		Password string `json:"password" minLength:"1" maxLength:"1024"`
	}
}

type tokenCreateInput struct {
	Body struct {
		Name     string   `json:"name" minLength:"1" maxLength:"100"`
		Scope    string   `json:"scope" required:"false" enum:"read,write" default:"read"`
		Expires  string   `json:"expires,omitempty" required:"false" doc:"a lifetime (12h, 30d) or a time; left out: never"`
		Networks []string `json:"networks,omitempty" required:"false" maxItems:"64" doc:"source networks (CIDR) it is accepted from"`
		User     string   `json:"user,omitempty" required:"false" doc:"whose token (admins only; default: yours)"`
	}
}

type tokenCreated struct {
	dcim.Token
	Secret string `json:"secret" doc:"the token itself, shown only this once"`
}

// registerUsers adds the users (admins only) and the tokens (everyone's own; admins all).
func registerUsers(api huma.API, s *store.Store) {
	huma.Register(api, huma.Operation{
		OperationID: "list-users", Method: http.MethodGet, Path: Prefix + "/users", Tags: []string{"users"}, Summary: "List users",
	}, func(ctx context.Context, _ *struct{}) (*bodyOutput[ListBody[dcim.User]], error) {
		users, err := s.Users(ctx)
		if err != nil {
			return nil, problem(err)
		}
		if users == nil {
			users = []dcim.User{}
		}
		return &bodyOutput[ListBody[dcim.User]]{Body: ListBody[dcim.User]{Count: len(users), Results: users}}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "create-user", Method: http.MethodPost, Path: Prefix + "/users", Tags: []string{"users"},
		Summary: "Create a user", DefaultStatus: http.StatusCreated, MaxBodyBytes: 8 << 10,
	}, func(ctx context.Context, in *userCreateInput) (*bodyOutput[userCreated], error) {
		pw, made := in.Body.Password, false
		if pw == "" {
			pw, made = rand.Text(), true
		}
		u, err := s.CreateUser(ctx, dcim.User{Name: in.Body.Name, Role: in.Body.Role, TenantID: in.Body.TenantID}, pw)
		if err != nil {
			return nil, problem(err)
		}
		out := userCreated{User: u}
		if made {
			out.Password = pw
		}
		return &bodyOutput[userCreated]{Body: out}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "patch-user", Method: http.MethodPatch, Path: Prefix + "/users/{name}", Tags: []string{"users"},
		Summary: "Change a user's role (and tenant), or disable or enable it; its sessions end", MaxBodyBytes: 8 << 10,
	}, func(ctx context.Context, in *userPatchInput) (*bodyOutput[dcim.User], error) {
		u, err := s.UserByName(ctx, in.Name)
		if err != nil {
			return nil, problem(err)
		}
		if a := dcim.ActorFrom(ctx); a.UserID == u.ID && (in.Body.Role != nil || in.Body.Disabled != nil) {
			return nil, problem(dcim.Invalid("name", "you cannot change your own role or disable yourself"))
		}
		if in.Body.Role != nil || in.Body.TenantID != nil {
			role, tenant := u.Role, in.Body.TenantID
			if in.Body.Role != nil {
				role = *in.Body.Role
			}
			if u, err = s.SetRole(ctx, in.Name, role, tenant); err != nil {
				return nil, problem(err)
			}
		}
		if in.Body.Disabled != nil {
			change := s.EnableUser
			if *in.Body.Disabled {
				change = s.DisableUser
			}
			if err := change(ctx, in.Name); err != nil {
				return nil, problem(err)
			}
		}
		if u, err = s.UserByName(ctx, in.Name); err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[dcim.User]{Body: u}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "reset-password", Method: http.MethodPost, Path: Prefix + "/users/{name}/password", Tags: []string{"users"},
		Summary: "Set a user's password (an admin's reset); its sessions end", DefaultStatus: http.StatusNoContent, MaxBodyBytes: 8 << 10,
	}, func(ctx context.Context, in *userPasswordInput) (*struct{}, error) {
		if err := s.SetPassword(ctx, in.Name, in.Body.Password); err != nil {
			return nil, problem(err)
		}
		return nil, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-tokens", Method: http.MethodGet, Path: Prefix + "/tokens", Tags: []string{"tokens"},
		Summary: "Your tokens (an admin sees every token), never their secrets",
	}, func(ctx context.Context, _ *struct{}) (*bodyOutput[ListBody[dcim.Token]], error) {
		a := dcim.ActorFrom(ctx)
		var toks []dcim.Token
		var err error
		if a.Role == dcim.RoleAdmin {
			toks, err = s.Tokens(ctx)
		} else {
			toks, err = s.Tokens(ctx, a.UserID)
		}
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[ListBody[dcim.Token]]{Body: ListBody[dcim.Token]{Count: len(toks), Results: toks}}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "create-token", Method: http.MethodPost, Path: Prefix + "/tokens", Tags: []string{"tokens"},
		Summary:     "Make an API token: yours, or (admins) another user's. It acts with its user's role, read only unless its scope is write",
		Description: "The secret is in the answer only this once; Plenum keeps its hash.", DefaultStatus: http.StatusCreated, MaxBodyBytes: 8 << 10,
	}, func(ctx context.Context, in *tokenCreateInput) (*bodyOutput[tokenCreated], error) {
		a := dcim.ActorFrom(ctx)
		b := in.Body
		exp, err := auth.ParseExpiry(b.Expires, time.Now())
		if err != nil {
			return nil, problem(dcim.Invalid("expires", "%v", err))
		}
		user := b.User
		switch {
		case user != "" && a.Role != dcim.RoleAdmin:
			return nil, problem(dcim.Errorf(dcim.EForbidden, "only an admin makes tokens for another user"))
		case user == "" && a.UserID != 0:
			u, err := s.UserByID(ctx, a.UserID)
			if err != nil {
				return nil, problem(err)
			}
			user = u.Name
		}
		spec := store.TokenSpec{Name: b.Name, User: user, Write: b.Scope == "write", Expires: exp, Networks: b.Networks}
		if a.TokenID != 0 {
			// A token makes no token looser than itself: none that outlives it or reaches from further.
			if err := noLooser(ctx, s, a.TokenID, &spec); err != nil {
				return nil, problem(err)
			}
		}
		tok, secret, err := s.IssueToken(ctx, spec)
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[tokenCreated]{Body: tokenCreated{Token: tok, Secret: secret}}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "revoke-token", Method: http.MethodDelete, Path: Prefix + "/tokens/{id}", Tags: []string{"tokens"},
		Summary: "Revoke a token (yours; an admin any): it is refused from then on", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *idInput) (*struct{}, error) {
		a := dcim.ActorFrom(ctx)
		var err error
		if a.Role == dcim.RoleAdmin {
			err = s.RevokeToken(ctx, in.ID)
		} else {
			err = s.RevokeToken(ctx, in.ID, a.UserID)
		}
		if err != nil {
			return nil, problem(err)
		}
		return nil, nil
	})
}

// noLooser checks a token asked for with another token: it expires no later than the caller, and
// comes from no network the caller does not (it takes the caller's networks when it names none).
func noLooser(ctx context.Context, s *store.Store, callerID int64, spec *store.TokenSpec) error {
	caller, err := s.TokenByID(ctx, callerID)
	if err != nil {
		return err
	}
	if caller.Expires != nil && (spec.Expires == nil || spec.Expires.After(*caller.Expires)) {
		return dcim.Invalid("expires", "a token cannot make one that outlives it: give a time before %s", caller.Expires.Format(time.RFC3339))
	}
	if len(caller.Networks) == 0 {
		return nil
	}
	if len(spec.Networks) == 0 {
		spec.Networks = caller.Networks
		return nil
	}
	for i, n := range spec.Networks {
		p, err := netip.ParsePrefix(strings.TrimSpace(n))
		if err != nil {
			if a, aerr := netip.ParseAddr(strings.TrimSpace(n)); aerr == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			} else {
				continue // IssueToken names it
			}
		}
		inside := false
		for _, c := range caller.Networks {
			if cp, err := netip.ParsePrefix(c); err == nil && cp.Bits() <= p.Bits() && cp.Contains(p.Addr()) {
				inside = true
			}
		}
		if !inside {
			return dcim.Invalid(fmt.Sprintf("networks[%d]", i), "%s is outside the networks of the token making it (%s)", n, strings.Join(caller.Networks, ", "))
		}
	}
	return nil
}
