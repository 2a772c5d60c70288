package alert_test

import (
	"context"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

func TestMain(m *testing.M) { testpeer.Main(m) }

const inletRules = `groups:
  - name: cooling
    rules:
      - alert: InletAboveRecommended
        expr: max by (site, rack) (inlet_temperature_celsius) > 27
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.rack }} inlet at {{ $value }} °C, above ASHRAE A1's recommended 27 °C"
`

// TestRunnerEndToEnd: readings go in through the time-series store's ingest, a Prometheus rule
// file is evaluated against them on the real query engine, and the alert's episode is kept in the
// store on both engines: pending, firing once its 5 minutes have passed (not before), tied to the
// rack its labels name, with its summary rendered; resolved when the inlet cools.
func TestRunnerEndToEnd(t *testing.T) {
	for _, eng := range testpeer.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := dcim.WithActor(context.Background(), dcim.Actor{Name: "test", Role: dcim.RoleAdmin, CanWrite: true})
			st, err := store.Open(ctx, eng.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			site, err := st.Sites().Create(ctx, dcim.Site{Name: "DC1"})
			if err != nil {
				t.Fatal(err)
			}
			room, err := st.Rooms().Create(ctx, dcim.Room{SiteID: site.ID, Name: "Hall 1"})
			if err != nil {
				t.Fatal(err)
			}
			rack, err := st.Racks().Create(ctx, dcim.Rack{RoomID: room.ID, Name: "A01", UHeight: 42})
			if err != nil {
				t.Fatal(err)
			}
			ts, err := telemetry.Open(telemetry.Options{Dir: t.TempDir(), OutOfOrder: telemetry.DefaultOutOfOrder})
			if err != nil {
				t.Fatal(err)
			}
			defer ts.Close()
			rules, err := alert.ParseRuleFile("cooling.yml", []byte(inletRules))
			if err != nil {
				t.Fatal(err)
			}
			// Inlet readings every minute: 25 °C, then 29.5 °C from t1, then 24 °C from t2.
			t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
			t1, t2 := t0.Add(30*time.Minute), t0.Add(60*time.Minute)
			var pts []telemetry.Point
			for at := t0; at.Before(t0.Add(90 * time.Minute)); at = at.Add(time.Minute) {
				v := 25.0
				if !at.Before(t1) && at.Before(t2) {
					v = 29.5
				} else if !at.Before(t2) {
					v = 24
				}
				pts = append(pts, telemetry.Point{Name: "inlet_temperature_celsius",
					Labels: map[string]string{"site": "DC1", "rack": "A01", "point": "A01 inlet-middle"}, T: at.UnixMilli(), V: v})
			}
			if _, err := ts.Append(ctx, pts); err != nil {
				t.Fatal(err)
			}
			r := &alert.Runner{Engine: alert.NewEngine(rules, alert.FlapPolicy{}), Record: st, Resolve: st.AlertObject,
				Query: alert.TelemetryQuerier(ts)}
			state := func(at time.Time) (string, dcim.Alert) {
				t.Helper()
				if _, err := r.Cycle(ctx, at); err != nil {
					t.Fatal(err)
				}
				page, err := st.Alerts(ctx, dcim.ListQuery{Filters: map[string][]string{"name": {"InletAboveRecommended"}}})
				if err != nil {
					t.Fatal(err)
				}
				if page.Count == 0 {
					return "", dcim.Alert{}
				}
				return page.Results[0].State, page.Results[0]
			}
			if s, _ := state(t1.Add(-time.Minute)); s != "" {
				t.Errorf("before the heat: %q", s)
			}
			if s, _ := state(t1); s != "pending" {
				t.Errorf("at t1: %q, want pending", s)
			}
			if s, _ := state(t1.Add(4*time.Minute + 59*time.Second)); s != "pending" {
				t.Errorf("just before 5 minutes: %q, want pending", s)
			}
			s, a := state(t1.Add(5 * time.Minute))
			if s != "firing" || a.Object == nil || a.Object.Type != dcim.TypeRack || a.Object.ID != rack.ID || a.Severity != "warning" {
				t.Fatalf("after 5 minutes: %q %+v", s, a)
			}
			if a.Annotations["summary"] != "A01 inlet at 29.5 °C, above ASHRAE A1's recommended 27 °C" {
				t.Errorf("summary %q", a.Annotations["summary"])
			}
			if s, a := state(t2.Add(time.Minute)); s != "resolved" || a.ResolvedAt == nil {
				t.Errorf("after cooling: %q %v", s, a.ResolvedAt)
			}
			if page, _ := st.Alerts(ctx, dcim.ListQuery{}); page.Count != 1 {
				t.Errorf("%d episodes, want 1", page.Count)
			}
		})
	}
}

// TestRunnerDroppedPending: a pending alert whose series goes away before its For has passed is
// dropped by the engine; its stored episode ends as resolved, so it is not listed as active.
func TestRunnerDroppedPending(t *testing.T) {
	ctx := dcim.WithActor(context.Background(), dcim.Actor{Name: "test", Role: dcim.RoleAdmin, CanWrite: true})
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/plenum.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	present := true
	rule := alert.Rule{Group: "test", Name: "Blip", For: 5 * time.Minute, Severity: "warning", Source: "builtin",
		Labels: map[string]string{"severity": "warning"},
		Builtin: func(context.Context, alert.Querier, time.Time) ([]alert.Sample, error) {
			if !present {
				return nil, nil
			}
			return []alert.Sample{{Labels: map[string]string{"site": "DC1", "rack": "A01"}, Value: 1}}, nil
		}}
	r := &alert.Runner{Engine: alert.NewEngine([]alert.Rule{rule}, alert.FlapPolicy{}), Record: st}
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	active := func() int {
		t.Helper()
		page, err := st.Alerts(ctx, dcim.ListQuery{Filters: map[string][]string{"state": {"active"}}})
		if err != nil {
			t.Fatal(err)
		}
		return page.Count
	}
	if _, err := r.Cycle(ctx, t0); err != nil || active() != 1 {
		t.Fatalf("pending: %v, %d active", err, active())
	}
	present = false
	if _, err := r.Cycle(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := active(); n != 0 {
		t.Errorf("%d active after the series went away", n)
	}
	page, err := st.Alerts(ctx, dcim.ListQuery{})
	if err != nil || page.Count != 1 || page.Results[0].State != "resolved" || page.Results[0].FiredAt != nil ||
		page.Results[0].ResolvedAt == nil || !page.Results[0].ResolvedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("the episode: %+v %v", page.Results, err)
	}
}
