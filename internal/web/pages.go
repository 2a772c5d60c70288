package web

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/web/chart"
	"github.com/plenum-dcim/plenum/internal/web/floorplan"
)

func idFilter(k string, id int64) map[string][]string {
	return map[string][]string{k: {strconv.FormatInt(id, 10)}}
}

// siteRow is a site on the home page.
type siteRow struct {
	Site         dcim.Site
	Rooms, Racks int
}

func (u *UI) home(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	sites, err := u.store.Sites().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Ordering: "name"})
	if err != nil {
		return "", err
	}
	rows := make([]siteRow, 0, len(sites.Results))
	for _, s := range sites.Results {
		rooms, err := u.store.Rooms().List(ctx, dcim.ListQuery{Limit: 1, Filters: idFilter("site_id", s.ID)})
		if err != nil {
			return "", err
		}
		racks, err := u.store.Racks().List(ctx, dcim.ListQuery{Limit: 1, Filters: idFilter("site_id", s.ID)})
		if err != nil {
			return "", err
		}
		rows = append(rows, siteRow{Site: s, Rooms: rooms.Count, Racks: racks.Count})
	}
	v.Title, v.Data = "Sites", rows
	return "home", nil
}

// searchData is the answer to a search: what matches by name, serial, asset tag or facility id.
type searchData struct {
	Sites   []dcim.Site
	Racks   []dcim.Rack
	Devices []dcim.Device
	Total   int
}

func (u *UI) search(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v.Title, v.Crumbs = "Search", []crumb{{"Sites", "/"}}
	var d searchData
	if q != "" {
		lq := dcim.ListQuery{Limit: 50, Q: q, Ordering: "name"}
		sites, err := u.store.Sites().List(ctx, lq)
		if err != nil {
			return "", err
		}
		racks, err := u.store.Racks().List(ctx, lq)
		if err != nil {
			return "", err
		}
		devices, err := u.store.Devices().List(ctx, lq)
		if err != nil {
			return "", err
		}
		d = searchData{Sites: sites.Results, Racks: racks.Results, Devices: devices.Results, Total: sites.Count + racks.Count + devices.Count}
		// One exact hit goes straight to its page.
		if d.Total == 1 {
			switch {
			case len(d.Sites) == 1:
				http.Redirect(w, r, fmt.Sprintf("/sites/%d", d.Sites[0].ID), http.StatusSeeOther)
			case len(d.Racks) == 1:
				http.Redirect(w, r, fmt.Sprintf("/racks/%d", d.Racks[0].ID), http.StatusSeeOther)
			default:
				http.Redirect(w, r, fmt.Sprintf("/devices/%d", d.Devices[0].ID), http.StatusSeeOther)
			}
			return "", nil
		}
	}
	v.Data = d
	return "search", nil
}

// roomRow is a room on its site's page, with its capacity where the reader may see it.
type roomRow struct {
	Room     dcim.Room
	Racks    int
	Capacity *capacity.Summary
}

func (u *UI) site(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	site, err := u.pathSite(r)
	if err != nil {
		return "", err
	}
	id := site.ID
	rooms, err := u.store.Rooms().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: idFilter("site_id", id), Ordering: "name"})
	if err != nil {
		return "", err
	}
	var cs capacity.Site
	var ps *power.Site
	if !v.Tenant { // capacity is the facility's, not a tenant's
		if cs, _, err = u.caps.Site(ctx, id); err != nil {
			return "", err
		}
		if ps, err = u.power.Site(ctx, id); err != nil {
			return "", err
		}
	}
	now := time.Now()
	out := make([]roomRow, 0, len(rooms.Results))
	for _, rm := range rooms.Results {
		racks, err := u.store.Racks().List(ctx, dcim.ListQuery{Limit: 1, Filters: idFilter("room_id", rm.ID)})
		if err != nil {
			return "", err
		}
		row := roomRow{Room: rm, Racks: racks.Count}
		if !v.Tenant {
			sum := capacity.Summarize(cs, ps, capacity.Scope{Type: dcim.TypeRoom, ID: rm.ID}, power.Allocated, now)
			row.Capacity = &sum
		}
		out = append(out, row)
	}
	v.Title, v.Crumbs, v.Data = site.Name, []crumb{{"Sites", "/"}}, struct {
		Site  dcim.Site
		Rooms []roomRow
	}{site, out}
	return "site", nil
}

// layers are the floor plan's colorings.
var layers = []struct{ Key, Name, Kind, Unit string }{
	{"power", "Power draw / budget", "ratio", "of the racks' power budget after failover"},
	{"space", "Units used", "ratio", "of the rack's units taken or reserved"},
	{"weight", "Weight / limit", "ratio", "of the rack's weight limit"},
	{"inlet", "Inlet temperature", "temperature", "the hottest inlet sensor, against ASHRAE A1"},
	{"alerts", "Alerts", "alert", "the worst alert on the rack or its devices now"},
	{"tenant", "Tenant", "category", ""},
}

type roomData struct {
	Room     dcim.Room
	Site     dcim.Site
	Layer    string
	Layers   []struct{ Key, Name, Kind, Unit string }
	Plan     []byte
	Racks    []dcim.Rack
	Capacity *capacity.Summary
}

func (u *UI) room(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	room, err := u.store.Rooms().Get(ctx, id)
	if err != nil {
		return "", err
	}
	site, err := u.store.Sites().Get(ctx, room.SiteID)
	if err != nil {
		return "", err
	}
	layer := r.URL.Query().Get("layer")
	li := slices.IndexFunc(layers, func(l struct{ Key, Name, Kind, Unit string }) bool { return l.Key == layer })
	if li < 0 {
		li, layer = 0, layers[0].Key
	}
	// What the reader sees of the room: its racks (a tenant's own); the others are drawn as
	// anonymous occupied tiles.
	mine, err := u.store.Racks().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: idFilter("room_id", id), Ordering: "name"})
	if err != nil {
		return "", err
	}
	visible := map[int64]bool{}
	for _, rk := range mine.Results {
		visible[rk.ID] = true
	}
	cs, _, err := u.caps.Site(ctx, room.SiteID)
	if err != nil {
		return "", err
	}
	ps, err := u.power.Site(ctx, room.SiteID)
	if err != nil {
		return "", err
	}
	now := time.Now()
	sums := map[int64]capacity.Summary{}
	for _, s := range capacity.PerRack(cs, ps, capacity.Scope{Type: dcim.TypeRoom, ID: id}, power.Allocated, now) {
		sums[s.Scope.ID] = s
	}
	var inlets map[string]float64
	if layer == "inlet" {
		if inlets, err = u.inletTemperatures(r, site.Name); err != nil {
			return "", err
		}
	}
	var worst map[int64]float64
	if layer == "alerts" {
		if worst, err = u.rackAlerts(r, cs); err != nil {
			return "", err
		}
	}
	tenants := map[int64]string{}
	if layer == "tenant" {
		ts, err := u.store.Tenants().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit})
		if err != nil {
			return "", err
		}
		for _, t := range ts.Results {
			tenants[t.ID] = t.Name
		}
	}
	in := floorplan.Input{Room: room.Name, GridRows: room.GridRows, GridColumns: room.GridColumns, TileMM: room.TileSize, Inline: true,
		Layer: floorplan.Layer{Name: layers[li].Name, Kind: layers[li].Kind, Unit: layers[li].Unit}}
	for _, cr := range cs.Racks {
		rk := cr.Rack
		if rk.RoomID != id {
			continue
		}
		fr := floorplan.Rack{ID: rk.ID, Name: rk.Name, Row: -1, Column: -1}
		if rk.GridRow != nil && rk.GridColumn != nil {
			fr.Row, fr.Column = *rk.GridRow, *rk.GridColumn
		}
		if !visible[rk.ID] {
			fr.Hidden = true
			in.Racks = append(in.Racks, fr)
			continue
		}
		fr.Href = fmt.Sprintf("/racks/%d", rk.ID)
		s := sums[rk.ID]
		fr.Value, fr.Title = layerValue(layer, s, cr), rackTitle(rk, s, cr)
		if layer == "alerts" {
			w := worst[rk.ID]
			fr.Value = &w
		}
		if t, ok := inlets[rk.Name]; ok && layer == "inlet" {
			fr.Value = &t
			fr.Title += fmt.Sprintf("\ninlet %.1f °C (hottest sensor)", t)
		}
		if rk.TenantID != nil {
			fr.Category = tenants[*rk.TenantID]
		}
		in.Racks = append(in.Racks, fr)
	}
	rows, err := u.store.Rows().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: idFilter("room_id", id)})
	if err == nil { // a tenant sees its racks' rows only; the aisles are drawn from those
		for _, row := range rows.Results {
			in.Aisles = append(in.Aisles, aisleOf(row, cs.Racks)...)
		}
	}
	var buf bytes.Buffer
	if err := floorplan.Render(&buf, in); err != nil {
		return "", err
	}
	d := roomData{Room: room, Site: site, Layer: layer, Layers: layers, Plan: buf.Bytes(), Racks: mine.Results}
	if !v.Tenant {
		sum := capacity.Summarize(cs, ps, capacity.Scope{Type: dcim.TypeRoom, ID: id}, power.Allocated, now)
		d.Capacity = &sum
	}
	v.Title, v.Data = room.Name, d
	v.Crumbs = []crumb{{"Sites", "/"}, {site.Name, fmt.Sprintf("/sites/%d", site.ID)}}
	return "room", nil
}

// layerValue is a rack's share for a ratio layer: nil where there is nothing to divide by.
func layerValue(layer string, s capacity.Summary, cr capacity.Rack) *float64 {
	ratio := func(a, b float64) *float64 {
		if b <= 0 {
			return nil
		}
		v := a / b
		return &v
	}
	switch layer {
	case "power":
		if s.Power.BudgetKW == nil {
			return nil
		}
		return ratio(s.Power.AllocatedKW, *s.Power.BudgetKW)
	case "space":
		if s.Space.Units <= 0 {
			return nil
		}
		front := s.Space.Free["front"]
		return ratio(s.Space.Units-front, s.Space.Units)
	case "weight":
		if cr.Rack.MaxWeight == nil {
			return nil
		}
		return ratio(cr.LoadKg, *cr.Rack.MaxWeight)
	}
	return nil
}

// rackTitle is a rack's hover text on the floor plan.
func rackTitle(rk dcim.Rack, s capacity.Summary, cr capacity.Rack) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %d U, %s U free at the front", rk.Name, rk.UHeight, strconv.FormatFloat(s.Space.Free["front"], 'f', -1, 64))
	fmt.Fprintf(&b, "\npower %.1f kW allocated", s.Power.AllocatedKW)
	if s.Power.BudgetKW != nil {
		fmt.Fprintf(&b, " of %.1f kW budget", *s.Power.BudgetKW)
	}
	if s.Power.HeadroomKW != nil {
		fmt.Fprintf(&b, ", %.1f kW headroom after failover", *s.Power.HeadroomKW)
	}
	fmt.Fprintf(&b, "\nweight %.0f kg", cr.LoadKg)
	if rk.MaxWeight != nil {
		fmt.Fprintf(&b, " of %.0f kg", *rk.MaxWeight)
	}
	return b.String()
}

// aisleOf is the aisle a row's racks face: the tile row in front of them, over their columns.
func aisleOf(row dcim.Row, racks []capacity.Rack) []floorplan.Aisle {
	if row.Aisle == "" {
		return nil
	}
	first, last, gridRow := -1, -1, -1
	for _, cr := range racks {
		rk := cr.Rack
		if rk.RowID == nil || *rk.RowID != row.ID || rk.GridRow == nil || rk.GridColumn == nil {
			continue
		}
		gridRow = *rk.GridRow
		if first < 0 || *rk.GridColumn < first {
			first = *rk.GridColumn
		}
		if *rk.GridColumn > last {
			last = *rk.GridColumn
		}
	}
	if gridRow < 1 {
		return nil
	}
	return []floorplan.Aisle{{Row: gridRow - 1, Kind: row.Aisle, FromColumn: first, ToColumn: last}}
}

type rackData struct {
	Sensors      []sensorTrend
	Rack         dcim.Rack
	Room         dcim.Room
	Site         dcim.Site
	Devices      []rackDevice
	Reservations []dcim.RackReservation
	Capacity     *capacity.Summary
	Changes      []dcim.Change
}

// sensorTrend is one of a rack's sensors over the last day, drawn as a sparkline.
type sensorTrend struct {
	Name       string
	Last, Peak float64
	Inlet      bool // held against ASHRAE's inlet envelope
	Spark      []byte
}

type rackDevice struct {
	ID        int64
	Name      string
	Type      string
	Position  *float64
	Face      string
	UHeight   float64
	Tenant    string
	Anonymous bool
}

func (u *UI) rack(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	rk, err := u.store.Racks().Get(ctx, id)
	if err != nil {
		return "", err
	}
	room, err := u.store.Rooms().Get(ctx, rk.RoomID)
	if err != nil {
		return "", err
	}
	site, err := u.store.Sites().Get(ctx, rk.SiteID)
	if err != nil {
		return "", err
	}
	view, err := u.store.RackView(ctx, id)
	if err != nil {
		return "", err
	}
	tenant, _ := v.Actor.Tenant()
	d := rackData{Rack: rk, Room: room, Site: site}
	for _, md := range view.Devices {
		rd := rackDevice{ID: md.Device.ID, Name: md.Device.Name, Type: md.Model, Position: md.Device.Position,
			Face: md.Device.Face, UHeight: md.UHeight, Tenant: md.TenantName}
		if v.Tenant && md.Device.TenantID != nil && *md.Device.TenantID != tenant {
			rd = rackDevice{Name: "occupied", Position: md.Device.Position, Face: md.Device.Face, UHeight: md.UHeight, Anonymous: true}
		}
		d.Devices = append(d.Devices, rd)
	}
	for _, res := range view.Reservations {
		if v.Tenant && (res.TenantID == nil || *res.TenantID != tenant) {
			res.Description, res.TenantID = "reserved", nil
		}
		d.Reservations = append(d.Reservations, res)
	}
	cs, _, err := u.caps.Site(ctx, rk.SiteID)
	if err != nil {
		return "", err
	}
	ps, err := u.power.Site(ctx, rk.SiteID)
	if err != nil {
		return "", err
	}
	sum := capacity.Summarize(cs, ps, capacity.Scope{Type: dcim.TypeRack, ID: id}, power.Allocated, time.Now())
	d.Capacity = &sum
	if d.Sensors, err = u.rackSensors(r, site.Name, rk.Name); err != nil {
		return "", err
	}
	if !v.Tenant {
		ch, err := u.store.Changes(ctx, dcim.ListQuery{Limit: 20, Filters: map[string][]string{"object_type": {dcim.TypeRack}, "object_id": {strconv.FormatInt(id, 10)}}})
		if err != nil {
			return "", err
		}
		d.Changes = ch.Results
	}
	v.Title, v.Data = "Rack "+rk.Name, d
	v.Crumbs = []crumb{{"Sites", "/"}, {site.Name, fmt.Sprintf("/sites/%d", site.ID)}, {room.Name, fmt.Sprintf("/rooms/%d", room.ID)}}
	return "rack", nil
}

type deviceData struct {
	Device  dcim.Device
	Type    dcim.DeviceType
	Rack    *dcim.Rack
	Ports   []dcim.PowerPort
	Changes []dcim.Change
}

func (u *UI) device(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	dev, err := u.store.Devices().Get(ctx, id)
	if err != nil {
		return "", err
	}
	dt, err := u.store.DeviceTypes().Get(ctx, dev.DeviceTypeID)
	if err != nil {
		return "", err
	}
	d := deviceData{Device: dev, Type: dt}
	site, err := u.store.Sites().Get(ctx, dev.SiteID)
	if err != nil {
		return "", err
	}
	v.Crumbs = []crumb{{"Sites", "/"}, {site.Name, fmt.Sprintf("/sites/%d", site.ID)}}
	if dev.RackID != nil {
		rk, err := u.store.Racks().Get(ctx, *dev.RackID)
		if err == nil {
			d.Rack = &rk
			v.Crumbs = append(v.Crumbs, crumb{"Rack " + rk.Name, fmt.Sprintf("/racks/%d", rk.ID)})
		}
	}
	ports, err := u.store.PowerPorts().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: idFilter("device_id", id)})
	if err != nil {
		return "", err
	}
	d.Ports = ports.Results
	if !v.Tenant {
		ch, err := u.store.Changes(ctx, dcim.ListQuery{Limit: 20, Filters: map[string][]string{"object_type": {dcim.TypeDevice}, "object_id": {strconv.FormatInt(id, 10)}}})
		if err != nil {
			return "", err
		}
		d.Changes = ch.Results
	}
	v.Title, v.Data = dev.Name, d
	return "device", nil
}

// rackSensors is the rack's inlet temperatures over the last day, one sparkline per sensor point.
func (u *UI) rackSensors(r *http.Request, site, rack string) ([]sensorTrend, error) {
	if u.live.Telemetry == nil {
		return nil, nil
	}
	now := time.Now()
	// Every temperature the rack's sensors report: inlets (bottom, middle, top) and exhausts.
	expr := fmt.Sprintf(`{__name__=~"(.+_)?temperature_celsius", site=%q, rack=%q}`, site, rack)
	trends, err := u.live.Telemetry.Trends(r.Context(), expr, now.Add(-24*time.Hour), now, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	var out []sensorTrend
	for _, tr := range trends {
		if len(tr.Points) == 0 {
			continue
		}
		name := tr.Labels["point"]
		if name == "" {
			name = tr.Labels["sensor_point"]
		}
		if name == "" {
			name = tr.Labels["__name__"]
		}
		st := sensorTrend{Name: name, Last: tr.Points[len(tr.Points)-1].V, Peak: tr.Points[0].V,
			Inlet: strings.Contains(name, "inlet") || strings.HasPrefix(tr.Labels["__name__"], "inlet")}
		sp := chart.Spark{Label: name + " °C"}
		for _, p := range tr.Points {
			v := p.V
			sp.Points = append(sp.Points, chart.Point{T: p.T, V: &v})
			st.Peak = max(st.Peak, v)
		}
		var buf bytes.Buffer
		if err := sp.Render(&buf); err != nil {
			return nil, err
		}
		st.Spark = buf.Bytes()
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b sensorTrend) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// inletTemperatures is each rack's hottest inlet sensor now (the last reading of the past 15
// minutes), by rack name, as the reader sees the series.
func (u *UI) inletTemperatures(r *http.Request, site string) (map[string]float64, error) {
	out := map[string]float64{}
	if u.live.Telemetry == nil {
		return out, nil
	}
	now := time.Now()
	expr := fmt.Sprintf(`max by (rack) (last_over_time(inlet_temperature_celsius{site=%q}[15m]))`, site)
	trends, err := u.live.Telemetry.Trends(r.Context(), expr, now, now, time.Minute)
	if err != nil {
		return nil, err
	}
	for _, tr := range trends {
		if len(tr.Points) > 0 && tr.Labels["rack"] != "" {
			out[tr.Labels["rack"]] = tr.Points[len(tr.Points)-1].V
		}
	}
	return out, nil
}

// rackAlerts is each rack's worst active alert (1 pending, 2 firing, 3 firing critical), counting
// the alerts on the rack and on the devices in it.
func (u *UI) rackAlerts(r *http.Request, cs capacity.Site) (map[int64]float64, error) {
	page, err := u.store.Alerts(r.Context(), dcim.ListQuery{Limit: dcim.MaxLimit, Filters: map[string][]string{"state": {"active"}}})
	if err != nil {
		return nil, err
	}
	rackOf := map[int64]int64{} // device → rack
	for _, cr := range cs.Racks {
		for _, o := range cr.Occupants {
			rackOf[o.Ref.ID] = cr.Rack.ID
		}
	}
	out := map[int64]float64{}
	for _, a := range page.Results {
		if a.Object == nil {
			continue
		}
		rack := a.Object.ID
		if a.Object.Type == dcim.TypeDevice {
			rack = rackOf[a.Object.ID]
		} else if a.Object.Type != dcim.TypeRack {
			continue
		}
		level := 1.0
		if a.State == "firing" {
			level = 2
			if a.Severity == "critical" {
				level = 3
			}
		}
		out[rack] = max(out[rack], level)
	}
	return out, nil
}
