package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// The demo's telemetry simulator: readings for the demo facility, pushed through the same
// line-protocol ingest the /write endpoint uses, so that live values, history and measured loads
// exist out of the box. Every device draws its allocation shaped by a daily cycle (lowest before
// dawn, highest mid-afternoon, Malaysian time) with a little noise; the rack PDUs and UPSes carry
// what the power chain says their devices put on them, line by line; every rack inlet sensor reads
// a temperature that follows the load, a couple of racks running warm.

// SimulateEvery is how often the simulator pushes readings.
const SimulateEvery = 15 * time.Second

// Simulate pushes the demo facility's readings every SimulateEvery until ctx is done. On a store
// without them it first writes the last day's history at one-minute steps.
func Simulate(ctx context.Context, st *store.Store, ts *telemetry.Store, logger interface{ Warn(string, ...any) }) error {
	sites, err := st.Sites().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"name": {SiteName}}})
	if err != nil || len(sites.Results) == 0 {
		return fmt.Errorf("demo site: %v", err)
	}
	site := sites.Results[0]
	model, err := st.PowerModel(ctx, site.ID)
	if err != nil {
		return err
	}
	chain, err := power.BuildSite(model, nil)
	if err != nil {
		return err
	}
	points, err := st.SensorPoints().List(ctx, dcim.ListQuery{Limit: 1000, Filters: map[string][]string{"site_id": {fmt.Sprint(site.ID)}}})
	if err != nil {
		return err
	}
	racks, err := st.Racks().List(ctx, dcim.ListQuery{Limit: 1000, Filters: map[string][]string{"site_id": {fmt.Sprint(site.ID)}}})
	if err != nil {
		return err
	}
	rackName := map[int64]string{}
	for _, r := range racks.Results {
		rackName[r.ID] = r.Name
	}
	sim := &simulator{site: site.Name, chain: chain, points: points.Results, racks: rackName, rng: rand.New(rand.NewPCG(1, 2))}
	now := time.Now()
	if have, err := ts.DevicePowers(ctx, site.Name, now); err == nil && len(have) == 0 {
		for at := now.Add(-24 * time.Hour); at.Before(now) && ctx.Err() == nil; at = at.Add(time.Minute) {
			if err := sim.push(ctx, ts, at); err != nil {
				return err
			}
		}
	}
	tick := time.NewTicker(SimulateEvery)
	defer tick.Stop()
	for {
		if err := sim.push(ctx, ts, time.Now()); err != nil && ctx.Err() == nil {
			logger.Warn("demo readings", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

type simulator struct {
	site   string
	chain  *power.Site
	points []dcim.SensorPoint
	racks  map[int64]string
	rng    *rand.Rand
}

// cycle is the share of its allocation a device draws at t: 0.70 before dawn to 0.95 mid-afternoon
// in Kuala Lumpur (UTC+8).
func cycle(t time.Time) float64 {
	h := float64(t.UTC().Add(8*time.Hour).Hour()) + float64(t.Minute())/60
	return 0.825 + 0.125*math.Sin(2*math.Pi*(h-9)/24)
}

// esc escapes a tag value or measurement for line protocol.
func esc(s string) string {
	return strings.NewReplacer(",", `\,`, " ", `\ `, "=", `\=`).Replace(s)
}

// push writes one round of readings stamped at.
func (s *simulator) push(ctx context.Context, ts *telemetry.Store, at time.Time) error {
	var b strings.Builder
	ms := at.UnixMilli()
	f := cycle(at)
	site := esc(s.site)
	noise := func() float64 { return 1 + (s.rng.Float64()-0.5)*0.06 }
	for _, d := range s.chain.Graph.Devices() {
		fmt.Fprintf(&b, "device_power_watts,site=%s,device=%s value=%.1f %d\n", site, esc(d.Name), d.AllocatedW*f*noise(), ms)
	}
	for _, kind := range []string{"rack-pdu", "ups"} {
		for _, n := range s.chain.Loads(power.Allocated, kind) {
			if !n.Alive {
				continue
			}
			k := noise()
			name := "pdu"
			if kind == "ups" {
				name = "ups"
			}
			node := esc(n.Node.Name)
			fmt.Fprintf(&b, "%s,site=%s,power_node=%s power_watts=%.1f %d\n", name, site, node, n.KW*1000*f*k, ms)
			for i, a := range n.Amps {
				fmt.Fprintf(&b, "%s_phase,site=%s,power_node=%s,phase=L%d current_amps=%.2f %d\n", name, site, node, i+1, a*f*k, ms)
			}
		}
	}
	for _, p := range s.points {
		if p.RackID == nil || p.Quantity != "temperature" || !strings.HasPrefix(p.Kind, "inlet") {
			continue
		}
		rack := s.racks[*p.RackID]
		t := 21.5 + 3*(f-0.7) + map[string]float64{"inlet-bottom": -0.8, "inlet-middle": 0, "inlet-top": 1.1}[p.Kind] + (s.rng.Float64()-0.5)*0.4
		if strings.HasSuffix(rack, "07") { // a couple of racks by a failing floor tile run warm
			t += 6.5
		}
		fmt.Fprintf(&b, "inlet_temperature_celsius,site=%s,rack=%s,point=%s value=%.2f %d\n", site, esc(rack), esc(p.Name), t, ms)
	}
	_, bad, err := ts.LineProtocol(ctx, strings.NewReader(b.String()), 1e6, at)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("demo readings: %v", bad[0])
	}
	return nil
}
