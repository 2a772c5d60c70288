package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
)

// BenchmarkTenantQuery: what a tenant user's series filter costs. 20,000 devices with five metrics
// each (100,000 series) and an hour of one-minute samples; the tenant owns 30 devices. The same
// queries through the Prometheus API as an operator (every series) and as the tenant (its own).
func BenchmarkTenantQuery(b *testing.B) {
	const devices, metrics, minutes, owned = 20000, 5, 60, 30
	s, err := Open(Options{Dir: b.TempDir(), OutOfOrder: DefaultOutOfOrder})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now().Truncate(time.Minute)
	start := now.Add(-minutes * time.Minute)
	batch := make([]Point, 0, devices*metrics)
	for m := 0; m <= minutes; m++ {
		batch = batch[:0]
		at := start.Add(time.Duration(m) * time.Minute).UnixMilli()
		for d := range devices {
			for k := range metrics {
				batch = append(batch, Point{Name: fmt.Sprintf("bench_metric_%d", k),
					Labels: map[string]string{"site": "DC1", "device": fmt.Sprintf("srv-%05d", d)}, T: at, V: float64(d + m)})
			}
		}
		if _, err := s.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	mine := map[string]bool{}
	for d := range owned {
		mine[fmt.Sprintf("srv-%05d", d*devices/owned)] = true
	}
	tenant := WithSeriesFilter(ctx, func(l labels.Labels) bool { return l.Get("site") == "DC1" && mine[l.Get("device")] })
	mux := http.NewServeMux()
	s.Register(mux, "/api/v1")
	run := func(b *testing.B, c context.Context, path string, want int) {
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, path, nil).WithContext(c)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `"srv-`) != want {
				b.Fatalf("%s: %d, %d devices, want %d", path, rec.Code, strings.Count(rec.Body.String(), `"srv-`), want)
			}
		}
	}
	q := "/api/v1/query?time=" + fmt.Sprint(now.Unix()) + "&query=" + url.QueryEscape(`sum by (device) (rate(bench_metric_0[5m]))`)
	b.Run("query/operator", func(b *testing.B) { run(b, ctx, q, devices) })
	b.Run("query/tenant", func(b *testing.B) { run(b, tenant, q, owned) })
	lv := "/api/v1/label/device/values"
	b.Run("label-values/operator", func(b *testing.B) { run(b, ctx, lv, devices) })
	b.Run("label-values/tenant", func(b *testing.B) { run(b, tenant, lv, owned) })
}
