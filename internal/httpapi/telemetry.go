package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"

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

// UnboundSeries is a series that names no inventory object it could be joined on.
type UnboundSeries struct {
	Labels map[string]string `json:"labels" doc:"the series, its metric name under __name__"`
	Reason string            `json:"reason"`
}

type unboundInput struct {
	Hours int `query:"hours" minimum:"1" maximum:"168" default:"1" doc:"series with samples in the last so many hours"`
	Limit int `query:"limit" minimum:"1" maximum:"10000" default:"100"`
}

// registerUnbound serves the series pushed or polled with no site, or naming a site or device the
// inventory does not have: what an operator has to bind (or relabel at the source).
func registerUnbound(api huma.API, s *store.Store, t *telemetry.Store) {
	huma.Register(api, huma.Operation{
		OperationID: "unbound-series", Method: http.MethodGet, Path: Prefix + "/unbound-series", Tags: []string{"telemetry"},
		Summary: "Series that name no site, or a site or device the inventory does not have",
	}, func(ctx context.Context, in *unboundInput) (*bodyOutput[ListBody[UnboundSeries]], error) {
		now := time.Now()
		series, err := t.SeriesSince(ctx, now.Add(-time.Duration(in.Hours)*time.Hour), now, 0)
		if err != nil {
			return nil, problem(err)
		}
		sites, err := s.Sites().List(ctx, dcim.ListQuery{Limit: 1000})
		if err != nil {
			return nil, problem(err)
		}
		siteID := map[string]int64{}
		for _, st := range sites.Results {
			siteID[st.Name] = st.ID
		}
		devices := map[int64][]string{} // per site, the device names the series use
		for _, l := range series {
			if id, ok := siteID[l["site"]]; ok && l["device"] != "" {
				devices[id] = append(devices[id], l["device"])
			}
		}
		known := map[int64]map[string]int64{}
		for id, names := range devices {
			if known[id], err = s.DeviceIDsByName(ctx, id, names); err != nil {
				return nil, problem(err)
			}
		}
		out := &bodyOutput[ListBody[UnboundSeries]]{Body: ListBody[UnboundSeries]{Results: []UnboundSeries{}}}
		for _, l := range series {
			var reason string
			id, ok := siteID[l["site"]]
			switch {
			case l["site"] == "":
				reason = "no site label"
			case !ok:
				reason = fmt.Sprintf("no site named %q", l["site"])
			case l["device"] != "" && known[id][l["device"]] == 0:
				reason = fmt.Sprintf("no device named %q in site %q", l["device"], l["site"])
			default:
				continue
			}
			out.Body.Count++
			if len(out.Body.Results) < in.Limit {
				out.Body.Results = append(out.Body.Results, UnboundSeries{Labels: l, Reason: reason})
			}
		}
		return out, nil
	})
}
