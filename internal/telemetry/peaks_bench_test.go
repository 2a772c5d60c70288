package telemetry

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkMeasuredPeaks: the power chain's measured loads of one site, whose devices
// (PLENUM_BENCH_DEVICES, default 1,000) each have a week of device_power_watts at one-minute
// steps. "full-scan" is the week's peak and 95th percentile by PromQL over every sample, as
// Plenum read them before the hourly peaks; "first-read" fills the hourly peaks (one range query
// over the week); "refresh" is the read a minute later, with a minute's new samples.
func BenchmarkMeasuredPeaks(b *testing.B) {
	devices := 1000
	if v, err := strconv.Atoi(os.Getenv("PLENUM_BENCH_DEVICES")); err == nil && v > 0 {
		devices = v
	}
	s, err := Open(Options{Dir: b.TempDir(), OutOfOrder: DefaultOutOfOrder})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	start := time.Now().Truncate(time.Minute).Add(-MeasureWindow)
	minutes := int(MeasureWindow / time.Minute)
	point := func(d, m int) Point {
		at := start.Add(time.Duration(m) * time.Minute)
		return Point{Name: "device_power_watts", Labels: map[string]string{"site": "DC1", "device": fmt.Sprintf("srv-%05d", d)},
			T: at.UnixMilli(), V: float64(200 + (d+m)%97)}
	}
	batch := make([]Point, 0, devices)
	for m := 0; m < minutes; m++ {
		batch = batch[:0]
		for d := 0; d < devices; d++ {
			batch = append(batch, point(d, m))
		}
		if _, err := s.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	now := start.Add(MeasureWindow)
	b.ReportMetric(float64(devices*minutes), "samples")
	b.Run("full-scan", func(b *testing.B) {
		for b.Loop() {
			for _, expr := range []string{`max by (device) (max_over_time(device_power_watts{site="DC1", device!=""}[7d]))`,
				`max by (device) (quantile_over_time(0.95, device_power_watts{site="DC1", device!=""}[7d]))`} {
				if v, err := s.instant(ctx, expr, now); err != nil || len(v) != devices {
					b.Fatalf("%d devices: %v", len(v), err)
				}
			}
		}
	})
	b.Run("first-read", func(b *testing.B) {
		for b.Loop() {
			var t peakTracker
			if got, err := t.read(ctx, s, devicePeaks, "DC1", now); err != nil || len(got) != devices {
				b.Fatalf("%d devices: %v", len(got), err)
			}
		}
	})
	b.Run("refresh", func(b *testing.B) {
		var t peakTracker
		if _, err := t.read(ctx, s, devicePeaks, "DC1", now); err != nil {
			b.Fatal(err)
		}
		m := minutes
		for b.Loop() {
			b.StopTimer()
			batch = batch[:0]
			for d := 0; d < devices; d++ {
				batch = append(batch, point(d, m))
			}
			if _, err := s.Append(ctx, batch); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if got, err := t.read(ctx, s, devicePeaks, "DC1", start.Add(time.Duration(m)*time.Minute)); err != nil || len(got) != devices {
				b.Fatalf("%d devices: %v", len(got), err)
			}
			m++
		}
	})
}
