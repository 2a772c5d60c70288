package capacity

import (
	"time"
)

// DayValue is one day's figure of a room: its peak power, its units used.
type DayValue struct {
	Day time.Time
	V   float64
}

// MinTrendDays is the history a trend needs before a line through it means anything: a week.
const MinTrendDays = 7

// Slope is the least-squares slope of ys over xs.
func Slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx, sy, sxx, sxy = sx+xs[i], sy+ys[i], sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

// Outlook is a forecast of one figure against its limit: its trend per day, and when the line
// drawn from its last value at that slope reaches the limit.
type Outlook struct {
	Last     float64  // the newest day's value
	PerDay   float64  // the least-squares slope, per day
	DaysLeft *float64 // days from the newest day until the limit is reached; nil when not rising, or with too little history
	Days     int      // days of history
}

// Forecast fits a line to days (in time order) and gives when it reaches limit. With fewer than
// MinTrendDays days, or a line that does not rise, there is no date; a figure already at or past
// its limit has 0 days left.
func Forecast(days []DayValue, limit float64) Outlook {
	o := Outlook{Days: len(days)}
	if len(days) == 0 {
		return o
	}
	o.Last = days[len(days)-1].V
	if len(days) < MinTrendDays {
		return o
	}
	xs, ys := make([]float64, len(days)), make([]float64, len(days))
	for i, d := range days {
		xs[i], ys[i] = d.Day.Sub(days[0].Day).Hours()/24, d.V
	}
	o.PerDay = Slope(xs, ys)
	switch {
	case o.Last >= limit:
		zero := 0.0
		o.DaysLeft = &zero
	case o.PerDay > 0:
		left := (limit - o.Last) / o.PerDay
		o.DaysLeft = &left
	}
	return o
}
