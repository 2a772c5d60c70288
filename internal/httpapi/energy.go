package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/store"
)

type kpisInput struct {
	Site   int64  `query:"site" required:"true" minimum:"1"`
	Room   int64  `query:"room" minimum:"0" doc:"a room whose boundary is metered: its partial PUE"`
	Period string `query:"period" doc:"YYYY, YYYY-MM, YYYY-MM-DD (in the site's time zone) or rolling-12m; default rolling-12m unless from and to are given"`
	From   string `query:"from" doc:"RFC 3339 time or YYYY-MM-DD, with to instead of period"`
	To     string `query:"to" doc:"RFC 3339 time or YYYY-MM-DD (exclusive)"`
}

type kpisOutput struct{ Body *energy.KPIReport }

func registerEnergy(api huma.API, s *store.Store) {
	huma.Register(api, huma.Operation{
		OperationID: "energy-kpis", Method: http.MethodGet, Path: Prefix + "/energy/kpis", Tags: []string{"energy"},
		Summary: "PUE (with its category), DCiE, ERF, ERE, REF, WUE and CUE of a site, or a room's pPUE, over a period, from the meters' hourly energy",
	}, func(ctx context.Context, in *kpisInput) (*kpisOutput, error) {
		site, err := s.Sites().Get(ctx, in.Site)
		if err != nil {
			return nil, problem(asInvalid(err, "site"))
		}
		var room *int64
		if in.Room != 0 {
			rm, err := s.Rooms().Get(ctx, in.Room)
			if err != nil {
				return nil, problem(asInvalid(err, "room"))
			}
			if rm.SiteID != site.ID {
				return nil, problem(dcim.Invalid("room", "room %q is in another site", rm.Name))
			}
			room = &in.Room
		}
		from, to, err := energy.ReportPeriod(&site, in.Period, in.From, in.To, time.Now())
		if err != nil {
			return nil, problem(err)
		}
		rep, err := energy.SiteReport(ctx, s, &site, room, from, to)
		if err != nil {
			return nil, problem(err)
		}
		return &kpisOutput{Body: rep}, nil
	})
}
