package demo_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

func TestMain(m *testing.M) { testpeer.Main(m) }

var engines = testpeer.Engines()

func openStore(tb testing.TB, url string) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func forEachEngine(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) { fn(t, openStore(t, e.URL(t))) })
	}
}

func count[T any](t *testing.T, r store.Resource[T], filters map[string][]string) int {
	t.Helper()
	p, err := r.List(context.Background(), dcim.ListQuery{Limit: 1, Filters: filters})
	if err != nil {
		t.Fatal(err)
	}
	return p.Count
}

func one[T any](t *testing.T, r store.Resource[T], filters map[string][]string) T {
	t.Helper()
	p, err := r.List(context.Background(), dcim.ListQuery{Limit: 2, Filters: filters})
	if err != nil || len(p.Results) != 1 {
		t.Fatalf("want one %s matching %v: %v %v", r.ObjectType(), filters, p.Count, err)
	}
	return p.Results[0]
}

func by(k, v string) map[string][]string { return map[string][]string{k: {v}} }

// TestSeed checks the demo facility against what it claims to be.
func TestSeed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seeded, err := demo.Seed(ctx, st)
		if err != nil || !seeded {
			t.Fatalf("seed: %v %v", seeded, err)
		}
		site := one(t, st.Sites(), by("name", demo.SiteName))
		if site.TimeZone != "Asia/Kuala_Lumpur" || *site.SupplyVoltageLN != 230 || *site.SupplyVoltageLL != 400 ||
			*site.SupplyFrequency != 50 || *site.EmissionFactor != 0.758 || site.GridRegion != "MY-Peninsular" {
			t.Errorf("site facts: %+v", site)
		}
		rooms, _ := st.Rooms().List(ctx, dcim.ListQuery{Filters: by("site_id", strconv.FormatInt(site.ID, 10))})
		if rooms.Count != 2 {
			t.Fatalf("rooms: %d", rooms.Count)
		}
		for _, r := range rooms.Results {
			if r.Kind != "data-hall" || r.TileSize != 600 || r.GridRows == 0 || r.GridColumns == 0 || r.FloorLoadRating == nil {
				t.Errorf("room %s: no floor grid or rating: %+v", r.Name, r)
			}
		}
		heights := map[int]int{}
		racks, _ := st.Racks().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit})
		for _, r := range racks.Results {
			heights[r.UHeight]++
			if r.GridRow == nil || r.GridColumn == nil || r.MaxWeight == nil {
				t.Errorf("rack %s: not on the floor grid or no max_weight", r.Name)
			}
		}
		if heights[42] != 40 || heights[48] != 16 {
			t.Errorf("rack heights: %v", heights)
		}
		if n := count(t, st.Tenants(), nil); n != 3 {
			t.Errorf("tenants: %d", n)
		}
		// Every live rack has two 0-U PDUs, one on each side, each with its 42 outlets and inlet.
		pdus, _ := st.Devices().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: by("role", "pdu")})
		if pdus.Count != 2*(40-4+16-3) {
			t.Errorf("PDUs: %d", pdus.Count)
		}
		for _, d := range pdus.Results {
			if d.Position != nil || (d.MountSide != "left" && d.MountSide != "right") {
				t.Fatalf("PDU %s not a side-mounted 0-U device: %+v", d.Name, d)
			}
		}
		pdu := one(t, st.Devices(), by("name", "A01-PDU-A"))
		if n := count(t, st.PowerOutlets(), by("device_id", strconv.FormatInt(pdu.ID, 10))); n != 42 {
			t.Errorf("AP8881 outlets: %d", n)
		}
		srv := one(t, st.Devices(), by("name", "A01-SRV01"))
		ports, _ := st.PowerPorts().List(ctx, dcim.ListQuery{Filters: by("device_id", strconv.FormatInt(srv.ID, 10))})
		if ports.Count != 2 || *ports.Results[0].MaximumDraw != 800 {
			t.Errorf("R650 power ports: %+v", ports.Results)
		}
		if srv.TenantID == nil || srv.SiteID != site.ID {
			t.Errorf("A01-SRV01 tenant %v site %d", srv.TenantID, srv.SiteID)
		}
		res, _ := st.RackReservations().List(ctx, dcim.ListQuery{})
		if res.Count != 3 {
			t.Errorf("reservations: %d", res.Count)
		}
		// The 2N chain: two of each plant node, a floor PDU per hall and side, an RPP per row and side,
		// a circuit and a rack PDU per live rack and side; every device plugged in but the PDUs'
		// own inlets (the chain feeds those).
		live := 40 - 4 + 16 - 3
		if n := count(t, st.PowerNodes(), nil); n != 2*6+2*2+2*6+2*2*live {
			t.Errorf("power nodes: %d", n)
		}
		if n := count(t, st.PowerNodes(), by("kind", "rack-pdu")); n != 2*live {
			t.Errorf("rack PDU nodes: %d", n)
		}
		if n := count(t, st.PowerPorts(), by("connected", "false")); n != 2*live {
			t.Errorf("unplugged power ports: %d, want the %d PDU inlets", n, 2*live)
		}
		if n := count(t, st.CoolingUnits(), nil); n != 7 {
			t.Errorf("CRAHs: %d", n)
		}
		// Meters: both incomers, both UPS outputs, the four floor PDUs, every rack PDU (each its
		// rack's tenant's), both mechanical boards, and the site's other load, water and PV.
		roles := map[string]int{}
		meters, _ := st.Meters().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit})
		for _, m := range meters.Results {
			roles[m.Role]++
		}
		want := map[string]int{"utility": 2, "ups-output": 2, "pdu-output": 4, "it-input": 2 * live, "mechanical": 2, "other": 1, "water": 1, "renewable": 1}
		if fmt.Sprint(roles) != fmt.Sprint(want) {
			t.Errorf("meters by role: %v, want %v", roles, want)
		}
		rp := one(t, st.Meters(), by("name", "EM-RPDU-A01-B"))
		if rp.TenantID == nil || *rp.TenantID != *srv.TenantID || rp.Series != `meter_energy_kwh_total{site="Cyberjaya DC1",meter="EM-RPDU-A01-B"}` {
			t.Errorf("rack PDU meter: %+v", rp)
		}
		// What if UPS-A goes down: the single-PSU management switches go dark, everything else runs
		// on B, and Kopi Cloud's dense racks overload their B rack PDUs.
		svc := power.NewService(st, nil)
		ps, err := svc.Site(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		ups := one(t, st.PowerNodes(), by("name", "UPS-A"))
		wi, err := ps.WhatIf([]int64{ups.ID}, nil, power.Allocated)
		if err != nil {
			t.Fatal(err)
		}
		if len(wi.LostPower) != live {
			t.Errorf("lost power: %d devices, want the %d management switches", len(wi.LostPower), live)
		}
		for _, d := range wi.LostPower {
			if !strings.HasSuffix(d.Name, "-MGMT") {
				t.Errorf("%s lost power", d.Name)
			}
		}
		over := map[string]bool{}
		for _, o := range wi.Overloaded {
			over[o.Node.Name] = true
		}
		for n := range over {
			if !strings.HasPrefix(n, "RPDU-A") || !strings.HasSuffix(n, "-B") {
				t.Errorf("%s overloaded", n)
			}
		}
		if !over["RPDU-A01-B"] || len(over) != 10 || len(wi.CoolingShort) != 0 {
			t.Errorf("overloaded after UPS-A fails: %v; cooling short %v", over, wi.CoolingShort)
		}
		// A second start leaves the facility as it is.
		before := count(t, st.Devices(), nil)
		changes, _ := st.Changes(ctx, dcim.ListQuery{Limit: 1})
		again, err := demo.Seed(ctx, st)
		if err != nil || again {
			t.Fatalf("second seed: %v %v", again, err)
		}
		after, _ := st.Changes(ctx, dcim.ListQuery{Limit: 1})
		if n := count(t, st.Devices(), nil); n != before || after.Count != changes.Count {
			t.Fatalf("second seed wrote: devices %d→%d, changes %d→%d", before, n, changes.Count, after.Count)
		}
	})
}

// TestGenerate builds a small campus and checks its shape: halls filled row by row, each rack full
// as documented, and a second campus of the same name refused.
func TestGenerate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var calls int
		s, err := demo.Generate(ctx, st, demo.Options{Racks: 45, RacksPerRow: 10, RowsPerHall: 2}, func(done, total int) {
			calls++
			if total != 45 || done > total {
				t.Errorf("progress %d/%d", done, total)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if s.Racks != 45 || s.Devices != 45*demo.DevicesPerRack || s.Rooms != 3 || calls != 5 {
			t.Fatalf("stats %+v, %d progress calls", s, calls)
		}
		if n := count(t, st.Racks(), nil); n != 45 {
			t.Errorf("racks: %d", n)
		}
		if n := count(t, st.Devices(), nil); n != 45*demo.DevicesPerRack {
			t.Errorf("devices: %d", n)
		}
		if n := count(t, st.Devices(), by("role", "pdu")); n != 90 {
			t.Errorf("PDUs: %d", n)
		}
		if n := count(t, st.Rows(), nil); n != 5 {
			t.Errorf("rows: %d", n)
		}
		changes, err := st.Changes(ctx, dcim.ListQuery{Limit: 1, Filters: by("object_type", dcim.TypeDevice)})
		if err != nil || changes.Count != 45*demo.DevicesPerRack {
			t.Errorf("device changes logged: %d %v", changes.Count, err)
		}
		if _, err := demo.Generate(ctx, st, demo.Options{Racks: 1}, nil); dcim.ErrorCode(err) != dcim.EConflict {
			t.Errorf("second campus of the same name: %v", err)
		}
		if _, err := demo.Generate(ctx, st, demo.Options{Racks: 0, Site: "other"}, nil); dcim.ErrorCode(err) != dcim.EInvalid {
			t.Errorf("zero racks: %v", err)
		}
	})
}

// BenchmarkGenerate builds a campus of PLENUM_BENCH_RACKS racks (default 500) per iteration into a
// fresh database. The 10,000-rack figure in BENCHMARKS.md comes from plenum demo generate.
func BenchmarkGenerate(b *testing.B) {
	racks := 500
	if n, err := strconv.Atoi(os.Getenv("PLENUM_BENCH_RACKS")); err == nil && n > 0 {
		racks = n
	}
	for _, e := range engines {
		b.Run(fmt.Sprintf("engine=%s/racks=%d", e.Name, racks), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				st := openStore(b, e.URL(b))
				b.StartTimer()
				s, err := demo.Generate(context.Background(), st, demo.Options{Racks: racks}, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(s.Devices)/s.Elapsed.Seconds(), "devices/s")
			}
		})
	}
}

// TestMeterKPIs: the simulator's history, rolled up, gives the demo a category 3 PUE and a WUE
// that a tropical site with cooling towers would show, and the utility meters add up to the
// loads they feed: UPS input (its output over the UPS efficiency), mechanical and other, less
// the rooftop PV.
func TestMeterKPIs(t *testing.T) {
	// One history serves every engine: the first writes it (and rolls it up), the others seed
	// the same facility and roll the same series up.
	ts, err := telemetry.Open(telemetry.Options{Dir: t.TempDir(), OutOfOrder: telemetry.DefaultOutOfOrder})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	kl, err := time.LoadLocation("Asia/Kuala_Lumpur")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 10, 15, 13, 37, 0, 0, kl)
	written := false
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, st); err != nil {
			t.Fatal(err)
		}
		if !written {
			if err := demo.Backfill(ctx, st, ts, now, 3*24*time.Hour); err != nil {
				t.Fatal(err)
			}
			written = true
		}
		site := one(t, st.Sites(), by("name", demo.SiteName))
		if err := (&energy.Roller{Meters: st, Series: ts}).Roll(ctx, site.ID, now); err != nil {
			t.Fatal(err)
		}
		from := time.Date(2026, 10, 14, 0, 0, 0, 0, kl)
		rep, err := energy.SiteReport(ctx, st, &site, nil, from, from.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if rep.PUECategory == nil || *rep.PUECategory != 3 || rep.PUE == nil || *rep.PUE < 1.3 || *rep.PUE > 1.7 {
			t.Errorf("PUE %v category %v: %+v", deref(rep.PUE), deref(rep.PUECategory), rep.ITLevels)
		}
		if rep.WUE == nil || *rep.WUE < 1.2 || *rep.WUE > 2.2 {
			t.Errorf("WUE %v", deref(rep.WUE))
		}
		if rep.Coverage == nil || *rep.Coverage != 1 || rep.EDCBasis != "metered" {
			t.Errorf("coverage %v, E_DC %s", deref(rep.Coverage), rep.EDCBasis)
		}
		if len(rep.ITLevels) != 3 {
			t.Errorf("IT levels: %+v", rep.ITLevels)
		}
		for _, lv := range rep.ITLevels {
			if !lv.Complete || lv.Nodes == 0 {
				t.Errorf("IT level %s: %d of %d nodes metered", lv.Role, lv.MeteredNodes, lv.Nodes)
			}
		}
		byRole := map[string]float64{}
		for _, m := range rep.Meters {
			byRole[m.Role] += m.Value
			if m.MissingHours != 0 || m.GapHours != 0 || m.Resets != 0 || m.Value <= 0 {
				t.Errorf("meter %s: %+v", m.Meter.Name, m)
			}
		}
		if len(rep.Meters) != 111 {
			t.Errorf("%d meters", len(rep.Meters))
		}
		// The model (meters.go): UPS output = IT × 1.015, PDU output = IT × 1.005, UPS input =
		// UPS output / 0.95; utility + PV = UPS input + mechanical + other.
		it, ups := byRole["it-input"], byRole["ups-output"]
		near := func(what string, got, want, tol float64) {
			t.Helper()
			if math.Abs(got-want) > tol*want {
				t.Errorf("%s: %.1f, want %.1f (±%.1f%%)", what, got, want, 100*tol)
			}
		}
		near("UPS output", ups, it*1.015, 0.001)
		near("PDU output", byRole["pdu-output"], it*1.005, 0.001)
		losses := ups/0.95 - it
		near("utility + PV", byRole["utility"]+byRole["renewable"], it+losses+byRole["mechanical"]+byRole["other"], 0.01)
		near("E_DC", rep.EDCkWh, it+losses+byRole["mechanical"]+byRole["other"], 0.01)
		near("other", byRole["other"], 0.02*it, 0.1) // a day's IT is near its mean
		if pv := byRole["renewable"]; pv <= 0 || pv > 60*12 {
			t.Errorf("PV %.1f kWh in a day from 60 kWp", pv)
		}
		// The tenants' bills are alive: the first tenant's October so far, from its rack PDUs.
		tenant := one(t, st.Tenants(), by("name", "Kopi Cloud Sdn Bhd"))
		bill, err := energy.TenantBill(ctx, st, ts, &site, tenant.ID, "2026-10", now)
		if err != nil {
			t.Fatal(err)
		}
		items := map[string]float64{}
		for _, l := range bill.Lines {
			items[l.Item] = l.Amount
		}
		if bill.KWh <= 0 || bill.MaxDemandKW == nil || *bill.MaxDemandKW <= 0 || bill.PUE == nil || len(bill.Lines) != 5 ||
			items["energy"] <= 0 || items["capacity"] <= 0 || items["overhead"] <= 0 || bill.Total <= 0 {
			t.Errorf("bill: %+v", bill)
		}
		t.Logf("PUE %.3f WUE %.2f L/kWh, IT %.0f kWh, E_DC %.0f kWh, mechanical %.0f, losses %.0f, other %.0f, PV %.0f",
			*rep.PUE, *rep.WUE, it, rep.EDCkWh, byRole["mechanical"], losses, byRole["other"], byRole["renewable"])
	})
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
