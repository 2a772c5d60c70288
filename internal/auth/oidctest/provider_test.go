package oidctest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/auth/oidctest"
)

const (
	client   = "plenum"
	secret   = "s3cret"
	callback = "https://plenum.example/cb"
	verifier = "dBjftJeZ4CVP-mJ92K9RHCdNmFz5jMsjb0Zms5hLeS3" // 43 characters, RFC 7636 appendix B
)

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func challenge() string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func authParams() url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {client}, "redirect_uri": {callback}, "scope": {"openid"},
		"state": {"st"}, "nonce": {"no"}, "code_challenge": {challenge()}, "code_challenge_method": {"S256"},
	}
}

// authorize returns the status and, for a redirect, its query.
func authorize(t *testing.T, p *oidctest.Provider, q url.Values) (int, url.Values) {
	t.Helper()
	resp, err := noFollow.Get(p.Issuer() + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return resp.StatusCode, loc.Query()
}

func code(t *testing.T, p *oidctest.Provider) string {
	t.Helper()
	status, q := authorize(t, p, authParams())
	if status != http.StatusFound || q.Get("code") == "" {
		t.Fatalf("authorize: %d %v", status, q)
	}
	return q.Get("code")
}

// token posts a token request and returns the status and the JSON answer.
func token(t *testing.T, p *oidctest.Provider, form url.Values, basic bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.Issuer()+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(client, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// The authorization endpoint refuses what an OIDC client must not send: to an unknown client or
// a bad redirect URI with 400, otherwise by redirecting an OAuth2 error with the state.
func TestAuthorizeRefuses(t *testing.T) {
	p := oidctest.New(t, client, secret)
	for _, tc := range []struct {
		name   string
		edit   func(url.Values)
		status int
		err    string
	}{
		{"no user yet", func(url.Values) {}, http.StatusFound, "access_denied"},
		{"unknown client", func(q url.Values) { q.Set("client_id", "other") }, http.StatusBadRequest, ""},
		{"relative redirect", func(q url.Values) { q.Set("redirect_uri", "/cb") }, http.StatusBadRequest, ""},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "id_token") }, http.StatusFound, "unsupported_response_type"},
		{"not openid", func(q url.Values) { q.Set("scope", "profile") }, http.StatusFound, "invalid_scope"},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge") }, http.StatusFound, "invalid_request"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, http.StatusFound, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := authParams()
			tc.edit(q)
			status, back := authorize(t, p, q)
			if status != tc.status || back.Get("error") != tc.err || back.Get("code") != "" {
				t.Errorf("%d %v, want %d error=%q", status, back, tc.status, tc.err)
			}
			if tc.err != "" && back.Get("state") != "st" {
				t.Errorf("state %q", back.Get("state"))
			}
		})
		if tc.name == "no user yet" {
			p.SetUser(map[string]any{"sub": "u-1"})
		}
	}
}

// The token endpoint takes the client by basic auth or by form, not both, and checks the code's
// grant; a good request gets a bearer token and an ID token.
func TestToken(t *testing.T) {
	p := oidctest.New(t, client, secret)
	p.SetUser(map[string]any{"sub": "u-1"})
	good := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callback}, "code_verifier": {verifier}}
	}
	for _, tc := range []struct {
		name   string
		edit   func(url.Values)
		basic  bool
		status int
		err    string
	}{
		{"basic", func(url.Values) {}, true, http.StatusOK, ""},
		{"form", func(f url.Values) { f.Set("client_id", client); f.Set("client_secret", secret) }, false, http.StatusOK, ""},
		{"both", func(f url.Values) { f.Set("client_secret", secret) }, true, http.StatusBadRequest, "invalid_request"},
		{"no client", func(url.Values) {}, false, http.StatusUnauthorized, "invalid_client"},
		{"wrong grant type", func(f url.Values) { f.Set("grant_type", "password") }, true, http.StatusBadRequest, "unsupported_grant_type"},
		{"other redirect", func(f url.Values) { f.Set("redirect_uri", callback+"2") }, true, http.StatusBadRequest, "invalid_grant"},
		{"no verifier", func(f url.Values) { f.Del("code_verifier") }, true, http.StatusBadRequest, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good(code(t, p))
			tc.edit(f)
			status, out := token(t, p, f, tc.basic)
			if status != tc.status || (out["error"] != nil && out["error"] != tc.err) {
				t.Fatalf("%d %v, want %d %q", status, out, tc.status, tc.err)
			}
			if tc.err == "" {
				if out["token_type"] != "Bearer" || out["access_token"] == "" || strings.Count(out["id_token"].(string), ".") != 2 {
					t.Errorf("answer %v", out)
				}
			} else if out["error"] != tc.err {
				t.Errorf("error %v, want %q", out["error"], tc.err)
			}
		})
	}
}
