package energy_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

func TestMain(m *testing.M) { testpeer.Main(m) }

var day = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// every5 is a series' samples every 5 minutes from day's start for n steps, value(k).
func every5(name string, labels map[string]string, n int, value func(k int) float64) []telemetry.Point {
	var out []telemetry.Point
	for k := 0; k < n; k++ {
		out = append(out, telemetry.Point{Name: name, Labels: labels, T: day.Add(time.Duration(k) * 5 * time.Minute).UnixMilli(), V: value(k)})
	}
	return out
}

// The roll-up, against the real stores: series counters (one, two phases summed, one swapped
// mid-hour), power integrated and marked estimated, a manual meter read twelve hours apart, and a
// meter whose selector the store refuses, which does not stop the others. Each hour is worked by
// hand: 10 kWh per 5 minutes is 120 kWh an hour.
func TestRollUp(t *testing.T) {
	for _, eng := range testpeer.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, eng.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ts, err := telemetry.Open(telemetry.Options{Dir: t.TempDir(), OutOfOrder: telemetry.DefaultOutOfOrder})
			if err != nil {
				t.Fatal(err)
			}
			defer ts.Close()
			site, err := st.Sites().Create(ctx, dcim.Site{Name: "DC1"})
			if err != nil {
				t.Fatal(err)
			}
			meter := func(m dcim.Meter) int64 {
				m.SiteID = site.ID
				got, err := st.Meters().Create(ctx, m)
				if err != nil {
					t.Fatal(err)
				}
				return got.ID
			}
			msb := meter(dcim.Meter{Name: "MSB-1", Role: "utility", Series: `meter_energy_kwh_total{target="MSB-1"}`})
			phases := meter(dcim.Meter{Name: "UPS-A", Role: "ups-output", Series: `meter_phase_energy_kwh_total{target="UPS-A"}`})
			swapped := meter(dcim.Meter{Name: "MSB-2", Role: "utility", Series: `meter_energy_kwh_total{target="MSB-2"}`})
			power := meter(dcim.Meter{Name: "CRAH", Role: "mechanical", Series: `meter_power_watts{target="CRAH"}`, Quantity: "power"})
			manual := meter(dcim.Meter{Name: "Lights", Role: "other", Source: "manual"})
			meter(dcim.Meter{Name: "Bad", Role: "other", Series: `meter_energy_kwh_total{target=~"("}`})
			// Hours rolled up from readings the store no longer has: a round finds nothing to read,
			// and leaves them.
			gone := meter(dcim.Meter{Name: "Gone", Role: "other", Series: `meter_energy_kwh_total{target="gone"}`})
			if err := st.SaveMeterHours(ctx, gone, []dcim.MeterHour{{Hour: day, Value: 42}}); err != nil {
				t.Fatal(err)
			}

			var pts []telemetry.Point
			pts = append(pts, every5("meter_energy_kwh", map[string]string{"target": "MSB-1"}, 288, func(k int) float64 { return 1000 + 10*float64(k) })...)
			for _, ph := range []string{"L1", "L2"} {
				pts = append(pts, every5("meter_phase_energy_kwh", map[string]string{"target": "UPS-A", "phase": ph}, 288, func(k int) float64 { return 5 * float64(k) })...)
			}
			// MSB-2 is replaced at 10:30:30: the old meter's last value 6,260, the new one's first 3.2.
			pts = append(pts, every5("meter_energy_kwh", map[string]string{"target": "MSB-2"}, 288, func(k int) float64 {
				if k <= 126 {
					return 5000 + 10*float64(k)
				}
				return 3.2 + 10*float64(k-126)
			})...)
			for i := range pts { // the series are counters
				pts[i].Name += "_total"
			}
			for m := 0; m < 24*60; m++ {
				pts = append(pts, telemetry.Point{Name: "meter_power_watts", Labels: map[string]string{"target": "CRAH"}, T: day.Add(time.Duration(m) * time.Minute).UnixMilli(), V: 60000})
			}
			if _, err := ts.Append(ctx, pts); err != nil {
				t.Fatal(err)
			}
			old := 6260.0
			for _, r := range []dcim.MeterReading{
				{MeterID: swapped, At: day.Add(10*time.Hour + 30*time.Minute + 30*time.Second), Kind: "swap", Value: 3.2, OldValue: &old},
				{MeterID: manual, At: day, Value: 0},
				{MeterID: manual, At: day.Add(12 * time.Hour), Value: 1200},
			} {
				if _, err := st.MeterReadings().Create(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			roller := &energy.Roller{Meters: st, Series: ts}
			// At 00:05 the next day, 23:00 is still settling: the hours up to 22:00 are rolled.
			err = roller.Roll(ctx, site.ID, day.Add(24*time.Hour+5*time.Minute))
			var me *energy.MeterError
			if !errors.As(err, &me) || me.Meter.Name != "Bad" {
				t.Errorf("roll: %v, want the bad meter's error alone", err)
			}
			hours := func(id int64) map[int]dcim.MeterHour {
				t.Helper()
				out := map[int]dcim.MeterHour{}
				rows, err := st.MeterHours(ctx, id, day.Add(-24*time.Hour), day.Add(48*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range rows {
					out[int(h.Hour.Sub(day)/time.Hour)] = h
				}
				return out
			}
			check := func(name string, id int64, first, last int, value func(h int) float64, estimated bool, gap func(h int) int64) {
				t.Helper()
				hs := hours(id)
				if len(hs) != last-first+1 {
					t.Errorf("%s: %d hours, want %d to %d", name, len(hs), first, last)
				}
				for h := first; h <= last; h++ {
					got, ok := hs[h]
					if !ok || math.Abs(got.Value-value(h)) > 1e-6 || got.Estimated != estimated || got.GapMS != gap(h) {
						t.Errorf("%s hour %d: %+v (present %v), want %v kWh, estimated %v, gap %d ms", name, h, got, ok, value(h), estimated, gap(h))
					}
				}
			}
			if hs := hours(gone); len(hs) != 1 || hs[0].Value != 42 {
				t.Errorf("hours without readings were rewritten: %+v", hs)
			}
			const hourMS = int64(time.Hour / time.Millisecond)
			none := func(int) int64 { return 0 }
			per := func(v float64) func(int) float64 { return func(int) float64 { return v } }
			check("MSB-1", msb, 0, 22, per(120), false, none)
			check("UPS-A (two phases)", phases, 0, 22, per(120), false, none)
			check("MSB-2 (swapped)", swapped, 0, 22, per(120), false, none)
			check("CRAH (power)", power, 0, 22, per(60), true, none)
			// Read at 00:00 and 12:00: 1,200 kWh spread over twelve hours, each all gap (the readings
			// are far apart); after 12:00, no energy until the next reading.
			check("Lights", manual, 0, 22, func(h int) float64 {
				if h < 12 {
					return 100
				}
				return 0
			}, false, func(int) int64 { return hourMS })

			// The next reading, at midnight: the hours from the reading before are rolled again.
			if _, err := st.MeterReadings().Create(ctx, dcim.MeterReading{MeterID: manual, At: day.Add(24 * time.Hour), Value: 2400}); err != nil {
				t.Fatal(err)
			}
			if err := roller.Roll(ctx, site.ID, day.Add(25*time.Hour+15*time.Minute)); !errors.As(err, &me) {
				t.Errorf("second roll: %v", err)
			}
			// The reading at midnight closes hour 23; hour 24 has none yet.
			check("Lights, read again", manual, 0, 24, func(h int) float64 {
				if h < 24 {
					return 100
				}
				return 0
			}, false, func(int) int64 { return hourMS })
			// MSB-1's last reading was 23:55: hour 23 has 11 intervals and 5 minutes of gap, and
			// the next day's first hour has none.
			check("MSB-1, later", msb, 0, 24, func(h int) float64 {
				switch h {
				case 23:
					return 110
				case 24:
					return 0
				}
				return 120
			}, false, func(h int) int64 {
				switch h {
				case 23:
					return 5 * 60 * 1000
				case 24:
					return hourMS
				}
				return 0
			})
		})
	}
}
