package alert

import (
	"context"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

// TestPollTargetDown: a target that stops answering is pending, firing after a minute, with how
// long it has been silent; answering again resolves it. A target added later is covered with no
// change to the rules.
func TestPollTargetDown(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	ok := t0.Add(-30 * time.Second)
	health := []collect.Health{{Target: "pdu-a01", Up: false, Profile: "apc-rpdu2", LastAttempt: t0, LastSuccess: &ok, LastError: "timeout"},
		{Target: "ups-a", Up: true, LastAttempt: t0, LastSuccess: &t0}}
	e := NewEngine([]Rule{PollTargetDown(func() []collect.Health { return health })}, FlapPolicy{})
	noQuery := func(context.Context, string, time.Time) ([]Sample, error) {
		t.Fatal("a built-in rule ran a query")
		return nil, nil
	}
	state := func(at time.Time) map[string]Alert {
		t.Helper()
		if _, err := e.Eval(context.Background(), noQuery, at); err != nil {
			t.Fatal(err)
		}
		out := map[string]Alert{}
		for _, a := range e.Alerts() {
			out[a.Labels["target"]] = a
		}
		return out
	}
	if a := state(t0)["pdu-a01"]; a.State != Pending || a.Labels["alertname"] != "PollTargetDown" || a.Labels["profile"] != "apc-rpdu2" {
		t.Fatalf("at t0: %+v", a)
	}
	a := state(t0.Add(time.Minute))["pdu-a01"]
	if a.State != Firing || a.LastValue != 90 || a.Annotations["summary"] != "poll target pdu-a01 does not answer" {
		t.Fatalf("after a minute: %+v", a)
	}
	if _, down := state(t0.Add(time.Minute))["ups-a"]; down {
		t.Error("a target that answers is down")
	}
	// A new target, down: covered at once.
	health = append(health, collect.Health{Target: "meter-msb", Up: false, LastAttempt: t0.Add(time.Minute)})
	if a := state(t0.Add(2 * time.Minute))["meter-msb"]; a.State != Pending {
		t.Errorf("new target: %+v", a)
	}
	// pdu-a01 answers again.
	health[0].Up, health[0].LastSuccess = true, &t0
	if _, still := state(t0.Add(3 * time.Minute))["pdu-a01"]; still {
		t.Error("pdu-a01 still alerting after it answered")
	}
}

type fakeMeters struct {
	meters []dcim.Meter
	last   map[int64]time.Time
}

func (f fakeMeters) SiteMeters(context.Context, int64) ([]dcim.Meter, error) { return f.meters, nil }
func (f fakeMeters) LastMeterHour(_ context.Context, id int64) (time.Time, bool, error) {
	t, ok := f.last[id]
	return t, ok, nil
}

// TestMeterGap: a series meter whose newest covered hour ended more than 3 h ago is an alert after
// 15 minutes, with the hours missing, and resolves once its hours are rolled up again (read every
// five minutes); a manual
// meter and a meter never rolled up are not.
func TestMeterGap(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	src := fakeMeters{
		meters: []dcim.Meter{{Meta: dcim.Meta{ID: 1}, Name: "MSB", Source: "series"}, {Meta: dcim.Meta{ID: 2}, Name: "UPS-A out", Source: "series"},
			{Meta: dcim.Meta{ID: 3}, Name: "Water", Source: "manual"}, {Meta: dcim.Meta{ID: 4}, Name: "New", Source: "series"}},
		// MSB's newest hour is 07:00-08:00: 4 h of nothing. UPS-A's is 10:00-11:00: fine. Water: a week ago.
		last: map[int64]time.Time{1: now.Add(-5 * time.Hour), 2: now.Add(-2 * time.Hour), 3: now.Add(-7 * 24 * time.Hour)},
	}
	e := NewEngine([]Rule{MeterGap(src, 3*time.Hour)}, FlapPolicy{})
	q := func(context.Context, string, time.Time) ([]Sample, error) {
		t.Fatal("a built-in rule ran a query")
		return nil, nil
	}
	for _, at := range []time.Time{now, now.Add(15 * time.Minute)} {
		if _, err := e.Eval(context.Background(), q, at); err != nil {
			t.Fatal(err)
		}
	}
	alerts := e.Alerts()
	if len(alerts) != 1 || alerts[0].Labels["meter"] != "MSB" || alerts[0].State != Firing || alerts[0].LastValue != 4.25 {
		t.Fatalf("alerts %+v", alerts)
	}
	if got := alerts[0].Annotations["summary"]; got != "meter MSB has no readings for 4.25 h: its energy is missing from the KPIs and bills" {
		t.Errorf("summary %q", got)
	}
	// MSB's hours rolled up again to 11:00-12:00: the meters are read every five minutes, so the
	// alert holds a minute later and resolves at the next read.
	src.last[1] = now.Add(-time.Hour)
	if _, err := e.Eval(context.Background(), q, now.Add(16*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if alerts := e.Alerts(); len(alerts) != 1 {
		t.Errorf("a minute after the roll-up caught up: %+v", alerts)
	}
	if _, err := e.Eval(context.Background(), q, now.Add(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if alerts := e.Alerts(); len(alerts) != 0 {
		t.Errorf("five minutes after the roll-up caught up: %+v", alerts)
	}
}
