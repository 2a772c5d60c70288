package energy_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// BenchmarkRollingPUE: the rolling-12-month KPIs of a site with 200 meters (a utility incomer,
// 20 UPS outputs, 150 rack PDU inputs, 29 mechanical) from a year of their hourly roll-ups
// (1.75 million rows), on each engine.
func BenchmarkRollingPUE(b *testing.B) {
	for _, eng := range testpeer.Engines() {
		b.Run("engine="+eng.Name, func(b *testing.B) {
			ctx := context.Background()
			st, err := store.Open(ctx, eng.URL(b))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			site, err := st.Sites().Create(ctx, dcim.Site{Name: "DC1", TimeZone: "Asia/Kuala_Lumpur"})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
			start := now.AddDate(-1, 0, 0)
			hours := int(now.Sub(start) / time.Hour)
			add := func(name, role string, kwh float64) {
				m, err := st.Meters().Create(ctx, dcim.Meter{SiteID: site.ID, Name: name, Role: role, Series: fmt.Sprintf(`meter_energy_kwh_total{meter=%q}`, name)})
				if err != nil {
					b.Fatal(err)
				}
				hs := make([]dcim.MeterHour, hours)
				for h := range hs {
					hs[h] = dcim.MeterHour{MeterID: m.ID, Hour: start.Add(time.Duration(h) * time.Hour), Value: kwh}
				}
				if err := st.SaveMeterHours(ctx, m.ID, hs); err != nil {
					b.Fatal(err)
				}
			}
			add("MSB", "utility", 15000)
			for i := range 20 {
				add(fmt.Sprintf("UPS-%02d", i), "ups-output", 500)
			}
			for i := range 150 {
				add(fmt.Sprintf("RPDU-%03d", i), "it-input", 60)
			}
			for i := range 29 {
				add(fmt.Sprintf("CRAH-%02d", i), "mechanical", 100)
			}
			for b.Loop() {
				r, err := energy.SiteReport(ctx, st, &site, nil, start, now)
				if err != nil || r.PUE == nil {
					b.Fatalf("%v %+v", err, r)
				}
			}
		})
	}
}
