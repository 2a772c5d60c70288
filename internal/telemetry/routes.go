package telemetry

import "net/http"

// Register mounts the push endpoints (Prometheus remote-write at prefix/write, InfluxDB line
// protocol at /write and /api/v2/write) and the Prometheus query API under prefix (/api/v1) on mux.
// Authentication is the caller's.
func (s *Store) Register(mux *http.ServeMux, prefix string) {
	mux.HandleFunc("POST "+prefix+"/write", s.HandleRemoteWrite)
	mux.HandleFunc("POST /write", s.HandleLineProtocol)
	mux.HandleFunc("POST /api/v2/write", s.HandleLineProtocol)
	q := s.QueryAPI()
	route := func(pattern string, local http.HandlerFunc) {
		if s.query != nil {
			mux.Handle(pattern, s.query.proxy())
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
