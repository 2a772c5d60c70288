package energy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Roll-ups. Each meter's readings become one row per hour in SQL (dcim.MeterHour), so that a
// year of reports reads 8,760 rows a meter and never the raw samples. A meter is rolled up from
// the newest hour some reading covered (so that readings arriving after a gap complete the hours
// they reach back into) to the last hour older than Settle. A meter never rolled up starts at its
// first reading, at most Backfill ago. Changing a meter's readings, swaps or series makes the
// store forget its hours from there, and the next round rolls them again.
//
// In the rows, estimated means integrated from power (energy not metered); the hours a counter's
// energy was spread over between readings far apart carry it as gap time instead, since the
// energy itself is exact.

// MeterStore is what the roll-up needs of the inventory.
type MeterStore interface {
	SiteMeters(ctx context.Context, siteID int64) ([]dcim.Meter, error)
	// LastMeterHour is the newest hour rolled up that some reading covered.
	LastMeterHour(ctx context.Context, id int64) (time.Time, bool, error)
	SaveMeterHours(ctx context.Context, id int64, hours []dcim.MeterHour) error
	// MeterEvents are the manual readings and swaps from the last before from to the first after to.
	MeterEvents(ctx context.Context, id int64, from, to time.Time) ([]dcim.MeterReading, error)
}

// SampleSource gives the raw samples of the series a selector matches, from from to to
// inclusive: each with its series' number (from 0), each series in time order.
type SampleSource interface {
	EachSample(ctx context.Context, selector string, from, to time.Time, fn func(series int, t int64, v float64)) error
}

// Roller rolls meters up into hours.
type Roller struct {
	Meters MeterStore
	Series SampleSource // nil: meters reading series are left alone
	// Backfill is how far back a meter never rolled up may start (default 400 days, the store's
	// retention); Settle is how long an hour is left for late readings (default 10 minutes, the
	// store's out-of-order window); Lookback is how far before an hour the reading that opens
	// its first interval is looked for (default a day).
	Backfill, Settle, Lookback time.Duration
}

// chunk is the most hours rolled up in one pass of a meter.
const chunk = 7 * 24 * time.Hour

// MeterError is a meter that could not be rolled up, and why.
type MeterError struct {
	Meter dcim.ObjectRef
	Err   error
}

func (e *MeterError) Error() string { return fmt.Sprintf("meter %q: %v", e.Meter.Name, e.Err) }
func (e *MeterError) Unwrap() error { return e.Err }

// Roll rolls up every meter of site (all sites when 0) to now. A meter that fails (a selector the
// store refuses) does not stop the others: their errors are joined in the result.
func (r *Roller) Roll(ctx context.Context, siteID int64, now time.Time) error {
	meters, err := r.Meters.SiteMeters(ctx, siteID)
	if err != nil {
		return err
	}
	var errs []error
	for i := range meters {
		if err := r.RollMeter(ctx, &meters[i], now); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, &MeterError{Meter: dcim.ObjectRef{Type: dcim.TypeMeter, ID: meters[i].ID, Name: meters[i].Name}, Err: err})
		}
	}
	return errors.Join(errs...)
}

func (r *Roller) durations() (backfill, settle, lookback time.Duration) {
	backfill, settle, lookback = r.Backfill, r.Settle, r.Lookback
	if backfill <= 0 {
		backfill = 400 * 24 * time.Hour
	}
	if settle <= 0 {
		settle = 10 * time.Minute
	}
	if lookback <= 0 {
		lookback = 24 * time.Hour
	}
	return
}

// RollMeter rolls one meter up to now.
func (r *Roller) RollMeter(ctx context.Context, m *dcim.Meter, now time.Time) error {
	if m.Source == "series" && r.Series == nil {
		return nil
	}
	backfill, settle, lookback := r.durations()
	end := now.Add(-settle).UTC().Truncate(time.Hour)
	backfill = backfill.Truncate(time.Hour) // whole hours: rows start on the hour
	start, ok, err := r.Meters.LastMeterHour(ctx, m.ID)
	if err != nil {
		return err
	}
	if !ok || start.Before(end.Add(-backfill)) {
		start = end.Add(-backfill)
	}
	if !ok && m.Source == "manual" { // start at its first reading, if it has one
		evs, err := r.Meters.MeterEvents(ctx, m.ID, start, end)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(evs, func(e dcim.MeterReading) bool { return e.Kind == "reading" && !e.At.Before(start) })
		if i < 0 {
			return nil
		}
		start = evs[i].At.UTC().Truncate(time.Hour)
	}
	for from := start; from.Before(end); from = from.Add(chunk) {
		to := from.Add(chunk)
		if to.After(end) {
			to = end
		}
		hours, first, err := r.hours(ctx, m, from, to, lookback)
		if err != nil {
			return err
		}
		if first > to.UnixMilli() {
			// No reading at all: nothing to write. The hours stay missing, which reports them as
			// such, and hours rolled up before (from readings since gone) are not overwritten.
			continue
		}
		if !ok {
			// The meter's first hours: start where its readings do.
			for len(hours) > 0 && hours[0].Start+hourMS <= first {
				hours = hours[1:]
			}
			ok = true
		}
		rows := make([]dcim.MeterHour, len(hours))
		for i, h := range hours {
			rows[i] = dcim.MeterHour{MeterID: m.ID, Hour: time.UnixMilli(h.Start).UTC(), Value: h.Value * m.Multiplier,
				Estimated: m.Quantity == "power" && h.Estimated, GapMS: h.GapMS, Resets: h.Resets}
		}
		if err := r.Meters.SaveMeterHours(ctx, m.ID, rows); err != nil {
			return err
		}
	}
	return nil
}

// hours computes meter m's hours in [from, to), with the time of its first reading (math.MaxInt64
// when it has none up to to).
func (r *Roller) hours(ctx context.Context, m *dcim.Meter, from, to time.Time, lookback time.Duration) ([]Hour, int64, error) {
	events, err := r.Meters.MeterEvents(ctx, m.ID, from, to)
	if err != nil {
		return nil, 0, err
	}
	opts := meterOptions(m, events)
	var readings []Sample
	for _, e := range events {
		if e.Kind != "swap" {
			readings = append(readings, Sample{T: e.At.UnixMilli(), V: e.Value})
		}
	}
	f, t := from.UnixMilli(), to.UnixMilli()
	first := int64(1<<63 - 1)
	if m.Source == "manual" {
		if len(readings) > 0 {
			first = readings[0].T
		}
		return CounterHours(readings, f, t, opts), first, nil
	}
	series, err := seriesOf(ctx, r.Series, m.Series, from.Add(-lookback), to)
	if err != nil {
		return nil, 0, err
	}
	var sum []Hour
	for _, ss := range series {
		if len(ss) > 0 {
			first = min(first, ss[0].T)
		}
		var hs []Hour
		if m.Quantity == "power" {
			hs = PowerHours(ss, f, t, 0)
		} else {
			hs = CounterHours(ss, f, t, opts)
		}
		if sum == nil {
			sum = hs
			continue
		}
		for i := range sum { // the series of one meter (its phases) add up, hour by hour
			sum[i].Value += hs[i].Value
			sum[i].Estimated = sum[i].Estimated || hs[i].Estimated
			sum[i].GapMS = max(sum[i].GapMS, hs[i].GapMS)
			sum[i].Resets += hs[i].Resets
		}
	}
	if sum == nil {
		sum = CounterHours(nil, f, t, opts) // no series: every hour a gap
	}
	return sum, first, nil
}

// Run rolls every meter up now and then every `every`, until ctx ends. onError (may be nil)
// hears of a meter's failure when it first fails, or fails differently, not every round.
func (r *Roller) Run(ctx context.Context, every time.Duration, onError func(error)) {
	last := map[int64]string{}
	for {
		err := r.Roll(ctx, 0, time.Now())
		now := map[int64]string{}
		for _, e := range unjoin(err) {
			var me *MeterError
			if errors.As(e, &me) {
				now[me.Meter.ID] = me.Error()
				if last[me.Meter.ID] == me.Error() {
					continue
				}
			}
			if onError != nil && ctx.Err() == nil {
				onError(e)
			}
		}
		last = now
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// unjoin lists the errors errors.Join joined (err itself otherwise, none for nil).
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// RollEvery is how often the server rolls meters up.
const RollEvery = 5 * time.Minute

// meterOptions are how meter m's counter is read: its capacity and its recorded swaps (among
// events).
func meterOptions(m *dcim.Meter, events []dcim.MeterReading) CounterOptions {
	var o CounterOptions
	if m.CounterMax != nil {
		o.Max = *m.CounterMax
	}
	for _, e := range events {
		if e.Kind == "swap" && e.OldValue != nil {
			o.Swaps = append(o.Swaps, Swap{T: e.At.UnixMilli(), Old: *e.OldValue, New: e.Value})
		}
	}
	return o
}

// seriesOf gathers the samples of every series selector matches, one list per series.
func seriesOf(ctx context.Context, src SampleSource, selector string, from, to time.Time) ([][]Sample, error) {
	var series [][]Sample
	err := src.EachSample(ctx, selector, from, to, func(n int, t int64, v float64) {
		for len(series) <= n {
			series = append(series, nil)
		}
		series[n] = append(series[n], Sample{T: t, V: v})
	})
	return series, err
}
