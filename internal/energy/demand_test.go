package energy

import (
	"math"
	"testing"
	"time"
)

// climb is a counter read every step from clock, starting at 1,000 kWh and adding each increment
// in turn: len(incs)+1 readings.
func climb(tb testing.TB, clock string, step time.Duration, incs []float64) []Sample {
	tb.Helper()
	t0, v := at(tb, clock), 1000.0
	s := []Sample{{t0, v}}
	for i, inc := range incs {
		v += inc
		s = append(s, Sample{t0 + int64(i+1)*step.Milliseconds(), v})
	}
	return s
}

// fives is n 5-minute increments of 10 kWh (120 kW), with the given ones changed.
func fives(n int, changed map[int]float64) []float64 {
	incs := make([]float64, n)
	for i := range incs {
		incs[i] = 10
		if v, ok := changed[i]; ok {
			incs[i] = v
		}
	}
	return incs
}

func TestMaxDemand(t *testing.T) {
	// 10:00–12:00 of 5-minute readings at 120 kW (10 kWh each), with a 480 kW spike (40 kWh) in
	// 10:35–10:40, the 8th interval (index 7).
	spike := climb(t, "10:00", 5*time.Minute, fives(24, map[int]float64{7: 40}))
	// The same to 11:00 (1,150 kWh: 12 intervals, 11 × 10 + 40), then readings 11:05–11:25 missing
	// and 200 kWh from 11:00 to 11:30 (400 kW, more than the spike), then 10 kWh every 5 minutes.
	gapped := append(append([]Sample{}, spike[:13]...), readings(t, "11:30", 1350.0, "11:35", 1360.0,
		"11:40", 1370.0, "11:45", 1380.0, "11:50", 1390.0, "11:55", 1400.0, "12:00", 1410.0)...)
	tests := []struct {
		name     string
		samples  []Sample
		from, to string
		window   time.Duration
		o        CounterOptions
		kw       float64
		at       string
		skipped  int
	}{
		{
			// Windows of 30 min: 10:00 60 kWh (120 kW); 10:30 5 × 10 + 40 = 90 kWh, ÷ 0.5 h = 180 kW;
			// 11:00 and 11:30 60 kWh (120 kW).
			name: "spike", samples: spike, from: "10:00", to: "12:00", window: 30 * time.Minute,
			kw: 180, at: "10:30",
		},
		{
			// Windows of 15 min: 10:30–10:45 is 10 + 40 + 10 = 60 kWh ÷ 0.25 h = 240 kW.
			name: "spike in 15-minute windows", samples: spike, from: "10:00", to: "12:00", window: 15 * time.Minute,
			kw: 240, at: "10:30",
		},
		{
			// 11:00–11:30 is one 30-minute interval (> 15 min): its 200 kWh (400 kW) is a guess of
			// when, so the window is skipped and the spike's 180 kW stands.
			name: "gap skipped", samples: gapped, from: "10:00", to: "12:00", window: 30 * time.Minute,
			kw: 180, at: "10:30", skipped: 1,
		},
		{
			// Readings end at 12:00: the window 12:00–12:30 has none and is skipped; a last
			// 15 minutes (12:30–12:45) is not a window at all.
			name: "window after the last reading", samples: spike, from: "10:00", to: "12:45", window: 30 * time.Minute,
			kw: 180, at: "10:30", skipped: 1,
		},
		{
			// 20-minute readings, MaxGap 20 min: 10:20–10:40 (60 kWh) straddles 10:30 and splits
			// 30/30. Window 10:00: 20 + 30 = 50 kWh (100 kW); window 10:30: 30 + 20 = 50 (100 kW).
			// A tie goes to the earlier window.
			name:    "interval across windows",
			samples: readings(t, "10:00", 0.0, "10:20", 20.0, "10:40", 80.0, "11:00", 100.0),
			from:    "10:00", to: "11:00", window: 30 * time.Minute, o: CounterOptions{MaxGap: 20 * time.Minute},
			kw: 100, at: "10:00",
		},
		{
			// Rollover at Max 99,999.9 inside the window: 99,995.0 → 9.9 is 4.9 + 9.9 = 14.8 kWh, and
			// 99,985.0 → 99,995.0 is 10: 24.8 kWh in 10:00–10:30 ÷ 0.5 h = 49.6 kW.
			name:    "rollover",
			samples: readings(t, "10:00", 99985.0, "10:15", 99995.0, "10:30", 9.9),
			from:    "10:00", to: "10:30", window: 30 * time.Minute, o: CounterOptions{Max: 99999.9},
			kw: 49.6, at: "10:00",
		},
		{
			// No readings: both windows skipped, nothing found.
			name: "no readings", from: "10:00", to: "11:00", window: 30 * time.Minute,
			kw: 0, at: "", skipped: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kw, start, skipped := MaxDemand(tt.samples, at(t, tt.from), at(t, tt.to), tt.window, tt.o)
			wantAt := int64(0)
			if tt.at != "" {
				wantAt = at(t, tt.at)
			}
			if math.Abs(kw-tt.kw) > 1e-9 || start != wantAt || skipped != tt.skipped {
				t.Errorf("got %.12g kW at %s, %d skipped; want %.12g kW at %s, %d skipped",
					kw, time.UnixMilli(start).UTC().Format("15:04"), skipped, tt.kw, tt.at, tt.skipped)
			}
		})
	}
}

func TestMaxDemandNoWindow(t *testing.T) {
	s := readings(t, "10:00", 0.0, "10:30", 10.0)
	if kw, start, skipped := MaxDemand(s, at(t, "10:00"), at(t, "10:30"), 0, CounterOptions{}); kw != 0 || start != 0 || skipped != 0 {
		t.Errorf("window 0: got %g, %d, %d; want 0, 0, 0", kw, start, skipped)
	}
}
