package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

type ackInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Comment string `json:"comment" minLength:"1" maxLength:"500" doc:"who is on it and what is being done"`
	}
}

type silenceInput struct {
	Body dcim.Silence
}

// registerAlerts adds the alerts (every episode kept: the history) and the silences.
func registerAlerts(api huma.API, s *store.Store) {
	var params []*huma.Param
	for _, f := range store.AlertFilters {
		params = append(params, &huma.Param{Name: f, In: "query", Schema: &huma.Schema{Type: "string"}})
	}
	huma.Register(api, huma.Operation{
		OperationID: "list-alerts", Method: http.MethodGet, Path: Prefix + "/alerts", Tags: []string{"alerts"},
		Summary: "Alerts, newest first: every episode, pending, firing or resolved (state=active for the first two)", Parameters: params,
	}, func(ctx context.Context, in *listInput) (*listOutput[dcim.Alert], error) {
		page, err := s.Alerts(ctx, in.query())
		if err != nil {
			return nil, problem(err)
		}
		if err := markSilenced(ctx, s, page.Results); err != nil {
			return nil, problem(err)
		}
		out := &listOutput[dcim.Alert]{Body: ListBody[dcim.Alert]{Count: page.Count, Results: page.Results}}
		out.Body.Next, out.Body.Previous = in.pageLinks(page.Count)
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "get-alert", Method: http.MethodGet, Path: Prefix + "/alerts/{id}", Tags: []string{"alerts"}, Summary: "One alert episode",
	}, func(ctx context.Context, in *idInput) (*bodyOutput[dcim.Alert], error) {
		a, err := s.Alert(ctx, in.ID)
		if err != nil {
			return nil, problem(err)
		}
		list := []dcim.Alert{a}
		if err := markSilenced(ctx, s, list); err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[dcim.Alert]{Body: list[0]}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "ack-alert", Method: http.MethodPost, Path: Prefix + "/alerts/{id}/ack", Tags: []string{"alerts"},
		Summary: "Acknowledge an alert: who (you) and why", MaxBodyBytes: 8 << 10,
	}, func(ctx context.Context, in *ackInput) (*bodyOutput[dcim.Alert], error) {
		a, err := s.AckAlert(ctx, in.ID, in.Body.Comment)
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[dcim.Alert]{Body: a}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "list-silences", Method: http.MethodGet, Path: Prefix + "/silences", Tags: []string{"alerts"},
		Summary: "Silences not yet ended",
	}, func(ctx context.Context, _ *struct{}) (*bodyOutput[ListBody[dcim.Silence]], error) {
		list, err := s.Silences(ctx, time.Now())
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[ListBody[dcim.Silence]]{Body: ListBody[dcim.Silence]{Count: len(list), Results: list}}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "create-silence", Method: http.MethodPost, Path: Prefix + "/silences", Tags: []string{"alerts"},
		Summary: "Silence the notifications of the alerts whose labels match, for a while", DefaultStatus: http.StatusCreated, MaxBodyBytes: 64 << 10,
	}, func(ctx context.Context, in *silenceInput) (*bodyOutput[dcim.Silence], error) {
		sl, err := s.CreateSilence(ctx, in.Body)
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[dcim.Silence]{Body: sl}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "expire-silence", Method: http.MethodDelete, Path: Prefix + "/silences/{id}", Tags: []string{"alerts"},
		Summary: "End a silence now", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *idInput) (*struct{}, error) {
		if err := s.ExpireSilence(ctx, in.ID); err != nil {
			return nil, problem(err)
		}
		return nil, nil
	})
}

// markSilenced sets Silenced on the alerts a silence in force matches.
func markSilenced(ctx context.Context, s *store.Store, alerts []dcim.Alert) error {
	now := time.Now()
	silences, err := s.Silences(ctx, now)
	if err != nil || len(silences) == 0 {
		return err
	}
	dcim.MarkSilenced(alerts, silences, now)
	return nil
}
