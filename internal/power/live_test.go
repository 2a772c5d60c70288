package power

import (
	"math"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// TestMeteredLimits: a 32 A three-phase circuit with no meter of its own, feeding one metered rack
// PDU alone, reads that PDU's meter: 17 kW at 400 V and PF 0.95 is 17000 / (√3 · 400 · 0.95) =
// 25.83 A a line, against 0.8 × 32 = 25.6 A. A circuit feeding two rack PDUs has no reading of its
// own and none to borrow.
func TestMeteredLimits(t *testing.T) {
	amps := func(v float64) *float64 { return &v }
	node := func(id int64, name, kind string, rated *float64) dcim.PowerNode {
		return dcim.PowerNode{Meta: dcim.Meta{ID: id}, Name: name, Kind: kind, Status: "active", Phases: 3, Voltage: 400,
			PowerFactor: 0.95, Derating: 0.8, Inlets: 1, RatedAmps: rated}
	}
	m := Model{SiteID: 1, Nodes: []dcim.PowerNode{
		node(1, "UTIL", "utility", nil),
		node(2, "CIR-1", "circuit", amps(32)), node(3, "RPDU-1", "rack-pdu", nil),
		node(4, "CIR-2", "circuit", amps(32)), node(5, "RPDU-2a", "rack-pdu", nil), node(6, "RPDU-2b", "rack-pdu", nil),
	}, Edges: []dcim.PowerEdge{{FromID: 1, ToID: 2}, {FromID: 2, ToID: 3}, {FromID: 1, ToID: 4}, {FromID: 4, ToID: 5}, {FromID: 4, ToID: 6}}}
	base, err := BuildSite(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	live, err := base.Live(nil, map[int64]Measurement{3: {PeakW: 17000}, 5: {PeakW: 17000}})
	if err != nil {
		t.Fatal(err)
	}
	cir1, _ := live.Graph.Node(2)
	ls := live.MeteredLimits(cir1)
	want := 17000 / (math.Sqrt(3) * 400 * 0.95)
	if len(ls) != 3 || ls[0].Measure != "A" || math.Abs(ls[0].Load-want) > 1e-9 || ls[0].Limit != 25.6 || ls[2].Phase != "L3" {
		t.Fatalf("CIR-1: %+v, want %.3f A of 25.6 on each line", ls, want)
	}
	if ls := live.LiveLimits(cir1); len(ls) != 3 || math.Abs(ls[1].Load-want) > 1e-9 {
		t.Errorf("CIR-1 live: %+v", ls)
	}
	if cir2, _ := live.Graph.Node(4); live.MeteredLimits(cir2) != nil {
		t.Errorf("CIR-2 feeds two rack PDUs: %+v", live.MeteredLimits(cir2))
	}
	if util, _ := live.Graph.Node(1); live.MeteredLimits(util) != nil {
		t.Error("the utility feeds two circuits: no reading to borrow")
	}
}
