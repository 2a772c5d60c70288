package energy

import (
	"math"
	"strconv"
	"testing"
	"time"
)

// day is the date of the fixtures: 2025-07-01 00:00 UTC.
var day = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

// at is the unix ms of a "15:04" clock time on day.
func at(tb testing.TB, clock string) int64 {
	tb.Helper()
	c, err := time.Parse("15:04", clock)
	if err != nil {
		tb.Fatal(err)
	}
	return day.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute).UnixMilli()
}

// readings builds samples from clock, value pairs.
func readings(tb testing.TB, pairs ...any) []Sample {
	tb.Helper()
	var s []Sample
	for i := 0; i < len(pairs); i += 2 {
		s = append(s, Sample{T: at(tb, pairs[i].(string)), V: pairs[i+1].(float64)})
	}
	return s
}

const (
	min15 = int64(15 * 60 * 1000)
	min30 = int64(30 * 60 * 1000)
	hour  = int64(60 * 60 * 1000)
)

// want is an expected hour, Start given as a clock time.
type want struct {
	start     string
	value     float64
	estimated bool
	gapMS     int64
	resets    int
}

func checkHours(t *testing.T, got []Hour, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d hours, want %d: %+v", len(got), len(wants), got)
	}
	for i, w := range wants {
		g := got[i]
		if g.Start != at(t, w.start) || math.Abs(g.Value-w.value) > 1e-9 || g.Estimated != w.estimated ||
			g.GapMS != w.gapMS || g.Resets != w.resets {
			t.Errorf("hour %s: got {value %.12g estimated %v gap %d resets %d}, want {%.12g %v %d %d}",
				w.start, g.Value, g.Estimated, g.GapMS, g.Resets, w.value, w.estimated, w.gapMS, w.resets)
		}
	}
}

func TestCounterHours(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name     string
		samples  []Sample
		from, to string
		o        CounterOptions
		want     []want
	}{
		{
			// 25 kWh every 15 minutes is 100 kWh an hour. The reading at 09:45 (before from) ends
			// the first interval of 10:00; the one at 12:15 (after to) changes nothing.
			name: "steady",
			samples: readings(t, "09:45", 1000.0, "10:00", 1025.0, "10:15", 1050.0, "10:30", 1075.0, "10:45", 1100.0,
				"11:00", 1125.0, "11:15", 1150.0, "11:30", 1175.0, "11:45", 1200.0, "12:00", 1225.0, "12:15", 1250.0),
			from: "10:00", to: "12:00",
			want: []want{{"10:00", 100, false, 0, 0}, {"11:00", 100, false, 0, 0}},
		},
		{
			// The reading at 10:00 is the first: 10:00–10:15 is covered, and 500 before it is no
			// energy. 10:45 reads 3 after 520: a reset to zero, 3 kWh. Hour 10: 10 + 10 + 3 + 10 = 33.
			name:    "reset mid-hour",
			samples: readings(t, "10:00", 500.0, "10:15", 510.0, "10:30", 520.0, "10:45", 3.0, "11:00", 13.0),
			from:    "10:00", to: "11:00",
			want: []want{{"10:00", 33, false, 0, 1}},
		},
		{
			// The same with a register of 99,999.9: 520 is far below 0.9·Max (89,999.91), so it is
			// still a reset, not a rollover (which would give 99,479.9 + 3).
			name:    "reset with a max",
			samples: readings(t, "10:00", 500.0, "10:15", 510.0, "10:30", 520.0, "10:45", 3.0, "11:00", 13.0),
			from:    "10:00", to: "11:00",
			o:    CounterOptions{Max: 99999.9},
			want: []want{{"10:00", 33, false, 0, 1}},
		},
		{
			// 99,999.0 → 4.1 with Max 99,999.9: rollover, (99,999.9 − 99,999.0) + 4.1 = 0.9 + 4.1 = 5.0.
			// Hour 10: 10 + 9 + 5 + 10 = 34.
			name: "rollover",
			samples: readings(t, "10:00", 99980.0, "10:15", 99990.0, "10:30", 99999.0, "10:45", 4.1,
				"11:00", 14.1),
			from: "10:00", to: "11:00",
			o:    CounterOptions{Max: 99999.9},
			want: []want{{"10:00", 34, false, 0, 0}},
		},
		{
			// The meter is swapped at 10:37: the old one ended at 12,345.0, the new started at 3.2.
			// 10:30–10:45 is (12,345.0 − 12,340.0) + (8.2 − 3.2) = 5 + 5 = 10; hour 10: 20 + 20 + 10 + 20 = 70.
			name: "meter swap",
			samples: readings(t, "10:00", 12300.0, "10:15", 12320.0, "10:30", 12340.0, "10:45", 8.2,
				"11:00", 28.2),
			from: "10:00", to: "11:00",
			o:    CounterOptions{Swaps: []Swap{{T: at(t, "10:37"), Old: 12345.0, New: 3.2}}},
			want: []want{{"10:00", 70, false, 0, 0}},
		},
		{
			// The same readings without the swap recorded: 8.2 after 12,340 is a reset, 8.2 kWh;
			// hour 10: 20 + 20 + 8.2 + 20 = 68.2, and 1.8 kWh of the old meter is lost.
			name: "meter swap not recorded",
			samples: readings(t, "10:00", 12300.0, "10:15", 12320.0, "10:30", 12340.0, "10:45", 8.2,
				"11:00", 28.2),
			from: "10:00", to: "11:00",
			want: []want{{"10:00", 68.2, false, 0, 1}},
		},
		{
			// A new meter that starts higher: old 95 → 100 at the swap (10:20), new 150,000 → 150,004:
			// 5 + 4 = 9, where the raw difference would be 149,909. Hour 10: 5 + 9 + 10 + 10 = 34.
			name: "meter swap upward",
			samples: readings(t, "10:00", 90.0, "10:15", 95.0, "10:30", 150004.0, "10:45", 150014.0,
				"11:00", 150024.0),
			from: "10:00", to: "11:00",
			o:    CounterOptions{Swaps: []Swap{{T: at(t, "10:20"), Old: 100, New: 150000}}},
			want: []want{{"10:00", 34, false, 0, 0}},
		},
		{
			// Swaps are read in time order whatever order they are given in: two swaps, the second
			// at 10:50 (old 20 → new 1000), the first at 10:20 (old 100 → new 0).
			// 10:15–10:30: (100 − 95) + (10 − 0) = 15; 10:45–11:00: (20 − 15) + (1004 − 1000) = 9.
			// Hour 10: 5 + 15 + 5 + 9 = 34.
			name: "two swaps given out of order",
			samples: readings(t, "10:00", 90.0, "10:15", 95.0, "10:30", 10.0, "10:45", 15.0,
				"11:00", 1004.0),
			from: "10:00", to: "11:00",
			o: CounterOptions{Swaps: []Swap{{T: at(t, "10:50"), Old: 20, New: 1000},
				{T: at(t, "10:20"), Old: 100, New: 0}}},
			want: []want{{"10:00", 34, false, 0, 0}},
		},
		{
			// No readings from 10:30 to 12:30: 170 − 110 = 60 kWh over 2 h, spread by time:
			// 10:30–11:00 is 1/4 (15), 11:00–12:00 is 1/2 (30), 12:00–12:30 is 1/4 (15).
			// Hour 10: 5 + 5 + 15 = 25; hour 11: 30; hour 12: 15 + 5 + 5 = 25; total 80 = 180 − 100,
			// nothing lost. The spanned hours are Estimated; the gap's time is GapMS: 30, 60, 30 min.
			name: "gap of two hours",
			samples: readings(t, "10:00", 100.0, "10:15", 105.0, "10:30", 110.0, "12:30", 170.0,
				"12:45", 175.0, "13:00", 180.0),
			from: "10:00", to: "13:00",
			want: []want{{"10:00", 25, true, min30, 0}, {"11:00", 30, true, hour, 0},
				{"12:00", 25, true, min30, 0}},
		},
		{
			// The last reading is at 11:00: hour 11 has no energy and is all gap, not filled
			// (nor Estimated: nothing was guessed). Hour 10: 40 − 0 = 40.
			name:    "last hour missing",
			samples: readings(t, "10:00", 0.0, "10:15", 10.0, "10:30", 20.0, "10:45", 30.0, "11:00", 40.0),
			from:    "10:00", to: "12:00",
			want: []want{{"10:00", 40, false, 0, 0}, {"11:00", 0, false, hour, 0}},
		},
		{
			// The first reading is at 10:30: 10:00–10:30 is gap. Hour 10: 10 + 10 = 20.
			name:    "first readings late",
			samples: readings(t, "10:30", 0.0, "10:45", 10.0, "11:00", 20.0),
			from:    "10:00", to: "11:00",
			want: []want{{"10:00", 20, false, min30, 0}},
		},
		{
			// NaN readings are missing, not zero (which would read as resets): 10-minute readings
			// with 10:10 and 10:40 missing leave 20-minute intervals, within a MaxGap of 30 min.
			// Hour 10: 60 − 0 = 60.
			name: "NaN skipped",
			samples: readings(t, "10:00", 0.0, "10:10", nan, "10:20", 20.0, "10:30", 30.0, "10:40", nan,
				"10:50", 50.0, "11:00", 60.0),
			from: "10:00", to: "11:00",
			o:    CounterOptions{MaxGap: 30 * time.Minute},
			want: []want{{"10:00", 60, false, 0, 0}},
		},
		{
			// The same with the default MaxGap of 15 minutes: the two 20-minute intervals are gaps
			// (40 minutes of GapMS, hour Estimated), and the energy is still all there.
			name: "NaN skipped leaves a gap",
			samples: readings(t, "10:00", 0.0, "10:10", nan, "10:20", 20.0, "10:30", 30.0, "10:40", nan,
				"10:50", 50.0, "11:00", 60.0),
			from: "10:00", to: "11:00",
			want: []want{{"10:00", 60, true, 2 * 20 * 60 * 1000, 0}},
		},
		{
			// A reset read exactly at 11:00 ends the interval 10:45–11:00: its energy (3) and its
			// reset count in hour 10, not 11. Hour 11: 13 − 3 = 10, no reset.
			name:    "reset read on the hour",
			samples: readings(t, "10:00", 500.0, "10:15", 510.0, "10:30", 520.0, "10:45", 530.0, "11:00", 3.0, "11:15", 13.0),
			from:    "10:00", to: "12:00",
			want: []want{{"10:00", 33, false, 0, 1}, {"11:00", 10, false, 45 * 60 * 1000, 0}},
		},
		{
			// A reading earlier than the one before it is skipped; a repeated time is an empty
			// interval whose energy (here 0) goes to the hour it ends. Hour 10: 30 − 0 = 30.
			name: "out of order and repeated",
			samples: []Sample{{at(t, "10:00"), 0}, {at(t, "10:15"), 10}, {at(t, "10:05"), 999},
				{at(t, "10:15"), 10}, {at(t, "10:30"), 20}, {at(t, "10:45"), 25}, {at(t, "11:00"), 30}},
			from: "10:00", to: "11:00",
			want: []want{{"10:00", 30, false, 0, 0}},
		},
		{
			// No readings: every hour is all gap.
			name: "no readings",
			from: "10:00", to: "12:00",
			want: []want{{"10:00", 0, false, hour, 0}, {"11:00", 0, false, hour, 0}},
		},
		{
			// A 45-minute interval 10:30–11:15 (gap): 30 kWh, 2/3 (20) in hour 10, 1/3 (10) in hour
			// 11; only hour 10 is asked for and gets its share only. Hour 10: 10 + 10 + 20 = 40.
			name:    "gap reaching past to",
			samples: readings(t, "10:00", 0.0, "10:15", 10.0, "10:30", 20.0, "11:15", 50.0),
			from:    "10:00", to: "11:00",
			want: []want{{"10:00", 40, true, min30, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CounterHours(tt.samples, at(t, tt.from), at(t, tt.to), tt.o)
			checkHours(t, got, tt.want)
		})
	}
}

func TestCounterHoursEmptyRange(t *testing.T) {
	s := readings(t, "10:00", 0.0, "11:00", 1.0)
	if got := CounterHours(s, at(t, "11:00"), at(t, "11:00"), CounterOptions{}); len(got) != 0 {
		t.Errorf("from = to: got %d hours, want 0", len(got))
	}
	if got := CounterHours(s, at(t, "12:00"), at(t, "11:00"), CounterOptions{}); len(got) != 0 {
		t.Errorf("from > to: got %d hours, want 0", len(got))
	}
}

func TestPowerHours(t *testing.T) {
	tests := []struct {
		name     string
		samples  []Sample
		from, to string
		maxGap   time.Duration
		want     []want
	}{
		{
			// 6,000 W steady for an hour: 6 kWh, Estimated (integrated), no gap.
			name:    "steady",
			samples: readings(t, "10:00", 6000.0, "10:15", 6000.0, "10:30", 6000.0, "10:45", 6000.0, "11:00", 6000.0),
			from:    "10:00", to: "11:00", maxGap: 15 * time.Minute,
			want: []want{{"10:00", 6, true, 0, 0}},
		},
		{
			// Trapezoids: 10:00–10:15 (4,000 + 8,000)/2 W × 0.25 h = 1.5 kWh; 10:15–10:30 at 8,000 W
			// = 2 kWh. 10:30 → 11:30 is a gap (60 min > 15): not filled, 30 min of GapMS in each
			// hour. 11:30–11:45 (2,000 + 6,000)/2 × 0.25 = 1 kWh; 11:45–12:00 at 6,000 = 1.5 kWh.
			name: "gap not filled",
			samples: readings(t, "10:00", 4000.0, "10:15", 8000.0, "10:30", 8000.0, "11:30", 2000.0,
				"11:45", 6000.0, "12:00", 6000.0),
			from: "10:00", to: "12:00", maxGap: 15 * time.Minute,
			want: []want{{"10:00", 3.5, true, min30, 0}, {"11:00", 2.5, true, min30, 0}},
		},
		{
			// A ramp across the hour: 0 W at 10:50 to 3,000 W at 11:05, 2,000 W at 11:00 on the line.
			// 10:50–11:00: (0 + 2,000)/2 W × 1/6 h = 166.67 Wh = 1/6 kWh; 11:00–11:05:
			// (2,000 + 3,000)/2 × 1/12 h = 208.33 Wh = 5/24 kWh; together 375 Wh = (0 + 3,000)/2 × 1/4.
			// Hour 10 covers 10 min (GapMS 50 min), hour 11 5 min (GapMS 55 min).
			name:    "trapezoid split on the line",
			samples: readings(t, "10:50", 0.0, "11:05", 3000.0),
			from:    "10:00", to: "12:00", maxGap: 15 * time.Minute,
			want: []want{{"10:00", 1.0 / 6, true, 50 * 60 * 1000, 0}, {"11:00", 5.0 / 24, true, 55 * 60 * 1000, 0}},
		},
		{
			// NaN skipped; maxGap 0 is the default 15 minutes, so 10:00 → 10:30 is a gap and only
			// 10:30–10:45 at 1,200 W counts: 0.3 kWh. The hour after the last reading is not
			// Estimated: nothing was integrated there.
			name:    "NaN and default gap",
			samples: readings(t, "10:00", 1200.0, "10:15", math.NaN(), "10:30", 1200.0, "10:45", 1200.0),
			from:    "10:00", to: "12:00",
			want: []want{{"10:00", 0.3, true, 45 * 60 * 1000, 0}, {"11:00", 0, false, hour, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PowerHours(tt.samples, at(t, tt.from), at(t, tt.to), tt.maxGap)
			checkHours(t, got, tt.want)
		})
	}
}

// BenchmarkCounterHours reads a year of one meter's 1-minute counter readings into 8,760 hours.
func BenchmarkCounterHours(b *testing.B) {
	for _, n := range []int{525_600} {
		from := day.UnixMilli()
		samples := make([]Sample, n+1)
		for i := range samples {
			samples[i] = Sample{T: from + int64(i)*60_000, V: 1000 + float64(i)*0.25}
		}
		to := from + int64(n/60)*hour
		b.Run("samples="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if h := CounterHours(samples, from, to, CounterOptions{Max: 1e9}); len(h) != n/60 {
					b.Fatalf("got %d hours", len(h))
				}
			}
		})
	}
}
