package alert

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/plenum-dcim/plenum/internal/capacity"
)

// RoomOutlook is one room's history of a resource and the limit it runs out at: what the capacity
// forecast rule reads.
type RoomOutlook struct {
	Site, Room string
	Resource   string // "space" (units), "power" (kW against the feeds' budget), "cooling" (kW against the units' capacity)
	Unit       string // of the values and the limit
	Limit      float64
	Days       []capacity.DayValue // daily figures, in order
}

// OutlookSource gives every room's outlooks at now (the store, the capacity and the power chain).
type OutlookSource func(ctx context.Context, now time.Time) ([]RoomOutlook, error)

// forecastEvery is how often the forecast is worked out again: its figures are daily.
const forecastEvery = time.Hour

// CapacityForecast is a built-in rule: a room whose space, power or cooling runs out within
// horizon at the rate of the last weeks: a least-squares line through its daily figures (at least
// a week of them) from its newest value to its limit (see capacity.Forecast). Space is the units
// used against the units of its racks, replayed day by day from the change log; power is the daily
// peak of its IT meters against the power its racks' feeds may carry with redundancy honoured;
// cooling the same peak, as heat, against its cooling units' capacity with their redundancy held
// back. Labels: site, room, resource, and the limit; the value is the days left. Worked out once an
// hour, in the background after the first time, so that a cycle never waits for it.
func CapacityForecast(src OutlookSource, horizon time.Duration) Rule {
	f := &forecaster{src: src, horizon: horizon}
	return Rule{Group: "plenum", Name: "CapacityForecast", For: 0, Severity: "warning", Source: "builtin",
		Labels: map[string]string{"severity": "warning"},
		Annotations: map[string]string{
			"summary": `{{ $labels.room }}: {{ $labels.resource }} runs out in {{ printf "%.0f" $value }} days at the rate of the last weeks (limit {{ $labels.limit }})`,
		},
		Builtin: func(ctx context.Context, _ Querier, at time.Time) ([]Sample, error) { return f.samples(ctx, at) },
	}
}

type forecaster struct {
	src     OutlookSource
	horizon time.Duration

	mu      sync.Mutex
	at      time.Time // when last was worked out (for the cycle at at)
	last    []Sample
	done    bool // last holds a result
	running bool // a refresh is under way
}

// samples gives the forecast's alerts. The first is worked out in the cycle; later ones, once an
// hour, in the background (a campus's replay takes seconds), the cycle meanwhile carrying the last
// result forward.
func (f *forecaster) samples(ctx context.Context, at time.Time) ([]Sample, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done {
		out, err := f.work(ctx, at)
		if err != nil {
			return nil, err
		}
		f.at, f.last, f.done = at, out, true
		return out, nil
	}
	if !f.running && (at.Sub(f.at) >= forecastEvery || at.Before(f.at)) {
		f.running = true
		go func() { // ends with ctx (the runner's: the server's life)
			c, cancel := context.WithTimeout(ctx, forecastEvery)
			defer cancel()
			out, err := f.work(c, at)
			f.mu.Lock()
			defer f.mu.Unlock()
			f.running = false
			if err == nil { // a failed refresh keeps the last result; the next cycle tries again
				f.at, f.last = at, out
			} else {
				f.at = at.Add(-forecastEvery + time.Minute)
			}
		}()
	}
	return f.last, nil
}

// work reads the outlooks and lists the rooms running out within the horizon.
func (f *forecaster) work(ctx context.Context, at time.Time) ([]Sample, error) {
	outlooks, err := f.src(ctx, at)
	if err != nil {
		return nil, err
	}
	var out []Sample
	for _, o := range outlooks {
		if o.Limit <= 0 {
			continue
		}
		fc := capacity.Forecast(o.Days, o.Limit)
		if fc.DaysLeft == nil || math.IsNaN(*fc.DaysLeft) || *fc.DaysLeft*24*float64(time.Hour) > float64(f.horizon) {
			continue
		}
		out = append(out, Sample{Labels: map[string]string{"site": o.Site, "room": o.Room, "resource": o.Resource,
			"limit": fmt.Sprintf("%.4g %s", o.Limit, o.Unit)}, Value: *fc.DaysLeft})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Labels, out[j].Labels
		return a["site"]+"\x00"+a["room"]+"\x00"+a["resource"] < b["site"]+"\x00"+b["room"]+"\x00"+b["resource"]
	})
	return out, nil
}
