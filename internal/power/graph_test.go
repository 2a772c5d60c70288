package power

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// facility2N is a small 2N chain built by hand: on each side a utility feed and a standby generator
// into switchgear, a modular UPS (4 × 25 kW, one module redundant: 75 kW usable), a floor PDU, one
// 16 A three-phase circuit (derated to 80%: 12.8 A a line) and a 400 V rack PDU with 230 V outlets.
// Rack 1 holds three 1 kW dual-corded servers on L1 of both PDUs, a 200 W dual-corded switch on L2,
// a 500 W single-corded box on the A PDU's L3, and an 800 W storage shelf whose two supplies are
// both needed, on L3 of each PDU.
type facility2N struct {
	nodes   []Node
	edges   []Edge
	devices []Device
	id      map[string]int64
}

func newFacility2N() *facility2N {
	f := &facility2N{id: map[string]int64{}}
	next := int64(0)
	add := func(n Node) {
		next++
		n.ID = next
		if n.Phases == 0 {
			n.Phases = 3
		}
		if n.Voltage == 0 {
			n.Voltage = 400
		}
		if n.PowerFactor == 0 {
			n.PowerFactor = 1
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
	for _, s := range []string{"A", "B"} {
		add(Node{Name: "UTIL-" + s, Kind: Utility, Side: s})
		add(Node{Name: "GEN-" + s, Kind: Generator, Side: s, RatedKW: 500})
		add(Node{Name: "SWGR-" + s, Kind: Switchgear, Side: s})
		add(Node{Name: "UPS-" + s, Kind: UPS, Side: s, Modules: 4, ModuleKW: 25, RedundantModules: 1, Derating: 1})
		add(Node{Name: "PDU-" + s, Kind: PDU, Side: s, RatedAmps: 160})
		add(Node{Name: "CIR-" + s + "1", Kind: Circuit, Side: s, RatedAmps: 16})
		add(Node{Name: "RPDU-" + s + "1", Kind: RackPDU, Side: s, OutletWiring: "ln"})
		feed("UTIL-"+s, "SWGR-"+s, 0)
		feed("GEN-"+s, "SWGR-"+s, 1)
		feed("SWGR-"+s, "UPS-"+s, 0)
		feed("UPS-"+s, "PDU-"+s, 0)
		feed("PDU-"+s, "CIR-"+s+"1", 0)
		feed("CIR-"+s+"1", "RPDU-"+s+"1", 0)
	}
	port := func(pdu, lines string) Port {
		l, _ := ParseLines(lines)
		return Port{Node: f.id[pdu], Lines: l}
	}
	dev := func(id int64, name string, redundant bool, w float64, ports ...Port) {
		for i := range ports {
			ports[i].ID = id*10 + int64(i)
		}
		f.devices = append(f.devices, Device{ID: id, Name: name, Rack: 1, Redundant: redundant, NameplateW: w * 1.5, AllocatedW: w, Ports: ports})
	}
	dev(101, "srv1", true, 1000, port("RPDU-A1", "L1"), port("RPDU-B1", "L1"))
	dev(102, "srv2", true, 1000, port("RPDU-A1", "L1"), port("RPDU-B1", "L1"))
	dev(103, "srv3", true, 1000, port("RPDU-A1", "L1"), port("RPDU-B1", "L1"))
	dev(104, "sw1", true, 200, port("RPDU-A1", "L2"), port("RPDU-B1", "L2"))
	dev(105, "old1", true, 500, port("RPDU-A1", "L3"))
	dev(106, "stor1", false, 800, port("RPDU-A1", "L3"), port("RPDU-B1", "L3"))
	return f
}

func (f *facility2N) graph(t *testing.T) *Graph {
	t.Helper()
	g, err := Build(f.nodes, f.edges, f.devices)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func names(refs []dcim.ObjectRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Name
	}
	slices.Sort(out)
	return out
}

var vLN = 400 / math.Sqrt(3)

func TestLoadsRollUp(t *testing.T) {
	f := newFacility2N()
	g := f.graph(t)
	r := g.Compute(Scenario{Basis: Allocated})
	// Each side carries half of every dual-corded load, the single-corded box on A only.
	cirB := r.Load(f.id["CIR-B1"])
	near1(t, "CIR-B1 W", cirB.Watts, 1500+100+400, 1e-9)
	near1(t, "CIR-B1 L1", cirB.Amps[0], 1500/vLN, 1e-9)
	near1(t, "CIR-B1 L2", cirB.Amps[1], 100/vLN, 1e-9)
	near1(t, "CIR-B1 L3", cirB.Amps[2], 400/vLN, 1e-9)
	near1(t, "CIR-A1 L3", r.Load(f.id["CIR-A1"]).Amps[2], 900/vLN, 1e-9)
	// The loads roll up unchanged through the chain, to the utility, not the standby generator.
	for _, n := range []string{"RPDU-A1", "PDU-A", "UPS-A", "SWGR-A", "UTIL-A"} {
		near1(t, n+" W", r.Load(f.id[n]).Watts, 2500, 1e-9)
	}
	near1(t, "GEN-A W", r.Load(f.id["GEN-A"]).Watts, 0, 0)
	// Apparent power at unity power factor equals real power.
	near1(t, "UPS-A VA", r.Load(f.id["UPS-A"]).VA, 2500, 1e-6)
	// On the nameplate basis the loads are the nameplate figures.
	near1(t, "nameplate", g.Compute(Scenario{Basis: Nameplate}).Load(f.id["UTIL-B"]).Watts, 1.5*2000, 1e-9)
	// Derating: 16 A at 80% leaves 12.8 A a line; the modular UPS is rated for its 3 usable modules.
	lim := r.Limits(mustNode(t, g, f.id["CIR-B1"]))
	if len(lim) != 3 || lim[0].Limit != 12.8 || lim[0].Phase != "L1" || lim[2].Phase != "L3" {
		t.Errorf("circuit limits: %+v", lim)
	}
	if kw := mustNode(t, g, f.id["UPS-A"]).CapacityKW(); kw != 75 {
		t.Errorf("UPS capacity %v kW, want 75", kw)
	}
}

// A redundant device set to primary runs on its first live supply alone, the other standing by
// (a hot-spare power supply): srv1 puts its 1 kW on the A side only, until A fails.
func TestPrimarySplit(t *testing.T) {
	f := newFacility2N()
	f.devices[0].Primary = true
	g := f.graph(t)
	r := g.Compute(Scenario{Basis: Allocated})
	near1(t, "RPDU-A1 L1", r.Load(f.id["RPDU-A1"]).Amps[0], (1000+500+500)/vLN, 1e-9)
	near1(t, "RPDU-B1 L1", r.Load(f.id["RPDU-B1"]).Amps[0], (500+500)/vLN, 1e-9)
	near1(t, "UTIL-A W", r.Load(f.id["UTIL-A"]).Watts, 3000, 1e-9)
	near1(t, "UTIL-B W", r.Load(f.id["UTIL-B"]).Watts, 1000+100+400, 1e-9)
	down := g.Compute(Scenario{Basis: Allocated, Failed: map[int64]bool{f.id["UPS-A"]: true}})
	near1(t, "RPDU-B1 L1, A down", down.Load(f.id["RPDU-B1"]).Amps[0], 3000/vLN, 1e-9)
	if st := down.Device(0); !st.Powered || st.LivePorts != 1 {
		t.Errorf("srv1 with A down: %+v", st)
	}
}

func mustNode(t *testing.T, g *Graph, id int64) *Node {
	t.Helper()
	n, ok := g.Node(id)
	if !ok {
		t.Fatalf("no node %d", id)
	}
	return n
}

// TestWhatIf checks the exact set each failure reports.
func TestWhatIf(t *testing.T) {
	f := newFacility2N()
	g := f.graph(t)
	sideA := []string{"srv1", "srv2", "srv3", "sw1"}
	for _, c := range []struct {
		failed         []string
		lost, degraded []string
		overloaded     []string // "node phase"
	}{
		// The whole A side: the single-corded box and the shelf that needs both supplies go dark; the
		// dual-corded devices run on B alone (redundancy lost without power lost), and L1 of the B
		// circuit, at 6.5 A before, now carries 3 kW: 12.99 A over its 12.8 A derated limit.
		{[]string{"UPS-A"}, []string{"old1", "stor1"}, sideA, []string{"CIR-B1 L1"}},
		{[]string{"CIR-A1"}, []string{"old1", "stor1"}, sideA, []string{"CIR-B1 L1"}},
		{[]string{"UTIL-A", "GEN-A"}, []string{"old1", "stor1"}, sideA, []string{"CIR-B1 L1"}},
		// The B side: the box on A keeps running, the shelf goes dark, A's L1 takes the servers.
		{[]string{"RPDU-B1"}, []string{"stor1"}, sideA, []string{"CIR-A1 L1"}},
		// The utility alone: the generator takes over, nothing is lost.
		{[]string{"UTIL-A"}, nil, nil, nil},
		// The standby generator alone: nothing happens.
		{[]string{"GEN-A"}, nil, nil, nil},
	} {
		var ids []int64
		for _, n := range c.failed {
			ids = append(ids, f.id[n])
		}
		imp, err := g.WhatIf(ids, Allocated)
		if err != nil {
			t.Fatal(err)
		}
		what := strings.Join(c.failed, "+")
		if got := names(imp.LostPower); !slices.Equal(got, sorted(c.lost)) {
			t.Errorf("%s: lost power %v, want %v", what, got, c.lost)
		}
		if got := names(imp.LostRedundancy); !slices.Equal(got, sorted(c.degraded)) {
			t.Errorf("%s: lost redundancy %v, want %v", what, got, c.degraded)
		}
		var over []string
		for _, o := range imp.Overloaded {
			over = append(over, o.Node.Name+" "+o.Limit.Phase)
		}
		if !slices.Equal(over, c.overloaded) {
			t.Errorf("%s: overloaded %v, want %v", what, over, c.overloaded)
		}
		if len(imp.Overloaded) > 0 {
			o := imp.Overloaded[0]
			near1(t, what+" load after", o.Limit.Load, 3000/vLN, 1e-9)
			near1(t, what+" load before", o.Before, 1500/vLN, 1e-9)
			near1(t, what+" limit", o.Limit.Limit, 12.8, 1e-12)
		}
		if imp.Basis != Allocated || len(imp.Failed) != len(c.failed) {
			t.Errorf("%s: basis %s, failed %v", what, imp.Basis, imp.Failed)
		}
	}
	// The standby generator carries what the utility did.
	r := g.Compute(Scenario{Failed: map[int64]bool{f.id["UTIL-A"]: true}, Basis: Allocated})
	near1(t, "GEN-A after the utility fails", r.Load(f.id["GEN-A"]).Watts, 2500, 1e-9)
	if _, err := g.WhatIf([]int64{999}, Allocated); dcim.ErrorCode(err) != dcim.EInvalid {
		t.Errorf("unknown node: %v", err)
	}
}

// The A/B rule, per phase: redundancy holds only if A + B on a line fits the derated rating of each
// side. At 2 × 1,400 W on L1 it does (12.12 A ≤ 12.8 A); at 2 × 1,500 W it does not.
func TestFailoverRulePerPhase(t *testing.T) {
	for _, c := range []struct {
		perServer float64
		holds     bool
	}{{1400.0 * 2 / 3, true}, {1000, false}} {
		f := newFacility2N()
		f.devices = f.devices[:3] // the three servers on L1
		for i := range f.devices {
			f.devices[i].AllocatedW = c.perServer
		}
		g := f.graph(t)
		imp, _ := g.WhatIf([]int64{f.id["RPDU-A1"]}, Allocated)
		if holds := len(imp.Overloaded) == 0; holds != c.holds {
			t.Errorf("%.0f W a server: redundancy holds %v, want %v (%+v)", c.perServer, holds, c.holds, imp.Overloaded)
		}
	}
}

func TestSweepN1(t *testing.T) {
	f := newFacility2N()
	g := f.graph(t)
	sp := g.SweepN1(Allocated)
	// Every A-side node from the switchgear down darkens old1 and stor1; every B-side one stor1; the
	// sources alone do nothing (each has a partner), so they are not listed.
	got := map[string]int{}
	for _, s := range sp {
		got[s.Node.Name] = s.LostPower
	}
	want := map[string]int{"SWGR-A": 2, "UPS-A": 2, "PDU-A": 2, "CIR-A1": 2, "RPDU-A1": 2,
		"SWGR-B": 1, "UPS-B": 1, "PDU-B": 1, "CIR-B1": 1, "RPDU-B1": 1}
	if len(got) != len(want) {
		t.Errorf("single points %v, want %v", got, want)
	}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("%s darkens %d devices, want %d", n, got[n], w)
		}
	}
	if sp[0].LostPower != 2 || sp[len(sp)-1].LostPower != 1 {
		t.Errorf("not worst first: %+v", sp)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// TestWiringRefused tries each impossible wiring the model must refuse.
func TestWiringRefused(t *testing.T) {
	cases := []struct {
		name  string
		mod   func(f *facility2N)
		field string
		text  string
	}{
		{"cycle", func(f *facility2N) {
			f.edges = append(f.edges, Edge{From: f.id["PDU-A"], To: f.id["SWGR-A"]})
		}, "to_id", "cycle"},
		{"single-inlet rack PDU on two circuits", func(f *facility2N) {
			f.edges = append(f.edges, Edge{From: f.id["CIR-B1"], To: f.id["RPDU-A1"]})
		}, "to_id", "inlet"},
		{"three-phase rack PDU on a single-phase circuit", func(f *facility2N) {
			for i := range f.nodes {
				if f.nodes[i].Name == "CIR-A1" {
					f.nodes[i].Phases, f.nodes[i].Voltage, f.nodes[i].Lines = 1, 230, Lines{A: 0, B: -1}
				}
			}
		}, "to_id", "three-phase RPDU-A1 cannot be fed from single-phase CIR-A1"},
		{"single-phase circuit at the wrong voltage", func(f *facility2N) {
			for i := range f.nodes {
				if f.nodes[i].Name == "CIR-A1" {
					f.nodes[i].Phases, f.nodes[i].Voltage, f.nodes[i].Lines = 1, 230, Lines{A: 0, B: 1}
				}
			}
			f.edges = slices.DeleteFunc(f.edges, func(e Edge) bool { return e.From == f.id["CIR-A1"] })
		}, "voltage", "expects 230 V but PDU-A gives 400 V across L1-L2"},
		{"feeding a source", func(f *facility2N) {
			f.edges = append(f.edges, Edge{From: f.id["SWGR-A"], To: f.id["GEN-B"]})
		}, "to_id", "source"},
		{"rack PDU feeding a node", func(f *facility2N) {
			f.edges = append(f.edges, Edge{From: f.id["RPDU-A1"], To: f.id["CIR-B1"]})
		}, "from_id", "feeds device power ports only"},
	}
	for _, c := range cases {
		f := newFacility2N()
		c.mod(f)
		_, err := Build(f.nodes, f.edges, f.devices)
		var we *WiringError
		if !errors.As(err, &we) {
			t.Errorf("%s: %v, want a wiring error", c.name, err)
			continue
		}
		if we.Field != c.field || !strings.Contains(we.Message, c.text) {
			t.Errorf("%s: %q on %s", c.name, we.Message, we.Field)
		}
	}
	// A 230 V power supply on a 400 V line-to-line outlet.
	ll := &Node{ID: 1, Name: "RPDU-LL", Kind: RackPDU, Phases: 3, Voltage: 400, OutletWiring: "ll"}
	if err := CheckPort(ll, ll.PortLines("A"), 230); err == nil || !strings.Contains(err.Error(), "230 V power supply cannot take the 400 V") {
		t.Errorf("230 V on 400 V L-L: %v", err)
	}
	ln := &Node{ID: 2, Name: "RPDU-LN", Kind: RackPDU, Phases: 3, Voltage: 400, OutletWiring: "ln"}
	if err := CheckPort(ln, ln.PortLines("B"), 230); err != nil {
		t.Errorf("230 V on a 230 V L-N outlet: %v", err)
	}
	if err := CheckPort(&Node{Name: "UPS", Kind: UPS, Phases: 3, Voltage: 400}, ThreePhase, 0); err == nil {
		t.Error("a device port on a UPS accepted")
	}
	if l := ll.PortLines("C"); l.String() != "L3-L1" {
		t.Errorf("leg C of a line-to-line PDU: %s", l)
	}
}
