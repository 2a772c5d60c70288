// Package oidctest is an OpenID Connect provider for tests: discovery, keys, an authorization
// endpoint that approves whoever SetUser names, and a token endpoint that checks the client, the
// one-time code, the redirect URI and PKCE before it signs an RS256 ID token. Switches make it
// misbehave for negative tests.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	keyID     = "plenum-test-1"
	codeLife  = time.Minute
	tokenLife = 5 * time.Minute
)

// Provider is an identity provider on an httptest server, registered with one client.
type Provider struct {
	t                      testing.TB
	srv                    *httptest.Server
	clientID, clientSecret string
	key                    *rsa.PrivateKey

	mu       sync.Mutex
	user     map[string]any
	grants   map[string]*grant
	otherKey *rsa.PrivateKey // signs instead of key when set
	tamper   func(claims map[string]any)
}

// grant is what an authorization code stands for until it is redeemed.
type grant struct {
	clientID, redirectURI, challenge, nonce string
	claims                                  map[string]any
	expires                                 time.Time
	used                                    bool
}

// New starts a provider for the client clientID with clientSecret; it stops when the test ends.
func New(t testing.TB, clientID, clientSecret string) *Provider {
	t.Helper()
	p := &Provider{t: t, clientID: clientID, clientSecret: clientSecret, key: newKey(t), grants: map[string]*grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func newKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("oidctest: RSA key: %v", err)
	}
	return k
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.srv.URL }

// SetUser sets who signs on at the next authorization request: the claims of their ID token,
// which must hold "sub". Protocol claims (iss, aud, exp, iat, nonce) are the provider's.
func (p *Provider) SetUser(claims map[string]any) {
	p.t.Helper()
	if s, _ := claims["sub"].(string); s == "" {
		p.t.Fatalf("oidctest: SetUser needs a string sub claim, got %v", claims["sub"])
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = maps.Clone(claims)
}

// SignWithOtherKey makes the token endpoint sign ID tokens with a key the JWKS does not hold
// (under the same key ID), as a forger would.
func (p *Provider) SignWithOtherKey(on bool) {
	p.t.Helper()
	var k *rsa.PrivateKey
	if on {
		k = newKey(p.t)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.otherKey = k
}

// Tamper lets f change every ID token's claims, protocol claims included, just before signing;
// nil stops it.
func (p *Provider) Tamper(f func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = f
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	iss := p.Issuer()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                iss + "/authorize",
		"token_endpoint":                        iss + "/token",
		"jwks_uri":                              iss + "/jwks",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: p.key.Public(), KeyID: keyID, Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

// authorize approves at once. Until the client and redirect URI are known good it answers 400
// itself; after that, errors go back to the client by redirect (RFC 6749, 4.1.2.1).
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != p.clientID {
		http.Error(w, "unknown client_id "+q.Get("client_id"), http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() || redirect.Fragment != "" {
		http.Error(w, "redirect_uri must be an absolute URL without fragment", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		rq := redirect.Query()
		for k, v := range params {
			rq[k] = v
		}
		if s := q.Get("state"); s != "" {
			rq.Set("state", s)
		}
		u := *redirect
		u.RawQuery = rq.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	fail := func(code, desc string) { back(url.Values{"error": {code}, "error_description": {desc}}) }
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		fail("invalid_scope", "scope must include openid")
		return
	case q.Get("code_challenge") == "":
		fail("invalid_request", "code_challenge is required")
		return
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	}
	p.mu.Lock()
	user := maps.Clone(p.user)
	code := rand.Text()
	if user != nil {
		p.grants[code] = &grant{
			clientID: p.clientID, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
			nonce: q.Get("nonce"), claims: user, expires: time.Now().Add(codeLife),
		}
	}
	p.mu.Unlock()
	if user == nil {
		fail("access_denied", "no user set: call SetUser first")
		return
	}
	back(url.Values{"code": {code}})
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749, 2.3.1: form-encode, then Basic.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if f.Has("client_secret") {
			oauthError(w, http.StatusBadRequest, "invalid_request", "client authenticated twice (basic and client_secret)")
			return
		}
	} else {
		id, secret = f.Get("client_id"), f.Get("client_secret")
	}
	if id != p.clientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.clientSecret)) != 1 {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="oidctest"`)
		}
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	if gt := f.Get("grant_type"); gt != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type "+gt)
		return
	}
	g := p.grants[f.Get("code")]
	switch {
	case g == nil:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown code")
		return
	case g.used:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code already used")
		return
	}
	g.used = true // a code is spent by its first redemption, good or bad
	challenge := sha256.Sum256([]byte(f.Get("code_verifier")))
	switch {
	case time.Now().After(g.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code expired")
	case g.clientID != id:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code issued to another client")
	case f.Get("redirect_uri") != g.redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
	case f.Get("code_verifier") == "":
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier is required")
	case base64.RawURLEncoding.EncodeToString(challenge[:]) != g.challenge:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
	default:
		p.issue(w, g)
	}
}

// issue answers a good token request with an access token and a signed ID token.
func (p *Provider) issue(w http.ResponseWriter, g *grant) {
	access := rand.Text()
	atHash := sha256.Sum256([]byte(access))
	now := time.Now()
	claims := maps.Clone(g.claims)
	claims["iss"] = p.Issuer()
	claims["aud"] = p.clientID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(tokenLife).Unix()
	claims["at_hash"] = base64.RawURLEncoding.EncodeToString(atHash[:len(atHash)/2])
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if p.tamper != nil {
		p.tamper(claims)
	}
	key := p.key
	if p.otherKey != nil {
		key = p.otherKey
	}
	idToken, err := sign(key, claims)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access,
		"token_type":   "Bearer",
		"expires_in":   int(tokenLife.Seconds()),
		"id_token":     idToken,
	})
}

func sign(key *rsa.PrivateKey, claims map[string]any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: keyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
