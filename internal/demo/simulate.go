package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// The demo's telemetry simulator: readings for the demo facility, pushed through the same
// line-protocol ingest the /write endpoint uses, so that live values, history and measured loads
// exist out of the box. Every device draws its allocation shaped by a daily cycle (lowest before
// dawn, highest mid-afternoon, Malaysian time) with a little noise; the rack PDUs and UPSes carry
// what the power chain says their devices put on them, line by line; every rack inlet sensor reads
// a temperature that follows the load, a couple of racks running warm. The meters' counters follow
// the plant model of meters.go, with two months of history, so that the energy KPIs are there too.

// SimulateEvery is how often the simulator pushes readings.
const SimulateEvery = 15 * time.Second

// MeterHistory is how far back the meters' counters go on a fresh store: 62 days, so that the
// last full month's KPIs are there out of the box whatever the day. (Three months would be nicer,
// but the store compacts its head into a block per two hours of history, and at 90 days that
// work held a two-core machine for most of a minute after start.)
const MeterHistory = 62 * 24 * time.Hour

// historyStep is the meters' reading interval in the history before the last day: the longest
// that PUE category 3 allows (15-minute data), and a third of the samples five minutes would be.
const historyStep = 15 * time.Minute

// Simulate pushes the demo facility's readings every SimulateEvery until ctx is done. On a store
// without them it first writes the history (see Backfill); on one with them it carries the
// meters' counters on from their last values, through the time it was not running.
func Simulate(ctx context.Context, st *store.Store, ts *telemetry.Store, logger interface{ Warn(string, ...any) }) error {
	return SimulateThen(ctx, st, ts, logger, nil)
}

// SimulateThen is Simulate, calling written (when not nil) once the history is in, the readings
// current and the meters rolled up (or rollWait gone by): what reads them as live (the alert
// rules) waits for it, so that a series half-way through its history is not taken for one that
// stopped, nor a meter not yet rolled up for one with a gap.
func SimulateThen(ctx context.Context, st *store.Store, ts *telemetry.Store, logger interface{ Warn(string, ...any) }, written func()) error {
	sim, err := newSimulator(ctx, st)
	if err != nil {
		return err
	}
	now := time.Now()
	rolled := make(chan struct{})
	if have, err := ts.DevicePowers(ctx, sim.site, now); err == nil && len(have) == 0 {
		if err := sim.backfill(ctx, ts, now, MeterHistory); err != nil {
			return err
		}
		// The roll-up of the history takes a while (seconds): the readings go on meanwhile.
		go func() {
			defer close(rolled)
			if err := sim.roll(ctx, st, ts, now); err != nil && ctx.Err() == nil {
				logger.Warn("demo meters' roll-up", "error", err)
			}
		}()
	} else {
		close(rolled)
		if err := sim.resume(ctx, ts, now); err != nil {
			return err
		}
	}
	tick := time.NewTicker(SimulateEvery)
	defer tick.Stop()
	for {
		if err := sim.push(ctx, ts, time.Now()); err != nil && ctx.Err() == nil {
			logger.Warn("demo readings", "error", err)
		}
		if written != nil && (isClosed(rolled) || time.Since(now) >= rollWait) {
			written()
			written = nil
		}
		select {
		case <-ctx.Done():
			<-rolled
			return nil
		case <-tick.C:
		}
	}
}

// rollWait is how long SimulateThen's written waits for the meters' roll-up of the history, at
// most: on a busy machine it takes minutes, and the alert rules should not wait that long (a meter
// not yet rolled up may then go pending as gapped, and drop when the roll-up reaches it).
const rollWait = 30 * time.Second

// isClosed reports whether ch is closed, without waiting.
func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Backfill writes the demo's history into a store that has none, up to now: the meters' counters
// over history at 15-minute steps, then the last day of every reading at one-minute steps. It
// then rolls the demo's meters up, so that their KPIs are there at once rather than at the
// server's next round.
func Backfill(ctx context.Context, st *store.Store, ts *telemetry.Store, now time.Time, history time.Duration) error {
	sim, err := newSimulator(ctx, st)
	if err != nil {
		return err
	}
	if err := sim.backfill(ctx, ts, now, history); err != nil {
		return err
	}
	return sim.roll(ctx, st, ts, now)
}

func newSimulator(ctx context.Context, st *store.Store) (*simulator, error) {
	sites, err := st.Sites().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"name": {SiteName}}})
	if err != nil || len(sites.Results) == 0 {
		return nil, fmt.Errorf("demo site: %v", err)
	}
	site := sites.Results[0]
	model, err := st.PowerModel(ctx, site.ID)
	if err != nil {
		return nil, err
	}
	chain, err := power.BuildSite(model, nil)
	if err != nil {
		return nil, err
	}
	bySite := dcim.ListQuery{Limit: dcim.MaxLimit, Filters: map[string][]string{"site_id": {fmt.Sprint(site.ID)}}}
	points, err := st.SensorPoints().List(ctx, bySite)
	if err != nil {
		return nil, err
	}
	racks, err := st.Racks().List(ctx, bySite)
	if err != nil {
		return nil, err
	}
	units, err := st.CoolingUnits().List(ctx, bySite)
	if err != nil {
		return nil, err
	}
	meters, err := st.SiteMeters(ctx, site.ID)
	if err != nil {
		return nil, err
	}
	rackName := map[int64]string{}
	for _, r := range racks.Results {
		rackName[r.ID] = r.Name
	}
	s := &simulator{site: site.Name, siteID: site.ID, meters: newMeterModel(meters, chain, units.Results), rng: rand.New(rand.NewPCG(1, 2))}
	s.readings(chain, points.Results, rackName)
	return s, nil
}

// backfill writes the history (see Backfill).
func (s *simulator) backfill(ctx context.Context, ts *telemetry.Store, now time.Time, history time.Duration) error {
	day := now.Add(-24 * time.Hour)
	start := now.Add(-max(history, 24*time.Hour)).Truncate(historyStep)
	s.metersAt, s.historyFrom = start, start
	// The counters alone up to the last day, in bodies of about a megabyte (a day or so of every
	// meter), every series in time order as the store wants them.
	var b []byte
	for at := start; at.Before(day) && ctx.Err() == nil; at = at.Add(historyStep) {
		s.meters.advance(s.metersAt, at)
		s.metersAt, s.metersWrote = at, at
		b = s.meters.write(b, at.UnixMilli())
		if next := at.Add(historyStep); len(b) > 1<<20 || !next.Before(day) {
			if err := s.store(ctx, ts, b, at); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	for at := day; at.Before(now) && ctx.Err() == nil; at = at.Add(time.Minute) {
		if err := s.push(ctx, ts, at); err != nil {
			return err
		}
	}
	return nil
}

// roll rolls the demo's meters up to now.
func (s *simulator) roll(ctx context.Context, st *store.Store, ts *telemetry.Store, now time.Time) error {
	// The server's first round may have rolled the meters up, or may still be rolling them,
	// while the history was being written: a meter it found with part of the history gets the
	// hours after that part as gaps, and its later rounds go on from the newest hour rolled, not
	// back. So roll the meters up as if never rolled (which rewrites their hours whole), then
	// look for hours of the history left with gaps and roll those meters again, until two looks
	// a second apart find none. (No further back than the history: every chunk of a meter before
	// its first reading costs a query.)
	// Whole hours: the roller starts that far before an hour, at an hour.
	back := (now.Sub(s.historyFrom) + 2*time.Hour).Truncate(time.Hour)
	r := energy.Roller{Meters: unrolled{st}, Series: ts, Backfill: back}
	meters, err := st.SiteMeters(ctx, s.siteID)
	if err != nil {
		return err
	}
	from := s.historyFrom.Truncate(time.Hour).Add(time.Hour)
	to := now.Add(-time.Hour).Truncate(time.Hour)
	hours := int(to.Sub(from) / time.Hour)
	todo, clean := meters, 0
	for round := 0; round < 20 && clean < 2; round++ {
		if round > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
		}
		var errs []error
		for i := range todo {
			if err := r.RollMeter(ctx, &todo[i], now); err != nil {
				errs = append(errs, fmt.Errorf("meter %q: %w", todo[i].Name, err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		totals, err := st.MeterTotals(ctx, s.siteID, from, to)
		if err != nil {
			return err
		}
		todo = nil
		for _, m := range meters {
			if t := totals[m.ID]; t.GapMS > 0 || t.Hours < hours {
				todo = append(todo, m)
			}
		}
		if len(todo) == 0 {
			clean++
		} else {
			clean = 0
		}
	}
	return nil
}

// unrolled is the store, but every meter reads as never rolled up.
type unrolled struct{ *store.Store }

func (unrolled) LastMeterHour(context.Context, int64) (time.Time, bool, error) {
	return time.Time{}, false, nil
}

// resume carries the meters' counters on from their last values in ts (from 0 where a meter has
// none): the next push adds what the plant used meanwhile.
func (s *simulator) resume(ctx context.Context, ts *telemetry.Store, now time.Time) error {
	var last time.Time
	for _, sm := range s.meters.meters {
		sel := meterSelector(sm.metric, sm.name)
		var t int64
		for _, back := range []time.Duration{48 * time.Hour, telemetry.DefaultRetention} {
			err := ts.EachSample(ctx, sel, now.Add(-back), now, func(_ int, at int64, v float64) {
				if at >= t {
					t, sm.value = at, v
				}
			})
			if err != nil {
				return err
			}
			if t > 0 {
				break
			}
		}
		if at := time.UnixMilli(t); t > 0 && at.After(last) {
			last = at
		}
	}
	if last.IsZero() {
		last = now
	}
	s.metersAt, s.metersWrote = last, last
	return nil
}

type simulator struct {
	site    string
	siteID  int64
	devices []reading // device power: the allocation, W
	nodes   []nodeReadings
	inlets  []reading // inlet temperatures: the value at the lowest load, °C
	meters  *meterModel
	// metersAt is how far the counters have run; metersWrote when they were last written;
	// historyFrom where the history backfilled starts.
	metersAt, metersWrote, historyFrom time.Time
	rng                                *rand.Rand
	buf                                []byte
}

// reading is one series the simulator writes: the start of its line (series and field), a base
// value, and the digits it is written with.
type reading struct {
	line   string
	base   float64
	digits int
}

// nodeReadings are a rack PDU's or UPS's power and its lines' currents, which move together.
type nodeReadings struct {
	power  reading
	phases []reading
}

// readings lays out the series of the devices, rack PDUs, UPSes and inlet sensors.
func (s *simulator) readings(chain *power.Site, points []dcim.SensorPoint, racks map[int64]string) {
	site := esc(s.site)
	for _, d := range chain.Graph.Devices() {
		s.devices = append(s.devices, reading{"device_power_watts,site=" + site + ",device=" + esc(d.Name) + " value=", d.AllocatedW, 1})
	}
	for _, kind := range []string{"rack-pdu", "ups"} {
		name := "pdu"
		if kind == "ups" {
			name = "ups"
		}
		for _, n := range chain.Loads(power.Allocated, kind) {
			if !n.Alive {
				continue
			}
			series := ",site=" + site + ",power_node=" + esc(n.Node.Name)
			nr := nodeReadings{power: reading{name + series + " power_watts=", n.KW * 1000, 1}}
			for i, a := range n.Amps {
				nr.phases = append(nr.phases, reading{fmt.Sprintf("%s_phase%s,phase=L%d current_amps=", name, series, i+1), a, 2})
			}
			s.nodes = append(s.nodes, nr)
		}
	}
	for _, p := range points {
		if p.RackID == nil || p.Quantity != "temperature" || !strings.HasPrefix(p.Kind, "inlet") {
			continue
		}
		rack := racks[*p.RackID]
		t := 21.5 + map[string]float64{"inlet-bottom": -0.8, "inlet-middle": 0, "inlet-top": 1.1}[p.Kind]
		if strings.HasSuffix(rack, "07") { // a couple of racks by a failing floor tile run warm
			t += 6.5
		}
		// Labelled as a poller labels a sensor point's readings, so the envelope rules find them.
		s.inlets = append(s.inlets, reading{"inlet_temperature_celsius,site=" + site + ",rack=" + esc(rack) + ",sensor_point=" + esc(p.Name) + " value=", t, 2})
	}
}

// appendLine appends r's line with value v, stamped ms.
func appendLine(b []byte, r *reading, v float64, ms int64) []byte {
	b = append(b, r.line...)
	b = strconv.AppendFloat(b, v, 'f', r.digits, 64)
	b = append(b, ' ')
	b = strconv.AppendInt(b, ms, 10)
	return append(b, '\n')
}

// cycle is the share of its allocation a device draws at t: 0.70 before dawn to 0.95 mid-afternoon
// in Kuala Lumpur (UTC+8).
func cycle(t time.Time) float64 {
	h := float64(t.UTC().Add(8*time.Hour).Hour()) + float64(t.Minute())/60
	return 0.825 + 0.125*math.Sin(2*math.Pi*(h-9)/24)
}

// esc escapes a tag value or measurement for line protocol.
func esc(s string) string { return escaper.Replace(s) }

var escaper = strings.NewReplacer(",", `\,`, " ", `\ `, "=", `\=`)

// push writes one round of readings stamped at.
func (s *simulator) push(ctx context.Context, ts *telemetry.Store, at time.Time) error {
	b := s.buf[:0]
	ms := at.UnixMilli()
	f := cycle(at)
	noise := func() float64 { return 1 + (s.rng.Float64()-0.5)*0.06 }
	for i := range s.devices {
		b = appendLine(b, &s.devices[i], s.devices[i].base*f*noise(), ms)
	}
	for _, n := range s.nodes {
		k := noise()
		b = appendLine(b, &n.power, n.power.base*f*k, ms)
		for i := range n.phases {
			b = appendLine(b, &n.phases[i], n.phases[i].base*f*k, ms)
		}
	}
	for i := range s.inlets {
		b = appendLine(b, &s.inlets[i], s.inlets[i].base+3*(f-0.7)+(s.rng.Float64()-0.5)*0.4, ms)
	}
	// The meters' counters run on all the time and are read once a minute.
	if at.After(s.metersAt) {
		s.meters.advance(s.metersAt, at)
		s.metersAt = at
	}
	if !at.Before(s.metersWrote.Add(time.Minute)) {
		b = s.meters.write(b, ms)
		s.metersWrote = at
	}
	s.buf = b
	return s.store(ctx, ts, b, at)
}

// store writes a body of readings.
func (s *simulator) store(ctx context.Context, ts *telemetry.Store, body []byte, at time.Time) error {
	_, bad, err := ts.LineProtocol(ctx, bytes.NewReader(body), 1e6, at)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("demo readings: %v", bad[0])
	}
	return nil
}
