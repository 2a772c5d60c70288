package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/plenum-dcim/plenum/internal/auth/oidctest"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

const (
	testClient   = "plenum"
	testSecret   = "s3cret/with+odd=chars"
	testCallback = "https://plenum.example/auth/oidc/callback"
)

var testRoles = map[string]string{"plenum-admins": "admin", "noc": "operator", "staff": "viewer", "customers": "tenant"}

// signOn is what the server keeps between sending the browser off and the callback.
type signOn struct{ state, nonce, verifier string }

func newSignOn() signOn {
	return signOn{state: rand.Text(), nonce: rand.Text(), verifier: oauth2.GenerateVerifier()}
}

func newOIDC(t testing.TB, p *oidctest.Provider, secret string, edit func(*OIDCConfig)) *OIDC {
	t.Helper()
	cfg := OIDCConfig{Issuer: p.Issuer(), ClientID: testClient, ClientSecret: secret, RedirectURL: testCallback, RoleMap: testRoles}
	if edit != nil {
		edit(&cfg)
	}
	o, err := NewOIDC(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// authorize plays the browser: it follows AuthCodeURL to the provider and reads the code from the
// redirect back to Plenum's callback, which it does not follow.
func authorize(t testing.TB, o *OIDC, s signOn) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(o.AuthCodeURL(s.state, s.nonce, s.verifier))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %s, want 302", resp.Status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if back := loc.Scheme + "://" + loc.Host + loc.Path; back != testCallback {
		t.Fatalf("redirected to %s, want %s", back, testCallback)
	}
	if q.Get("error") != "" {
		t.Fatalf("authorize: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != s.state {
		t.Fatalf("state %q came back as %q", s.state, q.Get("state"))
	}
	if q.Get("code") == "" {
		t.Fatalf("no code in %s", loc)
	}
	return q.Get("code")
}

// The authorization request carries the client, the callback, the default scopes, the state, the
// nonce and an S256 challenge of the verifier (never the verifier itself).
func TestOIDCAuthCodeURL(t *testing.T) {
	p := oidctest.New(t, testClient, testSecret)
	o := newOIDC(t, p, testSecret, nil)
	s := newSignOn()
	u, err := url.Parse(o.AuthCodeURL(s.state, s.nonce, s.verifier))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(s.verifier))
	want := url.Values{
		"response_type": {"code"}, "client_id": {testClient}, "redirect_uri": {testCallback},
		"scope": {"openid profile email"}, "state": {s.state}, "nonce": {s.nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	if got := u.Query(); !reflect.DeepEqual(got, want) {
		t.Errorf("query\n got %v\nwant %v", got, want)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != p.Issuer()+"/authorize" {
		t.Errorf("endpoint %s", got)
	}

	// Scopes without openid get it.
	o = newOIDC(t, p, testSecret, func(c *OIDCConfig) { c.Scopes = []string{"profile", "groups"} })
	u, _ = url.Parse(o.AuthCodeURL(s.state, s.nonce, s.verifier))
	if got := u.Query().Get("scope"); got != "openid profile groups" {
		t.Errorf("scope %q", got)
	}
}

// A full sign-on maps the claims to a name, a role (the strongest of the mapped values) and, for
// tenant users, a tenant.
func TestOIDCSignOn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret string // "" is a public client, which authenticates by client_id in the form
		claims map[string]any
		edit   func(*OIDCConfig)
		want   Identity
	}{
		{
			name:   "admin is the strongest of several groups",
			claims: map[string]any{"sub": "u-1", "preferred_username": "alice", "email": "alice@example.my", "groups": []any{"staff", "plenum-admins", "noc", "unmapped"}},
			want:   Identity{Subject: "u-1", Name: "alice", Email: "alice@example.my", Role: "admin"},
		},
		{
			name:   "operator beats tenant, and only the tenant role has a tenant",
			claims: map[string]any{"sub": "u-2", "preferred_username": "bob", "groups": []any{"customers", "noc"}, "tenant": "acme"},
			want:   Identity{Subject: "u-2", Name: "bob", Role: "operator"},
		},
		{
			name:   "tenant user with their tenant",
			claims: map[string]any{"sub": "u-3", "preferred_username": "carol", "groups": []any{"customers"}, "tenant": "acme"},
			want:   Identity{Subject: "u-3", Name: "carol", Role: "tenant", Tenant: "acme"},
		},
		{
			name:   "role claim holding one string, custom claims",
			claims: map[string]any{"sub": "u-4", "upn": "dave@corp", "roles": "Plenum.Operator", "org": "globex", "groups": []any{"plenum-admins"}},
			edit: func(c *OIDCConfig) {
				c.RoleClaim, c.NameClaim, c.TenantClaim = "roles", "upn", "org"
				c.RoleMap = map[string]string{"Plenum.Operator": "tenant"}
			},
			want: Identity{Subject: "u-4", Name: "dave@corp", Role: "tenant", Tenant: "globex"},
		},
		{
			name:   "name falls back to email",
			claims: map[string]any{"sub": "u-5", "email": "erin@example.my", "email_verified": true, "groups": []any{"staff"}},
			want:   Identity{Subject: "u-5", Name: "erin@example.my", Email: "erin@example.my", Role: "viewer"},
		},
		{
			name:   "an unverified email is dropped and the name falls back to sub",
			claims: map[string]any{"sub": "u-6", "email": "ceo@example.my", "email_verified": false, "groups": []any{"staff"}},
			want:   Identity{Subject: "u-6", Name: "u-6", Role: "viewer"},
		},
		{
			name:   "public client",
			secret: "-",
			claims: map[string]any{"sub": "u-7", "preferred_username": "frank", "groups": "noc"},
			want:   Identity{Subject: "u-7", Name: "frank", Role: "operator"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secret := testSecret
			if tc.secret == "-" {
				secret = ""
			}
			p := oidctest.New(t, testClient, secret)
			o := newOIDC(t, p, secret, tc.edit)
			p.SetUser(tc.claims)
			s := newSignOn()
			got, err := o.Exchange(context.Background(), authorize(t, o, s), s.verifier, s.nonce)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Issuer = p.Issuer()
			if got != tc.want {
				t.Errorf("identity\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Every broken check refuses the sign-on with its own error: EUnauthorized for what is wrong with
// the code or the token, EForbidden for a good token of someone Plenum has no role for.
func TestOIDCRefused(t *testing.T) {
	alice := map[string]any{"sub": "u-1", "preferred_username": "alice", "groups": []any{"staff"}}
	exchange := func(o *OIDC, code string, s signOn) error {
		_, err := o.Exchange(context.Background(), code, s.verifier, s.nonce)
		return err
	}
	for _, tc := range []struct {
		name     string
		secret   string // the client's, where it differs from the provider's
		claims   map[string]any
		provider func(*oidctest.Provider)
		exchange func(o *OIDC, code string, s signOn) error
		code     dcim.Code
		want     string
	}{
		{
			name: "wrong nonce",
			exchange: func(o *OIDC, code string, s signOn) error {
				_, err := o.Exchange(context.Background(), code, s.verifier, rand.Text())
				return err
			},
			code: dcim.EUnauthorized, want: "nonce is not the one of this sign-on",
		},
		{
			name:     "no nonce in the token",
			provider: func(p *oidctest.Provider) { p.Tamper(func(c map[string]any) { delete(c, "nonce") }) },
			code:     dcim.EUnauthorized, want: "nonce is not the one of this sign-on",
		},
		{
			name:     "signed by another key",
			provider: func(p *oidctest.Provider) { p.SignWithOtherKey(true) },
			code:     dcim.EUnauthorized, want: "failed to verify id token signature",
		},
		{
			name:     "another audience",
			provider: func(p *oidctest.Provider) { p.Tamper(func(c map[string]any) { c["aud"] = "grafana" }) },
			code:     dcim.EUnauthorized, want: `expected audience "plenum"`,
		},
		{
			name: "several audiences without azp",
			provider: func(p *oidctest.Provider) {
				p.Tamper(func(c map[string]any) { c["aud"] = []string{"plenum", "grafana"} })
			},
			code: dcim.EUnauthorized, want: "authorized party",
		},
		{
			name:     "another issuer",
			provider: func(p *oidctest.Provider) { p.Tamper(func(c map[string]any) { c["iss"] = "https://evil.example" }) },
			code:     dcim.EUnauthorized, want: "issued by a different provider",
		},
		{
			name: "expired",
			provider: func(p *oidctest.Provider) {
				p.Tamper(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() })
			},
			code: dcim.EUnauthorized, want: "token is expired",
		},
		{
			name: "access token hash does not match",
			provider: func(p *oidctest.Provider) {
				p.Tamper(func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" })
			},
			code: dcim.EUnauthorized, want: "access token hash does not match",
		},
		{
			name:     "no sub",
			provider: func(p *oidctest.Provider) { p.Tamper(func(c map[string]any) { delete(c, "sub") }) },
			code:     dcim.EUnauthorized, want: "no sub claim",
		},
		{
			name: "code replayed",
			exchange: func(o *OIDC, code string, s signOn) error {
				if err := exchange(o, code, s); err != nil {
					return err
				}
				return exchange(o, code, s)
			},
			code: dcim.EUnauthorized, want: "invalid_grant code already used",
		},
		{
			name: "unknown code",
			exchange: func(o *OIDC, _ string, s signOn) error {
				return exchange(o, "made-up", s)
			},
			code: dcim.EUnauthorized, want: "invalid_grant unknown code",
		},
		{
			name: "wrong PKCE verifier",
			exchange: func(o *OIDC, code string, s signOn) error {
				s.verifier = oauth2.GenerateVerifier()
				return exchange(o, code, s)
			},
			code: dcim.EUnauthorized, want: "invalid_grant code_verifier does not match",
		},
		{
			name:   "wrong client secret",
			secret: "guess",
			code:   dcim.EUnauthorized, want: "invalid_client",
		},
		{
			name:   "no mapped role",
			claims: map[string]any{"sub": "u-9", "preferred_username": "mallory", "groups": []any{"contractors", "Plenum-Admins"}},
			code:   dcim.EForbidden, want: `mallory has no Plenum role: none of their groups ["contractors" "Plenum-Admins"] is mapped`,
		},
		{
			name:   "no role claim",
			claims: map[string]any{"sub": "u-9", "preferred_username": "mallory"},
			code:   dcim.EForbidden, want: "mallory has no Plenum role",
		},
		{
			name:   "role claim of the wrong type",
			claims: map[string]any{"sub": "u-9", "preferred_username": "mallory", "groups": 7},
			code:   dcim.EForbidden, want: "claim groups is float64, not a string or an array of strings",
		},
		{
			name:   "tenant role without a tenant",
			claims: map[string]any{"sub": "u-9", "preferred_username": "tina", "groups": []any{"customers"}},
			code:   dcim.EForbidden, want: "tina has the tenant role but no tenant",
		},
		{
			name:   "tenant role with an empty tenant",
			claims: map[string]any{"sub": "u-9", "preferred_username": "tina", "groups": []any{"customers"}, "tenant": ""},
			code:   dcim.EForbidden, want: "tina has the tenant role but no tenant",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := oidctest.New(t, testClient, testSecret)
			secret := testSecret
			if tc.secret != "" {
				secret = tc.secret
			}
			o := newOIDC(t, p, secret, nil)
			claims := alice
			if tc.claims != nil {
				claims = tc.claims
			}
			p.SetUser(maps.Clone(claims))
			if tc.provider != nil {
				tc.provider(p)
			}
			do := exchange
			if tc.exchange != nil {
				do = tc.exchange
			}
			s := newSignOn()
			err := do(o, authorize(t, o, s), s)
			if err == nil {
				t.Fatal("signed on")
			}
			if got := dcim.ErrorCode(err); got != tc.code {
				t.Errorf("code %s, want %s (%v)", got, tc.code, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to say %q", err, tc.want)
			}
		})
	}
}

// Exchange will not run without the nonce and verifier: with an empty nonce, a token without one
// would pass the nonce check.
func TestOIDCExchangeNeedsNonce(t *testing.T) {
	p := oidctest.New(t, testClient, testSecret)
	o := newOIDC(t, p, testSecret, nil)
	for _, s := range []signOn{{nonce: "", verifier: oauth2.GenerateVerifier()}, {nonce: "n", verifier: ""}} {
		_, err := o.Exchange(context.Background(), "code", s.verifier, s.nonce)
		if err == nil || !strings.Contains(err.Error(), "nonce and PKCE verifier of the sign-on are required") {
			t.Errorf("%+v: %v", s, err)
		}
	}
}

// A bad configuration is refused before discovery, naming every bad field; a bad issuer fails
// discovery.
func TestNewOIDCConfig(t *testing.T) {
	p := oidctest.New(t, testClient, testSecret)
	for _, tc := range []struct {
		name string
		cfg  OIDCConfig
		want []string
	}{
		{"empty", OIDCConfig{}, []string{`issuer: "": want`, "client_id: required", `redirect_url: "": want`, "role_map: required"}},
		{
			"relative URLs and unknown roles",
			OIDCConfig{Issuer: "idp.example", ClientID: "c", RedirectURL: "/callback", RoleMap: map[string]string{"ops": "superuser", "": "viewer"}},
			[]string{`issuer: "idp.example"`, `redirect_url: "/callback"`, `role_map: "ops" maps to "superuser", not one of admin, operator, viewer, tenant`, "role_map: an empty claim value"},
		},
		{
			"no discovery document",
			OIDCConfig{Issuer: p.Issuer() + "/realms/none", ClientID: "c", RedirectURL: testCallback, RoleMap: testRoles},
			[]string{"oidc discovery at " + p.Issuer() + "/realms/none: 404"},
		},
		{
			"issuer differs from the discovered one",
			OIDCConfig{Issuer: p.Issuer() + "/", ClientID: "c", RedirectURL: testCallback, RoleMap: testRoles},
			[]string{"oidc discovery at " + p.Issuer() + "/", "did not match the issuer"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := NewOIDC(context.Background(), tc.cfg)
			if err == nil {
				t.Fatalf("accepted: %+v", o.cfg)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q, want it to say %q", err, w)
				}
			}
		})
	}
}

func TestParseRoleMap(t *testing.T) {
	got, err := ParseRoleMap(" plenum-admins=admin, noc = operator,cn=staff=viewer,customers=tenant")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"plenum-admins": "admin", "noc": "operator", "cn=staff": "viewer", "customers": "tenant"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, tc := range []struct{ in, want string }{
		{"", `role map: "" is not value=role`},
		{"noc=operator,", `role map: "" is not value=role`},
		{"noc", `role map: "noc" is not value=role`},
		{"=admin", `role map: "=admin" is not value=role`},
		{"noc=root", `role map: "noc=root": role "root" is not one of admin, operator, viewer, tenant`},
		{"noc=Admin", `role map: "noc=Admin": role "Admin" is not one of`},
		{"noc=", `role map: "noc=": role "" is not one of`},
		{"noc=operator,noc=viewer", `role map: "noc" is mapped twice`},
	} {
		if _, err := ParseRoleMap(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}
