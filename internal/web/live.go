package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
	"github.com/plenum-dcim/plenum/internal/web/chart"
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
	Alerts        []dcim.Alert
	Silences      int  // silences in force or pending
	CanSilence    bool // the reader may make silences
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
	alerts, err := u.store.Alerts(r.Context(), dcim.ListQuery{Limit: dcim.MaxLimit, Filters: map[string][]string{"state": {"active"}}})
	if err != nil {
		return "", err
	}
	d.Alerts = alerts.Results
	d.CanSilence = canSilence(v.Actor)
	now := time.Now()
	silences, err := u.store.Silences(r.Context(), now)
	if err != nil {
		return "", err
	}
	d.Silences = len(silences)
	dcim.MarkSilenced(d.Alerts, silences, now)
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

// capacityData is a site's capacity dashboard: each room, its measured power over the last 30
// days with a forecast against its budget, and the racks with the least power left.
type capacityData struct {
	Site     dcim.Site
	Site0    capacity.Summary
	Rooms    []capacity.Summary
	Trends   []roomTrend // measured power
	Space    []roomTrend // units used
	Tightest []capacity.Summary
}

// roomTrend is a room's figure day by day (measured power: the day's peak of its devices' summed
// power; space: the units used at the day's end), and when, at the trend of the last 30 days, it
// reaches the room's limit.
type roomTrend struct {
	Room      string
	Chart     []byte
	Unit      string // kW or U
	Last      float64
	Limit     *float64 // the budget: the feeds' power, the racks' units
	Days      int      // days of history
	PerDay    float64  // least squares
	FullIn    *float64 // days until the limit is reached at that slope; nil when not rising or no limit
	Cooling   *float64 // power: the cooling units' capacity, which the same heat runs against
	CoolsOut  *float64 // days until it is reached
	LimitName string
}

func (u *UI) capacityPage(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	site, err := u.pathSite(r)
	if err != nil {
		return "", err
	}
	id := site.ID
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
	if d.Trends, err = u.roomTrends(r, site, cs, d.Rooms, now); err != nil {
		return "", err
	}
	if d.Space, err = u.spaceTrends(r, site, d.Rooms, now); err != nil {
		return "", err
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

// roomTrends reads each room's measured IT power over the last 30 days (daily peaks) and fits a
// line to it: the forecast of when the room's power budget is reached, and its cooling capacity
// (the same power, as heat). The power is the room's IT meters' (store.RoomITPeaks: what the
// CapacityForecast alert reads, so the page and the alert agree), else its devices' series.
func (u *UI) roomTrends(r *http.Request, site dcim.Site, cs capacity.Site, rooms []capacity.Summary, now time.Time) ([]roomTrend, error) {
	// The room's IT meters, as the capacity forecast alert reads them; else its devices' series.
	metered, err := u.store.RoomITPeaks(r.Context(), site.ID, now.AddDate(0, 0, -30), now)
	if err != nil {
		return nil, err
	}
	devices := map[int64][]string{} // room → names of its mounted devices
	for _, cr := range cs.Racks {
		for _, o := range cr.Occupants {
			devices[cr.Rack.RoomID] = append(devices[cr.Rack.RoomID], regexp.QuoteMeta(o.Ref.Name))
		}
	}
	metrics := strings.Join(telemetry.DevicePowerMetrics, "|")
	var out []roomTrend
	for _, rm := range rooms {
		days := metered[rm.Scope.ID]
		if names := devices[rm.Scope.ID]; len(days) == 0 && len(names) > 0 && u.live.Telemetry != nil {
			expr := fmt.Sprintf(`max_over_time((sum({__name__=~%q, site=%q, device=~%q}) / 1000)[1d:15m])`,
				metrics, site.Name, strings.Join(names, "|"))
			trends, err := u.live.Telemetry.Trends(r.Context(), expr, now.Add(-30*24*time.Hour), now, 24*time.Hour)
			if err != nil {
				return nil, err
			}
			if len(trends) > 0 {
				for _, p := range trends[0].Points {
					days = append(days, capacity.DayValue{Day: p.T, V: p.V})
				}
			}
		}
		if len(days) == 0 {
			continue
		}
		rt := outlook(rm.Scope.Name, "kW", "budget", days, rm.Power.BudgetKW)
		var refs []chart.Ref
		if rt.Limit != nil {
			refs = append(refs, chart.Ref{Label: "budget", Value: *rt.Limit})
		}
		if c := rm.Cooling.CapacityKW; c > 0 {
			rt.Cooling = &c
			rt.CoolsOut = capacity.Forecast(days, c).DaysLeft
			refs = append(refs, chart.Ref{Label: "cooling", Value: c})
		}
		if rt.Chart, err = trendChart(rm.Scope.Name+": measured power, daily peak", "kW", "measured", days, refs); err != nil {
			return nil, err
		}
		out = append(out, rt)
	}
	return out, nil
}

// spaceTrends is each room's units used over the last 30 days, replayed from the change log (the
// tighter face), with its forecast against the units of its racks.
func (u *UI) spaceTrends(r *http.Request, site dcim.Site, rooms []capacity.Summary, now time.Time) ([]roomTrend, error) {
	hist, err := u.store.SpaceHistory(r.Context(), site.ID, now.AddDate(0, 0, -30), now)
	if err != nil {
		return nil, err
	}
	byRoom, err := store.UsedDays(hist)
	if err != nil {
		return nil, err
	}
	var out []roomTrend
	for _, rm := range rooms {
		days := byRoom[rm.Scope.ID]
		if len(days) == 0 || rm.Space.Units == 0 {
			continue
		}
		units := rm.Space.Units
		rt := outlook(rm.Scope.Name, "U", "racks' units", days, &units)
		if rt.Chart, err = trendChart(rm.Scope.Name+": units used, end of day", "U", "used", days, []chart.Ref{{Label: "units", Value: units}}); err != nil {
			return nil, err
		}
		out = append(out, rt)
	}
	return out, nil
}

// outlook is a room's trend of days against limit (nil: none).
func outlook(room, unit, limitName string, days []capacity.DayValue, limit *float64) roomTrend {
	rt := roomTrend{Room: room, Unit: unit, Limit: limit, LimitName: limitName}
	lim := math.Inf(1)
	if limit != nil {
		lim = *limit
	}
	o := capacity.Forecast(days, lim)
	rt.Last, rt.Days, rt.PerDay = o.Last, o.Days, o.PerDay
	if limit != nil {
		rt.FullIn = o.DaysLeft
	}
	return rt
}

// trendChart draws daily figures with reference lines.
func trendChart(title, unit, name string, days []capacity.DayValue, refs []chart.Ref) ([]byte, error) {
	line := chart.Line{Title: title, Unit: unit, Inline: true, Width: 560, Height: 180, Refs: refs}
	series := chart.Series{Name: name}
	for _, d := range days {
		v := d.V
		series.Points = append(series.Points, chart.Point{T: d.Day, V: &v})
	}
	line.Series = []chart.Series{series}
	var buf bytes.Buffer
	if err := line.Render(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ackAlert acknowledges an alert from the live page's form: who (the signed-in user) and why.
func (u *UI) ackAlert(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	if err := r.ParseForm(); err != nil {
		return "", dcim.Invalid("comment", "cannot read the form")
	}
	if _, err := u.store.AckAlert(r.Context(), id, r.PostForm.Get("comment")); err != nil {
		return "", err
	}
	http.Redirect(w, r, "/live#alerts", http.StatusSeeOther)
	return "", nil
}
