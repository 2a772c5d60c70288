package power

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// modelOf turns the hand-built facility f into a stored model: its nodes and edges, the rack PDUs
// mounted in racks as devices of their own (ids from 900), two racks in one room cooled by a zone
// of two units (N+1), and no devices yet.
func modelOf(f *facility2N) Model {
	m := Model{SiteID: 1, Version: 1, AllocatedFraction: 0.5, RackRooms: map[int64]int64{1: 1, 2: 1, 3: 1}}
	ptr := func(v float64) *float64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	pdu := int64(900)
	for _, n := range f.nodes {
		pn := dcim.PowerNode{Name: n.Name, Kind: string(n.Kind), Status: "active", Side: n.Side, Phases: n.Phases,
			Voltage: n.Voltage, OutletWiring: n.OutletWiring, PrimaryVoltage: ptr(n.PrimaryVoltage), RatedKW: ptr(n.RatedKW),
			RatedKVA: ptr(n.RatedKVA), RatedAmps: ptr(n.RatedAmps), PowerFactor: n.PowerFactor, Derating: n.Derating,
			ModuleKW: ptr(n.ModuleKW), RedundantModules: n.RedundantModules, Inlets: n.Inlets}
		pn.ID = n.ID
		if n.Phases == 1 {
			pn.Lines = n.Lines.String()
		}
		if n.Modules > 0 {
			pn.Modules = &n.Modules
		}
		if n.Kind == RackPDU {
			pdu++
			id := pdu
			pn.DeviceID = &id
			m.Devices = append(m.Devices, ModelDevice{ID: id, Name: "pdu-" + n.Name, RackID: 1 + pdu%2})
		}
		m.Nodes = append(m.Nodes, pn)
	}
	for i, e := range f.edges {
		m.Edges = append(m.Edges, dcim.PowerEdge{FromID: e.From, ToID: e.To, Priority: e.Priority})
		m.Edges[i].ID = int64(i + 1)
	}
	m.Zones = []dcim.CoolingZone{{RoomID: 1, Name: "hall", Redundancy: "N+1"}}
	m.Zones[0].ID = 1
	zone := int64(1)
	ups := f.id["UPS-A"]
	m.Units = []dcim.CoolingUnit{{RoomID: 1, ZoneID: &zone, Name: "CRAH-1", Status: "active", CapacityKW: 8, PowerNodeID: &ups},
		{RoomID: 1, ZoneID: &zone, Name: "CRAH-2", Status: "active", CapacityKW: 8}}
	m.Units[0].ID, m.Units[1].ID = 1, 2
	return m
}

// randomDevice is a device with one to three power supplies, each plugged into a random rack PDU
// or circuit (or into nothing), with random draws, in a random rack or none.
func randomDevice(rng *rand.Rand, m *Model, id int64) ModelDevice {
	var feeds []dcim.PowerNode
	for _, n := range m.Nodes {
		if n.Kind == string(RackPDU) || n.Kind == string(Circuit) {
			feeds = append(feeds, n)
		}
	}
	d := ModelDevice{ID: id, Name: fmt.Sprintf("dev%d", id), RackID: int64(rng.IntN(4))}
	if rng.IntN(4) == 0 {
		red := rng.IntN(2) == 0
		d.Redundant = &red
	}
	if rng.IntN(3) == 0 {
		d.Split = "primary"
	}
	for p := range 1 + rng.IntN(3) {
		port := ModelPort{ID: id*10 + int64(p)}
		if rng.IntN(6) > 0 {
			n := feeds[rng.IntN(len(feeds))]
			port.Node = n.ID
			if n.Phases == 3 {
				port.Lines = []string{"L1", "L2", "L3", "L1-L2", "L2-L3", ""}[rng.IntN(6)]
			}
		}
		if rng.IntN(5) > 0 {
			w := 100 + rng.IntN(2000)
			port.MaximumDraw = &w
		}
		if rng.IntN(3) == 0 {
			w := 50 + rng.IntN(1000)
			port.AllocatedDraw = &w
		}
		d.Ports = append(d.Ports, port)
	}
	return d
}

// TestCarriedSiteMatchesRebuilt makes hundreds of random device changes to two facilities (devices
// added, removed, moved between racks, replugged, their draws changed, rack PDUs moved) and checks
// after each that the site carried forward from the change answers exactly as one built afresh from
// the same model: every node's load and headroom after failover, every rack's power and feeds, the
// cooling zones' heat, the standing overloads, and the what-if of every node failing.
func TestCarriedSiteMatchesRebuilt(t *testing.T) {
	for fi, f := range []*facility2N{newFacility2N(), mixedFacility()} {
		rng := rand.New(rand.NewPCG(uint64(fi), 7))
		m := modelOf(f)
		for i := range 40 {
			m.Devices = append(m.Devices, randomDevice(rng, &m, int64(1000+i)))
		}
		site, err := BuildSite(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		next, carried := int64(2000), 0
		for step := range 300 {
			prime(site)
			touched := map[int64]bool{}
			var fresh []ModelDevice
			for range 1 + rng.IntN(3) {
				d := site.Model.Devices[rng.IntN(len(site.Model.Devices))]
				switch op := rng.IntN(5); {
				case op == 0: // removed
					if d.ID < 1000 {
						continue // a rack PDU's device stays while its node does
					}
					touched[d.ID] = true
				case op == 1: // a new device
					next++
					nd := randomDevice(rng, &site.Model, next)
					touched[nd.ID] = true
					fresh = append(fresh, nd)
				case op == 2: // moved to another rack (a rack PDU moves its outlets with it)
					d.RackID = int64(rng.IntN(4))
					touched[d.ID] = true
					fresh = append(fresh, d)
				default: // replugged, draws changed
					if d.ID < 1000 {
						continue
					}
					nd := randomDevice(rng, &site.Model, d.ID)
					nd.RackID = d.RackID
					touched[d.ID] = true
					fresh = append(fresh, nd)
				}
			}
			fresh = slices.DeleteFunc(fresh, func(d ModelDevice) bool { return !touched[d.ID] })
			slices.SortFunc(fresh, byDeviceID)
			fresh = slices.CompactFunc(fresh, func(a, b ModelDevice) bool { return a.ID == b.ID })
			version := int64(step + 2)
			got, err := site.withDevices(touched, fresh, version)
			if err != nil {
				t.Fatal(err)
			}
			wantModel := site.Model
			wantModel.Version = version
			wantModel.Devices, _ = mergeDevices(site.Model.Devices, touched, fresh)
			want, err := BuildSite(wantModel, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				site = want // too many empty slots: built afresh, as the service does
				continue
			}
			carried++
			what := fmt.Sprintf("facility %d, step %d", fi, step)
			sameSite(t, what, got, want)
			site = got
		}
		if carried < 200 {
			t.Errorf("facility %d: only %d of 300 changes carried forward", fi, carried)
		}
	}
}

// prime computes everything a site memoizes, so that carrying it forward has everything to carry.
func prime(s *Site) {
	for _, b := range []Basis{Allocated, Nameplate} {
		s.Racks(b)
		s.Zones(b)
		s.baseOverloads(b)
	}
}

func approx(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.IsInf(want, 1) && math.IsInf(got, 1) {
		return
	}
	if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
		t.Errorf("%s: %v, rebuilt %v", what, got, want)
	}
}

func nearPtr(t *testing.T, what string, got, want *float64) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s: %v, rebuilt %v", what, got, want)
	default:
		approx(t, what, *got, *want)
	}
}

func sameSite(t *testing.T, what string, got, want *Site) {
	t.Helper()
	for _, b := range []Basis{Allocated, Nameplate} {
		gl, wl := got.Loads(b, ""), want.Loads(b, "")
		for i := range wl {
			g, w := gl[i], wl[i]
			at := fmt.Sprintf("%s, %s, %s", what, b, w.Node.Name)
			if g.Node != w.Node || g.Alive != w.Alive {
				t.Fatalf("%s: node %+v alive %v, rebuilt %+v %v", at, g.Node, g.Alive, w.Node, w.Alive)
			}
			approx(t, at+" kW", g.KW, w.KW)
			approx(t, at+" kVA", g.KVA, w.KVA)
			for k := range w.Amps {
				approx(t, fmt.Sprintf("%s A[%d]", at, k), g.Amps[k], w.Amps[k])
			}
			nearPtr(t, at+" headroom", g.HeadroomKW, w.HeadroomKW)
		}
		gr, wr := got.Racks(b), want.Racks(b)
		if len(gr) != len(wr) {
			t.Errorf("%s, %s: racks %v, rebuilt %v", what, b, gr, wr)
		}
		for rack, w := range wr {
			g := gr[rack]
			at := fmt.Sprintf("%s, %s, rack %d", what, b, rack)
			approx(t, at+" allocated", g.AllocatedKW, w.AllocatedKW)
			approx(t, at+" nameplate", g.NameplateKW, w.NameplateKW)
			nearPtr(t, at+" headroom", g.HeadroomKW, w.HeadroomKW)
			if len(g.Feeds) != len(w.Feeds) {
				t.Errorf("%s: feeds %+v, rebuilt %+v", at, g.Feeds, w.Feeds)
				continue
			}
			for i := range w.Feeds {
				if g.Feeds[i].Node != w.Feeds[i].Node {
					t.Errorf("%s: feed %v, rebuilt %v", at, g.Feeds[i].Node, w.Feeds[i].Node)
				}
				for k := range w.Feeds[i].Lines {
					approx(t, at+" amps", g.Feeds[i].Lines[k].Amps, w.Feeds[i].Lines[k].Amps)
					approx(t, at+" failover amps", g.Feeds[i].Lines[k].Failover, w.Feeds[i].Lines[k].Failover)
				}
			}
		}
		gz, wz := got.Zones(b), want.Zones(b)
		for i := range wz {
			approx(t, fmt.Sprintf("%s, %s, zone %s heat", what, b, wz[i].Zone.Name), gz[i].HeatKW, wz[i].HeatKW)
		}
		gol, wol := got.baseOverloads(b), want.baseOverloads(b)
		if len(gol) != len(wol) {
			t.Errorf("%s, %s: overloads %+v, rebuilt %+v", what, b, gol, wol)
		} else {
			for i := range wol {
				if gol[i].Node != wol[i].Node || gol[i].Limit.Phase != wol[i].Limit.Phase || gol[i].Limit.Measure != wol[i].Limit.Measure {
					t.Errorf("%s, %s: overload %+v, rebuilt %+v", what, b, gol[i], wol[i])
				}
				approx(t, what+" overload", gol[i].Limit.Load, wol[i].Limit.Load)
			}
		}
	}
	for _, n := range want.Model.Nodes {
		g, err1 := got.WhatIf([]int64{n.ID}, nil, Allocated)
		w, err2 := want.WhatIf([]int64{n.ID}, nil, Allocated)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		at := fmt.Sprintf("%s, %s fails", what, n.Name)
		if !slices.Equal(names(g.LostPower), names(w.LostPower)) || !slices.Equal(names(g.LostRedundancy), names(w.LostRedundancy)) {
			t.Errorf("%s: lost %v / %v, degraded %v / %v", at, names(g.LostPower), names(w.LostPower), names(g.LostRedundancy), names(w.LostRedundancy))
		}
		if len(g.Overloaded) != len(w.Overloaded) || len(g.CoolingShort) != len(w.CoolingShort) {
			t.Errorf("%s: overloads %+v cooling %+v, rebuilt %+v %+v", at, g.Overloaded, g.CoolingShort, w.Overloaded, w.CoolingShort)
			continue
		}
		for i := range w.CoolingShort {
			approx(t, at+" cooling heat", g.CoolingShort[i].HeatLoadKW, w.CoolingShort[i].HeatLoadKW)
		}
	}
	if len(got.Graph.Devices()) != len(want.Graph.Devices()) {
		t.Errorf("%s: %d devices on the chain, rebuilt %d", what, len(got.Graph.Devices()), len(want.Graph.Devices()))
	}
}
