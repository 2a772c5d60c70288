package capacity

import (
	"math"
	"testing"
	"time"
)

// TestSlope: the forecast's least-squares slope, worked by hand. Daily peaks 100, 102, 104.5,
// 105, 108 kW: x̄ = 2, ȳ = 103.9, Σ(x−x̄)(y−ȳ) = 19, Σ(x−x̄)² = 10, so 1.9 kW a day.
func TestSlope(t *testing.T) {
	got := Slope([]float64{0, 1, 2, 3, 4}, []float64{100, 102, 104.5, 105, 108})
	if math.Abs(got-1.9) > 1e-9 {
		t.Errorf("slope %v, want 1.9", got)
	}
	if s := Slope([]float64{3, 3}, []float64{1, 2}); s != 0 {
		t.Errorf("one x: slope %v, want 0", s)
	}
}

// TestForecast: the same peaks spread over a week and more (100, 102, 104.5, 105, 108, 110.5,
// 112 kW on days 0..6: 56.5 / 28 = 2.018 kW a day by least squares) against a 127 kW budget: (127 − 112)
// / 2.018 = 7.43 days. Too short a history, a falling line and a figure past its limit are handled.
func TestForecast(t *testing.T) {
	day0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var days []DayValue
	for i, v := range []float64{100, 102, 104.5, 105, 108, 110.5, 112} {
		days = append(days, DayValue{Day: day0.AddDate(0, 0, i), V: v})
	}
	o := Forecast(days, 127)
	// x̄ = 3, ȳ = 106, Σ(x−x̄)(y−ȳ) = 3·6 + 2·4 + 1·1.5 + 0 + 1·2 + 2·4.5 + 3·6 = 56.5, Σ(x−x̄)² = 28.
	if want := 56.5 / 28; math.Abs(o.PerDay-want) > 1e-9 || o.DaysLeft == nil || math.Abs(*o.DaysLeft-(127-112)/want) > 1e-9 || o.Days != 7 {
		t.Fatalf("outlook %+v, want %v a day", o, want)
	}
	if o := Forecast(days[:6], 127); o.DaysLeft != nil || o.Last != 110.5 {
		t.Errorf("six days: %+v, want no date", o)
	}
	falling := make([]DayValue, len(days))
	for i, d := range days {
		falling[i] = DayValue{Day: d.Day, V: 200 - d.V}
	}
	if o := Forecast(falling, 127); o.DaysLeft != nil || o.PerDay >= 0 {
		t.Errorf("falling: %+v", o)
	}
	if o := Forecast(days, 110); o.DaysLeft == nil || *o.DaysLeft != 0 {
		t.Errorf("past its limit: %+v", o)
	}
}
