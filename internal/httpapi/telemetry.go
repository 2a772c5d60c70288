package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/store"

	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// registerTelemetry mounts the push endpoints and the Prometheus query API, behind the same
// authentication as the rest.
func registerTelemetry(mux telemetry.Mux, t *telemetry.Store) { t.Register(mux, Prefix) }

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

type unboundInput struct {
	Hours int `query:"hours" minimum:"1" maximum:"168" default:"1" doc:"series with samples in the last so many hours"`
	Limit int `query:"limit" minimum:"1" maximum:"10000" default:"100"`
}

// registerUnbound serves the series pushed or polled that the inventory cannot bind: what an
// operator has to bind (or relabel at the source).
func registerUnbound(api huma.API, s *store.Store, t *telemetry.Store) {
	huma.Register(api, huma.Operation{
		OperationID: "unbound-series", Method: http.MethodGet, Path: Prefix + "/unbound-series", Tags: []string{"telemetry"},
		Summary: "Series that name no site, or a site or device the inventory does not have",
	}, func(ctx context.Context, in *unboundInput) (*bodyOutput[ListBody[telemetry.UnboundSeries]], error) {
		now := time.Now()
		all, err := t.Unbound(ctx, s, now.Add(-time.Duration(in.Hours)*time.Hour), now)
		if err != nil {
			return nil, problem(err)
		}
		body := ListBody[telemetry.UnboundSeries]{Count: len(all), Results: all[:min(len(all), in.Limit)]}
		return &bodyOutput[ListBody[telemetry.UnboundSeries]]{Body: body}, nil
	})
}
