package alert_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// BenchmarkBuiltinRules evaluates every built-in rule once per iteration on a generated campus
// (demo.Generate: PLENUM_BENCH_RACKS racks, 100 by default; 10,000 is the 100 MW case) with three
// inlet sensor points per rack, and about a hundred live series per rack: per rack PDU its power,
// three phase currents, three phase voltages and 24 outlets' power; per rack three inlet
// temperatures, three inlet humidities and an exhaust; per device its power. A few racks run hot,
// one rack PDU near its limit, one feed dead, so that every rule has something to find. Each
// iteration is one evaluation cycle at a new time (nothing carried between cycles but the chain
// built from the model, as in the server). PLENUM_BENCH_DB names a campus already generated.
func BenchmarkBuiltinRules(b *testing.B) {
	ctx := dcim.WithActor(context.Background(), dcim.Actor{Name: "bench", Role: dcim.RoleAdmin, CanWrite: true})
	url := os.Getenv("PLENUM_BENCH_DB")
	racks := 100
	if n, err := strconv.Atoi(os.Getenv("PLENUM_BENCH_RACKS")); err == nil && n > 0 {
		racks = n
	}
	if url == "" {
		url = "sqlite:" + b.TempDir() + "/campus.db"
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if n := must(st.Racks().List(ctx, dcim.ListQuery{Limit: 1})).Count; n == 0 {
		if _, err := demo.Generate(ctx, st, demo.Options{Racks: racks}, nil); err != nil {
			b.Fatal(err)
		}
	}
	site := must(st.Sites().List(ctx, dcim.ListQuery{Limit: 1, Ordering: "name"})).Results[0]
	all := must(st.Racks().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: map[string][]string{"site_id": {itoa(site.ID)}}}))
	rackList := all.Results
	for len(rackList) < all.Count {
		rackList = append(rackList, must(st.Racks().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Offset: len(rackList),
			Filters: map[string][]string{"site_id": {itoa(site.ID)}}})).Results...)
	}
	if must(st.SensorPoints().List(ctx, dcim.ListQuery{Limit: 1})).Count == 0 {
		var pts []dcim.SensorPoint
		for _, rk := range rackList {
			for _, k := range []string{"inlet-bottom", "inlet-middle", "inlet-top"} {
				pts = append(pts, dcim.SensorPoint{RoomID: rk.RoomID, RackID: &rk.ID, Name: rk.Name + " " + k, Kind: k})
			}
		}
		for i := 0; i < len(pts); i += 5000 {
			if _, err := st.SensorPoints().BulkCreate(ctx, pts[i:min(i+5000, len(pts))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	devices := map[int64][]string{}
	for off := 0; ; off += dcim.MaxLimit {
		page := must(st.Devices().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Offset: off, Ordering: "id",
			Filters: map[string][]string{"site_id": {itoa(site.ID)}}}))
		for _, d := range page.Results {
			if d.RackID != nil && d.Role != "pdu" {
				devices[*d.RackID] = append(devices[*d.RackID], d.Name)
			}
		}
		if off+len(page.Results) >= page.Count || len(page.Results) == 0 {
			break
		}
	}

	ts, err := telemetry.Open(telemetry.Options{Dir: b.TempDir(), OutOfOrder: telemetry.DefaultOutOfOrder})
	if err != nil {
		b.Fatal(err)
	}
	defer ts.Close()
	now := time.Now().Truncate(time.Minute)
	series := 0
	for _, at := range []time.Time{now.Add(-time.Minute), now} {
		var pts []telemetry.Point
		put := func(name string, v float64, kv ...string) {
			l := map[string]string{"site": site.Name}
			for i := 0; i+1 < len(kv); i += 2 {
				l[kv[i]] = kv[i+1]
			}
			pts = append(pts, telemetry.Point{Name: name, Labels: l, T: at.UnixMilli(), V: v})
		}
		for i, rk := range rackList {
			w := 3000.0
			if i == 1 {
				w = 7800 // near its rack PDU's 8.8 kVA limit
			}
			for _, s := range []string{"A", "B"} {
				node := "RPDU-" + rk.Name + "-" + s
				v := w
				if i == 2 && s == "A" {
					v = 0 // a dead feed
				}
				put("pdu_power_watts", v, "power_node", node)
				for ph := 1; ph <= 3; ph++ {
					put("pdu_phase_current_amps", v/3/230, "power_node", node, "phase", fmt.Sprintf("L%d", ph))
					put("pdu_phase_voltage_volts", 230, "power_node", node, "phase", fmt.Sprintf("L%d", ph))
				}
				for o := 1; o <= 24; o++ {
					put("pdu_outlet_power_watts", v/24, "power_node", node, "outlet", strconv.Itoa(o))
				}
			}
			inlet := 22.0
			if i%97 == 5 {
				inlet = 29 // a hot rack
			}
			for _, k := range []string{"inlet-bottom", "inlet-middle", "inlet-top"} {
				put("inlet_temperature_celsius", inlet, "rack", rk.Name, "sensor_point", rk.Name+" "+k)
				put("inlet_humidity_percent", 45, "rack", rk.Name, "sensor_point", rk.Name+" "+k)
			}
			put("exhaust_temperature_celsius", 35, "rack", rk.Name)
			for _, d := range devices[rk.ID] {
				put("device_power_watts", 250, "device", d)
			}
			if len(pts) > 200000 {
				if _, err := ts.Append(ctx, pts); err != nil {
					b.Fatal(err)
				}
				if at.Equal(now) {
					series += len(pts)
				}
				pts = pts[:0]
			}
		}
		if _, err := ts.Append(ctx, pts); err != nil {
			b.Fatal(err)
		}
		if at.Equal(now) {
			series += len(pts)
		}
	}

	chains := power.NewService(st, power.NoMeasurements{})
	rules := []alert.Rule{alert.PollTargetDown(func() []collect.Health { return nil }), alert.MeterGap(st, 3*time.Hour)}
	rules = append(rules, alert.ThermalEnvelope(st)...)
	rules = append(rules, alert.PowerRules(st, chains.Site)...)
	e := alert.NewEngine(rules, alert.FlapPolicy{})
	q := alert.TelemetryQuerier(ts)
	// The first cycle builds the site's chain from the model, as the server's first does.
	start := time.Now()
	if _, err := e.Eval(ctx, q, now); err != nil {
		b.Fatal(err)
	}
	first := time.Since(start)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Eval(ctx, q, now.Add(time.Duration(i+1)*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(e.Alerts())), "alerts")
	b.ReportMetric(first.Seconds(), "first-cycle-s")
	b.ReportMetric(float64(len(rackList)), "racks")
	b.ReportMetric(float64(series), "series")
}
