package demo

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// Options shape a synthetic campus.
type Options struct {
	Racks       int    // racks in all; 10,000 is the 100 MW case
	Site        string // the campus site's name (default "Synthetic Campus")
	RacksPerRow int    // default 20
	RowsPerHall int    // default 25, so a hall holds 500 racks
	Tenants     int    // default 20
}

// Per generated rack: two 0-U PDUs (A and B feeds), a management switch, two top-of-rack switches and
// ServersPerRack 1U servers, so 10,000 racks hold 300,000 devices of which 20,000 are PDUs.
const (
	ServersPerRack = 25
	DevicesPerRack = ServersPerRack + 5
)

// Stats says what Generate built.
type Stats struct {
	Racks    int           `json:"racks"`
	Devices  int           `json:"devices"`
	Rooms    int           `json:"rooms"`
	Elapsed  time.Duration `json:"elapsed"`
	SiteID   int64         `json:"site_id"`
	SiteName string        `json:"site_name"`
}

// Generate builds a synthetic campus of o.Racks fully populated racks in new halls of a new site,
// through the same validated write paths as every other client (each row of racks and its devices in
// one transaction each). progress, when set, is called after each row with racks done and total.
func Generate(ctx context.Context, st *store.Store, o Options, progress func(done, total int)) (Stats, error) {
	start := time.Now()
	// A bulk load makes garbage fast and keeps little: collecting less often is most of a 10% gain.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	if o.Racks <= 0 {
		return Stats{}, dcim.Invalid("racks", "the number of racks must be positive, not %d", o.Racks)
	}
	if o.Site == "" {
		o.Site = "Synthetic Campus"
	}
	if o.RacksPerRow <= 0 {
		o.RacksPerRow = 20
	}
	if o.RowsPerHall <= 0 {
		o.RowsPerHall = 25
	}
	if o.Tenants <= 0 {
		o.Tenants = 20
	}
	ctx = dcim.WithActor(ctx, dcim.Actor{Name: "demo-generate", Role: dcim.RoleAdmin, CanWrite: true})
	types, err := catalogue(ctx, st)
	if err != nil {
		return Stats{}, err
	}
	site, err := st.Sites().Create(ctx, dcim.Site{
		Name: o.Site, Status: "active", TimeZone: "Asia/Kuala_Lumpur", GridRegion: "MY-Peninsular",
		EmissionFactor: ptr(emissionFactor), EmissionFactorSource: emissionFactorSource, EmissionFactorYear: ptr(2024),
		SupplyVoltageLN: ptr(230.0), SupplyVoltageLL: ptr(400.0), SupplyFrequency: ptr(50.0), AllocatedFraction: ptr(0.5),
		Description: fmt.Sprintf("synthetic campus of %d racks (plenum demo generate)", o.Racks), Tags: []string{"synthetic"},
	})
	if err != nil {
		return Stats{}, fmt.Errorf("campus site: %w", err)
	}
	stats := Stats{SiteID: site.ID, SiteName: site.Name}
	tenants := make([]dcim.Tenant, o.Tenants)
	for i := range tenants {
		tenants[i] = dcim.Tenant{Name: fmt.Sprintf("%s tenant %02d", o.Site, i+1)}
	}
	if tenants, err = st.Tenants().BulkCreate(ctx, tenants); err != nil {
		return stats, fmt.Errorf("campus tenants: %w", err)
	}
	perHall := o.RacksPerRow * o.RowsPerHall
	var room dcim.Room
	var plants [2]plant
	chain := &chainBuilder{ctx: ctx, st: st, site: site.ID}
	sides := [2]string{"A", "B"}
	for done := 0; done < o.Racks; {
		hall, rowInHall := done/perHall, (done%perHall)/o.RacksPerRow
		if rowInHall == 0 && done%perHall == 0 {
			// A hall: rows of racks one tile wide and two deep, two-tile aisles between them; its own
			// 2N plant (a 7 × 1 MW UPS a side, one module redundant) and N+1 cooling.
			room, err = st.Rooms().Create(ctx, dcim.Room{SiteID: site.ID, Name: fmt.Sprintf("Hall %02d", hall+1),
				TileSize: 600, GridRows: 4*o.RowsPerHall + 2, GridColumns: o.RacksPerRow + 4, FloorLoadRating: ptr(1500.0)})
			if err != nil {
				return stats, fmt.Errorf("campus hall: %w", err)
			}
			stats.Rooms++
			prefix := fmt.Sprintf("H%02d-", hall+1)
			plants = [2]plant{chain.buildPlant(prefix, "A", 7, 1000, 6000), chain.buildPlant(prefix, "B", 7, 1000, 6000)}
			if chain.err != nil {
				return stats, chain.err
			}
			if err := generateCooling(ctx, st, room, perHall, plants); err != nil {
				return stats, err
			}
		}
		row, err := st.Rows().Create(ctx, dcim.Row{RoomID: room.ID, Name: fmt.Sprintf("R%02d", rowInHall+1), Aisle: "cold"})
		if err != nil {
			return stats, fmt.Errorf("campus row: %w", err)
		}
		// The row's floor PDUs, one a side.
		var floor [2]dcim.PowerNode
		for si, s := range sides {
			floor[si] = chain.node(dcim.PowerNode{Name: fmt.Sprintf("PDU-H%02d-R%02d-%s", hall+1, rowInHall+1, s), Kind: "pdu", Side: s,
				RoomID: &room.ID, RatedAmps: ptr(800.0)})
			chain.feed(plants[si].ups, floor[si], 0)
		}
		if chain.err != nil {
			return stats, chain.err
		}
		var tenant *int64
		if rowInHall%4 != 3 { // every fourth row is the operator's own
			tenant = &tenants[(hall*o.RowsPerHall+rowInHall)%len(tenants)].ID
		}
		n := min(o.RacksPerRow, o.Racks-done)
		racks := make([]dcim.Rack, n)
		for i := range racks {
			name := fmt.Sprintf("H%02d-R%02d-%02d", hall+1, rowInHall+1, i+1)
			racks[i] = dcim.Rack{Name: name, FacilityID: ptr(name), RoomID: room.ID, RowID: &row.ID, TenantID: tenant,
				Status: "active", UHeight: 42, StartingUnit: 1, Width: 19, OuterWidth: ptr(600.0), OuterDepth: ptr(1200.0),
				OuterUnit: "mm", Weight: ptr(130.0), MaxWeight: ptr(1360.0), WeightUnit: "kg", Airflow: "front-to-rear",
				GridRow: ptr(2 + 4*rowInHall), GridColumn: ptr(2 + i)}
		}
		if racks, err = st.Racks().BulkCreate(ctx, racks); err != nil {
			return stats, fmt.Errorf("campus racks: %w", err)
		}
		// Two 0-U PDUs a rack, then a circuit and a rack-PDU node a side for each, then the devices,
		// plugged in as they are created.
		pdus := make([]dcim.Device, 0, 2*n)
		for _, rk := range racks {
			for si, s := range sides {
				pdus = append(pdus, dcim.Device{Name: rk.Name + "-PDU-" + s, DeviceTypeID: types[pdu].ID, Role: "pdu", Status: "active",
					TenantID: rk.TenantID, RackID: &rk.ID, Serial: rk.Name + "-PDU-" + s, MountSide: [2]string{"left", "right"}[si]})
			}
		}
		if pdus, err = st.Devices().BulkCreate(ctx, pdus); err != nil {
			return stats, fmt.Errorf("campus rack PDUs: %w", err)
		}
		circuits := make([]dcim.PowerNode, 0, 2*n)
		for _, rk := range racks {
			for _, s := range sides {
				circuits = append(circuits, dcim.PowerNode{SiteID: site.ID, Name: "CIR-" + rk.Name + "-" + s, Kind: "circuit", Side: s,
					RoomID: &room.ID, RatedAmps: ptr(32.0)})
			}
		}
		if circuits, err = st.PowerNodes().BulkCreate(ctx, circuits); err != nil {
			return stats, fmt.Errorf("campus circuits: %w", err)
		}
		rpdus := make([]dcim.PowerNode, 0, 2*n)
		for i := range pdus {
			rpdus = append(rpdus, dcim.PowerNode{SiteID: site.ID, Name: "RPDU-" + pdus[i].Name[:len(pdus[i].Name)-6] + "-" + sides[i%2],
				Kind: "rack-pdu", Side: sides[i%2], RoomID: &room.ID, RatedAmps: ptr(32.0), RatedKVA: ptr(22.0), DeviceID: &pdus[i].ID})
		}
		if rpdus, err = st.PowerNodes().BulkCreate(ctx, rpdus); err != nil {
			return stats, fmt.Errorf("campus rack PDU nodes: %w", err)
		}
		edges := make([]dcim.PowerEdge, 0, 4*n)
		for i := range circuits {
			edges = append(edges, dcim.PowerEdge{FromID: floor[i%2].ID, ToID: circuits[i].ID}, dcim.PowerEdge{FromID: circuits[i].ID, ToID: rpdus[i].ID})
		}
		if _, err := st.PowerEdges().BulkCreate(ctx, edges); err != nil {
			return stats, fmt.Errorf("campus power edges: %w", err)
		}
		pduIDs := make([]int64, len(pdus))
		for i := range pdus {
			pduIDs[i] = pdus[i].ID
		}
		feed, err := newFeeder(ctx, st, pduIDs)
		if err != nil {
			return stats, err
		}
		devices := make([]dcim.Device, 0, n*(DevicesPerRack-2))
		for r, rk := range racks {
			a, b := pdus[2*r].ID, pdus[2*r+1].ID
			dev := func(suffix string, m model, role string, pos float64) {
				devices = append(devices, dcim.Device{Name: rk.Name + "-" + suffix, DeviceTypeID: types[m].ID, Role: role,
					Status: "active", TenantID: rk.TenantID, RackID: &rk.ID, Serial: rk.Name + "-" + suffix,
					Position: ptr(pos), Face: "front", PowerFeeds: feed.feedsAB(len(types[m].PowerPorts), a, b)})
			}
			for i, m := range []model{mgmt, tor, tor} {
				dev([]string{"MGMT", "TOR1", "TOR2"}[i], m, "switch", float64(42-i))
			}
			for u := 1; u <= ServersPerRack; u++ {
				dev(fmt.Sprintf("SRV%02d", u), r640, "server", float64(u))
			}
		}
		if _, err := st.Devices().BulkCreate(ctx, devices); err != nil {
			return stats, fmt.Errorf("campus devices: %w", err)
		}
		devices = append(devices, pdus...)
		done += n
		stats.Racks += n
		stats.Devices += len(devices)
		if progress != nil {
			progress(done, o.Racks)
		}
		if err := ctx.Err(); err != nil {
			return stats, err
		}
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}

// generateCooling gives a hall one zone, designed N+1, of 500 kW CRAHs: enough for its racks at
// 10 kW each with one unit to spare, fed alternately from the A and B mechanical boards.
func generateCooling(ctx context.Context, st *store.Store, room dcim.Room, racks int, plants [2]plant) error {
	zone, err := st.CoolingZones().Create(ctx, dcim.CoolingZone{RoomID: room.ID, Name: room.Name, Redundancy: "N+1"})
	if err != nil {
		return fmt.Errorf("campus cooling zone: %w", err)
	}
	n := racks*10/500 + 1
	units := make([]dcim.CoolingUnit, n)
	for i := range units {
		units[i] = dcim.CoolingUnit{RoomID: room.ID, ZoneID: &zone.ID, Name: fmt.Sprintf("CRAH-%s-%02d", room.Name[len(room.Name)-2:], i+1),
			Kind: "crah", CapacityKW: 500, PowerNodeID: &plants[i%2].mech.ID}
	}
	if _, err := st.CoolingUnits().BulkCreate(ctx, units); err != nil {
		return fmt.Errorf("campus cooling units: %w", err)
	}
	return nil
}
