package alert_test

import (
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/collect"
)

// TestStaleSeries drives a server's readings through ingest: its power and its inlet temperature
// every minute, until the temperature stops (a probe unplugged) while the power goes on. More than
// 10 minutes after its last reading the server is pending, firing 5 minutes later with one series
// stopped; the reading coming back resolves it. A server whose poll target does not answer is
// PollTargetDown's alone. Any series with a site is covered: nothing to configure.
func TestStaleSeries(t *testing.T) {
	b := newBuiltinBed(t, "sqlite:"+t.TempDir()+"/plenum.db")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Minute)
	t1, t2, end := t0.Add(10*time.Minute), t0.Add(27*time.Minute), t0.Add(40*time.Minute)
	lbl := func(dev, target string) map[string]string {
		return map[string]string{"site": "DC1", "device": dev, "target": target}
	}
	flat := func(time.Time) float64 { return 300 }
	// Readings go in as time passes: up to t2 first, the rest after.
	b.series("server_power_watts", lbl("srv1", "bmc-srv1"), t0, t2, flat)
	b.series("server_temperature_celsius", lbl("srv1", "bmc-srv1"), t0, t1, flat)
	// srv2's target stopped answering: all its series stop, and PollTargetDown says so.
	b.series("server_power_watts", lbl("srv2", "bmc-srv2"), t0, t1, flat)
	health := []collect.Health{{Target: "bmc-srv1", Up: true, LastAttempt: end}, {Target: "bmc-srv2", Up: false, LastAttempt: end}}
	e := alert.NewEngine([]alert.Rule{alert.StaleSeries(b.ts.StaleSeries, func() []collect.Health { return health }, 10*time.Minute)}, alert.FlapPolicy{})

	last := t1.Add(-time.Minute) // the temperature's newest reading
	if got := b.eval(e, t1, last.Add(10*time.Minute), "device"); len(got) != 0 {
		t.Fatalf("10 minutes after the last reading: %v", got)
	}
	got := b.eval(e, last.Add(11*time.Minute), last.Add(15*time.Minute), "device")
	if a := got["StaleSeries srv1"]; a.State != alert.Pending || a.LastValue != 1 || a.Labels["target"] != "bmc-srv1" {
		t.Fatalf("11 minutes after: %v", got)
	}
	got = b.eval(e, last.Add(16*time.Minute), last.Add(16*time.Minute), "device")
	a := got["StaleSeries srv1"]
	if a.State != alert.Firing || a.Annotations["summary"] != "1 series of srv1 stopped: readings are missing" {
		t.Fatalf("16 minutes after: %+v", a)
	}
	if _, ok := got["StaleSeries srv2"]; ok {
		t.Error("a target that does not answer is PollTargetDown's")
	}
	b.series("server_power_watts", lbl("srv1", "bmc-srv1"), t2, end, flat)
	b.series("server_temperature_celsius", lbl("srv1", "bmc-srv1"), t2, end, flat)
	if got := b.eval(e, t2, t2, "device"); len(got) != 0 {
		t.Errorf("the reading back: %v", got)
	}
}
