package main

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
)

// TestCapacityForecast builds 20 days of a room's life: two 42U racks (84 U), a 2U server added
// every day (2 U on day 1, 40 U on day 20), and its IT meter's daily peak rising 1.5 kW a day from
// 50 kW (78.5 kW on day 20) against 100 kW of cooling. Space runs out in (84 − 40) / 2 = 22 days
// and cooling in (100 − 78.5) / 1.5 = 14.3: both inside the 60-day horizon. The room's feeds are
// not rated, so power has no limit and no forecast. With a 20-day horizon only cooling is left.
func TestCapacityForecast(t *testing.T) {
	ctx := dcim.WithActor(context.Background(), dcim.Actor{Name: "test", Role: dcim.RoleAdmin, CanWrite: true})
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/plenum.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	day0 := now.Truncate(24*time.Hour).AddDate(0, 0, -19).Add(time.Hour) // 01:00 UTC, 19 days ago
	clock := day0
	st.SetClock(func() time.Time { return clock })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	site, err := st.Sites().Create(ctx, dcim.Site{Name: "DC1"})
	must(err)
	room, err := st.Rooms().Create(ctx, dcim.Room{SiteID: site.ID, Name: "Hall 1"})
	must(err)
	var racks []dcim.Rack
	for _, n := range []string{"A01", "A02"} {
		rk, err := st.Racks().Create(ctx, dcim.Rack{RoomID: room.ID, Name: n, UHeight: 42})
		must(err)
		racks = append(racks, rk)
	}
	zone, err := st.CoolingZones().Create(ctx, dcim.CoolingZone{RoomID: room.ID, Name: "Zone 1", Redundancy: "N"})
	must(err)
	_, err = st.CoolingUnits().Create(ctx, dcim.CoolingUnit{RoomID: room.ID, ZoneID: &zone.ID, Name: "CRAH-1", Kind: "crah", CapacityKW: 100})
	must(err)
	mfr, err := st.Manufacturers().Create(ctx, dcim.Manufacturer{Name: "Acme"})
	must(err)
	dt, err := st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: mfr.ID, Model: "S2", UHeight: 2, IsFullDepth: true})
	must(err)
	meter, err := st.Meters().Create(ctx, dcim.Meter{Name: "EM-Hall-1", Role: "pdu-output", RoomID: &room.ID, Source: "manual"})
	must(err)
	var hours []dcim.MeterHour
	for i := 0; i < 20; i++ {
		clock = day0.AddDate(0, 0, i)
		rk := racks[i%2]
		_, err := st.Devices().Create(ctx, dcim.Device{Name: "srv" + itoa(int64(i)), DeviceTypeID: dt.ID, RackID: &rk.ID,
			Position: ptr(float64(1 + 2*(i/2))), Face: "front"})
		must(err)
		noon := clock.Truncate(24 * time.Hour).Add(12 * time.Hour)
		hours = append(hours, dcim.MeterHour{MeterID: meter.ID, Hour: noon.Add(-time.Hour), Value: 40},
			dcim.MeterHour{MeterID: meter.ID, Hour: noon, Value: 50 + 1.5*float64(i)})
	}
	must(st.SaveMeterHours(ctx, meter.ID, hours))
	clock = now
	st.SetClock(time.Now)

	chains := power.NewService(st, power.NoMeasurements{})
	src := roomOutlooks(st, capacity.NewService(st), chains)
	eval := func(horizon time.Duration) map[string]alert.Alert {
		t.Helper()
		e := alert.NewEngine([]alert.Rule{alert.CapacityForecast(src, horizon)}, alert.FlapPolicy{})
		if _, err := e.Eval(ctx, nil, now); err != nil {
			t.Fatal(err)
		}
		out := map[string]alert.Alert{}
		for _, a := range e.Alerts() {
			out[a.Labels["resource"]] = a
		}
		return out
	}
	got := eval(60 * 24 * time.Hour)
	if len(got) != 2 {
		t.Fatalf("alerts %v, want space and cooling", got)
	}
	sp := got["space"]
	if sp.State != alert.Firing || math.Abs(sp.LastValue-22) > 1e-9 || sp.Labels["room"] != "Hall 1" || sp.Labels["limit"] != "84 U" {
		t.Errorf("space: %+v", sp)
	}
	if s := sp.Annotations["summary"]; s != "Hall 1: space runs out in 22 days at the rate of the last weeks (limit 84 U)" {
		t.Errorf("summary %q", s)
	}
	if c := got["cooling"]; math.Abs(c.LastValue-21.5/1.5) > 1e-9 || c.Labels["limit"] != "100 kW" {
		t.Errorf("cooling: %+v", c)
	}
	if got := eval(20 * 24 * time.Hour); len(got) != 1 || got["cooling"].State != alert.Firing {
		t.Errorf("20-day horizon: %v", got)
	}

	// An hour on, the forecast is worked out again in the background: the cycle carries the last
	// result forward meanwhile. A third rack (126 U) puts space at (126 − 40) / 2 = 43 days.
	e := alert.NewEngine([]alert.Rule{alert.CapacityForecast(src, 60*24*time.Hour)}, alert.FlapPolicy{})
	spaceAt := func(at time.Time) float64 {
		t.Helper()
		if _, err := e.Eval(ctx, nil, at); err != nil {
			t.Fatal(err)
		}
		for _, a := range e.Alerts() {
			if a.Labels["resource"] == "space" {
				return a.LastValue
			}
		}
		return -1
	}
	if v := spaceAt(now); v != 22 {
		t.Fatalf("space %v, want 22", v)
	}
	_, err = st.Racks().Create(ctx, dcim.Rack{RoomID: room.ID, Name: "A03", UHeight: 42})
	must(err)
	if v := spaceAt(now.Add(61 * time.Minute)); v != 22 {
		t.Errorf("the cycle that starts the refresh: space %v, want the last result, 22", v)
	}
	v := 0.0
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if v = spaceAt(now.Add(62 * time.Minute)); v == 43 {
			break
		}
	}
	if v != 43 {
		t.Errorf("after the refresh: space %v, want 43", v)
	}
}

func ptr[T any](v T) *T { return &v }

// BenchmarkRoomOutlooks is what the capacity forecast reads once an hour, on a campus already
// generated (PLENUM_BENCH_DB): every room's 30 days of space replayed from the change log, its IT
// meters' daily peaks, and the capacity roll-up's limits.
func BenchmarkRoomOutlooks(b *testing.B) {
	url := os.Getenv("PLENUM_BENCH_DB")
	if url == "" {
		b.Skip("PLENUM_BENCH_DB names a generated campus (plenum demo generate)")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	src := roomOutlooks(st, capacity.NewService(st), power.NewService(st, power.NoMeasurements{}))
	var n int
	for i := 0; i < b.N; i++ {
		out, err := src(ctx, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.ReportMetric(float64(n), "outlooks")
}

// TestBuiltinFlags: the built-in rules' settings out of range stop serve at once, naming the flag.
func TestBuiltinFlags(t *testing.T) {
	for _, c := range []struct{ args []string }{
		{[]string{"--alert-forecast-days", "0"}},
		{[]string{"--alert-forecast-days", "5000"}},
		{[]string{"--alert-stale-after", "30s"}},
	} {
		args := append([]string{"plenum", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, c.args...)
		err := newApp().Run(context.Background(), args)
		if err == nil || !strings.Contains(err.Error(), c.args[0]) {
			t.Errorf("%v: %v", c.args, err)
		}
	}
}
