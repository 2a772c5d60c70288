package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// BenchmarkCampus measures the API on a generated campus of PLENUM_BENCH_RACKS racks (default 300;
// 10000 is the 100 MW case of BENCHMARKS.md), through HTTP with a bearer token as a client sees it:
// a page of 1,000 devices, the elevation of a full 48U rack, and placing a device in that rack (also
// measured on the store alone, without HTTP). PLENUM_BENCH_DB names a database that already holds a
// campus (from plenum demo generate) to measure instead.
func BenchmarkCampus(b *testing.B) {
	if url := os.Getenv("PLENUM_BENCH_DB"); url != "" {
		st, err := store.Open(context.Background(), url)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		b.Run("engine="+st.Dialect()+"/racks=existing", func(b *testing.B) { benchCampus(b, st) })
		return
	}
	racks := 300
	if n, err := strconv.Atoi(os.Getenv("PLENUM_BENCH_RACKS")); err == nil && n > 0 {
		racks = n
	}
	for _, e := range testpeer.Engines() {
		b.Run(fmt.Sprintf("engine=%s/racks=%d", e.Name, racks), func(b *testing.B) {
			ctx := context.Background()
			st, err := store.Open(ctx, e.URL(b))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if _, err := demo.Generate(ctx, st, demo.Options{Racks: racks}, nil); err != nil {
				b.Fatal(err)
			}
			benchCampus(b, st)
		})
	}
}

func benchCampus(b *testing.B, st *store.Store) {
	ctx := context.Background()
	devices, err := st.Devices().List(ctx, dcim.ListQuery{Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	full, mover := fullRack(b, st)
	_, token, err := st.CreateToken(ctx, "bench", true, nil)
	if err != nil {
		b.Fatal(err)
	}
	h := New(Config{Store: st, Version: "bench"})
	call := func(b *testing.B, method, path string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return rec
	}
	measure := func(name string, op func(b *testing.B, i int)) {
		b.Run(name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				start := time.Now()
				op(b, i)
				lat = append(lat, time.Since(start))
				i++
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
	pages := max(1, devices.Count/1000)
	measure("list-devices-1000", func(b *testing.B, i int) {
		// Pages spread over the whole inventory, deep offsets included.
		page := (i * 7919) % pages
		call(b, http.MethodGet, fmt.Sprintf("%s/devices?limit=1000&offset=%d", Prefix, page*1000), nil)
	})
	measure("elevation-48u", func(b *testing.B, i int) {
		face := []string{"front", "rear"}[i%2]
		call(b, http.MethodGet, fmt.Sprintf("%s/racks/%d/elevation.svg?face=%s", Prefix, full, face), nil)
	})
	measure("place-device-48u", func(b *testing.B, i int) {
		call(b, http.MethodPatch, fmt.Sprintf("%s/devices/%d", Prefix, mover), []byte(fmt.Sprintf(`{"position": %d}`, 47+(i+1)%2)))
	})
	ups, err := st.PowerNodes().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"kind": {"ups"}}})
	if err != nil || len(ups.Results) == 0 {
		b.Fatalf("no UPS in the campus: %v", err)
	}
	whatIf := []byte(fmt.Sprintf(`{"failed": [%d]}`, ups.Results[0].ID))
	call(b, http.MethodPost, Prefix+"/whatif", whatIf) // the first builds the site's chain
	measure("whatif-ups", func(b *testing.B, i int) {
		call(b, http.MethodPost, Prefix+"/whatif", whatIf)
	})
	// After each device write the site's chain is updated from the change, not read again.
	measure("whatif-after-device-write", func(b *testing.B, i int) {
		b.StopTimer()
		call(b, http.MethodPatch, fmt.Sprintf("%s/devices/%d", Prefix, mover), []byte(fmt.Sprintf(`{"position": %d}`, 47+(i+1)%2)))
		b.StartTimer()
		call(b, http.MethodPost, Prefix+"/whatif", whatIf)
	})
	call(b, http.MethodGet, fmt.Sprintf("%s/capacity?site=%d", Prefix, ups.Results[0].SiteID), nil) // the first reads the racks
	measure("capacity-after-device-write", func(b *testing.B, i int) {
		b.StopTimer()
		call(b, http.MethodPatch, fmt.Sprintf("%s/devices/%d", Prefix, mover), []byte(fmt.Sprintf(`{"position": %d}`, 47+(i+1)%2)))
		b.StartTimer()
		call(b, http.MethodGet, fmt.Sprintf("%s/capacity?site=%d", Prefix, ups.Results[0].SiteID), nil)
	})
	// A server's allocated draw changes: the change flows up its feeds to the sources.
	server, err := st.Devices().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"role": {"server"}, "site_id": {strconv.FormatInt(ups.Results[0].SiteID, 10)}}})
	if err != nil || len(server.Results) == 0 {
		b.Fatalf("no server: %v", err)
	}
	ports, err := st.PowerPorts().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"device_id": {strconv.FormatInt(server.Results[0].ID, 10)}}})
	if err != nil || len(ports.Results) == 0 || ports.Results[0].OutletID == nil {
		b.Fatalf("no plugged port on %s: %v", server.Results[0].Name, err)
	}
	measure("capacity-after-draw-change", func(b *testing.B, i int) {
		b.StopTimer()
		call(b, http.MethodPatch, fmt.Sprintf("%s/power-ports/%d", Prefix, ports.Results[0].ID), []byte(fmt.Sprintf(`{"allocated_draw": %d}`, 300+i%2*100)))
		b.StartTimer()
		call(b, http.MethodGet, fmt.Sprintf("%s/capacity?site=%d", Prefix, ups.Results[0].SiteID), nil)
	})
	measure("capacity-site", func(b *testing.B, i int) {
		call(b, http.MethodGet, fmt.Sprintf("%s/capacity?site=%d", Prefix, ups.Results[0].SiteID), nil)
	})
	types, err := st.DeviceTypes().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"model": {"PowerEdge R640"}}})
	if err != nil || len(types.Results) == 0 {
		b.Fatalf("no R640 type: %v", err)
	}
	placement := []byte(fmt.Sprintf(`{"device_type": %d, "count": 10, "redundancy": "A+B", "site": %d}`, types.Results[0].ID, ups.Results[0].SiteID))
	measure("placement-10-site", func(b *testing.B, i int) {
		call(b, http.MethodPost, Prefix+"/placement", placement)
	})
	measure("n-1-sweep", func(b *testing.B, i int) {
		call(b, http.MethodGet, fmt.Sprintf("%s/whatif/n-1?site=%d", Prefix, ups.Results[0].SiteID), nil)
	})
	d, err := st.Devices().Get(ctx, mover)
	if err != nil {
		b.Fatal(err)
	}
	measure("place-device-48u-store", func(b *testing.B, i int) {
		pos := float64(47 + (i+1)%2)
		d.Position = &pos
		if _, err := st.Devices().Update(ctx, mover, d); err != nil {
			b.Fatal(err)
		}
	})
}

// fullRack adds a 48U rack holding 47 1U devices to the campus's first hall, and returns it and the
// device in unit 47 that the placement benchmark moves between the two top units.
func fullRack(b *testing.B, st *store.Store) (rack, mover int64) {
	ctx := context.Background()
	if had, err := st.Racks().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"name": {"BENCH-48U"}}}); err == nil && had.Count > 0 {
		// A database measured before: the rack is there already.
		d, err := st.Devices().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"name": {"bench-47"}}})
		if err != nil || d.Count != 1 {
			b.Fatalf("BENCH-48U without bench-47: %v", err)
		}
		return had.Results[0].ID, d.Results[0].ID
	}
	rooms, err := st.Rooms().List(ctx, dcim.ListQuery{Limit: 1})
	if err != nil || len(rooms.Results) == 0 {
		b.Fatalf("no hall: %v", err)
	}
	m, err := st.Manufacturers().Create(ctx, dcim.Manufacturer{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	w := 15.0
	dt, err := st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: m.ID, Model: "1U", UHeight: 1, IsFullDepth: true, Weight: &w,
		PowerPorts: []dcim.PowerPortTemplate{{Name: "PSU1"}, {Name: "PSU2"}}})
	if err != nil {
		b.Fatal(err)
	}
	d, mm := 1200.0, 600.0
	rk, err := st.Racks().Create(ctx, dcim.Rack{Name: "BENCH-48U", RoomID: rooms.Results[0].ID, UHeight: 48, OuterDepth: &d, OuterWidth: &mm, OuterUnit: "mm"})
	if err != nil {
		b.Fatal(err)
	}
	devs := make([]dcim.Device, 47)
	for u := range devs {
		pos := float64(u + 1)
		devs[u] = dcim.Device{Name: fmt.Sprintf("bench-%02d", u+1), DeviceTypeID: dt.ID, RackID: &rk.ID, Position: &pos, Face: "front", Role: "server"}
	}
	made, err := st.Devices().BulkCreate(ctx, devs)
	if err != nil {
		b.Fatal(err)
	}
	return rk.ID, made[46].ID
}
