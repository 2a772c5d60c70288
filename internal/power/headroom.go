package power

import (
	"math"
	"sort"

	"github.com/plenum-dcim/plenum/internal/dcim"
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
	return memo(&s.mu, &s.headroom, b, func() map[int64]float64 { return s.headroomOf(b) })
}

func (s *Site) headroomOf(b Basis) map[int64]float64 {
	base := s.Base(b)
	fail := s.sideDown(b)
	states := []*Result{base, fail[0], fail[1]}
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
	return out
}

// sideDown is the chain with every A-side node down, and with every B-side node down.
func (s *Site) sideDown(b Basis) [2]*Result {
	return memo(&s.mu, &s.sides, b, func() [2]*Result {
		var out [2]*Result
		for k, side := range []string{"A", "B"} {
			down := s.down()
			for i := range s.Graph.nodes {
				if s.Graph.nodes[i].Side == side {
					down[s.Graph.nodes[i].ID] = true
				}
			}
			out[k] = s.Graph.Compute(Scenario{Failed: down, Basis: b})
		}
		return out
	})
}

// FeedLoad is one feed of a rack, line by line: the current now and with the other side down,
// against the derated rating.
type FeedLoad struct {
	Node     dcim.ObjectRef `json:"node"`
	Side     string         `json:"side"`
	BudgetKW *float64       `json:"budget_kw" doc:"the real power it may carry continuously (derated), null where unrated"`
	// RatedBy is the node whose ratings stand for the feed's when it has none of its own: the one
	// circuit feeding only it (an unrated rack PDU on its breaker).
	RatedBy *dcim.ObjectRef `json:"rated_by,omitempty"`
	Lines   []LineLoad      `json:"lines"`
}

// LineLoad is one line of a feed.
type LineLoad struct {
	Phase    string   `json:"phase"`
	Amps     float64  `json:"amps"`
	Failover float64  `json:"failover_amps"` // with the other side down
	Limit    *float64 `json:"limit_amps"`    // derated rating, where rated in amperes
}

// RackPower is what a rack draws and how much more its feeds can take.
type RackPower struct {
	NameplateKW float64 `json:"nameplate_kw"`
	AllocatedKW float64 `json:"allocated_kw"`
	// HeadroomKW is the least spare capacity after failover over every node feeding the rack, from its
	// rack PDUs up to the sources: what one more load in the rack may draw. Null when the rack has no
	// feed the chain knows.
	HeadroomKW *float64 `json:"failover_headroom_kw"`
	// BudgetKW is what the rack's feeds may carry with redundancy honoured: with A and B feeds, the
	// lesser side (either must carry the whole rack alone); otherwise all of them. Null when a
	// feed is unrated.
	BudgetKW *float64   `json:"budget_kw"`
	Feeds    []FeedLoad `json:"feeds"` // the nodes plugged into directly (rack PDUs, circuits), per line
}

// Racks returns the power of every rack of the site with devices in it.
func (s *Site) Racks(b Basis) map[int64]RackPower {
	return memo(&s.mu, &s.racks, b, func() map[int64]RackPower { return s.rackPower(b) })
}

func (s *Site) rackPower(b Basis) map[int64]RackPower {
	headroom := s.Headroom(b)
	heatA := s.heatByRack(Allocated)
	heatN := s.heatByRack(Nameplate)
	feeds := s.rackFeeds()
	out := map[int64]RackPower{}
	for rack, w := range heatA {
		out[rack] = RackPower{AllocatedKW: w / 1000, NameplateKW: heatN[rack] / 1000}
	}
	// The least headroom from each node up to the sources, over every path: one pass, sources first.
	upward := make([]float64, len(s.Graph.nodes))
	for _, n := range s.Graph.order {
		m := headroom[s.Graph.nodes[n].ID]
		for _, in := range s.Graph.inputs[n] {
			m = math.Min(m, upward[in.from])
		}
		upward[n] = m
	}
	base, fail := s.Base(b), s.sideDown(b)
	for rack, fs := range feeds {
		spare := math.Inf(1)
		for n := range fs {
			spare = math.Min(spare, upward[n])
		}
		rp := out[rack]
		for n := range fs {
			node := &s.Graph.nodes[n]
			fl := FeedLoad{Node: nodeRef(node), Side: node.Side}
			rated := &s.Graph.nodes[s.Graph.ratedFeed(n)]
			if rated != node {
				ref := nodeRef(rated)
				fl.RatedBy = &ref
			}
			if kw := rated.BudgetKW(); !math.IsInf(kw, 1) {
				fl.BudgetKW = &kw
			}
			other := fail[0] // A down: what B carries
			if node.Side == "A" {
				other = fail[1]
			}
			lines := 3
			if node.Phases == 1 {
				lines = 1
			}
			for k := 0; k < lines; k++ {
				ll := LineLoad{Phase: lineNames[k], Amps: base.loads[n].Amps[k], Failover: other.loads[n].Amps[k]}
				if node.Phases == 1 {
					ll.Phase = node.Lines.String()
				}
				if node.Side == "" {
					ll.Failover = math.Max(fail[0].loads[n].Amps[k], fail[1].loads[n].Amps[k])
				}
				if rated.RatedAmps > 0 {
					ll.Limit = ptrF(rated.Derating * rated.RatedAmps)
				}
				fl.Lines = append(fl.Lines, ll)
			}
			rp.Feeds = append(rp.Feeds, fl)
		}
		sort.Slice(rp.Feeds, func(i, j int) bool { return rp.Feeds[i].Node.Name < rp.Feeds[j].Node.Name })
		rp.BudgetKW = budget(rp.Feeds)
		if !math.IsInf(spare, 1) {
			rp.HeadroomKW = &spare
		}
		out[rack] = rp
	}
	return out
}

func ptrF(v float64) *float64 { return &v }

// ratedFeed is feed n, or, while it is unrated, the one node feeding it alone (a rack PDU's
// circuit), whose ratings then bound it.
func (g *Graph) ratedFeed(n int) int {
	for !g.nodes[n].rated() && len(g.inputs[n]) == 1 && len(g.outputs[g.inputs[n][0].from]) == 1 {
		n = g.inputs[n][0].from
	}
	return n
}

// rated reports whether node n has any rating.
func (n *Node) rated() bool { return n.CapacityKW() > 0 || n.RatedKVA > 0 || n.RatedAmps > 0 }

// BudgetKW is the real power node n may carry continuously: the least of its ratings, derated, in
// kW (kVA at its power factor; amperes on every line at its line voltage and power factor).
// +Inf when it is not rated.
func (n *Node) BudgetKW() float64 {
	kw := math.Inf(1)
	if r := n.CapacityKW(); r > 0 {
		kw = n.Derating * r
	}
	if n.RatedKVA > 0 {
		kw = math.Min(kw, n.Derating*n.RatedKVA*n.PowerFactor)
	}
	if n.RatedAmps > 0 {
		va := n.Voltage * n.RatedAmps // one line
		if n.Phases == 3 {
			va = math.Sqrt(3) * n.Voltage * n.RatedAmps
		}
		kw = math.Min(kw, n.Derating*va*n.PowerFactor/1000)
	}
	return kw
}

// budget is what feeds may carry with redundancy honoured (see RackPower.BudgetKW); nil when one is
// unrated or there are none.
func budget(feeds []FeedLoad) *float64 {
	var side [3]float64 // A, B, neither
	var has [3]bool
	for _, f := range feeds {
		if f.BudgetKW == nil {
			return nil
		}
		k := 2
		switch f.Side {
		case "A":
			k = 0
		case "B":
			k = 1
		}
		side[k] += *f.BudgetKW
		has[k] = true
	}
	var kw float64
	switch {
	case has[0] && has[1]:
		kw = math.Min(side[0], side[1]) + side[2]
	case has[0] || has[1] || has[2]:
		kw = side[0] + side[1] + side[2]
	default:
		return nil
	}
	return &kw
}

// rackFeeds is, for every rack, the nodes feeding it directly: those its devices' ports are plugged
// into, and the rack PDUs mounted in it whether or not anything is plugged in yet; each with how
// many ports and PDUs put it there. Computed once per built site; carried forward with it.
func (s *Site) rackFeeds() map[int64]map[int]int {
	s.mu.Lock()
	f := s.feeds
	s.mu.Unlock()
	if f != nil {
		return f
	}
	f = map[int64]map[int]int{}
	for d := range s.Graph.devices {
		s.Graph.countFeeds(f, d, 1)
	}
	for _, n := range s.Model.Nodes {
		if n.DeviceID == nil {
			continue
		}
		if d, ok := s.Model.device(*n.DeviceID); ok {
			countFeed(f, d.RackID, s.Graph.index[n.ID], 1)
		}
	}
	s.mu.Lock()
	s.feeds = f
	s.mu.Unlock()
	return f
}

// countFeeds adds sign to the count of every node device slot d's ports are plugged into, in its rack.
func (g *Graph) countFeeds(f map[int64]map[int]int, d int, sign int) {
	dev := &g.devices[d]
	for i := range dev.Ports {
		countFeed(f, dev.Rack, g.portNode[g.portStart[d]+i], sign)
	}
}

// countFeed adds sign to the count of node n feeding rack (0: not racked, not counted), dropping it
// at zero.
func countFeed(f map[int64]map[int]int, rack int64, n int, sign int) {
	if rack == 0 {
		return
	}
	if f[rack] == nil {
		f[rack] = map[int]int{}
	}
	if f[rack][n] += sign; f[rack][n] <= 0 {
		delete(f[rack], n)
		if len(f[rack]) == 0 {
			delete(f, rack)
		}
	}
}
