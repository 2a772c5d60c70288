package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// chain is a site's A-side chain: UPS → floor PDU → 32 A three-phase circuit → rack PDU (a device in
// rack A01, 230 V outlets), and a server with two power supplies.
type chain struct {
	facility
	ups, floorPDU, circuit, rackPDU dcim.PowerNode
	pduDevice, server               dcim.Device
	serverPorts                     []dcim.PowerPort
	outlets                         []dcim.PowerOutlet
}

func newChain(t *testing.T, st *store.Store) chain {
	ctx := context.Background()
	c := chain{facility: newFacility(t, st)}
	site := c.site
	site.SupplyVoltageLL = ptr(400.0)
	c.site = must(st.Sites().Update(ctx, site.ID, site))
	node := func(n dcim.PowerNode) dcim.PowerNode {
		n.SiteID = c.site.ID
		return must(st.PowerNodes().Create(ctx, n))
	}
	c.ups = node(dcim.PowerNode{Name: "UPS-A", Kind: "ups", Side: "A", Modules: ptr(4), ModuleKW: ptr(25.0), RedundantModules: 1})
	c.floorPDU = node(dcim.PowerNode{Name: "PDU-A", Kind: "pdu", Side: "A", RatedAmps: ptr(160.0)})
	c.circuit = node(dcim.PowerNode{Name: "CIR-A1", Kind: "circuit", Side: "A", RatedAmps: ptr(32.0), RoomID: &c.room.ID})
	c.pduDevice = must(st.Devices().Create(ctx, dcim.Device{Name: "A01-PDU-A", DeviceTypeID: c.facility.pdu.ID, RackID: &c.rack.ID, MountSide: "left"}))
	c.rackPDU = node(dcim.PowerNode{Name: "RPDU-A01-A", Kind: "rack-pdu", Side: "A", DeviceID: &c.pduDevice.ID, RoomID: &c.room.ID})
	for _, e := range [][2]int64{{c.ups.ID, c.floorPDU.ID}, {c.floorPDU.ID, c.circuit.ID}, {c.circuit.ID, c.rackPDU.ID}} {
		must(st.PowerEdges().Create(ctx, dcim.PowerEdge{FromID: e[0], ToID: e[1]}))
	}
	c.server = must(st.Devices().Create(ctx, dcim.Device{Name: "srv1", DeviceTypeID: c.facility.server.ID, RackID: &c.rack.ID, Position: ptr(10.0), Face: "front"}))
	c.serverPorts = must(st.PowerPorts().List(ctx, dcim.ListQuery{Filters: map[string][]string{"device_id": {idStr(c.server.ID)}}})).Results
	c.outlets = must(st.PowerOutlets().List(ctx, dcim.ListQuery{Filters: map[string][]string{"device_id": {idStr(c.pduDevice.ID)}}, Ordering: "name"})).Results
	return c
}

func TestPowerChainRules(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c := newChain(t, st)
		// Defaults: the site's 400 V for three-phase nodes, 0.95 power factor, 80% derating, one inlet.
		if c.ups.Voltage != 400 || c.ups.PowerFactor != 0.95 || c.ups.Derating != 0.8 || c.rackPDU.Inlets != 1 || c.rackPDU.OutletWiring != "ln" {
			t.Errorf("defaults: %+v / %+v", c.ups, c.rackPDU)
		}
		changes := must(st.Changes(ctx, dcim.ListQuery{Limit: 1})).Count
		refused := func(what string, err error, code dcim.Code, field string, conflict int64, text string) {
			t.Helper()
			e := dcim.AsError(err)
			if e == nil || e.Code != code || len(e.Fields) == 0 || e.Fields[0].Field != field ||
				(conflict != 0 && (e.Fields[0].Conflict == nil || e.Fields[0].Conflict.ID != conflict)) ||
				!strings.Contains(e.Fields[0].Message, text) {
				t.Errorf("%s: %v (fields %+v), want %s on %s naming %d, with %q", what, err, fieldsOf(e), code, field, conflict, text)
			}
		}
		// A loop: the circuit feeding the UPS that feeds it.
		_, err := st.PowerEdges().Create(ctx, dcim.PowerEdge{FromID: c.circuit.ID, ToID: c.ups.ID})
		refused("cycle", err, dcim.EConflict, "from_id", c.circuit.ID, "loop")
		// A single-inlet rack PDU fed from a second circuit.
		cir2 := must(st.PowerNodes().Create(ctx, dcim.PowerNode{SiteID: c.site.ID, Name: "CIR-A2", Kind: "circuit", RatedAmps: ptr(32.0)}))
		_, err = st.PowerEdges().Create(ctx, dcim.PowerEdge{FromID: cir2.ID, ToID: c.rackPDU.ID})
		refused("second inlet", err, dcim.EConflict, "to_id", cir2.ID, "1 inlet(s), all fed already")
		// A three-phase rack PDU on a single-phase circuit: by a new edge, and by changing the circuit.
		single := must(st.PowerNodes().Create(ctx, dcim.PowerNode{SiteID: c.site.ID, Name: "CIR-A3", Kind: "circuit", Phases: 1, Lines: "L2", Voltage: 230}))
		rp2 := must(st.PowerNodes().Create(ctx, dcim.PowerNode{SiteID: c.site.ID, Name: "RPDU-X", Kind: "rack-pdu"}))
		_, err = st.PowerEdges().Create(ctx, dcim.PowerEdge{FromID: single.ID, ToID: rp2.ID})
		refused("3-phase on 1-phase", err, dcim.EConflict, "to_id", single.ID, "three-phase RPDU-X cannot be fed from single-phase CIR-A3")
		cir := c.circuit
		cir.Phases, cir.Lines, cir.Voltage = 1, "L1", 230
		_, err = st.PowerNodes().Update(ctx, cir.ID, cir)
		refused("circuit made single-phase", err, dcim.EConflict, "phases", c.rackPDU.ID, "single-phase")
		// A single-phase circuit at 230 V across two lines of the 400 V floor PDU.
		ll := must(st.PowerNodes().Create(ctx, dcim.PowerNode{SiteID: c.site.ID, Name: "CIR-LL", Kind: "circuit", Phases: 1, Lines: "L1-L2", Voltage: 230}))
		_, err = st.PowerEdges().Create(ctx, dcim.PowerEdge{FromID: c.floorPDU.ID, ToID: ll.ID})
		refused("voltage", err, dcim.EConflict, "to_id", c.floorPDU.ID, "expects 230 V but PDU-A gives 400 V across L1-L2")
		// Nothing of the refused writes is stored.
		if n := must(st.Changes(ctx, dcim.ListQuery{Limit: 1})).Count; n != changes+4 { // the four nodes made above
			t.Errorf("change log grew by %d, want 4", n-changes)
		}
		// Plugging in: the server's first supply into outlet 1 (leg A: L1, 230 V).
		port := c.serverPorts[0]
		port.OutletID, port.Voltage = &c.outlets[0].ID, ptr(230.0)
		got, err := st.PowerPorts().Update(ctx, port.ID, port)
		if err != nil || got.Lines != "L1" {
			t.Fatalf("plug in: %+v %v", got, err)
		}
		// The second supply cannot take the same outlet.
		p2 := c.serverPorts[1]
		p2.OutletID = &c.outlets[0].ID
		_, err = st.PowerPorts().Update(ctx, p2.ID, p2)
		refused("outlet taken", err, dcim.EConflict, "outlet_id", port.ID, "taken")
		// A rack PDU rewired line to line (400 V outlets) no longer suits the 230 V supply plugged in.
		rp := must(st.PowerNodes().Get(ctx, c.rackPDU.ID))
		rp.OutletWiring = "ll"
		_, err = st.PowerNodes().Update(ctx, rp.ID, rp)
		refused("230 V supply on a 400 V outlet", err, dcim.EConflict, "outlet_wiring", port.ID, "230 V power supply cannot take the 400 V")
		// A port's name comes from its device type.
		p2 = c.serverPorts[1]
		p2.Name = "renamed"
		_, err = st.PowerPorts().Update(ctx, p2.ID, p2)
		refused("rename", err, dcim.EInvalid, "name", 0, "device type")
		// Ports are not created or deleted on their own.
		if _, err := st.PowerPorts().Create(ctx, dcim.PowerPort{DeviceID: c.server.ID, Name: "PSU3"}); dcim.ErrorCode(err) != dcim.EInvalid {
			t.Errorf("port create: %v", err)
		}
		if err := st.PowerPorts().Delete(ctx, port.ID); dcim.ErrorCode(err) != dcim.EInvalid {
			t.Errorf("port delete: %v", err)
		}
		// The PDU device cannot go while a server is plugged into it, nor while it is a node of the chain.
		err = st.Devices().Delete(ctx, c.pduDevice.ID)
		if e := dcim.AsError(err); e == nil || e.Code != dcim.EConflict || len(e.Dependents) != 2 {
			t.Errorf("delete plugged PDU: %v %+v", err, e)
		}
		// Nor the circuit that feeds it.
		if err := st.PowerNodes().Delete(ctx, c.circuit.ID); dcim.ErrorCode(err) != dcim.EConflict {
			t.Errorf("delete feeding circuit: %v", err)
		}
		// A new device plugged in as it is created: its first port into outlet 2 (leg B: L2).
		srv2 := must(st.Devices().Create(ctx, dcim.Device{Name: "srv2", DeviceTypeID: c.facility.server.ID, RackID: &c.rack.ID,
			Position: ptr(12.0), Face: "front", PowerFeeds: []dcim.PowerFeed{{OutletID: &c.outlets[1].ID, Voltage: ptr(230.0)}}}))
		ports2 := must(st.PowerPorts().List(ctx, dcim.ListQuery{Filters: map[string][]string{"device_id": {idStr(srv2.ID)}}, Ordering: "name"})).Results
		if ports2[0].OutletID == nil || *ports2[0].OutletID != c.outlets[1].ID || ports2[0].Lines != "L2" || ports2[1].OutletID != nil || srv2.PowerFeeds != nil {
			t.Errorf("plugged on create: %+v / %+v", ports2, srv2.PowerFeeds)
		}
		// Refused on create, and nothing written: a taken outlet, one outlet twice, more feeds than ports.
		before := must(st.Changes(ctx, dcim.ListQuery{Limit: 1})).Count
		_, err = st.Devices().Create(ctx, dcim.Device{Name: "srv3", DeviceTypeID: c.facility.server.ID, RackID: &c.rack.ID,
			Position: ptr(14.0), Face: "front", PowerFeeds: []dcim.PowerFeed{{OutletID: &c.outlets[1].ID}}})
		refused("taken on create", err, dcim.EConflict, "power_feeds[0].outlet_id", ports2[0].ID, "taken")
		_, err = st.Devices().Create(ctx, dcim.Device{Name: "srv3", DeviceTypeID: c.facility.server.ID, RackID: &c.rack.ID,
			Position: ptr(14.0), Face: "front", PowerFeeds: []dcim.PowerFeed{{OutletID: &c.outlets[2].ID}, {OutletID: &c.outlets[2].ID}}})
		refused("one outlet twice", err, dcim.EInvalid, "power_feeds[1].outlet_id", 0, "already given")
		_, err = st.Devices().Create(ctx, dcim.Device{Name: "srv3", DeviceTypeID: c.facility.server.ID, RackID: &c.rack.ID,
			Position: ptr(14.0), Face: "front", PowerFeeds: make([]dcim.PowerFeed, 3)})
		refused("no target", err, dcim.EInvalid, "power_feeds[0]", 0, "outlet_id or power_node_id")
		if n := must(st.Changes(ctx, dcim.ListQuery{Limit: 1})).Count; n != before {
			t.Errorf("refused creates wrote %d changes", n-before)
		}
		// kind filtering.
		ups := must(st.PowerNodes().List(ctx, dcim.ListQuery{Filters: map[string][]string{"kind": {"ups"}}}))
		if ups.Count != 1 || ups.Results[0].Name != "UPS-A" {
			t.Errorf("kind=ups: %+v", ups)
		}
		conn := must(st.PowerPorts().List(ctx, dcim.ListQuery{Filters: map[string][]string{"connected": {"true"}}}))
		if conn.Count != 2 || conn.Results[0].ID != port.ID {
			t.Errorf("connected ports: %+v", conn.Results)
		}
	})
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func fieldsOf(e *dcim.Error) []dcim.FieldError {
	if e == nil {
		return nil
	}
	return e.Fields
}
