// Package web is Plenum's server-rendered UI: pages from html/template, drawings as SVG, a
// stylesheet and one small script, all embedded in the binary. It works in an air-gapped hall:
// nothing is loaded from outside, and no script runs inline (the CSP forbids it). Pages read
// through the same services as the JSON API, as the signed-in user: a tenant user's pages hold
// only what the store's tenant scope lets it see.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/planning"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/web/chain"
	"github.com/plenum-dcim/plenum/internal/web/chart"
	"github.com/plenum-dcim/plenum/internal/web/floorplan"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Router is where the UI registers its pages: the API's router, behind the same guard and access
// rules (internal/httpapi.PageRouter).
type Router interface {
	Handle(pattern string, h http.Handler)
	SignIn(ctx context.Context, name, password string) (*http.Cookie, error)
	SignOut(r *http.Request) *http.Cookie
	CSRF(r *http.Request) string
}

// UI serves the pages.
type UI struct {
	store   *store.Store
	power   *power.Service
	caps    *capacity.Service
	version string
	log     *slog.Logger
	pages   map[string]*template.Template
	router  Router
	planner *planning.Planner
	live    Live
	imports importJobs // the background imports (importjob.go)
}

// New parses the templates. svc is the power service the API uses (its measured loads).
func New(s *store.Store, svc *power.Service, version string, log *slog.Logger) (*UI, error) {
	if svc == nil {
		svc = power.NewService(s, nil)
	}
	if log == nil {
		log = slog.Default()
	}
	u := &UI{store: s, power: svc, caps: capacity.NewService(s), version: version, log: log, pages: map[string]*template.Template{}}
	u.planner = &planning.Planner{Store: s, Power: svc, Caps: u.caps}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		u.pages[base] = t
	}
	return u, nil
}

// Register adds every page to r.
func (u *UI) Register(r Router) {
	u.router = r
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServer(http.FS(static))
	r.Handle("GET /static/{file}", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if css, ok := drawingStyles[req.URL.Path]; ok { // the drawings' styles, for pages that inline them
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			_, _ = w.Write([]byte(css))
			return
		}
		files.ServeHTTP(w, req)
	})))
	r.Handle("GET /login", http.HandlerFunc(u.loginPage))
	r.Handle("POST /login", http.HandlerFunc(u.login))
	r.Handle("POST /logout", http.HandlerFunc(u.logout))
	r.Handle("GET /{$}", u.page(u.home))
	r.Handle("GET /search", u.page(u.search))
	r.Handle("GET /sites/{id}", u.page(u.site))
	r.Handle("GET /rooms/{id}", u.page(u.room))
	r.Handle("GET /racks/{id}", u.page(u.rack))
	r.Handle("GET /devices/{id}", u.page(u.device))
	r.Handle("GET /sites/{id}/energy", u.page(u.energy))
	r.Handle("GET /sites/{id}/power", u.page(u.powerChain))
	r.Handle("GET /sites/{id}/whatif", u.page(u.whatIf))
	r.Handle("GET /sites/{id}/capacity", u.page(u.capacityPage))
	r.Handle("GET /live", u.page(u.livePage))
	r.Handle("POST /alerts/{id}/ack", u.page(u.ackAlert))
	r.Handle("GET /silences", u.page(u.silencesPage))
	r.Handle("POST /silences", u.page(u.silencesPage))
	r.Handle("POST /silences/{id}/expire", u.page(u.expireSilence))
	r.Handle("GET /bills", u.page(u.bills))
	r.Handle("GET /placement", u.page(u.placement))
	r.Handle("POST /placement", u.page(u.placement))
	r.Handle("GET /import/{id}", u.page(u.importStatusPage))
	u.registerInventory(r)
}

// drawingStyles are the stylesheets of the SVG drawings the pages inline (the CSP keeps an inline
// <style> from applying).
var drawingStyles = map[string]string{"floorplan.css": floorplan.Stylesheet(), "chart.css": chart.Stylesheet(),
	"chain.css": chain.Stylesheet()}

// view is what every page template gets.
type view struct {
	Title   string
	Crumbs  []crumb
	Actor   dcim.Actor
	Tenant  bool
	CSRF    string
	Version string
	Query   string
	Refresh int // seconds: the page reloads itself (a running import's)
	Data    any
}

type crumb struct{ Name, Href string }

// handlerFunc is a page: it fills v (title, crumbs, data) and names its template, or fails.
type handlerFunc func(w http.ResponseWriter, r *http.Request, v *view) (string, error)

// page wraps a page handler: the common view, errors as pages (404 for what the reader may not
// see), rendering into a buffer so a template error never sends half a page.
func (u *UI) page(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := dcim.ActorFrom(r.Context())
		_, tenant := a.Tenant()
		v := &view{Actor: a, Tenant: tenant, Version: u.version, CSRF: u.router.CSRF(r), Query: r.URL.Query().Get("q")}
		name, err := h(w, r, v)
		if err != nil {
			u.fail(w, r, v, err)
			return
		}
		if name == "" { // the handler answered itself
			return
		}
		u.render(w, http.StatusOK, name, v)
	})
}

func (u *UI) render(w http.ResponseWriter, status int, name string, v *view) {
	t, ok := u.pages[name]
	if !ok {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		u.log.Error("render page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail answers an error as a page: not found, forbidden, bad request, else internal.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	status := http.StatusInternalServerError
	msg := "Something went wrong; it is in the server's log."
	switch dcim.ErrorCode(err) {
	case dcim.ENotFound:
		status, msg = http.StatusNotFound, "There is no such page, or it is not yours to see."
	case dcim.EForbidden:
		status, msg = http.StatusForbidden, err.Error()
	case dcim.EInvalid:
		status, msg = http.StatusBadRequest, err.Error()
	default:
		u.log.Error("page", "path", r.URL.Path, "error", err)
	}
	v.Title, v.Data = http.StatusText(status), msg
	u.render(w, status, "error", v)
}

// pathID reads the {id} of a page's path: a bad one is not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, dcim.Errorf(dcim.ENotFound, "no such page")
	}
	return id, nil
}

// pathSite is the site a page's path names ({id}), as the reader may see it.
func (u *UI) pathSite(r *http.Request) (dcim.Site, error) {
	id, err := pathID(r)
	if err != nil {
		return dcim.Site{}, err
	}
	return u.store.Sites().Get(r.Context(), id)
}

// loginPage is the sign-in form.
func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, http.StatusOK, "login", &view{Title: "Sign in", Version: u.version, Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

type loginData struct {
	Next, Name, Error string
}

// login signs in from the form and goes on to the page asked for.
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	name, next := r.PostForm.Get("name"), safeNext(r.PostForm.Get("next"))
	cookie, err := u.router.SignIn(r.Context(), name, r.PostForm.Get("password"))
	if err != nil {
		status := http.StatusUnauthorized
		var se interface{ GetStatus() int }
		if errors.As(err, &se) {
			status = se.GetStatus()
		}
		u.render(w, status, "login", &view{Title: "Sign in", Version: u.version, Data: loginData{Next: next, Name: name, Error: err.Error()}})
		return
	}
	http.SetCookie(w, cookie)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, u.router.SignOut(r))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a redirect after sign-in on this site: a local path, never another host.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if p, err := url.Parse(next); err != nil || p.Host != "" || p.Scheme != "" {
		return "/"
	}
	return next
}

var funcs = template.FuncMap{
	"pct": func(v float64) string { return strconv.FormatFloat(v*100, 'f', 0, 64) + " %" },
	"kw":  func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + " kW" },
	"num": func(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) },
	// who is the actor's user (or token) name, without the prefix the change log carries.
	"who": func(a dcim.Actor) string {
		n, _, _ := strings.Cut(strings.TrimPrefix(a.Name, "user:"), " token:")
		return n
	},
	"add":     func(a, b int) int { return a + b },
	"tonnes":  func(kg float64) float64 { return kg / 1000 },
	"deref_b": func(p *bool) bool { return p != nil && *p },
	"fixed1": func(v float64) string {
		return strconv.FormatFloat(v, 'f', 1, 64)
	},
	"deref": func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"svg":  func(b []byte) template.HTML { return template.HTML(b) }, //nolint:gosec // our own renderer's escaped SVG
}
