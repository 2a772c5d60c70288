// Package power owns the electrical side of the facility model: how power flows down the chain from
// utility feed to device power supply, the loads every node carries per phase, and what happens when
// a node fails. It does no I/O; the store hands it a snapshot of the chain.
//
// Conventions (and where they come from):
//   - Single phase: P = V·I·PF. Three phase balanced: P = √3·V_LL·I·PF. Watts (real power) and
//     volt-amperes (apparent power) are never mixed: loads are watts, ratings say which they are.
//   - Three-phase nodes carry a current phasor per line. A line-to-neutral load adds its current to
//     one line; a line-to-line load (a 208 V delta PDU outlet, say) adds its current to one line and
//     takes it from the other, so unbalanced loads give the true line currents rather than the
//     arithmetic sums many spreadsheets use. All loads are taken to share one power factor angle,
//     which then only rotates every phasor alike and leaves the magnitudes exact.
//   - Derating is a policy per node (IEC 60364, which Malaysia follows as MS IEC 60364, has no NEC
//     80% rule): the share of a rating usable for continuous load, default 0.8.
package power

import (
	"fmt"
	"math"
	"math/cmplx"
	"strings"
)

// Lines says which conductors of a three-phase supply a load or node is connected across: one line to
// neutral (L1, L2 or L3), two lines (L1-L2, L2-L3, L3-L1), or all three (L1-L2-L3).
type Lines struct {
	A, B  int // line indexes 0..2; B is -1 for line to neutral
	Three bool
}

var (
	// ThreePhase is a three-phase connection.
	ThreePhase = Lines{A: -1, B: -1, Three: true}
	lineNames  = [3]string{"L1", "L2", "L3"}
)

// ParseLines reads "L1", "L2-L3", "L1-L2-L3" (case-insensitive).
func ParseLines(s string) (Lines, error) {
	parts := strings.Split(strings.ToUpper(strings.TrimSpace(s)), "-")
	idx := make([]int, len(parts))
	for i, p := range parts {
		switch p {
		case "L1":
			idx[i] = 0
		case "L2":
			idx[i] = 1
		case "L3":
			idx[i] = 2
		default:
			return Lines{}, fmt.Errorf("%q is not a line: want L1, L2, L3, a pair such as L1-L2, or L1-L2-L3", s)
		}
	}
	switch len(idx) {
	case 1:
		return Lines{A: idx[0], B: -1}, nil
	case 2:
		if idx[0] == idx[1] {
			return Lines{}, fmt.Errorf("%q names one line twice", s)
		}
		return Lines{A: idx[0], B: idx[1]}, nil
	case 3:
		if idx[0] == idx[1] || idx[1] == idx[2] || idx[0] == idx[2] {
			return Lines{}, fmt.Errorf("%q names one line twice", s)
		}
		return ThreePhase, nil
	}
	return Lines{}, fmt.Errorf("%q is not a line: want L1, L2, L3, a pair such as L1-L2, or L1-L2-L3", s)
}

func (l Lines) String() string {
	switch {
	case l.Three:
		return "L1-L2-L3"
	case l.A < 0 || l.A > 2:
		return "" // not said
	case l.B < 0:
		return lineNames[l.A]
	}
	return lineNames[l.A] + "-" + lineNames[l.B]
}

// LineToLine reports whether the connection is across two lines.
func (l Lines) LineToLine() bool { return !l.Three && l.B >= 0 }

// Phasor angles of the line-to-neutral voltages (L1 at 0°, L2 at −120°, L3 at +120°); a line-to-line
// voltage V_jk = V_j − V_k leads V_j by 30°.
var lnAngle = [3]float64{0, -2 * math.Pi / 3, 2 * math.Pi / 3}

func unit(angle float64) complex128 { return cmplx.Rect(1, angle) }

// The unit phasors of the line-to-neutral voltages and of the line-to-line ones (V_jk, j the line,
// k the next), computed once: load flows multiply by them for every port.
var lnUnit, llUnit = func() (ln, ll [3]complex128) {
	for k := range ln {
		ln[k] = unit(lnAngle[k])
		ll[k] = unit(lnAngle[k] + math.Pi/6)
	}
	return
}()

// llPhasor is the unit phasor of the voltage from line a to line b.
func llPhasor(a, b int) complex128 {
	if b == (a+1)%3 {
		return llUnit[a]
	}
	return -llUnit[b] // V_ab = −V_ba
}

// Currents are the line current phasors of a three-phase node, in amperes.
type Currents [3]complex128

// Magnitudes returns the RMS current of each line.
func (c Currents) Magnitudes() [3]float64 {
	return [3]float64{cmplx.Abs(c[0]), cmplx.Abs(c[1]), cmplx.Abs(c[2])}
}

// Add adds o to c.
func (c *Currents) Add(o Currents) {
	for i := range c {
		c[i] += o[i]
	}
}

// Scale multiplies every line by f (a transformer's voltage ratio).
func (c Currents) Scale(f float64) Currents {
	for i := range c {
		c[i] *= complex(f, 0)
	}
	return c
}

// LoadCurrents returns the line currents a load of watts at power factor pf draws when connected
// across lines of a supply whose line-to-line voltage is vLL (for a three-phase supply) or whose
// voltage is vLL across the load (single phase, one line given).
//   - line to neutral: I = P / (V_LN · PF) on that line, V_LN = V_LL/√3;
//   - line to line: I = P / (V_LL · PF), into one line and out of the other;
//   - three phase, balanced: I = P / (√3 · V_LL · PF) on every line.
func LoadCurrents(watts, pf, vLL float64, l Lines) Currents {
	var c Currents
	if watts == 0 || vLL <= 0 || pf <= 0 {
		return c
	}
	switch {
	case l.Three:
		i := watts / (math.Sqrt(3) * vLL * pf)
		for k := range c {
			c[k] = complex(i, 0) * lnUnit[k]
		}
	case l.B < 0:
		c[l.A] = complex(watts/(vLL/math.Sqrt(3)*pf), 0) * lnUnit[l.A]
	default:
		i := complex(watts/(vLL*pf), 0) * llPhasor(l.A, l.B)
		c[l.A] += i
		c[l.B] -= i
	}
	return c
}

// SinglePhaseWatts is P = V·I·PF.
func SinglePhaseWatts(volts, amps, pf float64) float64 { return volts * amps * pf }

// ThreePhaseWatts is the balanced formula P = √3·V_LL·I·PF, with I the line current.
func ThreePhaseWatts(vLL, amps, pf float64) float64 { return math.Sqrt(3) * vLL * amps * pf }

// WyeWatts is the power of a wye (line-to-neutral) load from its three line currents: the sum of
// V_LN·I·PF over the lines, exact however unbalanced the lines are.
func WyeWatts(vLL float64, amps [3]float64, pf float64) float64 {
	return vLL / math.Sqrt(3) * (amps[0] + amps[1] + amps[2]) * pf
}

// DeltaWatts is the power of a delta (line-to-line) load, such as a 208 V three-phase rack PDU, from
// its three measured line currents. The line currents of a delta are differences of its branch
// currents, so the branch currents are solved for (Newton's method from the balanced guess) and
// P = V_LL·(I_12 + I_23 + I_31)·PF. Unbalanced, this is less than √3·V_LL·I_avg·PF: the
// ServerTech example of lines at 4.6, 4.6 and 6.3 A on 208 V gives 1,831 W where the √3 shortcut
// says 1,860 W. ok is false when no branch currents give those line currents (inconsistent readings).
func DeltaWatts(vLL float64, amps [3]float64, pf float64) (watts float64, ok bool) {
	br, ok := DeltaBranches(amps)
	if !ok {
		return 0, false
	}
	return vLL * (br[0] + br[1] + br[2]) * pf, true
}

// DeltaBranches solves the branch currents (L1-L2, L2-L3, L3-L1) of a delta load with resistive-
// like branches from its line current magnitudes. For branches x = I_12, y = I_23, z = I_31, whose
// phasors lie 120° apart: I_1² = x² + z² + xz, I_2² = y² + x² + xy, I_3² = z² + y² + yz.
func DeltaBranches(amps [3]float64) ([3]float64, bool) {
	sq := [3]float64{amps[0] * amps[0], amps[1] * amps[1], amps[2] * amps[2]}
	avg := (amps[0] + amps[1] + amps[2]) / 3
	if avg == 0 {
		return [3]float64{}, true
	}
	b := [3]float64{avg / math.Sqrt(3), avg / math.Sqrt(3), avg / math.Sqrt(3)}
	f := func(b [3]float64) [3]float64 {
		x, y, z := b[0], b[1], b[2]
		return [3]float64{x*x + z*z + x*z - sq[0], y*y + x*x + x*y - sq[1], z*z + y*y + y*z - sq[2]}
	}
	for iter := 0; iter < 50; iter++ {
		x, y, z := b[0], b[1], b[2]
		r := f(b)
		if math.Abs(r[0])+math.Abs(r[1])+math.Abs(r[2]) < 1e-12*(1+sq[0]+sq[1]+sq[2]) {
			break
		}
		// Jacobian of f with respect to (x, y, z).
		j := [3][3]float64{
			{2*x + z, 0, 2*z + x},
			{2*x + y, 2*y + x, 0},
			{0, 2*y + z, 2*z + y},
		}
		d, ok := solve3(j, r)
		if !ok {
			return b, false
		}
		for k := range b {
			b[k] -= d[k]
		}
	}
	r := f(b)
	for k := range b {
		if b[k] < -1e-9 || math.Abs(r[k]) > 1e-6*(1+sq[k]) {
			return b, false
		}
		b[k] = math.Max(b[k], 0)
	}
	return b, true
}

// solve3 solves the 3×3 system m·x = v by Cramer's rule.
func solve3(m [3][3]float64, v [3]float64) ([3]float64, bool) {
	det := func(m [3][3]float64) float64 {
		return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
			m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	}
	d := det(m)
	if math.Abs(d) < 1e-15 {
		return [3]float64{}, false
	}
	var x [3]float64
	for c := 0; c < 3; c++ {
		mc := m
		for r := 0; r < 3; r++ {
			mc[r][c] = v[r]
		}
		x[c] = det(mc) / d
	}
	return x, true
}
