package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// OIDCConfig configures sign-on against an external identity provider.
type OIDCConfig struct {
	Issuer       string // the provider's issuer URL; discovery reads Issuer/.well-known/openid-configuration
	ClientID     string
	ClientSecret string // empty for a public client, which PKCE alone protects
	RedirectURL  string // Plenum's callback, registered at the provider

	Scopes      []string          // default: openid, profile, email; openid is added when missing
	RoleClaim   string            // claim holding the user's groups or roles (string or array of strings); default "groups"
	RoleMap     map[string]string // claim value -> Plenum role: "admin", "operator", "viewer" or "tenant"
	TenantClaim string            // for the tenant role: the claim naming the tenant's slug; default "tenant"
	NameClaim   string            // login name; default "preferred_username", falling back to "email", then "sub"

	// HTTPClient talks to the provider (discovery, keys, token endpoint), e.g. to trust a
	// private CA. Default: one with a 30 s timeout, since key refreshes run without a deadline.
	HTTPClient *http.Client
}

// Identity is a person the identity provider vouched for, with the Plenum role their claims map to.
// Issuer and Subject together are the stable key of the person; Name may change at the provider.
type Identity struct {
	Issuer, Subject, Name, Email, Role, Tenant string
}

// OIDC signs people on with the OpenID Connect authorization-code flow with PKCE.
type OIDC struct {
	cfg      OIDCConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client
}

// roleRank orders the roles by power, so that a person in several mapped groups gets the strongest.
var roleRank = map[string]int{"tenant": 1, "viewer": 2, "operator": 3, "admin": 4}

// NewOIDC checks cfg, applies its defaults and runs discovery against the issuer.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	ctx = oidc.ClientContext(ctx, client)
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery at %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
		PKCEMethods []string `json:"code_challenge_methods_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("oidc discovery at %s: %w", cfg.Issuer, err)
	}
	if len(meta.PKCEMethods) > 0 && !slices.Contains(meta.PKCEMethods, "S256") {
		return nil, fmt.Errorf("oidc discovery at %s: the provider does not offer PKCE with S256 (offers %v)", cfg.Issuer, meta.PKCEMethods)
	}
	endpoint := provider.Endpoint()
	// Say how the client authenticates rather than let oauth2 guess: its guess retries a failed
	// exchange the other way, which spends the one-time code on the first try. Discovery's default
	// method is client_secret_basic.
	switch {
	case cfg.ClientSecret == "", len(meta.AuthMethods) > 0 && !slices.Contains(meta.AuthMethods, "client_secret_basic") && slices.Contains(meta.AuthMethods, "client_secret_post"):
		endpoint.AuthStyle = oauth2.AuthStyleInParams
	case len(meta.AuthMethods) == 0 || slices.Contains(meta.AuthMethods, "client_secret_basic"):
		endpoint.AuthStyle = oauth2.AuthStyleInHeader
	default:
		return nil, fmt.Errorf("oidc discovery at %s: the token endpoint takes neither client_secret_basic nor client_secret_post (takes %v)", cfg.Issuer, meta.AuthMethods)
	}
	return &OIDC{
		cfg: cfg,
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     endpoint,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       cfg.Scopes,
		},
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		client:   client,
	}, nil
}

func (c *OIDCConfig) normalize() error {
	var p dcim.Problems
	if u, err := url.Parse(c.Issuer); c.Issuer == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		p.Add("issuer", "%q: want the provider's http(s) issuer URL", c.Issuer)
	}
	if c.ClientID == "" {
		p.Add("client_id", "required")
	}
	if u, err := url.Parse(c.RedirectURL); c.RedirectURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		p.Add("redirect_url", "%q: want the absolute http(s) URL of Plenum's callback", c.RedirectURL)
	}
	if len(c.RoleMap) == 0 {
		p.Add("role_map", "required: no one could sign on without a claim value mapped to a role")
	}
	for k, role := range c.RoleMap {
		if k == "" {
			p.Add("role_map", "an empty claim value")
		}
		if roleRank[role] == 0 {
			p.Add("role_map", "%q maps to %q, not one of %s", k, role, strings.Join(dcim.Roles, ", "))
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	if len(c.Scopes) == 0 {
		c.Scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	} else if !slices.Contains(c.Scopes, oidc.ScopeOpenID) {
		c.Scopes = append([]string{oidc.ScopeOpenID}, c.Scopes...)
	}
	if c.RoleClaim == "" {
		c.RoleClaim = "groups"
	}
	if c.TenantClaim == "" {
		c.TenantClaim = "tenant"
	}
	if c.NameClaim == "" {
		c.NameClaim = "preferred_username"
	}
	return nil
}

// AuthCodeURL is where to send the browser to sign on. state, nonce and verifier are fresh random
// strings (crypto/rand.Text, oauth2.GenerateVerifier) that the caller keeps until the callback.
func (o *OIDC) AuthCodeURL(state, nonce, verifier string) string {
	return o.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
}

// Exchange redeems the code from the callback, verifies the ID token (signature, issuer, audience,
// expiry, nonce) and maps its claims to a Plenum role. A token that fails a check is
// dcim.EUnauthorized; a person with no Plenum role, or a tenant user with no tenant, is
// dcim.EForbidden.
func (o *OIDC) Exchange(ctx context.Context, code, verifier, nonce string) (Identity, error) {
	if nonce == "" || verifier == "" {
		return Identity{}, errors.New("oidc exchange: the nonce and PKCE verifier of the sign-on are required")
	}
	ctx = oidc.ClientContext(ctx, o.client)
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
			if re.ErrorCode != "" {
				return Identity{}, dcim.Errorf(dcim.EUnauthorized, "the identity provider refused the code: %s %s", re.ErrorCode, re.ErrorDescription)
			}
			return Identity{}, fmt.Errorf("oidc token endpoint: %s", re.Response.Status)
		}
		return Identity{}, fmt.Errorf("oidc token endpoint: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, dcim.Errorf(dcim.EUnauthorized, "the identity provider's token response has no id_token")
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, dcim.Errorf(dcim.EUnauthorized, "ID token refused: %v", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Identity{}, dcim.Errorf(dcim.EUnauthorized, "ID token refused: its nonce is not the one of this sign-on")
	}
	if idt.Subject == "" {
		return Identity{}, dcim.Errorf(dcim.EUnauthorized, "ID token refused: no sub claim")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Identity{}, dcim.Errorf(dcim.EUnauthorized, "ID token refused: %v", err)
		}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, dcim.Errorf(dcim.EUnauthorized, "ID token refused: %v", err)
	}
	// With several audiences the token must say it was issued to us (OIDC Core 3.1.3.7, items 4-5).
	if azp, ok := claims["azp"].(string); (ok || len(idt.Audience) > 1) && azp != o.cfg.ClientID {
		return Identity{}, dcim.Errorf(dcim.EUnauthorized, "ID token refused: authorized party %q is not this client", azp)
	}
	return o.identity(idt, claims)
}

func (o *OIDC) identity(idt *oidc.IDToken, claims map[string]any) (Identity, error) {
	id := Identity{Issuer: idt.Issuer, Subject: idt.Subject}
	// An address the provider says it did not verify is no one's name.
	if v, ok := claims["email_verified"].(bool); !ok || v {
		id.Email, _ = claims["email"].(string)
	}
	id.Name, _ = claims[o.cfg.NameClaim].(string)
	if id.Name == "" {
		id.Name = id.Email
	}
	if id.Name == "" {
		id.Name = id.Subject
	}

	values, err := stringsClaim(claims, o.cfg.RoleClaim)
	if err != nil {
		return Identity{}, dcim.Errorf(dcim.EForbidden, "%s has no Plenum role: %v", id.Name, err)
	}
	for _, v := range values {
		if role := o.cfg.RoleMap[v]; roleRank[role] > roleRank[id.Role] {
			id.Role = role
		}
	}
	if id.Role == "" {
		return Identity{}, dcim.Errorf(dcim.EForbidden, "%s has no Plenum role: none of their %s %q is mapped to one", id.Name, o.cfg.RoleClaim, values)
	}
	if id.Role == "tenant" {
		id.Tenant, _ = claims[o.cfg.TenantClaim].(string)
		if id.Tenant == "" {
			return Identity{}, dcim.Errorf(dcim.EForbidden, "%s has the tenant role but no tenant: the ID token's %s claim is missing, empty or not a string", id.Name, o.cfg.TenantClaim)
		}
	}
	return id, nil
}

// stringsClaim reads a claim that is one string or an array of strings; a missing claim is none.
func stringsClaim(claims map[string]any, name string) ([]string, error) {
	switch v := claims[name].(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("claim %s holds %T, not only strings", name, e)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("claim %s is %T, not a string or an array of strings", name, v)
	}
}

// ParseRoleMap reads a role map written as a flag: "plenum-admins=admin,noc=operator". A pair
// splits at its last "=", so a claim value may hold "=" but not ",".
func ParseRoleMap(s string) (map[string]string, error) {
	m := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		i := strings.LastIndexByte(pair, '=')
		if i <= 0 {
			return nil, fmt.Errorf("role map: %q is not value=role", pair)
		}
		k, role := strings.TrimSpace(pair[:i]), strings.TrimSpace(pair[i+1:])
		if roleRank[role] == 0 {
			return nil, fmt.Errorf("role map: %q: role %q is not one of %s", pair, role, strings.Join(dcim.Roles, ", "))
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("role map: %q is mapped twice", k)
		}
		m[k] = role
	}
	return m, nil
}
