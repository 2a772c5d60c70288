package power

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Model is one site's chain as stored: what Source hands the analysis.
type Model struct {
	SiteID            int64
	Version           int64 // changes with every write to the inventory
	AllocatedFraction float64
	Nodes             []dcim.PowerNode
	Edges             []dcim.PowerEdge
	Devices           []ModelDevice // in id order
	Zones             []dcim.CoolingZone
	Units             []dcim.CoolingUnit
	RackRooms         map[int64]int64 // rack id → room id
}

// ModelDevice is a device of the site with its power supplies and where they are plugged in.
type ModelDevice struct {
	ID        int64
	Name      string
	RackID    int64 // 0 when not racked
	Redundant *bool
	Split     string // "primary": the first live port carries a redundant device
	Ports     []ModelPort
}

// ModelPort is one power supply: its draw, and the node and lines feeding it (Node 0: not plugged
// into anything the chain knows).
type ModelPort struct {
	ID                         int64
	MaximumDraw, AllocatedDraw *int
	Node                       int64
	Lines                      string
}

// Source reads a site's model; the store implements it.
type Source interface {
	PowerModel(ctx context.Context, siteID int64) (Model, error)
	ModelVersion(ctx context.Context) (int64, error)
	// ChangedSince reports whether objects of the given types changed after version.
	ChangedSince(ctx context.Context, version int64, objectTypes []string) (bool, error)
}

// modelTypes are the object types a site's chain is built from: a change to any other (a tenant, a
// tag, a reservation) leaves the built chain as it is.
var modelTypes = []string{dcim.TypeSite, dcim.TypeRoom, dcim.TypeRack, dcim.TypeDevice, dcim.TypePowerPort,
	dcim.TypePowerNode, dcim.TypePowerEdge, dcim.TypeCoolingZone, dcim.TypeCoolingUnit}

// Measurement is a device's measured draw: recent peak and 95th percentile, watts.
type Measurement struct {
	PeakW, P95W float64
	// Calibrated: not read from the device, but its allocation scaled to its nodes' meters (see
	// calibrate.go); PeakW is then its draw on the measured basis, P95W is 0.
	Calibrated bool
}

// LoadSource gives the measured draw of devices; the telemetry feeds it. Until then NoMeasurements.
type LoadSource interface {
	MeasuredLoads(ctx context.Context, siteID int64) (map[int64]Measurement, error)
}

// NodeLoadSource is a LoadSource that also measures power nodes directly (a rack PDU's inlet, a
// UPS's output), by node id: shown beside the computed loads.
type NodeLoadSource interface {
	MeasuredNodeLoads(ctx context.Context, siteID int64) (map[int64]Measurement, error)
}

// NoMeasurements is the LoadSource of a Plenum without telemetry.
type NoMeasurements struct{}

// MeasuredLoads returns nothing.
func (NoMeasurements) MeasuredLoads(context.Context, int64) (map[int64]Measurement, error) {
	return nil, nil
}

// DefaultAllocatedFraction is the share of a port's maximum draw taken as allocated when the site
// says nothing and the port has no allocated draw.
const DefaultAllocatedFraction = 0.6

// DeviceDraw is a device's nameplate and allocated draw from its ports: the largest port figure
// when any one supply carries the device (redundant), their sum when it needs them all.
func DeviceDraw(ports []ModelPort, redundant bool, fraction float64) (nameplate, allocated float64) {
	for _, p := range ports {
		var maxW, allocW float64
		if p.MaximumDraw != nil {
			maxW = float64(*p.MaximumDraw)
		}
		switch {
		case p.AllocatedDraw != nil:
			allocW = float64(*p.AllocatedDraw)
		default:
			allocW = fraction * maxW
		}
		if redundant {
			nameplate, allocated = max(nameplate, maxW), max(allocated, allocW)
		} else {
			nameplate, allocated = nameplate+maxW, allocated+allocW
		}
	}
	return nameplate, allocated
}

// Site is a built chain of one site with its cooling, ready for computations.
type Site struct {
	ID       int64
	Version  int64
	Graph    *Graph
	Model    Model
	measured map[int64]Measurement // devices' readings, and the calibrated draws of the others
	raw      map[int64]Measurement // devices' readings as the LoadSource gave them
	nodes    map[int64]Measurement // measured power nodes, by id
	// recalibrate: devices changed since the calibration to the node meters; it is done again
	// when the measurements are next read.
	recalibrate bool
	mu          sync.Mutex
	base        map[Basis]*Result
	heat        map[Basis]map[int64]float64 // rack → W
	headroom    map[Basis]map[int64]float64 // node → spare kW after failover
	racks       map[Basis]map[int64]RackPower
	sides       map[Basis][2]*Result // A side down, B side down
	zones       map[Basis][]ZoneLoad
	overloads   map[Basis][]Overload
	feeds       map[int64]map[int]int // rack → node → ports and PDUs putting it there: see rackFeeds
}

// BuildSite turns a stored model into a chain. Only the ports plugged into a node count as the
// device's feeds; a device with none is no load on the chain (but still heat in its rack).
func BuildSite(m Model, measured map[int64]Measurement) (*Site, error) {
	// Nodes not active (planned, offline) are part of the chain but carry nothing: see down.
	nodes := make([]Node, len(m.Nodes))
	for i := range m.Nodes {
		nodes[i] = FromModel(&m.Nodes[i])
	}
	edges := make([]Edge, len(m.Edges))
	for i, e := range m.Edges {
		edges[i] = Edge{From: e.FromID, To: e.ToID, Priority: e.Priority}
	}
	if !slices.IsSortedFunc(m.Devices, byDeviceID) {
		m.Devices = slices.Clone(m.Devices)
		slices.SortFunc(m.Devices, byDeviceID)
	}
	devices := make([]Device, 0, len(m.Devices))
	parsed := map[string]Lines{} // a campus has half a million ports on a handful of line strings
	for i := range m.Devices {
		if d, on := m.chainDevice(&m.Devices[i], measured, parsed); on {
			devices = append(devices, d)
		}
	}
	g, err := Build(nodes, edges, devices)
	if err != nil {
		return nil, fmt.Errorf("site %d: %w", m.SiteID, err)
	}
	return &Site{ID: m.SiteID, Version: m.Version, Graph: g, Model: m, measured: measured, raw: measured}, nil
}

// buildMeasured builds the chain of model m with the devices' readings ms, and calibrates its
// measured basis to the node meters' readings nodes.
func buildMeasured(m Model, ms, nodes map[int64]Measurement) (*Site, error) {
	site, err := BuildSite(m, ms)
	if err != nil {
		return nil, err
	}
	site.nodes = nodes
	cal := site.Graph.calibrate(site.down(), nodes, func(id int64) bool { r, ok := ms[id]; return ok && r.PeakW > 0 })
	if len(cal) > 0 {
		site.measured = make(map[int64]Measurement, len(ms)+len(cal))
		maps.Copy(site.measured, ms)
		for id, w := range cal {
			site.measured[id] = Measurement{PeakW: w, Calibrated: true}
		}
	}
	return site, nil
}

// chainDevice is device d as the chain sees it: its draw, and the ports plugged into a node. on is
// false when none is: the device is no load on the chain. parsed caches parsed line strings.
func (m *Model) chainDevice(d *ModelDevice, measured map[int64]Measurement, parsed map[string]Lines) (dev Device, on bool) {
	var ports []Port
	for _, p := range d.Ports {
		if p.Node == 0 {
			continue
		}
		l := Lines{A: 0, B: -1}
		if p.Lines != "" {
			pl, ok := parsed[p.Lines]
			if !ok {
				var err error
				if pl, err = ParseLines(p.Lines); err != nil {
					pl = l
				}
				parsed[p.Lines] = pl
			}
			l = pl
		}
		ports = append(ports, Port{ID: p.ID, Node: p.Node, Lines: l})
	}
	if len(ports) == 0 {
		return Device{}, false
	}
	redundant, np, al, ms := m.draw(d, measured)
	return Device{ID: d.ID, Name: d.Name, Rack: d.RackID, Redundant: redundant, Primary: redundant && d.Split == "primary",
		NameplateW: np, AllocatedW: al, MeasuredW: ms, Ports: ports}, true
}

// down is the set of nodes not carrying load whatever fails: those not active.
func (s *Site) down() map[int64]bool {
	out := map[int64]bool{}
	for _, n := range s.Model.Nodes {
		if n.Status != "active" {
			out[n.ID] = true
		}
	}
	return out
}

// Base is the chain with nothing failed (but the nodes not active), computed once per basis.
func (s *Site) Base(b Basis) *Result {
	return memo(&s.mu, &s.base, b, func() *Result { return s.Graph.Compute(Scenario{Failed: s.down(), Basis: b}) })
}

// memo returns (*m)[b], computing it with build the first time. The lock is not held while building,
// so a computation may use other memoized values; two callers racing may both build, harmlessly.
func memo[V any](mu *sync.Mutex, m *map[Basis]V, b Basis, build func() V) V {
	mu.Lock()
	if v, ok := (*m)[b]; ok {
		mu.Unlock()
		return v
	}
	mu.Unlock()
	v := build()
	mu.Lock()
	defer mu.Unlock()
	if *m == nil {
		*m = map[Basis]V{}
	}
	(*m)[b] = v
	return v
}

// Measured reports how many of the site's devices on the chain have a measured draw.
func (s *Site) Measured() int { return s.countMeasured(false) }

// Calibrated reports how many of the site's devices on the chain have a draw calibrated to their
// nodes' meters.
func (s *Site) Calibrated() int { return s.countMeasured(true) }

func (s *Site) countMeasured(calibrated bool) int {
	n := 0
	for i, d := range s.Graph.devices {
		if ms, ok := s.measured[d.ID]; ok && ms.Calibrated == calibrated && (ms.PeakW > 0 || calibrated) && s.Graph.live(i) {
			n++
		}
	}
	return n
}

// Service answers power questions about sites, keeping each site's built chain until the inventory
// changes.
type Service struct {
	src        Source
	loads      LoadSource
	mu         sync.Mutex
	sites      map[int64]*Site
	versions   map[int64]int64     // the inventory version each site's chain is known to be current at
	measuredAt map[int64]time.Time // when each site's measurements were read
	watched    bool                // Watch reads them: requests never do
	// MeasureEvery is how long measurements are taken as current: past it they are read again,
	// and the chain rebuilt if they changed (default one minute).
	MeasureEvery time.Duration
}

// NewService returns a Service reading the model from src and measurements from loads.
func NewService(src Source, loads LoadSource) *Service {
	if loads == nil {
		loads = NoMeasurements{}
	}
	return &Service{src: src, loads: loads, sites: map[int64]*Site{}, versions: map[int64]int64{}, measuredAt: map[int64]time.Time{},
		MeasureEvery: time.Minute}
}

// Site returns the built chain of site id, rebuilt when the inventory has changed since.
func (s *Service) Site(ctx context.Context, id int64) (*Site, error) {
	v, err := s.src.ModelVersion(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	cached, ok := s.sites[id]
	var built int64
	if ok {
		built = s.versions[id]
	}
	s.mu.Unlock()
	if ok && built == v {
		return s.remeasure(ctx, id, cached)
	}
	if ok {
		changed, err := s.src.ChangedSince(ctx, built, modelTypes)
		if err != nil {
			return nil, err
		}
		if !changed {
			s.mu.Lock()
			s.versions[id] = v
			s.mu.Unlock()
			return s.remeasure(ctx, id, cached)
		}
		if up, isUpdater := s.src.(Updater); isUpdater {
			site, newest, err := s.update(ctx, up, cached, built)
			if err != nil {
				return nil, err
			}
			if site != nil {
				s.mu.Lock()
				s.sites[id], s.versions[id] = site, newest
				s.mu.Unlock()
				return site, nil
			}
		}
	}
	m, err := s.src.PowerModel(ctx, id)
	if err != nil {
		return nil, err
	}
	ms, err := s.loads.MeasuredLoads(ctx, id)
	if err != nil {
		return nil, err
	}
	nodes, err := s.nodeLoads(ctx, id)
	if err != nil {
		return nil, err
	}
	site, err := buildMeasured(m, ms, nodes)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.sites[id] = site
	s.versions[id] = site.Version
	s.measuredAt[id] = time.Now()
	s.mu.Unlock()
	return site, nil
}

// nodeLoads reads the measured power nodes of a site, where the LoadSource measures them.
func (s *Service) nodeLoads(ctx context.Context, id int64) (map[int64]Measurement, error) {
	if nl, ok := s.loads.(NodeLoadSource); ok {
		return nl.MeasuredNodeLoads(ctx, id)
	}
	return nil, nil
}

// remeasure reads the measurements of a site again once they are older than MeasureEvery, unless
// Watch does, and rebuilds its chain from the same model when they changed.
func (s *Service) remeasure(ctx context.Context, id int64, site *Site) (*Site, error) {
	if _, none := s.loads.(NoMeasurements); none {
		return site, nil
	}
	s.mu.Lock()
	due := !s.watched && time.Since(s.measuredAt[id]) >= s.MeasureEvery
	s.mu.Unlock()
	if !due {
		return site, nil
	}
	return s.measure(ctx, id, site)
}

// Watch reads the measurements of every site built so far again every MeasureEvery, off the
// request path, until ctx ends: requests find them current and never wait for them. onError (may
// be nil) hears of a site whose measurements could not be read; the next round tries again.
func (s *Service) Watch(ctx context.Context, onError func(siteID int64, err error)) {
	if _, none := s.loads.(NoMeasurements); none {
		return
	}
	s.mu.Lock()
	s.watched = true
	every := s.MeasureEvery
	s.mu.Unlock()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.mu.Lock()
		sites := maps.Clone(s.sites)
		s.mu.Unlock()
		for id, site := range sites {
			if _, err := s.measure(ctx, id, site); err != nil && ctx.Err() == nil && onError != nil {
				onError(id, err)
			}
		}
	}
}

// measure reads the measurements of a built site, and rebuilds its chain from the same model when
// they changed or its calibration is due.
func (s *Service) measure(ctx context.Context, id int64, site *Site) (*Site, error) {
	ms, err := s.loads.MeasuredLoads(ctx, id)
	if err != nil {
		return nil, err
	}
	nodes, err := s.nodeLoads(ctx, id)
	if err != nil {
		return nil, err
	}
	if site.recalibrate || !maps.Equal(ms, site.raw) || !maps.Equal(nodes, site.nodes) {
		if site, err = buildMeasured(site.Model, ms, nodes); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	if s.sites[id] != nil && s.sites[id].Version == site.Version {
		s.sites[id] = site
	}
	s.measuredAt[id] = time.Now()
	s.mu.Unlock()
	return site, nil
}

// Updater is a Source that can say what changed and read a few devices again, so that a built chain
// is updated after ordinary work (devices placed, moved, plugged in, removed) instead of read again.
type Updater interface {
	ChangedObjects(ctx context.Context, version int64, limit int) (objs []dcim.ObjectRef, newest int64, more bool, err error)
	ModelDevices(ctx context.Context, siteID int64, ids []int64) ([]ModelDevice, error)
	// PortDevices maps the given power ports to their devices (ports gone are left out).
	PortDevices(ctx context.Context, ids []int64) (map[int64]int64, error)
}

// updateLimit is the most changes applied to a built chain; past it the site is read again.
const updateLimit = 2000

// update applies the changes since version to a built site when they only touch devices and their
// power ports: the devices touched are read again and the site carried forward with them (see
// update.go), or rebuilt from the updated model when it has too many empty slots or the
// measurements changed. It returns nil when the site must be read again.
func (s *Service) update(ctx context.Context, up Updater, old *Site, version int64) (*Site, int64, error) {
	objs, newest, more, err := up.ChangedObjects(ctx, version, updateLimit)
	if err != nil || more {
		return nil, 0, err
	}
	touched := map[int64]bool{}
	var ports []int64
	for _, o := range objs {
		switch {
		case o.Type == dcim.TypeDevice:
			touched[o.ID] = true
		case o.Type == dcim.TypePowerPort:
			ports = append(ports, o.ID)
		case slices.Contains(modelTypes, o.Type):
			return nil, 0, nil // the chain, the racks or the cooling changed: read again
		}
	}
	// A port gone went with its device, whose removal is in the log too.
	owners, err := up.PortDevices(ctx, ports)
	if err != nil {
		return nil, 0, err
	}
	for _, d := range owners {
		touched[d] = true
	}
	ids := make([]int64, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	fresh, err := up.ModelDevices(ctx, old.ID, ids)
	if err != nil {
		return nil, 0, err
	}
	slices.SortFunc(fresh, byDeviceID)
	s.mu.Lock()
	watched := s.watched
	s.mu.Unlock()
	ms := old.raw // Watch brings new measurements in
	if !watched {
		if ms, err = s.loads.MeasuredLoads(ctx, old.ID); err != nil {
			return nil, 0, err
		}
	}
	if maps.Equal(ms, old.raw) {
		site, err := old.withDevices(touched, fresh, newest)
		if err != nil || site != nil {
			return site, newest, err
		}
	}
	m := old.Model
	m.Version = newest
	m.Devices, _ = mergeDevices(old.Model.Devices, touched, fresh)
	site, err := buildMeasured(m, ms, old.nodes)
	if err != nil {
		return nil, 0, err
	}
	return site, newest, nil
}

// CoolingShort is a zone whose heat load exceeds the cooling it has left.
type CoolingShort struct {
	Zone       dcim.ObjectRef   `json:"zone"`
	HeatLoadKW float64          `json:"heat_load_kw"`
	CapacityKW float64          `json:"capacity_kw"` // of the units still running
	Lost       []dcim.ObjectRef `json:"lost_units"`  // units stopped by the failure
	Redundancy string           `json:"redundancy"`  // what the zone was designed for
	DesignKW   float64          `json:"design_kw"`   // capacity with the redundancy held back, before the failure
}

// Result of a what-if, power and cooling.
type WhatIfResult struct {
	Impact
	CoolingShort    []CoolingShort `json:"cooling_short"`
	MeasuredDevices int            `json:"measured_devices" doc:"devices on the chain with a reading of their own"`
	// CalibratedDevices have no reading, but sit below a node's meter: on the measured basis their
	// allocation is scaled so that the chain agrees with the meter.
	CalibratedDevices int `json:"calibrated_devices" doc:"devices whose measured-basis draw is their allocation scaled to the meters of the nodes feeding them"`
}

// WhatIf fails the given power nodes and cooling units of one site at once.
func (s *Site) WhatIf(failedNodes, failedUnits []int64, basis Basis) (WhatIfResult, error) {
	res := WhatIfResult{CoolingShort: []CoolingShort{}, MeasuredDevices: s.Measured(), CalibratedDevices: s.Calibrated()}
	base := s.Base(basis)
	var imp Impact
	var alive func(id int64) bool
	x, known := -1, false
	if len(failedNodes) == 1 {
		x, known = s.Graph.index[failedNodes[0]]
	}
	if known && base.loads[x].Alive {
		// One node: only what it changes is computed; overloads elsewhere are those of the base.
		var next map[int]*change
		var dead map[int]bool
		imp, next, dead = s.Graph.singleFailure(x, base)
		for _, o := range s.baseOverloads(basis) {
			if i := s.Graph.index[o.Node.ID]; next[i] == nil && !dead[i] {
				imp.Overloaded = append(imp.Overloaded, o)
			}
		}
		sortOverloads(imp.Overloaded)
		alive = func(id int64) bool {
			i, ok := s.Graph.index[id]
			return ok && base.loads[i].Alive && !dead[i]
		}
	} else {
		down := s.down()
		for _, id := range failedNodes {
			down[id] = true
		}
		var after *Result
		var err error
		imp, after, err = s.Graph.whatIf(failedNodes, down, base, basis)
		if err != nil {
			return res, err
		}
		alive = func(id int64) bool { return after.Load(id).Alive }
	}
	imp.Basis = basis
	if basis == Measured && res.MeasuredDevices == 0 && res.CalibratedDevices == 0 {
		imp.Basis = Allocated // nothing measured: say what was used
	}
	res.Impact = imp
	// Devices the failure darkens give off no more heat.
	dark := map[int64]float64{}
	for _, i := range imp.dark {
		if d := &s.Graph.devices[i]; d.Rack != 0 {
			dark[d.Rack] += d.draw(basis)
		}
	}
	res.CoolingShort = s.coolingShort(alive, failedUnits, dark, basis)
	return res, nil
}

// coolingShort finds the zones whose running units no longer cover their heat load: units failed
// outright, or stopped because the power node feeding them is dead. dark is the heat (W) by rack of
// the devices the failure has darkened.
func (s *Site) coolingShort(alive func(int64) bool, failedUnits []int64, dark map[int64]float64, b Basis) []CoolingShort {
	out := []CoolingShort{}
	for _, z := range s.Zones(b) {
		loadW := z.HeatKW * 1000
		for rack := range z.Racks {
			loadW -= dark[rack]
		}
		var running []float64
		var lost []dcim.ObjectRef
		for _, u := range z.Units {
			dead := slices.Contains(failedUnits, u.ID)
			if u.PowerNodeID != nil && !alive(*u.PowerNodeID) {
				if _, known := s.Graph.Node(*u.PowerNodeID); known {
					dead = true
				}
			}
			if dead {
				lost = append(lost, dcim.ObjectRef{Type: dcim.TypeCoolingUnit, ID: u.ID, Name: u.Name})
				continue
			}
			running = append(running, u.CapacityKW)
		}
		capKW := dcim.ZoneCapacityKW("N", running)
		if loadW/1000 > capKW+1e-9 {
			out = append(out, CoolingShort{Zone: dcim.ObjectRef{Type: dcim.TypeCoolingZone, ID: z.Zone.ID, Name: z.Zone.Name},
				HeatLoadKW: loadW / 1000, CapacityKW: capKW, Lost: lost, Redundancy: z.Zone.Redundancy, DesignKW: z.DesignKW})
		}
	}
	return out
}

// ZoneLoad is a cooling zone with the racks it cools, their heat and its running units.
type ZoneLoad struct {
	Zone     dcim.CoolingZone
	Racks    map[int64]bool     // the listed racks, or every rack of the room
	HeatKW   float64            // of those racks, on the basis
	Units    []dcim.CoolingUnit // active units of the zone
	DesignKW float64            // their capacity with the zone's redundancy held back
}

// Zones returns the site's cooling zones with their heat on basis b, computed once per basis.
func (s *Site) Zones(b Basis) []ZoneLoad {
	return memo(&s.mu, &s.zones, b, func() []ZoneLoad {
		heat := s.heatByRack(b)
		out := make([]ZoneLoad, 0, len(s.Model.Zones))
		for _, z := range s.Model.Zones {
			zl := ZoneLoad{Zone: z, Racks: map[int64]bool{}}
			if len(z.RackIDs) > 0 {
				for _, r := range z.RackIDs {
					zl.Racks[r] = true
				}
			} else {
				for r, room := range s.Model.RackRooms {
					if room == z.RoomID {
						zl.Racks[r] = true
					}
				}
			}
			for r := range zl.Racks {
				zl.HeatKW += heat[r] / 1000
			}
			var capacities []float64
			for _, u := range s.Model.Units {
				if u.ZoneID != nil && *u.ZoneID == z.ID && u.Status == "active" {
					zl.Units = append(zl.Units, u)
					capacities = append(capacities, u.CapacityKW)
				}
			}
			zl.DesignKW = dcim.ZoneCapacityKW(z.Redundancy, capacities)
			out = append(out, zl)
		}
		return out
	})
}

// heatByRack is the heat (W) of every rack: all its devices' draw, on the chain or not — what a
// device draws it gives off as heat.
func (s *Site) heatByRack(b Basis) map[int64]float64 {
	return memo(&s.mu, &s.heat, b, func() map[int64]float64 { return s.rackHeat(b) })
}

func (s *Site) rackHeat(b Basis) map[int64]float64 {
	out := map[int64]float64{}
	for i := range s.Model.Devices {
		d := &s.Model.Devices[i]
		if d.RackID == 0 {
			continue
		}
		_, np, al, ms := s.Model.draw(d, s.measured)
		out[d.RackID] += pick(b, np, al, ms)
	}
	return out
}

// baseOverloads are the overloads with nothing failed (but the nodes not active), once per basis.
func (s *Site) baseOverloads(b Basis) []Overload {
	return memo(&s.mu, &s.overloads, b, func() []Overload {
		base := s.Base(b)
		var out []Overload
		for i := range s.Graph.nodes {
			if !base.loads[i].Alive {
				continue
			}
			for _, l := range base.Overloaded(&s.Graph.nodes[i]) {
				out = append(out, Overload{Node: nodeRef(&s.Graph.nodes[i]), Limit: l, Before: l.Load})
			}
		}
		return out
	})
}

// SweepN1 fails every active node of the site in turn; see Graph.SweepN1.
func (s *Site) SweepN1(b Basis) []SinglePoint {
	return s.Graph.sweepN1(s.down(), s.Base(b), b)
}

// AllocatedFraction is the share of maximum draw taken as allocated at this site.
func (s *Site) AllocatedFraction() float64 {
	if s == nil {
		return DefaultAllocatedFraction
	}
	return s.Model.fraction()
}

func byDeviceID(a, b ModelDevice) int { return cmp.Compare(a.ID, b.ID) }

// device finds device id in the model (Devices are in id order).
func (m *Model) device(id int64) (*ModelDevice, bool) {
	i, ok := slices.BinarySearchFunc(m.Devices, id, func(d ModelDevice, id int64) int { return cmp.Compare(d.ID, id) })
	if !ok {
		return nil, false
	}
	return &m.Devices[i], true
}

// fraction is the site's allocated fraction, or the default.
func (m *Model) fraction() float64 {
	if m.AllocatedFraction <= 0 {
		return DefaultAllocatedFraction
	}
	return m.AllocatedFraction
}

// draw is whether device d runs on any one of its supplies, and its nameplate, allocated and
// measured draw: the measured peak where there is one, else the allocation.
func (m *Model) draw(d *ModelDevice, measured map[int64]Measurement) (redundant bool, nameplate, allocated, meas float64) {
	redundant = len(d.Ports) >= 2
	if d.Redundant != nil {
		redundant = *d.Redundant
	}
	nameplate, allocated = DeviceDraw(d.Ports, redundant, m.fraction())
	meas = allocated
	if ms, ok := measured[d.ID]; ok && (ms.PeakW > 0 || ms.Calibrated) {
		meas = ms.PeakW
	}
	return redundant, nameplate, allocated, meas
}

// NodeLoad is one node's load and what it has left.
type NodeLoad struct {
	Node       dcim.ObjectRef `json:"node"`
	Kind       Kind           `json:"kind"`
	Side       string         `json:"side"`
	Alive      bool           `json:"alive"`
	KW         float64        `json:"kw"`
	KVA        float64        `json:"kva"`
	Amps       []float64      `json:"amps" doc:"per line (one for a single-phase node)"`
	Limits     []Limit        `json:"limits"`
	HeadroomKW *float64       `json:"failover_headroom_kw" doc:"the least spare real power with everything up, the A side down or the B side down"`
	// Measured is the node's own measured power (its meter, its PDU inlet, its UPS output), where
	// telemetry has it: peak and 95th percentile over the last days, kW.
	MeasuredPeakKW *float64 `json:"measured_peak_kw" doc:"the node's own measured peak power, kW; null when not measured"`
	MeasuredP95KW  *float64 `json:"measured_p95_kw" doc:"the 95th percentile of its measured power, kW"`
}

// Loads lists every node's load on basis b, sources first; kind filters when not empty.
func (s *Site) Loads(b Basis, kind string) []NodeLoad {
	base := s.Base(b)
	head := s.Headroom(b)
	var out []NodeLoad
	for _, n := range s.Graph.Nodes() {
		if kind != "" && string(n.Kind) != kind {
			continue
		}
		ld := base.Load(n.ID)
		nl := NodeLoad{Node: nodeRef(n), Kind: n.Kind, Side: n.Side, Alive: ld.Alive, KW: ld.Watts / 1000, KVA: ld.VA / 1000,
			Limits: base.Limits(n)}
		if nl.Limits == nil {
			nl.Limits = []Limit{}
		}
		lines := 3
		if n.Phases == 1 {
			lines = 1
		}
		nl.Amps = ld.Amps[:lines]
		if h := head[n.ID]; !math.IsInf(h, 1) {
			nl.HeadroomKW = &h
		}
		if m, ok := s.nodes[n.ID]; ok {
			peak, p95 := m.PeakW/1000, m.P95W/1000
			nl.MeasuredPeakKW, nl.MeasuredP95KW = &peak, &p95
		}
		out = append(out, nl)
	}
	return out
}
