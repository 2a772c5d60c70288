package chart

import (
	"bytes"
	"flag"
	"fmt"
	"github.com/plenum-dcim/plenum/internal/web/svgtext"
	"github.com/plenum-dcim/plenum/internal/web/svgtext/svgtree"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func ptr[T any](v T) *T { return &v }

type renderer interface{ Render(io.Writer) error }

func render(t testing.TB, c renderer) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// node is an element of the drawing read back.
type node = svgtree.Node

// parse checks the SVG is well-formed XML with one <svg> root and returns that root.
func parse(t *testing.T, svg []byte) *node {
	t.Helper()
	root, err := svgtree.Parse(svg)
	if err != nil {
		t.Fatalf("%v\n%s", err, svg)
	}
	return root
}

// attrNum is n's attribute attr as a number.
func attrNum(t *testing.T, n *node, attr string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.Attr[attr], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.Name, attr, n.Attr[attr], err)
	}
	return v
}

// yAxis reads the tick labels and gridlines back: value → y.
func yAxis(t *testing.T, svg *node) (vals, ys []float64) {
	t.Helper()
	g := svg.Class("ch-y")
	if len(g) != 1 {
		t.Fatalf("%d y axes", len(g))
	}
	for _, c := range g[0].Children {
		if c.Name != "text" {
			continue
		}
		v, err := strconv.ParseFloat(c.Text, 64)
		if err != nil {
			t.Fatalf("tick %q: %v", c.Text, err)
		}
		vals = append(vals, v)
		ys = append(ys, attrNum(t, c, "y")-4)
	}
	return vals, ys
}

// valueAt maps a value to y by the axis read back.
func valueAt(t *testing.T, svg *node) func(float64) float64 {
	vals, ys := yAxis(t, svg)
	if len(vals) < 2 {
		t.Fatalf("%d ticks", len(vals))
	}
	a, b := 0, len(vals)-1
	return func(v float64) float64 {
		return ys[a] + (v-vals[a])/(vals[b]-vals[a])*(ys[b]-ys[a])
	}
}

func days(n int, from time.Time) []string {
	var l []string
	for i := 0; i < n; i++ {
		l = append(l, from.AddDate(0, 0, i).Format("2006-01-02"))
	}
	return l
}

func dailyPUE() Bars {
	vals := []*float64{ptr(1.42), ptr(1.38), nil, ptr(1.55), ptr(1.71), ptr(1.49), ptr(1.44)}
	return Bars{Title: "Daily PUE", Unit: "PUE", Labels: days(len(vals), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)),
		Values: vals, Refs: []Ref{{Label: "target 1.6", Value: 1.6}}, YMin: ptr(1.0)}
}

func kwh() Bars {
	return Bars{Title: "Energy per day", Unit: "kWh", Labels: []string{"Mon", "Tue", "Wed", "Thu"},
		Values: []*float64{ptr(1200.0), ptr(3000.0), ptr(2400.0), ptr(600.0)}}
}

func TestBarsProportional(t *testing.T) {
	svg := parse(t, render(t, kwh()))
	bars := svg.Class("ch-bar")
	if len(bars) != 4 {
		t.Fatalf("%d bars, want 4", len(bars))
	}
	h := func(i int) float64 { return attrNum(t, bars[i], "height") }
	for _, pair := range [][2]int{{0, 1}, {1, 3}, {2, 3}} {
		want := []float64{1200, 3000, 2400, 600}
		got, w := h(pair[0])/h(pair[1]), want[pair[0]]/want[pair[1]]
		if math.Abs(got-w) > 0.01*w {
			t.Errorf("bars %d/%d: height ratio %.4f, want %.4f", pair[0], pair[1], got, w)
		}
	}
	// Bars stand on the axis at 0, and their tops are at their values on the scale.
	at := valueAt(t, svg)
	for i, v := range []float64{1200, 3000, 2400, 600} {
		b := bars[i]
		if y := attrNum(t, b, "y"); math.Abs(y-at(v)) > 0.15 {
			t.Errorf("bar %d: top at %.1f, want %.1f", i, y, at(v))
		}
		if bottom := attrNum(t, b, "y") + attrNum(t, b, "height"); math.Abs(bottom-at(0)) > 0.15 {
			t.Errorf("bar %d: bottom at %.1f, want %.1f", i, bottom, at(0))
		}
		if title := b.Child("title"); title == nil || !strings.Contains(title.Text, fmt.Sprintf("%.0f kWh", v)) {
			t.Errorf("bar %d: title %v, want its value in kWh without decimals", i, title)
		}
	}
	if vals, _ := yAxis(t, svg); vals[0] != 0 {
		t.Errorf("y axis starts at %g, want 0", vals[0])
	}
}

func TestBarsNoData(t *testing.T) {
	c := dailyPUE()
	svg := parse(t, render(t, c))
	bars := svg.Class("ch-bar")
	if len(bars) != 6 {
		t.Fatalf("%d bars, want 6 (one of 7 has no data)", len(bars))
	}
	for _, b := range bars {
		if strings.Contains(b.Child("title").Text, "2026-10-03") {
			t.Errorf("a bar for the day without data")
		}
	}
	var marks []*node
	for _, m := range svg.Class("ch-nodata") {
		if m.Child("title") != nil {
			marks = append(marks, m)
		}
	}
	if len(marks) != 1 || marks[0].Child("title").Text != "2026-10-03: no data" {
		t.Fatalf("no-data marks: %d, want one titled 2026-10-03: no data", len(marks))
	}
	// The mark sits in the third bar's slot, between the second and the fourth bar.
	x := func(n *node) float64 {
		m := regexp.MustCompile(`^M([-0-9.]+) `).FindStringSubmatch(n.Attr["d"])
		if m != nil {
			v, _ := strconv.ParseFloat(m[1], 64)
			return v
		}
		return attrNum(t, n, "x")
	}
	if !(x(bars[1]) < x(marks[0]) && x(marks[0]) < x(bars[2])) {
		t.Errorf("no-data mark at x %.1f, not between bars at %.1f and %.1f", x(marks[0]), x(bars[1]), x(bars[2]))
	}
	if !strings.Contains(svg.Attr["aria-label"], "1 without data") {
		t.Errorf("aria-label %q does not count the gap", svg.Attr["aria-label"])
	}
	// The legend explains the mark.
	if keys := svg.Class("ch-key"); len(keys) != 1 || keys[0].Child("text").Text != "no data" {
		t.Errorf("legend: %d entries, want one for no data", len(keys))
	}
	// PUE: two decimals; the axis starts at YMin.
	if title := bars[0].Child("title").Text; title != "2026-10-01: 1.42 PUE" {
		t.Errorf("bar title %q", title)
	}
	if vals, _ := yAxis(t, svg); vals[0] != 1 {
		t.Errorf("y axis starts at %g, want YMin 1", vals[0])
	}
}

func TestRefLine(t *testing.T) {
	for name, c := range map[string]renderer{"bars": dailyPUE(), "line": rolling()} {
		t.Run(name, func(t *testing.T) {
			svg := parse(t, render(t, c))
			refs := svg.Class("ch-ref")
			if len(refs) != 1 {
				t.Fatalf("%d ref lines", len(refs))
			}
			l := refs[0].Child("line")
			y1, y2 := attrNum(t, l, "y1"), attrNum(t, l, "y2")
			if y1 != y2 {
				t.Errorf("ref line not horizontal: %g, %g", y1, y2)
			}
			if want := valueAt(t, svg)(1.6); math.Abs(y1-want) > 0.15 {
				t.Errorf("ref 1.6 at y %.1f, want %.1f", y1, want)
			}
			if txt := refs[0].Child("text"); txt == nil || txt.Text != "target 1.6" {
				t.Errorf("ref label %v", txt)
			}
			if title := refs[0].Child("title").Text; title != "target 1.6: 1.60 PUE" {
				t.Errorf("ref title %q", title)
			}
			if !strings.Contains(style, ".ch-ref line{") || !strings.Contains(style, "stroke-dasharray:6 4") {
				t.Errorf("ref lines are not dashed")
			}
		})
	}
}

func TestNiceScale(t *testing.T) {
	for _, tt := range []struct {
		lo, hi float64
		n      int
	}{
		{0, 3000, 4}, {0, 1, 5}, {1, 1.71, 4}, {1.3, 1.9, 4}, {0, 7, 5}, {-3, 12, 5}, {0, 0.0004, 4},
		{0, 123456, 5}, {21.4, 24.9, 3}, {-50, -10, 4}, {5, 5, 4}, {0, 0, 4}, {0, 23, 8}, {1e9, 1.2e9, 4},
	} {
		s, err := niceScale(tt.lo, tt.hi, tt.n)
		if err != nil {
			t.Errorf("%v: %v", tt, err)
			continue
		}
		if s.lo > tt.lo || s.hi < tt.hi || len(s.ticks) < 2 || len(s.ticks) > tt.n+3 {
			t.Errorf("%v: %v..%v in %d ticks", tt, s.lo, s.hi, len(s.ticks))
		}
		step := s.ticks[1] - s.ticks[0]
		e := math.Floor(math.Log10(step))
		m := step / math.Pow(10, e)
		nice := false
		for _, c := range []float64{1, 2, 2.5, 5, 10} {
			nice = nice || math.Abs(m-c) < 1e-6
		}
		if !nice {
			t.Errorf("%v: step %g is not 1, 2, 2.5 or 5 × 10ⁿ", tt, step)
		}
		for i, v := range s.ticks {
			if k := v / step; math.Abs(k-math.Round(k)) > 1e-6 {
				t.Errorf("%v: tick %g is not a multiple of the step %g", tt, v, step)
			}
			if i > 0 && math.Abs(v-s.ticks[i-1]-step) > 1e-9*math.Max(1, math.Abs(v)) {
				t.Errorf("%v: uneven ticks %v", tt, s.ticks)
			}
			// The label, at the scale's decimals, is the tick exactly.
			if got, _ := strconv.ParseFloat(num(v, s.dec), 64); math.Abs(got-v) > 1e-9*math.Max(1, math.Abs(v)) {
				t.Errorf("%v: tick %g labelled %q", tt, v, num(v, s.dec))
			}
		}
	}
	// Ticks as drawn.
	for _, c := range []renderer{kwh(), dailyPUE(), rolling(), power()} {
		vals, _ := yAxis(t, parse(t, render(t, c)))
		step := vals[1] - vals[0]
		m := step / math.Pow(10, math.Floor(math.Log10(step)))
		if !(math.Abs(m-1) < 1e-6 || math.Abs(m-2) < 1e-6 || math.Abs(m-2.5) < 1e-6 || math.Abs(m-5) < 1e-6) {
			t.Errorf("drawn ticks %v: step %g not nice", vals, step)
		}
	}
}

func TestThinnedLabels(t *testing.T) {
	n := 365
	c := Bars{Title: "PUE by day", Unit: "PUE", Labels: days(n, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Values: make([]*float64, n), YMin: ptr(1.0)}
	for i := range c.Values {
		c.Values[i] = ptr(1.4 + 0.2*math.Sin(float64(i)/20))
	}
	svg := parse(t, render(t, c))
	if got := len(svg.Class("ch-bar")); got != n {
		t.Fatalf("%d bars, want %d", got, n)
	}
	labels := svg.Class("ch-xlabel")
	if len(labels) < 3 || len(labels) > 12 {
		t.Fatalf("%d x labels for %d bars, want a few", len(labels), n)
	}
	for i := 1; i < len(labels); i++ {
		a, b := labels[i-1], labels[i]
		room := attrNum(t, b, "x") - attrNum(t, a, "x")
		if need := (textW(a.Text, fontSize) + textW(b.Text, fontSize)) / 2; room < need {
			t.Errorf("labels %q and %q overlap: %.1f apart, need %.1f", a.Text, b.Text, room, need)
		}
	}
	if labels[0].Text != "2026-01-01" {
		t.Errorf("first label %q", labels[0].Text)
	}
	// Few bars: every label.
	if got := len(parse(t, render(t, kwh())).Class("ch-xlabel")); got != 4 {
		t.Errorf("%d labels for 4 bars", got)
	}
}

const nasty = `<&"'>`

func TestEscaping(t *testing.T) {
	b := Bars{Title: "T" + nasty, Unit: "U" + nasty, Labels: []string{"a" + nasty, "b"}, Values: []*float64{ptr(1.0), nil},
		Refs: []Ref{{Label: "R" + nasty, Value: 0.5}}}
	l := Line{Title: "T" + nasty, Unit: "U" + nasty, Refs: []Ref{{Label: "R" + nasty, Value: 2}},
		Series: []Series{{Name: "S" + nasty, Points: []Point{{T: t0, V: ptr(1.0)}, {T: t0.Add(time.Hour), V: ptr(2.0)}}}, {Name: "two\nlines", Points: []Point{{T: t0, V: ptr(3.0)}}}}}
	s := Spark{Label: "L" + nasty + "\x00", Points: []Point{{T: t0, V: ptr(1.0)}}}
	for name, c := range map[string]renderer{"bars": b, "line": l, "spark": s} {
		t.Run(name, func(t *testing.T) {
			raw := render(t, c)
			svg := parse(t, raw)
			if bytes.Contains(raw, []byte(nasty)) {
				t.Errorf("unescaped %q in output", nasty)
			}
			found := 0
			for _, n := range svg.All(func(*node) bool { return true }) {
				if strings.Contains(n.Text, nasty) {
					found++
				}
				if strings.Contains(n.Attr["aria-label"], nasty) {
					found++
				}
			}
			if found < 2 {
				t.Errorf("%q round-trips in only %d places", nasty, found)
			}
			if !strings.Contains(svg.Child("title").Text, nasty) {
				t.Errorf("svg title %q", svg.Child("title").Text)
			}
		})
	}
}

var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// rolling is a rolling 12-month PUE, one point a month.
func rolling() Line {
	var pts []Point
	for i := 0; i < 12; i++ {
		pts = append(pts, Point{T: time.Date(2025, time.Month(11+i), 1, 0, 0, 0, 0, time.UTC), V: ptr(1.7 - 0.02*float64(i))})
	}
	return Line{Title: "PUE, rolling 12 months", Unit: "PUE", Series: []Series{{Name: "PUE", Points: pts}},
		Refs: []Ref{{Label: "target 1.6", Value: 1.6}}, YMin: ptr(1.0)}
}

// power is a day of power in two feeds, every 5 minutes, with a gap in feed B.
func power() Line {
	var a, b []Point
	for i := 0; i < 288; i++ {
		tm := t0.Add(time.Duration(i) * 5 * time.Minute)
		a = append(a, Point{T: tm, V: ptr(40 + 5*math.Sin(float64(i)/30))})
		var v *float64
		if i < 100 || i >= 130 {
			v = ptr(38 + 4*math.Cos(float64(i)/25))
		}
		b = append(b, Point{T: tm, V: v})
	}
	b[200].V = nil // a one-point gap
	b[202].V = nil // ... leaving point 201 alone
	return Line{Title: "Power", Unit: "kW", Series: []Series{{Name: "feed A", Points: a}, {Name: "feed B", Points: b}}}
}

func TestLineGaps(t *testing.T) {
	svg := parse(t, render(t, power()))
	var paths []*node
	for _, g := range svg.Class("ch-series") {
		paths = append(paths, g.Child("path"))
	}
	if len(paths) != 2 {
		t.Fatalf("%d series paths", len(paths))
	}
	sub := func(p *node) int { return strings.Count(p.Attr["d"], "M") }
	if n := sub(paths[0]); n != 1 {
		t.Errorf("feed A without gaps: %d subpaths, want 1", n)
	}
	// Feed B: 0-99, 130-199, (201 alone: a dot), 203-287.
	if n := sub(paths[1]); n != 3 {
		t.Errorf("feed B with gaps: %d subpaths (M), want 3: %s", n, paths[1].Attr["d"][:80])
	}
	if n := strings.Count(paths[1].Attr["d"], "L"); n != 99+69+84 {
		t.Errorf("feed B: %d line segments, want %d", n, 99+69+84)
	}
	// Every point has a title; the lone one is visible, the dense others are hit targets.
	pts := svg.Class("ch-series")[1].All(func(n *node) bool { return n.Name == "circle" })
	if len(pts) != 288-30-2 {
		t.Errorf("feed B: %d points, want %d", len(pts), 288-30-2)
	}
	visible := 0
	for _, p := range pts {
		if !strings.Contains(p.Attr["class"], "ch-hit") {
			visible++
			if title, want := p.Child("title").Text, fmt.Sprintf("feed B · 2026-10-01 16:45: %.1f kW", 38+4*math.Cos(201.0/25)); title != want {
				t.Errorf("lone point title %q", title)
			}
		}
	}
	if visible != 1 {
		t.Errorf("%d visible points, want the lone one", visible)
	}
	// Legend for two series; x labels are clock times that fit.
	if keys := svg.Class("ch-key"); len(keys) != 2 || keys[1].Child("text").Text != "feed B" {
		t.Errorf("legend: %d entries", len(keys))
	}
	labels := svg.Class("ch-xlabel")
	if len(labels) < 4 || labels[0].Text != "Oct 1" || labels[1].Text[2] != ':' {
		t.Errorf("x labels %d, first %q", len(labels), labels[0].Text)
	}
}

func TestLineMonths(t *testing.T) {
	svg := parse(t, render(t, rolling()))
	var got []string
	for _, l := range svg.Class("ch-xlabel") {
		got = append(got, l.Text)
	}
	if want := "Nov 2025 Dec Jan 2026 Feb Mar Apr May Jun Jul Aug Sep Oct"; strings.Join(got, " ") != want {
		t.Errorf("x labels %q, want %q", strings.Join(got, " "), want)
	}
	pts := svg.Class("ch-pt")
	if len(pts) != 12 || strings.Contains(pts[0].Attr["class"], "ch-hit") {
		t.Fatalf("%d points, want 12 visible", len(pts))
	}
	if title := pts[0].Child("title").Text; title != "PUE · Nov 2025: 1.70 PUE" {
		t.Errorf("point title %q", title)
	}
	if len(svg.Class("ch-key")) != 0 {
		t.Errorf("a legend for one series")
	}
	// Unsorted input is drawn in time order.
	r := rolling()
	p := r.Series[0].Points
	p[0], p[5] = p[5], p[0]
	if !bytes.Equal(render(t, r), render(t, rolling())) {
		t.Errorf("point order changes the drawing")
	}
}

func TestSpark(t *testing.T) {
	var pts []Point
	for i := 0; i < 96; i++ {
		v := 22 + 2*math.Sin(float64(i)/10)
		pts = append(pts, Point{T: t0.Add(time.Duration(i) * 15 * time.Minute), V: &v})
	}
	pts[40].V = nil
	last := *pts[95].V
	pts = append(pts, Point{T: t0.Add(24 * time.Hour)}) // trailing gap: last is the last value
	s := Spark{Label: "Inlet °C", Points: pts}
	raw := render(t, s)
	svg := parse(t, raw)
	if svg.Attr["width"] != "120" || svg.Attr["height"] != "24" || svg.Attr["role"] != "img" {
		t.Errorf("svg %v", svg.Attr)
	}
	want := fmt.Sprintf("Inlet °C: min 20.0, max 24.0, last %.1f", last)
	if title := svg.Child("title").Text; title != want {
		t.Errorf("title %q, want %q", title, want)
	}
	if svg.Attr["aria-label"] != want {
		t.Errorf("aria-label %q", svg.Attr["aria-label"])
	}
	d := svg.Class("ch-spark-line")[0].Attr["d"]
	if n := strings.Count(d, "M"); n != 2 {
		t.Errorf("%d subpaths, want 2 (one gap)", n)
	}
	for _, n := range svg.All(func(n *node) bool { return n.Name == "path" || n.Name == "circle" }) {
		for _, a := range []string{"cx", "cy"} {
			if v, ok := n.Attr[a]; ok {
				f, _ := strconv.ParseFloat(v, 64)
				if f < 0 || f > 120 {
					t.Errorf("%s %s outside", a, v)
				}
			}
		}
	}
	if bytes.Contains(raw, []byte("<style")) {
		t.Errorf("a spark has a stylesheet")
	}
	// Empty.
	e := parse(t, render(t, Spark{Label: "Inlet", Points: []Point{{T: t0}}}))
	if title := e.Child("title").Text; title != "Inlet: no data" {
		t.Errorf("empty spark title %q", title)
	}
}

func TestEmptyAndErrors(t *testing.T) {
	for name, c := range map[string]renderer{
		"bars none":   Bars{Title: "PUE"},
		"bars nils":   Bars{Title: "PUE", Labels: []string{"a", "b"}, Values: []*float64{nil, ptr(math.NaN())}},
		"line none":   Line{Title: "PUE"},
		"line nils":   Line{Title: "PUE", Series: []Series{{Name: "x", Points: []Point{{T: t0}}}}},
		"line series": Line{Title: "PUE", Series: []Series{{Name: "x"}, {Name: "y"}}},
	} {
		svg := parse(t, render(t, c))
		e := svg.Class("ch-empty")
		if len(e) != 1 || e[0].Text != "no data" {
			t.Errorf("%s: no 'no data' text", name)
		}
		if !strings.HasSuffix(svg.Attr["aria-label"], ": no data") {
			t.Errorf("%s: aria-label %q", name, svg.Attr["aria-label"])
		}
		if len(svg.Class("ch-bar"))+len(svg.Class("ch-line")) != 0 {
			t.Errorf("%s: draws data", name)
		}
	}
	var buf bytes.Buffer
	if err := (Bars{Labels: []string{"a", "b"}, Values: []*float64{ptr(1.0)}}).Render(&buf); err == nil {
		t.Errorf("2 labels, 1 value: no error")
	}
	if err := (Bars{Width: 1 << 20, Labels: []string{"a"}, Values: []*float64{ptr(1.0)}}).Render(&buf); err == nil {
		t.Errorf("a huge chart: no error")
	}
	if err := (Bars{Labels: []string{"a", "b"}, Values: []*float64{ptr(-math.MaxFloat64), ptr(math.MaxFloat64)}}).Render(&buf); err == nil {
		t.Errorf("an unscalable range: no error")
	}
}

// TestEdges: odd but legal input renders well-formed and inside the chart.
func TestEdges(t *testing.T) {
	one := []Point{{T: t0, V: ptr(5.0)}}
	for name, c := range map[string]renderer{
		"bars zero":      Bars{Labels: []string{"a", "b"}, Values: []*float64{ptr(0.0), ptr(0.0)}},
		"bars negative":  Bars{Unit: "kWh", Labels: []string{"a", "b", "c"}, Values: []*float64{ptr(-500.0), ptr(1200.0), ptr(-20.0)}},
		"bars under min": Bars{Labels: []string{"a"}, Values: []*float64{ptr(0.8)}, YMin: ptr(1.0)},
		"bars tiny":      Bars{Width: 10, Height: 10, Labels: []string{"a"}, Values: []*float64{ptr(1.0)}},
		"line one":       Line{Series: []Series{{Points: one}}},
		"line same t":    Line{Series: []Series{{Points: append(one, Point{T: t0, V: ptr(6.0)})}}},
		"line 9 series": Line{Series: func() []Series {
			s := make([]Series, 9)
			for i := range s {
				s[i] = Series{Name: fmt.Sprint("s", i), Points: one}
			}
			return s
		}()},
		"line years":   Line{Series: []Series{{Points: []Point{{T: t0, V: ptr(1.0)}, {T: t0.AddDate(30, 0, 0), V: ptr(2.0)}}}}},
		"line seconds": Line{Series: []Series{{Points: []Point{{T: t0, V: ptr(1.0)}, {T: t0.Add(20 * time.Second), V: ptr(2.0)}}}}},
		"spark flat":   Spark{Points: []Point{{T: t0, V: ptr(3.0)}, {T: t0.Add(time.Hour), V: ptr(3.0)}}},
		"spark one":    Spark{Points: one},
	} {
		t.Run(name, func(t *testing.T) {
			raw := render(t, c)
			svg := parse(t, raw)
			w, h := attrNum(t, svg, "width"), attrNum(t, svg, "height")
			if bytes.Contains(raw, []byte("NaN")) || bytes.Contains(raw, []byte("Inf")) {
				t.Errorf("NaN or Inf in output")
			}
			for _, n := range svg.All(func(n *node) bool { return n.Name == "rect" || n.Name == "circle" || n.Name == "line" }) {
				for _, a := range []string{"x", "cx", "x1", "x2"} {
					if _, ok := n.Attr[a]; ok && (attrNum(t, n, a) < 0 || attrNum(t, n, a) > w) {
						t.Errorf("<%s %s=%s> outside 0..%g", n.Name, a, n.Attr[a], w)
					}
				}
				for _, a := range []string{"y", "cy", "y1", "y2"} {
					if _, ok := n.Attr[a]; ok && (attrNum(t, n, a) < 0 || attrNum(t, n, a) > h) {
						t.Errorf("<%s %s=%s> outside 0..%g", n.Name, a, n.Attr[a], h)
					}
				}
				if _, ok := n.Attr["height"]; ok && attrNum(t, n, "height") <= 0 {
					t.Errorf("<%s height=%s>", n.Name, n.Attr["height"])
				}
			}
		})
	}
	// A measured zero is a hairline bar, not a gap.
	svg := parse(t, render(t, Bars{Labels: []string{"a", "b"}, Values: []*float64{ptr(0.0), ptr(5.0)}}))
	if bars := svg.Class("ch-bar"); len(bars) != 2 || bars[0].Attr["height"] != "1" {
		t.Errorf("zero bar: %v", bars[0].Attr)
	}
	// A value under YMin lowers the axis.
	vals, _ := yAxis(t, parse(t, render(t, Bars{Labels: []string{"a"}, Values: []*float64{ptr(0.8)}, YMin: ptr(1.0)})))
	if vals[0] > 0.8 {
		t.Errorf("axis from %g hides 0.8", vals[0])
	}
}

// TestContrast: in both schemes, text (ink, muted) stands at least 4.5:1 on the background
// (WCAG AA), series, axis and the no-data mark at least 3:1 (non-text, WCAG 1.4.11); the
// stylesheet gives text only those two colors.
func TestContrast(t *testing.T) {
	for name, th := range map[string]theme{"light": light, "dark": dark} {
		check := func(what, fg string, least float64) {
			t.Helper()
			if c := contrast(t, th.bg, fg); c < least {
				t.Errorf("%s %s: %s on %s is %.2f:1, want %.1f", name, what, fg, th.bg, c, least)
			} else {
				t.Logf("%-5s %-12s %s on %s %5.2f:1", name, what, fg, th.bg, c)
			}
		}
		check("ink", th.ink, 4.5)
		check("muted", th.muted, 4.5)
		check("axis", th.axis, 3)
		if len(th.series) != nSeries {
			t.Errorf("%s: %d series colors", name, len(th.series))
		}
		for i, c := range th.series {
			check(fmt.Sprint("series ", i), c, 3)
		}
		for _, v := range []string{th.bg, th.ink, th.muted} {
			if !strings.Contains(style, v) {
				t.Errorf("%s: %s not in the stylesheet", name, v)
			}
		}
	}
	// Every text fill in the stylesheet is ink or muted (the ref label's halo is the
	// background), in each theme; each theme's rules are in the stylesheet.
	for name, th := range map[string]theme{"light": light, "dark": dark} {
		rules := th.rules("")
		for _, prefix := range []string{"", "[data-theme=" + name + "] "} {
			if !strings.Contains(style, th.rules(prefix)) {
				t.Errorf("%s rules with prefix %q are not in the stylesheet", name, prefix)
			}
		}
		n := 0
		for _, m := range regexp.MustCompile(`([^{}]*)\{(fill|stroke):([^;}]*)\}`).FindAllStringSubmatch(rules, -1) {
			sel, prop, color := m[1], m[2], m[3]
			if !strings.Contains(sel, "text") && !strings.Contains(sel, "title") && !strings.Contains(sel, "tick") &&
				!strings.Contains(sel, "label") && !strings.Contains(sel, "unit") && !strings.Contains(sel, "empty") {
				continue
			}
			n++
			switch {
			case prop == "fill" && (color == th.ink || color == th.muted):
			case prop == "stroke" && sel == ".ch-ref text" && color == th.bg:
			default:
				t.Errorf("%s: text %q %s %s", name, sel, prop, color)
			}
		}
		if n < 3 {
			t.Errorf("%s: only %d text rules checked", name, n)
		}
	}
	// Every text element the charts write has a class (or parent) the stylesheet colors.
	for _, c := range []renderer{dailyPUE(), power(), Bars{Title: "x"}} {
		svg := parse(t, render(t, c))
		for _, tx := range svg.All(func(n *node) bool { return n.Name == "text" }) {
			cls, parent := tx.Attr["class"], tx.Parent.Attr["class"]
			switch {
			case cls == "ch-title", cls == "ch-unit", cls == "ch-tick", cls == "ch-xlabel", cls == "ch-empty":
			case parent == "ch-ref", parent == "ch-key":
			default:
				t.Errorf("text %q (class %q in %q) has no checked color", tx.Text, cls, parent)
			}
		}
	}
}

func TestDeterministicGolden(t *testing.T) {
	for name, c := range map[string]renderer{
		"pue-daily.svg":   dailyPUE(),
		"pue-rolling.svg": rolling(),
		"power-day.svg":   power(),
		"spark.svg":       Spark{Label: "Inlet °C", Points: power().Series[1].Points},
	} {
		got := render(t, c)
		if again := render(t, c); !bytes.Equal(got, again) {
			t.Errorf("%s: two renders differ", name)
		}
		golden := filepath.Join("testdata", name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(want, got) {
			t.Errorf("output differs from %s (run with -update if intended)", golden)
		}
	}
}

func BenchmarkBars365(b *testing.B) {
	c := Bars{Unit: "kWh", Labels: days(365, t0), Values: make([]*float64, 365)}
	for i := range c.Values {
		c.Values[i] = ptr(float64(1000 + i))
	}
	for b.Loop() {
		if err := c.Render(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// TestInlineStylesheet: a chart for a page leaves its <style> out; the stylesheet the page links
// instead styles ch- classes only, so it reaches nothing else on the page.
func TestInlineStylesheet(t *testing.T) {
	var buf bytes.Buffer
	one := 1.4
	if err := (Bars{Title: "PUE", Labels: []string{"a"}, Values: []*float64{&one}, Inline: true}).Render(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<style") {
		t.Error("an inline chart carries a <style>")
	}
	css := Stylesheet()
	for _, rule := range strings.Split(css, "}") {
		sel, body, ok := strings.Cut(rule, "{")
		if !ok {
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(sel), "@media") { // the first rule inside a media block
			if sel, _, ok = strings.Cut(body, "{"); !ok {
				continue
			}
		}
		for _, one := range strings.Split(sel, ",") {
			if one = strings.TrimSpace(one); one != "" && !strings.Contains(one, ".ch-") {
				t.Errorf("selector %q reaches beyond the charts", one)
			}
		}
	}
}

// contrast is the WCAG 2 contrast ratio of two colors (svgtext.Contrast).
func contrast(t *testing.T, a, b string) float64 {
	t.Helper()
	c, err := svgtext.Contrast(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
