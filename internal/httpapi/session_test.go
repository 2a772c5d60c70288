package httpapi

// Sign-in and tokens through the API (issue #6), on both engines: password login and its cookie,
// CSRF, session fixation, logout, password change, session expiry, guessing limits, the tokens and
// users APIs, single sign-on against an in-test identity provider, security headers and request
// limits. Every test asserts the exact status, the problem's field or detail, and the state after.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/auth"
	"github.com/plenum-dcim/plenum/internal/auth/oidctest"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// sessCookie is the cookie name a response sets, or nil.
func sessCookie(t testing.TB, r response, name string) *http.Cookie {
	t.Helper()
	var found *http.Cookie
	for _, line := range r.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if c.Name == name {
			if found != nil {
				t.Fatalf("cookie %s set twice: %q", name, r.header.Values("Set-Cookie"))
			}
			found = c
		}
	}
	return found
}

func sessJSON(t testing.TB, what string, r response) obj {
	t.Helper()
	var o obj
	if err := json.Unmarshal(r.body, &o); err != nil {
		t.Fatalf("%s: %v: %s", what, err, r.body)
	}
	return o
}

// sessExpect checks a response's status and returns its decoded body (nil when empty).
func sessExpect(t testing.TB, what string, r response, status int) obj {
	t.Helper()
	if r.code != status {
		t.Fatalf("%s: got %s, want %d", what, r, status)
	}
	if len(r.body) == 0 {
		return nil
	}
	return sessJSON(t, what, r)
}

// sessPassword is the password the tests give a user.
func sessPassword(name string) string { return name + "-correct-horse" }

// sessUser makes a user with sessPassword.
func sessUser(t testing.TB, e *apiEnv, name, role string, tenant *int64) dcim.User {
	t.Helper()
	u, err := e.st.CreateUser(context.Background(), dcim.User{Name: name, Role: role, TenantID: tenant}, sessPassword(name))
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

// sessBrowser is a signed-in browser: its session cookie and CSRF token.
type sessBrowser struct {
	h      http.Handler
	remote string
	cookie *http.Cookie
	csrf   string
}

// do sends a request with the session cookie and, on changes, the CSRF token.
func (b *sessBrowser) do(t testing.TB, method, path string, body any) response {
	t.Helper()
	o := reqOpts{remote: b.remote, cookies: []*http.Cookie{b.cookie}}
	if !safeMethod(method) {
		o.csrf = b.csrf
	}
	return doRequest(t, b.h, method, path, body, o)
}

// me is GET /auth/me with the browser's cookie.
func (b *sessBrowser) me(t testing.TB) response {
	t.Helper()
	return b.do(t, http.MethodGet, Prefix+"/auth/me", nil)
}

// sessLoginRaw posts a login from remote, with extra cookies sent along.
func sessLoginRaw(t testing.TB, h http.Handler, remote, name, password string, cookies ...*http.Cookie) response {
	t.Helper()
	return doRequest(t, h, http.MethodPost, Prefix+"/auth/login", obj{"name": name, "password": password},
		reqOpts{remote: remote, cookies: cookies})
}

// sessLogin signs in, which must succeed, and returns the browser.
func sessLogin(t testing.TB, h http.Handler, remote, name, password string) *sessBrowser {
	t.Helper()
	r := sessLoginRaw(t, h, remote, name, password)
	body := sessExpect(t, "login "+name, r, http.StatusOK)
	c := sessCookie(t, r, sessionCookie)
	if c == nil || c.Value == "" {
		t.Fatalf("login %s: no session cookie in %q", name, r.header.Values("Set-Cookie"))
	}
	csrf, _ := body["csrf_token"].(string)
	if csrf == "" {
		t.Fatalf("login %s: no csrf_token in %s", name, r.body)
	}
	return &sessBrowser{h: h, remote: remote, cookie: &http.Cookie{Name: c.Name, Value: c.Value}, csrf: csrf}
}

// sessChanges lists the change log filtered by query (admin token).
func sessChanges(t testing.TB, e *apiEnv, query string) listPage {
	t.Helper()
	return e.list(t, Prefix+"/changes?limit=1000&"+query)
}

func sessReprs(p listPage) []string {
	out := make([]string, 0, len(p.Results))
	for _, c := range p.Results {
		s, _ := c["object_repr"].(string)
		out = append(out, s)
	}
	return out
}

func sessAnyContains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestSessionLogin: a right password starts a session (cookie attributes, CSRF token, who am I);
// a wrong password, an unknown name and a disabled user are the same 401; the change log records
// every attempt and never a password or its hash; the request log holds no secret either.
func TestSessionLogin(t *testing.T) {
	logs := map[string]*testpeer.SyncBuffer{}
	var mu sync.Mutex
	forEachEngineWith(t, func(t *testing.T, st *store.Store) Config {
		buf := &testpeer.SyncBuffer{}
		mu.Lock()
		logs[t.Name()] = buf
		mu.Unlock()
		return Config{Store: st, Logger: slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	}, func(t *testing.T, e *apiEnv) {
		mu.Lock()
		logBuf := logs[t.Name()]
		mu.Unlock()
		alice := sessUser(t, e, "alice", dcim.RoleOperator, nil)
		_, err := e.st.CreateUser(context.Background(), dcim.User{Name: "bob", Role: dcim.RoleViewer, Disabled: true}, sessPassword("bob"))
		if err != nil {
			t.Fatal(err)
		}
		pw := sessPassword("alice")

		// Over plain HTTP: HttpOnly, SameSite=Lax, Path=/, not Secure, as long as a session lasts.
		const remote = "192.0.2.10:4000"
		r := sessLoginRaw(t, e.h, remote, "alice", pw)
		body := sessExpect(t, "login", r, http.StatusOK)
		c := sessCookie(t, r, sessionCookie)
		switch {
		case c == nil:
			t.Fatalf("login: no %s cookie: %q", sessionCookie, r.header.Values("Set-Cookie"))
		case !strings.HasPrefix(c.Value, "pls_") || len(c.Value) < 30:
			t.Errorf("session cookie value %q", c.Value)
		case !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure:
			t.Errorf("session cookie HttpOnly=%v SameSite=%v Path=%q Secure=%v, want true, Lax, /, false", c.HttpOnly, c.SameSite, c.Path, c.Secure)
		case c.MaxAge != int(store.SessionMaxAge.Seconds()):
			t.Errorf("session cookie Max-Age %d, want %d", c.MaxAge, int(store.SessionMaxAge.Seconds()))
		}
		csrf, _ := body["csrf_token"].(string)
		if body["name"] != "user:alice" || body["role"] != dcim.RoleOperator || body["tenant_id"] != nil || len(csrf) < 20 {
			t.Errorf("login body %s", r.body)
		}
		if strings.Contains(string(r.body), c.Value) {
			t.Errorf("login body carries the session secret: %s", r.body)
		}
		b := &sessBrowser{h: e.h, remote: remote, cookie: &http.Cookie{Name: sessionCookie, Value: c.Value}, csrf: csrf}
		me := sessExpect(t, "me", b.me(t), http.StatusOK)
		if me["name"] != "user:alice" || me["role"] != dcim.RoleOperator || me["csrf_token"] != csrf {
			t.Errorf("me: %v", me)
		}
		// The session acts as its user.
		st := sessExpect(t, "status", b.do(t, http.MethodGet, Prefix+"/status", nil), http.StatusOK)
		if st["actor"] != "user:alice" {
			t.Errorf("status actor %v, want user:alice", st["actor"])
		}
		u, err := e.st.UserByID(context.Background(), alice.ID)
		if err != nil || u.LastLogin == nil {
			t.Errorf("last_login not recorded: %+v %v", u, err)
		}

		// Over TLS the cookie is Secure.
		_, hTLS := build(Config{Store: e.st, TLS: true, Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		r = sessLoginRaw(t, hTLS, "192.0.2.11:4000", "alice", pw)
		sessExpect(t, "TLS login", r, http.StatusOK)
		if c := sessCookie(t, r, sessionCookie); c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Errorf("TLS session cookie %+v, want Secure, HttpOnly, Lax, /", c)
		}

		// One answer for every refusal, and no cookie with it.
		var details []string
		for _, c := range []struct{ what, name, password string }{
			{"wrong password", "alice", "not-alices-password"},
			{"unknown user", "nobody", pw},
			{"disabled user", "bob", sessPassword("bob")},
		} {
			r := sessLoginRaw(t, e.h, "192.0.2.12:4000", c.name, c.password)
			p := checkProblem(t, c.what, r, want{status: http.StatusUnauthorized, detail: "wrong name or password"})
			details = append(details, p.Detail)
			if sessCookie(t, r, sessionCookie) != nil {
				t.Errorf("%s: a session cookie was set", c.what)
			}
		}
		if details[0] != details[1] || details[1] != details[2] {
			t.Errorf("refusals differ: %q", details)
		}

		logins := sessChanges(t, e, "action=login")
		if logins.Count != 2 || !sessAnyContains(sessReprs(logins), "alice by password from 192.0.2.10") ||
			!sessAnyContains(sessReprs(logins), "alice by password from 192.0.2.11") {
			t.Errorf("login entries: %d %q", logins.Count, sessReprs(logins))
		}
		for _, c := range logins.Results {
			if c["actor"] != "user:alice" || c["object_type"] != dcim.TypeUser || c["object_id"] != float64(alice.ID) {
				t.Errorf("login entry %v", c)
			}
		}
		failed := sessChanges(t, e, "action=login-failed")
		reprs := sessReprs(failed)
		if failed.Count != 3 || !sessAnyContains(reprs, "alice: wrong password from 192.0.2.12") ||
			!sessAnyContains(reprs, "nobody: unknown user") || !sessAnyContains(reprs, "bob: disabled") {
			t.Errorf("login-failed entries: %d %q", failed.Count, reprs)
		}
		for _, c := range failed.Results {
			if c["actor"] != "anonymous" {
				t.Errorf("login-failed actor %v", c["actor"])
			}
		}

		all := e.do(t, http.MethodGet, Prefix+"/changes?limit=1000", nil)
		sessExpect(t, "changes", all, http.StatusOK)
		for _, secret := range []string{pw, sessPassword("bob"), "not-alices-password", "$argon2id$", "argon2", c.Value, csrf} {
			if bytes.Contains(all.body, []byte(secret)) {
				t.Errorf("the change log holds %q", secret)
			}
		}
		if l := logBuf.String(); !strings.Contains(l, "request") {
			t.Errorf("nothing logged: %q", l)
		} else {
			for _, secret := range []string{pw, "not-alices-password", c.Value, csrf, e.token} {
				if strings.Contains(l, secret) {
					t.Errorf("the request log holds %q", secret)
				}
			}
		}
	})
}

// TestSessionCSRF: a change made with the session cookie must carry the session's own CSRF token;
// a read needs none.
func TestSessionCSRF(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		sessUser(t, e, "carol", dcim.RoleOperator, nil)
		sessUser(t, e, "dan", dcim.RoleOperator, nil)
		b := sessLogin(t, e.h, "192.0.2.20:1", "carol", sessPassword("carol"))
		b2 := sessLogin(t, e.h, "192.0.2.21:1", "carol", sessPassword("carol")) // carol's second browser
		other := sessLogin(t, e.h, "192.0.2.22:1", "dan", sessPassword("dan"))
		if b.csrf == b2.csrf || b.csrf == other.csrf {
			t.Fatalf("sessions share a CSRF token")
		}
		sites := Prefix + "/sites"
		cookie := []*http.Cookie{b.cookie}
		for _, c := range []struct{ what, csrf string }{
			{"no header", ""},
			{"wrong token", "not-the-token"},
			{"another session of the same user", b2.csrf},
			{"another user's session", other.csrf},
			{"the token with junk", b.csrf + "x"},
		} {
			before := e.snapshot(t)
			r := doRequest(t, e.h, http.MethodPost, sites, obj{"name": "DC-A"}, reqOpts{remote: b.remote, cookies: cookie, csrf: c.csrf})
			checkProblem(t, "POST "+c.what, r, want{status: http.StatusForbidden, detail: csrfHeader})
			e.unchangedSince(t, before, "POST "+c.what)
		}
		id := idOf(t, sessExpect(t, "POST with the token", b.do(t, http.MethodPost, sites, obj{"name": "DC-A"}), http.StatusCreated))
		item := itemPath("sites", id)
		created := e.get(t, "sites", id)
		if created["name"] != "DC-A" {
			t.Errorf("created %v", created)
		}
		changes := sessChanges(t, e, "action=create&object_type=site")
		if changes.Count != 1 || changes.Results[0]["actor"] != "user:carol" {
			t.Errorf("create entry %v", changes.Results)
		}

		// An HTML form carries the token as its csrf_token field: a wrong one is refused, the right one
		// passes the guard (logout, which reads no body, then ends the second browser's session).
		form := func(token string) response {
			req := httptest.NewRequest(http.MethodPost, Prefix+"/auth/logout", strings.NewReader(url.Values{"csrf_token": {token}}.Encode()))
			req.RemoteAddr = b2.remote
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(b2.cookie)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			return response{rec.Code, rec.Header(), rec.Body.Bytes()}
		}
		checkProblem(t, "form with another session's token", form(b.csrf), want{status: http.StatusForbidden, detail: csrfHeader})
		sessExpect(t, "form with its token", form(b2.csrf), http.StatusNoContent)
		checkProblem(t, "second browser after its form logout", b2.me(t), want{status: http.StatusUnauthorized})

		// PATCH and DELETE too.
		r := doRequest(t, e.h, http.MethodPatch, item, obj{"name": "DC-B"}, reqOpts{remote: b.remote, cookies: cookie})
		checkProblem(t, "PATCH without token", r, want{status: http.StatusForbidden, detail: csrfHeader})
		r = doRequest(t, e.h, http.MethodPatch, item, obj{"name": "DC-B"}, reqOpts{remote: b.remote, cookies: cookie, csrf: other.csrf})
		checkProblem(t, "PATCH with another session's token", r, want{status: http.StatusForbidden, detail: csrfHeader})
		if got := e.get(t, "sites", id)["name"]; got != "DC-A" {
			t.Errorf("refused PATCH changed the name to %v", got)
		}
		sessExpect(t, "PATCH with token", b.do(t, http.MethodPatch, item, obj{"name": "DC-B"}), http.StatusOK)
		if got := e.get(t, "sites", id)["name"]; got != "DC-B" {
			t.Errorf("name %v after PATCH, want DC-B", got)
		}
		r = doRequest(t, e.h, http.MethodDelete, item, nil, reqOpts{remote: b.remote, cookies: cookie})
		checkProblem(t, "DELETE without token", r, want{status: http.StatusForbidden, detail: csrfHeader})
		e.get(t, "sites", id)

		// Reads need no token.
		r = doRequest(t, e.h, http.MethodGet, sites, nil, reqOpts{remote: b.remote, cookies: cookie})
		if l := sessExpect(t, "GET without token", r, http.StatusOK); l["count"] != float64(1) {
			t.Errorf("GET sites: %s", r.body)
		}
		sessExpect(t, "GET item without token", doRequest(t, e.h, http.MethodGet, item, nil, reqOpts{remote: b.remote, cookies: cookie}), http.StatusOK)

		sessExpect(t, "DELETE with token", b.do(t, http.MethodDelete, item, nil), http.StatusNoContent)
		if n := e.list(t, sites).Count; n != 0 {
			t.Errorf("%d sites after DELETE", n)
		}
		// A CSRF token alone, without the cookie, is nobody.
		r = doRequest(t, e.h, http.MethodPost, sites, obj{"name": "DC-C"}, reqOpts{remote: b.remote, csrf: b.csrf})
		checkProblem(t, "token without cookie", r, want{status: http.StatusUnauthorized})
	})
}

// TestSessionFixation: a login never adopts the cookie the browser sent, and logout ends the
// session and clears its cookie.
func TestSessionFixation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		sessUser(t, e, "erin", dcim.RoleViewer, nil)
		sessUser(t, e, "mallory", dcim.RoleViewer, nil)
		const remote = "192.0.2.30:1"

		// An attacker-chosen value is replaced, and is no session afterwards.
		chosen := &http.Cookie{Name: sessionCookie, Value: "pls_attackerchosenvalue0000000000000000"}
		r := sessLoginRaw(t, e.h, remote, "erin", sessPassword("erin"), chosen)
		sessExpect(t, "login with a planted cookie", r, http.StatusOK)
		c := sessCookie(t, r, sessionCookie)
		if c == nil || c.Value == "" || c.Value == chosen.Value {
			t.Fatalf("login kept or set no cookie: %+v", c)
		}
		checkProblem(t, "planted cookie after login", doRequest(t, e.h, http.MethodGet, Prefix+"/auth/me", nil,
			reqOpts{remote: remote, cookies: []*http.Cookie{chosen}}), want{status: http.StatusUnauthorized, detail: "not signed in"})

		// An attacker's own valid session planted in the victim's browser stays the attacker's.
		mal := sessLogin(t, e.h, "192.0.2.31:1", "mallory", sessPassword("mallory"))
		r = sessLoginRaw(t, e.h, remote, "erin", sessPassword("erin"), mal.cookie)
		sessExpect(t, "login with mallory's cookie", r, http.StatusOK)
		c2 := sessCookie(t, r, sessionCookie)
		if c2 == nil || c2.Value == mal.cookie.Value || c2.Value == c.Value {
			t.Fatalf("login over mallory's session gave %+v", c2)
		}
		if me := sessExpect(t, "mallory's cookie", mal.me(t), http.StatusOK); me["name"] != "user:mallory" {
			t.Errorf("mallory's cookie now is %v", me["name"])
		}

		// Logout ends one session: its cookie is refused and cleared; the user's others go on.
		b := &sessBrowser{h: e.h, remote: remote, cookie: &http.Cookie{Name: sessionCookie, Value: c.Value}}
		b2 := &sessBrowser{h: e.h, remote: remote, cookie: &http.Cookie{Name: sessionCookie, Value: c2.Value}}
		// A forged cross-site logout (no CSRF token) is refused; the session goes on.
		checkProblem(t, "logout without the CSRF token", b.do(t, http.MethodPost, Prefix+"/auth/logout", nil), want{status: http.StatusForbidden, detail: csrfHeader})
		me := sessExpect(t, "me before logout", b.me(t), http.StatusOK)
		b.csrf, _ = me["csrf_token"].(string)
		r = b.do(t, http.MethodPost, Prefix+"/auth/logout", nil)
		sessExpect(t, "logout", r, http.StatusNoContent)
		cleared := sessCookie(t, r, sessionCookie)
		if cleared == nil || cleared.Value != "" || cleared.MaxAge >= 0 || cleared.Path != "/" || !cleared.HttpOnly {
			t.Errorf("logout cookie %+v, want an empty one with Max-Age < 0 on /", cleared)
		}
		checkProblem(t, "me after logout", b.me(t), want{status: http.StatusUnauthorized, detail: "not signed in (session unknown or ended)"})
		checkProblem(t, "logout again", b.do(t, http.MethodPost, Prefix+"/auth/logout", nil), want{status: http.StatusUnauthorized})
		if me := sessExpect(t, "erin's other session", b2.me(t), http.StatusOK); me["name"] != "user:erin" {
			t.Errorf("other session: %v", me)
		}
		out := sessChanges(t, e, "action=logout")
		if out.Count != 1 || out.Results[0]["actor"] != "user:erin" || !strings.Contains(sessReprs(out)[0], "from 192.0.2.30") {
			t.Errorf("logout entries %v", out.Results)
		}
		// Logout without any session is harmless and clears the cookie.
		r = doRequest(t, e.h, http.MethodPost, Prefix+"/auth/logout", nil, reqOpts{remote: remote, token: e.token})
		sessExpect(t, "logout with a token", r, http.StatusNoContent)
		if c := sessCookie(t, r, sessionCookie); c == nil || c.MaxAge >= 0 {
			t.Errorf("token logout cookie %+v", c)
		}
	})
}

// TestSessionPasswordChange: the current password is checked, the new one must be long enough, and
// a change ends every session of the user and starts a new one.
func TestSessionPasswordChange(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		sessUser(t, e, "frank", dcim.RoleOperator, nil)
		old, next := sessPassword("frank"), "a brand new passphrase"
		a := sessLogin(t, e.h, "192.0.2.40:1", "frank", old)
		b := sessLogin(t, e.h, "192.0.2.41:1", "frank", old) // a second browser
		path := Prefix + "/auth/password"

		r := doRequest(t, e.h, http.MethodPost, path, obj{"current_password": old, "new_password": next},
			reqOpts{remote: a.remote, cookies: []*http.Cookie{a.cookie}})
		checkProblem(t, "without CSRF token", r, want{status: http.StatusForbidden, detail: csrfHeader})
		checkProblem(t, "wrong current", a.do(t, http.MethodPost, path, obj{"current_password": "not the password", "new_password": next}),
			want{status: http.StatusBadRequest, field: "current_password"})
		checkProblem(t, "short new", a.do(t, http.MethodPost, path, obj{"current_password": old, "new_password": "short"}),
			want{status: http.StatusBadRequest, field: "password"})
		checkProblem(t, "11 characters", a.do(t, http.MethodPost, path, obj{"current_password": old, "new_password": "elevenchars"}),
			want{status: http.StatusBadRequest, field: "password"})
		checkProblem(t, "built-in admin token", e.do(t, http.MethodPost, path, obj{"current_password": old, "new_password": next}),
			want{status: http.StatusForbidden, detail: "built-in admin token"})
		// Nothing refused changed anything: both sessions and the old password still work.
		sessExpect(t, "a after refusals", a.me(t), http.StatusOK)
		sessExpect(t, "b after refusals", b.me(t), http.StatusOK)
		if ok, err := e.st.PasswordIs(context.Background(), "frank", old); !ok || err != nil {
			t.Fatalf("refused change changed the password: %v %v", ok, err)
		}

		r = a.do(t, http.MethodPost, path, obj{"current_password": old, "new_password": next})
		body := sessExpect(t, "change", r, http.StatusOK)
		c := sessCookie(t, r, sessionCookie)
		if c == nil || c.Value == "" || c.Value == a.cookie.Value || c.Value == b.cookie.Value || !c.HttpOnly {
			t.Fatalf("change: cookie %+v", c)
		}
		csrf, _ := body["csrf_token"].(string)
		if csrf == "" || csrf == a.csrf || body["name"] != "user:frank" {
			t.Errorf("change body %s", r.body)
		}
		checkProblem(t, "old session", a.me(t), want{status: http.StatusUnauthorized})
		checkProblem(t, "second browser", b.me(t), want{status: http.StatusUnauthorized})
		fresh := &sessBrowser{h: e.h, remote: a.remote, cookie: &http.Cookie{Name: sessionCookie, Value: c.Value}, csrf: csrf}
		if me := sessExpect(t, "new session", fresh.me(t), http.StatusOK); me["csrf_token"] != csrf {
			t.Errorf("new session me %v", me)
		}
		sessExpect(t, "new session writes", fresh.do(t, http.MethodPost, Prefix+"/sites", obj{"name": "DC-F"}), http.StatusCreated)

		checkProblem(t, "old password", sessLoginRaw(t, e.h, "192.0.2.42:1", "frank", old), want{status: http.StatusUnauthorized})
		sessLogin(t, e.h, "192.0.2.42:1", "frank", next)
		upd := sessChanges(t, e, "action=update&object_type=user")
		if !sessAnyContains(sessReprs(upd), "frank: password changed") {
			t.Errorf("no password change entry: %q", sessReprs(upd))
		}
		all := e.do(t, http.MethodGet, Prefix+"/changes?limit=1000", nil)
		for _, s := range []string{old, next, "$argon2id$"} {
			if bytes.Contains(all.body, []byte(s)) {
				t.Errorf("the change log holds %q", s)
			}
		}
	})
}

// TestSessionExpiry: a session ends SessionIdle after its last request and SessionMaxAge after
// sign-in whatever its use; a token ends at its expiry.
func TestSessionExpiry(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		sessUser(t, e, "gina", dcim.RoleViewer, nil)
		var mu sync.Mutex
		now := time.Now().UTC().Truncate(time.Second)
		e.st.SetClock(func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return now
		})
		setNow := func(t0 time.Time) {
			mu.Lock()
			defer mu.Unlock()
			now = t0
		}
		start := now

		// Idle: each request a little under an hour after the last keeps it; an hour of silence ends it.
		b := sessLogin(t, e.h, "192.0.2.50:1", "gina", sessPassword("gina"))
		setNow(start.Add(59 * time.Minute))
		sessExpect(t, "after 59 min", b.me(t), http.StatusOK)
		setNow(start.Add(118 * time.Minute)) // 1h58m after sign-in, 59 min after the last request
		sessExpect(t, "after 59 more min", b.me(t), http.StatusOK)
		setNow(start.Add(118*time.Minute + store.SessionIdle + time.Second))
		checkProblem(t, "idle", b.me(t), want{status: http.StatusUnauthorized, detail: "session idle too long"})

		// Max age: used every 50 minutes, a session still ends SessionMaxAge after sign-in.
		start = start.Add(5 * time.Hour)
		setNow(start)
		b = sessLogin(t, e.h, "192.0.2.50:1", "gina", sessPassword("gina"))
		step := 50 * time.Minute
		at := start
		for at.Add(step).Before(start.Add(store.SessionMaxAge)) {
			at = at.Add(step)
			setNow(at)
			sessExpect(t, "in use at "+at.Sub(start).String(), b.me(t), http.StatusOK)
		}
		setNow(start.Add(store.SessionMaxAge + time.Second))
		checkProblem(t, "max age", b.me(t), want{status: http.StatusUnauthorized, detail: "session expired"})
		// A new sign-in works at that time.
		sessExpect(t, "new session", sessLogin(t, e.h, "192.0.2.50:1", "gina", sessPassword("gina")).me(t), http.StatusOK)

		// A token with a lifetime ends with it.
		setNow(time.Now().UTC())
		tok := sessExpect(t, "token", e.do(t, http.MethodPost, Prefix+"/tokens", obj{"name": "short", "scope": "read", "expires": "2h", "user": "gina"}), http.StatusCreated)
		secret := tok["secret"].(string)
		sessExpect(t, "token in time", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, reqOpts{remote: "192.0.2.51:1", token: secret}), http.StatusOK)
		setNow(time.Now().UTC().Add(2*time.Hour + time.Minute))
		checkProblem(t, "token after expiry", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, reqOpts{remote: "192.0.2.51:1", token: secret}),
			want{status: http.StatusUnauthorized, detail: "token expired"})
	})
}

// TestSessionBruteForce: a name (from any address) and an address (for any name) get five wrong
// passwords, then are locked, the right password too; an address gets twenty wrong tokens.
func TestSessionBruteForce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		sessUser(t, e, "hank", dcim.RoleViewer, nil)
		sessUser(t, e, "ivy", dcim.RoleViewer, nil)
		const attacker = "198.51.100.1:5000"
		for i := 1; i <= 5; i++ {
			checkProblem(t, fmt.Sprintf("wrong password %d", i), sessLoginRaw(t, e.h, attacker, "hank", fmt.Sprintf("guess number %d!", i)),
				want{status: http.StatusUnauthorized, detail: "wrong name or password"})
		}
		locked := func(what string, r response) {
			t.Helper()
			checkProblem(t, what, r, want{status: http.StatusTooManyRequests, detail: "too many failed attempts"})
			n, err := strconv.Atoi(r.header.Get("Retry-After"))
			if err != nil || n <= 0 || n > 15*60 {
				t.Errorf("%s: Retry-After %q", what, r.header.Get("Retry-After"))
			}
			if sessCookie(t, r, sessionCookie) != nil {
				t.Errorf("%s: a session cookie was set", what)
			}
		}
		locked("6th attempt, right password", sessLoginRaw(t, e.h, attacker, "hank", sessPassword("hank")))
		locked("the name from another address", sessLoginRaw(t, e.h, "198.51.100.2:5000", "hank", sessPassword("hank")))
		locked("the address for another name", sessLoginRaw(t, e.h, attacker, "ivy", sessPassword("ivy")))
		// Neither the name's other users nor other clients are held up.
		sessLogin(t, e.h, "198.51.100.3:5000", "ivy", sessPassword("ivy"))
		// A lockout is not a login: the failures are five entries, nothing more.
		if n := sessChanges(t, e, "action=login-failed").Count; n != 5 {
			t.Errorf("%d login-failed entries, want 5", n)
		}
		if n := sessChanges(t, e, "action=login").Count; n != 1 {
			t.Errorf("%d login entries, want 1 (ivy)", n)
		}

		// Token guessing, by address.
		before := e.changeCount(t)
		const guesser = "203.0.113.7:6000"
		for i := 1; i <= 20; i++ {
			r := doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, reqOpts{remote: guesser, token: fmt.Sprintf("plm_guess%026d", i)})
			checkProblem(t, fmt.Sprintf("guess %d", i), r, want{status: http.StatusUnauthorized, detail: "invalid token"})
		}
		r := doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, reqOpts{remote: guesser, token: "plm_guess21"})
		locked("21st guess", r)
		locked("a good token from the guesser", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, reqOpts{remote: guesser, token: e.token}))
		checkProblem(t, "another address guessing", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, reqOpts{remote: "203.0.113.8:6000", token: "plm_guess22"}),
			want{status: http.StatusUnauthorized, detail: "invalid token"})
		sessExpect(t, "another address with a good token", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, reqOpts{remote: "203.0.113.8:6000", token: e.token}), http.StatusOK)
		// Unknown secrets fill no change log.
		if after := e.changeCount(t); after != before {
			t.Errorf("change log grew from %d to %d entries by token guessing", before, after)
		}
	})
}

// TestSessionTokens: tokens made through the API act for their user, limited by scope, expiry and
// networks; the secret is shown once; a user manages only its own.
func TestSessionTokens(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		vicU := sessUser(t, e, "vic", dcim.RoleViewer, nil)
		sessUser(t, e, "opal", dcim.RoleOperator, nil)
		vic := sessLogin(t, e.h, "192.0.2.60:1", "vic", sessPassword("vic"))
		opal := sessLogin(t, e.h, "192.0.2.61:1", "opal", sessPassword("opal"))
		tokens := Prefix + "/tokens"

		// A viewer's write token: shown once, listed without its secret, acting as the viewer.
		r := vic.do(t, http.MethodPost, tokens, obj{"name": "ci", "scope": "write", "expires": "30d"})
		tok := sessExpect(t, "create token", r, http.StatusCreated)
		secret, _ := tok["secret"].(string)
		if !strings.HasPrefix(secret, "plm_") || len(secret) < 30 || tok["prefix"] != secret[:10] || tok["user"] != "vic" ||
			tok["user_id"] != float64(vicU.ID) || tok["write_enabled"] != true {
			t.Fatalf("token %s", r.body)
		}
		if exp, err := time.Parse(time.RFC3339, fmt.Sprint(tok["expires"])); err != nil || time.Until(exp) < 29*24*time.Hour || time.Until(exp) > 30*24*time.Hour+time.Minute {
			t.Errorf("expires %v (%v), want 30 days from now", tok["expires"], err)
		}
		tokID := idOf(t, tok)
		list := vic.do(t, http.MethodGet, tokens, nil)
		lb := sessExpect(t, "list tokens", list, http.StatusOK)
		if lb["count"] != float64(1) || bytes.Contains(list.body, []byte(secret)) || bytes.Contains(list.body, []byte(`"secret"`)) {
			t.Errorf("token list %s", list.body)
		}
		as := reqOpts{remote: "192.0.2.62:1", token: secret}
		sessExpect(t, "token reads", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, as), http.StatusOK)
		checkProblem(t, "viewer token writes", doRequest(t, e.h, http.MethodPost, Prefix+"/sites", obj{"name": "X"}, as),
			want{status: http.StatusForbidden, detail: "needs the operator"})
		me := sessExpect(t, "token me", doRequest(t, e.h, http.MethodGet, Prefix+"/auth/me", nil, as), http.StatusOK)
		if me["name"] != "user:vic token:ci" || me["role"] != dcim.RoleViewer || me["csrf_token"] != nil {
			t.Errorf("token me %v", me)
		}
		use := sessChanges(t, e, "action=token-use&object_type=token&object_id="+strconv.FormatInt(tokID, 10))
		if use.Count != 1 || use.Results[0]["actor"] != "user:vic token:ci" {
			t.Errorf("token-use entries %v", use.Results)
		}

		// An operator's read token reads only; its write token writes.
		ro := sessExpect(t, "read token", opal.do(t, http.MethodPost, tokens, obj{"name": "ro", "scope": "read"}), http.StatusCreated)
		if ro["write_enabled"] != false || ro["expires"] != nil {
			t.Errorf("read token %v", ro)
		}
		roAs := reqOpts{remote: "192.0.2.63:1", token: ro["secret"].(string)}
		sessExpect(t, "read token reads", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, roAs), http.StatusOK)
		checkProblem(t, "read token writes", doRequest(t, e.h, http.MethodPost, Prefix+"/sites", obj{"name": "X"}, roAs),
			want{status: http.StatusForbidden, detail: "read-only"})
		rw := sessExpect(t, "write token", opal.do(t, http.MethodPost, tokens, obj{"name": "rw", "scope": "write"}), http.StatusCreated)
		sessExpect(t, "operator write token writes", doRequest(t, e.h, http.MethodPost, Prefix+"/sites", obj{"name": "DC-T"},
			reqOpts{remote: "192.0.2.63:1", token: rw["secret"].(string)}), http.StatusCreated)
		if n := e.list(t, Prefix+"/sites").Count; n != 1 {
			t.Errorf("%d sites, want 1", n)
		}

		// Expiry and networks are checked.
		before := e.list(t, tokens).Count
		for _, exp := range []string{"0d", "yesterday", "2001-01-01", "-1h", "9999d"} {
			checkProblem(t, "expires "+exp, vic.do(t, http.MethodPost, tokens, obj{"name": "bad", "scope": "read", "expires": exp}),
				want{status: http.StatusBadRequest, field: "expires"})
		}
		checkProblem(t, "bad CIDR", vic.do(t, http.MethodPost, tokens, obj{"name": "bad", "networks": []string{"10.0.0.0/33"}}),
			want{status: http.StatusBadRequest, field: "networks[0]"})
		checkProblem(t, "second network bad", vic.do(t, http.MethodPost, tokens, obj{"name": "bad", "networks": []string{"10.0.0.0/8", "ten"}}),
			want{status: http.StatusBadRequest, field: "networks[1]"})
		if n := e.list(t, tokens).Count; n != before {
			t.Errorf("refused tokens were made: %d, want %d", n, before)
		}
		netTok := sessExpect(t, "network token", vic.do(t, http.MethodPost, tokens, obj{"name": "lan", "networks": []string{"10.0.0.0/8"}}), http.StatusCreated)
		if nets, _ := netTok["networks"].([]any); len(nets) != 1 || nets[0] != "10.0.0.0/8" {
			t.Errorf("networks %v", netTok["networks"])
		}
		if netTok["write_enabled"] != false { // no scope given: read
			t.Errorf("a token without scope may write: %v", netTok)
		}
		netSecret := netTok["secret"].(string)
		checkProblem(t, "from outside the network", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, reqOpts{remote: "192.0.2.64:1", token: netSecret}),
			want{status: http.StatusUnauthorized, detail: "not accepted from 192.0.2.64"})
		sessExpect(t, "from inside the network", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, reqOpts{remote: "10.1.2.3:1", token: netSecret}), http.StatusOK)
		refused := sessChanges(t, e, "action=token-refused&object_id="+strconv.FormatInt(idOf(t, netTok), 10))
		if refused.Count != 1 || !strings.Contains(sessReprs(refused)[0], "192.0.2.64") {
			t.Errorf("token-refused entries %q", sessReprs(refused))
		}

		// Only an admin makes a token for someone else.
		checkProblem(t, "viewer for another", vic.do(t, http.MethodPost, tokens, obj{"name": "x", "user": "opal"}),
			want{status: http.StatusForbidden, detail: "only an admin"})
		for _, c := range e.list(t, tokens).Results {
			if c["name"] == "x" {
				t.Errorf("refused token made: %v", c)
			}
		}
		forVic := sessExpect(t, "admin for vic", e.do(t, http.MethodPost, tokens, obj{"name": "by-admin", "user": "vic"}), http.StatusCreated)
		if forVic["user"] != "vic" {
			t.Errorf("admin's token for vic: %v", forVic)
		}
		checkProblem(t, "admin for nobody", e.do(t, http.MethodPost, tokens, obj{"name": "x", "user": "nobody"}),
			want{status: http.StatusBadRequest, field: "user"})

		// A user lists and revokes only its own; an admin all.
		ol := sessExpect(t, "opal's list", opal.do(t, http.MethodGet, tokens, nil), http.StatusOK)
		for _, x := range ol["results"].([]any) {
			if x.(map[string]any)["user"] != "opal" {
				t.Errorf("opal sees %v", x)
			}
		}
		if ol["count"] != float64(2) {
			t.Errorf("opal's list count %v, want 2", ol["count"])
		}
		if all := e.list(t, tokens).Count; all != 6 { // tester, ci, ro, rw, lan, by-admin
			t.Errorf("admin sees %d tokens, want 6", all)
		}
		checkProblem(t, "opal revokes vic's", opal.do(t, http.MethodDelete, itemPath("tokens", tokID), nil), want{status: http.StatusNotFound})
		sessExpect(t, "vic's token after opal's try", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, as), http.StatusOK)
		checkProblem(t, "revoke without CSRF", doRequest(t, e.h, http.MethodDelete, itemPath("tokens", tokID), nil,
			reqOpts{remote: vic.remote, cookies: []*http.Cookie{vic.cookie}}), want{status: http.StatusForbidden, detail: csrfHeader})
		sessExpect(t, "vic revokes", vic.do(t, http.MethodDelete, itemPath("tokens", tokID), nil), http.StatusNoContent)
		checkProblem(t, "replay after revocation", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, as),
			want{status: http.StatusUnauthorized, detail: "invalid token"})
		checkProblem(t, "revoke again", vic.do(t, http.MethodDelete, itemPath("tokens", tokID), nil), want{status: http.StatusNotFound})
		sessExpect(t, "admin revokes vic's other", e.do(t, http.MethodDelete, itemPath("tokens", idOf(t, forVic)), nil), http.StatusNoContent)
		if l := sessExpect(t, "vic's list", vic.do(t, http.MethodGet, tokens, nil), http.StatusOK); l["count"] != float64(1) {
			t.Errorf("vic's tokens after revocations: %v", l)
		}
	})
}

// TestSessionUsersAPI: only an admin manages users; a role change or disabling ends the user's
// sessions, and a disabled user's tokens are refused; an admin cannot lock itself out.
func TestSessionUsersAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		sessUser(t, e, "oscar", dcim.RoleOperator, nil)
		sessUser(t, e, "root", dcim.RoleAdmin, nil)
		users := Prefix + "/users"
		long := "a long enough password"

		// Not for an operator, by session or by token.
		oscar := sessLogin(t, e.h, "192.0.2.70:1", "oscar", sessPassword("oscar"))
		checkProblem(t, "operator lists users", oscar.do(t, http.MethodGet, users, nil), want{status: http.StatusForbidden, detail: "needs the admin role"})
		checkProblem(t, "operator makes an admin", oscar.do(t, http.MethodPost, users, obj{"name": "eve", "role": "admin", "password": long}),
			want{status: http.StatusForbidden, detail: "needs the admin role"})
		checkProblem(t, "operator promotes itself", oscar.do(t, http.MethodPatch, users+"/oscar", obj{"role": "admin"}),
			want{status: http.StatusForbidden, detail: "needs the admin role"})
		checkProblem(t, "operator resets root's password", oscar.do(t, http.MethodPost, users+"/root/password", obj{"password": long}),
			want{status: http.StatusForbidden, detail: "needs the admin role"})
		opTok := sessExpect(t, "operator token", oscar.do(t, http.MethodPost, Prefix+"/tokens", obj{"name": "op", "scope": "write"}), http.StatusCreated)
		checkProblem(t, "operator token makes a user", doRequest(t, e.h, http.MethodPost, users, obj{"name": "eve", "role": "admin", "password": long},
			reqOpts{remote: "192.0.2.71:1", token: opTok["secret"].(string)}), want{status: http.StatusForbidden, detail: "needs the admin role"})
		ul := e.list(t, users)
		if ul.Count != 2 {
			t.Fatalf("%d users after refusals, want 2", ul.Count)
		}
		for _, u := range ul.Results {
			if u["name"] == "oscar" && u["role"] != dcim.RoleOperator {
				t.Errorf("oscar is %v", u["role"])
			}
		}
		if ok, _ := e.st.PasswordIs(context.Background(), "root", sessPassword("root")); !ok {
			t.Errorf("root's password changed")
		}

		// Checks on a new user; nothing is made by a refused one.
		acme := e.create(t, "tenants", obj{"name": "Acme"})
		for _, c := range []struct {
			what  string
			body  obj
			field string
		}{
			{"tenant without tenant_id", obj{"name": "ten", "role": "tenant", "password": long}, "tenant_id"},
			{"viewer with tenant_id", obj{"name": "ten", "role": "viewer", "tenant_id": acme, "password": long}, "tenant_id"},
			{"unknown tenant", obj{"name": "ten", "role": "tenant", "tenant_id": acme + 99, "password": long}, "tenant_id"},
			{"short password", obj{"name": "ten", "role": "viewer", "password": "short"}, "password"},
			{"taken name", obj{"name": "oscar", "role": "viewer", "password": long}, "name"},
			{"bad name", obj{"name": "-x", "role": "viewer", "password": long}, "name"},
		} {
			checkProblem(t, c.what, e.do(t, http.MethodPost, users, c.body), want{status: http.StatusBadRequest, field: c.field})
		}
		if n := e.list(t, users).Count; n != 2 {
			t.Fatalf("%d users after refused creations, want 2", n)
		}

		// Without a password one is made and shown once; it signs in.
		r := e.do(t, http.MethodPost, users, obj{"name": "gen", "role": "viewer"})
		made := sessExpect(t, "user without password", r, http.StatusCreated)
		pw, _ := made["password"].(string)
		if len(pw) < 12 || made["role"] != dcim.RoleViewer || made["disabled"] != false || bytes.Contains(r.body, []byte("argon2")) {
			t.Fatalf("made user %s", r.body)
		}
		r = e.do(t, http.MethodPost, users, obj{"name": "tina", "role": "tenant", "tenant_id": acme, "password": long})
		tina := sessExpect(t, "tenant user", r, http.StatusCreated)
		if _, shown := tina["password"]; shown || tina["tenant_id"] != float64(acme) {
			t.Errorf("tenant user %s", r.body)
		}
		list := e.do(t, http.MethodGet, users, nil)
		if lb := sessExpect(t, "users", list, http.StatusOK); lb["count"] != float64(4) ||
			bytes.Contains(list.body, []byte(pw)) || bytes.Contains(list.body, []byte(long)) || bytes.Contains(list.body, []byte("argon2")) {
			t.Errorf("user list %s", list.body)
		}
		gen := sessLogin(t, e.h, "192.0.2.72:1", "gen", pw)
		genTok := sessExpect(t, "gen's token", gen.do(t, http.MethodPost, Prefix+"/tokens", obj{"name": "gen-ro", "scope": "read"}), http.StatusCreated)
		genAs := reqOpts{remote: "192.0.2.73:1", token: genTok["secret"].(string)}

		// A role change ends the sessions; a token takes the new role at once.
		r = e.do(t, http.MethodPatch, users+"/gen", obj{"role": "operator"})
		if u := sessExpect(t, "promote gen", r, http.StatusOK); u["role"] != dcim.RoleOperator {
			t.Errorf("after PATCH: %s", r.body)
		}
		checkProblem(t, "gen's session after the role change", gen.me(t), want{status: http.StatusUnauthorized})
		gen = sessLogin(t, e.h, "192.0.2.72:1", "gen", pw)
		if me := sessExpect(t, "gen again", gen.me(t), http.StatusOK); me["role"] != dcim.RoleOperator {
			t.Errorf("gen is %v", me["role"])
		}
		if me := sessExpect(t, "gen's token", doRequest(t, e.h, http.MethodGet, Prefix+"/auth/me", nil, genAs), http.StatusOK); me["role"] != dcim.RoleOperator {
			t.Errorf("gen's token is %v", me["role"])
		}
		if upd := sessChanges(t, e, "action=update&object_type=user"); !sessAnyContains(sessReprs(upd), "gen: role operator") {
			t.Errorf("no role change entry: %q", sessReprs(upd))
		}

		// Disabling ends the sessions, refuses the password and the tokens.
		r = e.do(t, http.MethodPatch, users+"/gen", obj{"disabled": true})
		if u := sessExpect(t, "disable gen", r, http.StatusOK); u["disabled"] != true {
			t.Errorf("after disabling: %s", r.body)
		}
		checkProblem(t, "gen's session after disabling", gen.me(t), want{status: http.StatusUnauthorized})
		checkProblem(t, "gen signs in disabled", sessLoginRaw(t, e.h, "192.0.2.72:1", "gen", pw),
			want{status: http.StatusUnauthorized, detail: "wrong name or password"})
		checkProblem(t, "gen's token disabled", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, genAs),
			want{status: http.StatusUnauthorized, detail: "disabled"})
		checkProblem(t, "token for a disabled user", e.do(t, http.MethodPost, Prefix+"/tokens", obj{"name": "x", "user": "gen"}),
			want{status: http.StatusBadRequest, field: "user"})
		// And enabling lets it back in.
		sessExpect(t, "enable gen", e.do(t, http.MethodPatch, users+"/gen", obj{"disabled": false}), http.StatusOK)
		sessExpect(t, "gen's token enabled", doRequest(t, e.h, http.MethodGet, Prefix+"/sites", nil, genAs), http.StatusOK)
		sessLogin(t, e.h, "192.0.2.74:1", "gen", pw)

		// An admin (a user, by session) cannot disable or demote itself, but manages the others.
		root := sessLogin(t, e.h, "192.0.2.75:1", "root", sessPassword("root"))
		checkProblem(t, "root disables itself", root.do(t, http.MethodPatch, users+"/root", obj{"disabled": true}),
			want{status: http.StatusBadRequest, field: "name"})
		checkProblem(t, "root demotes itself", root.do(t, http.MethodPatch, users+"/root", obj{"role": "viewer"}),
			want{status: http.StatusBadRequest, field: "name"})
		if me := sessExpect(t, "root after", root.me(t), http.StatusOK); me["role"] != dcim.RoleAdmin {
			t.Errorf("root is %v", me["role"])
		}
		if u, err := e.st.UserByName(context.Background(), "root"); err != nil || u.Disabled || u.Role != dcim.RoleAdmin {
			t.Errorf("root: %+v %v", u, err)
		}
		checkProblem(t, "patch without CSRF", doRequest(t, e.h, http.MethodPatch, users+"/oscar", obj{"role": "viewer"},
			reqOpts{remote: root.remote, cookies: []*http.Cookie{root.cookie}}), want{status: http.StatusForbidden, detail: csrfHeader})
		checkProblem(t, "patch nobody", root.do(t, http.MethodPatch, users+"/nobody", obj{"role": "viewer"}), want{status: http.StatusNotFound})
		// A reset by the admin ends the user's sessions; the new password signs in.
		sessExpect(t, "oscar before reset", oscar.me(t), http.StatusOK)
		checkProblem(t, "short reset", root.do(t, http.MethodPost, users+"/oscar/password", obj{"password": "short"}),
			want{status: http.StatusBadRequest, field: "password"})
		sessExpect(t, "reset oscar", root.do(t, http.MethodPost, users+"/oscar/password", obj{"password": long}), http.StatusNoContent)
		checkProblem(t, "oscar after reset", oscar.me(t), want{status: http.StatusUnauthorized})
		sessLogin(t, e.h, "192.0.2.76:1", "oscar", long)
	})
}

// TestSessionOIDC: single sign-on end to end against an in-test identity provider: the redirect,
// the state bound to the browser, the callback starting a session, the user made once and kept in
// step with the provider's groups, and every way a callback is refused.
func TestSessionOIDC(t *testing.T) {
	const redirect = "http://plenum.test/api/v1/auth/oidc/callback"
	var mu sync.Mutex
	providers := map[string]*oidctest.Provider{}
	forEachEngineWith(t, func(t *testing.T, st *store.Store) Config {
		p := oidctest.New(t, "plenum", "client-secret")
		o, err := auth.NewOIDC(context.Background(), auth.OIDCConfig{Issuer: p.Issuer(), ClientID: "plenum", ClientSecret: "client-secret",
			RedirectURL: redirect, RoleMap: map[string]string{"noc": "operator", "customers": "tenant"}})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		providers[t.Name()] = p
		mu.Unlock()
		return Config{Store: st, OIDC: o}
	}, func(t *testing.T, e *apiEnv) {
		mu.Lock()
		p := providers[t.Name()]
		mu.Unlock()
		const remote = "192.0.2.80:1"
		client := &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

		// start begins a sign-on: the redirect to the provider and the cookie binding its state.
		start := func(t *testing.T) (*http.Cookie, string) {
			t.Helper()
			r := doRequest(t, e.h, http.MethodGet, Prefix+"/auth/oidc/login", nil, reqOpts{remote: remote})
			if r.code != http.StatusFound {
				t.Fatalf("oidc login: %s", r)
			}
			loc := r.header.Get("Location")
			u, err := url.Parse(loc)
			if err != nil || !strings.HasPrefix(loc, p.Issuer()+"/authorize?") {
				t.Fatalf("oidc login: Location %q", loc)
			}
			q := u.Query()
			if q.Get("client_id") != "plenum" || q.Get("redirect_uri") != redirect || q.Get("response_type") != "code" ||
				q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
				t.Fatalf("authorization request %v", q)
			}
			c := sessCookie(t, r, oidcCookie)
			if c == nil || c.Value != q.Get("state") || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 600 {
				t.Fatalf("oidc cookie %+v, want the state %q, HttpOnly, Lax, 10 min", c, q.Get("state"))
			}
			return &http.Cookie{Name: c.Name, Value: c.Value}, loc
		}
		// authorize follows the browser to the provider and returns where it sends it back.
		authorize := func(t *testing.T, loc string) (string, url.Values) {
			t.Helper()
			resp, err := client.Get(loc)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			back, err := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || err != nil || back.Scheme+"://"+back.Host+back.Path != redirect {
				t.Fatalf("provider answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			return back.RequestURI(), back.Query()
		}
		callback := func(t *testing.T, path string, cookies ...*http.Cookie) response {
			t.Helper()
			return doRequest(t, e.h, http.MethodGet, path, nil, reqOpts{remote: remote, cookies: cookies})
		}
		// signOn runs the whole flow as claims, which must succeed.
		signOn := func(t *testing.T, claims map[string]any) *sessBrowser {
			t.Helper()
			p.SetUser(claims)
			c, loc := start(t)
			path, q := authorize(t, loc)
			if q.Get("code") == "" || q.Get("state") != c.Value {
				t.Fatalf("provider sent back %v", q)
			}
			r := callback(t, path, c)
			if r.code != http.StatusFound || r.header.Get("Location") != "/" {
				t.Fatalf("callback: %s, Location %q", r, r.header.Get("Location"))
			}
			sc := sessCookie(t, r, sessionCookie)
			if sc == nil || sc.Value == "" || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" {
				t.Fatalf("callback session cookie %+v", sc)
			}
			if oc := sessCookie(t, r, oidcCookie); oc == nil || oc.MaxAge >= 0 {
				t.Errorf("callback left the oidc cookie: %+v", oc)
			}
			b := &sessBrowser{h: e.h, remote: remote, cookie: &http.Cookie{Name: sessionCookie, Value: sc.Value}}
			me := sessExpect(t, "me after sign-on", b.me(t), http.StatusOK)
			b.csrf, _ = me["csrf_token"].(string)
			return b
		}
		users := func(t *testing.T) int {
			t.Helper()
			return e.list(t, Prefix+"/users").Count
		}

		acme := e.create(t, "tenants", obj{"name": "Acme"})
		slug, _ := e.get(t, "tenants", acme)["slug"].(string)
		if slug == "" {
			t.Fatal("tenant has no slug")
		}
		sessUser(t, e, "lisa", dcim.RoleViewer, nil)
		n0 := users(t)

		olga := map[string]any{"sub": "olga-1", "preferred_username": "olga", "groups": []string{"noc"}}
		b := signOn(t, olga)
		me := sessExpect(t, "olga", b.me(t), http.StatusOK)
		if me["name"] != "user:olga" || me["role"] != dcim.RoleOperator || me["tenant_id"] != nil || b.csrf == "" {
			t.Errorf("olga: %v", me)
		}
		if n := users(t); n != n0+1 {
			t.Errorf("%d users after the first sign-on, want %d", n, n0+1)
		}
		sessExpect(t, "olga writes", b.do(t, http.MethodPost, Prefix+"/sites", obj{"name": "DC-O"}), http.StatusCreated)
		if l := sessChanges(t, e, "action=login"); !sessAnyContains(sessReprs(l), "olga by single sign-on from 192.0.2.80") {
			t.Errorf("login entries %q", sessReprs(l))
		}
		// A user made by single sign-on has no password.
		checkProblem(t, "olga by password", sessLoginRaw(t, e.h, "192.0.2.81:1", "olga", "!"), want{status: http.StatusUnauthorized})

		// The same subject again is the same user, in a new session.
		b2 := signOn(t, olga)
		if b2.cookie.Value == b.cookie.Value {
			t.Error("second sign-on reused the session")
		}
		if n := users(t); n != n0+1 {
			t.Errorf("%d users after the second sign-on, want %d", n, n0+1)
		}

		// The provider's groups rule: now a tenant user of the tenant it names.
		b3 := signOn(t, map[string]any{"sub": "olga-1", "preferred_username": "olga", "groups": []string{"customers"}, "tenant": slug})
		me = sessExpect(t, "olga as tenant", b3.me(t), http.StatusOK)
		if me["role"] != dcim.RoleTenant || me["tenant_id"] != float64(acme) {
			t.Errorf("olga after the group change: %v", me)
		}
		if n := users(t); n != n0+1 {
			t.Errorf("%d users after the group change, want %d", n, n0+1)
		}
		if upd := sessChanges(t, e, "action=update&object_type=user"); !sessAnyContains(sessReprs(upd), "olga: role tenant from the identity provider") {
			t.Errorf("no role change entry: %q", sessReprs(upd))
		}
		// The older session now has the new role too: it cannot write any more.
		checkProblem(t, "old session after the group change", b.do(t, http.MethodPost, Prefix+"/sites", obj{"name": "DC-P"}),
			want{status: http.StatusForbidden})

		// Refusals. The state must be this browser's...
		p.SetUser(olga)
		c, loc := start(t)
		path, _ := authorize(t, loc)
		checkProblem(t, "callback without the cookie", callback(t, path), want{status: http.StatusUnauthorized, detail: "does not match"})
		checkProblem(t, "callback with another state", callback(t, path, &http.Cookie{Name: oidcCookie, Value: "another-state"}),
			want{status: http.StatusUnauthorized, detail: "does not match"})
		other, _ := start(t) // a real state, of another sign-on
		checkProblem(t, "callback with another sign-on's cookie", callback(t, path, other),
			want{status: http.StatusUnauthorized, detail: "does not match"})
		// ...which these refusals did not spend: the right cookie completes it, once.
		r := callback(t, path, c)
		if r.code != http.StatusFound || sessCookie(t, r, sessionCookie) == nil {
			t.Fatalf("callback after refusals: %s", r)
		}
		r = callback(t, path, c)
		checkProblem(t, "replayed callback", r, want{status: http.StatusUnauthorized, detail: "unknown or expired"})
		if sessCookie(t, r, sessionCookie) != nil {
			t.Error("replayed callback set a session cookie")
		}

		// A code is bound to its sign-on's PKCE verifier: another sign-on's state cannot redeem it.
		_, locA := start(t)
		_, qA := authorize(t, locA)
		cB, locB := start(t)
		_, qB := authorize(t, locB)
		mixed := Prefix + "/auth/oidc/callback?" + url.Values{"code": {qA.Get("code")}, "state": {qB.Get("state")}}.Encode()
		checkProblem(t, "another sign-on's code", callback(t, mixed, cB), want{status: http.StatusUnauthorized, detail: "refused the code"})

		// The provider's error comes back as a refusal.
		cE, _ := start(t)
		errPath := Prefix + "/auth/oidc/callback?" + url.Values{"error": {"access_denied"}, "state": {cE.Value}}.Encode()
		checkProblem(t, "provider error", callback(t, errPath, cE), want{status: http.StatusUnauthorized, detail: "access_denied"})

		// A forged ID token.
		p.SignWithOtherKey(true)
		cF, locF := start(t)
		pathF, _ := authorize(t, locF)
		checkProblem(t, "forged ID token", callback(t, pathF, cF), want{status: http.StatusUnauthorized, detail: "ID token refused"})
		p.SignWithOtherKey(false)

		// Claims that make no user: no tenant by that slug, no mapped group, a local user's name.
		before := users(t)
		meBefore := sessExpect(t, "olga before refused sign-ons", b3.me(t), http.StatusOK)
		for _, c := range []struct {
			what, detail string
			claims       map[string]any
		}{
			{"unknown tenant", `"nobody"`, map[string]any{"sub": "zed-1", "preferred_username": "zed", "groups": []string{"customers"}, "tenant": "nobody"}},
			{"known user, unknown tenant", `"nobody"`, map[string]any{"sub": "olga-1", "preferred_username": "olga", "groups": []string{"customers"}, "tenant": "nobody"}},
			{"no mapped group", "no Plenum role", map[string]any{"sub": "zed-1", "preferred_username": "zed", "groups": []string{"other"}}},
			{"a local user's name", "not taken over", map[string]any{"sub": "lisa-9", "preferred_username": "lisa", "groups": []string{"noc"}}},
		} {
			p.SetUser(c.claims)
			ck, l := start(t)
			pth, _ := authorize(t, l)
			r := callback(t, pth, ck)
			checkProblem(t, c.what, r, want{status: http.StatusForbidden, detail: c.detail})
			if sessCookie(t, r, sessionCookie) != nil {
				t.Errorf("%s: a session cookie was set", c.what)
			}
		}
		if n := users(t); n != before {
			t.Errorf("%d users after refused sign-ons, want %d", n, before)
		}
		if me := sessExpect(t, "olga after refused sign-ons", b3.me(t), http.StatusOK); me["role"] != meBefore["role"] || me["tenant_id"] != meBefore["tenant_id"] {
			t.Errorf("a refused sign-on changed olga: %v, was %v", me, meBefore)
		}

		// A disabled user cannot sign on.
		sessExpect(t, "disable olga", e.do(t, http.MethodPatch, Prefix+"/users/olga", obj{"disabled": true}), http.StatusOK)
		p.SetUser(olga)
		ck, l := start(t)
		pth, _ := authorize(t, l)
		checkProblem(t, "disabled olga", callback(t, pth, ck), want{status: http.StatusUnauthorized, detail: "disabled"})
	})
}

// TestSessionSecurityHeaders: every answer, good or refused, carries the security headers; API
// answers are not cached; HSTS only over TLS.
func TestSessionSecurityHeaders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		_, hTLS := build(Config{Store: e.st, TLS: true, Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		for _, c := range []struct {
			what         string
			h            http.Handler
			token        string
			method, path string
			body         any
			status       int
			tls, api     bool
		}{
			{"API answer", e.h, e.token, http.MethodGet, Prefix + "/sites", nil, http.StatusOK, false, true},
			{"created", e.h, e.token, http.MethodPost, Prefix + "/sites", obj{"name": "DC-H"}, http.StatusCreated, false, true},
			{"not signed in", e.h, "", http.MethodGet, Prefix + "/sites", nil, http.StatusUnauthorized, false, true},
			{"refused login", e.h, "", http.MethodPost, Prefix + "/auth/login", obj{"name": "x", "password": "y"}, http.StatusUnauthorized, false, true},
			{"bad body", e.h, e.token, http.MethodPost, Prefix + "/sites", "{", http.StatusBadRequest, false, true},
			{"no such route", e.h, e.token, http.MethodGet, Prefix + "/no-such-thing", nil, http.StatusNotFound, false, true},
			{"outside the API", e.h, "", http.MethodGet, "/", nil, http.StatusNotFound, false, false},
			{"TLS API answer", hTLS, e.token, http.MethodGet, Prefix + "/sites", nil, http.StatusOK, true, true},
			{"TLS not signed in", hTLS, "", http.MethodGet, Prefix + "/sites", nil, http.StatusUnauthorized, true, true},
			{"TLS outside the API", hTLS, "", http.MethodGet, "/", nil, http.StatusNotFound, true, false},
		} {
			r := doRequest(t, c.h, c.method, c.path, c.body, reqOpts{remote: "192.0.2.90:1", token: c.token})
			if r.code != c.status {
				t.Errorf("%s: got %s, want %d", c.what, r, c.status)
				continue
			}
			h := r.header
			csp := h.Get("Content-Security-Policy")
			for _, d := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'self'", "object-src 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("%s: CSP %q lacks %q", c.what, csp, d)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: CSP %q allows unsafe script or style", c.what, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("%s: X-Content-Type-Options %q X-Frame-Options %q Referrer-Policy %q", c.what,
					h.Get("X-Content-Type-Options"), h.Get("X-Frame-Options"), h.Get("Referrer-Policy"))
			}
			if cc := h.Get("Cache-Control"); c.api != (cc == "no-store") {
				t.Errorf("%s: Cache-Control %q (under /api/: %v)", c.what, cc, c.api)
			}
			if hsts := h.Get("Strict-Transport-Security"); c.tls != (hsts == "max-age=31536000") || (!c.tls && hsts != "") {
				t.Errorf("%s: Strict-Transport-Security %q (TLS: %v)", c.what, hsts, c.tls)
			}
			if h.Get("X-Request-ID") == "" && c.api {
				t.Errorf("%s: no X-Request-ID", c.what)
			}
		}
	})
}

// TestSessionLimits: a body over the route's limit, too many query parameters and import paths
// that climb out of the library are refused, and nothing is written.
func TestSessionLimits(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		before := e.snapshot(t)
		big := `{"name":"big","description":"` + strings.Repeat("x", 2<<20) + `"}`
		checkProblem(t, "2 MiB site", e.do(t, http.MethodPost, Prefix+"/sites", big), want{status: http.StatusRequestEntityTooLarge})
		login := `{"name":"x","password":"` + strings.Repeat("p", 9<<10) + `"}`
		checkProblem(t, "9 KiB login", doRequest(t, e.h, http.MethodPost, Prefix+"/auth/login", login, reqOpts{remote: "192.0.2.95:1"}),
			want{status: http.StatusRequestEntityTooLarge})
		e.unchangedSince(t, before, "oversized bodies")
		if n := sessChanges(t, e, "action=login-failed").Count; n != 0 {
			t.Errorf("an oversized login was checked: %d login-failed entries", n)
		}

		q := strings.TrimSuffix(strings.Repeat("x=1&", maxQueryParams+1), "&") // 257 parameters
		checkProblem(t, "257 query parameters", e.do(t, http.MethodGet, Prefix+"/sites?"+q, nil), want{status: http.StatusRequestURITooLong, detail: "too many query parameters"})
		q = strings.TrimSuffix(strings.Repeat("x=1&", maxQueryParams), "&") // 256
		if r := e.do(t, http.MethodGet, Prefix+"/sites?"+q, nil); r.code == http.StatusRequestURITooLong {
			t.Errorf("256 query parameters refused: %s", r)
		}

		imp := Prefix + "/device-types/import"
		content := "manufacturer: Acme\nmodel: A1\nu_height: 1\n"
		for _, p := range []string{"../../etc/passwd", "/etc/passwd", `C:\x.yaml`, "C:x.yaml", "a/../../b.yaml", "..", "a/..", `Acme\a1.yaml`, "a\x00b.yaml", "a\nb.yaml"} {
			checkProblem(t, "import "+strconv.Quote(p), e.do(t, http.MethodPost, imp, obj{"files": []obj{{"path": p, "content": content}}}),
				want{status: http.StatusBadRequest, field: "files[0].path"})
		}
		// A bad path anywhere refuses the whole import.
		checkProblem(t, "bad second path", e.do(t, http.MethodPost, imp, obj{"files": []obj{{"path": "Acme/a1.yaml", "content": content}, {"path": "../a2.yaml", "content": content}}}),
			want{status: http.StatusBadRequest, field: "files[1].path"})
		checkProblem(t, "path twice", e.do(t, http.MethodPost, imp, obj{"files": []obj{{"path": "Acme/a1.yaml", "content": content}, {"path": "Acme/a1.yaml", "content": content}}}),
			want{status: http.StatusBadRequest, field: "files[1].path"})
		e.unchangedSince(t, before, "refused imports")

		r := e.do(t, http.MethodPost, imp, obj{"files": []obj{{"path": "Acme/a1.yaml", "content": content}}})
		rep := sessExpect(t, "import Acme/a1.yaml", r, http.StatusOK)
		if rep["files"] != float64(1) || rep["created"] != float64(1) {
			t.Errorf("import report %s", r.body)
		}
		dts := e.list(t, Prefix+"/device-types")
		if dts.Count != 1 || dts.Results[0]["model"] != "A1" {
			t.Errorf("device types after import: %d %v", dts.Count, dts.Results)
		}
	})
}
