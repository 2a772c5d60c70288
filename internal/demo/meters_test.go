package demo

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// TestMetersCarryOn: a simulator started on a store that has the history carries the counters on
// from their last values, through the hours it was not running (the plant went on using energy),
// with no counter reset; the roll-up gives those hours what the counters say.
func TestMetersCarryOn(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testpeer.Engines()[0].URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	ts, err := telemetry.Open(telemetry.Options{Dir: t.TempDir(), OutOfOrder: telemetry.DefaultOutOfOrder})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	now := time.Date(2026, 10, 15, 5, 0, 0, 0, time.UTC)
	first, err := newSimulator(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	first.devices, first.nodes, first.inlets = nil, nil, nil // the meters alone, for speed
	if err := first.backfill(ctx, ts, now, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := first.roll(ctx, st, ts, now); err != nil {
		t.Fatal(err)
	}
	const name = "EM-UTIL-A"
	counter := func(at time.Time) (v float64) {
		t.Helper()
		err := ts.EachSample(ctx, meterSelector(energyMetric, name), at.Add(-time.Hour), at, func(_ int, _ int64, x float64) { v = x })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sim, err := newSimulator(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	back := now.Add(3 * time.Hour) // the simulator was down for three hours
	if err := sim.resume(ctx, ts, back); err != nil {
		t.Fatal(err)
	}
	var util *simMeter
	for _, m := range sim.meters.meters {
		if m.name == name {
			util = m
		}
	}
	last := counter(now)
	if util == nil || util.value != last || last <= 0 || !sim.metersAt.Equal(now.Add(-time.Minute)) {
		t.Fatalf("%s resumes at %v from %v, its last reading %v", name, util, sim.metersAt, last)
	}
	// What the plant used meanwhile, by the same model.
	was := *util
	expect := meterModel{meters: []*simMeter{&was}, itKW: sim.meters.itKW}
	expect.advance(sim.metersAt, back)
	for at := back; !at.After(back.Add(time.Hour)); at = at.Add(time.Minute) {
		if err := sim.push(ctx, ts, at); err != nil {
			t.Fatal(err)
		}
	}
	if got := counter(back); math.Abs(got-was.value) > 0.001 || got-last < 300 {
		t.Errorf("%s back after three hours: %.3f kWh, want %.3f (%.3f before)", name, got, was.value, last)
	}
	r := energy.Roller{Meters: st, Series: ts}
	if err := r.Roll(ctx, sim.siteID, back.Add(75*time.Minute)); err != nil {
		t.Fatal(err)
	}
	meters, err := st.SiteMeters(ctx, sim.siteID)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, m := range meters {
		if m.Name == name {
			id = m.ID
		}
	}
	from := now.Add(-time.Hour)
	hours, err := st.MeterHours(ctx, id, from, back)
	if err != nil || len(hours) != 4 {
		t.Fatalf("%s: hours %+v %v", name, hours, err)
	}
	var sum float64
	for _, h := range hours {
		if h.Value <= 0 || h.Resets != 0 {
			t.Errorf("%s at %v: %+v", name, h.Hour, h)
		}
		sum += h.Value
	}
	if want := counter(back) - counter(from); math.Abs(sum-want) > 0.01 {
		t.Errorf("%s from %v to %v: %.3f kWh in its hours, %.3f on the counter", name, from, back, sum, want)
	}
}
