package web

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/web/chart"
)

// energyData is a site's energy dashboard: the rolling 12 months against the targets, daily and
// monthly PUE, and the carbon.
type energyData struct {
	Rooms   []roomPUE
	Site    dcim.Site
	Year    *energy.KPIReport // rolling 12 months
	Checks  []energy.TargetCheck
	Class   string
	Daily   []byte // SVG
	Monthly []byte
	Carbon  []byte
	Years   []int
}

// roomPUE is a room's partial PUE over the rolling 12 months: the energy inside its metered
// boundary over its IT energy.
type roomPUE struct {
	Room   dcim.Room
	Report *energy.KPIReport
}

func (u *UI) energy(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	site, err := u.pathSite(r)
	if err != nil {
		return "", err
	}
	id := site.ID
	now := time.Now()
	loc, err := time.LoadLocation(site.TimeZone)
	if err != nil || site.TimeZone == "" {
		loc = time.UTC
	}
	class := energy.Colocation
	if c := r.URL.Query().Get("category"); c != "" {
		if class, err = energy.ParseSiteClass(c); err != nil {
			return "", dcim.Invalid("category", "%v", err)
		}
	}
	d := energyData{Site: site, Class: string(class)}
	from, to, err := energy.Period("rolling-12m", loc, now)
	if err != nil {
		return "", err
	}
	if d.Year, err = energy.SiteReport(ctx, u.store, &site, nil, from, to); err != nil {
		return "", err
	}
	d.Checks = energy.Checks(class, d.Year)
	rooms, err := u.store.Rooms().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Ordering: "name",
		Filters: map[string][]string{"site_id": {fmt.Sprint(id)}}})
	if err != nil {
		return "", err
	}
	for _, rm := range rooms.Results {
		rep, err := energy.SiteReport(ctx, u.store, &site, &rm.ID, from, to)
		if err != nil {
			return "", err
		}
		d.Rooms = append(d.Rooms, roomPUE{Room: rm, Report: rep})
	}
	target := 0.0
	for _, t := range energy.Targets(class) {
		if t.KPI == "pue" {
			target = t.Limit
		}
	}
	var refs []chart.Ref
	if target > 0 {
		refs = []chart.Ref{{Label: fmt.Sprintf("target %.2f", target), Value: target}}
	}
	// The last 30 days, day by day, in the site's time zone.
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	daily := chart.Bars{Title: "PUE, day by day (last 30 days)", Unit: "PUE", Refs: refs, YMin: ptr(1.0), Inline: true}
	for i := 30; i >= 1; i-- {
		day := today.AddDate(0, 0, -i)
		rep, err := energy.SiteReport(ctx, u.store, &site, nil, day, day.AddDate(0, 0, 1))
		if err != nil {
			return "", err
		}
		daily.Labels = append(daily.Labels, day.Format("Jan 2"))
		daily.Values = append(daily.Values, rep.PUE)
	}
	// The last 12 months, month by month, with their carbon.
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc)
	monthly := chart.Bars{Title: "PUE, month by month", Unit: "PUE", Refs: refs, YMin: ptr(1.0), Inline: true}
	carbon := chart.Bars{Title: "Carbon, month by month (grid factor " + fmt.Sprintf("%.3f", d.Year.Factor.KgPerKWh) + " kgCO2e/kWh)", Unit: "t CO2e", Inline: true}
	for i := 11; i >= 0; i-- {
		m := month.AddDate(0, -i, 0)
		rep, err := energy.SiteReport(ctx, u.store, &site, nil, m, m.AddDate(0, 1, 0))
		if err != nil {
			return "", err
		}
		monthly.Labels = append(monthly.Labels, m.Format("Jan 2006"))
		monthly.Values = append(monthly.Values, rep.PUE)
		carbon.Labels = append(carbon.Labels, m.Format("Jan 2006"))
		if rep.EDCkWh > 0 {
			carbon.Values = append(carbon.Values, ptr(rep.CO2eKg/1000))
		} else {
			carbon.Values = append(carbon.Values, nil)
		}
	}
	for _, c := range []struct {
		b   chart.Bars
		out *[]byte
	}{{daily, &d.Daily}, {monthly, &d.Monthly}, {carbon, &d.Carbon}} {
		var buf bytes.Buffer
		if err := c.b.Render(&buf); err != nil {
			return "", err
		}
		*c.out = buf.Bytes()
	}
	for y := now.In(loc).Year(); y >= now.In(loc).Year()-2; y-- {
		d.Years = append(d.Years, y)
	}
	v.Title, v.Data = "Energy", d
	v.Crumbs = []crumb{{"Sites", "/"}, {site.Name, fmt.Sprintf("/sites/%d", site.ID)}}
	return "energy", nil
}

func ptr[T any](v T) *T { return &v }
