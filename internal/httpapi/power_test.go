package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// facility2N builds, through the API, a 2N facility: per side a utility feed with a standby
// generator into switchgear, a modular UPS (4 × 25 kW, one redundant), a floor PDU, a 16 A
// three-phase circuit and a 0-U rack PDU (a device with nine 230 V outlets, three a leg) in rack R1.
// In the rack: three dual-corded 1 kW servers on leg A (L1) of both PDUs, a dual-corded 200 W switch
// on leg B, a single-corded 500 W box on the A PDU's leg C, and a 400 + 400 W storage shelf that
// needs both supplies, on leg C of each PDU. Cooling: one zone, N+1, two 5 kW CRAHs fed from the A
// and B floor PDUs.
type apiFacility struct {
	site int64
	ids  map[string]int64
}

func buildFacility2N(t *testing.T, e *apiEnv) apiFacility {
	f := apiFacility{ids: map[string]int64{}}
	f.site = e.create(t, "sites", obj{"name": "DC-2N", "supply_voltage_ln": 230, "supply_voltage_ll": 400})
	room := e.create(t, "rooms", obj{"site_id": f.site, "name": "Hall 1"})
	rack := e.create(t, "racks", obj{"room_id": room, "name": "R1"})
	maker := e.create(t, "manufacturers", obj{"name": "Acme"})
	typ := func(model string, u float64, ports []obj, outlets []obj) int64 {
		return e.create(t, "device-types", obj{"manufacturer_id": maker, "model": model, "u_height": u, "is_full_depth": u > 0,
			"power_ports": ports, "power_outlets": outlets})
	}
	psu := func(n int, alloc int) []obj {
		var out []obj
		for i := 1; i <= n; i++ {
			out = append(out, obj{"name": fmt.Sprintf("PSU%d", i), "maximum_draw": alloc * 3 / 2, "allocated_draw": alloc})
		}
		return out
	}
	var outlets []obj
	for _, leg := range []string{"A", "B", "C"} {
		for i := 1; i <= 3; i++ {
			outlets = append(outlets, obj{"name": fmt.Sprintf("%s%d", leg, i), "feed_leg": leg, "power_port": "Inlet"})
		}
	}
	pduType := typ("PDU-9", 0, []obj{{"name": "Inlet"}}, outlets)
	server := typ("Server", 1, psu(2, 1000), nil)
	f.ids["type:pdu"], f.ids["type:server"], f.ids["room"], f.ids["R1"], f.ids["maker"] = pduType, server, room, rack, maker
	sw := typ("Switch", 1, psu(2, 200), nil)
	box := typ("Box", 1, psu(1, 500), nil)
	shelf := typ("Shelf", 2, psu(2, 400), nil)
	node := func(name string, o obj) {
		f.ids[name] = e.create(t, "power-nodes", with(o, "site_id", f.site, "name", name))
	}
	feed := func(from, to string, prio int) {
		e.create(t, "power-edges", obj{"from_id": f.ids[from], "to_id": f.ids[to], "priority": prio})
	}
	for _, s := range []string{"A", "B"} {
		f.ids["PDUDEV-"+s] = e.create(t, "devices", obj{"name": "R1-PDU-" + s, "device_type_id": pduType, "rack_id": rack,
			"mount_side": map[string]string{"A": "left", "B": "right"}[s]})
		node("UTIL-"+s, obj{"kind": "utility", "side": s})
		node("GEN-"+s, obj{"kind": "generator", "side": s, "rated_kw": 500})
		node("SWGR-"+s, obj{"kind": "switchgear", "side": s})
		node("UPS-"+s, obj{"kind": "ups", "side": s, "modules": 4, "module_kw": 25, "redundant_modules": 1, "derating": 1})
		node("PDU-"+s, obj{"kind": "pdu", "side": s, "rated_amps": 160})
		node("CIR-"+s+"1", obj{"kind": "circuit", "side": s, "rated_amps": 16, "room_id": room})
		node("RPDU-"+s+"1", obj{"kind": "rack-pdu", "side": s, "device_id": f.ids["PDUDEV-"+s], "room_id": room})
		feed("UTIL-"+s, "SWGR-"+s, 0)
		feed("GEN-"+s, "SWGR-"+s, 1)
		feed("SWGR-"+s, "UPS-"+s, 0)
		feed("UPS-"+s, "PDU-"+s, 0)
		feed("PDU-"+s, "CIR-"+s+"1", 0)
		feed("CIR-"+s+"1", "RPDU-"+s+"1", 0)
	}
	outletOf := map[string]int64{}
	for _, s := range []string{"A", "B"} {
		for _, o := range e.list(t, fmt.Sprintf("%s/power-outlets?device_id=%d&limit=100", Prefix, f.ids["PDUDEV-"+s])).Results {
			outletOf[s+":"+o["name"].(string)] = idOf(t, o)
		}
	}
	device := func(name string, typ int64, pos float64, plugs ...string) {
		body := obj{"name": name, "device_type_id": typ, "rack_id": rack, "position": pos, "face": "front"}
		if name == "stor1" {
			body["power_redundant"] = false
		}
		f.ids[name] = e.create(t, "devices", body)
		ports := e.list(t, fmt.Sprintf("%s/power-ports?device_id=%d&ordering=name", Prefix, f.ids[name])).Results
		for i, plug := range plugs {
			e.expect(t, http.StatusOK, http.MethodPatch, itemPath("power-ports", idOf(t, ports[i])), obj{"outlet_id": outletOf[plug], "voltage": 230})
		}
	}
	device("srv1", server, 1, "A:A1", "B:A1")
	device("srv2", server, 2, "A:A2", "B:A2")
	device("srv3", server, 3, "A:A3", "B:A3")
	device("sw1", sw, 4, "A:B1", "B:B1")
	device("old1", box, 5, "A:C1")
	device("stor1", shelf, 6, "A:C2", "B:C2")
	zone := e.create(t, "cooling-zones", obj{"room_id": room, "name": "Hall 1", "redundancy": "N+1"})
	f.ids["zone"] = zone
	f.ids["CRAH-1"] = e.create(t, "cooling-units", obj{"room_id": room, "zone_id": zone, "name": "CRAH-1", "kind": "crah", "capacity_kw": 5, "power_node_id": f.ids["PDU-A"]})
	f.ids["CRAH-2"] = e.create(t, "cooling-units", obj{"room_id": room, "zone_id": zone, "name": "CRAH-2", "kind": "crah", "capacity_kw": 5, "power_node_id": f.ids["PDU-B"]})
	return f
}

type whatIfBody struct {
	Failed         []objRef `json:"failed"`
	LostPower      []objRef `json:"lost_power"`
	LostRedundancy []objRef `json:"lost_redundancy"`
	Overloaded     []struct {
		Node  objRef `json:"node"`
		Limit struct {
			Measure string  `json:"measure"`
			Phase   string  `json:"phase"`
			Load    float64 `json:"load"`
			Limit   float64 `json:"limit"`
		} `json:"limit"`
		Before float64 `json:"before"`
	} `json:"overloaded"`
	CoolingShort []struct {
		Zone       objRef   `json:"zone"`
		HeatLoadKW float64  `json:"heat_load_kw"`
		CapacityKW float64  `json:"capacity_kw"`
		Lost       []objRef `json:"lost_units"`
	} `json:"cooling_short"`
	Basis string `json:"load_basis"`
}

type objRef struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func refNames(refs []objRef) []string {
	out := []string{}
	for _, r := range refs {
		out = append(out, r.Name)
	}
	slices.Sort(out)
	return out
}

// TestWhatIfAPI checks the exact sets each what-if reports on the hand-built 2N facility, on both
// engines, power and cooling.
func TestWhatIfAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		f := buildFacility2N(t, e)
		whatIf := func(nodes []string, units []string) whatIfBody {
			t.Helper()
			body := obj{"failed": []int64{}, "failed_cooling_units": []int64{}}
			for _, n := range nodes {
				body["failed"] = append(body["failed"].([]int64), f.ids[n])
			}
			for _, u := range units {
				body["failed_cooling_units"] = append(body["failed_cooling_units"].([]int64), f.ids[u])
			}
			r := e.do(t, http.MethodPost, Prefix+"/whatif", body)
			if r.code != http.StatusOK {
				t.Fatalf("what-if %v %v: %s", nodes, units, r)
			}
			var out whatIfBody
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		sideA := []string{"srv1", "srv2", "srv3", "sw1"}
		vLN := 400 / math.Sqrt(3)
		for _, c := range []struct {
			nodes, units   []string
			lost, degraded []string
			overloaded     []string
			short          []string // zone: lost units
		}{
			// UPS-A down: the box and the shelf go dark, the dual-corded devices run on B alone, L1 of
			// the B circuit takes all three servers (3 kW at PF 0.95: 13.7 A over 12.8 A), and CRAH-1,
			// fed from PDU-A, stops; CRAH-2 alone still covers the 4.5 kW of the rack.
			{nodes: []string{"UPS-A"}, lost: []string{"old1", "stor1"}, degraded: sideA, overloaded: []string{"CIR-B1 L1"}},
			// The A circuit: the same devices; the CRAHs keep running.
			{nodes: []string{"CIR-A1"}, lost: []string{"old1", "stor1"}, degraded: sideA, overloaded: []string{"CIR-B1 L1"}},
			// The utility alone: the generator takes over.
			{nodes: []string{"UTIL-A"}},
			// One CRAH: N+1 holds.
			{units: []string{"CRAH-1"}},
			// Both CRAHs, or one and the floor PDU feeding the other: the zone is short.
			{units: []string{"CRAH-1", "CRAH-2"}, short: []string{"Hall 1: CRAH-1 CRAH-2"}},
			{nodes: []string{"PDU-B"}, units: []string{"CRAH-1"}, lost: []string{"stor1"}, degraded: sideA,
				overloaded: []string{"CIR-A1 L1"}, short: []string{"Hall 1: CRAH-1 CRAH-2"}},
		} {
			what := strings.Join(append(slices.Clone(c.nodes), c.units...), "+")
			got := whatIf(c.nodes, c.units)
			if g := refNames(got.LostPower); !slices.Equal(g, sortedNames(c.lost)) {
				t.Errorf("%s: lost power %v, want %v", what, g, c.lost)
			}
			if g := refNames(got.LostRedundancy); !slices.Equal(g, sortedNames(c.degraded)) {
				t.Errorf("%s: lost redundancy %v, want %v", what, g, c.degraded)
			}
			var over []string
			for _, o := range got.Overloaded {
				over = append(over, o.Node.Name+" "+o.Limit.Phase)
				if o.Limit.Measure == "A" && math.Abs(o.Limit.Load-3000/(vLN*0.95)) > 1e-6 {
					t.Errorf("%s: %s carries %.3f A, want %.3f", what, o.Node.Name, o.Limit.Load, 3000/(vLN*0.95))
				}
			}
			if !slices.Equal(over, c.overloaded) {
				t.Errorf("%s: overloaded %v, want %v", what, over, c.overloaded)
			}
			var short []string
			for _, s := range got.CoolingShort {
				short = append(short, s.Zone.Name+": "+strings.Join(refNames(s.Lost), " "))
				// The shelf that goes dark with PDU-B (0.8 kW) no longer heats the room.
				want := 4.5
				if slices.Contains(c.lost, "stor1") {
					want = 3.7
				}
				if math.Abs(s.HeatLoadKW-want) > 1e-9 {
					t.Errorf("%s: heat load %v kW, want %v", what, s.HeatLoadKW, want)
				}
			}
			if !slices.Equal(short, c.short) {
				t.Errorf("%s: cooling short %v, want %v", what, short, c.short)
			}
			if got.Basis != "allocated" {
				t.Errorf("%s: basis %q", what, got.Basis)
			}
		}
		// N-1 over the site: every A node from the switchgear down darkens two devices, every B node
		// one; the sources alone darken nothing.
		r := e.do(t, http.MethodGet, fmt.Sprintf("%s/whatif/n-1?site=%d", Prefix, f.site), nil)
		if r.code != http.StatusOK {
			t.Fatalf("n-1: %s", r)
		}
		var n1 struct {
			SinglePoints []struct {
				Node      objRef `json:"node"`
				LostPower int    `json:"lost_power"`
			} `json:"single_points"`
		}
		if err := json.Unmarshal(r.body, &n1); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, sp := range n1.SinglePoints {
			got[sp.Node.Name] = sp.LostPower
		}
		for _, s := range []string{"SWGR", "UPS", "PDU", "CIR", "RPDU"} {
			suffix := ""
			if s == "CIR" || s == "RPDU" {
				suffix = "1"
			}
			if got[s+"-A"+suffix] != 2 || got[s+"-B"+suffix] != 1 {
				t.Errorf("n-1 %s: A %d, B %d", s, got[s+"-A"+suffix], got[s+"-B"+suffix])
			}
		}
		if _, ok := got["UTIL-A"]; ok || len(n1.SinglePoints) != 10 {
			t.Errorf("n-1 single points: %v", got)
		}
		// Refused: nothing named, an unknown node, nodes of two sites.
		e.refuse(t, http.MethodPost, Prefix+"/whatif", obj{}, want{status: http.StatusBadRequest, field: "failed"})
		e.refuse(t, http.MethodPost, Prefix+"/whatif", obj{"failed": []int64{999999}}, want{status: http.StatusBadRequest, field: "failed[0]"})
		other := e.create(t, "sites", obj{"name": "Elsewhere", "supply_voltage_ll": 400})
		far := e.create(t, "power-nodes", obj{"site_id": other, "name": "UTIL-X", "kind": "utility"})
		e.refuse(t, http.MethodPost, Prefix+"/whatif", obj{"failed": []int64{f.ids["UPS-A"], far}}, want{status: http.StatusBadRequest, field: "failed[1]"})
		e.refuse(t, http.MethodGet, fmt.Sprintf("%s/whatif/n-1?site=999999", Prefix), nil, want{status: http.StatusBadRequest, field: "site"})
	})
}

func sortedNames(s []string) []string {
	out := slices.Clone(s)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return out
}

// TestCapacityAPI checks the roll-up of the 2N facility against figures worked out by hand.
func TestCapacityAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		f := buildFacility2N(t, e)
		rack := e.list(t, Prefix+"/racks?name=R1").Results[0]
		var got struct {
			Scope objRef `json:"scope"`
			Space struct {
				Units    float64            `json:"units"`
				Used     map[string]float64 `json:"used"`
				Free     map[string]float64 `json:"free"`
				Reserved float64            `json:"reserved"`
				Largest  map[string]float64 `json:"largest_free_block"`
			} `json:"space"`
			Power struct {
				NameplateKW float64  `json:"nameplate_kw"`
				AllocatedKW float64  `json:"allocated_kw"`
				HeadroomKW  *float64 `json:"failover_headroom_kw"`
				Unfed       int      `json:"unfed_racks"`
			} `json:"power"`
			Cooling struct {
				HeatKW, CapacityKW, HeadroomKW float64
				Zones                          int
			} `json:"cooling"`
			Racks   int               `json:"racks"`
			PerRack []json.RawMessage `json:"per_rack"`
		}
		for _, q := range []string{fmt.Sprintf("rack=%d", idOf(t, rack)), fmt.Sprintf("site=%d", f.site)} {
			r := e.do(t, http.MethodGet, Prefix+"/capacity?"+q, nil)
			if r.code != http.StatusOK {
				t.Fatalf("capacity %s: %s", q, r)
			}
			got.Cooling.HeatKW, got.Cooling.CapacityKW = 0, 0
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			var cool map[string]any
			_ = json.Unmarshal(r.body, &cool)
			c := cool["cooling"].(map[string]any)
			// Space: 42U; servers, switch and box take U1–U5, the shelf U6–U7, all full depth.
			if got.Racks != 1 || got.Space.Units != 42 || got.Space.Used["front"] != 7 || got.Space.Used["rear"] != 7 ||
				got.Space.Free["front"] != 35 || got.Space.Largest["rear"] != 35 || got.Space.Reserved != 0 {
				t.Errorf("%s space: %+v", q, got.Space)
			}
			// Power: allocated 3 × 1,000 + 200 + 500 + (400 + 400) W; nameplate 1.5 × each supply
			// (the shelf needs both of its, so they add up).
			if math.Abs(got.Power.AllocatedKW-4.5) > 1e-9 || math.Abs(got.Power.NameplateKW-6.75) > 1e-9 {
				t.Errorf("%s power: %+v", q, got.Power)
			}
			// With either side down, L1 of the surviving circuit carries the three servers: 3 kW at
			// PF 0.95 on 230.94 V against 80% of 16 A: 12.8 × 230.94 × 0.95 − 3000 W = −191.8 W.
			want := (12.8*400/math.Sqrt(3)*0.95 - 3000) / 1000
			if got.Power.HeadroomKW == nil || math.Abs(*got.Power.HeadroomKW-want) > 1e-9 || got.Power.Unfed != 0 {
				t.Errorf("%s headroom: %v, want %.4f kW", q, got.Power.HeadroomKW, want)
			}
			// Cooling: one zone, N+1 of two 5 kW units (5 kW), 4.5 kW of heat.
			if c["zones"].(float64) != 1 || c["heat_load_kw"].(float64) != 4.5 || c["capacity_kw"].(float64) != 5 ||
				math.Abs(c["headroom_kw"].(float64)-0.5) > 1e-9 {
				t.Errorf("%s cooling: %v", q, c)
			}
		}
		// Per phase, for the rack: each feed's lines now and with the other side down.
		var feeds struct {
			Power struct {
				Feeds []struct {
					Node  objRef `json:"node"`
					Lines []struct {
						Phase    string  `json:"phase"`
						Amps     float64 `json:"amps"`
						Failover float64 `json:"failover_amps"`
					} `json:"lines"`
				} `json:"feeds"`
			} `json:"power"`
		}
		r := e.do(t, http.MethodGet, fmt.Sprintf("%s/capacity?rack=%d", Prefix, idOf(t, rack)), nil)
		if err := json.Unmarshal(r.body, &feeds); err != nil || len(feeds.Power.Feeds) != 2 {
			t.Fatalf("rack feeds: %s", r)
		}
		vln := 400 / math.Sqrt(3)
		b1 := feeds.Power.Feeds[1]
		if b1.Node.Name != "RPDU-B1" || b1.Lines[0].Phase != "L1" || math.Abs(b1.Lines[0].Amps-1500/(vln*0.95)) > 1e-9 ||
			math.Abs(b1.Lines[0].Failover-3000/(vln*0.95)) > 1e-9 || math.Abs(b1.Lines[2].Failover) > 1e-9 {
			t.Errorf("RPDU-B1 lines: %+v", b1)
		}
		// Budget and phases, the same for the rack and the site (it has one rack). The rack PDUs are
		// unrated: each is bounded by the 16 A circuit feeding it alone, 80% of √3 × 400 V × 16 A at PF
		// 0.95 = 8.425 kW; either side must carry the rack alone, so the budget is one side's.
		for _, q := range []string{fmt.Sprintf("rack=%d", idOf(t, rack)), fmt.Sprintf("site=%d", f.site)} {
			var bp struct {
				Power struct {
					BudgetKW *float64 `json:"budget_kw"`
					Phases   []struct {
						Side, Phase string
						Feeds       int
						Amps        float64
						Failover    float64  `json:"failover_amps"`
						Limit       *float64 `json:"limit_amps"`
					} `json:"phases"`
					Feeds []struct {
						RatedBy *objRef `json:"rated_by"`
					} `json:"feeds"`
				} `json:"power"`
			}
			r := e.do(t, http.MethodGet, Prefix+"/capacity?"+q, nil)
			if err := json.Unmarshal(r.body, &bp); err != nil {
				t.Fatal(err)
			}
			wantBudget := 0.8 * math.Sqrt(3) * 400 * 16 * 0.95 / 1000
			if bp.Power.BudgetKW == nil || math.Abs(*bp.Power.BudgetKW-wantBudget) > 1e-9 {
				t.Errorf("%s budget: %v, want %.4f kW", q, bp.Power.BudgetKW, wantBudget)
			}
			if q[:4] == "rack" && (len(bp.Power.Feeds) != 2 || bp.Power.Feeds[0].RatedBy == nil || bp.Power.Feeds[0].RatedBy.Name != "CIR-A1") {
				t.Errorf("rack feeds rated by: %s", r)
			}
			// Side A: L1 carries half of the three servers (1.5 kW), all of them with B down; L3 the box
			// (500 W) and half the shelf (400 W), and with B down only the box: the shelf needs both.
			amps := func(w float64) float64 { return w / (400 / math.Sqrt(3) * 0.95) }
			if len(bp.Power.Phases) != 6 {
				t.Fatalf("%s phases: %s", q, r)
			}
			a1, a3 := bp.Power.Phases[0], bp.Power.Phases[2]
			if a1.Side != "A" || a1.Phase != "L1" || a1.Feeds != 1 || math.Abs(a1.Amps-amps(1500)) > 1e-9 || math.Abs(a1.Failover-amps(3000)) > 1e-9 ||
				a1.Limit == nil || *a1.Limit != 12.8 {
				t.Errorf("%s A L1: %+v", q, a1)
			}
			if a3.Phase != "L3" || math.Abs(a3.Amps-amps(900)) > 1e-9 || math.Abs(a3.Failover-amps(500)) > 1e-9 {
				t.Errorf("%s A L3: %+v", q, a3)
			}
		}
		r = e.do(t, http.MethodGet, fmt.Sprintf("%s/capacity?site=%d&racks=true", Prefix, f.site), nil)
		if err := json.Unmarshal(r.body, &got); err != nil || len(got.PerRack) != 1 {
			t.Errorf("per rack: %v %d", err, len(got.PerRack))
		}
		// Loads per node: the A circuit carries half of each dual-corded device and all of the box.
		var loads struct {
			Nodes []struct {
				Node       objRef    `json:"node"`
				KW         float64   `json:"kw"`
				Amps       []float64 `json:"amps"`
				HeadroomKW *float64  `json:"failover_headroom_kw"`
			} `json:"nodes"`
		}
		r = e.do(t, http.MethodGet, fmt.Sprintf("%s/power-loads?site=%d&kind=circuit", Prefix, f.site), nil)
		if err := json.Unmarshal(r.body, &loads); err != nil || len(loads.Nodes) != 2 {
			t.Fatalf("power-loads: %s", r)
		}
		cirA := loads.Nodes[0]
		vLN := 400 / math.Sqrt(3)
		if cirA.Node.Name != "CIR-A1" || math.Abs(cirA.KW-2.5) > 1e-9 || len(cirA.Amps) != 3 || math.Abs(cirA.Amps[0]-1500/(vLN*0.95)) > 1e-9 ||
			cirA.HeadroomKW == nil || math.Abs(*cirA.HeadroomKW-(12.8*vLN*0.95-3000)/1000) > 1e-9 {
			t.Errorf("CIR-A1 load: %+v", cirA)
		}
		// srv1's second supply becomes a hot spare: its 1 kW moves to the A circuit, until A fails.
		e.expect(t, http.StatusOK, http.MethodPatch, itemPath("devices", f.ids["srv1"]), obj{"power_split": "primary"})
		r = e.do(t, http.MethodGet, fmt.Sprintf("%s/power-loads?site=%d&kind=circuit", Prefix, f.site), nil)
		if err := json.Unmarshal(r.body, &loads); err != nil || len(loads.Nodes) != 2 {
			t.Fatalf("power-loads: %s", r)
		}
		if a, b := loads.Nodes[0], loads.Nodes[1]; math.Abs(a.KW-3.0) > 1e-9 || math.Abs(b.KW-1.5) > 1e-9 || math.Abs(a.Amps[0]-2000/(vLN*0.95)) > 1e-9 {
			t.Errorf("with srv1 on its primary supply: CIR-A1 %+v, CIR-B1 %+v", a, b)
		}
		e.refuse(t, http.MethodPatch, itemPath("devices", f.ids["stor1"]), obj{"power_split": "primary", "power_redundant": false},
			want{status: http.StatusBadRequest, field: "power_split"})
		e.refuse(t, http.MethodGet, Prefix+"/capacity", nil, want{status: http.StatusBadRequest, field: "site"})
		e.refuse(t, http.MethodGet, fmt.Sprintf("%s/capacity?site=%d&rack=%d", Prefix, f.site, idOf(t, rack)), nil, want{status: http.StatusBadRequest, field: "site"})
		e.refuse(t, http.MethodGet, Prefix+"/capacity?room=999999", nil, want{status: http.StatusBadRequest, field: "room"})
	})
}

// TestPlacementAPI asks where equipment fits in the 2N facility grown by a few racks, each there to
// fail one rule: the full rack, the other tenant's rack, the rack with one feed, the light rack, the
// rack with units reserved for another tenant, and the rack whose power is gone after failover (R1).
func TestPlacementAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		f := buildFacility2N(t, e)
		t1 := e.create(t, "tenants", obj{"name": "T1"})
		t2 := e.create(t, "tenants", obj{"name": "T2"})
		// A rack fed from A and B through new 32 A circuits, with two PDUs of nine outlets.
		fedRack := func(name string, sides []string, extra obj) int64 {
			rack := e.create(t, "racks", with(extra, "room_id", f.ids["room"], "name", name))
			for _, s := range sides {
				dev := e.create(t, "devices", obj{"name": name + "-PDU-" + s, "device_type_id": f.ids["type:pdu"], "rack_id": rack,
					"mount_side": map[string]string{"A": "left", "B": "right"}[s]})
				cir := e.create(t, "power-nodes", obj{"site_id": f.site, "name": "CIR-" + name + "-" + s, "kind": "circuit", "side": s, "rated_amps": 32})
				rp := e.create(t, "power-nodes", obj{"site_id": f.site, "name": "RPDU-" + name + "-" + s, "kind": "rack-pdu", "side": s, "device_id": dev})
				e.create(t, "power-edges", obj{"from_id": f.ids["PDU-"+s], "to_id": cir})
				e.create(t, "power-edges", obj{"from_id": cir, "to_id": rp})
			}
			return rack
		}
		// More cooling for the new racks: a third 20 kW CRAH in the zone.
		e.create(t, "cooling-units", obj{"room_id": f.ids["room"], "zone_id": f.ids["zone"], "name": "CRAH-3", "kind": "crah", "capacity_kw": 20})
		r2 := fedRack("R2", []string{"A", "B"}, obj{})
		fedRack("R3", []string{"A", "B"}, obj{"tenant_id": t2})
		fedRack("R4", []string{"A"}, obj{})
		r5 := fedRack("R5", []string{"A", "B"}, obj{"max_weight": 50, "weight_unit": "kg"})
		r6 := fedRack("R6", []string{"A", "B"}, obj{"u_height": 2})
		filler := e.create(t, "device-types", obj{"manufacturer_id": f.ids["maker"], "model": "Filler", "u_height": 2})
		e.create(t, "devices", obj{"name": "fill", "device_type_id": filler, "rack_id": r6, "position": 1, "face": "front"})
		r7 := fedRack("R7", []string{"A", "B"}, obj{"tenant_id": t1})
		e.create(t, "rack-reservations", obj{"rack_id": r5, "units": []int{1, 2, 3}, "tenant_id": t2, "description": "T2 holds"})
		heavy := e.create(t, "device-types", obj{"manufacturer_id": f.ids["maker"], "model": "Heavy", "u_height": 1, "weight": 30, "weight_unit": "kg",
			"power_ports": []obj{{"name": "PSU1", "maximum_draw": 300}, {"name": "PSU2", "maximum_draw": 300}}})
		half := e.create(t, "device-types", obj{"manufacturer_id": f.ids["maker"], "model": "Half", "u_height": 0.5, "is_full_depth": false,
			"power_ports": []obj{{"name": "PSU1", "allocated_draw": 50}, {"name": "PSU2", "allocated_draw": 50}}})
		zero := e.create(t, "device-types", obj{"manufacturer_id": f.ids["maker"], "model": "Zero", "u_height": 0, "is_full_depth": false,
			"power_ports": []obj{{"name": "PSU1", "allocated_draw": 40}}})
		type plan struct {
			Candidates []struct {
				Rack     objRef  `json:"rack"`
				Position float64 `json:"position"`
				Face     string  `json:"face"`
				Headroom struct {
					PowerKW  *float64 `json:"power_kw"`
					WeightKg *float64 `json:"weight_kg"`
				} `json:"headroom"`
				Reasons []string `json:"reasons"`
				Outlets []struct {
					ID   int64  `json:"outlet_id"`
					Side string `json:"side"`
					Leg  string `json:"feed_leg"`
				} `json:"outlets"`
			} `json:"candidates"`
			Rejected []struct {
				Rack    objRef   `json:"rack"`
				Reasons []string `json:"reasons"`
			} `json:"rejected"`
			Placed       int   `json:"placed"`
			Reservations []obj `json:"reservations"`
		}
		place := func(body obj) plan {
			t.Helper()
			r := e.do(t, http.MethodPost, Prefix+"/placement", with(body, "site", f.site))
			if r.code != http.StatusOK {
				t.Fatalf("placement %v: %s", body, r)
			}
			var p plan
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatal(err)
			}
			return p
		}
		where := func(p plan) []string {
			var out []string
			for _, c := range p.Candidates {
				out = append(out, fmt.Sprintf("%s@%g", c.Rack.Name, c.Position))
			}
			return out
		}
		why := func(p plan, rack string) string {
			for _, r := range p.Rejected {
				if r.Rack.Name == rack {
					return strings.Join(r.Reasons, "; ")
				}
			}
			return ""
		}
		// Two 1 kW servers, A+B, for T1: its own rack R7 first, then the most headroom (R2 over R5
		// is a tie broken by free space: R5 has units reserved for T2).
		p := place(obj{"device_type": f.ids["type:server"], "count": 2, "tenant": t1, "redundancy": "A+B", "max_per_rack": 1})
		if got := where(p); !slices.Equal(got, []string{"R7@1", "R2@1"}) || p.Placed != 2 {
			t.Errorf("ranked: %v", got)
		}
		for rack, reason := range map[string]string{
			"R1": "after failover",                      // power gone only after failover
			"R3": "tenant",                              // another tenant's rack
			"R4": "no free outlet on both an A and a B", // one feed
			"R6": "no 1U space",                         // full
		} {
			if got := why(p, rack); !strings.Contains(got, reason) {
				t.Errorf("%s rejected for %q, want %q", rack, got, reason)
			}
		}
		// Headroom: R2's tightest node is its 32 A circuit, 80% of it at 230.94 V and PF 0.95 a line.
		c2 := p.Candidates[1]
		wantKW := 0.8*32*400/math.Sqrt(3)*0.95/1000 - 1
		if c2.Headroom.PowerKW == nil || math.Abs(*c2.Headroom.PowerKW-wantKW) > 1e-9 {
			t.Errorf("R2 headroom after placing: %v, want %.4f", c2.Headroom.PowerKW, wantKW)
		}
		// Each candidate comes with outlets to plug into: one on A, one on B, none handed out twice,
		// the legs turning as the servers fill them.
		p = place(obj{"device_type": f.ids["type:server"], "count": 3, "tenant": t1, "redundancy": "A+B", "racks": []int64{r2}})
		seen := map[int64]bool{}
		var legs []string
		for _, c := range p.Candidates {
			if len(c.Outlets) != 2 || c.Outlets[0].Side != "A" || c.Outlets[1].Side != "B" || seen[c.Outlets[0].ID] || seen[c.Outlets[1].ID] {
				t.Errorf("outlets for %s@%g: %+v", c.Rack.Name, c.Position, c.Outlets)
			}
			seen[c.Outlets[0].ID], seen[c.Outlets[1].ID] = true, true
			legs = append(legs, c.Outlets[0].Leg)
		}
		if slices.Sort(legs); !slices.Equal(legs, []string{"A", "B", "C"}) {
			t.Errorf("A-side legs of three servers: %v", legs)
		}
		// A single power supply cannot be fed from A and B.
		single := e.create(t, "device-types", obj{"manufacturer_id": f.ids["maker"], "model": "Single", "u_height": 1,
			"power_ports": []obj{{"name": "PSU1", "allocated_draw": 100}}})
		p = place(obj{"device_type": single, "count": 1, "tenant": t1, "redundancy": "A+B", "racks": []int64{r2}})
		if p.Placed != 0 || !strings.Contains(why(p, "R2"), "one power supply") {
			t.Errorf("1 PSU, A+B: %+v", p)
		}
		// Units reserved for another tenant are avoided: in R5, T1 starts above T2's units 1–3, T2 at 1.
		p = place(obj{"device_type": f.ids["type:server"], "count": 1, "tenant": t1, "redundancy": "A+B", "racks": []int64{r5}})
		if got := where(p); !slices.Equal(got, []string{"R5@4"}) {
			t.Errorf("T1 in R5: %v", got)
		}
		p = place(obj{"device_type": f.ids["type:server"], "count": 1, "tenant": t2, "redundancy": "A+B", "racks": []int64{r5}})
		if got := where(p); !slices.Equal(got, []string{"R5@1"}) {
			t.Errorf("T2 in R5: %v", got)
		}
		// Weight: R5 takes one 30 kg device under its 50 kg limit, not two.
		p = place(obj{"device_type": heavy, "count": 2, "tenant": t1, "redundancy": "A+B", "racks": []int64{r5}})
		if p.Placed != 1 || p.Candidates[0].Headroom.WeightKg == nil || *p.Candidates[0].Headroom.WeightKg != 20 {
			t.Errorf("weight: placed %d, %+v", p.Placed, p.Candidates)
		}
		p = place(obj{"device_type": heavy, "count": 2, "tenant": t1, "redundancy": "A+B", "racks": []int64{r5}, "keep_together": true})
		if p.Placed != 0 || !strings.Contains(why(p, "R5"), "keep together") {
			t.Errorf("keep together: %+v", p)
		}
		// Half-unit devices pack into half units; 0-U devices take no position.
		p = place(obj{"device_type": half, "count": 3, "tenant": t1, "redundancy": "A+B", "racks": []int64{r2}})
		if got := where(p); !slices.Equal(got, []string{"R2@1", "R2@1.5", "R2@2"}) {
			t.Errorf("half units: %v", got)
		}
		p = place(obj{"device_type": zero, "count": 1, "tenant": t1, "redundancy": "single", "racks": []int64{r2}})
		if len(p.Candidates) != 1 || p.Candidates[0].Position != 0 || p.Candidates[0].Face != "" {
			t.Errorf("0-U: %+v", p.Candidates)
		}
		// Reserving: the chosen units held for the tenant, in one transaction.
		before := e.changeCount(t)
		p = place(obj{"device_type": f.ids["type:server"], "count": 2, "tenant": t1, "redundancy": "A+B", "racks": []int64{r2}, "reserve": true})
		if len(p.Reservations) != 1 || e.changeCount(t) != before+1 {
			t.Fatalf("reserve: %+v", p.Reservations)
		}
		res := p.Reservations[0]
		if units := res["units"].([]any); len(units) != 2 || units[0].(float64) != 1 || units[1].(float64) != 2 || res["tenant_id"].(float64) != float64(t1) {
			t.Errorf("reservation: %v", res)
		}
		// T2 is now kept out of those units.
		p = place(obj{"device_type": f.ids["type:server"], "count": 1, "tenant": t2, "redundancy": "A+B", "racks": []int64{r2}})
		if got := where(p); !slices.Equal(got, []string{"R2@3"}) {
			t.Errorf("T2 after T1's reservation: %v", got)
		}
		// Refused requests.
		e.refuse(t, http.MethodPost, Prefix+"/placement", obj{"device_type": 999999, "count": 1, "redundancy": "single", "site": f.site},
			want{status: http.StatusBadRequest, field: "device_type"})
		e.refuse(t, http.MethodPost, Prefix+"/placement", obj{"device_type": f.ids["type:server"], "count": 1, "redundancy": "single"},
			want{status: http.StatusBadRequest, field: "site"})
		e.refuse(t, http.MethodPost, Prefix+"/placement", obj{"device_type": f.ids["type:server"], "count": 0, "redundancy": "single", "site": f.site},
			want{status: http.StatusBadRequest, field: "count"})
		_ = r7
	})
}
