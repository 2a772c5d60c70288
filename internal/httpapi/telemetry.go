package httpapi

import (
	"net/http"

	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// registerTelemetry mounts the push endpoints and the Prometheus query API, behind the same
// authentication as the rest.
func registerTelemetry(mux *http.ServeMux, t *telemetry.Store) { t.Register(mux, Prefix) }

// readPOST are the paths a read-only token may POST to: queries sent as forms (Grafana does).
var readPOST = map[string]bool{
	Prefix + "/query": true, Prefix + "/query_range": true, Prefix + "/series": true, Prefix + "/labels": true,
}
