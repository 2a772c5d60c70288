// Package energy turns meter readings into energy per period and period totals into the KPIs of
// ISO/IEC 30134 (PUE, DCiE, ERF, ERE, REF, WUE, CUE) and billing's maximum demand. It is pure: no
// I/O, no store; callers pass readings in and get figures out.
//
// A cumulative counter (kWh, or litres of water) is read as intervals between consecutive
// readings a and b. The interval's energy is b.V−a.V unless the value dropped; then, in order:
//   - a recorded meter swap in (a.T, b.T] splits it: (Old−a.V) + (b.V−New). A swap applies even
//     when the value did not drop (a new meter may start higher). Each part follows the rules below;
//     a swap at a reading's time comes before it (the reading is the new meter's).
//   - a.V ≥ 0.9·Max (Max > 0): the register rolled over, (Max−a.V) + b.V.
//   - otherwise the counter was reset to zero: b.V, and a reset is counted where the interval ends.
//
// The energy is spread over (a.T, b.T] in proportion to time, so a gap between readings of a
// counter loses nothing in total. But readings further apart than MaxGap leave the split a
// guess: the periods they span are Estimated and the time they cover counts as GapMS. Time before
// the first reading or after the last has no energy, counts as GapMS and is never filled.
// Readings outside the requested range still end intervals that reach into it. NaN (and
// infinite) readings are skipped as missing; a reading earlier than the one before it is
// skipped as out of order.
//
// Power (W) is integrated instead (PowerHours): trapezoids between readings no more than maxGap
// apart, always Estimated; longer intervals are gaps and are not filled, since power says
// nothing about what happened between readings.
package energy

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Sample is a meter reading: milliseconds since the epoch and a value (a cumulative counter's kWh or litres, or power in W).
type Sample struct {
	T int64
	V float64
}

// Swap records a meter replaced between readings: at T the old meter's last value Old, the new one's first value New.
type Swap struct {
	T        int64
	Old, New float64
}

// Hour is one hour of one meter.
type Hour struct {
	Start     int64   // unix ms, hour aligned (UTC)
	Value     float64 // kWh (or L) attributed to the hour
	Estimated bool    // integrated from power, or spread over a gap between readings
	GapMS     int64   // time of the hour not covered by readings close enough together
	Resets    int     // counter resets seen in the hour (a drop that is neither a rollover nor a recorded swap)
}

// CounterOptions say how to read a counter.
type CounterOptions struct {
	Max    float64       // the counter wraps to 0 past Max (a register's capacity); 0: it never wraps
	Swaps  []Swap        // in any order
	MaxGap time.Duration // readings further apart are a gap (default 15 minutes)
}

// DefaultMaxGap is the MaxGap of a zero CounterOptions: three missed 5-minute polls, and the
// 15-minute data that PUE category 3 asks for.
const DefaultMaxGap = 15 * time.Minute

// rolloverFrom is the fraction of Max above which a drop is read as a rollover: a reset near the
// top of the register is far less likely than the register wrapping.
const rolloverFrom = 0.9

const hourMS = int64(time.Hour / time.Millisecond)

// CounterHours gives the hours from `from` to `to` (unix ms, hour aligned, to exclusive), one Hour
// per hour, from samples in time order, by the rules of the package comment. A reset (or a
// zero-length interval) is counted in the hour holding the interval's end: a reading at exactly
// 13:00 closes the 12:00 hour, as its energy does.
func CounterHours(samples []Sample, from, to int64, o CounterOptions) []Hour {
	s := newSpread(from, to, hourMS)
	s.counter(samples, o)
	return s.hours(false)
}

// PowerHours integrates power samples (W) into kWh per hour (trapezoid between consecutive samples
// no more than maxGap apart, default 15 minutes), every hour with integrated time marked Estimated;
// intervals longer than maxGap are gaps, never filled. The trapezoid is split at hour boundaries
// along the straight line between the two readings, not in proportion to time.
func PowerHours(samples []Sample, from, to int64, maxGap time.Duration) []Hour {
	s := newSpread(from, to, hourMS)
	gap := gapMS(maxGap)
	var prev Sample
	have := false
	for _, b := range samples {
		if !finite(b.V) || (have && b.T < prev.T) {
			continue
		}
		if have && b.T-prev.T <= gap {
			d := b.T - prev.T
			// W·ms to kWh: 1 kWh = 1,000 W × 3,600,000 ms.
			e := (prev.V + b.V) / 2 * float64(d) / 3.6e9
			s.add(interval{a: prev.T, b: b.T, e: e, w0: prev.V, w1: b.V})
		}
		prev, have = b, true
	}
	return s.hours(true)
}

// interval is the energy between two readings, to be spread over (a, b].
type interval struct {
	a, b   int64
	e      float64
	w0, w1 float64 // density of the energy at a and at b, relative; equal: uniform over time
	long   bool    // readings further apart than MaxGap: attribution is a guess
	resets int
}

// spread holds aligned buckets of width w from `from`; during spreading a bucket's GapMS holds the
// time covered, turned into the time not covered by hours.
type spread struct {
	from, w int64
	b       []Hour
}

func newSpread(from, to, w int64) *spread {
	n := 0
	if w > 0 && to > from {
		n = int((to - from) / w)
	}
	b := make([]Hour, n)
	for k := range b {
		b[k].Start = from + int64(k)*w
	}
	return &spread{from: from, w: w, b: b}
}

// bucket is the index of the bucket holding t (possibly out of range).
func (s *spread) bucket(t int64) int64 {
	d := t - s.from
	k := d / s.w
	if d%s.w != 0 && d < 0 {
		k--
	}
	return k
}

// add spreads one interval over the buckets it spans. The share of a bucket is the interval's
// energy times the fraction of the density's integral that falls in it, so the shares sum to e.
func (s *spread) add(iv interval) {
	n := int64(len(s.b))
	d := iv.b - iv.a
	last := s.bucket(iv.b - 1) // (a, b]: the bucket of b's last millisecond
	if last >= 0 && last < n {
		s.b[last].Resets += iv.resets
	}
	if d == 0 {
		if last >= 0 && last < n {
			s.b[last].Value += iv.e
		}
		return
	}
	first := s.bucket(iv.a)
	if first == last { // the common case: readings well inside one bucket
		if first >= 0 && first < n {
			h := &s.b[first]
			h.Value += iv.e
			if iv.long {
				h.Estimated = true
			} else {
				h.GapMS += d
			}
		}
		return
	}
	lo, hi := max(first, 0), min(last, n-1)
	for k := lo; k <= hi; k++ {
		start := s.from + k*s.w
		x0, x1 := max(iv.a, start), min(iv.b, start+s.w)
		h := &s.b[k]
		h.Value += iv.e * (iv.frac(x1) - iv.frac(x0))
		if iv.long {
			h.Estimated = true
		} else {
			h.GapMS += x1 - x0
		}
	}
}

// frac is the fraction of the interval's energy in (a, x]: the integral of a density going
// straight from w0 at a to w1 at b, over its whole integral.
func (iv interval) frac(x int64) float64 {
	switch {
	case x <= iv.a:
		return 0
	case x >= iv.b:
		return 1
	}
	u := float64(x-iv.a) / float64(iv.b-iv.a)
	if iv.w0 == iv.w1 {
		return u
	}
	return (iv.w0*u + (iv.w1-iv.w0)*u*u/2) / ((iv.w0 + iv.w1) / 2)
}

// hours turns covered time into GapMS; power marks every hour with integrated time Estimated.
func (s *spread) hours(power bool) []Hour {
	for k := range s.b {
		h := &s.b[k]
		if power && (h.GapMS > 0 || h.Value != 0) {
			h.Estimated = true
		}
		h.GapMS = s.w - h.GapMS
	}
	return s.b
}

// counter spreads a cumulative counter's intervals.
func (s *spread) counter(samples []Sample, o CounterOptions) {
	gap := gapMS(o.MaxGap)
	swaps := o.Swaps
	if !slices.IsSortedFunc(swaps, bySwapTime) {
		swaps = slices.SortedFunc(slices.Values(swaps), bySwapTime)
	}
	si := 0
	var a Sample
	have := false
	for _, b := range samples {
		if !finite(b.V) || (have && b.T < a.T) {
			continue
		}
		if !have {
			a, have = b, true
			continue
		}
		for si < len(swaps) && swaps[si].T <= a.T {
			si++
		}
		iv := interval{a: a.T, b: b.T, w0: 1, w1: 1, long: b.T-a.T > gap}
		from := a.V
		for ; si < len(swaps) && swaps[si].T <= b.T; si++ {
			iv.add(counterDelta(from, swaps[si].Old, o.Max))
			from = swaps[si].New
		}
		iv.add(counterDelta(from, b.V, o.Max))
		s.add(iv)
		a = b
	}
}

func (iv *interval) add(e float64, reset bool) {
	iv.e += e
	if reset {
		iv.resets++
	}
}

// counterDelta is the energy between counter values x and a later y of the same meter.
func counterDelta(x, y, top float64) (e float64, reset bool) {
	switch {
	case y >= x:
		return y - x, false
	case top > 0 && x >= rolloverFrom*top:
		return top - x + y, false
	}
	return y, true
}

func bySwapTime(a, b Swap) int { return cmp.Compare(a.T, b.T) }

func gapMS(d time.Duration) int64 {
	if d <= 0 {
		d = DefaultMaxGap
	}
	return d.Milliseconds()
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
