package dcim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Slugify makes a URL-friendly slug from a name, as NetBox does.
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '_':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

func oneOf(p *Problems, field, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		p.Add(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

func required(p *Problems, field, v string) {
	if strings.TrimSpace(v) == "" {
		p.Add(field, "is required")
	}
}

func nonNegative(p *Problems, field string, v *float64) {
	if v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0)) {
		p.Add(field, "must be a finite number ≥ 0, got %v", *v)
	}
}

func slugField(p *Problems, field string, slug *string, name string) {
	if *slug == "" {
		*slug = Slugify(name)
	}
	if *slug != Slugify(*slug) {
		p.Add(field, "%q is not a slug (lower-case letters, digits, - and _)", *slug)
	}
}

func tags(p *Problems, t []string) {
	for i, s := range t {
		if s == "" || Slugify(s) != s {
			p.Add("tags", "tag %d (%q) is not a slug", i, s)
		}
	}
}

var (
	siteStatuses   = []string{"planned", "staging", "active", "decommissioning", "retired"}
	rackStatuses   = []string{"reserved", "available", "planned", "active", "deprecated"}
	deviceStatuses = []string{"offline", "active", "planned", "staged", "failed", "inventory", "decommissioning"}
	roomKinds      = []string{"data-hall", "electrical", "mechanical", "meet-me", "office", "storage", "other"}
	airflows       = []string{"", "front-to-rear", "rear-to-front", "left-to-right", "right-to-left", "side-to-rear", "rear-to-side", "bottom-to-top", "top-to-bottom", "passive", "mixed"}
	weightUnits    = []string{"", "kg", "g", "lb", "oz"}
)

// Normalize fills defaults and checks the site on its own.
func (s *Site) Normalize() error {
	var p Problems
	required(&p, "name", s.Name)
	slugField(&p, "slug", &s.Slug, s.Name)
	if s.Status == "" {
		s.Status = "active"
	}
	oneOf(&p, "status", s.Status, siteStatuses...)
	if s.TimeZone != "" {
		if _, err := time.LoadLocation(s.TimeZone); err != nil {
			p.Add("time_zone", "%q is not an IANA time zone", s.TimeZone)
		}
	}
	if s.Latitude != nil && (*s.Latitude < -90 || *s.Latitude > 90) {
		p.Add("latitude", "must be within -90..90")
	}
	if s.Longitude != nil && (*s.Longitude < -180 || *s.Longitude > 180) {
		p.Add("longitude", "must be within -180..180")
	}
	nonNegative(&p, "emission_factor", s.EmissionFactor)
	nonNegative(&p, "supply_voltage_ln", s.SupplyVoltageLN)
	nonNegative(&p, "supply_voltage_ll", s.SupplyVoltageLL)
	nonNegative(&p, "supply_frequency", s.SupplyFrequency)
	tags(&p, s.Tags)
	return p.Err()
}

// Normalize fills defaults and checks the room on its own.
func (r *Room) Normalize() error {
	var p Problems
	required(&p, "name", r.Name)
	if r.Kind == "" {
		r.Kind = "data-hall"
	}
	oneOf(&p, "kind", r.Kind, roomKinds...)
	if r.Status == "" {
		r.Status = "active"
	}
	oneOf(&p, "status", r.Status, siteStatuses...)
	if r.TileSize == 0 {
		r.TileSize = 600
	}
	if r.TileSize < 0 {
		p.Add("tile_size", "must be > 0")
	}
	if r.GridRows < 0 {
		p.Add("grid_rows", "must be ≥ 0")
	}
	if r.GridColumns < 0 {
		p.Add("grid_columns", "must be ≥ 0")
	}
	nonNegative(&p, "floor_load_rating", r.FloorLoadRating)
	if r.ThermalClass == "" {
		r.ThermalClass = "A1"
	}
	tags(&p, r.Tags)
	return p.Err()
}

// Normalize checks the row on its own.
func (r *Row) Normalize() error {
	var p Problems
	required(&p, "name", r.Name)
	oneOf(&p, "aisle", r.Aisle, "", "hot", "cold")
	tags(&p, r.Tags)
	return p.Err()
}

// Normalize fills defaults and checks the rack on its own.
func (r *Rack) Normalize() error {
	var p Problems
	required(&p, "name", r.Name)
	if r.Status == "" {
		r.Status = "active"
	}
	oneOf(&p, "status", r.Status, rackStatuses...)
	if r.UHeight == 0 {
		r.UHeight = 42
	}
	if r.UHeight < 1 || r.UHeight > 100 {
		p.Add("u_height", "must be within 1..100, got %d", r.UHeight)
	}
	if r.StartingUnit == 0 {
		r.StartingUnit = 1
	}
	if r.StartingUnit < 1 {
		p.Add("starting_unit", "must be ≥ 1")
	}
	if r.Width == 0 {
		r.Width = 19
	}
	if !slices.Contains([]int{10, 19, 21, 23}, r.Width) {
		p.Add("width", "must be 10, 19, 21 or 23 (inches), got %d", r.Width)
	}
	nonNegative(&p, "outer_width", r.OuterWidth)
	nonNegative(&p, "outer_depth", r.OuterDepth)
	nonNegative(&p, "outer_height", r.OuterHeight)
	if (r.OuterWidth != nil || r.OuterDepth != nil || r.OuterHeight != nil) && r.OuterUnit == "" {
		r.OuterUnit = "mm"
	}
	oneOf(&p, "outer_unit", r.OuterUnit, "", "mm", "in")
	nonNegative(&p, "weight", r.Weight)
	nonNegative(&p, "max_weight", r.MaxWeight)
	if (r.Weight != nil || r.MaxWeight != nil) && r.WeightUnit == "" {
		r.WeightUnit = "kg"
	}
	oneOf(&p, "weight_unit", r.WeightUnit, weightUnits...)
	oneOf(&p, "airflow", r.Airflow, "", "front-to-rear", "rear-to-front")
	if (r.GridRow == nil) != (r.GridColumn == nil) {
		p.Add("grid_row", "grid_row and grid_column are set together or not at all")
	}
	if r.GridRow != nil && *r.GridRow < 0 {
		p.Add("grid_row", "must be ≥ 0")
	}
	if r.GridColumn != nil && *r.GridColumn < 0 {
		p.Add("grid_column", "must be ≥ 0")
	}
	tags(&p, r.Tags)
	return p.Err()
}

// Normalize sorts and checks the reservation on its own.
func (r *RackReservation) Normalize() error {
	var p Problems
	required(&p, "description", r.Description)
	if len(r.Units) == 0 {
		p.Add("units", "at least one unit is required")
	}
	slices.Sort(r.Units)
	for i, u := range r.Units {
		if i > 0 && r.Units[i-1] == u {
			p.Add("units", "unit %d is listed twice", u)
		}
	}
	tags(&p, r.Tags)
	return p.Err()
}

// Normalize checks the manufacturer on its own.
func (m *Manufacturer) Normalize() error {
	var p Problems
	required(&p, "name", m.Name)
	slugField(&p, "slug", &m.Slug, m.Name)
	tags(&p, m.Tags)
	return p.Err()
}

// Normalize checks the tenant on its own.
func (t *Tenant) Normalize() error {
	var p Problems
	required(&p, "name", t.Name)
	slugField(&p, "slug", &t.Slug, t.Name)
	tags(&p, t.Tags)
	return p.Err()
}

// Normalize checks the tag on its own.
func (t *Tag) Normalize() error {
	var p Problems
	required(&p, "name", t.Name)
	slugField(&p, "slug", &t.Slug, t.Name)
	if t.Color != "" {
		t.Color = strings.ToLower(t.Color)
		if len(t.Color) != 6 || strings.Trim(t.Color, "0123456789abcdef") != "" {
			p.Add("color", "%q is not an RGB hex colour such as 9e9e9e", t.Color)
		}
	}
	return p.Err()
}

// Normalize fills defaults and checks the device type on its own, templates included.
func (t *DeviceType) Normalize() error {
	var p Problems
	required(&p, "model", t.Model)
	slugField(&p, "slug", &t.Slug, t.Model)
	if t.UHeight < 0 || t.UHeight > 100 || math.IsNaN(t.UHeight) {
		p.Add("u_height", "must be within 0..100, got %v", t.UHeight)
	} else if !isHalf(t.UHeight) {
		p.Add("u_height", "must be a multiple of 0.5, got %v", t.UHeight)
	}
	oneOf(&p, "airflow", t.Airflow, airflows...)
	nonNegative(&p, "weight", t.Weight)
	if t.Weight != nil && t.WeightUnit == "" {
		t.WeightUnit = "kg"
	}
	oneOf(&p, "weight_unit", t.WeightUnit, weightUnits...)
	oneOf(&p, "subdevice_role", t.SubdeviceRole, "", "parent", "child")
	if t.PowerPorts == nil {
		t.PowerPorts = []PowerPortTemplate{}
	}
	if t.PowerOutlets == nil {
		t.PowerOutlets = []PowerOutletTemplate{}
	}
	if t.SubdeviceRole == "child" && t.UHeight != 0 {
		p.Add("u_height", "a child device type must be 0-U (it sits in a parent's bay)")
	}
	ports := map[string]bool{}
	for i, pp := range t.PowerPorts {
		f := "power_ports[" + strconv.Itoa(i) + "]"
		required(&p, f+".name", pp.Name)
		if ports[pp.Name] {
			p.Add(f+".name", "duplicate power port %q", pp.Name)
		}
		ports[pp.Name] = true
		if pp.MaximumDraw != nil && *pp.MaximumDraw < 0 {
			p.Add(f+".maximum_draw", "must be ≥ 0")
		}
		if pp.AllocatedDraw != nil && *pp.AllocatedDraw < 0 {
			p.Add(f+".allocated_draw", "must be ≥ 0")
		}
		if pp.MaximumDraw != nil && pp.AllocatedDraw != nil && *pp.AllocatedDraw > *pp.MaximumDraw {
			p.Add(f+".allocated_draw", "allocated draw %d W exceeds maximum draw %d W", *pp.AllocatedDraw, *pp.MaximumDraw)
		}
	}
	outlets := map[string]bool{}
	for i, o := range t.PowerOutlets {
		f := "power_outlets[" + strconv.Itoa(i) + "]"
		required(&p, f+".name", o.Name)
		if outlets[o.Name] {
			p.Add(f+".name", "duplicate power outlet %q", o.Name)
		}
		outlets[o.Name] = true
		if o.PowerPort != "" && !ports[o.PowerPort] {
			p.Add(f+".power_port", "no power port named %q on this type", o.PowerPort)
		}
		oneOf(&p, f+".feed_leg", o.FeedLeg, "", "A", "B", "C")
	}
	tags(&p, t.Tags)
	return p.Err()
}

// Normalize fills defaults and checks the device on its own; placement needs the rack (see CheckPlacement).
func (d *Device) Normalize() error {
	var p Problems
	required(&p, "name", d.Name)
	if d.Status == "" {
		d.Status = "active"
	}
	oneOf(&p, "status", d.Status, deviceStatuses...)
	oneOf(&p, "face", d.Face, "", "front", "rear")
	oneOf(&p, "mount_side", d.MountSide, "", "left", "right")
	oneOf(&p, "airflow", d.Airflow, airflows...)
	oneOf(&p, "power_split", d.PowerSplit, "", "shared", "primary")
	if d.PowerSplit == "primary" && d.PowerRedundant != nil && !*d.PowerRedundant {
		p.Add("power_split", "primary: one supply carries the device while the others stand by, which needs a redundant device (power_redundant is false)")
	}
	if d.RackID == nil {
		if d.Position != nil {
			p.Add("position", "a device needs a rack to have a position")
		}
		if d.Face != "" {
			p.Add("face", "a device needs a rack to have a face")
		}
		if d.MountSide != "" {
			p.Add("mount_side", "a device needs a rack to hang on its side")
		}
	}
	if d.Position != nil {
		if *d.Position < 0.5 || !isHalf(*d.Position) {
			p.Add("position", "must be a unit number ≥ 1 in multiples of 0.5, got %v", *d.Position)
		}
		if d.Face == "" {
			p.Add("face", "is required when the device has a position")
		}
		if d.MountSide != "" {
			p.Add("mount_side", "a device in a unit position is not side-mounted")
		}
	}
	for i, f := range d.PowerFeeds {
		pp := PowerPort{OutletID: f.OutletID, PowerNodeID: f.PowerNodeID, Lines: f.Lines, Voltage: f.Voltage}
		if err := AsError(pp.Normalize()); err != nil {
			for _, fe := range err.Fields {
				p.Add(fmt.Sprintf("power_feeds[%d].%s", i, fe.Field), "%s", fe.Message)
			}
		}
		if f.OutletID == nil && f.PowerNodeID == nil {
			p.Add(fmt.Sprintf("power_feeds[%d]", i), "say where the port is plugged in: outlet_id or power_node_id")
		}
	}
	tags(&p, d.Tags)
	return p.Err()
}

func isHalf(v float64) bool { return v*2 == math.Trunc(v*2) }
