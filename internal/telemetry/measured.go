package telemetry

import (
	"context"
	"fmt"
	"time"

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

// MeasureWindow is how far back measured power looks: a week, so that every day of the week is in.
const MeasureWindow = 7 * 24 * time.Hour

// DevicePowers gives, for the devices of site (by the device label of their series), their peak
// and 95th-percentile power over the last MeasureWindow up to now (see peaks.go); a device
// measured under several names takes the highest.
func (s *Store) DevicePowers(ctx context.Context, site string, now time.Time) (map[string]PowerPeak, error) {
	return s.peaks.read(ctx, s, devicePeaks, site, now)
}

// NodePowers gives, for the power nodes of site (by the power_node label of their series), their
// peak and 95th-percentile power over the last MeasureWindow up to now, at one-minute steps. The
// series of one metric of a node (its lines, its inlets) are summed at each step first.
func (s *Store) NodePowers(ctx context.Context, site string, now time.Time) (map[string]PowerPeak, error) {
	return s.peaks.read(ctx, s, nodePeaks, site, now)
}

// peakKind is what is measured: the series, the label naming the object, and the query of the
// object's peak over a range given the series' selector.
type peakKind struct {
	metrics []string
	label   string
	expr    func(sel, rng string) string
}

var (
	devicePeaks = &peakKind{DevicePowerMetrics, "device", func(sel, rng string) string {
		return fmt.Sprintf("max by (device) (max_over_time(%s[%s]))", sel, rng)
	}}
	nodePeaks = &peakKind{NodePowerMetrics, "power_node", func(sel, rng string) string {
		return fmt.Sprintf("max_over_time((sum by (power_node) (%s))[%s:1m])", sel, rng)
	}}
)

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
