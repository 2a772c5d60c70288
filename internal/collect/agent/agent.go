// Package agent runs a Plenum server's pollers: it keeps the scheduler's targets in line with the
// poll targets of the inventory, builds each target's driver from its URL, and stores what the
// polls read, labelled with the identity of what each target measures, together with every
// target's health.
package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/collect/modbus"
	"github.com/plenum-dcim/plenum/internal/collect/redfish"
	"github.com/plenum-dcim/plenum/internal/collect/snmp"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// Planned is a poll target as the inventory has it.
type Planned struct {
	Name, URL, Profile, Credentials string
	Interval, Timeout               time.Duration
	Retries                         int
	Labels                          map[string]string // site, room, rack, device, target
}

// Source gives the targets, and a version that changes when they may have.
type Source interface {
	Plan(ctx context.Context) ([]Planned, error)
	ModelVersion(ctx context.Context) (int64, error)
}

// Agent polls the inventory's targets into the store.
type Agent struct {
	src      Source
	profiles *snmp.Profiles
	meters   *modbus.Profiles
	store    *telemetry.Store
	sched    *collect.Scheduler
	logger   *slog.Logger
	refresh  time.Duration

	mu      sync.Mutex
	version int64
	errs    map[string]string // targets that could not be set up, and why
}

// New returns an agent; concurrency bounds the polls at once.
func New(src Source, profiles *snmp.Profiles, meters *modbus.Profiles, store *telemetry.Store, concurrency int, logger *slog.Logger) *Agent {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &Agent{src: src, profiles: profiles, meters: meters, store: store, logger: logger, refresh: 2 * time.Second, version: -1, errs: map[string]string{}}
	a.sched = collect.NewScheduler(concurrency, sink{a})
	return a
}

// Run polls until ctx is done, looking for changed targets every two seconds.
func (a *Agent) Run(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		a.sched.Run(ctx)
		close(done)
	}()
	tick := time.NewTicker(a.refresh)
	defer tick.Stop()
	for {
		if err := a.sync(ctx); err != nil && ctx.Err() == nil {
			a.logger.Warn("poll targets", "error", err)
		}
		select {
		case <-ctx.Done():
			<-done
			return
		case <-tick.C:
		}
	}
}

// sync reads the targets again when the inventory changed.
func (a *Agent) sync(ctx context.Context) error {
	v, err := a.src.ModelVersion(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	same := v == a.version
	a.mu.Unlock()
	if same {
		return nil
	}
	plan, err := a.src.Plan(ctx)
	if err != nil {
		return err
	}
	var targets []collect.Target
	errs := map[string]string{}
	for _, p := range plan {
		poll, err := a.driver(p)
		if err != nil {
			errs[p.Name] = err.Error()
			continue
		}
		targets = append(targets, collect.Target{ID: p.Name, Labels: p.Labels, Interval: p.Interval, Timeout: p.Timeout, Retries: p.Retries, Poll: poll})
	}
	a.sched.Set(targets)
	a.mu.Lock()
	a.version, a.errs = v, errs
	a.mu.Unlock()
	return nil
}

// driver builds the poll function of a target from its URL and credentials.
func (a *Agent) driver(p Planned) (func(context.Context) (collect.Result, error), error) {
	u, err := url.Parse(p.URL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "snmp", "snmpv3":
		t, err := snmp.ParseURL(p.URL, p.Credentials)
		if err != nil {
			return nil, err
		}
		t.Timeout, t.Retries = p.Timeout, 0 // the scheduler retries
		profiles, profile := a.profiles, p.Profile
		return func(ctx context.Context) (collect.Result, error) { return profiles.Poll(ctx, t, profile) }, nil
	case "modbus":
		t, err := modbus.ParseURL(p.URL)
		if err != nil {
			return nil, err
		}
		t.Timeout = p.Timeout
		if p.Profile != "" { // the target's profile, where it names one, over the URL's
			t.Profile = p.Profile
		}
		meters := a.meters
		return func(ctx context.Context) (collect.Result, error) { return meters.Poll(ctx, t, "") }, nil
	case "redfish", "https", "http":
		t, err := redfish.ParseURL(p.URL, p.Credentials)
		if err != nil {
			return nil, err
		}
		t.Timeout = p.Timeout
		return func(ctx context.Context) (collect.Result, error) { return redfish.Poll(ctx, t) }, nil
	}
	return nil, fmt.Errorf("%s: no poller for %s://", p.Name, u.Scheme)
}

// Health lists every target's health; targets that could not be set up are down with the reason.
func (a *Agent) Health() []collect.Health {
	out := a.sched.Health()
	a.mu.Lock()
	defer a.mu.Unlock()
	for name, e := range a.errs {
		out = append(out, collect.Health{Target: name, LastError: e})
	}
	return out
}

type sink struct{ a *Agent }

func (s sink) Write(ctx context.Context, t *collect.Target, at time.Time, rs []collect.Reading) error {
	return s.a.write(ctx, t, at, rs)
}

// Failed stores plenum_poll_up 0 for the target: down, as of this poll.
func (s sink) Failed(ctx context.Context, t *collect.Target, at time.Time, _ error) {
	_, _ = s.a.store.Append(ctx, []telemetry.Point{{Name: "plenum_poll_up", Labels: map[string]string{"target": t.ID}, T: at.UnixMilli(), V: 0}})
}

// write stores a poll's readings, each labelled with the target's identity (which wins over a
// label of the same name from the device), and the poll's own health series: plenum_poll_up,
// plenum_poll_readings and plenum_poll_missing_readings. A missing reading stores no sample.
func (a *Agent) write(ctx context.Context, t *collect.Target, at time.Time, rs []collect.Reading) error {
	ms := at.UnixMilli()
	points := make([]telemetry.Point, 0, len(rs)+3)
	missing := 0
	for _, r := range rs {
		if r.Missing {
			missing++
			continue
		}
		lbls := make(map[string]string, len(r.Labels)+len(t.Labels))
		for k, v := range r.Labels {
			lbls[k] = v
		}
		for k, v := range t.Labels {
			lbls[k] = v
		}
		points = append(points, telemetry.Point{Name: r.Name, Labels: lbls, T: ms, V: r.Value})
	}
	id := map[string]string{"target": t.ID}
	points = append(points,
		telemetry.Point{Name: "plenum_poll_up", Labels: id, T: ms, V: 1},
		telemetry.Point{Name: "plenum_poll_readings", Labels: id, T: ms, V: float64(len(rs))},
		telemetry.Point{Name: "plenum_poll_missing_readings", Labels: id, T: ms, V: float64(missing)})
	_, err := a.store.Append(ctx, points)
	return err
}

var (
	descTargets  = prometheus.NewDesc("plenum_poll_targets", "Poll targets, by whether their last poll succeeded.", []string{"state"}, nil)
	descPolls    = prometheus.NewDesc("plenum_polls_total", "Polls run, all targets.", nil, nil)
	descFailures = prometheus.NewDesc("plenum_poll_failures_total", "Polls that failed, all targets.", nil, nil)
)

// Describe is for prometheus.Collector: the agent's metrics at /metrics.
func (a *Agent) Describe(ch chan<- *prometheus.Desc) {
	ch <- descTargets
	ch <- descPolls
	ch <- descFailures
}

// Collect is for prometheus.Collector: targets up and down, polls and failures so far.
func (a *Agent) Collect(ch chan<- prometheus.Metric) {
	var up, down, polls, failures float64
	for _, h := range a.Health() {
		if h.Up {
			up++
		} else {
			down++
		}
		polls += float64(h.Polls)
		failures += float64(h.Failures)
	}
	ch <- prometheus.MustNewConstMetric(descTargets, prometheus.GaugeValue, up, "up")
	ch <- prometheus.MustNewConstMetric(descTargets, prometheus.GaugeValue, down, "down")
	ch <- prometheus.MustNewConstMetric(descPolls, prometheus.CounterValue, polls)
	ch <- prometheus.MustNewConstMetric(descFailures, prometheus.CounterValue, failures)
}
