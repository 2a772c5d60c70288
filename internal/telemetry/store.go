// Package telemetry keeps Plenum's time series: readings polled from devices and pushed by other
// tools, in an embedded time-series store (Prometheus' TSDB) in the data directory, answered through
// PromQL and the Prometheus HTTP API. The TSDB and the PromQL engine stay inside this package: the
// rest of Plenum sees Store, its ingest and its query methods.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/storage/remote"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// Options configure the embedded store.
type Options struct {
	Dir string // where the store lives: a directory of its own
	// Retention is how long samples are kept; MaxBytes, when not 0, caps the store's size on disk:
	// the oldest blocks go first, whichever limit is reached.
	Retention time.Duration
	MaxBytes  int64
	// OutOfOrder is how far back a sample older than its series' newest is still accepted (a
	// gateway that flushes late, a poller that retried).
	OutOfOrder time.Duration
	Limits     Limits
	Logger     *slog.Logger
	// Forward, when its URL is set, sends everything stored on to an external store.
	Forward Forward
	// Query, when its URL is set, answers the Prometheus query API from an external store's API
	// (the one Forward feeds, typically) instead of the embedded one.
	Query External
	// Registerer takes the store's metrics (the TSDB's own, and ingest counters); nil: none.
	Registerer prometheus.Registerer
}

// DefaultRetention keeps 400 days: a year's reports with a month to spare.
const DefaultRetention = 400 * 24 * time.Hour

// DefaultOutOfOrder accepts samples up to ten minutes older than their series' newest.
const DefaultOutOfOrder = 10 * time.Minute

// Store is the embedded time-series store and the PromQL engine over it.
type Store struct {
	db      *tsdb.DB
	cache   *seriesCache
	engine  *promql.Engine
	limits  Limits
	logger  *slog.Logger
	forward *remote.Storage // nil: not forwarding
	query   *External       // nil: the embedded store answers queries
	peaks   peakTracker     // hourly peaks of measured power, for the power chain

	ingested, refused *prometheus.CounterVec
}

// Open opens (or creates) the store in opts.Dir, replaying its write-ahead log: every sample whose
// write was acknowledged before a crash is there again.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("telemetry: no directory")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o := tsdb.DefaultOptions()
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	o.RetentionDuration = opts.Retention.Milliseconds()
	o.MaxBytes = opts.MaxBytes
	if opts.OutOfOrder < 0 {
		opts.OutOfOrder = 0
	}
	o.OutOfOrderTimeWindow = opts.OutOfOrder.Milliseconds()
	db, err := tsdb.Open(opts.Dir, logger.With("component", "tsdb"), opts.Registerer, o, nil)
	if err != nil {
		return nil, fmt.Errorf("telemetry: open %s: %w", opts.Dir, err)
	}
	engine := promql.NewEngine(promql.EngineOpts{
		Logger:               logger.With("component", "promql"),
		MaxSamples:           50_000_000,
		Timeout:              2 * time.Minute,
		LookbackDelta:        5 * time.Minute,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
		Parser:               promParser,
	})
	s := &Store{db: db, cache: newSeriesCache(), engine: engine, limits: opts.Limits.withDefaults(), logger: logger,
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plenum_ingest_samples_total",
			Help: "Samples stored, by how they came: remote-write, line protocol, pollers."}, []string{"protocol"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plenum_ingest_refused_total",
			Help: "Samples or lines refused, by protocol and reason."}, []string{"protocol", "reason"})}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(s.ingested, s.refused)
	}
	if opts.Query.URL != "" {
		if err := opts.Query.check(); err != nil {
			_ = db.Close()
			return nil, err
		}
		s.query = &opts.Query
	}
	if opts.Forward.URL != "" {
		if err := s.startForwarding(opts.Dir, opts.Forward); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close stops forwarding (sending what it can within a minute) and closes the store.
func (s *Store) Close() error {
	var errs []error
	if s.forward != nil {
		errs = append(errs, s.forward.Close())
	}
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

// Sample is one reading: milliseconds since the epoch and a value.
type Sample struct {
	T int64
	V float64
}

// Rejected counts the samples a write could not store, by reason.
type Rejected struct {
	OutOfOrder int // older than the series' newest beyond the out-of-order window
	Duplicate  int // a second, different value at a timestamp the series has
	TooOld     int // before the store's oldest accepted time
	First      error
}

// Total is the number of samples rejected.
func (r *Rejected) Total() int { return r.OutOfOrder + r.Duplicate + r.TooOld }

// known reports whether err is a sample the store refuses on its own (see add).
func (r *Rejected) known(err error) bool {
	return errors.Is(err, storage.ErrOutOfOrderSample) || errors.Is(err, storage.ErrDuplicateSampleForTimestamp) ||
		errors.Is(err, storage.ErrOutOfBounds) || errors.Is(err, storage.ErrTooOldSample)
}

func (r *Rejected) add(err error) bool {
	switch {
	case errors.Is(err, storage.ErrOutOfOrderSample):
		r.OutOfOrder++
	case errors.Is(err, storage.ErrDuplicateSampleForTimestamp):
		r.Duplicate++
	case errors.Is(err, storage.ErrOutOfBounds), errors.Is(err, storage.ErrTooOldSample):
		r.TooOld++
	default:
		return false
	}
	if r.First == nil {
		r.First = err
	}
	return true
}

// writer appends series to the store in one transaction: Commit makes them durable (written to the
// write-ahead log) before it returns.
type writer struct {
	app      storage.Appender
	rejected Rejected
}

func (s *Store) writer(ctx context.Context) *writer { return &writer{app: s.db.Appender(ctx)} }

func (w *writer) commit() error   { return w.app.Commit() }
func (w *writer) rollback() error { return w.app.Rollback() }

// Point is one sample to append: a metric name, its labels, milliseconds since the epoch, a value.
type Point struct {
	Name   string
	Labels map[string]string
	T      int64
	V      float64
}

// Append stores points (what the pollers read) in one transaction. Label names are made
// Prometheus names; a point whose labels break the limits is an error naming it, and nothing is
// stored.
func (s *Store) Append(ctx context.Context, points []Point) (WriteResult, error) {
	var res WriteResult
	b := labels.NewScratchBuilder(16)
	sets := make([]labels.Labels, len(points))
	for i, p := range points {
		b.Reset()
		b.Add(model.MetricNameLabel, sanitizeName(p.Name, true))
		for k, v := range p.Labels {
			if v != "" {
				b.Add(sanitizeName(k, false), v)
			}
		}
		b.Sort()
		sets[i] = b.Labels()
		if err := s.limits.checkLabels(sets[i]); err != nil {
			return res, fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	w := s.writer(ctx)
	one := make([]Sample, 1)
	for i, p := range points {
		one[0] = Sample{T: p.T, V: p.V}
		if err := w.addSeries(s.cache, seriesKey{}, 0, sets[i], nil, one, &b); err != nil {
			_ = w.rollback()
			return WriteResult{}, fmt.Errorf("store: %w", err)
		}
	}
	if err := w.commit(); err != nil {
		return WriteResult{}, fmt.Errorf("store: %w", err)
	}
	res.Series, res.Rejected = len(points), w.rejected
	res.Samples = len(points) - w.rejected.Total()
	s.ingested.WithLabelValues("poll").Add(float64(res.Samples))
	return res, nil
}

// SeriesSince lists the label sets (metric name under "__name__") of the series with samples
// between since and now, in label order.
func (s *Store) SeriesSince(ctx context.Context, since, now time.Time) ([]map[string]string, error) {
	q, err := s.db.Querier(since.UnixMilli(), now.UnixMilli())
	if err != nil {
		return nil, err
	}
	defer q.Close()
	m, err := labels.NewMatcher(labels.MatchNotEqual, model.MetricNameLabel, "")
	if err != nil {
		return nil, err
	}
	ss := q.Select(ctx, true, &storage.SelectHints{Start: since.UnixMilli(), End: now.UnixMilli(), Func: "series"}, m)
	var out []map[string]string
	for ss.Next() {
		out = append(out, ss.At().Labels().Map())
	}
	return out, ss.Err()
}

// EachSample calls fn with every raw sample of every series selector matches (a PromQL series
// selector, e.g. meter_energy_kwh_total{target="MSB-1"}) from from to to inclusive: the series'
// number (from 0, in the order met), the time (ms) and the value, each series in time order. A
// selector that does not parse is an *InputError naming it.
func (s *Store) EachSample(ctx context.Context, selector string, from, to time.Time, fn func(series int, t int64, v float64)) error {
	ms, err := promParser.ParseMetricSelector(selector)
	if err != nil {
		return &InputError{Status: 400, Message: fmt.Sprintf("series %q: %v", selector, err)}
	}
	if !slices.ContainsFunc(ms, func(m *labels.Matcher) bool { return !m.Matches("") }) {
		return &InputError{Status: 400, Message: fmt.Sprintf("series %q: needs a metric name or a matcher that does not match the empty value", selector)}
	}
	q, err := s.db.Querier(from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return err
	}
	defer q.Close()
	ss := q.Select(ctx, false, &storage.SelectHints{Start: from.UnixMilli(), End: to.UnixMilli()}, ms...)
	var it chunkenc.Iterator
	for n := 0; ss.Next(); n++ {
		it = ss.At().Iterator(it)
		for vt := it.Next(); vt != chunkenc.ValNone; vt = it.Next() {
			if vt != chunkenc.ValFloat {
				continue
			}
			if t, v := it.At(); t >= from.UnixMilli() && t <= to.UnixMilli() {
				fn(n, t, v)
			}
		}
		if err := it.Err(); err != nil {
			return err
		}
	}
	return ss.Err()
}
