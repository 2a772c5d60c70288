package httpapi

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// PageRouter is what the web UI registers its pages on: the same router, guard and rules as the
// API (a page without a rule in access.go stops the server), plus signing in and out for its login
// form, and the CSRF token its forms carry.
type PageRouter interface {
	Handle(pattern string, h http.Handler)
	// SignIn checks a name and password under the same guessing limits as the API's login, and
	// returns the new session's cookie.
	SignIn(ctx context.Context, name, password string) (*http.Cookie, error)
	// SignOut ends the request's session and returns the cookie that clears it.
	SignOut(r *http.Request) *http.Cookie
	// CSRF is the session's CSRF token for a page's forms ("" without a session).
	CSRF(r *http.Request) string
}

// pageRouter adapts the guard to PageRouter.
type pageRouter struct{ g *guard }

func (p pageRouter) Handle(pattern string, h http.Handler) { p.g.mux.Handle(pattern, h) }

func (p pageRouter) SignIn(ctx context.Context, name, password string) (*http.Cookie, error) {
	u, err := p.g.checkLogin(ctx, name, password)
	if err != nil {
		return nil, err
	}
	out, err := p.g.startSession(ctx, u)
	if err != nil {
		return nil, err
	}
	return &out.SetCookie, nil
}

func (p pageRouter) SignOut(r *http.Request) *http.Cookie {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := p.g.s.EndSession(r.Context(), c.Value); err == nil {
			a := dcim.ActorFrom(r.Context())
			_ = p.g.s.Audit(r.Context(), "logout", dcim.TypeUser, a.UserID, a.Name)
		}
	}
	c := p.g.cookie(sessionCookie, "", -1)
	return &c
}

func (p pageRouter) CSRF(r *http.Request) string {
	csrf, _ := r.Context().Value(csrfKey{}).(string) // the guard read it with the session
	return csrf
}

// isPage says whether a route is a web page (answered in HTML: a missing sign-in redirects to the
// login page) rather than the API.
func isPage(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	return !strings.HasPrefix(path, "/api/") && path != "/write" && path != "/metrics"
}

// refusePage answers a refused page: to the login page when not signed in, else a plain 403 page.
func refusePage(w http.ResponseWriter, r *http.Request, status int, why string) {
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	title := html.EscapeString(http.StatusText(status))
	_, _ = fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>%s · Plenum</title>
<link rel="stylesheet" href="/static/plenum.css"><link rel="icon" href="/static/favicon.svg" type="image/svg+xml"></head>
<body><main id="main"><h1>%s</h1><p>%s.</p><p><a href="/">Back to the sites</a></p></main></body></html>
`, title, title, html.EscapeString(why))
}
