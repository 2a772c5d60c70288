package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/collect"

	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// registerTelemetry mounts the push endpoints and the Prometheus query API, behind the same
// authentication as the rest.
func registerTelemetry(mux *http.ServeMux, t *telemetry.Store) { t.Register(mux, Prefix) }

// readPOST are the paths a read-only token may POST to: queries sent as forms (Grafana does).
var readPOST = map[string]bool{
	Prefix + "/query": true, Prefix + "/query_range": true, Prefix + "/series": true, Prefix + "/labels": true,
}

// PollStatusBody is every poll target's health.
type PollStatusBody struct {
	Targets []collect.Health `json:"targets"`
}

func registerPollStatus(api huma.API, p interface{ Health() []collect.Health }) {
	huma.Register(api, huma.Operation{
		OperationID: "poll-status", Method: http.MethodGet, Path: Prefix + "/poll-status", Tags: []string{"poll-targets"},
		Summary: "Every poll target's health: up or down, last success, last error, poll duration",
	}, func(ctx context.Context, _ *struct{}) (*bodyOutput[PollStatusBody], error) {
		h := p.Health()
		if h == nil {
			h = []collect.Health{}
		}
		return &bodyOutput[PollStatusBody]{Body: PollStatusBody{Targets: h}}, nil
	})
}
