package alert

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// PollTargetDown is a built-in rule: a poll target that has not answered for a minute (up to its
// retries) is an alert, with the target's name, profile and last error; its value is the seconds
// since its last success (or since its first attempt when it never answered). The pollers' own
// health is read, so a target is covered as soon as it is in the inventory. (Its last error is in
// the poll status, not in the labels: labels are the alert's identity.)
func PollTargetDown(health func() []collect.Health) Rule {
	return Rule{Group: "plenum", Name: "PollTargetDown", For: time.Minute, Severity: "warning", Source: "builtin",
		Labels: map[string]string{"severity": "warning"},
		Annotations: map[string]string{
			"summary":     "poll target {{ $labels.target }} does not answer",
			"description": "no answer for {{ humanizeDuration $value }}; its last error is in the poll status",
		},
		Builtin: func(_ context.Context, _ Querier, at time.Time) ([]Sample, error) {
			var out []Sample
			for _, h := range health() {
				if h.Up || h.LastAttempt.IsZero() {
					continue
				}
				since := h.LastAttempt
				if h.LastSuccess != nil {
					since = *h.LastSuccess
				}
				out = append(out, Sample{Labels: map[string]string{"target": h.Target, "profile": h.Profile},
					Value: at.Sub(since).Seconds()})
			}
			return out, nil
		},
	}
}

// MeterSource is what MeterGap reads: the meters, and the newest hour each one's readings cover.
type MeterSource interface {
	SiteMeters(ctx context.Context, siteID int64) ([]dcim.Meter, error)
	LastMeterHour(ctx context.Context, id int64) (time.Time, bool, error)
}

// meterGapEvery is how often MeterGap reads the meters again (one index seek a meter): its gaps are
// hours long, and a campus has tens of thousands of meters.
const meterGapEvery = 5 * time.Minute

// MeterGap is a built-in rule: a meter read from the time series whose readings stopped more than
// after ago (its energy is then missing from the KPIs and bills). Meters read by hand are left
// out: their gaps are their schedule. Its value is the hours since the last covered hour. The
// meters are read again every five minutes; in between, the gaps found last are carried forward.
func MeterGap(src MeterSource, after time.Duration) Rule {
	var (
		mu     sync.Mutex
		readAt time.Time
		last   map[int64]time.Time // newest covered hour, by meter, as read at readAt
		names  map[int64]string
	)
	read := func(ctx context.Context, at time.Time) error {
		meters, err := src.SiteMeters(ctx, 0)
		if err != nil {
			return err
		}
		l, n := map[int64]time.Time{}, map[int64]string{}
		for _, m := range meters {
			if m.Source == "manual" {
				continue
			}
			hour, ok, err := src.LastMeterHour(ctx, m.ID)
			if err != nil {
				return err
			}
			if ok { // a meter never rolled up is new
				l[m.ID], n[m.ID] = hour, m.Name
			}
		}
		readAt, last, names = at, l, n
		return nil
	}
	return Rule{Group: "plenum", Name: "MeterGap", For: 15 * time.Minute, Severity: "warning", Source: "builtin",
		Labels: map[string]string{"severity": "warning"},
		Annotations: map[string]string{
			"summary": "meter {{ $labels.meter }} has no readings for {{ humanize $value }} h: its energy is missing from the KPIs and bills",
		},
		Builtin: func(ctx context.Context, _ Querier, at time.Time) ([]Sample, error) {
			mu.Lock()
			defer mu.Unlock()
			if last == nil || at.Sub(readAt) >= meterGapEvery || at.Before(readAt) {
				if err := read(ctx, at); err != nil {
					return nil, err
				}
			}
			var out []Sample
			for id, hour := range last {
				// The hour ending hour+1h is the newest covered.
				if gap := at.Sub(hour.Add(time.Hour)); gap > after {
					out = append(out, Sample{Labels: map[string]string{"meter": names[id], "meter_id": strconv.FormatInt(id, 10)},
						Value: gap.Hours()})
				}
			}
			sort.Slice(out, func(i, j int) bool { return out[i].Labels["meter_id"] < out[j].Labels["meter_id"] })
			return out, nil
		},
	}
}

// SeriesAges lists the series whose newest sample is more than after old at now (the time-series
// store's StaleSeries).
type SeriesAges func(ctx context.Context, now time.Time, after time.Duration) ([]telemetry.SeriesAge, error)

// staleKeys are the labels that say what a series is of, kept on a StaleSeries alert.
var staleKeys = []string{"site", "target", "device", "power_node", "sensor_point", "cooling_unit"}

// StaleSeries is a built-in rule: series of a site that stopped more than after ago while their poll
// target (if they have one) still answers, so a reading is missing (a probe unplugged, a value the
// device no longer gives); one alert per object (its site, target, device, power node, sensor
// point, cooling unit labels), valued by the count of its series that stopped. A target that does
// not answer is PollTargetDown's, not this rule's. Series that stopped long enough ago to have left
// the store's memory (two to three hours) are no longer counted.
func StaleSeries(ages SeriesAges, health func() []collect.Health, after time.Duration) Rule {
	return Rule{Group: "plenum", Name: "StaleSeries", For: 5 * time.Minute, Severity: "warning", Source: "builtin",
		Labels: map[string]string{"severity": "warning"},
		Annotations: map[string]string{
			"summary": "{{ $value }} series of {{ with $labels.device }}{{ . }}{{ else }}{{ with $labels.power_node }}{{ . }}" +
				"{{ else }}{{ with $labels.sensor_point }}{{ . }}{{ else }}{{ with $labels.cooling_unit }}{{ . }}{{ else }}{{ $labels.target }}{{ end }}{{ end }}{{ end }}{{ end }}" +
				" stopped: readings are missing",
		},
		Builtin: func(ctx context.Context, _ Querier, at time.Time) ([]Sample, error) {
			stale, err := ages(ctx, at, after)
			if err != nil {
				return nil, err
			}
			down := map[string]bool{}
			for _, h := range health() {
				if !h.Up && !h.LastAttempt.IsZero() {
					down[h.Target] = true
				}
			}
			counts := map[string]*Sample{}
			var order []string
			for _, s := range stale {
				if down[s.Labels["target"]] {
					continue
				}
				labels := map[string]string{}
				var key strings.Builder
				for _, k := range staleKeys {
					if v := s.Labels[k]; v != "" {
						labels[k] = v
					}
					key.WriteString(s.Labels[k])
					key.WriteByte(0)
				}
				c := counts[key.String()]
				if c == nil {
					c = &Sample{Labels: labels}
					counts[key.String()] = c
					order = append(order, key.String())
				}
				c.Value++
			}
			out := make([]Sample, 0, len(order))
			for _, k := range order {
				out = append(out, *counts[k])
			}
			return out, nil
		},
	}
}
