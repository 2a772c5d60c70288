package alert

import (
	"context"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/collect"
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
	noQuery := func(context.Context, string, time.Time) ([]Sample, error) { t.Fatal("a built-in rule ran a query"); return nil, nil }
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
