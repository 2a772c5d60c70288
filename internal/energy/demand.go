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
	return PeakWindow([][]Hour{CounterWindows(samples, from, to, window, o)}, window)
}

// CounterWindows is CounterHours for aligned windows of any width from `from`: the energy of each,
// its gap time, and whether its split is a guess.
func CounterWindows(samples []Sample, from, to int64, window time.Duration, o CounterOptions) []Hour {
	w := window.Milliseconds()
	if w <= 0 {
		return nil
	}
	s := newSpread(from, to, w)
	s.counter(samples, o)
	return s.hours(false)
}

// PeakWindow is the highest average power (kW) of several meters' windows added up window by
// window (all aligned alike, as CounterWindows gives them): the demand of what they feed together.
// A window where any meter has a gap or a guessed split is skipped and counted, as in MaxDemand.
func PeakWindow(meters [][]Hour, window time.Duration) (kw float64, at int64, skipped int) {
	if len(meters) == 0 || window <= 0 {
		return 0, 0, 0
	}
	hours := window.Hours()
	found := false
	for k := range meters[0] {
		sum, ok := 0.0, true
		for _, m := range meters {
			if k >= len(m) || m[k].GapMS > 0 || m[k].Estimated {
				ok = false
				break
			}
			sum += m[k].Value
		}
		if !ok {
			skipped++
			continue
		}
		if p := sum / hours; !found || p > kw {
			kw, at, found = p, meters[0][k].Start, true
		}
	}
	return kw, at, skipped
}
