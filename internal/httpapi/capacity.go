package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/planning"
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

func registerCapacity(api huma.API, s *store.Store, svc *power.Service, caps *capacity.Service) {
	huma.Register(api, huma.Operation{
		OperationID: "capacity", Method: http.MethodGet, Path: Prefix + "/capacity", Tags: []string{"capacity"},
		Summary: "Space, power after failover, cooling and weight left in a site, room, row or rack",
		Description: "Name exactly one of site, room, row and rack. Power headroom is the least spare capacity, with either " +
			"side of the chain down, over every node feeding the tightest rack of the scope.",
	}, func(ctx context.Context, in *capacityInput) (*capacityOutput, error) {
		var scope capacity.Scope
		var siteID int64
		var siteName string
		for _, q := range []struct {
			typ string
			id  int64
		}{{dcim.TypeSite, in.Site}, {dcim.TypeRoom, in.Room}, {dcim.TypeRow, in.Row}, {dcim.TypeRack, in.Rack}} {
			if q.id <= 0 {
				continue
			}
			if scope.Type != "" {
				return nil, problem(dcim.Invalid("site", "name exactly one of site, room, row and rack"))
			}
			site, name, err := siteOf(ctx, s, q.typ, q.id, q.typ)
			if err != nil {
				return nil, problem(err)
			}
			scope, siteID, siteName = capacity.Scope{Type: q.typ, ID: q.id}, site, name
		}
		if scope.Type == "" {
			return nil, problem(dcim.Invalid("site", "name exactly one of site, room, row and rack"))
		}
		site, _, err := caps.Site(ctx, siteID)
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
			out.Body.Summary.Scope.Name = siteName
		}
		if in.Racks {
			out.Body.PerRack = capacity.PerRack(site, ps, scope, basis, now)
		}
		return out, nil
	})
}

// siteOf and asInvalid are planning's, shared with the web UI.
var (
	siteOf    = planning.SiteOf
	asInvalid = planning.AsInvalid
)

type placementInput struct {
	Body struct {
		DeviceType   int64   `json:"device_type" minimum:"1" doc:"the device type to place"`
		Count        int     `json:"count" minimum:"1" maximum:"10000"`
		Tenant       *int64  `json:"tenant" required:"false" nullable:"true" doc:"who the devices are for: other tenants' racks and reservations are avoided"`
		Redundancy   string  `json:"redundancy" enum:"single,A+B" doc:"single: any one feed; A+B: a free outlet on both sides of the chain for every device"`
		Site         int64   `json:"site" required:"false" minimum:"0" doc:"where to look, unless room, row or racks say"`
		Room         int64   `json:"room" required:"false" minimum:"0"`
		Row          int64   `json:"row" required:"false" minimum:"0"`
		Racks        []int64 `json:"racks" required:"false" nullable:"true"`
		KeepTogether bool    `json:"keep_together" required:"false" doc:"all in one rack"`
		MaxPerRack   int     `json:"max_per_rack" required:"false" minimum:"0"`
		Face         string  `json:"face" required:"false" enum:",front,rear"`
		Basis        string  `json:"basis" required:"false" enum:",allocated,nameplate,measured" doc:"the draw to plan with; default allocated"`
		Reserve      bool    `json:"reserve" required:"false" doc:"reserve the chosen units for the tenant, all in one transaction"`
		ReserveDays  int     `json:"reserve_days" required:"false" minimum:"0" maximum:"365" doc:"how long the reservations hold; default 14 days"`
	}
}

type placementOutput struct {
	Body struct {
		capacity.Plan
		Reservations []dcim.RackReservation `json:"reservations,omitempty"`
	}
}

func registerPlacement(api huma.API, s *store.Store, svc *power.Service, caps *capacity.Service) {
	planner := &planning.Planner{Store: s, Power: svc, Caps: caps, Now: timeNow}
	huma.Register(api, huma.Operation{
		OperationID: "placement", Method: http.MethodPost, Path: Prefix + "/placement", Tags: []string{"capacity"},
		Summary: "Where new equipment fits: ranked racks and positions, with the headroom left and why",
		Description: "Each candidate is one device's place: free units on the face, power after failover over every node feeding " +
			"the rack, free outlets on the feeds the redundancy asks for, cooling left in the zone, weight and floor load. " +
			"Racks and reservations of other tenants are avoided. Ranking: the tenant's own racks, then the most power " +
			"headroom after failover, then the most free space.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *placementInput) (*placementOutput, error) {
		b := in.Body
		pl, err := planner.Place(ctx, planning.PlaceRequest{DeviceType: b.DeviceType, Count: b.Count, Tenant: b.Tenant,
			Redundancy: b.Redundancy, Site: b.Site, Room: b.Room, Row: b.Row, Racks: b.Racks, KeepTogether: b.KeepTogether,
			MaxPerRack: b.MaxPerRack, Face: b.Face, Basis: b.Basis, Reserve: b.Reserve, ReserveDays: b.ReserveDays})
		if err != nil {
			return nil, problem(err)
		}
		out := &placementOutput{}
		out.Body.Plan, out.Body.Reservations = pl.Plan, pl.Reservations
		return out, nil
	})
}
