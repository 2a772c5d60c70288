package energy

import "time"

// MaxDemand is the highest average power (kW) over any aligned window of `window` (e.g. 30
// minutes) in [from,to), from a cumulative kWh counter's samples (energy in the window ÷ window
// length), using the same interval rules as CounterHours; windows not fully covered by readings no
// more than MaxGap apart are skipped. It returns the kW, the window's start, and how many windows
// were skipped.
//
// Windows start at from, from+window, …; a last window that does not fit before `to` is not one.
// A tariff's demand is what was drawn, so a window the readings do not pin down (a gap, a spread
// guess) is skipped rather than counted: a skipped window could hide the true maximum, which is
// why the count is returned. Ties go to the earliest window; with no window left, kw and at are 0.
func MaxDemand(samples []Sample, from, to int64, window time.Duration, o CounterOptions) (kw float64, at int64, skipped int) {
	w := window.Milliseconds()
	if w <= 0 {
		return 0, 0, 0
	}
	s := newSpread(from, to, w)
	s.counter(samples, o)
	hours := window.Hours()
	found := false
	for _, b := range s.hours(false) {
		if b.GapMS > 0 || b.Estimated {
			skipped++
			continue
		}
		if p := b.Value / hours; !found || p > kw {
			kw, at, found = p, b.Start, true
		}
	}
	return kw, at, skipped
}
