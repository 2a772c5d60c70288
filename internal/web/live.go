package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// Live is where the live state comes from: the pollers' health and the time series (both may be
// absent: a UI without them shows so).
type Live struct {
	Pollers   interface{ Health() []collect.Health }
	Telemetry *telemetry.Store
}

// SetLive gives the UI the pollers and the time series.
func (u *UI) SetLive(l Live) { u.live = l }

// liveData is the live state: every poll target's health, and the series that bind to nothing.
type liveData struct {
	Targets       []collect.Health
	Down          int
	Unbound       []telemetry.UnboundSeries
	UnboundTotal  int
	HasPollers    bool
	HasTelemetry  bool
	UnboundLabels []string
}

func (u *UI) livePage(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	d := liveData{HasPollers: u.live.Pollers != nil, HasTelemetry: u.live.Telemetry != nil}
	if u.live.Pollers != nil {
		d.Targets = u.live.Pollers.Health()
		// Down first, then by name: what needs looking at on top.
		slices.SortFunc(d.Targets, func(a, b collect.Health) int {
			if a.Up != b.Up {
				if !a.Up {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Target, b.Target)
		})
		for _, t := range d.Targets {
			if !t.Up {
				d.Down++
			}
		}
	}
	if u.live.Telemetry != nil {
		now := time.Now()
		all, err := u.live.Telemetry.Unbound(r.Context(), u.store, now.Add(-time.Hour), now)
		if err != nil {
			return "", err
		}
		d.UnboundTotal = len(all)
		d.Unbound = all[:min(len(all), 200)]
		for _, s := range d.Unbound {
			b, _ := json.Marshal(s.Labels)
			d.UnboundLabels = append(d.UnboundLabels, string(b))
		}
	}
	v.Title, v.Crumbs, v.Data = "Live state", []crumb{{"Sites", "/"}}, d
	return "live", nil
}

// billsData is the bills page: the issued bills the reader may see, and for a tenant user its
// month so far against each contract.
type billsData struct {
	Bills     []*energy.Bill
	Tenants   map[int64]string
	Month     string
	Drafts    []*energy.Bill
	DraftNote string
}

func (u *UI) bills(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	tenant, limited := v.Actor.Tenant()
	d := billsData{Tenants: map[int64]string{}}
	ts, err := u.store.Tenants().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit})
	if err != nil {
		return "", err
	}
	for _, t := range ts.Results {
		d.Tenants[t.ID] = t.Name
	}
	var filter int64
	if limited {
		filter = tenant
	}
	stored, err := u.store.Bills(ctx, filter, "")
	if err != nil {
		return "", err
	}
	for _, sb := range stored {
		var b energy.Bill
		if err := json.Unmarshal(sb.Document, &b); err != nil {
			return "", fmt.Errorf("bill %d: %w", sb.ID, err)
		}
		b.ID = sb.ID
		d.Bills = append(d.Bills, &b)
	}
	// A tenant user sees its month so far: energy, maximum demand against the contract.
	if limited {
		contracts, err := u.store.Contracts().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit})
		if err != nil {
			return "", err
		}
		now := time.Now()
		for _, c := range contracts.Results {
			site, err := u.store.Sites().Get(ctx, c.SiteID)
			if err != nil {
				return "", err
			}
			loc, err := time.LoadLocation(site.TimeZone)
			if err != nil || site.TimeZone == "" {
				loc = time.UTC
			}
			month := now.In(loc).Format("2006-01")
			d.Month = month
			var samples energy.SampleSource
			if u.live.Telemetry != nil {
				samples = u.live.Telemetry
			}
			b, err := energy.TenantBill(ctx, u.store, samples, &site, tenant, month, now)
			if err != nil {
				d.DraftNote = err.Error()
				continue
			}
			d.Drafts = append(d.Drafts, b)
		}
	}
	v.Title, v.Crumbs, v.Data = "Bills", []crumb{{"Sites", "/"}}, d
	return "bills", nil
}

// capacityData is a site's capacity dashboard: each room, and the racks with the least power left.
type capacityData struct {
	Site     dcim.Site
	Site0    capacity.Summary
	Rooms    []capacity.Summary
	Tightest []capacity.Summary
}

func (u *UI) capacityPage(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	site, err := u.store.Sites().Get(ctx, id)
	if err != nil {
		return "", err
	}
	cs, _, err := u.caps.Site(ctx, id)
	if err != nil {
		return "", err
	}
	ps, err := u.power.Site(ctx, id)
	if err != nil {
		return "", err
	}
	now := time.Now()
	d := capacityData{Site: site, Site0: capacity.Summarize(cs, ps, capacity.Scope{Type: dcim.TypeSite, ID: id}, power.Allocated, now)}
	for _, rm := range cs.Rooms {
		sum := capacity.Summarize(cs, ps, capacity.Scope{Type: dcim.TypeRoom, ID: rm.ID}, power.Allocated, now)
		sum.Scope.Name = rm.Name
		d.Rooms = append(d.Rooms, sum)
	}
	racks := capacity.PerRack(cs, ps, capacity.Scope{Type: dcim.TypeSite, ID: id}, power.Allocated, now)
	slices.SortFunc(racks, func(a, b capacity.Summary) int {
		ha, hb := headroomOf(a), headroomOf(b)
		switch {
		case ha < hb:
			return -1
		case ha > hb:
			return 1
		}
		return strings.Compare(a.Scope.Name, b.Scope.Name)
	})
	d.Tightest = racks[:min(len(racks), 20)]
	v.Title, v.Data = "Capacity", d
	v.Crumbs = []crumb{{"Sites", "/"}, {site.Name, fmt.Sprintf("/sites/%d", site.ID)}}
	return "capacity", nil
}

// headroomOf is a rack's power headroom after failover; racks the chain does not feed sort last.
func headroomOf(s capacity.Summary) float64 {
	if s.Power.HeadroomKW == nil {
		return 1e18
	}
	return *s.Power.HeadroomKW
}
