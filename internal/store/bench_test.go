package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// reportP99 adds the 99th percentile of per-operation latencies to the benchmark's figures.
func reportP99(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

// fillRacks creates n racks of 40 1U devices each (and the facility around them) in bulk.
func fillRacks(b *testing.B, st *store.Store, n int) facility {
	ctx := context.Background()
	f := newFacility(b, st)
	m := must(st.Manufacturers().Create(ctx, dcim.Manufacturer{Name: "Supermicro"}))
	one := must(st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: m.ID, Model: "SYS-1029", UHeight: 1, IsFullDepth: true,
		Weight: ptr(15.0), PowerPorts: []dcim.PowerPortTemplate{{Name: "PSU1", MaximumDraw: ptr(750)}, {Name: "PSU2", MaximumDraw: ptr(750)}}}))
	for r := 0; r < n; r++ {
		rack := must(st.Racks().Create(ctx, dcim.Rack{Name: fmt.Sprintf("B%03d", r), RoomID: f.room.ID, UHeight: 48, OuterWidth: ptr(600.0), OuterDepth: ptr(1200.0)}))
		devs := make([]dcim.Device, 40)
		for u := range devs {
			devs[u] = dcim.Device{Name: fmt.Sprintf("n%03d-%02d", r, u), DeviceTypeID: one.ID, RackID: &rack.ID,
				Position: ptr(float64(u + 1)), Face: "front", Status: "active", Role: "server"}
		}
		must(st.Devices().BulkCreate(ctx, devs))
	}
	return f
}

// BenchmarkListDevices measures one API-sized page of devices out of a larger inventory.
func BenchmarkListDevices(b *testing.B) {
	for _, e := range engines {
		b.Run("engine="+e.Name+"/limit=1000", func(b *testing.B) {
			st := openStore(b, e.URL(b))
			fillRacks(b, st, 100) // 4,000 devices
			ctx := context.Background()
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				page, err := st.Devices().List(ctx, dcim.ListQuery{Limit: 1000, Offset: (i % 4) * 1000, Filters: map[string][]string{"status": {"active"}}})
				lat = append(lat, time.Since(start))
				if err != nil || len(page.Results) != 1000 {
					b.Fatalf("%d results, %v", len(page.Results), err)
				}
			}
			reportP99(b, lat)
		})
	}
}

// BenchmarkPlaceDevice measures validating and placing one device in a full 48U rack: the device
// moves between the two free units of a rack holding 46 others, each move a checked, logged write.
func BenchmarkPlaceDevice(b *testing.B) {
	for _, e := range engines {
		b.Run("engine="+e.Name+"/units=48", func(b *testing.B) {
			st := openStore(b, e.URL(b))
			ctx := context.Background()
			f := newFacility(b, st)
			m := must(st.Manufacturers().Create(ctx, dcim.Manufacturer{Name: "Supermicro"}))
			one := must(st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: m.ID, Model: "SYS-1029", UHeight: 1, IsFullDepth: true, Weight: ptr(15.0)}))
			rack := must(st.Racks().Create(ctx, dcim.Rack{Name: "FULL", RoomID: f.room.ID, UHeight: 48, OuterWidth: ptr(600.0), OuterDepth: ptr(1200.0)}))
			devs := make([]dcim.Device, 46)
			for u := range devs {
				devs[u] = dcim.Device{Name: fmt.Sprintf("full-%02d", u), DeviceTypeID: one.ID, RackID: &rack.ID, Position: ptr(float64(u + 1)), Face: "front"}
			}
			must(st.Devices().BulkCreate(ctx, devs))
			d := must(st.Devices().Create(ctx, dcim.Device{Name: "mover", DeviceTypeID: one.ID, RackID: &rack.ID, Position: ptr(47.0), Face: "front"}))
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.Position = ptr(float64(47 + (i+1)%2))
				start := time.Now()
				_, err := st.Devices().Update(ctx, d.ID, d)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
			}
			reportP99(b, lat)
		})
	}
}
