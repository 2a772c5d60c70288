package alert

import (
	"context"
	"errors"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// Recorder keeps alert episodes (the store).
type Recorder interface {
	SaveAlert(ctx context.Context, a dcim.Alert) (int64, error)
}

// Resolver finds the inventory object an alert's labels name (a device, a rack, a power node), or
// nil.
type Resolver func(ctx context.Context, labels map[string]string) *dcim.ObjectRef

// Runner evaluates the engine's rules on a schedule and records every transition. A failed query
// or a failed write is reported and the next cycle goes on: evaluation never stops.
type Runner struct {
	Engine   *Engine
	Query    Querier
	Record   Recorder
	Resolve  Resolver // may be nil
	Interval time.Duration
	// Notify, when set, gets each cycle's transitions after they are stored (the notifier's
	// Enqueue, which never blocks).
	Notify func([]Transition)
}

// Cycle evaluates once at now and records the transitions; it returns them and what went wrong.
func (r *Runner) Cycle(ctx context.Context, now time.Time) ([]Transition, error) {
	ts, evalErr := r.Engine.Eval(ctx, r.Query, now)
	var errs []error
	if evalErr != nil {
		errs = append(errs, evalErr)
	}
	for _, t := range ts {
		a := t.Alert
		if t.To == "" {
			// A pending alert whose series went away before it fired: its episode (saved as
			// pending) ends here, as resolved, so that it is no longer listed as active.
			at := now
			a.State, a.ResolvedAt = Resolved, &at
		}
		if _, err := r.Record.SaveAlert(ctx, r.episode(ctx, a)); err != nil {
			errs = append(errs, err)
		}
	}
	if r.Notify != nil && len(ts) > 0 {
		r.Notify(ts)
	}
	return ts, errors.Join(errs...)
}

// episode is the stored form of an alert.
func (r *Runner) episode(ctx context.Context, a Alert) dcim.Alert {
	v := a.LastValue
	out := dcim.Alert{Fingerprint: a.Fingerprint, Name: a.Rule, State: a.State, Severity: a.Severity, Labels: a.Labels,
		Annotations: a.Annotations, Since: a.ActiveAt, FiredAt: a.FiredAt, ResolvedAt: a.ResolvedAt, Value: &v, Flapping: a.Flapping}
	if r.Resolve != nil {
		out.Object = r.Resolve(ctx, a.Labels)
	}
	return out
}

// Run evaluates every Interval (default 15 s) until ctx ends; report gets each cycle's error.
func (r *Runner) Run(ctx context.Context, report func(error)) {
	every := r.Interval
	if every <= 0 {
		every = 15 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.Cycle(ctx, time.Now()); err != nil && ctx.Err() == nil && report != nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Instant is how a Querier reads the time series: an instant query at a time (as the telemetry
// store's Trends over one step does).
type Instant interface {
	Trends(ctx context.Context, expr string, from, to time.Time, step time.Duration) ([]telemetry.Trend, error)
}

// TelemetryQuerier evaluates rules on the time-series store: an instant query at each cycle's time.
func TelemetryQuerier(ts Instant) Querier {
	return func(ctx context.Context, expr string, at time.Time) ([]Sample, error) {
		trends, err := ts.Trends(ctx, expr, at, at, time.Minute)
		if err != nil {
			return nil, err
		}
		out := make([]Sample, 0, len(trends))
		for _, tr := range trends {
			if len(tr.Points) > 0 {
				out = append(out, Sample{Labels: tr.Labels, Value: tr.Points[len(tr.Points)-1].V})
			}
		}
		return out, nil
	}
}
