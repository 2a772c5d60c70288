// Package planning holds the planning services that the JSON API and the web UI share: where new
// equipment fits (and reserving it), over the store, the power chain and the capacity roll-ups.
// The rules live in capacity and dcim; this package gathers what they need and checks the request.
package planning

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
)

// Planner finds places for equipment.
type Planner struct {
	Store *store.Store
	Power *power.Service
	Caps  *capacity.Service
	Now   func() time.Time // default time.Now
}

// PlaceRequest is what to place, where to look, and whether to reserve.
type PlaceRequest struct {
	DeviceType   int64
	Count        int
	Tenant       *int64
	Redundancy   string // single or A+B
	Site         int64
	Room         int64
	Row          int64
	Racks        []int64
	KeepTogether bool
	MaxPerRack   int
	Face         string
	Basis        string
	Reserve      bool
	ReserveDays  int // default 14
}

// Placement is a plan and, when asked, the reservations made for it.
type Placement struct {
	capacity.Plan
	Reservations []dcim.RackReservation `json:"reservations,omitempty"`
}

// Place plans req as the actor of ctx: every place named must be in one site; a tenant user places
// for its own tenant, in its own racks only.
func (p *Planner) Place(ctx context.Context, req PlaceRequest) (Placement, error) {
	var out Placement
	s := p.Store
	dt, err := s.DeviceTypes().Get(ctx, req.DeviceType)
	if err != nil {
		return out, AsInvalid(err, "device_type")
	}
	if req.Count < 1 {
		return out, dcim.Invalid("count", "at least 1")
	}
	if req.Tenant != nil {
		if _, err := s.Tenants().Get(ctx, *req.Tenant); err != nil {
			return out, AsInvalid(err, "tenant")
		}
	}
	var siteID int64
	pin := func(typ string, id int64, field string) error {
		site, _, err := SiteOf(ctx, s, typ, id, field)
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
	places := []place{{dcim.TypeSite, req.Site, "site"}, {dcim.TypeRoom, req.Room, "room"}, {dcim.TypeRow, req.Row, "row"}}
	for i, id := range req.Racks {
		places = append(places, place{dcim.TypeRack, id, fmt.Sprintf("racks[%d]", i)})
	}
	for _, pl := range places {
		if pl.id > 0 {
			if err := pin(pl.typ, pl.id, pl.field); err != nil {
				return out, err
			}
		}
	}
	if siteID == 0 {
		return out, dcim.Invalid("site", "say where to look: site, room, row or racks")
	}
	if tenant, ok := dcim.ActorFrom(ctx).Tenant(); ok {
		if req.Tenant != nil && *req.Tenant != tenant {
			return out, dcim.Invalid("tenant", "a tenant user places equipment for its own tenant only")
		}
		req.Tenant = &tenant
		if len(req.Racks) == 0 {
			if req.Racks, err = tenantRacks(ctx, s, siteID, req.Room, req.Row); err != nil {
				return out, err
			}
		}
	}
	site, outlets, err := p.Caps.Site(ctx, siteID)
	if err != nil {
		return out, err
	}
	ps, err := p.Power.Site(ctx, siteID)
	if err != nil {
		return out, err
	}
	maker, _ := s.Manufacturers().Get(ctx, dt.ManufacturerID)
	basis := power.Basis(req.Basis)
	if basis == "" {
		basis = power.Allocated
	}
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	out.Plan = capacity.Place(site, ps, capacity.Request{Type: dt, Count: req.Count,
		Tenant: req.Tenant, Redundancy: req.Redundancy, Room: req.Room, Row: req.Row, Racks: req.Racks, KeepTogether: req.KeepTogether,
		MaxPerRack: req.MaxPerRack, Face: req.Face}, outlets, basis, now)
	if !req.Reserve || len(out.Plan.Candidates) == 0 {
		return out, nil
	}
	if dt.UHeight == 0 {
		return out, dcim.Invalid("reserve", "a 0-U device takes no units to reserve")
	}
	days := req.ReserveDays
	if days == 0 {
		days = 14
	}
	expires := now.Add(time.Duration(days) * 24 * time.Hour).UTC()
	byRack := map[int64][]int{}
	var order []int64
	for _, c := range out.Plan.Candidates {
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
		res = append(res, dcim.RackReservation{RackID: rack, Units: byRack[rack], TenantID: req.Tenant, Expires: &expires,
			Description: fmt.Sprintf("placement: %d × %s", req.Count, maker.Name+" "+dt.Model)})
	}
	if out.Reservations, err = s.RackReservations().BulkCreate(ctx, res); err != nil {
		return out, err
	}
	return out, nil
}

// SiteOf is the site that the site, room, row or rack id (named by field) is in, and the object's
// name; an unknown id (or one the actor may not see) is an error on field.
func SiteOf(ctx context.Context, s *store.Store, typ string, id int64, field string) (int64, string, error) {
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
	return site, name, AsInvalid(err, field)
}

// AsInvalid turns "no such object" for a request field into an error on that field.
func AsInvalid(err error, field string) error {
	if dcim.ErrorCode(err) == dcim.ENotFound {
		return dcim.Invalid(field, "%s", err.Error())
	}
	return err
}

// tenantRacks lists the racks the actor (a tenant user) sees in a site, room or row.
func tenantRacks(ctx context.Context, s *store.Store, site, room, row int64) ([]int64, error) {
	f := map[string][]string{"site_id": {strconv.FormatInt(site, 10)}}
	if room > 0 {
		f["room_id"] = []string{strconv.FormatInt(room, 10)}
	}
	if row > 0 {
		f["row_id"] = []string{strconv.FormatInt(row, 10)}
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
