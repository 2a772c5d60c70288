package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/auth"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// startMain runs a server from cfg (port 0 on loopback unless cfg says otherwise, SQLite in a
// temporary directory unless cfg names one) and closes it when the test ends.
func startMain(t *testing.T, cfg Config, logger *slog.Logger) *Main {
	t.Helper()
	m := NewMain()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	m.Config = cfg
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m.Logger = logger
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m
}

// runCLI runs one CLI command, returning what it printed and its error.
func runCLI(stdin string, args ...string) (string, error) {
	var out testpeer.SyncBuffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &out
	if stdin != "" {
		app.Reader = strings.NewReader(stdin)
	}
	err := app.Run(context.Background(), append([]string{"plenum"}, args...))
	return out.String(), err
}

// call makes one request with a client and optional headers; it returns the response (its body read).
func call(t *testing.T, client *http.Client, method, url, body string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

// login signs name in; it returns the response, the session cookie (nil when refused) and the CSRF token.
func login(t *testing.T, client *http.Client, base, name, password string) (*http.Response, *http.Cookie, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	resp, raw := call(t, client, http.MethodPost, base+"/api/v1/auth/login", string(body), nil)
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal([]byte(raw), &me)
	for _, c := range resp.Cookies() {
		if c.Name == "plenum_session" && c.Value != "" {
			return resp, c, me.CSRF
		}
	}
	return resp, nil, me.CSRF
}

// TestTokenCommandSecurity: plenum token create for a user (scope, expiry, networks), its refusals,
// the built-in admin token, token list, and revoke, checked against a running server.
func TestTokenCommandSecurity(t *testing.T) {
	data := t.TempDir()
	plenum(t, "migrate", "--data", data)
	if _, err := runCLI("a long enough password\n", "user", "create", "--data", data, "--name", "alice", "--role", "operator", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	before := time.Now().UTC()
	alice := strings.TrimSpace(plenum(t, "token", "create", "--data", data, "--name", "alice-ro", "--user", "alice", "--scope", "read", "--expires", "30d"))
	after := time.Now().UTC()
	if !regexp.MustCompile(`^plm_[a-z0-9]{20,}$`).MatchString(alice) {
		t.Fatalf("token create printed %q", alice)
	}
	list := plenum(t, "token", "list", "--data", data)
	var aliceLine string
	for _, l := range strings.Split(list, "\n") {
		if strings.Contains(l, "alice-ro") {
			aliceLine = l
		}
	}
	f := strings.Fields(aliceLine)
	// ID NAME USER PREFIX SCOPE EXPIRES LAST-USED NETWORKS
	if len(f) != 8 || f[2] != "alice" || f[4] != "read" || f[7] != "any" || strings.Contains(list, alice) {
		t.Fatalf("token list:\n%s", list)
	}
	exp, err := time.Parse(time.RFC3339, f[5])
	if err != nil || exp.Before(before.Add(30*24*time.Hour).Truncate(time.Second)) || exp.After(after.Add(30*24*time.Hour)) {
		t.Errorf("expiry %q (%v), want 30 days from now", f[5], err)
	}
	aliceID := f[0]

	// Refusals: an unknown user, a scope that is not read or write, an expiry not in the future.
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--user", "nobody"}, []string{"nobody"}},
		{[]string{"--scope", "admin"}, []string{"--scope", "admin"}},
		{[]string{"--expires", "0d"}, []string{"--expires"}},
		{[]string{"--expires", "yesterday"}, []string{"--expires"}},
		{[]string{"--expires", "2001-01-01"}, []string{"--expires"}},
		{[]string{"--network", "not-a-net"}, []string{"not-a-net"}},
	} {
		out, err := runCLI("", append([]string{"token", "create", "--data", data}, c.args...)...)
		if err == nil {
			t.Errorf("token create %v: no error; printed %q", c.args, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("token create %v: %q does not name %q", c.args, err, w)
			}
		}
		if strings.Contains(out, "plm_") {
			t.Errorf("token create %v printed a token: %q", c.args, out)
		}
	}
	fenced := strings.TrimSpace(plenum(t, "token", "create", "--data", data, "--name", "fenced", "--network", "10.0.0.0/8"))
	admin := strings.TrimSpace(plenum(t, "token", "create", "--data", data, "--name", "ops-admin"))
	if list := plenum(t, "token", "list", "--data", data); !regexp.MustCompile(`fenced\s+\(built-in admin\)\s+\S+\s+write\s+never\s+never\s+10\.0\.0\.0/8`).MatchString(list) ||
		!regexp.MustCompile(`ops-admin\s+\(built-in admin\)\s+\S+\s+write\s+never`).MatchString(list) {
		t.Errorf("token list:\n%s", list)
	}

	m := startMain(t, Config{DataDir: data}, nil)
	base := m.URL()
	if resp, body := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", bearer(alice)); resp.StatusCode != http.StatusOK {
		t.Errorf("alice's read token reading: %d %s", resp.StatusCode, body)
	}
	if resp, body := call(t, nil, http.MethodPost, base+"/api/v1/sites", `{"name":"DC9","time_zone":"UTC"}`, bearer(alice)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("alice's read token writing: %d %s", resp.StatusCode, body)
	}
	if resp, body := call(t, nil, http.MethodGet, base+"/api/v1/auth/me", "", bearer(alice)); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"role":"operator"`) {
		t.Errorf("alice's token is alice: %d %s", resp.StatusCode, body)
	}
	// A token fenced to 10.0.0.0/8 is refused from 127.0.0.1, though valid otherwise.
	if resp, body := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", bearer(fenced)); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "127.0.0.1") {
		t.Errorf("fenced token from 127.0.0.1: %d %s", resp.StatusCode, body)
	}
	// Without --user, a built-in admin: it may make users; alice's token may not.
	if resp, body := call(t, nil, http.MethodPost, base+"/api/v1/users", `{"name":"bob","role":"viewer","password":"bob's long password"}`, bearer(admin)); resp.StatusCode != http.StatusCreated {
		t.Errorf("built-in admin token making a user: %d %s", resp.StatusCode, body)
	}
	if resp, body := call(t, nil, http.MethodGet, base+"/api/v1/users", "", bearer(alice)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("alice's token listing users: %d %s", resp.StatusCode, body)
	}
	// Revoked with the CLI while the server runs: the same secret, replayed, is refused.
	plenum(t, "token", "revoke", "--data", data, aliceID)
	if resp, body := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", bearer(alice)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("alice's token after revoke: %d %s", resp.StatusCode, body)
	}
	if list := plenum(t, "token", "list", "--data", data); strings.Contains(list, "alice-ro") {
		t.Errorf("a revoked token is still listed:\n%s", list)
	}
	if _, err := runCLI("", "token", "revoke", "--data", data, "alice-ro"); err == nil || !strings.Contains(err.Error(), "token id") {
		t.Errorf("revoke by name: %v", err)
	}
	if _, err := runCLI("", "token", "revoke", "--data", data, aliceID); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("revoking it again: %v", err)
	}
	// The other tokens are untouched.
	if resp, _ := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", bearer(admin)); resp.StatusCode != http.StatusOK {
		t.Errorf("admin token after alice's revoke: %d", resp.StatusCode)
	}
	// A disabled user's token stops working.
	bobTok := strings.TrimSpace(plenum(t, "token", "create", "--data", data, "--user", "bob"))
	if resp, _ := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", bearer(bobTok)); resp.StatusCode != http.StatusOK {
		t.Errorf("bob's token: %d", resp.StatusCode)
	}
	plenum(t, "user", "disable", "--data", data, "bob")
	if resp, body := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", bearer(bobTok)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled user's token: %d %s", resp.StatusCode, body)
	}
	if _, err := runCLI("", "token", "create", "--data", data, "--user", "bob"); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("token for a disabled user: %v", err)
	}
}

// selfSigned writes a self-signed ECDSA certificate for 127.0.0.1 and its key; it returns their
// paths and a pool trusting the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "plenum test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pool
}

// TestServeTLS: with a certificate and key the server speaks HTTPS only: HSTS, Secure session
// cookies; plain HTTP to its port gets no API answer. One of the two flags alone is an error.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	data := t.TempDir()
	plenum(t, "migrate", "--data", data)
	if _, err := runCLI("carol's long password\n", "user", "create", "--data", data, "--name", "carol", "--role", "viewer", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(plenum(t, "token", "create", "--data", data, "--read-only"))
	m := startMain(t, Config{DataDir: data, TLSCert: certFile, TLSKey: keyFile}, nil)
	base := m.URL()
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("URL %q", base)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	resp, body := call(t, client, http.MethodGet, base+"/api/v1/status", "", bearer(token))
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("status over HTTPS: %d %s", resp.StatusCode, body)
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=") {
		t.Errorf("HSTS: %q", hsts)
	}
	if resp, _ := call(t, client, http.MethodGet, base+"/", "", nil); resp.StatusCode != http.StatusOK || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("GET / over HTTPS: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	// A client that does not trust the certificate gets nowhere.
	if _, err := http.Get(base + "/api/v1/status"); err == nil {
		t.Error("an untrusting client reached the server")
	}
	resp, cookie, csrf := login(t, client, base, "carol", "carol's long password")
	if resp.StatusCode != http.StatusOK || cookie == nil || csrf == "" {
		t.Fatalf("login over HTTPS: %d %v", resp.StatusCode, resp.Header)
	}
	if !cookie.Secure || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie: %q", resp.Header.Get("Set-Cookie"))
	}
	if resp, body := call(t, client, http.MethodGet, base+"/api/v1/auth/me", "", http.Header{"Cookie": {cookie.String()}}); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, `"role":"viewer"`) {
		t.Errorf("me with the session over HTTPS: %d %s", resp.StatusCode, body)
	}
	// Plain HTTP to the TLS port: Go's 400, never the API.
	plain := "http://" + strings.TrimPrefix(base, "https://")
	resp, body = call(t, &http.Client{Timeout: 10 * time.Second}, http.MethodGet, plain+"/api/v1/status", "", bearer(token))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "HTTP request to an HTTPS server") ||
		resp.Header.Get("X-Request-ID") != "" || strings.Contains(body, "version") {
		t.Errorf("plain HTTP to the TLS port: %d %v %s", resp.StatusCode, resp.Header, body)
	}

	// One of the two alone, a file that is not there, a key of another certificate: Run fails,
	// naming the flags, before it opens the database or listens.
	otherCert, otherKey, _ := selfSigned(t)
	for _, c := range []struct {
		cert, key string
		want      []string
	}{
		{certFile, "", []string{"--tls-cert", "--tls-key"}},
		{"", keyFile, []string{"--tls-cert", "--tls-key"}},
		{filepath.Join(t.TempDir(), "missing.pem"), keyFile, []string{"--tls-cert", "missing.pem"}},
		{certFile, otherKey, []string{"--tls-cert", "--tls-key"}},
		{otherCert, keyFile, []string{"--tls-cert", "--tls-key"}},
	} {
		half := NewMain()
		half.Config = Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), TLSCert: c.cert, TLSKey: c.key}
		half.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		err := half.Run(context.Background())
		opened := half.listener != nil || half.Store != nil
		half.Close()
		if err == nil {
			t.Errorf("cert %q, key %q: no error (%s)", c.cert, c.key, half.URL())
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("cert %q, key %q: %q does not name %q", c.cert, c.key, err, w)
			}
		}
		if _, serr := os.Stat(filepath.Join(half.Config.DataDir, "plenum.db")); opened || serr == nil {
			t.Errorf("cert %q, key %q: refused only after opening the database or listening", c.cert, c.key)
		}
	}
	// A Run that fails after listening (here: single sign-on's provider unreachable) leaves no port open.
	late := NewMain()
	late.Config = Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), OIDC: auth.OIDCConfig{Issuer: "http://127.0.0.1:1", ClientID: "plenum",
		RedirectURL: "http://127.0.0.1/api/v1/auth/oidc/callback", RoleMap: map[string]string{"admins": "admin"}}}
	late.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	err := late.Run(context.Background())
	var addr string
	if late.listener != nil {
		addr = late.listener.Addr().String()
	}
	if cerr := late.Close(); err == nil || !strings.Contains(err.Error(), "single sign-on") || cerr != nil {
		t.Errorf("unreachable provider: %v; close: %v", err, cerr)
	}
	if addr != "" {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("after the failed Run and Close, %s still accepts connections", addr)
		}
	}
	// The same through the command line.
	if _, err := runCLI("", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--log-level", "error", "--tls-cert", certFile); err == nil ||
		!strings.Contains(err.Error(), "--tls-key") {
		t.Errorf("serve --tls-cert alone: %v", err)
	}
}

var demoUserLine = regexp.MustCompile(`(?m)^  (\S+)\s+(admin|operator|viewer|tenant)\s+(?:\S+\s+)?(\S+|\(changed; not the demo's\))$`)

// serveDemoCLI runs serve --demo on addr and returns its base URL (reached on 127.0.0.1), the admin
// token, the demo users' printed passwords, and a stop function.
func serveDemoCLI(t *testing.T, data, addr string) (string, string, map[string]string, func()) {
	t.Helper()
	srv := serve(t, "--demo", "--addr", addr, "--data", data)
	u, err := url.Parse(srv.url)
	if err != nil {
		t.Fatal(err)
	}
	pws := map[string]string{}
	for _, l := range demoUserLine.FindAllStringSubmatch(srv.banner, -1) {
		pws[l[1]] = l[3]
	}
	return "http://127.0.0.1:" + u.Port(), srv.token, pws, func() {
		if err := srv.stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	}
}

// TestDemoPasswords: the demo users have the well-known passwords on a loopback address only. The
// same database served on all interfaces replaces them with random ones, printed once; a password
// someone changed is kept (and not printed).
func TestDemoPasswords(t *testing.T) {
	data := t.TempDir()
	m := NewMain()
	m.Config.Addr, m.Config.DataDir, m.Config.Demo = "127.0.0.1:0", data, true
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	start := time.Now()
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Logf("demo seeded and serving in %v", time.Since(start))
	closed := false
	defer func() {
		if !closed {
			m.Close()
		}
	}()
	want := map[string]string{"admin": "admin", "operator": "operator", "viewer": "viewer", "kopi": "tenant", "bank": "tenant"}
	if len(m.DemoUsers) != len(want) {
		t.Fatalf("demo users: %+v", m.DemoUsers)
	}
	for _, c := range m.DemoUsers {
		if want[c.Name] != c.Role || c.Password != demo.DefaultPassword(c.Name) || (c.Role == "tenant") != (c.Tenant != "") {
			t.Errorf("on loopback: %+v", c)
		}
	}
	base := m.URL()
	if resp, cookie, _ := login(t, nil, base, "admin", "plenum-demo-admin"); resp.StatusCode != http.StatusOK || cookie == nil {
		t.Errorf("admin with its default password on loopback: %d", resp.StatusCode)
	}
	// Someone changes operator's password.
	_, admin, err := m.Store.CreateToken(context.Background(), "t", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := call(t, nil, http.MethodPost, base+"/api/v1/users/operator/password", `{"password":"operator's own secret"}`, bearer(admin)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("changing operator's password: %d %s", resp.StatusCode, body)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true

	// The same data served on every interface: random passwords, printed once; the defaults refused.
	base, _, printed, stop := serveDemoCLI(t, data, "0.0.0.0:0")
	defer stop()
	if len(printed) != len(want) {
		t.Fatalf("printed demo users: %v", printed)
	}
	for name, pw := range printed {
		switch {
		case name == "operator":
			if pw != "(changed; not the demo's)" {
				t.Errorf("operator's changed password printed as %q", pw)
			}
		case pw == demo.DefaultPassword(name) || strings.HasPrefix(pw, "plenum-demo") || len(pw) < 16:
			t.Errorf("%s on a non-loopback address: password %q", name, pw)
		}
	}
	if printed["admin"] == printed["viewer"] {
		t.Errorf("the same random password twice: %v", printed)
	}
	// (Each sign-in is a password hash, slow under -race: the fewest that show it.)
	if resp, _, _ := login(t, nil, base, "admin", "plenum-demo-admin"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("admin with the default password off loopback: %d", resp.StatusCode)
	}
	for _, name := range []string{"admin", "kopi"} {
		if resp, cookie, _ := login(t, nil, base, name, printed[name]); resp.StatusCode != http.StatusOK || cookie == nil {
			t.Errorf("%s with the printed password: %d", name, resp.StatusCode)
		}
	}
	if resp, _, _ := login(t, nil, base, "operator", "operator's own secret"); resp.StatusCode != http.StatusOK {
		t.Errorf("operator with its own password: %d", resp.StatusCode)
	}
}

// TestSecurityHeadersAndLimits: the root page and the API carry the security headers, refusals too;
// the server bounds every phase of a request and the size of its headers.
func TestSecurityHeadersAndLimits(t *testing.T) {
	data := t.TempDir()
	plenum(t, "migrate", "--data", data)
	token := strings.TrimSpace(plenum(t, "token", "create", "--data", data))
	m := startMain(t, Config{DataDir: data}, nil)
	base := m.URL()
	for _, c := range []struct {
		path, token string
		status      int
	}{
		{"/", "", http.StatusOK},
		{"/api/v1/status", token, http.StatusOK},
		{"/api/v1/status", "", http.StatusUnauthorized},
		{"/api/v1/no-such-thing", token, http.StatusNotFound},
	} {
		h := http.Header{}
		if c.token != "" {
			h = bearer(c.token)
		}
		resp, body := call(t, nil, http.MethodGet, base+c.path, "", h)
		if resp.StatusCode != c.status {
			t.Errorf("GET %s: %d %s", c.path, resp.StatusCode, body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: CSP %q", c.path, csp)
		}
		if v := resp.Header.Get("X-Content-Type-Options"); v != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", c.path, v)
		}
		if v := resp.Header.Get("X-Frame-Options"); v != "DENY" {
			t.Errorf("GET %s: X-Frame-Options %q", c.path, v)
		}
		if v := resp.Header.Get("Strict-Transport-Security"); v != "" {
			t.Errorf("GET %s: HSTS over plain HTTP: %q", c.path, v)
		}
		if strings.HasPrefix(c.path, "/api/") && resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q", c.path, resp.Header.Get("Cache-Control"))
		}
	}
	s := m.server
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 {
		t.Errorf("timeouts: read header %v, read %v, write %v, idle %v", s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout)
	}
	if s.ReadHeaderTimeout > 30*time.Second {
		t.Errorf("read header timeout %v: a slow client holds a connection that long", s.ReadHeaderTimeout)
	}
	if s.MaxHeaderBytes <= 0 || s.MaxHeaderBytes > http.DefaultMaxHeaderBytes {
		t.Errorf("MaxHeaderBytes %d", s.MaxHeaderBytes)
	}
	// 100 KiB of headers: 431, before any handler.
	h := bearer(token)
	for i := range 100 {
		h.Set("X-Padding-"+string(rune('a'+i%26))+string(rune('a'+i/26)), strings.Repeat("x", 1024))
	}
	resp, body := call(t, nil, http.MethodGet, base+"/api/v1/status", "", h)
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("100 KiB of headers: %d %.200s", resp.StatusCode, body)
	}
}

// TestNoSecretsInLogs: at debug level, the log of sign-ins (good and bad), token and session use,
// and refusals holds no password, token, session cookie or CSRF token.
func TestNoSecretsInLogs(t *testing.T) {
	data := t.TempDir()
	plenum(t, "migrate", "--data", data)
	const password = "dave's very secret passphrase"
	if _, err := runCLI(password+"\n", "user", "create", "--data", data, "--name", "dave", "--role", "operator", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(plenum(t, "token", "create", "--data", data, "--user", "dave", "--scope", "write"))
	fenced := strings.TrimSpace(plenum(t, "token", "create", "--data", data, "--network", "192.0.2.0/24"))
	revoked := strings.TrimSpace(plenum(t, "token", "create", "--data", data, "--name", "soon-gone"))
	var logs testpeer.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := startMain(t, Config{DataDir: data, LogLevel: slog.LevelDebug}, logger)
	base := m.URL()

	resp, cookie, csrf := login(t, nil, base, "dave", password)
	if resp.StatusCode != http.StatusOK || cookie == nil || csrf == "" {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	session := http.Header{"Cookie": {cookie.String()}, "X-Csrf-Token": {csrf}}
	if resp, body := call(t, nil, http.MethodPost, base+"/api/v1/tenants", `{"name":"Acme"}`, session); resp.StatusCode != http.StatusCreated {
		t.Errorf("a change with the session: %d %s", resp.StatusCode, body)
	}
	if resp, _ := call(t, nil, http.MethodPost, base+"/api/v1/tenants", `{"name":"Forged"}`, http.Header{"Cookie": {cookie.String()}, "X-Csrf-Token": {csrf + "x"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a change with a wrong CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := call(t, nil, http.MethodGet, base+"/api/v1/auth/me", "", session); resp.StatusCode != http.StatusOK {
		t.Errorf("me with the session: %d", resp.StatusCode)
	}
	if resp, _ := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", bearer(token)); resp.StatusCode != http.StatusOK {
		t.Errorf("bearer: %d", resp.StatusCode)
	}
	if resp, _ := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", http.Header{"Authorization": {"Token " + token}}); resp.StatusCode != http.StatusOK {
		t.Errorf("Token scheme: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/sites", nil)
	req.SetBasicAuth("dave", token)
	if resp, _ := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", http.Header{"Authorization": {req.Header.Get("Authorization")}}); resp.StatusCode != http.StatusOK {
		t.Errorf("basic auth: %d", resp.StatusCode)
	}
	if resp, _ := call(t, nil, http.MethodPost, base+"/write", "m value=1", http.Header{"Authorization": {req.Header.Get("Authorization")}}); resp.StatusCode >= 300 {
		t.Errorf("line protocol with basic auth: %d", resp.StatusCode)
	}
	// Refusals: a wrong password, a wrong name, a token from the wrong network, a revoked one, a made-up one.
	const wrong = "not dave's passphrase at all"
	if resp, _, _ := login(t, nil, base, "dave", wrong); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	if resp, _, _ := login(t, nil, base, "nobody", password); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
	if resp, _ := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", bearer(fenced)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("fenced token: %d", resp.StatusCode)
	}
	var revokedID string
	for _, l := range strings.Split(plenum(t, "token", "list", "--data", data), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[1] == "soon-gone" {
			revokedID = f[0]
		}
	}
	plenum(t, "token", "revoke", "--data", data, revokedID)
	if resp, _ := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", bearer(revoked)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", resp.StatusCode)
	}
	madeUp := "plm_" + strings.Repeat("q", 32)
	if resp, _ := call(t, nil, http.MethodGet, base+"/api/v1/sites", "", bearer(madeUp)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("made-up token: %d", resp.StatusCode)
	}
	// A password change, then sign-out.
	body, _ := json.Marshal(map[string]string{"current_password": password, "new_password": password + " v2"})
	resp, _ = call(t, nil, http.MethodPost, base+"/api/v1/auth/password", string(body), session)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("password change: %d", resp.StatusCode)
	}
	var newSession string
	for _, c := range resp.Cookies() {
		if c.Name == "plenum_session" {
			newSession = c.Value
		}
	}

	log := logs.String()
	if !strings.Contains(log, "level=DEBUG msg=request") || !strings.Contains(log, "request refused") {
		t.Fatalf("the debug log has no requests:\n%s", log)
	}
	secrets := map[string]string{"password": password, "wrong password": wrong, "new password": password + " v2",
		"token": token, "fenced token": fenced, "revoked token": revoked, "made-up token": madeUp,
		"session cookie": cookie.Value, "CSRF token": csrf, "basic auth": strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")}
	if newSession != "" {
		secrets["new session cookie"] = newSession
	}
	for what, s := range secrets {
		for _, v := range []string{s, strings.TrimPrefix(s, "plm_")} {
			if strings.Contains(log, v) {
				t.Errorf("the log holds the %s", what)
			}
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", log)
	}
}
