package power

import (
	"math"
	"math/cmplx"
	"slices"
	"testing"
)

// mixedFacility is the 2N facility with more shapes the flow must get right: an 11 kV feed through
// a transformer, a static switch sharing its load between two live inputs, single-phase circuits
// line to neutral and line to line, and devices fed from them and from the B side.
func mixedFacility() *facility2N {
	f := newFacility2N()
	next := int64(len(f.nodes))
	add := func(n Node) {
		next++
		n.ID = next
		if n.PowerFactor == 0 {
			n.PowerFactor = 0.9
		}
		if n.Derating == 0 {
			n.Derating = 0.8
		}
		f.nodes = append(f.nodes, n)
		f.id[n.Name] = n.ID
	}
	feed := func(from, to string, prio int) {
		f.edges = append(f.edges, Edge{From: f.id[from], To: f.id[to], Priority: prio})
	}
	l := func(s string) Lines { v, _ := ParseLines(s); return v }
	add(Node{Name: "UTIL-C", Kind: Utility, Phases: 3, Voltage: 11000})
	add(Node{Name: "TX-C", Kind: Transformer, Phases: 3, Voltage: 400, PrimaryVoltage: 11000, RatedKVA: 500})
	add(Node{Name: "STS-C", Kind: STS, Phases: 3, Voltage: 400, RatedAmps: 100})
	add(Node{Name: "PNL-C", Kind: Panel, Phases: 3, Voltage: 400, RatedAmps: 63})
	add(Node{Name: "CIR-C1", Kind: Circuit, Phases: 1, Voltage: 230, Lines: l("L2"), RatedAmps: 16})
	add(Node{Name: "CIR-C2", Kind: Circuit, Phases: 1, Voltage: 400, Lines: l("L3-L1"), RatedAmps: 16})
	add(Node{Name: "RPDU-C1", Kind: RackPDU, Phases: 1, Voltage: 230, Lines: l("L2")})
	add(Node{Name: "RPDU-C2", Kind: RackPDU, Phases: 1, Voltage: 400, Lines: l("L1")})
	feed("UTIL-C", "TX-C", 0)
	feed("TX-C", "STS-C", 0)
	feed("SWGR-A", "STS-C", 0)
	feed("STS-C", "PNL-C", 0)
	feed("PNL-C", "CIR-C1", 0)
	feed("PNL-C", "CIR-C2", 0)
	feed("CIR-C1", "RPDU-C1", 0)
	feed("CIR-C2", "RPDU-C2", 0)
	port := func(pdu, lines string) Port { return Port{Node: f.id[pdu], Lines: l(lines)} }
	dev := func(id int64, name string, redundant bool, w float64, ports ...Port) {
		for i := range ports {
			ports[i].ID = id*10 + int64(i)
		}
		f.devices = append(f.devices, Device{ID: id, Name: name, Rack: 2, Redundant: redundant, NameplateW: w, AllocatedW: w, Ports: ports})
	}
	dev(201, "gpu1", true, 2500, port("RPDU-C1", "L1"), port("RPDU-B1", "L2"))
	dev(202, "gpu2", true, 2500, port("RPDU-C2", "L1"), port("RPDU-B1", "L3"))
	dev(203, "nas1", false, 600, port("RPDU-C1", "L1"), port("RPDU-C2", "L1"))
	dev(204, "edge1", true, 300, port("RPDU-C1", "L1"), port("RPDU-C2", "L1"), port("RPDU-A1", "L2"))
	dev(205, "spare1", true, 700, port("RPDU-A1", "L1"), port("RPDU-C2", "L1"), port("RPDU-B1", "L2")) // hot-spare supplies
	f.devices[len(f.devices)-1].Primary = true
	return f
}

// TestSingleFailureMatchesFullFlow fails every node of two facilities in turn and checks that the
// incremental computation gives exactly what a full flow of the chain gives: the same devices dark
// and degraded, the same overloads, and the same load on every node.
func TestSingleFailureMatchesFullFlow(t *testing.T) {
	for _, f := range []*facility2N{newFacility2N(), mixedFacility()} {
		g := f.graph(t)
		base := g.Compute(Scenario{Basis: Allocated})
		for x := range g.nodes {
			id := g.nodes[x].ID
			full, after, err := g.whatIf([]int64{id}, map[int64]bool{id: true}, base, Allocated)
			if err != nil {
				t.Fatal(err)
			}
			inc, next, _ := g.singleFailure(x, base)
			name := g.nodes[x].Name
			if !slices.Equal(names(inc.LostPower), names(full.LostPower)) || !slices.Equal(names(inc.LostRedundancy), names(full.LostRedundancy)) {
				t.Errorf("%s: lost %v / %v, degraded %v / %v", name, names(inc.LostPower), names(full.LostPower),
					names(inc.LostRedundancy), names(full.LostRedundancy))
			}
			if len(inc.Overloaded) != len(full.Overloaded) {
				t.Errorf("%s: overloads %+v, full flow %+v", name, inc.Overloaded, full.Overloaded)
			} else {
				for i := range inc.Overloaded {
					a, b := inc.Overloaded[i], full.Overloaded[i]
					if a.Node != b.Node || a.Limit.Phase != b.Limit.Phase || math.Abs(a.Limit.Load-b.Limit.Load) > 1e-9 {
						t.Errorf("%s: overload %+v, full flow %+v", name, a, b)
					}
				}
			}
			for n := range g.nodes {
				want := after.loads[n]
				got := base.loads[n]
				if ch, ok := next[n]; ok {
					got = Load{Alive: true, Watts: ch.w}
					got.setCurrents(&g.nodes[n], ch.cur)
				} else if !want.Alive {
					got = want // dead: the incremental view does not carry dead nodes' zeros
				}
				if math.Abs(got.Watts-want.Watts) > 1e-6 || math.Abs(got.VA-want.VA) > 1e-6 ||
					math.Abs(got.Amps[0]-want.Amps[0]) > 1e-9 || math.Abs(got.Amps[1]-want.Amps[1]) > 1e-9 || math.Abs(got.Amps[2]-want.Amps[2]) > 1e-9 {
					t.Errorf("fail %s: %s carries %+v, full flow %+v", name, g.nodes[n].Name, got, want)
				}
				if want.Alive {
					for k := range after.cur[n] {
						if ch, ok := next[n]; ok && cmplx.Abs(ch.cur[k]-after.cur[n][k]) > 1e-9 {
							t.Errorf("fail %s: %s line %d phasor %v, full flow %v", name, g.nodes[n].Name, k, ch.cur[k], after.cur[n][k])
						}
					}
				}
			}
		}
	}
}
