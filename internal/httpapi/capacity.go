package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
)

type capacityInput struct {
	Site  int64  `query:"site" minimum:"0" doc:"a site: the whole site"`
	Room  int64  `query:"room" minimum:"0" doc:"or a room"`
	Row   int64  `query:"row" minimum:"0" doc:"or a row"`
	Rack  int64  `query:"rack" minimum:"0" doc:"or one rack"`
	Basis string `query:"basis" enum:"allocated,nameplate,measured" default:"allocated"`
	Racks bool   `query:"racks" doc:"also list every rack of the scope"`
}

type capacityOutput struct {
	Body struct {
		capacity.Summary
		PerRack []capacity.Summary `json:"per_rack,omitempty" doc:"with racks=true: every rack of the scope"`
	}
}

func registerCapacity(api huma.API, s *store.Store, svc *power.Service) {
	huma.Register(api, huma.Operation{
		OperationID: "capacity", Method: http.MethodGet, Path: Prefix + "/capacity", Tags: []string{"capacity"},
		Summary: "Space, power after failover, cooling and weight left in a site, room, row or rack",
		Description: "Name exactly one of site, room, row and rack. Power headroom is the least spare capacity, with either " +
			"side of the chain down, over every node feeding the tightest rack of the scope.",
	}, func(ctx context.Context, in *capacityInput) (*capacityOutput, error) {
		var scope capacity.Scope
		var siteID int64
		named := 0
		if in.Site > 0 {
			named++
			scope, siteID = capacity.Scope{Type: dcim.TypeSite, ID: in.Site}, in.Site
			if _, err := s.Sites().Get(ctx, in.Site); err != nil {
				return nil, problem(asInvalid(err, "site"))
			}
		}
		if in.Room > 0 {
			named++
			r, err := s.Rooms().Get(ctx, in.Room)
			if err != nil {
				return nil, problem(asInvalid(err, "room"))
			}
			scope, siteID = capacity.Scope{Type: dcim.TypeRoom, ID: r.ID}, r.SiteID
		}
		if in.Row > 0 {
			named++
			r, err := s.Rows().Get(ctx, in.Row)
			if err != nil {
				return nil, problem(asInvalid(err, "row"))
			}
			scope, siteID = capacity.Scope{Type: dcim.TypeRow, ID: r.ID}, r.SiteID
		}
		if in.Rack > 0 {
			named++
			r, err := s.Racks().Get(ctx, in.Rack)
			if err != nil {
				return nil, problem(asInvalid(err, "rack"))
			}
			scope, siteID = capacity.Scope{Type: dcim.TypeRack, ID: r.ID}, r.SiteID
		}
		if named != 1 {
			return nil, problem(dcim.Invalid("site", "name exactly one of site, room, row and rack"))
		}
		site, err := s.CapacitySite(ctx, siteID)
		if err != nil {
			return nil, problem(err)
		}
		ps, err := svc.Site(ctx, siteID)
		if err != nil {
			return nil, problem(err)
		}
		now := timeNow()
		basis := power.Basis(in.Basis)
		out := &capacityOutput{}
		out.Body.Summary = capacity.Summarize(site, ps, scope, basis, now)
		if scope.Type == dcim.TypeSite {
			out.Body.Summary.Scope.Name = nameOfSite(ctx, s, siteID)
		}
		if in.Racks {
			out.Body.PerRack = capacity.PerRack(site, ps, scope, basis, now)
		}
		return out, nil
	})
}

func nameOfSite(ctx context.Context, s *store.Store, id int64) string {
	site, err := s.Sites().Get(ctx, id)
	if err != nil {
		return ""
	}
	return site.Name
}

// asInvalid turns "no such object" for a query parameter into a 400 on that parameter.
func asInvalid(err error, field string) error {
	if dcim.ErrorCode(err) == dcim.ENotFound {
		return dcim.Invalid(field, "%s", err.Error())
	}
	return err
}
