package telemetry

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/prometheus/promql"
)

// Measured peaks without rescanning a week of samples. For each site and kind (devices, power
// nodes) the store keeps every object's peak of each hour of the window, in a ring of hours. The
// first read fills it with one range query over the window (every sample read once); later reads
// query only what arrived since the last one, splitting at hour boundaries, and keep the higher of
// old and new (a peak is a maximum, so reading a sample twice changes nothing). A campus with
// 300,000 measured devices refreshed every minute reads a minute of samples, not a week.
//
// An object's peak is the highest of its hourly peaks. Its 95th percentile is that of its hourly
// peaks (linear interpolation, as PromQL's quantile): the level its hourly peaks exceeded in one
// hour in twenty. It is not the 95th percentile of the raw samples, which would need them all.
// Each object costs 4 bytes per hour of the window (about 700 bytes for a week).

// windowHours is the ring's length: the hours of MeasureWindow and the hour in progress.
const windowHours = int64(MeasureWindow/time.Hour) + 1

// peakTracker holds the hourly peaks of every site and kind read so far.
type peakTracker struct {
	mu    sync.Mutex
	sites map[peakKey]*hourlyPeaks
}

type peakKey struct {
	kind *peakKind
	site string
}

// hourlyPeaks is one site's and kind's ring of hourly peaks, by object name. Hour h (hours since
// the epoch) covers the samples after h and up to h+1 and is at slot h mod windowHours.
type hourlyPeaks struct {
	mu     sync.Mutex // held while refreshing
	upTo   time.Time  // samples up to here are in
	newest int64      // the newest hour in the ring
	byName map[string]*[windowHours]float32
}

// read refreshes the hourly peaks of kind k at site up to now, and gives each object's peak and
// 95th percentile over the window.
func (t *peakTracker) read(ctx context.Context, s *Store, k *peakKind, site string, now time.Time) (map[string]PowerPeak, error) {
	t.mu.Lock()
	if t.sites == nil {
		t.sites = map[peakKey]*hourlyPeaks{}
	}
	key := peakKey{k, site}
	hp := t.sites[key]
	if hp == nil {
		hp = &hourlyPeaks{byName: map[string]*[windowHours]float32{}}
		t.sites[key] = hp
	}
	t.mu.Unlock()

	hp.mu.Lock()
	defer hp.mu.Unlock()
	if err := hp.refresh(ctx, s, k, site, now); err != nil {
		return nil, err
	}
	return hp.summary(), nil
}

// hourOf is the hour whose samples include time t (in ms): the hour after which t falls, up to
// and including its end.
func hourOf(ms int64) int64 {
	return int64(math.Ceil(float64(ms)/float64(time.Hour.Milliseconds()))) - 1
}

// refresh brings the ring up to now.
func (hp *hourlyPeaks) refresh(ctx context.Context, s *Store, k *peakKind, site string, now time.Time) error {
	now = now.Truncate(time.Millisecond)
	if !now.After(hp.upTo) {
		return nil
	}
	from := hp.upTo
	hourMS := time.Hour.Milliseconds()
	if oldest := now.Add(-MeasureWindow); from.Before(oldest) {
		// Empty, or too old to be worth keeping: start again, with every whole hour of the window
		// in one range query.
		clear(hp.byName)
		hp.newest = hourOf(now.UnixMilli()) - windowHours
		from = time.UnixMilli((hourOf(oldest.UnixMilli()) + 1) * hourMS)
		last := time.UnixMilli((hourOf(now.UnixMilli())) * hourMS) // the start of the hour in progress
		if last.After(from) {
			if err := hp.rangeQuery(ctx, s, k, site, from.Add(time.Hour), last); err != nil {
				return err
			}
			from = last
		}
	}
	// What arrived since: one instant query per hour boundary crossed, and one up to now.
	for from.Before(now) {
		end := time.UnixMilli((hourOf(from.UnixMilli()+1) + 1) * hourMS)
		if end.After(now) {
			end = now
		}
		if err := hp.instantQuery(ctx, s, k, site, from, end); err != nil {
			return err
		}
		from = end
	}
	hp.upTo = now
	return nil
}

// selectors are the selectors of kind k's metrics at site.
func (k *peakKind) selectors(site string) []string {
	out := make([]string, len(k.metrics))
	for i, m := range k.metrics {
		out[i] = fmt.Sprintf(`%s{site=%q, %s!=""}`, m, site, k.label)
	}
	return out
}

// rangeQuery takes each whole hour's peak, for the hours ending from first to last.
func (hp *hourlyPeaks) rangeQuery(ctx context.Context, s *Store, k *peakKind, site string, first, last time.Time) error {
	for _, sel := range k.selectors(site) {
		q, err := s.engine.NewRangeQuery(ctx, s.db, promql.NewPrometheusQueryOpts(false, 0, nil), k.expr(sel, "1h"), first, last, time.Hour)
		if err != nil {
			return err
		}
		res := q.Exec(ctx)
		if res.Err != nil {
			q.Close()
			return res.Err
		}
		m, err := res.Matrix()
		if err != nil {
			q.Close()
			return err
		}
		for _, series := range m {
			name := series.Metric.Get(k.label)
			for _, p := range series.Floats {
				hp.put(name, hourOf(p.T), p.F)
			}
		}
		q.Close()
	}
	return nil
}

// instantQuery takes the peak of the samples after from and up to end, which lie in one hour.
func (hp *hourlyPeaks) instantQuery(ctx context.Context, s *Store, k *peakKind, site string, from, end time.Time) error {
	rng := fmt.Sprintf("%dms", end.Sub(from).Milliseconds())
	h := hourOf(end.UnixMilli())
	for _, sel := range k.selectors(site) {
		vec, err := s.instant(ctx, k.expr(sel, rng), end)
		if err != nil {
			return err
		}
		for _, smp := range vec {
			hp.put(smp.Metric.Get(k.label), h, smp.F)
		}
	}
	return nil
}

// put records v as a peak of name in hour h, moving the ring on when h is newer than it.
func (hp *hourlyPeaks) put(name string, h int64, v float64) {
	if math.IsNaN(v) || h <= hp.newest-windowHours {
		return
	}
	if h > hp.newest {
		for old := max(hp.newest+1, h-windowHours+1); old <= h; old++ {
			slot := old % windowHours
			for n, ring := range hp.byName {
				ring[slot] = float32(math.NaN())
				if empty(ring) {
					delete(hp.byName, n)
				}
			}
		}
		hp.newest = h
	}
	ring := hp.byName[name]
	if ring == nil {
		ring = new([windowHours]float32)
		for i := range ring {
			ring[i] = float32(math.NaN())
		}
		hp.byName[name] = ring
	}
	slot := h % windowHours
	if f := float32(v); math.IsNaN(float64(ring[slot])) || f > ring[slot] {
		ring[slot] = f
	}
}

func empty(ring *[windowHours]float32) bool {
	for _, v := range ring {
		if !math.IsNaN(float64(v)) {
			return false
		}
	}
	return true
}

// summary is each object's peak and the 95th percentile of its hourly peaks.
func (hp *hourlyPeaks) summary() map[string]PowerPeak {
	out := make(map[string]PowerPeak, len(hp.byName))
	var vals []float64
	for name, ring := range hp.byName {
		vals = vals[:0]
		for _, v := range ring {
			if !math.IsNaN(float64(v)) {
				vals = append(vals, float64(v))
			}
		}
		if len(vals) == 0 {
			continue
		}
		slices.Sort(vals)
		out[name] = PowerPeak{PeakW: vals[len(vals)-1], P95W: quantile(0.95, vals)}
	}
	return out
}

// quantile is the q-quantile of sorted values by linear interpolation between closest ranks, as
// PromQL's quantile_over_time computes it.
func quantile(q float64, sorted []float64) float64 {
	rank := q * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	hi := min(lo+1, len(sorted)-1)
	w := rank - float64(lo)
	return sorted[lo]*(1-w) + sorted[hi]*w
}
