package telemetry

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// External is a Prometheus-compatible query API to answer from instead of the embedded store: the
// distributed store everything is forwarded to, once one machine is not enough.
type External struct {
	URL   string // its base URL; the API is under URL/api/v1 (Prometheus, Mimir's /prometheus, ...)
	Token string // a bearer token for it, if it wants one
}

func (e *External) check() error {
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("query URL %q: want http(s)://host[:port][/path]", e.URL)
	}
	return nil
}

// proxy passes a query request on to the external API: the same path under its base URL, the same
// query string and form body, its own token in place of the caller's.
func (e *External) proxy() http.Handler {
	base, _ := url.Parse(e.URL)
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(base)
			// SetURL joins the paths: /base + /api/v1/query.
			r.Out.Header.Del("Authorization")
			r.Out.Header.Del("Cookie")
			if e.Token != "" {
				r.Out.Header.Set("Authorization", "Bearer "+e.Token)
			}
			r.Out.Host = base.Host
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, &apiError{http.StatusBadGateway, "unavailable",
				fmt.Errorf("the external query API at %s: %s", strings.TrimSuffix(e.URL, "/"), err)})
		},
	}
}
