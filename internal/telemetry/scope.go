package telemetry

import (
	"context"
	"slices"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"
)

// SeriesFilter says whether a reader may see a series. A tenant user's queries run with one, so
// that PromQL, /series and the label endpoints only ever see that tenant's series: the filter sits
// under the engine, at the storage the query reads, so no expression reaches around it.
type SeriesFilter func(labels.Labels) bool

type filterKey struct{}

// WithSeriesFilter returns ctx limiting the query API's reads to the series f accepts.
func WithSeriesFilter(ctx context.Context, f SeriesFilter) context.Context {
	return context.WithValue(ctx, filterKey{}, f)
}

func seriesFilter(ctx context.Context) SeriesFilter {
	f, _ := ctx.Value(filterKey{}).(SeriesFilter)
	return f
}

// queryable is what a request reads: the whole store, or only what its filter accepts.
func (s *Store) queryable(ctx context.Context) storage.Queryable {
	f := seriesFilter(ctx)
	if f == nil {
		return s.db
	}
	return filteredQueryable{s.db, f}
}

type filteredQueryable struct {
	q storage.Queryable
	f SeriesFilter
}

func (fq filteredQueryable) Querier(mint, maxt int64) (storage.Querier, error) {
	q, err := fq.q.Querier(mint, maxt)
	if err != nil {
		return nil, err
	}
	return filteredQuerier{q, fq.f}, nil
}

// filteredQuerier drops the series its filter refuses, and answers label names and values from
// the series it keeps (the index's own lists would name other tenants' devices).
type filteredQuerier struct {
	storage.Querier
	f SeriesFilter
}

func (q filteredQuerier) Select(ctx context.Context, sorted bool, hints *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
	return &filteredSet{SeriesSet: q.Querier.Select(ctx, sorted, hints, ms...), f: q.f}
}

func (q filteredQuerier) LabelValues(ctx context.Context, name string, hints *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return q.labels(ctx, func(l labels.Labels, add func(string)) {
		if v := l.Get(name); v != "" {
			add(v)
		}
	}, ms)
}

func (q filteredQuerier) LabelNames(ctx context.Context, hints *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return q.labels(ctx, func(l labels.Labels, add func(string)) {
		l.Range(func(lb labels.Label) { add(lb.Name) })
	}, ms)
}

// labels collects what each visible series matching ms contributes, sorted.
func (q filteredQuerier) labels(ctx context.Context, each func(labels.Labels, func(string)), ms []*labels.Matcher) ([]string, annotations.Annotations, error) {
	if len(ms) == 0 {
		ms = []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, model.MetricNameLabel, ".+")}
	}
	set := q.Select(ctx, false, nil, ms...) // nil hints: the querier's own time range
	seen := map[string]bool{}
	out := []string{}
	for set.Next() {
		each(set.At().Labels(), func(v string) {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		})
	}
	slices.Sort(out)
	return out, set.Warnings(), set.Err()
}

type filteredSet struct {
	storage.SeriesSet
	f SeriesFilter
}

func (s *filteredSet) Next() bool {
	for s.SeriesSet.Next() {
		if s.f(s.SeriesSet.At().Labels()) {
			return true
		}
	}
	return false
}
