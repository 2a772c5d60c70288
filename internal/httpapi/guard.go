package httpapi

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/plenum-dcim/plenum/internal/auth"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// Names of the browser cookies.
const (
	sessionCookie = "plenum_session"
	oidcCookie    = "plenum_oidc"
	csrfHeader    = "X-CSRF-Token"
)

// Request limits beyond each route's own body limit.
const (
	maxAnyBody     = 64 << 20 // the most any request may send (bulk writes and remote-write batches included)
	maxQueryParams = 256
)

// guard is the one place every request passes: it finds the route, works out who is asking (an
// API token, else a session cookie with its CSRF token on changes), applies the route's rule,
// limits guessing, puts the actor (and for a tenant user, its series filter) in the context, and
// logs the request without secrets.
type guard struct {
	s       *store.Store
	mux     *router
	log     *slog.Logger
	secure  bool // served over TLS: cookies are Secure
	tokens  *auth.Limiter
	logins  *auth.Limiter
	pending *oidcPending
}

func newGuard(s *store.Store, mux *router, log *slog.Logger, secure bool) *guard {
	return &guard{s: s, mux: mux, log: log, secure: secure,
		// A client guessing tokens: 20 wrong ones in 5 minutes, then 1 minute doubling up to 15.
		tokens: auth.NewLimiter(20, 5*time.Minute, time.Minute, 15*time.Minute),
		// A login name or a client guessing passwords: 5 wrong in 15 minutes, then 30 s doubling up to 15 min.
		logins:  auth.NewLimiter(5, 15*time.Minute, 30*time.Second, 15*time.Minute),
		pending: newOIDCPending(),
	}
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("X-Request-ID", reqID)
	start := time.Now()
	if len(r.URL.RawQuery) > 0 && strings.Count(r.URL.RawQuery, "&") >= maxQueryParams {
		writeProblem(w, newProblem(http.StatusRequestURITooLong, fmt.Sprintf("too many query parameters (at most %d)", maxQueryParams)))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAnyBody)
	_, pattern := g.mux.Handler(r)
	if pattern == "" { // no such route, or not with this method: the mux answers 404 or 405
		g.mux.ServeHTTP(w, r)
		return
	}
	rl, _ := ruleOf(pattern) // every registered pattern has one (checkRules)
	remote := clientAddr(r)
	a, csrf, status, why := g.actor(r, rl, remote)
	a.RequestID, a.Remote = reqID, remote.String()
	if status == 0 && rl.level != public {
		switch {
		case a.Role == "":
			status, why = http.StatusUnauthorized, "sign in, or send Authorization: Bearer <token>"
		default:
			if ok, reason := rl.allows(a, r.Method); !ok {
				status, why = http.StatusForbidden, reason
			}
		}
	}
	if status != 0 && isPage(pattern) {
		refusePage(w, r, status, why)
		g.log.Info("page refused", "method", r.Method, "path", r.URL.Path, "status", status, "reason", why,
			"actor", a.Name, "remote", a.Remote, "request_id", reqID)
		return
	}
	if status != 0 {
		p := newProblem(status, why)
		if status == http.StatusTooManyRequests { // why is the seconds to wait
			w.Header().Set("Retry-After", why)
			p = newProblem(status, "too many failed attempts; try again in "+why+" s")
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="plenum"`)
		}
		writeProblem(w, p)
		g.log.Info("request refused", "method", r.Method, "path", r.URL.Path, "status", status, "reason", p.Detail,
			"actor", a.Name, "remote", a.Remote, "request_id", reqID)
		return
	}
	ctx := dcim.WithActor(r.Context(), a)
	if csrf != "" { // a session's: the pages' forms carry it
		ctx = context.WithValue(ctx, csrfKey{}, csrf)
	}
	if tenant, ok := a.Tenant(); ok {
		ctx = telemetry.WithSeriesFilter(ctx, g.seriesFilter(ctx, tenant))
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	g.mux.ServeHTTP(sw, r.WithContext(ctx))
	// The path only: a query string may carry a PromQL expression, never a secret (tokens travel in
	// headers), but paths are what is worth logging.
	g.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
		"duration", time.Since(start), "actor", a.Name, "request_id", reqID)
}

// actor works out who is asking: an API token (Authorization), else a session cookie (with its
// CSRF token). A non-zero status refuses the request with why; an anonymous request gives an
// actor with no role.
func (g *guard) actor(r *http.Request, rl rule, remote netip.Addr) (dcim.Actor, string, int, string) {
	ctx := r.Context()
	if secret := secretOf(r); secret != "" {
		key := "ip:" + remote.String()
		if wait := g.tokens.Wait(key); wait > 0 {
			return dcim.Actor{}, "", http.StatusTooManyRequests, retryIn(wait)
		}
		a, tok, err := g.s.Authenticate(ctx, strings.TrimSpace(secret))
		if err == nil && !store.TokenAllows(tok, remote) {
			err = dcim.Errorf(dcim.EUnauthorized, "this token is not accepted from %s", remote)
		}
		if err != nil {
			if dcim.ErrorCode(err) != dcim.EUnauthorized {
				return dcim.Actor{}, "", http.StatusInternalServerError, "internal error"
			}
			g.tokens.Fail(key)
			// A refused token that exists is worth an audit entry (expired, revoked user, wrong network);
			// unknown secrets are counted by the limiter only, so a flood cannot fill the change log.
			if tok.ID != 0 {
				actx := dcim.WithActor(ctx, dcim.Actor{Name: "anonymous", Remote: remote.String()})
				if aerr := g.s.Audit(actx, "token-refused", dcim.TypeToken, tok.ID, tok.Name+": "+err.Error()); aerr != nil {
					g.log.Warn("audit", "error", aerr)
				}
			}
			return dcim.Actor{}, "", http.StatusUnauthorized, err.Error()
		}
		// Failures are not forgiven by a success: a client holding one good token gains no more guesses.
		return a, "", 0, ""
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return dcim.Actor{}, "", 0, ""
	}
	a, csrf, err := g.s.Session(ctx, c.Value)
	if err != nil {
		if rl.level == public {
			return dcim.Actor{}, "", 0, "" // a stale cookie does not stop a login
		}
		if dcim.ErrorCode(err) != dcim.EUnauthorized {
			return dcim.Actor{}, "", http.StatusInternalServerError, "internal error"
		}
		return dcim.Actor{}, "", http.StatusUnauthorized, err.Error()
	}
	// A browser sends the cookie with any request, a forged cross-site one too: changes must also
	// carry the session's CSRF token, which only pages of this origin can read.
	if !safeMethod(r.Method) && !rl.read && rl.level != public {
		given := r.Header.Get(csrfHeader)
		if given == "" {
			given = formCSRF(r)
		}
		if given == "" || subtle.ConstantTimeCompare([]byte(given), []byte(csrf)) != 1 {
			return dcim.Actor{}, "", http.StatusForbidden, "missing or wrong " + csrfHeader + " header (the csrf_token of GET /api/v1/auth/me)"
		}
	}
	return a, csrf, 0, ""
}

// formCSRF is the csrf_token field of an HTML form post (a page's form carries it as a hidden
// field); the parsed form stays on the request for its handler.
func formCSRF(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		if r.ParseForm() != nil {
			return ""
		}
	case strings.HasPrefix(ct, "multipart/form-data"):
		if r.ParseMultipartForm(32<<20) != nil {
			return ""
		}
	default:
		return ""
	}
	return r.PostForm.Get("csrf_token")
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// retryIn is the whole seconds to wait, rounded up.
func retryIn(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}

// clientAddr is the address the request came from. Plenum does not trust X-Forwarded-For: behind
// a proxy, every client is the proxy (limits and token networks then see the proxy).
func clientAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return a.Unmap()
}

type csrfKey struct{}

// secretOf is the token a request carries: "Authorization: Bearer T", or as InfluxDB clients send
// it, "Token T" (2.x) or HTTP basic authentication with the token as password (1.x).
func secretOf(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for _, scheme := range []string{"Bearer ", "Token "} {
		if s, ok := strings.CutPrefix(h, scheme); ok {
			return strings.TrimSpace(s)
		}
	}
	if _, pw, ok := r.BasicAuth(); ok {
		return pw
	}
	return ""
}

// seriesFilter is a tenant's view of the time series: a series is the tenant's when it names one of
// the tenant's devices (site and device), or, naming no device, one of its racks (site, room when
// given, rack). The inventory is read once per request, when the first series is tested.
func (g *guard) seriesFilter(ctx context.Context, tenant int64) telemetry.SeriesFilter {
	var once sync.Once
	var scope store.SeriesScope
	return func(l labels.Labels) bool {
		once.Do(func() {
			var err error
			if scope, err = g.s.TenantSeriesScope(ctx, tenant); err != nil {
				g.log.Warn("tenant series scope", "tenant", tenant, "error", err)
			}
		})
		return scope.Sees(l.Get("site"), l.Get("room"), l.Get("rack"), l.Get("device"))
	}
}

// SecurityHeaders sets the headers every response carries: a content security policy allowing no
// inline script and no framing, no MIME sniffing, no referrer, and HSTS when served over TLS.
func SecurityHeaders(tls bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if tls {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

var _ huma.StatusError = (*Problem)(nil)
