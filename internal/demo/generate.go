package demo

import (
	"context"
	"fmt"
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
	ctx = dcim.WithActor(ctx, dcim.Actor{Name: "demo-generate", CanWrite: true})
	types, err := catalogue(ctx, st)
	if err != nil {
		return Stats{}, err
	}
	site, err := st.Sites().Create(ctx, dcim.Site{
		Name: o.Site, Status: "active", TimeZone: "Asia/Kuala_Lumpur", GridRegion: "MY-Peninsular",
		EmissionFactor: ptr(emissionFactor), EmissionFactorSource: emissionFactorSource, EmissionFactorYear: ptr(2024),
		SupplyVoltageLN: ptr(230.0), SupplyVoltageLL: ptr(400.0), SupplyFrequency: ptr(50.0),
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
	for done := 0; done < o.Racks; {
		hall, rowInHall := done/perHall, (done%perHall)/o.RacksPerRow
		if rowInHall == 0 && done%perHall == 0 {
			// A hall: rows of racks one tile wide and two deep, two-tile aisles between them.
			room, err = st.Rooms().Create(ctx, dcim.Room{SiteID: site.ID, Name: fmt.Sprintf("Hall %02d", hall+1),
				TileSize: 600, GridRows: 4*o.RowsPerHall + 2, GridColumns: o.RacksPerRow + 4, FloorLoadRating: ptr(1500.0)})
			if err != nil {
				return stats, fmt.Errorf("campus hall: %w", err)
			}
			stats.Rooms++
		}
		row, err := st.Rows().Create(ctx, dcim.Row{RoomID: room.ID, Name: fmt.Sprintf("R%02d", rowInHall+1), Aisle: "cold"})
		if err != nil {
			return stats, fmt.Errorf("campus row: %w", err)
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
		devices := make([]dcim.Device, 0, n*DevicesPerRack)
		for _, rk := range racks {
			dev := func(suffix string, m model, role string) *dcim.Device {
				devices = append(devices, dcim.Device{Name: rk.Name + "-" + suffix, DeviceTypeID: types[m].ID, Role: role,
					Status: "active", TenantID: rk.TenantID, RackID: &rk.ID, Serial: rk.Name + "-" + suffix})
				return &devices[len(devices)-1]
			}
			dev("PDU-A", pdu, "pdu").MountSide = "left"
			dev("PDU-B", pdu, "pdu").MountSide = "right"
			for i, m := range []model{mgmt, tor, tor} {
				d := dev([]string{"MGMT", "TOR1", "TOR2"}[i], m, "switch")
				d.Position, d.Face = ptr(float64(42-i)), "front"
			}
			for u := 1; u <= ServersPerRack; u++ {
				d := dev(fmt.Sprintf("SRV%02d", u), r640, "server")
				d.Position, d.Face = ptr(float64(u)), "front"
			}
		}
		if _, err := st.Devices().BulkCreate(ctx, devices); err != nil {
			return stats, fmt.Errorf("campus devices: %w", err)
		}
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
