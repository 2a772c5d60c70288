package web

import (
	"math"
	"testing"
)

// TestSlope: the forecast's least-squares slope, worked by hand. Daily peaks 100, 102, 104.5,
// 105, 108 kW: x̄ = 2, ȳ = 103.9, Σ(x−x̄)(y−ȳ) = 19, Σ(x−x̄)² = 10, so 1.9 kW a day; a room at
// 108 kW with a 127 kW budget is full in (127 − 108) / 1.9 = 10 days.
func TestSlope(t *testing.T) {
	got := slope([]float64{0, 1, 2, 3, 4}, []float64{100, 102, 104.5, 105, 108})
	if math.Abs(got-1.9) > 1e-9 {
		t.Errorf("slope %v, want 1.9", got)
	}
	if days := (127 - 108) / got; math.Abs(days-10) > 1e-9 {
		t.Errorf("full in %v days, want 10", days)
	}
	if s := slope([]float64{3, 3}, []float64{1, 2}); s != 0 {
		t.Errorf("one x: slope %v, want 0", s)
	}
}
