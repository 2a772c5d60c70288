package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

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

// siteOf is the site that the site, room, row or rack id (named by query or body field) is in, and
// the object's name; an unknown id is a 400 on field.
func siteOf(ctx context.Context, s *store.Store, typ string, id int64, field string) (int64, string, error) {
	var site int64
	var name string
	var err error
	switch typ {
	case dcim.TypeSite:
		var v dcim.Site
		v, err = s.Sites().Get(ctx, id)
		site, name = v.ID, v.Name
	case dcim.TypeRoom:
		var v dcim.Room
		v, err = s.Rooms().Get(ctx, id)
		site, name = v.SiteID, v.Name
	case dcim.TypeRow:
		var v dcim.Row
		v, err = s.Rows().Get(ctx, id)
		site, name = v.SiteID, v.Name
	case dcim.TypeRack:
		var v dcim.Rack
		v, err = s.Racks().Get(ctx, id)
		site, name = v.SiteID, v.Name
	}
	return site, name, asInvalid(err, field)
}

// asInvalid turns "no such object" for a query parameter into a 400 on that parameter.
func asInvalid(err error, field string) error {
	if dcim.ErrorCode(err) == dcim.ENotFound {
		return dcim.Invalid(field, "%s", err.Error())
	}
	return err
}

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
		dt, err := s.DeviceTypes().Get(ctx, b.DeviceType)
		if err != nil {
			return nil, problem(asInvalid(err, "device_type"))
		}
		if b.Tenant != nil {
			if _, err := s.Tenants().Get(ctx, *b.Tenant); err != nil {
				return nil, problem(asInvalid(err, "tenant"))
			}
		}
		// Where to look: every place named must be in one site.
		var siteID int64
		pin := func(typ string, id int64, field string) error {
			site, _, err := siteOf(ctx, s, typ, id, field)
			if err != nil {
				return err
			}
			if siteID != 0 && siteID != site {
				return dcim.Invalid(field, "is in another site than the rest of the request")
			}
			siteID = site
			return nil
		}
		type place struct {
			typ   string
			id    int64
			field string
		}
		places := []place{{dcim.TypeSite, b.Site, "site"}, {dcim.TypeRoom, b.Room, "room"}, {dcim.TypeRow, b.Row, "row"}}
		for i, id := range b.Racks {
			places = append(places, place{dcim.TypeRack, id, fmt.Sprintf("racks[%d]", i)})
		}
		for _, p := range places {
			if p.id > 0 {
				if err := pin(p.typ, p.id, p.field); err != nil {
					return nil, problem(err)
				}
			}
		}
		if siteID == 0 {
			return nil, problem(dcim.Invalid("site", "say where to look: site, room, row or racks"))
		}
		if tenant, ok := dcim.ActorFrom(ctx).Tenant(); ok {
			// A tenant user places for itself, in its own racks only.
			if b.Tenant != nil && *b.Tenant != tenant {
				return nil, problem(dcim.Invalid("tenant", "a tenant user places equipment for its own tenant only"))
			}
			b.Tenant = &tenant
			if len(b.Racks) == 0 {
				if b.Racks, err = tenantRacks(ctx, s, siteID, b.Room, b.Row); err != nil {
					return nil, problem(err)
				}
			}
		}
		site, outlets, err := caps.Site(ctx, siteID)
		if err != nil {
			return nil, problem(err)
		}
		ps, err := svc.Site(ctx, siteID)
		if err != nil {
			return nil, problem(err)
		}
		maker, _ := s.Manufacturers().Get(ctx, dt.ManufacturerID)
		basis := power.Basis(b.Basis)
		if basis == "" {
			basis = power.Allocated
		}
		now := timeNow()
		plan := capacity.Place(site, ps, capacity.Request{Type: dt, Count: b.Count,
			Tenant: b.Tenant, Redundancy: b.Redundancy, Room: b.Room, Row: b.Row, Racks: b.Racks, KeepTogether: b.KeepTogether,
			MaxPerRack: b.MaxPerRack, Face: b.Face}, outlets, basis, now)
		out := &placementOutput{}
		out.Body.Plan = plan
		if !b.Reserve || len(plan.Candidates) == 0 {
			return out, nil
		}
		if dt.UHeight == 0 {
			return nil, problem(dcim.Invalid("reserve", "a 0-U device takes no units to reserve"))
		}
		days := b.ReserveDays
		if days == 0 {
			days = 14
		}
		expires := now.Add(time.Duration(days) * 24 * time.Hour).UTC()
		byRack := map[int64][]int{}
		var order []int64
		for _, c := range plan.Candidates {
			if _, ok := byRack[c.Rack.ID]; !ok {
				order = append(order, c.Rack.ID)
			}
			for u := int(math.Floor(c.Position)); float64(u) < c.Position+dt.UHeight; u++ {
				if !slices.Contains(byRack[c.Rack.ID], u) {
					byRack[c.Rack.ID] = append(byRack[c.Rack.ID], u)
				}
			}
		}
		res := make([]dcim.RackReservation, 0, len(order))
		for _, rack := range order {
			res = append(res, dcim.RackReservation{RackID: rack, Units: byRack[rack], TenantID: b.Tenant, Expires: &expires,
				Description: fmt.Sprintf("placement: %d × %s", b.Count, maker.Name+" "+dt.Model)})
		}
		if out.Body.Reservations, err = s.RackReservations().BulkCreate(ctx, res); err != nil {
			return nil, problem(err)
		}
		return out, nil
	})
}

// tenantRacks lists the racks the actor (a tenant user) sees in a site, room or row.
func tenantRacks(ctx context.Context, s *store.Store, site, room, row int64) ([]int64, error) {
	f := map[string][]string{"site_id": {fmt.Sprint(site)}}
	if room > 0 {
		f["room_id"] = []string{fmt.Sprint(room)}
	}
	if row > 0 {
		f["row_id"] = []string{fmt.Sprint(row)}
	}
	var ids []int64
	for off := 0; ; off += dcim.MaxLimit {
		page, err := s.Racks().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Offset: off, Filters: f})
		if err != nil {
			return nil, err
		}
		for _, r := range page.Results {
			ids = append(ids, r.ID)
		}
		if off+dcim.MaxLimit >= page.Count {
			break
		}
	}
	if len(ids) == 0 {
		return nil, dcim.Invalid("site", "you have no racks there")
	}
	return ids, nil
}
