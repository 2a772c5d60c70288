package telemetry

import (
	"errors"
	"net/http"
)

// Mux is where routes are registered (an http.ServeMux, or a router that records them).
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// Register mounts the push endpoints (Prometheus remote-write at prefix/write, InfluxDB line
// protocol at /write and /api/v2/write) and the Prometheus query API under prefix (/api/v1) on mux.
// Authentication is the caller's.
func (s *Store) Register(mux Mux, prefix string) {
	mux.HandleFunc("POST "+prefix+"/write", s.HandleRemoteWrite)
	mux.HandleFunc("POST /write", s.HandleLineProtocol)
	mux.HandleFunc("POST /api/v2/write", s.HandleLineProtocol)
	q := s.QueryAPI()
	route := func(pattern string, local http.HandlerFunc) {
		if s.query != nil {
			proxy := s.query.proxy()
			mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
				// The external store cannot be limited to a reader's series: a limited reader is refused.
				if seriesFilter(r.Context()) != nil {
					writeError(w, &apiError{http.StatusForbidden, "forbidden", errLimitedExternal})
					return
				}
				proxy.ServeHTTP(w, r)
			})
			return
		}
		mux.HandleFunc(pattern, local)
	}
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		route(m+" "+prefix+"/query", q.Query)
		route(m+" "+prefix+"/query_range", q.QueryRange)
		route(m+" "+prefix+"/series", q.Series)
		route(m+" "+prefix+"/labels", q.Labels)
	}
	route("GET "+prefix+"/label/{name}/values", q.LabelValues)
}

var errLimitedExternal = errors.New("queries go to an external store, which cannot be limited to your series; ask an operator")
