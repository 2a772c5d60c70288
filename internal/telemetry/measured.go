package telemetry

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
)

// Measured power: what the power chain's measured basis reads. A device's power comes from series
// labelled with its name (device), a power node's from series labelled with its name (power_node);
// both with the site's name (site).

// PowerPeak is measured power over a window: its peak and 95th percentile, watts.
type PowerPeak struct{ PeakW, P95W float64 }

// DevicePowerMetrics are the series that measure a whole device's power: what a server's BMC
// reports (Redfish), and what is pushed under the same names.
var DevicePowerMetrics = []string{"server_power_watts", "server_power_consumed_watts", "device_power_watts"}

// NodePowerMetrics are the series that measure a power node's total power: a rack PDU's or a
// meter's, or a UPS's output (per line, summed).
var NodePowerMetrics = []string{"pdu_power_watts", "pdu_input_power_watts", "pdu_inlet_power_watts", "pdu_cord_power_watts",
	"pdu_infeed_power_watts", "ups_output_power_watts", "ups_power_watts", "meter_power_watts"}

// DevicePowers gives, for the devices of site (by the device label of their series), their peak
// and 95th-percentile power over window up to now; a device measured under several names takes
// the highest.
func (s *Store) DevicePowers(ctx context.Context, site string, window time.Duration, now time.Time) (map[string]PowerPeak, error) {
	return s.powerPeaks(ctx, DevicePowerMetrics, "device", site, window, now, func(sel, rng string) (string, string) {
		return fmt.Sprintf("max by (device) (max_over_time(%s[%s]))", sel, rng),
			fmt.Sprintf("max by (device) (quantile_over_time(0.95, %s[%s]))", sel, rng)
	})
}

// NodePowers gives, for the power nodes of site (by the power_node label of their series), their
// peak and 95th-percentile power over window up to now, at one-minute steps. The series of one
// metric of a node (its lines, its inlets) are summed at each step first.
func (s *Store) NodePowers(ctx context.Context, site string, window time.Duration, now time.Time) (map[string]PowerPeak, error) {
	return s.powerPeaks(ctx, NodePowerMetrics, "power_node", site, window, now, func(sel, rng string) (string, string) {
		sum := fmt.Sprintf("sum by (power_node) (%s)", sel)
		return fmt.Sprintf("max_over_time((%s)[%s:1m])", sum, rng), fmt.Sprintf("quantile_over_time(0.95, (%s)[%s:1m])", sum, rng)
	})
}

// powerPeaks runs, for each metric, the peak and 95th-percentile queries exprs makes of its
// selector (the metric of site, with label set) and window, and keeps per value of label the
// highest of each over the metrics.
func (s *Store) powerPeaks(ctx context.Context, metrics []string, label, site string, window time.Duration, now time.Time,
	exprs func(sel, rng string) (peak, p95 string)) (map[string]PowerPeak, error) {
	rng := model.Duration(window).String()
	out := map[string]PowerPeak{}
	for _, metric := range metrics {
		peak, p95 := exprs(fmt.Sprintf(`%s{site=%q, %s!=""}`, metric, site, label), rng)
		for i, expr := range []string{peak, p95} {
			vec, err := s.instant(ctx, expr, now)
			if err != nil {
				return nil, err
			}
			for _, smp := range vec {
				key := smp.Metric.Get(label)
				p := out[key]
				if i == 0 {
					p.PeakW = math.Max(p.PeakW, smp.F)
				} else {
					p.P95W = math.Max(p.P95W, smp.F)
				}
				out[key] = p
			}
		}
	}
	return out, nil
}

// instant runs an instant query on the store.
func (s *Store) instant(ctx context.Context, expr string, now time.Time) (promql.Vector, error) {
	q, err := s.engine.NewInstantQuery(ctx, s.db, promql.NewPrometheusQueryOpts(false, 0, nil), expr, now)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	return res.Vector()
}
