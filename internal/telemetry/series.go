package telemetry

import (
	"context"
	"time"

	"github.com/prometheus/prometheus/promql"
)

// Trend is one series of a range query: its labels and its points.
type Trend struct {
	Labels map[string]string
	Points []TrendPoint
}

// TrendPoint is one step of a trend.
type TrendPoint struct {
	T time.Time
	V float64
}

// Trends runs a PromQL range query for the pages (a rack's inlet temperatures over a day), as the
// reader of ctx: a tenant user's series filter applies.
func (s *Store) Trends(ctx context.Context, expr string, from, to time.Time, step time.Duration) ([]Trend, error) {
	q, err := s.engine.NewRangeQuery(ctx, s.queryable(ctx), promql.NewPrometheusQueryOpts(false, 0, nil), expr, from, to, step)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	m, err := res.Matrix()
	if err != nil {
		return nil, err
	}
	out := make([]Trend, 0, len(m))
	for _, series := range m {
		tr := Trend{Labels: series.Metric.Map()}
		for _, p := range series.Floats {
			tr.Points = append(tr.Points, TrendPoint{T: time.UnixMilli(p.T), V: p.F})
		}
		out = append(out, tr)
	}
	return out, nil
}
