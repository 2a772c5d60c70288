package capacity

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
)

// Request asks where count devices of one type can go.
type Request struct {
	Type         dcim.DeviceType
	Count        int
	Tenant       *int64
	Redundancy   string  // "single" or "A+B"
	Room, Row    int64   // optional: only racks there
	Racks        []int64 // optional: only these racks
	KeepTogether bool    // all in one rack
	MaxPerRack   int     // 0: no limit
	Face         string  // front (default) or rear
}

// Headroom is what a rack has left once the placed devices are in.
type Headroom struct {
	FreeUnits  float64  `json:"free_units"`
	PowerKW    *float64 `json:"power_kw"` // after failover, over every node feeding the rack
	CoolingKW  *float64 `json:"cooling_kw"`
	WeightKg   *float64 `json:"weight_kg"` // to the rack's max_weight
	FreeOutlet int      `json:"free_outlets"`
}

// Candidate is one place for one device.
type Candidate struct {
	Rack     dcim.ObjectRef `json:"rack"`
	Position float64        `json:"position"` // 0 for a 0-U device
	Face     string         `json:"face"`
	Headroom Headroom       `json:"headroom"`
	Reasons  []string       `json:"reasons"`
	// Outlets to plug the device's power supplies into, in the order of its type's power ports
	// (POST /devices takes them as power_feeds): the A and B sides in turn for A+B, on the leg
	// carrying least after failover.
	Outlets []FreeOutlet `json:"outlets"`
}

// Rejection is a rack that cannot take the device, and why.
type Rejection struct {
	Rack    dcim.ObjectRef `json:"rack"`
	Reasons []string       `json:"reasons"`
}

// Plan is the answer to a placement request.
type Plan struct {
	Candidates []Candidate `json:"candidates"`
	Rejected   []Rejection `json:"rejected"`
	Placed     int         `json:"placed"`
	Basis      power.Basis `json:"load_basis"`
	DrawKW     float64     `json:"draw_kw"` // one device, on the basis
}

// Outlets is the free outlets of the racks' PDUs, by rack and side ("A", "B", "" where the PDU is
// not in the chain).
type Outlets map[int64]map[string][]FreeOutlet

// FreeOutlet is an outlet nothing is plugged into.
type FreeOutlet struct {
	ID   int64  `json:"outlet_id"`
	Name string `json:"name"`
	Leg  string `json:"feed_leg"`
	Side string `json:"side"`
}

// rackFit is one rack's evaluation.
type rackFit struct {
	idx       int
	rack      *Rack
	positions []float64
	fits      int // how many devices it can take
	rejects   []string
	power     *float64
	cooling   *float64
	weight    *float64
	outlets   map[string][]FreeOutlet
	own       bool // the tenant's own rack
	zone      int  // index into the context's zones, -1 for none
}

// Place finds where req's devices go in site. outlets are the free PDU outlets by rack and side.
func Place(site Site, ps *power.Site, req Request, outlets Outlets, basis power.Basis, now time.Time) Plan {
	c := newContext(site, ps, basis, now)
	plan := Plan{Candidates: []Candidate{}, Rejected: []Rejection{}, Basis: basis}
	dt := req.Type
	nameplate, allocated := power.DeviceDraw(templatePorts(dt.PowerPorts), len(dt.PowerPorts) >= 2, ps.AllocatedFraction())
	draw := allocated
	if basis == power.Nameplate {
		draw = nameplate
	}
	plan.DrawKW = draw / 1000
	weight := 0.0
	if dt.Weight != nil {
		weight = dcim.Kilograms(*dt.Weight, dt.WeightUnit)
	}
	face := req.Face
	if face == "" {
		face = "front"
	}
	zoneLeft := make([]float64, len(c.zones))
	for i, z := range c.zones {
		zoneLeft[i] = z.DesignKW - z.HeatKW
	}
	var fits []*rackFit
	for i := range site.Racks {
		r := &site.Racks[i]
		rk := &r.Rack
		switch {
		case req.Room != 0 && rk.RoomID != req.Room,
			req.Row != 0 && (rk.RowID == nil || *rk.RowID != req.Row),
			len(req.Racks) > 0 && !slices.Contains(req.Racks, rk.ID):
			continue
		}
		f := &rackFit{idx: i, rack: r, outlets: outlets[rk.ID], zone: -1}
		for zi, z := range c.zones {
			if z.Racks[rk.ID] {
				f.zone = zi
				break
			}
		}
		f.own = req.Tenant != nil && rk.TenantID != nil && *rk.TenantID == *req.Tenant
		if rk.Status != "active" && rk.Status != "available" {
			f.rejects = append(f.rejects, fmt.Sprintf("rack is %s", rk.Status))
		}
		if rk.TenantID != nil && (req.Tenant == nil || *rk.TenantID != *req.Tenant) {
			f.rejects = append(f.rejects, fmt.Sprintf("rack belongs to tenant %d", *rk.TenantID))
		}
		// Space: unit positions where the device fits, clear of devices and of units reserved for
		// anyone else.
		n := math.MaxInt
		if dt.UHeight > 0 {
			f.positions = freePositions(r, dt, face, req.Tenant, now)
			n = len(f.positions)
			if n == 0 {
				f.rejects = append(f.rejects, fmt.Sprintf("no %gU space on the %s face clear of devices and others' reservations", dt.UHeight, face))
			}
		}
		// Power: the feeds the redundancy asks for, outlets on them, and headroom after failover.
		rp := c.power[rk.ID]
		sides := 0
		for _, s := range []string{"A", "B"} {
			if len(f.outlets[s]) > 0 {
				sides++
			}
		}
		need := 1
		if req.Redundancy == "A+B" {
			need = 2
		}
		switch {
		case len(dt.PowerPorts) == 0:
			// Draws nothing: a patch panel, a blanking shelf.
		case need == 2 && len(dt.PowerPorts) < 2:
			f.rejects = append(f.rejects, "the device has one power supply: it cannot be fed from both A and B")
		case rp.HeadroomKW == nil && len(f.outlets) == 0:
			f.rejects = append(f.rejects, "no power feed the chain knows")
		case need == 2 && sides < 2:
			f.rejects = append(f.rejects, "no free outlet on both an A and a B feed")
		case need == 1 && freeCount(f.outlets) == 0:
			f.rejects = append(f.rejects, "no free outlet")
		}
		ports := max(len(dt.PowerPorts), 1)
		switch {
		case len(dt.PowerPorts) == 0:
		case need == 2:
			n = min(n, len(f.outlets["A"])/((ports+1)/2), len(f.outlets["B"])/max(ports/2, 1))
		default:
			n = min(n, freeCount(f.outlets)/ports)
		}
		if rp.HeadroomKW != nil {
			f.power = ptr(*rp.HeadroomKW)
			if draw > 0 {
				byPower := int(math.Floor(*rp.HeadroomKW*1000/draw + 1e-9))
				if byPower <= 0 {
					f.rejects = append(f.rejects, fmt.Sprintf("power: %.2f kW left after failover, the device draws %.2f kW", *rp.HeadroomKW, draw/1000))
				}
				n = min(n, max(byPower, 0))
			}
		}
		// Weight: the rack's limit and the floor's rating.
		if rk.MaxWeight != nil && weight > 0 {
			left := dcim.Kilograms(*rk.MaxWeight, rk.WeightUnit) - r.LoadKg
			f.weight = ptr(left)
			byWeight := int(math.Floor(left/weight + 1e-9))
			if byWeight <= 0 {
				f.rejects = append(f.rejects, fmt.Sprintf("weight: %.1f kg left under max_weight, the device weighs %.1f kg", left, weight))
			}
			n = min(n, max(byWeight, 0))
		}
		if room := c.rooms[rk.RoomID]; room.FloorLoadRating != nil && weight > 0 {
			area := dcim.FloorArea(rk, &room)
			total := r.LoadKg
			if rk.Weight != nil {
				total += dcim.Kilograms(*rk.Weight, rk.WeightUnit)
			}
			byFloor := int(math.Floor((*room.FloorLoadRating*area - total) / weight))
			if byFloor <= 0 {
				f.rejects = append(f.rejects, fmt.Sprintf("floor: rack %q is at %.0f kg/m² of the room's %.0f", rk.Name, total/area, *room.FloorLoadRating))
			}
			n = min(n, max(byFloor, 0))
		}
		if req.MaxPerRack > 0 {
			n = min(n, req.MaxPerRack)
		}
		if req.KeepTogether && n < req.Count && len(f.rejects) == 0 {
			f.rejects = append(f.rejects, fmt.Sprintf("takes %d of the %d to keep together", n, req.Count))
		}
		if len(f.rejects) > 0 {
			n = 0
		}
		f.fits = n
		fits = append(fits, f)
	}
	// Ranking: the tenant's own racks first, then the most power headroom after failover (spreading
	// load keeps every feed able to fail over), then the most free space, then the name.
	sort.SliceStable(fits, func(i, j int) bool {
		a, b := fits[i], fits[j]
		if (a.fits > 0) != (b.fits > 0) {
			return a.fits > 0
		}
		if a.own != b.own {
			return a.own
		}
		if pa, pb := deref(a.power), deref(b.power); pa != pb {
			return pa > pb
		}
		if len(a.positions) != len(b.positions) {
			return len(a.positions) > len(b.positions)
		}
		return a.rack.Rack.Name < b.rack.Rack.Name
	})
	left := req.Count
	for _, f := range fits {
		if f.fits == 0 {
			continue
		}
		if left == 0 {
			break
		}
		rk := &f.rack.Rack
		take := min(f.fits, left)
		if f.zone >= 0 && draw > 0 {
			byCooling := int(math.Floor(zoneLeft[f.zone] * 1000 / draw))
			if byCooling <= 0 {
				f.rejects = append(f.rejects, fmt.Sprintf("cooling: %.1f kW left in the zone", zoneLeft[f.zone]))
				f.fits = 0
				continue
			}
			take = min(take, byCooling)
			zoneLeft[f.zone] -= float64(take) * draw / 1000
			f.cooling = ptr(zoneLeft[f.zone])
		}
		left -= take
		plan.Placed += take
		h := Headroom{FreeUnits: float64(len(f.positions)-take) * dt.UHeight, FreeOutlet: freeCount(f.outlets) - take*len(dt.PowerPorts)}
		if f.power != nil {
			h.PowerKW = ptr(*f.power - float64(take)*draw/1000)
		}
		if f.weight != nil {
			h.WeightKg = ptr(*f.weight - float64(take)*weight)
		}
		h.CoolingKW = f.cooling
		reasons := []string{fmt.Sprintf("%gU free on the %s face", dt.UHeight*float64(len(f.positions)), face)}
		if f.own {
			reasons = append([]string{"the tenant's own rack"}, reasons...)
		}
		if f.power != nil {
			reasons = append(reasons, fmt.Sprintf("%.2f kW left after failover before, %.2f after", *f.power, *h.PowerKW))
		} else if len(dt.PowerPorts) > 0 {
			reasons = append(reasons, "power headroom unknown: the rack's PDUs are not in the power chain")
		}
		if req.Redundancy == "A+B" {
			reasons = append(reasons, "fed from both A and B")
		}
		plug := newPlugger(f.outlets, c.power[rk.ID].Feeds)
		for k := 0; k < take; k++ {
			cand := Candidate{Rack: dcim.ObjectRef{Type: dcim.TypeRack, ID: rk.ID, Name: rk.Name}, Face: face, Headroom: h, Reasons: reasons,
				Outlets: plug.take(len(dt.PowerPorts), req.Redundancy == "A+B", draw)}
			if dt.UHeight > 0 {
				cand.Position = f.positions[k]
			} else {
				cand.Face = ""
			}
			plan.Candidates = append(plan.Candidates, cand)
		}
		if req.KeepTogether {
			break
		}
	}
	// The best rejected racks: those refused for the fewest reasons.
	var rejected []*rackFit
	for _, f := range fits {
		if f.fits == 0 {
			rejected = append(rejected, f)
		}
	}
	sort.SliceStable(rejected, func(i, j int) bool { return len(rejected[i].rejects) < len(rejected[j].rejects) })
	for _, f := range rejected[:min(len(rejected), 20)] {
		plan.Rejected = append(plan.Rejected, Rejection{Rack: dcim.ObjectRef{Type: dcim.TypeRack, ID: f.rack.Rack.ID, Name: f.rack.Rack.Name}, Reasons: f.rejects})
	}
	return plan
}

// freePositions lists, bottom up, non-overlapping positions where a device of type dt fits on face
// (and the other face too when it is full depth), clear of devices and of units reserved for anyone
// but tenant.
func freePositions(r *Rack, dt dcim.DeviceType, face string, tenant *int64, now time.Time) []float64 {
	rk := &r.Rack
	lo, n := rk.StartingUnit*2, rk.UHeight*2
	blocked := make([]bool, n)
	for _, o := range r.Occupants {
		if !(o.FullDepth || dt.IsFullDepth || o.Face == face) {
			continue
		}
		a, b := int(o.Position*2)-lo, int((o.Position+o.Height)*2)-lo
		for i := max(a, 0); i < min(b, n); i++ {
			blocked[i] = true
		}
	}
	for _, res := range r.Reservations {
		if !res.Active(now) || (res.TenantID != nil && tenant != nil && *res.TenantID == *tenant) {
			continue
		}
		for _, u := range res.Units {
			for h := 0; h < 2; h++ {
				if i := u*2 + h - lo; i >= 0 && i < n {
					blocked[i] = true
				}
			}
		}
	}
	h := int(dt.UHeight * 2)
	var out []float64
	for i := 0; i+h <= n; {
		// Whole-unit devices start on a whole unit; half-unit ones on any half.
		if h%2 == 0 && i%2 == 1 {
			i++
			continue
		}
		clear := true
		for k := i; k < i+h; k++ {
			if blocked[k] {
				clear = false
				break
			}
		}
		if clear {
			out = append(out, float64(i+lo)/2)
			i += h
			continue
		}
		i++
	}
	return out
}

func templatePorts(ts []dcim.PowerPortTemplate) []power.ModelPort {
	out := make([]power.ModelPort, len(ts))
	for i, t := range ts {
		out[i] = power.ModelPort{MaximumDraw: t.MaximumDraw, AllocatedDraw: t.AllocatedDraw}
	}
	return out
}

func deref(p *float64) float64 {
	if p == nil {
		return math.Inf(-1)
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func freeCount(o map[string][]FreeOutlet) int { return len(o["A"]) + len(o["B"]) + len(o[""]) }

// plugger hands out a rack's free outlets to the devices placed in it, keeping the legs of each
// feed balanced by the current they would carry after failover.
type plugger struct {
	free map[string][]FreeOutlet // by side, consumed as handed out
	amps map[string]*[3]float64  // by side, per leg (A, B, C): failover current plus what was added
}

func newPlugger(free map[string][]FreeOutlet, feeds []power.FeedLoad) *plugger {
	p := &plugger{free: map[string][]FreeOutlet{}, amps: map[string]*[3]float64{}}
	for side, list := range free {
		p.free[side] = slices.Clone(list)
		p.amps[side] = &[3]float64{}
	}
	for _, f := range feeds {
		a := p.amps[f.Side]
		if a == nil {
			continue
		}
		for k, l := range f.Lines {
			if k < 3 {
				a[k] = math.Max(a[k], l.Failover)
			}
		}
	}
	return p
}

// take returns outlets for one device with ports power supplies drawing w watts.
func (p *plugger) take(ports int, ab bool, w float64) []FreeOutlet {
	out := []FreeOutlet{}
	for i := 0; i < ports; i++ {
		side := ""
		switch {
		case ab && i%2 == 0:
			side = "A"
		case ab:
			side = "B"
		default:
			for _, s := range []string{"A", "B", ""} {
				if len(p.free[s]) > len(p.free[side]) {
					side = s
				}
			}
		}
		list := p.free[side]
		if len(list) == 0 {
			break
		}
		best := 0
		legAmps := func(o FreeOutlet) float64 {
			k := map[string]int{"A": 0, "B": 1, "C": 2}[o.Leg]
			return p.amps[side][k]
		}
		for j := range list {
			if legAmps(list[j]) < legAmps(list[best]) {
				best = j
			}
		}
		o := list[best]
		p.free[side] = slices.Delete(list, best, best+1)
		// After failover one feed carries the whole device: about w / 230 V / 0.95 on its leg.
		p.amps[side][map[string]int{"A": 0, "B": 1, "C": 2}[o.Leg]] += w / 230 / 0.95
		out = append(out, o)
	}
	return out
}
