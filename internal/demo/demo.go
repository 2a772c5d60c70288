// Package demo seeds the demo facility, Cyberjaya DC1, and generates synthetic campuses of any size
// for benchmarks. Both write through the store's ordinary write paths, so every invariant holds for
// them as for any other client.
package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/catalog"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// The device types the demo uses, as files of the NetBox device-type library (CC0), so the demo runs on
// a machine without the library.
//
//go:embed devicetypes
var typeFiles embed.FS

// Site facts of the demo. Emission factor: Peninsular Malaysia grid, 0.758 kgCO2e/kWh (MIDA/MITI,
// December 2024). Supply: TNB low voltage 230 V line-to-neutral, 400 V line-to-line, 50 Hz.
const (
	SiteName             = "Cyberjaya DC1"
	emissionFactor       = 0.758
	emissionFactorSource = "MIDA/MITI, Dec 2024 (Peninsular Malaysia grid)"
)

// The models the demo and the generator place, by manufacturer and model as in the library.
type model struct{ manufacturer, model string }

var (
	r650    = model{"Dell", "PowerEdge R650"}
	r640    = model{"Dell", "PowerEdge R640"}
	r750    = model{"Dell", "PowerEdge R750"}
	dl360   = model{"HPE", "ProLiant DL360 Gen11"}
	msa2060 = model{"HPE", "HPE MSA 2060 SFF Chassis"}
	fas2750 = model{"NetApp", "FAS2750"}
	tor     = model{"Arista", "DCS-7050CX3-32S-F"}
	mgmt    = model{"Juniper", "EX4100-F-48T"}
	pdu     = model{"APC", "AP8881"}
)

// catalogue imports the embedded device types (idempotent) and returns their ids.
func catalogue(ctx context.Context, st *store.Store) (map[model]dcim.DeviceType, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(typeFiles, "devicetypes", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return err
		}
		b, err := typeFiles.ReadFile(path)
		files[path] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	r, err := catalog.ImportFiles(ctx, st, files)
	if err != nil {
		return nil, err
	}
	if len(r.Problems) > 0 {
		return nil, fmt.Errorf("demo device types: %s: %s", r.Problems[0].Path, r.Problems[0].Reason)
	}
	makers, err := st.Manufacturers().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit})
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, m := range makers.Results {
		names[m.ID] = m.Name
	}
	out := map[model]dcim.DeviceType{}
	for _, want := range []model{r650, r640, r750, dl360, msa2060, fas2750, tor, mgmt, pdu} {
		page, err := st.DeviceTypes().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: map[string][]string{"model": {want.model}}})
		if err != nil {
			return nil, err
		}
		for _, dt := range page.Results {
			if names[dt.ManufacturerID] == want.manufacturer {
				out[want] = dt
			}
		}
		if _, ok := out[want]; !ok {
			return nil, fmt.Errorf("demo device types: %s %s missing after import", want.manufacturer, want.model)
		}
	}
	// Some library files list no power supplies. An operator fills such gaps; the demo does with
	// ratings typical of each model's power-supply options (its own assumption, not library data), so
	// that every device is a load on the chain.
	for m, psu := range map[model]int{r750: 1400, dl360: 1000, fas2750: 1300, tor: 500} {
		dt := out[m]
		if len(dt.PowerPorts) > 0 {
			continue
		}
		dt.PowerPorts = []dcim.PowerPortTemplate{{Name: "PSU1", Type: "iec-60320-c14", MaximumDraw: ptr(psu)},
			{Name: "PSU2", Type: "iec-60320-c14", MaximumDraw: ptr(psu)}}
		if out[m], err = st.DeviceTypes().Update(ctx, dt.ID, dt); err != nil {
			return nil, fmt.Errorf("demo device type %s: %w", m.model, err)
		}
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

// Seed fills an empty database with the demo facility and reports whether it did; a database that
// already holds a site is left alone.
func Seed(ctx context.Context, st *store.Store) (bool, error) {
	sites, err := st.Sites().List(ctx, dcim.ListQuery{Limit: 1})
	if err != nil {
		return false, err
	}
	if sites.Count > 0 {
		return false, nil
	}
	ctx = dcim.WithActor(ctx, dcim.Actor{Name: "demo", Role: dcim.RoleAdmin, CanWrite: true})
	types, err := catalogue(ctx, st)
	if err != nil {
		return false, err
	}
	tenants, err := st.Tenants().BulkCreate(ctx, []dcim.Tenant{
		{Name: "Kopi Cloud Sdn Bhd", Description: "regional cloud provider, private cage in Data Hall 1"},
		{Name: "Bank Petaling Berhad", Description: "retail bank, disaster-recovery racks"},
		{Name: "Nusantara Media Sdn Bhd", Description: "streaming and content delivery"},
	})
	if err != nil {
		return false, fmt.Errorf("demo tenants: %w", err)
	}
	kopi, bank, media := tenants[0].ID, tenants[1].ID, tenants[2].ID
	site, err := st.Sites().Create(ctx, dcim.Site{
		Name: SiteName, Facility: "CJ1", Status: "active", TimeZone: "Asia/Kuala_Lumpur",
		PhysicalAddress: "Persiaran Multimedia, 63000 Cyberjaya, Selangor, Malaysia",
		Latitude:        ptr(2.9213), Longitude: ptr(101.6559),
		GridRegion: "MY-Peninsular", EmissionFactor: ptr(emissionFactor), EmissionFactorSource: emissionFactorSource,
		EmissionFactorYear: ptr(2024), SupplyVoltageLN: ptr(230.0), SupplyVoltageLL: ptr(400.0), SupplyFrequency: ptr(50.0),
		AllocatedFraction: ptr(0.5),
		Description:       "Plenum demo facility: two data halls, colocation and enterprise tenants",
		Tags:              []string{"demo"},
	})
	if err != nil {
		return false, fmt.Errorf("demo site: %w", err)
	}
	// Halls on a 600 mm raised-floor grid. Rows run along the columns; a rack is one tile wide and two
	// deep (600 x 1200 mm); aisles are two tiles. Fronts face the cold aisles.
	halls := []struct {
		room                dcim.Room
		rows                []string
		racksPerRow, height int
	}{
		{dcim.Room{Name: "Data Hall 1", TileSize: 600, GridRows: 18, GridColumns: 16, FloorLoadRating: ptr(1500.0),
			Description: "raised floor, 42U racks, hot-aisle containment"}, []string{"A", "B", "C", "D"}, 10, 42},
		{dcim.Room{Name: "Data Hall 2", TileSize: 600, GridRows: 10, GridColumns: 14, FloorLoadRating: ptr(1800.0),
			Description: "slab floor, 48U high-density racks"}, []string{"E", "F"}, 8, 48},
	}
	// Which tenant holds which rack: Kopi Cloud all of row A, the bank four racks of row B, the media
	// company three racks of row E. The rest are the facility's own or unlet.
	tenantOf := func(row string, i int) *int64 {
		switch {
		case row == "A":
			return &kopi
		case row == "B" && i < 4:
			return &bank
		case row == "E" && i < 3:
			return &media
		}
		return nil
	}
	racks := map[string]dcim.Rack{}
	for h, hall := range halls {
		hall.room.SiteID = site.ID
		room, err := st.Rooms().Create(ctx, hall.room)
		if err != nil {
			return false, fmt.Errorf("demo room: %w", err)
		}
		for r, rowName := range hall.rows {
			row, err := st.Rows().Create(ctx, dcim.Row{RoomID: room.ID, Name: rowName, Aisle: "cold",
				Description: fmt.Sprintf("cold aisle %d", r/2+1)})
			if err != nil {
				return false, fmt.Errorf("demo row: %w", err)
			}
			batch := make([]dcim.Rack, hall.racksPerRow)
			for i := range batch {
				name := fmt.Sprintf("%s%02d", rowName, i+1)
				batch[i] = dcim.Rack{
					Name: name, FacilityID: ptr(fmt.Sprintf("CJ1-H%d-%s", h+1, name)), RoomID: room.ID, RowID: &row.ID,
					TenantID: tenantOf(rowName, i), Status: "active", UHeight: hall.height, StartingUnit: 1, Width: 19,
					OuterWidth: ptr(600.0), OuterDepth: ptr(1200.0), OuterHeight: ptr(float64(hall.height)*44.45 + 133), OuterUnit: "mm",
					Weight: ptr(130.0), MaxWeight: ptr(1360.0), WeightUnit: "kg", Airflow: "front-to-rear",
					GridRow: ptr(2 + 4*r), GridColumn: ptr(2 + i), Role: "compute",
				}
				if rowName == "D" && i >= 6 || rowName == "F" && i >= 5 {
					batch[i].Status = "planned"
				}
			}
			made, err := st.Racks().BulkCreate(ctx, batch)
			if err != nil {
				return false, fmt.Errorf("demo racks: %w", err)
			}
			for _, rk := range made {
				racks[rk.Name] = rk
			}
		}
	}
	// Every live rack has an A and a B feed: two 0-U three-phase PDUs on the rear posts, created first
	// so that the chain can name them and the other devices can be plugged into them.
	var pdus, devices []dcim.Device
	serial := 0
	add := func(list *[]dcim.Device, rk dcim.Rack, name string, m model, role string, pos float64, face string) *dcim.Device {
		serial++
		d := dcim.Device{Name: rk.Name + "-" + name, DeviceTypeID: types[m].ID, Role: role, Status: "active",
			TenantID: rk.TenantID, RackID: &rk.ID, Serial: fmt.Sprintf("CJ1%07d", serial), AssetTag: ptr(fmt.Sprintf("PLM-%05d", serial))}
		if pos > 0 {
			d.Position, d.Face = ptr(pos), face
		}
		*list = append(*list, d)
		return &(*list)[len(*list)-1]
	}
	live := []string{}
	for _, name := range sortedNames(racks) {
		if racks[name].Status != "planned" {
			live = append(live, name)
		}
	}
	for _, name := range live {
		rk := racks[name]
		add(&pdus, rk, "PDU-A", pdu, "pdu", 0, "").MountSide = "left"
		add(&pdus, rk, "PDU-B", pdu, "pdu", 0, "").MountSide = "right"
	}
	if pdus, err = st.Devices().BulkCreate(ctx, pdus); err != nil {
		return false, fmt.Errorf("demo rack PDUs: %w", err)
	}
	pduOf := map[string][2]int64{} // rack → A and B PDU devices
	pduIDs := make([]int64, 0, len(pdus))
	for i := 0; i < len(pdus); i += 2 {
		pduOf[live[i/2]] = [2]int64{pdus[i].ID, pdus[i+1].ID}
		pduIDs = append(pduIDs, pdus[i].ID, pdus[i+1].ID)
	}
	layout := layoutOf(racks, live)
	mech, err := seedChain(ctx, st, site.ID, layout, pduOf)
	if err != nil {
		return false, err
	}
	feed, err := newFeeder(ctx, st, pduIDs)
	if err != nil {
		return false, err
	}
	for _, name := range live {
		rk := racks[name]
		top := float64(rk.UHeight)
		add(&devices, rk, "MGMT", mgmt, "switch", top, "front")
		add(&devices, rk, "TOR1", tor, "switch", top-1, "front")
		add(&devices, rk, "TOR2", tor, "switch", top-2, "front")
		u := 1.0
		switch rk.Name[0] {
		case 'A': // Kopi Cloud: dense 1U compute
			for i := 1; i <= 20; i++ {
				add(&devices, rk, fmt.Sprintf("SRV%02d", i), r650, "server", u, "front")
				u++
			}
		case 'B', 'C': // enterprise mix: storage at the bottom, 2U and 1U servers above
			add(&devices, rk, "STOR1", msa2060, "storage", u, "front")
			u += 2
			for i := 1; i <= 6; i++ {
				add(&devices, rk, fmt.Sprintf("SRV%02d", i), r750, "server", u, "front")
				u += 2
			}
			for i := 7; i <= 12; i++ {
				add(&devices, rk, fmt.Sprintf("SRV%02d", i), dl360, "server", u, "front")
				u++
			}
		default: // high density halls: NetApp filer plus 1U servers
			add(&devices, rk, "NAS1", fas2750, "storage", u, "front")
			u += 2
			n := 16
			if rk.Name[0] == 'D' {
				n = 10
			}
			for i := 1; i <= n; i++ {
				add(&devices, rk, fmt.Sprintf("SRV%02d", i), r640, "server", u, "front")
				u++
			}
		}
	}
	byID := map[int64]dcim.DeviceType{}
	for _, dt := range types {
		byID[dt.ID] = dt
	}
	nameOf := make(map[int64]string, len(racks))
	for name, rk := range racks {
		nameOf[rk.ID] = name
	}
	for i := range devices {
		d := &devices[i]
		ab := pduOf[nameOf[*d.RackID]]
		d.PowerFeeds = feed.feedsAB(len(byID[d.DeviceTypeID].PowerPorts), ab[0], ab[1])
	}
	if _, err := st.Devices().BulkCreate(ctx, devices); err != nil {
		return false, fmt.Errorf("demo devices: %w", err)
	}
	if err := seedCooling(ctx, st, layout, mech); err != nil {
		return false, err
	}
	pduTenant := make(map[int64]*int64, len(pdus))
	for _, d := range pdus {
		pduTenant[d.ID] = d.TenantID
	}
	if err := seedMeters(ctx, st, site.ID, pduTenant); err != nil {
		return false, err
	}
	if err := seedContracts(ctx, st, site.ID, []int64{kopi, bank, media}); err != nil {
		return false, err
	}
	now := time.Now().UTC()
	reservations := []dcim.RackReservation{
		{RackID: racks["B05"].ID, Units: span(30, 39), TenantID: &bank, Description: "DR expansion, Q1 2027", Expires: ptr(now.AddDate(0, 2, 0)), Tags: []string{"customer"}},
		{RackID: racks["E04"].ID, Units: span(27, 40), TenantID: &media, Description: "CDN cache nodes, quote pending", Expires: ptr(now.AddDate(0, 0, 7)), Tags: []string{"customer"}},
		{RackID: racks["D07"].ID, Units: span(1, 42), Description: "facility: network core refresh"},
	}
	if _, err := st.RackReservations().BulkCreate(ctx, reservations); err != nil {
		return false, fmt.Errorf("demo reservations: %w", err)
	}
	return true, nil
}

// span is the units lo..hi.
func span(lo, hi int) []int {
	u := make([]int, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		u = append(u, i)
	}
	return u
}

func sortedNames(m map[string]dcim.Rack) []string {
	// Rack names are row letter plus two digits: plain string order is the walking order.
	return slices.Sorted(maps.Keys(m))
}

// seedContracts gives the demo's tenants a colocation tariff and contracts, so that their bills
// are alive. The tariff's capacity, network and retail figures are illustrative, not TNB's.
func seedContracts(ctx context.Context, st *store.Store, site int64, tenants []int64) error {
	if _, err := st.Tariffs().Create(ctx, dcim.Tariff{Name: "Demo colocation", EffectiveFrom: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC),
		Currency: "MYR", EnergySenPerKWh: 45.40, CapacityRMPerKW: 30.30, NetworkRMPerKW: 12.00, RetailRMPerMonth: 200, DemandWindowMinutes: 30,
		Overhead: "pue", Description: "demo figures: the average base tariff as the energy rate, illustrative capacity, network and retail charges, the facility's overhead by PUE"}); err != nil {
		return fmt.Errorf("demo tariff: %w", err)
	}
	for i, kw := range []float64{60, 20, 30} {
		if _, err := st.Contracts().Create(ctx, dcim.Contract{TenantID: tenants[i], SiteID: site, Tariff: "Demo colocation", ContractedKW: kw,
			Start: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			return fmt.Errorf("demo contract: %w", err)
		}
	}
	return nil
}
