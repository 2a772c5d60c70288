package httpapi

import (
	"context"
	"errors"
	"fmt"
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
		from, to, err := period(&site, in.Period, in.From, in.To, time.Now())
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

// period reads a report's period: from and to, or a named period in the site's time zone.
func period(site *dcim.Site, spec, from, to string, now time.Time) (time.Time, time.Time, error) {
	loc := time.UTC
	if site.TimeZone != "" {
		if l, err := time.LoadLocation(site.TimeZone); err == nil {
			loc = l
		}
	}
	if from != "" || to != "" {
		if spec != "" {
			return time.Time{}, time.Time{}, dcim.Invalid("period", "give a period, or from and to, not both")
		}
		f, err := parseWhen(from, loc)
		if err != nil {
			return f, f, dcim.Invalid("from", "%v", err)
		}
		t, err := parseWhen(to, loc)
		if err != nil {
			return f, t, dcim.Invalid("to", "%v", err)
		}
		if !t.After(f) {
			return f, t, dcim.Invalid("to", "must be after from")
		}
		return f, t, nil
	}
	if spec == "" {
		spec = "rolling-12m"
	}
	f, t, err := energy.Period(spec, loc, now)
	if err != nil {
		return f, t, dcim.Invalid("period", "%v", err)
	}
	return f, t, nil
}

func parseWhen(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("is required with the other end of the period")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return t, fmt.Errorf("%q: want an RFC 3339 time or YYYY-MM-DD", s)
	}
	return t, nil
}
