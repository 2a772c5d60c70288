package power

import (
	"math"
)

// Headroom after failover. A redundant chain holds only if, per phase and at every node on the
// path, the load with the other side down still fits the derated rating (DESIGN.md: A/B feeds). So
// each node's spare capacity is taken as the least over three states: everything up, every A-side
// node down, every B-side node down.

// spareKW is the real power node n could still take in load ld: the least over its ratings (kW;
// kVA at the node's power factor; amperes on each line at the line's voltage and power factor).
// +Inf when the node is not rated.
func spareKW(n *Node, ld Load) float64 {
	spare := math.Inf(1)
	for _, l := range limitsOf(n, ld) {
		var kw float64
		switch l.Measure {
		case "kW":
			kw = l.Limit - l.Load
		case "kVA":
			kw = (l.Limit - l.Load) * n.PowerFactor
		case "A":
			v := n.Voltage
			if n.Phases == 3 {
				v = n.Voltage / math.Sqrt(3)
			}
			kw = (l.Limit - l.Load) * v * n.PowerFactor / 1000
		}
		spare = math.Min(spare, kw)
	}
	return spare
}

// Headroom is the spare capacity of the site's nodes after failover, by node id, kW.
func (s *Site) Headroom(b Basis) map[int64]float64 {
	s.mu.Lock()
	if h, ok := s.headroom[b]; ok {
		s.mu.Unlock()
		return h
	}
	s.mu.Unlock()
	base := s.Base(b)
	states := []*Result{base}
	for _, side := range []string{"A", "B"} {
		down := s.down()
		for i := range s.Graph.nodes {
			if s.Graph.nodes[i].Side == side {
				down[s.Graph.nodes[i].ID] = true
			}
		}
		states = append(states, s.Graph.Compute(Scenario{Failed: down, Basis: b.computeBasis()}))
	}
	out := make(map[int64]float64, len(s.Graph.nodes))
	for i := range s.Graph.nodes {
		n := &s.Graph.nodes[i]
		spare := math.Inf(1)
		for _, r := range states {
			if r.loads[i].Alive {
				spare = math.Min(spare, spareKW(n, r.loads[i]))
			}
		}
		out[n.ID] = spare
	}
	s.mu.Lock()
	if s.headroom == nil {
		s.headroom = map[Basis]map[int64]float64{}
	}
	s.headroom[b] = out
	s.mu.Unlock()
	return out
}

// RackPower is what a rack draws and how much more its feeds can take.
type RackPower struct {
	NameplateKW float64 `json:"nameplate_kw"`
	AllocatedKW float64 `json:"allocated_kw"`
	// HeadroomKW is the least spare capacity after failover over every node feeding the rack, from its
	// rack PDUs up to the sources: what one more load in the rack may draw. Null when the rack has no
	// feed the chain knows.
	HeadroomKW *float64 `json:"failover_headroom_kw"`
	Feeds      int      `json:"feeds"` // nodes plugged into directly (rack PDUs, circuits)
}

// Racks returns the power of every rack of the site with devices in it.
func (s *Site) Racks(b Basis) map[int64]RackPower {
	s.mu.Lock()
	if r, ok := s.racks[b]; ok {
		s.mu.Unlock()
		return r
	}
	s.mu.Unlock()
	r := s.rackPower(b)
	s.mu.Lock()
	if s.racks == nil {
		s.racks = map[Basis]map[int64]RackPower{}
	}
	s.racks[b] = r
	s.mu.Unlock()
	return r
}

func (s *Site) rackPower(b Basis) map[int64]RackPower {
	headroom := s.Headroom(b)
	heatA := s.heatByRack(Allocated)
	heatN := s.heatByRack(Nameplate)
	feeds := map[int64]map[int]bool{}
	for d := range s.Graph.devices {
		dev := &s.Graph.devices[d]
		if dev.Rack == 0 {
			continue
		}
		if feeds[dev.Rack] == nil {
			feeds[dev.Rack] = map[int]bool{}
		}
		first := s.Graph.portStart[d]
		for i := range dev.Ports {
			feeds[dev.Rack][s.Graph.portNode[first+i]] = true
		}
	}
	// A rack is fed by its rack PDUs too, whether or not anything is plugged in yet.
	rackOf := make(map[int64]int64, len(s.Model.Devices))
	for _, d := range s.Model.Devices {
		if d.RackID != 0 {
			rackOf[d.ID] = d.RackID
		}
	}
	for _, n := range s.Model.Nodes {
		if n.DeviceID == nil {
			continue
		}
		rack, ok := rackOf[*n.DeviceID]
		if !ok {
			continue
		}
		if feeds[rack] == nil {
			feeds[rack] = map[int]bool{}
		}
		feeds[rack][s.Graph.index[n.ID]] = true
	}
	out := map[int64]RackPower{}
	for rack, w := range heatA {
		out[rack] = RackPower{AllocatedKW: w / 1000, NameplateKW: heatN[rack] / 1000}
	}
	for rack, fs := range feeds {
		var seeds []int
		for n := range fs {
			seeds = append(seeds, n)
		}
		spare := math.Inf(1)
		for _, n := range s.Graph.ancestorsOf(seeds) {
			spare = math.Min(spare, headroom[s.Graph.nodes[n].ID])
		}
		rp := out[rack]
		rp.Feeds = len(fs)
		if !math.IsInf(spare, 1) {
			rp.HeadroomKW = &spare
		}
		out[rack] = rp
	}
	return out
}
