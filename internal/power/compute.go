package power

import "math"

// Scenario is a state of the chain to compute: which nodes are down (failed or under maintenance)
// and which figure of the devices' draw to use.
type Scenario struct {
	Failed map[int64]bool
	Basis  Basis
}

// Load is what one node carries in a scenario.
type Load struct {
	Alive bool
	Watts float64    // real power
	VA    float64    // apparent power
	Amps  [3]float64 // per line; a single-phase node uses Amps[0]
}

// DeviceState is how a device fares in a scenario.
type DeviceState struct {
	Powered   bool
	LivePorts int // ports whose node is alive
}

// Result is a computed scenario.
type Result struct {
	g       *Graph
	loads   []Load
	devices []DeviceState
	cur     []Currents // line current phasors per node
	basis   Basis
}

// Compute flows the devices' loads up the chain in scenario s. A node is alive when it is not down
// and it is a source or one of its inputs is alive; a node hands its load to its live inputs of the
// lowest priority, shared equally. A redundant device shares its load among its live ports; a
// non-redundant one is dark as soon as one port is.
func (g *Graph) Compute(s Scenario) *Result {
	r := &Result{g: g, loads: make([]Load, len(g.nodes)), devices: make([]DeviceState, len(g.devices)), basis: s.Basis}
	for _, n := range g.order {
		if s.Failed[g.nodes[n].ID] {
			continue
		}
		if g.nodes[n].Kind.IsSource() {
			r.loads[n].Alive = true
			continue
		}
		for _, in := range g.inputs[n] {
			if r.loads[in.from].Alive {
				r.loads[n].Alive = true
				break
			}
		}
	}
	// The share of its device's load each port carries, indexed like g.portNode.
	share := make([]float64, len(g.portNode))
	for d := range g.devices {
		dev := &g.devices[d]
		first := g.portStart[d]
		live := 0
		for i := range dev.Ports {
			if r.loads[g.portNode[first+i]].Alive {
				live++
			}
		}
		st := DeviceState{LivePorts: live}
		st.Powered = live > 0 && (dev.Redundant || live == len(dev.Ports))
		r.devices[d] = st
		if !st.Powered {
			continue
		}
		alive := func(n int) bool { return r.loads[n].Alive }
		w, lead := dev.draw(s.Basis), g.leadPort(d, alive)
		for i := range dev.Ports {
			if alive(g.portNode[first+i]) {
				share[first+i] = dev.portShare(w, live, i, lead)
			}
		}
	}
	cur := make([]Currents, len(g.nodes))
	for k := len(g.order) - 1; k >= 0; k-- {
		n := g.order[k]
		node := &g.nodes[n]
		ld := &r.loads[n]
		if !ld.Alive {
			continue
		}
		for _, pr := range g.ports[n] {
			w := share[g.portStart[pr.device]+pr.port]
			if w == 0 {
				continue
			}
			ld.Watts += w
			cur[n].Add(node.portCurrents(w, g.devices[pr.device].Ports[pr.port].Lines))
		}
		ld.setCurrents(node, cur[n])
		if ld.Watts == 0 {
			continue
		}
		ins := g.activeInputs(n, r.loads)
		f := 1 / float64(max(len(ins), 1))
		for _, p := range ins {
			r.loads[p].Watts += ld.Watts * f
			cur[p].Add(g.contribution(n, p, cur[n], f))
		}
	}
	r.cur = cur
	return r
}

// portCurrents is the line currents a device port drawing w watts across lines adds to node n.
func (n *Node) portCurrents(w float64, lines Lines) Currents {
	if n.Phases == 3 {
		return LoadCurrents(w, n.PowerFactor, n.Voltage, lines)
	}
	return Currents{complex(w/(n.Voltage*n.PowerFactor), 0)}
}

// setCurrents fills the amperes and volt-amperes of a load from its line currents.
func (ld *Load) setCurrents(n *Node, c Currents) {
	mags := c.Magnitudes()
	if n.Phases == 3 {
		ld.Amps = mags
		ld.VA = n.Voltage / math.Sqrt(3) * (mags[0] + mags[1] + mags[2])
	} else {
		ld.Amps = [3]float64{mags[0]}
		ld.VA = n.Voltage * mags[0]
	}
}

// contribution is the share f of child c's line currents cur as they flow in parent p: scaled
// through a transformer, and placed on the lines of p that a single-phase child is across.
func (g *Graph) contribution(c, p int, cur Currents, f float64) Currents {
	child, parent := &g.nodes[c], &g.nodes[p]
	if child.Kind == Transformer {
		f *= child.Voltage / child.PrimaryVoltage
	}
	var out Currents
	switch {
	case child.Phases == 3 || parent.Phases == 1:
		out = cur.Scale(f)
	case child.Lines.LineToLine():
		i := cur[0] * complex(f, 0) * llPhasor(child.Lines.A, child.Lines.B)
		out[child.Lines.A] += i
		out[child.Lines.B] -= i
	default:
		out[child.Lines.A] += cur[0] * complex(f, 0) * lnUnit[child.Lines.A]
	}
	return out
}

// activeInputs are the live inputs of node n with the lowest priority.
func (g *Graph) activeInputs(n int, loads []Load) []int {
	return g.activeInputsWhere(n, func(i int) bool { return loads[i].Alive })
}

// portShare is the part of the device's draw w that its live port i carries, of live ports alive:
// an equal share, or for a Primary device all of it on the first live port (lead) and none on the
// others.
func (d *Device) portShare(w float64, live, i, lead int) float64 {
	if d.Primary {
		if i == lead {
			return w
		}
		return 0
	}
	return w / float64(live)
}

// leadPort is the first port of device d whose node is alive, or -1.
func (g *Graph) leadPort(d int, alive func(n int) bool) int {
	first := g.portStart[d]
	for i := range g.devices[d].Ports {
		if alive(g.portNode[first+i]) {
			return i
		}
	}
	return -1
}

// draw is the device's load on basis b.
func (d *Device) draw(b Basis) float64 {
	return pick(b, d.NameplateW, d.AllocatedW, d.MeasuredW)
}

// pick is the figure of basis b among a device's three.
func pick(b Basis, nameplate, allocated, measured float64) float64 {
	switch b {
	case Nameplate:
		return nameplate
	case Measured:
		return measured
	}
	return allocated
}

// Load returns what node id carries.
func (r *Result) Load(id int64) Load {
	i, ok := r.g.index[id]
	if !ok {
		return Load{}
	}
	return r.loads[i]
}

// Device returns how device number i (in the graph's order) fares.
func (r *Result) Device(i int) DeviceState { return r.devices[i] }

// Limit is one rating of a node, derated: what it may carry continuously.
type Limit struct {
	Measure string  `json:"measure"` // kW, kVA or A
	Phase   string  `json:"phase,omitempty"`
	Load    float64 `json:"load"`
	Limit   float64 `json:"limit"`  // derating × rating
	Rating  float64 `json:"rating"` // the nameplate rating
}

// Headroom is Limit − Load.
func (l Limit) Headroom() float64 { return l.Limit - l.Load }

// Limits compares node n's load with each of its ratings, derated: kW against real power, kVA
// against apparent power, amperes against every line.
func (r *Result) Limits(n *Node) []Limit { return limitsOf(n, r.Load(n.ID)) }

// limitsOf compares load ld with the derated ratings of node n.
func limitsOf(n *Node, ld Load) []Limit {
	var out []Limit
	if kw := n.CapacityKW(); kw > 0 {
		out = append(out, Limit{Measure: "kW", Load: ld.Watts / 1000, Limit: n.Derating * kw, Rating: kw})
	}
	if n.RatedKVA > 0 {
		out = append(out, Limit{Measure: "kVA", Load: ld.VA / 1000, Limit: n.Derating * n.RatedKVA, Rating: n.RatedKVA})
	}
	if n.RatedAmps > 0 {
		lines := 3
		if n.Phases == 1 {
			lines = 1
		}
		for k := 0; k < lines; k++ {
			phase := lineNames[k]
			if n.Phases == 1 {
				phase = n.Lines.String()
				if n.Lines.A < 0 && !n.Lines.Three {
					phase = ""
				}
			}
			out = append(out, Limit{Measure: "A", Phase: phase, Load: ld.Amps[k], Limit: n.Derating * n.RatedAmps, Rating: n.RatedAmps})
		}
	}
	return out
}

// CapacityKW is the real power a node is rated for: the lower of its kW rating and, for a modular UPS,
// the modules it may use with its redundant ones held back.
func (n *Node) CapacityKW() float64 {
	kw := n.RatedKW
	if n.Modules > 0 && n.ModuleKW > 0 {
		usable := float64(n.Modules-n.RedundantModules) * n.ModuleKW
		if kw == 0 || usable < kw {
			kw = usable
		}
	}
	return kw
}

// Overloaded lists the limits of node n that its load exceeds.
func (r *Result) Overloaded(n *Node) []Limit {
	var out []Limit
	for _, l := range r.Limits(n) {
		if l.Load > l.Limit*(1+1e-9) {
			out = append(out, l)
		}
	}
	return out
}
