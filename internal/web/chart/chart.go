// Package chart draws small charts as SVG on the server: bars over time buckets, lines over
// time and inline sparklines. It needs no fonts, scripts or images from outside, every string
// it writes is escaped, and its output depends only on its input, byte for byte.
//
// Bars and Line carry their own stylesheet, colors by CSS class (ch-*): light by default, dark
// under prefers-color-scheme: dark, and either one forced by an ancestor's data-theme="light"
// or data-theme="dark" (the page's theme switch, when the SVG is inline in the page). Spark has
// no stylesheet: it draws in currentColor, so it takes the color of the text around it.
package chart

import (
	"bufio"
	"fmt"
	"github.com/plenum-dcim/plenum/internal/web/svgtext"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bars is a bar chart of one series over time buckets (daily or monthly PUE, kWh per day), with
// optional reference lines (a target: PUE 1.6).
type Bars struct {
	Title  string
	Unit   string     // axis caption: "PUE", "kWh", "kgCO2e"
	Labels []string   // one per bar: "2026-10-01" or "Oct 2026"; long runs of labels are thinned on the axis
	Values []*float64 // nil (or NaN, ±Inf) = no data: a gap with a small "no data" mark, never drawn as zero
	Refs   []Ref      // horizontal reference lines, labelled
	// Width and Height are the size in px; 0 (or less) means the default 720 x 240.
	Width, Height int
	// YMin is the bottom of the y axis: by default 0 (or the nice tick under the lowest value,
	// when a value is negative); for a ratio like PUE the caller passes a round value under the
	// minimum. A value or reference under YMin lowers the axis to take it in.
	YMin *float64
	// Inline leaves the <style> out: the SVG goes inside a page that links Stylesheet() (a page's
	// Content-Security-Policy keeps an inline <style> from applying).
	Inline bool
}

// Ref is a horizontal reference line (a target), drawn dashed and labelled.
type Ref struct {
	Label string
	Value float64 // NaN or ±Inf: not drawn
}

// Line is a line chart of one or more series sharing an x axis of times (the rolling 12-month
// PUE, a day of power).
type Line struct {
	Title  string
	Unit   string
	Series []Series
	Refs   []Ref
	// Width and Height are the size in px; 0 (or less) means the default 720 x 240.
	Width, Height int
	YMin          *float64 // as in Bars
	Inline        bool     // as in Bars
}

// Series is one named line. A legend is drawn when a chart has more than one.
type Series struct {
	Name   string
	Points []Point // in any order; drawn in time order
}

// Point is one value at a time. A nil V (or NaN, ±Inf) breaks the line (a gap).
type Point struct {
	T time.Time
	V *float64
}

// Spark is a small inline trend (a rack's inlet temperature over a day) with no axes: min, max
// and last value are in its <title> (and aria-label).
type Spark struct {
	Label  string
	Points []Point
	// Width and Height are the size in px; 0 (or less) means the default 120 x 24.
	Width, Height int
}

// Geometry, in SVG user units (pixels at 100%).
const (
	fontSize  = 11.0  // ticks, labels, legend
	titleSize = 13.0  // the title
	charEm    = 0.64  // average glyph width, in em, for fitting text (as floorplan)
	pad       = 8.0   // around everything
	tickGap   = 6.0   // between a y tick label and the plot
	xLabelH   = 20.0  // the row of x labels under the plot
	keyRowH   = 16.0  // one row of the legend
	labelGap  = 8.0   // least room between two x labels
	maxSize   = 20000 // width or height, at most
)

// theme is the colors of one color scheme. Text is ink or muted on bg (at least 4.5:1); series
// colors, the axis and the no-data mark are graphics (at least 3:1 on bg).
type theme struct {
	bg, ink, muted, grid, axis string
	series                     []string
}

// light is the default scheme. Series: Okabe–Ito, keeping only the colors that stand 3:1 on
// white (blue, vermillion, bluish green, reddish purple, black).
var light = theme{
	bg: "#ffffff", ink: "#1d2733", muted: "#48525e", grid: "#e3e7ec", axis: "#6e7681",
	series: []string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#000000"},
}

// dark matches plenum.css's dark background. Series: the same hues, lightened where needed
// (blue to sky blue, black to near-white).
var dark = theme{
	bg: "#0d1117", ink: "#e6edf3", muted: "#9da7b3", grid: "#21262d", axis: "#8b949e",
	series: []string{"#56b4e9", "#d55e00", "#009e73", "#cc79a7", "#e6edf3"},
}

// nSeries is the number of series colors; past it colors repeat, dashed (class ch-alt).
const nSeries = 5

// rules is the stylesheet's colors in a theme, each selector under prefix ("" or an
// ancestor's "[data-theme=dark] "). Series rules name the element too (.ch-line.ch-s0), so a
// prefixed one cannot fill a line.
func (t theme) rules(prefix string) string {
	var b strings.Builder
	rule := func(decl string, sels ...string) {
		for i, s := range sels {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(prefix + s)
		}
		b.WriteString("{" + decl + "}")
	}
	rule("fill:"+t.bg, ".ch-bg")
	rule("fill:"+t.ink, ".ch-title", ".ch-key text", ".ch-ref text")
	rule("fill:"+t.muted, ".ch-unit", ".ch-tick", ".ch-xlabel", ".ch-empty")
	rule("stroke:"+t.bg, ".ch-ref text")
	rule("stroke:"+t.ink, ".ch-ref line")
	rule("stroke:"+t.muted, ".ch-nodata")
	rule("stroke:"+t.grid, ".ch-grid")
	rule("stroke:"+t.axis, ".ch-axis")
	b.WriteByte('\n')
	for i, c := range t.series {
		rule("fill:"+c, fmt.Sprintf(".ch-bar.ch-s%d", i), fmt.Sprintf(".ch-pt.ch-s%d", i))
		rule("stroke:"+c, fmt.Sprintf(".ch-line.ch-s%d", i))
	}
	b.WriteByte('\n')
	return b.String()
}

// style is the stylesheet of Bars and Line: light; dark where the system prefers it; either
// where an ancestor's data-theme says so. When the SVG is inline its rules apply to the whole
// page, so every class is prefixed ch-. Colors are literal (no custom properties), for
// renderers without them.
var style = `.ch-title{font-size:13px;font-weight:bold}.ch-tick{text-anchor:end;font-variant-numeric:tabular-nums}
.ch-xlabel{text-anchor:middle}.ch-empty{text-anchor:middle;font-size:13px}
.ch-grid,.ch-axis{stroke-width:1}.ch-ref line{stroke-width:1.5;stroke-dasharray:6 4}
.ch-ref text{text-anchor:end;stroke-width:3px;stroke-linejoin:round;paint-order:stroke}.ch-nodata{fill:none;stroke-width:1.2}
.ch-bar,.ch-pt{stroke:none}.ch-bar:hover{fill-opacity:.75}.ch-line{fill:none;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.ch-alt{stroke-dasharray:7 3}.ch-pt.ch-hit{fill-opacity:0}.ch-pt.ch-hit:hover{fill-opacity:1}
` + light.rules("") +
	"@media (prefers-color-scheme:dark){\n" + dark.rules("") + "}\n" +
	light.rules("[data-theme=light] ") + dark.rules("[data-theme=dark] ")

// ---- Bars ----

// Render writes the SVG of the bar chart. Labels and Values must be the same length; a chart
// without a single value is drawn with "no data" in it.
func (c Bars) Render(w io.Writer) error {
	if len(c.Labels) != len(c.Values) {
		return fmt.Errorf("chart: %d labels for %d values", len(c.Labels), len(c.Values))
	}
	width, height, err := dims(c.Width, c.Height, 720, 240, 120, 80)
	if err != nil {
		return err
	}
	n := len(c.Labels)
	lo, hi, ok := math.Inf(1), math.Inf(-1), false
	gaps, loAt, hiAt := 0, 0, 0
	for i, p := range c.Values {
		v, valid := value(p)
		if !valid {
			gaps++
			continue
		}
		if v < lo {
			lo, loAt = v, i
		}
		if v > hi {
			hi, hiAt = v, i
		}
		ok = true
	}
	dec := decimals(lo, hi)

	name := c.Title
	if name == "" {
		name = "Bar chart"
	}
	var label string
	if !ok {
		label = name + ": no data"
	} else {
		label = fmt.Sprintf("%s (bar chart%s): %d %s from %s to %s; lowest %s (%s), highest %s (%s)",
			name, unitPart(c.Unit), n, plural(n, "bar", "bars"), c.Labels[0], c.Labels[n-1],
			withUnit(num(lo, dec), c.Unit), c.Labels[loAt], withUnit(num(hi, dec), c.Unit), c.Labels[hiAt])
		if gaps > 0 {
			label += fmt.Sprintf("; %d without data", gaps)
		}
		label += refsPart(c.Refs, dec, c.Unit)
	}

	var keys []keyItem
	if ok && gaps > 0 {
		keys = append(keys, keyItem{nodata: true, label: "no data"})
	}
	f := frame{w: float64(width), h: float64(height), title: c.Title, unit: c.Unit}
	rows := f.keyRows(keys)
	f.layoutV(len(rows))

	o := newOut(w)
	o.head("chart chart-bars", width, height, label, c.Inline)
	o.frameText(&f)
	if !ok {
		o.empty(&f)
		return o.b.Flush()
	}
	if err := f.scaleY(lo, hi, c.YMin, c.Refs); err != nil {
		return err
	}
	f.layoutH()
	o.grid(&f)

	slot := f.pw / float64(n)
	bw := slot
	if slot >= 4 {
		bw = math.Min(slot*0.8, 64)
	}
	base := math.Max(f.lo, math.Min(0, f.hi))
	by := f.sy(base)
	o.p(`<g class="ch-bars">` + "\n")
	for i, p := range c.Values {
		v, valid := value(p)
		cx := f.px + (float64(i)+0.5)*slot
		if !valid {
			s := math.Max(math.Min(bw, 6), 3) / 2
			o.p(`<path class="ch-nodata" d="M%s %sl%s %sm0 -%sl-%s %s"><title>%s</title></path>`+"\n",
				coord(cx-s), coord(by-2*s-1), coord(2*s), coord(2*s), coord(2*s), coord(2*s), coord(2*s),
				esc(c.Labels[i]+": no data"))
			continue
		}
		y := f.sy(v)
		top, h := math.Min(y, by), math.Abs(by-y)
		if h < 1 { // a measured zero: a hairline, not nothing
			h = 1
			if v >= base {
				top = by - 1
			} else {
				top = by
			}
		}
		o.p(`<rect class="ch-bar ch-s0" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`+"\n",
			coord(cx-bw/2), coord(top), coord(bw), coord(h), esc(c.Labels[i]+": "+withUnit(num(v, dec), c.Unit)))
	}
	o.p("</g>\n")
	o.axis(&f, by)

	// x labels: every k-th, k the least nice step at which the widest label fits its slots.
	widest := 0.0
	for _, l := range c.Labels {
		widest = math.Max(widest, textW(l, fontSize))
	}
	k := niceEvery(int(math.Ceil((widest + labelGap) / slot)))
	var ticks []xTick
	for i := 0; i < n; i += k {
		ticks = append(ticks, xTick{x: f.px + (float64(i)+0.5)*slot, label: c.Labels[i]})
	}
	o.xLabels(&f, thin(&f, ticks))
	o.refs(&f, c.Refs, dec, c.Unit)
	o.keys(&f, rows)
	o.p("</svg>\n")
	return o.b.Flush()
}

// niceEvery is the least of 1, 2, 3, 4, 5, 6, 7, 10, 12, 14, 15, 20, 25, 30, 50, then 1, 2, 5
// × 10ⁿ, that is at least k.
func niceEvery(k int) int {
	for _, c := range []int{1, 2, 3, 4, 5, 6, 7, 10, 12, 14, 15, 20, 25, 30, 50} {
		if c >= k {
			return c
		}
	}
	for m := 100; ; m *= 10 {
		for _, f := range []int{1, 2, 5} {
			if f*m >= k {
				return f * m
			}
		}
	}
}

// ---- Line ----

// Render writes the SVG of the line chart. A chart without a single value is drawn with
// "no data" in it.
func (c Line) Render(w io.Writer) error {
	width, height, err := dims(c.Width, c.Height, 720, 240, 120, 80)
	if err != nil {
		return err
	}
	// Each series' points in time order; the time and value range over all of them.
	series := make([][]Point, len(c.Series))
	var tmin, tmax time.Time
	anyT := false
	lo, hi, ok := math.Inf(1), math.Inf(-1), false
	var all []Point
	for i, s := range c.Series {
		pts := append([]Point(nil), s.Points...)
		sort.SliceStable(pts, func(a, b int) bool { return pts[a].T.Before(pts[b].T) })
		series[i] = pts
		for _, p := range pts {
			if !anyT || p.T.Before(tmin) {
				tmin = p.T
			}
			if !anyT || p.T.After(tmax) {
				tmax = p.T
			}
			anyT = true
			if v, valid := value(p.V); valid {
				lo, hi, ok = math.Min(lo, v), math.Max(hi, v), true
				all = append(all, p)
			}
		}
	}
	dec := decimals(lo, hi)
	layout := timeLayout(all)

	name := c.Title
	if name == "" {
		name = "Line chart"
	}
	var label string
	if !ok {
		label = name + ": no data"
	} else {
		var names []string
		for _, s := range c.Series {
			if s.Name != "" {
				names = append(names, s.Name)
			}
		}
		label = fmt.Sprintf("%s (line chart%s): ", name, unitPart(c.Unit))
		if len(c.Series) > 1 {
			label += fmt.Sprintf("%d series", len(c.Series))
			if len(names) > 0 {
				label += " (" + strings.Join(names, ", ") + ")"
			}
			label += ", "
		}
		label += fmt.Sprintf("%s to %s; lowest %s, highest %s", tmin.Format(layout), tmax.Format(layout),
			withUnit(num(lo, dec), c.Unit), withUnit(num(hi, dec), c.Unit))
		label += refsPart(c.Refs, dec, c.Unit)
	}

	var keys []keyItem
	if len(c.Series) > 1 {
		for i, s := range c.Series {
			keys = append(keys, keyItem{series: i, label: s.Name})
		}
	}
	f := frame{w: float64(width), h: float64(height), title: c.Title, unit: c.Unit}
	rows := f.keyRows(keys)
	f.layoutV(len(rows))

	o := newOut(w)
	o.head("chart chart-line", width, height, label, c.Inline)
	o.frameText(&f)
	if !ok {
		o.empty(&f)
		return o.b.Flush()
	}
	if err := f.scaleY(lo, hi, c.YMin, c.Refs); err != nil {
		return err
	}
	f.layoutH()
	o.grid(&f)
	o.axis(&f, f.sy(math.Max(f.lo, math.Min(0, f.hi))))

	span := tmax.Sub(tmin).Seconds()
	sx := func(t time.Time) float64 {
		if span <= 0 {
			return f.px + f.pw/2
		}
		return f.px + t.Sub(tmin).Seconds()/span*f.pw
	}
	o.xLabels(&f, timeTicks(&f, tmin, tmax, sx))

	for i, pts := range series {
		cls := seriesClass(i)
		// The path: one subpath (M) per run of two or more points; a lone point is a dot.
		var d strings.Builder
		count, runStart := 0, -1
		alone := make([]bool, len(pts))
		endRun := func(j int) {
			if runStart >= 0 && j-runStart == 1 {
				alone[runStart] = true
			}
			runStart = -1
		}
		for j, p := range pts {
			v, valid := value(p.V)
			if !valid {
				endRun(j)
				continue
			}
			count++
			if runStart < 0 {
				runStart = j
				if j+1 < len(pts) && has(pts[j+1].V) {
					fmt.Fprintf(&d, "M%s %s", coord(sx(p.T)), coord(f.sy(v)))
				}
				continue
			}
			fmt.Fprintf(&d, "L%s %s", coord(sx(p.T)), coord(f.sy(v)))
		}
		endRun(len(pts))
		sname := c.Series[i].Name
		o.p(`<g class="ch-series" data-series="%d">`, i)
		if sname != "" {
			o.p("<title>%s</title>", esc(sname))
		}
		o.p("\n")
		if d.Len() > 0 {
			o.p(`<path class="ch-line %s" d="%s"/>`+"\n", cls, d.String())
		}
		// Points: visible dots when there is room between them (and lone points always),
		// otherwise invisible targets for their titles.
		sparse := count <= 1 || f.pw/float64(count-1) >= 8
		prefix := ""
		if sname != "" {
			prefix = sname + " · "
		}
		for j, p := range pts {
			v, valid := value(p.V)
			if !valid {
				continue
			}
			hit, r := "", "2.5"
			if !sparse && !alone[j] {
				hit, r = " ch-hit", "3"
			}
			o.p(`<circle class="ch-pt %s%s" cx="%s" cy="%s" r="%s"><title>%s</title></circle>`+"\n",
				cls, hit, coord(sx(p.T)), coord(f.sy(v)), r, esc(prefix+p.T.Format(layout)+": "+withUnit(num(v, dec), c.Unit)))
		}
		o.p("</g>\n")
	}
	o.refs(&f, c.Refs, dec, c.Unit)
	o.keys(&f, rows)
	o.p("</svg>\n")
	return o.b.Flush()
}

// has says whether p is a value to draw.
func has(p *float64) bool { _, ok := value(p); return ok }

// seriesClass is the color class of the i-th series; past the palette, dashed.
func seriesClass(i int) string {
	cls := "ch-s" + strconv.Itoa(i%nSeries)
	if i >= nSeries {
		cls += " ch-alt"
	}
	return cls
}

// timeLayout is the layout that tells points apart: a month, a day, a minute or a second.
func timeLayout(pts []Point) string {
	month, day := len(pts) > 0, len(pts) > 0
	for _, p := range pts {
		t := p.T
		if t.Nanosecond() != 0 || t.Second() != 0 {
			return "2006-01-02 15:04:05"
		}
		if t.Hour() != 0 || t.Minute() != 0 {
			day, month = false, false
		}
		if t.Day() != 1 {
			month = false
		}
	}
	switch {
	case month:
		return "Jan 2006"
	case day:
		return "2006-01-02"
	}
	return "2006-01-02 15:04"
}

// tstep is a step between time ticks: n minutes, hours, days, months or years.
type tstep struct {
	unit   int // 0 minute, 1 hour, 2 day, 3 month, 4 year
	n      int
	approx float64 // seconds, for counting
}

var tsteps = func() []tstep {
	var s []tstep
	add := func(unit int, secs float64, ns ...int) {
		for _, n := range ns {
			s = append(s, tstep{unit, n, secs * float64(n)})
		}
	}
	add(0, 60, 1, 2, 5, 10, 15, 30)
	add(1, 3600, 1, 2, 3, 6, 12)
	add(2, 86400, 1, 2, 7, 14)
	add(3, 30.4*86400, 1, 2, 3, 6)
	add(4, 365.25*86400, 1, 2, 5, 10, 20, 50, 100)
	return s
}()

// timeTicks is the x labels of a time axis: the finest calendar step whose labels do not
// overlap, aligned in the location of tmin.
func timeTicks(f *frame, tmin, tmax time.Time, sx func(time.Time) float64) []xTick {
	span := tmax.Sub(tmin).Seconds()
	var fallback []xTick
	for _, st := range tsteps {
		if span/st.approx > 200 {
			continue
		}
		ts := stepTimes(tmin, tmax, st)
		if len(ts) == 0 {
			continue
		}
		ticks := make([]xTick, len(ts))
		for i, t := range ts {
			ticks[i] = xTick{x: sx(t), label: tickLabel(t, st, i == 0)}
		}
		if !fits(f, ticks) {
			continue
		}
		if len(ticks) >= 2 {
			return ticks
		}
		if fallback == nil {
			fallback = ticks
		}
	}
	if fallback != nil {
		return fallback
	}
	return []xTick{{x: sx(tmin), label: tmin.Format(timeLayout([]Point{{T: tmin}}))}}
}

// stepTimes is the times of a step from tmin to tmax, both included.
func stepTimes(tmin, tmax time.Time, st tstep) []time.Time {
	loc := tmin.Location()
	y, mo, d := tmin.Date()
	h, mi, _ := tmin.Clock()
	var at func(k int) time.Time
	switch st.unit {
	case 0:
		at = func(k int) time.Time { return time.Date(y, mo, d, h, mi/st.n*st.n+k*st.n, 0, 0, loc) }
	case 1:
		at = func(k int) time.Time { return time.Date(y, mo, d, h/st.n*st.n+k*st.n, 0, 0, 0, loc) }
	case 2:
		at = func(k int) time.Time { return time.Date(y, mo, d+k*st.n, 0, 0, 0, 0, loc) }
	case 3:
		m0 := (int(mo)-1)/st.n*st.n + 1
		at = func(k int) time.Time { return time.Date(y, time.Month(m0+k*st.n), 1, 0, 0, 0, 0, loc) }
	default:
		at = func(k int) time.Time { return time.Date(y/st.n*st.n+k*st.n, 1, 1, 0, 0, 0, 0, loc) }
	}
	var out []time.Time
	for k := 0; k < 1000; k++ {
		t := at(k)
		if t.After(tmax) {
			break
		}
		if !t.Before(tmin) && (len(out) == 0 || t.After(out[len(out)-1])) {
			out = append(out, t)
		}
	}
	return out
}

// tickLabel is a time tick's label: clock times (a date at midnight) for minutes and hours,
// dates for days, months (with the year on the first and on January) and years.
func tickLabel(t time.Time, st tstep, first bool) string {
	switch st.unit {
	case 0, 1:
		if t.Hour() == 0 && t.Minute() == 0 {
			return t.Format("Jan 2")
		}
		return t.Format("15:04")
	case 2:
		return t.Format("Jan 2")
	case 3:
		if first || t.Month() == time.January {
			return t.Format("Jan 2006")
		}
		return t.Format("Jan")
	}
	return t.Format("2006")
}

// thin drops the x labels that, moved in at the chart's edges, would come too near the label
// before them.
func thin(f *frame, ticks []xTick) []xTick {
	var out []xTick
	for _, t := range ticks {
		if len(out) == 0 || fits(f, []xTick{out[len(out)-1], t}) {
			out = append(out, t)
		}
	}
	return out
}

// fits says whether x labels, placed as xLabels places them, keep labelGap apart.
func fits(f *frame, ticks []xTick) bool {
	for i := 1; i < len(ticks); i++ {
		a, b := f.labelX(ticks[i-1]), f.labelX(ticks[i])
		if b-a < (textW(ticks[i-1].label, fontSize)+textW(ticks[i].label, fontSize))/2+labelGap {
			return false
		}
	}
	return true
}

// ---- Spark ----

// Render writes the SVG of the sparkline. It has no stylesheet: it draws in currentColor.
func (s Spark) Render(w io.Writer) error {
	width, height, err := dims(s.Width, s.Height, 120, 24, 16, 8)
	if err != nil {
		return err
	}
	pts := append([]Point(nil), s.Points...)
	sort.SliceStable(pts, func(a, b int) bool { return pts[a].T.Before(pts[b].T) })
	lo, hi, last, ok := math.Inf(1), math.Inf(-1), 0.0, false
	for _, p := range pts {
		if v, valid := value(p.V); valid {
			lo, hi, last, ok = math.Min(lo, v), math.Max(hi, v), v, true
		}
	}
	label := "no data"
	if ok {
		dec := decimals(lo, hi)
		label = fmt.Sprintf("min %s, max %s, last %s", num(lo, dec), num(hi, dec), num(last, dec))
	}
	if s.Label != "" {
		label = s.Label + ": " + label
	}
	o := newOut(w)
	o.p(`<svg xmlns="http://www.w3.org/2000/svg" class="chart-spark" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`+"\n",
		width, height, width, height, esc(label))
	o.p("<title>%s</title>\n", esc(label))
	const in = 2.5 // room for the stroke and the last dot
	W, H := float64(width), float64(height)
	if !ok {
		o.p(`<path class="ch-spark-none" d="M%s %sH%s" fill="none" stroke="currentColor" stroke-opacity=".5" stroke-dasharray="2 3"/>`+"\n",
			coord(in), coord(H/2), coord(W-in))
		o.p("</svg>\n")
		return o.b.Flush()
	}
	tmin, tmax := pts[0].T, pts[len(pts)-1].T
	span := tmax.Sub(tmin).Seconds()
	sx := func(t time.Time) float64 {
		if span <= 0 {
			return W / 2
		}
		return in + t.Sub(tmin).Seconds()/span*(W-2*in)
	}
	sy := func(v float64) float64 {
		if hi == lo {
			return H / 2
		}
		return H - in - (v-lo)/(hi-lo)*(H-2*in)
	}
	var d strings.Builder
	run := false
	lx, ly := 0.0, 0.0
	for j, p := range pts {
		v, valid := value(p.V)
		if !valid {
			run = false
			continue
		}
		lx, ly = sx(p.T), sy(v)
		switch {
		case run:
			fmt.Fprintf(&d, "L%s %s", coord(lx), coord(ly))
		case j+1 < len(pts) && has(pts[j+1].V):
			fmt.Fprintf(&d, "M%s %s", coord(lx), coord(ly))
		default: // a lone point: a dot from the round cap
			fmt.Fprintf(&d, "M%s %sh0", coord(lx), coord(ly))
		}
		run = true
	}
	o.p(`<path class="ch-spark-line" d="%s" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>`+"\n", d.String())
	o.p(`<circle class="ch-spark-last" cx="%s" cy="%s" r="2" fill="currentColor"/>`+"\n", coord(lx), coord(ly))
	o.p("</svg>\n")
	return o.b.Flush()
}

// ---- the frame shared by Bars and Line ----

// frame is the layout of a chart with axes.
type frame struct {
	w, h           float64
	title, unit    string
	px, py, pw, ph float64 // the plot area
	lo, hi         float64 // the y axis
	ticks          []float64
	tickDec        int
	xLabelY, keyY  float64 // baselines: the x labels, the first legend row
}

// layoutV places the title, the unit caption, the plot, the x labels and the legend rows.
func (f *frame) layoutV(keyRows int) {
	top := pad
	if f.title != "" {
		top += 20
	}
	if f.unit != "" {
		top += 14
	}
	top += 6 // half the top tick's label
	bottom := f.h - pad - float64(keyRows)*keyRowH - xLabelH
	f.py, f.ph = top, math.Max(bottom-top, 20)
	f.xLabelY = f.py + f.ph + 15
	f.keyY = f.py + f.ph + xLabelH + 11
}

// scaleY sets the y axis: nice ticks over the values, the references and YMin (default 0).
func (f *frame) scaleY(lo, hi float64, ymin *float64, refs []Ref) error {
	base := 0.0
	if ymin != nil && !math.IsNaN(*ymin) && !math.IsInf(*ymin, 0) {
		base = *ymin
	} else {
		hi = math.Max(hi, 0)
	}
	lo = math.Min(lo, base)
	for _, r := range refs {
		if !math.IsNaN(r.Value) && !math.IsInf(r.Value, 0) {
			lo, hi = math.Min(lo, r.Value), math.Max(hi, r.Value)
		}
	}
	n := min(max(int(math.Round(f.ph/40)), 2), 8)
	s, err := niceScale(lo, hi, n)
	if err != nil {
		return err
	}
	f.lo, f.hi, f.ticks, f.tickDec = s.lo, s.hi, s.ticks, s.dec
	return nil
}

// layoutH places the plot right of the widest tick label.
func (f *frame) layoutH() {
	widest := 0.0
	for _, t := range f.ticks {
		widest = math.Max(widest, textW(num(t, f.tickDec), fontSize))
	}
	f.px = pad + widest + tickGap
	f.pw = math.Max(f.w-pad-f.px, 20)
}

// sy is the y of a value.
func (f *frame) sy(v float64) float64 {
	return f.py + f.ph - (v-f.lo)/(f.hi-f.lo)*f.ph
}

// labelX is where an x label's middle goes: at its tick, moved in to stay inside the chart.
func (f *frame) labelX(t xTick) float64 {
	half := textW(t.label, fontSize) / 2
	return math.Max(math.Min(t.x, f.w-pad/2-half), pad/2+half)
}

// scale is a y axis of nice ticks.
type scale struct {
	lo, hi float64
	ticks  []float64
	dec    int // decimals of the tick labels
}

// niceScale is the axis over lo..hi in about n steps of 1, 2, 2.5 or 5 × 10ⁿ, from the step at
// or under lo to the step at or over hi.
func niceScale(lo, hi float64, n int) (scale, error) {
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		if lo == 0 {
			hi = 1
		} else {
			hi += math.Abs(lo) * 0.1
		}
	}
	span := hi - lo
	if math.IsInf(span, 0) || math.IsNaN(span) || span <= 0 {
		return scale{}, fmt.Errorf("chart: cannot scale values from %g to %g", lo, hi)
	}
	m, e := niceStep(span / float64(max(n, 1)))
	step := m * math.Pow10(e)
	k0, k1 := math.Floor(lo/step+1e-9), math.Ceil(hi/step-1e-9)
	if k1 <= k0 {
		k1 = k0 + 1
	}
	if k1-k0 > 100 {
		return scale{}, fmt.Errorf("chart: cannot scale values from %g to %g", lo, hi)
	}
	at := func(k float64) float64 {
		if e < 0 {
			return k * m / math.Pow10(-e)
		}
		return k * m * math.Pow10(e)
	}
	s := scale{lo: at(k0), hi: at(k1), dec: max(0, -e)}
	if m == 2.5 && e <= 0 {
		s.dec++
	}
	for k := k0; k <= k1; k++ {
		s.ticks = append(s.ticks, at(k))
	}
	return s, nil
}

// niceStep is the least m × 10^e, m one of 1, 2, 2.5, 5, at or over raw (> 0).
func niceStep(raw float64) (m float64, e int) {
	e = int(math.Floor(math.Log10(raw)))
	f := raw / math.Pow10(e)
	for _, c := range []float64{1, 2, 2.5, 5} {
		if f <= c*(1+1e-9) {
			return c, e
		}
	}
	return 1, e + 1
}

// xTick is an x label at the middle of its bar or at its time.
type xTick struct {
	x     float64
	label string
}

// keyItem is a legend entry: a series, or the no-data mark.
type keyItem struct {
	series int
	nodata bool
	label  string
}

type keyPos struct {
	keyItem
	x, w float64
}

// keyRows lays the legend out in rows across the chart.
func (f *frame) keyRows(items []keyItem) [][]keyPos {
	var rows [][]keyPos
	x := pad
	for _, it := range items {
		it.label = fit(it.label, f.w/2, fontSize)
		w := 18 + textW(it.label, fontSize)
		if len(rows) == 0 || x > pad && x+w > f.w-pad {
			rows = append(rows, nil)
			x = pad
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], keyPos{it, x, w})
		x += w + 14
	}
	return rows
}

// ---- writing ----

// Stylesheet is the charts' style, for a page that inlines them (Inline): every class is ch-
// prefixed, so it reaches the charts only.
func Stylesheet() string { return style }

// out is a buffered SVG writer; bufio keeps the first error for Flush.
type out struct{ b *bufio.Writer }

func newOut(w io.Writer) *out { return &out{bufio.NewWriterSize(w, 32<<10)} }

func (o *out) p(format string, args ...any) { fmt.Fprintf(o.b, format, args...) }

// head opens the <svg>: an image with its label, the stylesheet and the background.
func (o *out) head(class string, width, height int, label string, inline bool) {
	o.p(`<svg xmlns="http://www.w3.org/2000/svg" class="%s" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s" font-family="DejaVu Sans, Arial, sans-serif" font-size="%g">`+"\n",
		class, width, height, width, height, esc(label), fontSize)
	o.p("<title>%s</title>\n", esc(label))
	if !inline {
		o.p("<style>\n%s</style>\n", style)
	}
	o.p(`<rect class="ch-bg" width="%d" height="%d"/>`+"\n", width, height)
}

// frameText writes the title and the unit caption.
func (o *out) frameText(f *frame) {
	y := pad
	if f.title != "" {
		o.p(`<text class="ch-title" x="%s" y="%s">%s</text>`+"\n", coord(pad), coord(y+13), esc(fit(f.title, f.w-2*pad, titleSize*1.06)))
		y += 20
	}
	if f.unit != "" {
		o.p(`<text class="ch-unit" x="%s" y="%s">%s</text>`+"\n", coord(pad), coord(y+10), esc(fit(f.unit, f.w-2*pad, fontSize)))
	}
}

// empty writes the plot's frame with "no data" in it.
func (o *out) empty(f *frame) {
	o.p(`<line class="ch-axis" x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", coord(pad), coord(f.py+f.ph), coord(f.w-pad), coord(f.py+f.ph))
	o.p(`<text class="ch-empty" x="%s" y="%s">no data</text>`+"\n", coord(f.w/2), coord(f.py+f.ph/2+4))
	o.p("</svg>\n")
}

// grid writes the y ticks: a gridline and a label each.
func (o *out) grid(f *frame) {
	o.p(`<g class="ch-y">` + "\n")
	for _, t := range f.ticks {
		y := coord(f.sy(t))
		o.p(`<line class="ch-grid" x1="%s" y1="%s" x2="%s" y2="%s"/><text class="ch-tick" x="%s" y="%s">%s</text>`+"\n",
			coord(f.px), y, coord(f.px+f.pw), y, coord(f.px-tickGap), coord(f.sy(t)+4), num(t, f.tickDec))
	}
	o.p("</g>\n")
}

// axis writes the x axis line at y.
func (o *out) axis(f *frame, y float64) {
	o.p(`<line class="ch-axis" x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", coord(f.px), coord(y), coord(f.px+f.pw), coord(y))
}

// xLabels writes the x labels under the plot, each with a tick mark.
func (o *out) xLabels(f *frame, ticks []xTick) {
	o.p(`<g class="ch-x">` + "\n")
	bottom := f.py + f.ph
	for _, t := range ticks {
		o.p(`<line class="ch-axis" x1="%s" y1="%s" x2="%s" y2="%s"/><text class="ch-xlabel" x="%s" y="%s">%s</text>`+"\n",
			coord(t.x), coord(bottom), coord(t.x), coord(bottom+4), coord(f.labelX(t)), coord(f.xLabelY), esc(t.label))
	}
	o.p("</g>\n")
}

// refs writes the reference lines, dashed, each labelled at its right end.
func (o *out) refs(f *frame, refs []Ref, dec int, unit string) {
	for _, r := range refs {
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
			continue
		}
		y := f.sy(r.Value)
		title := withUnit(num(r.Value, dec), unit)
		if r.Label != "" {
			title = r.Label + ": " + title
		}
		o.p(`<g class="ch-ref"><title>%s</title><line x1="%s" y1="%s" x2="%s" y2="%s"/>`,
			esc(title), coord(f.px), coord(y), coord(f.px+f.pw), coord(y))
		if r.Label != "" {
			ty := y - 4
			if ty-fontSize < f.py-6 { // no room above: below the line
				ty = y + fontSize + 2
			}
			o.p(`<text x="%s" y="%s">%s</text>`, coord(f.px+f.pw-4), coord(ty), esc(fit(r.Label, f.pw/2, fontSize)))
		}
		o.p("</g>\n")
	}
}

// keys writes the legend rows.
func (o *out) keys(f *frame, rows [][]keyPos) {
	if len(rows) == 0 {
		return
	}
	o.p(`<g class="ch-keys">` + "\n")
	for r, row := range rows {
		y := f.keyY + float64(r)*keyRowH
		for _, k := range row {
			if k.nodata {
				o.p(`<g class="ch-key"><path class="ch-nodata" d="M%s %sl6 6m0 -6l-6 6"/>`, coord(k.x+4), coord(y-8))
			} else {
				o.p(`<g class="ch-key" data-series="%d"><path class="ch-line %s" d="M%s %sh14"/>`, k.series, seriesClass(k.series), coord(k.x), coord(y-4))
			}
			o.p(`<text x="%s" y="%s">%s</text></g>`+"\n", coord(k.x+18), coord(y), esc(k.label))
		}
	}
	o.p("</g>\n")
}

// ---- numbers and text ----

// dims is the size of a chart: the default for 0 or less, at least the minimum.
func dims(w, h, dw, dh, minW, minH int) (int, int, error) {
	if w <= 0 {
		w = dw
	}
	if h <= 0 {
		h = dh
	}
	if w > maxSize || h > maxSize {
		return 0, 0, fmt.Errorf("chart: %d x %d px is larger than %d x %d", w, h, maxSize, maxSize)
	}
	return max(w, minW), max(h, minH), nil
}

// value is *p, when there is one and it is finite.
func value(p *float64) (float64, bool) {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return 0, false
	}
	return *p, true
}

// decimals is the number of decimals for values between lo and hi: 0 from 100 (kWh), 1 from
// 10 (°C), else 2 (PUE).
func decimals(lo, hi float64) int {
	m := math.Max(math.Abs(lo), math.Abs(hi))
	switch {
	case math.IsInf(m, 0) || m >= 100:
		return 0
	case m >= 10:
		return 1
	}
	return 2
}

// num formats v with dec decimals, never as "-0".
func num(v float64, dec int) string {
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if s[0] == '-' && strings.Trim(s, "-0.") == "" {
		s = s[1:]
	}
	return s
}

// coord formats a coordinate to 0.1 px.
func coord(x float64) string {
	r := math.Round(x*10) / 10
	if r == 0 {
		r = 0 // not -0
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

func withUnit(s, unit string) string {
	if unit == "" {
		return s
	}
	return s + " " + unit
}

func unitPart(unit string) string {
	if unit == "" {
		return ""
	}
	return ", " + unit
}

func refsPart(refs []Ref, dec int, unit string) string {
	var parts []string
	for _, r := range refs {
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
			continue
		}
		s := withUnit(num(r.Value, dec), unit)
		if r.Label != "" {
			s = r.Label + " " + s
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return ""
	}
	return "; reference " + strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// textW is about the width of s at a font size.
func textW(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * charEm
}

// fit shortens s with an ellipsis to about the width available at a font size.
func fit(s string, width, size float64) string {
	n := int(width / (size * charEm))
	rs := []rune(s)
	if len(rs) <= n || n < 2 {
		return s
	}
	return strings.TrimSpace(string(rs[:n-1])) + "…"
}

// The drawings share their escaping (and link check) in svgtext.
var esc = svgtext.Esc
