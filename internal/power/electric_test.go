package power

import (
	"math"
	"testing"
)

func near1(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.4f, want %.4f (±%g)", what, got, want, tol)
	}
}

func mustLines(t *testing.T, s string) Lines {
	t.Helper()
	l, err := ParseLines(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Worked examples of the formulas in DESIGN.md (Domain facts, Electrical).
func TestPowerFormulas(t *testing.T) {
	// Single phase, P = V·I·PF: a 230 V, 10 A load at PF 0.95 is 2,185 W.
	near1(t, "single phase", SinglePhaseWatts(230, 10, 0.95), 2185, 1e-9)
	// Three phase balanced, P = √3·V_LL·I·PF: 400 V, 10 A per line, PF 0.9 is 6,235.4 W.
	near1(t, "three phase", ThreePhaseWatts(400, 10, 0.9), 6235.38, 0.01)
	// A wye load's per-line sum equals the √3 formula when balanced.
	near1(t, "wye balanced", WyeWatts(400, [3]float64{10, 10, 10}, 0.9), ThreePhaseWatts(400, 10, 0.9), 1e-9)
}

// The ServerTech example: a delta (line-to-line) rack PDU on 120/208 V whose lines read 4.6, 4.6 and
// 6.3 A draws 1,831 W; the √3 shortcut with the average line current overstates it as 1,860 W.
func TestUnbalancedDelta(t *testing.T) {
	vLL := 120 * math.Sqrt(3)
	amps := [3]float64{4.6, 4.6, 6.3}
	w, ok := DeltaWatts(vLL, amps, 1)
	if !ok {
		t.Fatal("no branch currents found")
	}
	near1(t, "per-branch (exact)", w, 1831, 1)
	avg := (amps[0] + amps[1] + amps[2]) / 3
	near1(t, "√3 shortcut", ThreePhaseWatts(vLL, avg, 1), 1860, 1)
	// The branch currents reproduce the line currents.
	br, _ := DeltaBranches(amps)
	c := LoadCurrents(br[0]*vLL, 1, vLL, mustLines(t, "L1-L2"))
	c.Add(LoadCurrents(br[1]*vLL, 1, vLL, mustLines(t, "L2-L3")))
	c.Add(LoadCurrents(br[2]*vLL, 1, vLL, mustLines(t, "L3-L1")))
	for k, m := range c.Magnitudes() {
		near1(t, lineNames[k], m, amps[k], 1e-6)
	}
	// Balanced, the branches carry I/√3 and both methods agree.
	w, _ = DeltaWatts(208, [3]float64{10, 10, 10}, 1)
	near1(t, "balanced delta", w, ThreePhaseWatts(208, 10, 1), 1e-6)
	// Readings no delta can produce are reported, not turned into a number.
	if _, ok := DeltaWatts(208, [3]float64{10, 0.1, 0.1}, 1); ok {
		t.Error("impossible line currents accepted")
	}
}

// Line currents of loads attached line to neutral, line to line and three phase, added as phasors.
func TestLoadCurrents(t *testing.T) {
	// 2,300 W at unity PF on L1 of a 400 V wye: 2300 / 230.94 = 9.959 A on L1 only.
	c := LoadCurrents(2300, 1, 400, mustLines(t, "L1"))
	m := c.Magnitudes()
	near1(t, "L1", m[0], 2300/(400/math.Sqrt(3)), 1e-9)
	near1(t, "L2", m[1], 0, 1e-12)
	// 2,080 W across L1-L2 of 208 V: 10 A in L1 and in L2.
	m = LoadCurrents(2080, 1, 208, mustLines(t, "L1-L2")).Magnitudes()
	near1(t, "L1 of L1-L2", m[0], 10, 1e-9)
	near1(t, "L2 of L1-L2", m[1], 10, 1e-9)
	near1(t, "L3 of L1-L2", m[2], 0, 1e-12)
	// Two 10 A line-to-line loads sharing L2 (L1-L2 and L2-L3) put 17.32 A on L2, not the 20 A an
	// arithmetic sum gives: the currents are 120° apart.
	c = LoadCurrents(2080, 1, 208, mustLines(t, "L1-L2"))
	c.Add(LoadCurrents(2080, 1, 208, mustLines(t, "L2-L3")))
	m = c.Magnitudes()
	near1(t, "shared L2", m[1], 10*math.Sqrt(3), 1e-9)
	near1(t, "L1", m[0], 10, 1e-9)
	near1(t, "L3", m[2], 10, 1e-9)
	// A balanced three-phase load of 6,928 W on 400 V at PF 1 draws 10 A per line.
	m = LoadCurrents(6928.2, 1, 400, ThreePhase).Magnitudes()
	for k := range m {
		near1(t, lineNames[k], m[k], 10, 1e-3)
	}
	// Power factor raises the current for the same watts: 2,185 W at PF 0.95 on 230 V is 10 A.
	near1(t, "PF", LoadCurrents(2185, 0.95, 230*math.Sqrt(3), mustLines(t, "L3")).Magnitudes()[2], 10, 1e-9)
	// Three equal L-N loads cancel in the neutral: the phasors sum to zero.
	c = LoadCurrents(1000, 1, 400, mustLines(t, "L1"))
	c.Add(LoadCurrents(1000, 1, 400, mustLines(t, "L2")))
	c.Add(LoadCurrents(1000, 1, 400, mustLines(t, "L3")))
	near1(t, "neutral", cmplxAbs(c[0]+c[1]+c[2]), 0, 1e-9)
}

func cmplxAbs(c complex128) float64 { return math.Hypot(real(c), imag(c)) }

func TestParseLines(t *testing.T) {
	for _, s := range []string{"L1", "l2", "L3-L1", "L1-L2-L3"} {
		l, err := ParseLines(s)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		if back, _ := ParseLines(l.String()); back != l {
			t.Errorf("%s round trip: %v", s, l)
		}
	}
	for _, s := range []string{"", "L4", "L1-L1", "A", "L1-L2-L2"} {
		if _, err := ParseLines(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
