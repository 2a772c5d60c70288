package demo

import (
	"context"
	"fmt"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// feeder hands out the free outlets of rack PDUs as devices are plugged in, turning round the legs so
// that the phases stay balanced.
type feeder struct {
	free map[int64]*[3][]int64 // PDU device → free outlet ids on legs A, B, C
	turn map[int64]int
}

func newFeeder(ctx context.Context, st *store.Store, pdus []int64) (*feeder, error) {
	f := &feeder{free: map[int64]*[3][]int64{}, turn: map[int64]int{}}
	if len(pdus) == 0 {
		return f, nil
	}
	for _, id := range pdus {
		f.free[id] = &[3][]int64{}
	}
	outlets, err := st.FreeOutlets(ctx, pdus)
	if err != nil {
		return nil, fmt.Errorf("rack PDU outlets: %w", err)
	}
	for _, o := range outlets {
		leg := map[string]int{"A": 0, "B": 1, "C": 2}[o.FeedLeg]
		f.free[o.DeviceID][leg] = append(f.free[o.DeviceID][leg], o.ID)
	}
	return f, nil
}

// take returns a free outlet of pdu, on the next leg that has one.
func (f *feeder) take(pdu int64) *int64 {
	legs := f.free[pdu]
	if legs == nil {
		return nil
	}
	for range 3 {
		leg := f.turn[pdu] % 3
		f.turn[pdu]++
		if len(legs[leg]) > 0 {
			id := legs[leg][0]
			legs[leg] = legs[leg][1:]
			return &id
		}
	}
	return nil
}

// feedsAB plugs a device with ports power supplies: the first into PDU a, the second into b, any
// further ones alternately; 230 V supplies.
func (f *feeder) feedsAB(ports int, a, b int64) []dcim.PowerFeed {
	var out []dcim.PowerFeed
	for i := 0; i < ports; i++ {
		pdu := a
		if i%2 == 1 {
			pdu = b
		}
		o := f.take(pdu)
		if o == nil {
			break
		}
		out = append(out, dcim.PowerFeed{OutletID: o, Voltage: ptr(230.0)})
	}
	return out
}

// chainBuilder creates power nodes and the edges between them for one site.
type chainBuilder struct {
	ctx  context.Context
	st   *store.Store
	site int64
	err  error
}

// node creates a node (once an error has happened, nothing more).
func (c *chainBuilder) node(n dcim.PowerNode) dcim.PowerNode {
	if c.err != nil {
		return n
	}
	n.SiteID = c.site
	out, err := c.st.PowerNodes().Create(c.ctx, n)
	if err != nil {
		c.err = fmt.Errorf("power node %s: %w", n.Name, err)
	}
	return out
}

// feed says that from feeds to, at priority.
func (c *chainBuilder) feed(from, to dcim.PowerNode, priority int) {
	if c.err != nil {
		return
	}
	if _, err := c.st.PowerEdges().Create(c.ctx, dcim.PowerEdge{FromID: from.ID, ToID: to.ID, Priority: priority}); err != nil {
		c.err = fmt.Errorf("power edge %s → %s: %w", from.Name, to.Name, err)
	}
}

// plant is one side of a 2N supply: utility incomer through a transformer to the switchgear, a
// standby generator behind it, a modular UPS, and a board for the mechanical plant.
type plant struct{ swgr, ups, mech dcim.PowerNode }

// buildPlant builds side s of the supply. upsModules × moduleKW sizes the UPS (one module redundant).
func (c *chainBuilder) buildPlant(prefix, s string, upsModules int, moduleKW, genKW float64) plant {
	util := c.node(dcim.PowerNode{Name: prefix + "UTIL-" + s, Kind: "utility", Side: s, Voltage: 11000,
		Description: "11 kV utility incomer"})
	tx := c.node(dcim.PowerNode{Name: prefix + "TX-" + s, Kind: "transformer", Side: s, PrimaryVoltage: ptr(11000.0), Voltage: 400,
		RatedKVA: ptr(float64(upsModules) * moduleKW * 1.6)})
	gen := c.node(dcim.PowerNode{Name: prefix + "GEN-" + s, Kind: "generator", Side: s, Voltage: 400, RatedKW: ptr(genKW)})
	p := plant{
		swgr: c.node(dcim.PowerNode{Name: prefix + "SWGR-" + s, Kind: "switchgear", Side: s, Voltage: 400}),
		ups: c.node(dcim.PowerNode{Name: prefix + "UPS-" + s, Kind: "ups", Side: s, Voltage: 400, Modules: ptr(upsModules),
			ModuleKW: ptr(moduleKW), RedundantModules: 1, Derating: 0.9}),
		mech: c.node(dcim.PowerNode{Name: prefix + "MCC-" + s, Kind: "panel", Side: s, Voltage: 400, RatedAmps: ptr(800.0),
			Description: "mechanical plant board"}),
	}
	c.feed(util, tx, 0)
	c.feed(tx, p.swgr, 0)
	c.feed(gen, p.swgr, 1)
	c.feed(p.swgr, p.ups, 0)
	c.feed(p.swgr, p.mech, 0)
	return p
}

// hallLayout is the live racks of a hall, row by row.
type hallLayout struct {
	room int64
	rows []rowLayout
}

type rowLayout struct {
	name  string
	racks []dcim.Rack
}

// layoutOf groups the live racks (in walking order) by hall and row.
func layoutOf(racks map[string]dcim.Rack, live []string) []hallLayout {
	var out []hallLayout
	for _, name := range live {
		rk := racks[name]
		if len(out) == 0 || out[len(out)-1].room != rk.RoomID {
			out = append(out, hallLayout{room: rk.RoomID})
		}
		h := &out[len(out)-1]
		row := name[:1]
		if len(h.rows) == 0 || h.rows[len(h.rows)-1].name != row {
			h.rows = append(h.rows, rowLayout{name: row})
		}
		h.rows[len(h.rows)-1].racks = append(h.rows[len(h.rows)-1].racks, rk)
	}
	return out
}

// seedChain builds the demo's 2N chain: on each side an 11 kV utility incomer, transformer,
// switchgear with a standby generator, a 6 × 250 kW modular UPS (N+1 modules); per hall a floor PDU,
// per row a remote power panel, per rack a 32 A three-phase circuit and its 16 A (11 kVA) rack PDU.
// It returns the mechanical boards, A and B, that feed the cooling.
func seedChain(ctx context.Context, st *store.Store, site int64, halls []hallLayout, pduOf map[string][2]int64) ([2]dcim.PowerNode, error) {
	c := &chainBuilder{ctx: ctx, st: st, site: site}
	sides := [2]string{"A", "B"}
	plants := [2]plant{c.buildPlant("", "A", 6, 250, 2000), c.buildPlant("", "B", 6, 250, 2000)}
	for h, hall := range halls {
		room := hall.room
		for si, s := range sides {
			floor := c.node(dcim.PowerNode{Name: fmt.Sprintf("PDU-H%d-%s", h+1, s), Kind: "pdu", Side: s, RoomID: &room, RatedAmps: ptr(630.0)})
			c.feed(plants[si].ups, floor, 0)
			for _, row := range hall.rows {
				rpp := c.node(dcim.PowerNode{Name: fmt.Sprintf("RPP-%s-%s", row.name, s), Kind: "rpp", Side: s, RoomID: &room, RatedAmps: ptr(250.0)})
				c.feed(floor, rpp, 0)
				for _, rk := range row.racks {
					cir := c.node(dcim.PowerNode{Name: fmt.Sprintf("CIR-%s-%s", rk.Name, s), Kind: "circuit", Side: s, RoomID: &room, RatedAmps: ptr(32.0)})
					c.feed(rpp, cir, 0)
					dev := pduOf[rk.Name][si]
					rp := c.node(dcim.PowerNode{Name: fmt.Sprintf("RPDU-%s-%s", rk.Name, s), Kind: "rack-pdu", Side: s, RoomID: &room,
						RatedAmps: ptr(16.0), RatedKVA: ptr(11.0), DeviceID: &dev})
					c.feed(cir, rp, 0)
				}
			}
		}
	}
	return [2]dcim.PowerNode{plants[0].mech, plants[1].mech}, c.err
}

// seedCooling gives each hall a cooling zone designed N+1 (Hall 1: four 120 kW CRAHs, Hall 2: three
// 100 kW), the CRAHs fed alternately from the A and B mechanical boards, and sensor points: every
// live rack's inlet at bottom, middle and top and its exhaust, every CRAH's supply and return air.
func seedCooling(ctx context.Context, st *store.Store, halls []hallLayout, mech [2]dcim.PowerNode) error {
	var units []dcim.CoolingUnit
	var points []dcim.SensorPoint
	for h, hall := range halls {
		zone, err := st.CoolingZones().Create(ctx, dcim.CoolingZone{RoomID: hall.room, Name: fmt.Sprintf("Hall %d", h+1), Redundancy: "N+1",
			Description: "whole hall, hot-aisle containment"})
		if err != nil {
			return fmt.Errorf("demo cooling zone: %w", err)
		}
		n, kw := 4, 120.0
		if h > 0 {
			n, kw = 3, 100.0
		}
		for i := 0; i < n; i++ {
			units = append(units, dcim.CoolingUnit{RoomID: hall.room, ZoneID: &zone.ID, Name: fmt.Sprintf("CRAH-H%d-%d", h+1, i+1),
				Kind: "crah", CapacityKW: kw, PowerNodeID: &mech[i%2].ID})
		}
		for _, row := range hall.rows {
			for _, rk := range row.racks {
				for _, k := range []string{"inlet-bottom", "inlet-middle", "inlet-top", "exhaust"} {
					points = append(points, dcim.SensorPoint{RoomID: hall.room, RackID: &rk.ID, Name: rk.Name + " " + k, Kind: k})
				}
			}
		}
		points = append(points, dcim.SensorPoint{RoomID: hall.room, Name: fmt.Sprintf("Hall %d room", h+1), Kind: "room"})
	}
	units, err := st.CoolingUnits().BulkCreate(ctx, units)
	if err != nil {
		return fmt.Errorf("demo cooling units: %w", err)
	}
	for _, u := range units {
		for _, k := range []string{"supply-air", "return-air"} {
			points = append(points, dcim.SensorPoint{RoomID: u.RoomID, CoolingUnitID: &u.ID, Name: u.Name + " " + k, Kind: k})
		}
	}
	if _, err := st.SensorPoints().BulkCreate(ctx, points); err != nil {
		return fmt.Errorf("demo sensor points: %w", err)
	}
	return nil
}
