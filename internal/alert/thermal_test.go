package alert_test

import (
	"cmp"
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// builtinBed is a store and a time-series store for the built-in rules' tests, with readings put
// in through ingest and the rules evaluated on the real query engine.
type builtinBed struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	ts  *telemetry.Store
	// pending readings, put in time order at the next eval (the head refuses samples far older
	// than what it already holds)
	pending []telemetry.Point
}

func newBuiltinBed(t *testing.T, url string) *builtinBed {
	ctx := dcim.WithActor(context.Background(), dcim.Actor{Name: "test", Role: dcim.RoleAdmin, CanWrite: true})
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts, err := telemetry.Open(telemetry.Options{Dir: t.TempDir(), OutOfOrder: telemetry.DefaultOutOfOrder})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	return &builtinBed{t: t, ctx: ctx, st: st, ts: ts}
}

// must returns v, or panics on err (which fails the test with its trace): for the fixtures' writes.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// series puts one reading a minute of metric with labels from..to (exclusive), valued by f; they
// go in through ingest, in time order with the others, at the next eval.
func (b *builtinBed) series(metric string, labels map[string]string, from, to time.Time, f func(time.Time) float64) {
	for at := from; at.Before(to); at = at.Add(time.Minute) {
		b.pending = append(b.pending, telemetry.Point{Name: metric, Labels: labels, T: at.UnixMilli(), V: f(at)})
	}
}

// eval runs the engine every minute from..to (inclusive) and returns the alerts active at to, by
// rule and a label's value.
func (b *builtinBed) eval(e *alert.Engine, from, to time.Time, label string) map[string]alert.Alert {
	b.t.Helper()
	if len(b.pending) > 0 {
		slices.SortStableFunc(b.pending, func(x, y telemetry.Point) int { return cmp.Compare(x.T, y.T) })
		res, err := b.ts.Append(b.ctx, b.pending)
		if err != nil {
			b.t.Fatal(err)
		}
		if res.Samples != len(b.pending) {
			b.t.Fatalf("%d of %d readings stored", res.Samples, len(b.pending))
		}
		b.pending = nil
	}
	q := alert.TelemetryQuerier(b.ts)
	for at := from; !at.After(to); at = at.Add(time.Minute) {
		if _, err := e.Eval(b.ctx, q, at); err != nil {
			b.t.Fatal(err)
		}
	}
	out := map[string]alert.Alert{}
	for _, a := range e.Alerts() {
		out[a.Rule+" "+a.Labels[label]] = a
	}
	return out
}

// TestThermalEnvelope drives inlet readings through ingest and checks the envelope rules against
// ASHRAE's classes as the store starts with them (5th edition): a temperature above A1's
// recommended 27 °C warns after 15 minutes and not before; above the allowable 32 °C it is
// critical after 5; cooling resolves both. A humidity of 85 % at 24 °C is above A1's allowable
// 80 % RH, and its dew point (computed from the rack's temperature, 21.3 °C) above the allowable
// 17 °C. An H1 room's 23 °C is above its recommended 22 °C, where an A1 room's is not. A rack and
// sensor point added later are covered with no change to the rules.
func TestThermalEnvelope(t *testing.T) {
	for _, eng := range testpeer.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			b := newBuiltinBed(t, eng.URL(t))
			site := must(b.st.Sites().Create(b.ctx, dcim.Site{Name: "DC1"}))
			hall := must(b.st.Rooms().Create(b.ctx, dcim.Room{SiteID: site.ID, Name: "Hall 1"}))
			dense := must(b.st.Rooms().Create(b.ctx, dcim.Room{SiteID: site.ID, Name: "Hall H", ThermalClass: "H1"}))
			a01 := must(b.st.Racks().Create(b.ctx, dcim.Rack{RoomID: hall.ID, Name: "A01", UHeight: 42}))
			h01 := must(b.st.Racks().Create(b.ctx, dcim.Rack{RoomID: dense.ID, Name: "H01", UHeight: 42}))
			point := func(room, rack int64, name, kind, quantity string) {
				must(b.st.SensorPoints().Create(b.ctx, dcim.SensorPoint{RoomID: room, RackID: &rack, Name: name, Kind: kind, Quantity: quantity}))
			}
			point(hall.ID, a01.ID, "A01 inlet-middle", "inlet-middle", "temperature")
			point(hall.ID, a01.ID, "A01 inlet-middle RH", "inlet-middle", "humidity")
			point(hall.ID, a01.ID, "A01 exhaust", "exhaust", "temperature") // not an inlet: never held to the envelope
			point(dense.ID, h01.ID, "H01 inlet-top", "inlet-top", "temperature")

			t0 := time.Now().Add(-4 * time.Hour).Truncate(time.Minute)
			t1, t2, t3, end := t0.Add(30*time.Minute), t0.Add(60*time.Minute), t0.Add(90*time.Minute), t0.Add(120*time.Minute)
			lbl := func(p string) map[string]string {
				return map[string]string{"site": "DC1", "sensor_point": p}
			}
			b.series("inlet_temperature_celsius", lbl("A01 inlet-middle"), t0, end, func(at time.Time) float64 {
				switch {
				case at.Before(t1):
					return 24
				case at.Before(t2):
					return 29
				case at.Before(t3):
					return 33
				}
				return 24
			})
			b.series("sensor_humidity_percent", lbl("A01 inlet-middle RH"), t0, end, func(at time.Time) float64 {
				if at.Before(t3) {
					return 50
				}
				return 85
			})
			b.series("sensor_temperature_celsius", lbl("A01 exhaust"), t0, end, func(time.Time) float64 { return 45 })
			b.series("sensor_temperature_celsius", lbl("H01 inlet-top"), t0, end, func(time.Time) float64 { return 23 })

			e := alert.NewEngine(alert.ThermalEnvelope(b.st), alert.FlapPolicy{})
			const rec, all = "InletOutsideRecommended", "InletOutsideAllowable"
			got := b.eval(e, t0, t1.Add(-time.Minute), "sensor_point")
			if len(got) != 1 || got[rec+" H01 inlet-top"].State != alert.Firing {
				t.Fatalf("before t1: %v", got)
			}
			got = b.eval(e, t1, t1.Add(14*time.Minute), "sensor_point")
			if a := got[rec+" A01 inlet-middle"]; a.State != alert.Pending || a.LastValue != 29 {
				t.Fatalf("14 minutes at 29 °C: %+v", a)
			}
			got = b.eval(e, t1.Add(15*time.Minute), t1.Add(15*time.Minute), "sensor_point")
			a := got[rec+" A01 inlet-middle"]
			if a.State != alert.Firing || a.Labels["bound"] != "high" || a.Labels["class"] != "A1" || a.Labels["rack"] != "A01" ||
				a.Labels["room"] != "Hall 1" || a.Labels["quantity"] != "temperature" || a.Severity != "warning" {
				t.Fatalf("15 minutes at 29 °C: %+v", a)
			}
			if s := a.Annotations["summary"]; s != "A01 inlet-middle: temperature 29.0 is outside class A1's recommended envelope (18–27 °C)" {
				t.Errorf("summary %q", s)
			}
			if _, ok := got[all+" A01 inlet-middle"]; ok {
				t.Error("29 °C is inside A1's allowable envelope")
			}
			if h := got[rec+" H01 inlet-top"]; h.State != alert.Firing || h.Labels["class"] != "H1" || h.Labels["envelope"] != "18–22 °C" {
				t.Errorf("H1 at 23 °C: %+v", h)
			}
			got = b.eval(e, t1.Add(16*time.Minute), t2.Add(4*time.Minute), "sensor_point")
			if a := got[all+" A01 inlet-middle"]; a.State != alert.Pending || a.Severity != "critical" {
				t.Fatalf("4 minutes at 33 °C: %+v", a)
			}
			got = b.eval(e, t2.Add(5*time.Minute), t2.Add(5*time.Minute), "sensor_point")
			if a := got[all+" A01 inlet-middle"]; a.State != alert.Firing || a.LastValue != 33 {
				t.Fatalf("5 minutes at 33 °C: %+v", a)
			}
			if a := got[rec+" A01 inlet-middle"]; a.State != alert.Firing {
				t.Errorf("the warning beside the critical: %+v", a)
			}
			// Cooled to 24 °C at t3, and humid: the temperature's alerts resolve at once; the humidity
			// (85 % > 80 %) and its dew point (21.3 °C > 17 °C) are outside the allowable envelope.
			got = b.eval(e, t2.Add(6*time.Minute), t3.Add(5*time.Minute), "quantity")
			if _, ok := got[all+" temperature"]; ok {
				t.Error("the temperature alert did not resolve")
			}
			if h := got[all+" humidity"]; h.State != alert.Firing || h.LastValue != 85 || h.Labels["sensor_point"] != "A01 inlet-middle RH" {
				t.Errorf("humidity: %+v", h)
			}
			dp := got[all+" dew-point"]
			if dp.State != alert.Firing || math.Abs(dp.LastValue-21.3) > 0.05 || dp.Labels["envelope"] != "-12–17 °C dew point" {
				t.Errorf("dew point: %+v", dp)
			}
			if want := dcim.DewPoint(24, 85); math.Abs(dp.LastValue-want) > 1e-9 {
				t.Errorf("dew point %v, want %v", dp.LastValue, want)
			}

			// A new rack and its inlet point: covered at once.
			a02 := must(b.st.Racks().Create(b.ctx, dcim.Rack{RoomID: hall.ID, Name: "A02", UHeight: 42}))
			point(hall.ID, a02.ID, "A02 inlet-top", "inlet-top", "temperature")
			b.series("inlet_temperature_celsius", lbl("A02 inlet-top"), t3, end, func(time.Time) float64 { return 12 })
			got = b.eval(e, t3.Add(6*time.Minute), t3.Add(6*time.Minute), "sensor_point")
			if a := got[all+" A02 inlet-top"]; a.State != alert.Pending || a.Labels["bound"] != "low" || a.Labels["rack"] != "A02" {
				t.Errorf("the new rack at 12 °C: %+v", a)
			}
		})
	}
}

// TestDewPoint checks the Magnus formula against published values: 25 °C at 50 % RH has a dew
// point of 13.9 °C, saturated air its own temperature, and 30 °C at 80 % RH 26.2 °C.
func TestDewPoint(t *testing.T) {
	for _, c := range []struct{ t, rh, want float64 }{{25, 50, 13.86}, {20, 100, 20}, {30, 80, 26.17}, {0, 50, -9.19}} {
		if got := dcim.DewPoint(c.t, c.rh); math.Abs(got-c.want) > 0.01 {
			t.Errorf("DewPoint(%g, %g) = %.3f, want %.2f", c.t, c.rh, got, c.want)
		}
	}
	if !math.IsNaN(dcim.DewPoint(25, 0)) || !math.IsNaN(dcim.DewPoint(25, 120)) {
		t.Error("a humidity outside (0, 100] has a dew point")
	}
}
