// Package capacity answers "how much is left": space, power after failover, cooling and weight, for
// a rack and rolled up for its row, room and site. It reads racks through Source and power through
// the power package; it does no I/O of its own.
package capacity

import (
	"cmp"
	"context"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
)

// Rack is a rack with what sits in it.
type Rack struct {
	Rack         dcim.Rack
	Occupants    []dcim.Occupant // devices in units
	LoadKg       float64         // every device in the rack, mounted or not
	Reservations []dcim.RackReservation
}

// Site is what capacity needs of one site.
type Site struct {
	Rooms []dcim.Room
	Rows  []dcim.Row
	Racks []Rack
}

// Source reads a site's racks and free outlets, and says when the inventory changed; the store
// implements it.
type Source interface {
	CapacitySite(ctx context.Context, siteID int64) (Site, error)
	FreeOutletsByRack(ctx context.Context, siteID int64) (Outlets, error)
	ModelVersion(ctx context.Context) (int64, error)
	ChangedSince(ctx context.Context, version int64, objectTypes []string) (bool, error)
}

// siteTypes are the object types capacity reads: a change to any other leaves what it read as it is.
var siteTypes = []string{dcim.TypeSite, dcim.TypeRoom, dcim.TypeRow, dcim.TypeRack, dcim.TypeRackReservation,
	dcim.TypeDeviceType, dcim.TypeDevice, dcim.TypePowerPort, dcim.TypePowerNode}

// Service keeps each site's racks and outlets read until the inventory changes: a roll-up or a
// placement over 10,000 racks then reads nothing.
type Service struct {
	src   Source
	mu    sync.Mutex
	sites map[int64]*cached
}

type cached struct {
	version int64
	site    Site
	outlets Outlets
	// To update the above from changes: each device's rack, and the racks of the PDUs its power
	// supplies are plugged into (nil when the source cannot update).
	devRack  map[int64]int64
	devPlugs map[int64][]int64
}

// Updater is a Source that can say what changed and read a few racks again, so that a site read
// is updated after ordinary work (devices placed, moved, removed; reservations) instead of read again.
type Updater interface {
	ChangedObjects(ctx context.Context, version int64, limit int) (objs []dcim.ObjectRef, newest int64, more bool, err error)
	CapacityRacks(ctx context.Context, siteID int64, rackIDs []int64) ([]Rack, error)
	FreeOutletsOfRacks(ctx context.Context, siteID int64, rackIDs []int64) (Outlets, error)
	DeviceRacks(ctx context.Context, siteID int64, ids []int64) (rack map[int64]int64, plugs map[int64][]int64, err error)
	ReservationRacks(ctx context.Context, ids []int64) (map[int64]int64, error)
	PortDevices(ctx context.Context, ids []int64) (map[int64]int64, error)
}

// NewService returns a Service reading from src.
func NewService(src Source) *Service { return &Service{src: src, sites: map[int64]*cached{}} }

// Site returns site id's racks and free outlets.
func (s *Service) Site(ctx context.Context, id int64) (Site, Outlets, error) {
	v, err := s.src.ModelVersion(ctx)
	if err != nil {
		return Site{}, nil, err
	}
	s.mu.Lock()
	c, ok := s.sites[id]
	var built int64
	if ok {
		built = c.version
	}
	s.mu.Unlock()
	if ok && built == v {
		return c.site, c.outlets, nil
	}
	if ok {
		changed, err := s.src.ChangedSince(ctx, built, siteTypes)
		if err != nil {
			return Site{}, nil, err
		}
		if !changed {
			s.mu.Lock()
			s.sites[id] = &cached{version: v, site: c.site, outlets: c.outlets, devRack: c.devRack, devPlugs: c.devPlugs}
			s.mu.Unlock()
			return c.site, c.outlets, nil
		}
		if up, isUpdater := s.src.(Updater); isUpdater && c.devRack != nil {
			next, err := update(ctx, up, id, c)
			if err != nil {
				return Site{}, nil, err
			}
			if next != nil {
				s.mu.Lock()
				s.sites[id] = next
				s.mu.Unlock()
				return next.site, next.outlets, nil
			}
		}
	}
	site, err := s.src.CapacitySite(ctx, id)
	if err != nil {
		return Site{}, nil, err
	}
	outlets, err := s.src.FreeOutletsByRack(ctx, id)
	if err != nil {
		return Site{}, nil, err
	}
	next := &cached{version: v, site: site, outlets: outlets}
	if up, isUpdater := s.src.(Updater); isUpdater {
		if next.devRack, next.devPlugs, err = up.DeviceRacks(ctx, id, nil); err != nil {
			return Site{}, nil, err
		}
	}
	s.mu.Lock()
	s.sites[id] = next
	s.mu.Unlock()
	return site, outlets, nil
}

// update applies the changes since c was read when they only touch devices and reservations: the
// racks they were and are in, and the racks of the PDUs they were and are plugged into, are read
// again. It returns nil when the site must be read afresh.
func update(ctx context.Context, up Updater, siteID int64, c *cached) (*cached, error) {
	objs, newest, more, err := up.ChangedObjects(ctx, c.version, 2000)
	if err != nil || more {
		return nil, err
	}
	var devs, res, ports []int64
	for _, o := range objs {
		switch {
		case o.Type == dcim.TypeDevice:
			devs = append(devs, o.ID)
		case o.Type == dcim.TypeRackReservation:
			res = append(res, o.ID)
		case o.Type == dcim.TypePowerPort:
			ports = append(ports, o.ID) // plugged in or out: its device's outlets and PDUs
		case slices.Contains(siteTypes, o.Type):
			return nil, nil // racks, rooms, types or the chain changed: read afresh
		}
	}
	owners, err := up.PortDevices(ctx, ports) // a port gone went with its device, logged too
	if err != nil {
		return nil, err
	}
	for _, d := range owners {
		devs = append(devs, d)
	}
	slices.Sort(devs)
	devs = slices.Compact(devs)
	rackNow, plugsNow, err := up.DeviceRacks(ctx, siteID, devs)
	if err != nil {
		return nil, err
	}
	racks, outletRacks := map[int64]bool{}, map[int64]bool{}
	for _, d := range devs {
		for _, r := range []int64{c.devRack[d], rackNow[d]} {
			if r != 0 {
				racks[r] = true
				outletRacks[r] = true // the device may be a PDU itself
			}
		}
		for _, r := range append(slices.Clone(c.devPlugs[d]), plugsNow[d]...) {
			if r != 0 {
				outletRacks[r] = true
			}
		}
	}
	resNow, err := up.ReservationRacks(ctx, res)
	if err != nil {
		return nil, err
	}
	for _, id := range res {
		if r, ok := resNow[id]; ok {
			racks[r] = true
		}
		for _, r := range c.site.Racks { // where it was, if it is gone or moved
			for _, rv := range r.Reservations {
				if rv.ID == id {
					racks[r.Rack.ID] = true
				}
			}
		}
	}
	ids := func(m map[int64]bool) []int64 {
		out := make([]int64, 0, len(m))
		for id := range m {
			out = append(out, id)
		}
		slices.Sort(out)
		return out
	}
	fresh, err := up.CapacityRacks(ctx, siteID, ids(racks))
	if err != nil {
		return nil, err
	}
	outlets, err := up.FreeOutletsOfRacks(ctx, siteID, ids(outletRacks))
	if err != nil {
		return nil, err
	}
	next := &cached{version: newest, site: c.site, outlets: make(Outlets, len(c.outlets)),
		devRack: maps.Clone(c.devRack), devPlugs: maps.Clone(c.devPlugs)}
	byID := make(map[int64]Rack, len(fresh))
	for _, r := range fresh {
		byID[r.Rack.ID] = r
	}
	next.site.Racks = slices.Clone(c.site.Racks)
	for i, r := range next.site.Racks {
		if nr, ok := byID[r.Rack.ID]; ok {
			next.site.Racks[i] = nr
		}
	}
	for r, o := range c.outlets {
		if !outletRacks[r] {
			next.outlets[r] = o
		}
	}
	for r, o := range outlets {
		next.outlets[r] = o
	}
	for _, d := range devs {
		if r, ok := rackNow[d]; ok {
			next.devRack[d] = r
		} else {
			delete(next.devRack, d)
		}
		if p, ok := plugsNow[d]; ok {
			next.devPlugs[d] = p
		} else {
			delete(next.devPlugs, d)
		}
	}
	return next, nil
}

// Space is rack units, per face where faces differ.
type Space struct {
	Units            float64            `json:"units"`              // units in the racks
	Used             map[string]float64 `json:"used"`               // per face, units taken by devices
	Reserved         float64            `json:"reserved"`           // units held by reservations in force, not taken
	Free             map[string]float64 `json:"free"`               // per face, units neither taken nor reserved
	LargestFreeBlock map[string]float64 `json:"largest_free_block"` // per face, the most contiguous free units in one rack
}

// Power is draw against what the feeds can still take after failover.
type Power struct {
	Basis       power.Basis `json:"load_basis"`
	NameplateKW float64     `json:"nameplate_kw"`
	AllocatedKW float64     `json:"allocated_kw"`
	// HeadroomKW is the least spare capacity after failover over the racks in scope: what can still
	// be added to the tightest rack. Null when no rack is fed by the chain.
	HeadroomKW *float64 `json:"failover_headroom_kw"`
	Unfed      int      `json:"unfed_racks"` // racks with devices but no feed the chain knows
	// BudgetKW is what the racks' feeds may carry with redundancy honoured, summed over the racks
	// whose feeds are all rated: the power provisioned to the scope.
	BudgetKW *float64 `json:"budget_kw"`
	// Phases is the racks' feeds line by line, per side: current now and with the other side down,
	// against the derated ratings, summed.
	Phases []PhaseLoad `json:"phases"`
	// Feeds, for one rack: each feed line by line, now and with the other side down.
	Feeds []power.FeedLoad `json:"feeds,omitempty"`
}

// PhaseLoad is one line of one side of the scope's rack feeds, summed over them.
type PhaseLoad struct {
	Side     string   `json:"side"`
	Phase    string   `json:"phase"`
	Feeds    int      `json:"feeds"`
	Amps     float64  `json:"amps"`
	Failover float64  `json:"failover_amps" doc:"with the other side down"`
	Limit    *float64 `json:"limit_amps" doc:"the derated ratings of the feeds rated in amperes"`
}

// addPhases adds a rack's feeds to the per-side, per-line totals in by.
func addPhases(by map[[2]string]*PhaseLoad, feeds []power.FeedLoad) {
	for _, f := range feeds {
		for _, l := range f.Lines {
			k := [2]string{f.Side, l.Phase}
			p := by[k]
			if p == nil {
				p = &PhaseLoad{Side: f.Side, Phase: l.Phase}
				by[k] = p
			}
			p.Feeds++
			p.Amps += l.Amps
			p.Failover += l.Failover
			if l.Limit != nil {
				p.Limit = ptr(*l.Limit + orZero(p.Limit))
			}
		}
	}
}

func orZero(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// Cooling is the heat of the scope's zones against their design capacity (redundancy held back).
type Cooling struct {
	HeatLoadKW float64 `json:"heat_load_kw"`
	CapacityKW float64 `json:"capacity_kw"`
	HeadroomKW float64 `json:"headroom_kw"`
	Zones      int     `json:"zones"`
}

// Weight is equipment weight against the racks' limits and the floor's rating.
type Weight struct {
	LoadKg      float64  `json:"load_kg"`
	MaxKg       float64  `json:"max_kg"` // sum of the racks' max_weight, where they have one
	WorstFloor  float64  `json:"worst_floor_kg_m2"`
	FloorRating *float64 `json:"floor_rating_kg_m2"` // of the room with the worst rack, where rated
}

// Summary is the capacity of one scope.
type Summary struct {
	Scope   dcim.ObjectRef `json:"scope"`
	Racks   int            `json:"racks"`
	Space   Space          `json:"space"`
	Power   Power          `json:"power"`
	Cooling Cooling        `json:"cooling"`
	Weight  Weight         `json:"weight"`
}

// Scope says which racks a summary covers.
type Scope struct {
	Type string // site, room, row, rack
	ID   int64
}

var faces = []string{"front", "rear"}

// Summarize rolls up the racks of scope. ps is the site's power chain (nil: no power or cooling
// figures); now decides which reservations are in force.
func Summarize(site Site, ps *power.Site, scope Scope, basis power.Basis, now time.Time) Summary {
	c := newContext(site, ps, basis, now)
	return c.summarize(scope, c.inScope(scope))
}

// PerRack summarizes every rack of scope on its own.
func PerRack(site Site, ps *power.Site, scope Scope, basis power.Basis, now time.Time) []Summary {
	c := newContext(site, ps, basis, now)
	var out []Summary
	for _, i := range c.inScope(scope) {
		out = append(out, c.summarize(Scope{Type: dcim.TypeRack, ID: site.Racks[i].Rack.ID}, []int{i}))
	}
	return out
}

// sumContext holds what every summary of one site shares, computed once.
type sumContext struct {
	site  Site
	ps    *power.Site
	basis power.Basis
	now   time.Time
	rooms map[int64]dcim.Room
	rows  map[int64]dcim.Row
	power map[int64]power.RackPower
	zones []power.ZoneLoad
	tally spaceTally // scratch of summarize
}

func newContext(site Site, ps *power.Site, basis power.Basis, now time.Time) *sumContext {
	c := &sumContext{site: site, ps: ps, basis: basis, now: now, rooms: map[int64]dcim.Room{}, rows: map[int64]dcim.Row{}}
	for _, r := range site.Rooms {
		c.rooms[r.ID] = r
	}
	for _, r := range site.Rows {
		c.rows[r.ID] = r
	}
	if ps == nil {
		return c
	}
	c.power = ps.Racks(basis)
	c.zones = ps.Zones(basis)
	return c
}

// inScope lists the indexes of the racks in scope.
func (c *sumContext) inScope(scope Scope) []int {
	var out []int
	for i, r := range c.site.Racks {
		rk := &r.Rack
		switch scope.Type {
		case dcim.TypeRoom:
			if rk.RoomID != scope.ID {
				continue
			}
		case dcim.TypeRow:
			if rk.RowID == nil || *rk.RowID != scope.ID {
				continue
			}
		case dcim.TypeRack:
			if rk.ID != scope.ID {
				continue
			}
		}
		out = append(out, i)
	}
	return out
}

func (c *sumContext) summarize(scope Scope, idx []int) Summary {
	sum := Summary{Scope: dcim.ObjectRef{Type: scope.Type, ID: scope.ID}}
	units := &c.tally
	*units = spaceTally{taken: units.taken, held: units.held}
	sum.Power.Basis = c.basis
	switch scope.Type {
	case dcim.TypeRoom:
		sum.Scope.Name = c.rooms[scope.ID].Name
	case dcim.TypeRow:
		sum.Scope.Name = c.rows[scope.ID].Name
	}
	headroom := math.Inf(1)
	phases := map[[2]string]*PhaseLoad{}
	inScope := make(map[int64]bool, len(idx))
	for _, i := range idx {
		r := &c.site.Racks[i]
		rk := &r.Rack
		if scope.Type == dcim.TypeRack {
			sum.Scope.Name = rk.Name
		}
		inScope[rk.ID] = true
		sum.Racks++
		units.add(r, c.now)
		rp := c.power[rk.ID]
		sum.Power.NameplateKW += rp.NameplateKW
		sum.Power.AllocatedKW += rp.AllocatedKW
		if rp.BudgetKW != nil {
			sum.Power.BudgetKW = ptr(orZero(sum.Power.BudgetKW) + *rp.BudgetKW)
		}
		addPhases(phases, rp.Feeds)
		switch {
		case rp.HeadroomKW != nil:
			headroom = math.Min(headroom, *rp.HeadroomKW)
		case len(r.Occupants) > 0 || r.LoadKg > 0:
			sum.Power.Unfed++
		}
		room := c.rooms[rk.RoomID]
		sum.Weight.LoadKg += r.LoadKg
		if rk.MaxWeight != nil {
			sum.Weight.MaxKg += dcim.Kilograms(*rk.MaxWeight, rk.WeightUnit)
		}
		total := r.LoadKg
		if rk.Weight != nil {
			total += dcim.Kilograms(*rk.Weight, rk.WeightUnit)
		}
		if perM2 := total / dcim.FloorArea(rk, &room); perM2 > sum.Weight.WorstFloor {
			sum.Weight.WorstFloor = perM2
			sum.Weight.FloorRating = room.FloorLoadRating
		}
	}
	sum.Space = units.Space()
	sum.Power.Phases = make([]PhaseLoad, 0, len(phases))
	for _, p := range phases {
		sum.Power.Phases = append(sum.Power.Phases, *p)
	}
	slices.SortFunc(sum.Power.Phases, func(a, b PhaseLoad) int {
		return cmp.Or(cmp.Compare(a.Side, b.Side), cmp.Compare(a.Phase, b.Phase))
	})
	if !math.IsInf(headroom, 1) {
		sum.Power.HeadroomKW = &headroom
	}
	if scope.Type == dcim.TypeRack && len(idx) == 1 {
		sum.Power.Feeds = c.power[c.site.Racks[idx[0]].Rack.ID].Feeds
	}
	// The zones cooling any rack of the scope count whole: heat is shared within a zone.
	for _, z := range c.zones {
		for r := range inScope {
			if z.Racks[r] {
				sum.Cooling.Zones++
				sum.Cooling.HeatLoadKW += z.HeatKW
				sum.Cooling.CapacityKW += z.DesignKW
				break
			}
		}
	}
	sum.Cooling.HeadroomKW = sum.Cooling.CapacityKW - sum.Cooling.HeatLoadKW
	return sum
}

// spaceTally adds up racks' units, faces indexed as in faces.
type spaceTally struct {
	units, reserved     float64
	used, free, largest [2]float64
	taken               [2][]bool // scratch, per half unit
	held                []bool
}

// Space is the tally as reported.
func (t *spaceTally) Space() Space {
	s := Space{Units: t.units, Reserved: t.reserved, Used: map[string]float64{}, Free: map[string]float64{}, LargestFreeBlock: map[string]float64{}}
	for k, f := range faces {
		s.Used[f], s.Free[f], s.LargestFreeBlock[f] = t.used[k], t.free[k], t.largest[k]
	}
	return s
}

// scratch returns b resized to n falses.
func scratch(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// add tallies one rack's units: those taken by devices (per face), held by reservations in force
// at now, and free.
func (t *spaceTally) add(r *Rack, now time.Time) {
	rk := &r.Rack
	lo := rk.StartingUnit * 2
	n := rk.UHeight * 2
	t.units += float64(rk.UHeight)
	for k := range faces {
		t.taken[k] = scratch(t.taken[k], n)
	}
	for _, o := range r.Occupants {
		a, b := int(o.Position*2)-lo, int((o.Position+o.Height)*2)-lo
		for k, f := range faces {
			if !(o.FullDepth || o.Face == f) {
				continue
			}
			for i := max(a, 0); i < min(b, n); i++ {
				t.taken[k][i] = true
			}
		}
	}
	t.held = scratch(t.held, n)
	for _, res := range r.Reservations {
		if !res.Active(now) {
			continue
		}
		for _, u := range res.Units {
			for h := 0; h < 2; h++ {
				if i := u*2 + h - lo; i >= 0 && i < n {
					t.held[i] = true
				}
			}
		}
	}
	resSlots := 0
	for i := 0; i < n; i++ {
		if t.held[i] && !t.taken[0][i] && !t.taken[1][i] {
			resSlots++
		}
	}
	t.reserved += float64(resSlots) / 2
	for k := range faces {
		used, free, run, best := 0, 0, 0, 0
		for i := 0; i < n; i++ {
			switch {
			case t.taken[k][i]:
				used++
				run = 0
			case t.held[i]:
				run = 0
			default:
				free++
				run++
				best = max(best, run)
			}
		}
		t.used[k] += float64(used) / 2
		t.free[k] += float64(free) / 2
		t.largest[k] = math.Max(t.largest[k], float64(best)/2)
	}
}
