// Package floorplan draws a room's floor as SVG: the tile grid, aisles, racks colored by a data
// layer, coolers, a legend and a scale bar. It needs no fonts, scripts or images from outside.
package floorplan

import (
	"bufio"
	"fmt"
	"github.com/plenum-dcim/plenum/internal/web/svgtext"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Input is one room's floor and what to color its racks by.
type Input struct {
	Room        string  // name, for the title
	GridRows    int     // tiles; the grid grows to take in every rack, aisle and cooler
	GridColumns int     // tiles
	TileMM      float64 // tile edge, mm (default 600); only for the scale bar
	Racks       []Rack
	Aisles      []Aisle
	Coolers     []Cooler // in-row / rear-door units standing at a rack's tile, drawn beside it
	Layer       Layer
	// Inline leaves the <style> out: the SVG goes inside a page that links Stylesheet().
	Inline bool
}

// Rack is one rack on the floor and its value on the layer.
type Rack struct {
	ID       int64
	Name     string
	Row      int      // grid tile, 0-based; a rack with Row < 0 or Column < 0 is skipped and counted in a note
	Column   int      // grid tile, 0-based
	Value    *float64 // ratio layer: 0..1, above 1 = over; temperature layer: °C; nil = no data (neutral, hatched)
	Category string   // category layer (a tenant name): same string, same color; "" = no data
	Title    string   // hover text (an SVG <title>), several lines allowed
	Href     string   // link target ("/racks/12"); "" = not a link: a plain grey tile, no name, no color
	Hidden   bool     // an anonymous occupied tile: no name, title, link, color or id
}

// Aisle is a hot or cold aisle along one tile row, from FromColumn to ToColumn inclusive.
type Aisle struct {
	Row        int
	Kind       string // "hot" or "cold"
	FromColumn int
	ToColumn   int
}

// Cooler is an in-row or rear-door cooling unit at a tile, drawn across the tile's lower edge.
type Cooler struct {
	Name   string
	Row    int
	Column int
	Title  string
}

// Layer says what the rack colors mean.
type Layer struct {
	Name string // "Power draw / budget", "Free units", "Weight / limit", "Tenant"
	Kind string // "ratio", "temperature" (°C, against ASHRAE A1), "alert" (0 none, 1 pending, 2 warning, 3 critical) or "category"
	Unit string // legend caption, e.g. "of budget"
}

// Geometry of the drawing, in SVG user units (pixels at 100%).
const (
	tilePx   = 24    // one floor tile
	margin   = 12    // around everything
	titleH   = 52    // title and subtitle above the floor
	legendX  = 28    // gap between the floor and the legend
	legendW  = 200   // legend column
	itemH    = 20    // one legend entry
	footerH  = 56    // scale bar and note under the floor
	nameFont = 6.5   // rack names on their tiles (also in style)
	charEm   = 0.64  // average glyph width, in em, for fitting text
	maxTiles = 10000 // rows or columns, at most
	fontSize = 11.0
)

// Colors. Every fill that carries meaning is written as a fill attribute; the rest is in the
// stylesheet, where a theme may override it.
const (
	inkDark  = svgtext.InkDark
	inkLight = svgtext.InkLight
	uiInk    = "#1d2733" // text on the background
	uiMuted  = "#48525e" // secondary text on the background
	uiBg     = "#ffffff" // background
	noDataBg = "#ececec" // no data: base of the hatching
	noDataFg = "#c4c4c4" // no data: hatching lines
	otherBg  = "#aab1ba" // other tenants' and hidden racks
)

// swatch is a fill and the text color used on it.
type swatch struct{ fill, ink string }

// ratioScale is the stepped scale of a ratio layer: svgtext's, shared with the power chain.
var ratioScale = steps(svgtext.RatioScale)

// step is one step of a scale, in this package's swatches.
type step struct {
	swatch
	label string
}

// steps is ss in this package's swatches.
func steps(ss []svgtext.Step) []step {
	out := make([]step, len(ss))
	for i, s := range ss {
		out[i] = step{swatch{s.Fill, s.Ink}, s.Label}
	}
	return out
}

// tempScale is the stepped scale of an inlet temperature layer (°C), against ASHRAE's thermal
// guidelines for class A1 (TC 9.9, 2021): recommended 18–27 °C, allowable 15–32 °C.
var tempScale = []step{
	{swatch{"#56b4e9", inkDark}, "< 18 °C"},
	{swatch{"#b8dcf4", inkDark}, "18–27 °C"},
	{swatch{"#f0e442", inkDark}, "27–32 °C"},
	{swatch{"#d55e00", inkDark}, "> 32 °C"},
}

// tempBucket is the index in tempScale of an inlet temperature, or -1 for no reading.
func tempBucket(v *float64) int {
	if v == nil || math.IsNaN(*v) {
		return -1
	}
	switch x := *v; {
	case x < 18:
		return 0
	case x <= 27:
		return 1
	case x <= 32:
		return 2
	default:
		return 3
	}
}

// alertScale is the stepped scale of an alert layer: the worst alert on the rack now. Values are
// 0 (none), 1 (pending), 2 (firing, warning or below), 3 (firing, critical).
var alertScale = []step{
	{swatch{"#b8dcf4", inkDark}, "no alert"},
	{swatch{"#f0e442", inkDark}, "pending"},
	{swatch{"#e69f00", inkDark}, "warning"},
	{swatch{"#d55e00", inkDark}, "critical"},
}

// alertBucket is the index in alertScale of a rack's worst alert, or -1 for none known.
func alertBucket(v *float64) int {
	if v == nil || math.IsNaN(*v) {
		return -1
	}
	return min(max(int(*v), 0), len(alertScale)-1)
}

// palette is Okabe–Ito without black, for categories; past its end the colors repeat with
// stripes (in the color that contrasts most with the text) of a different angle or spacing.
var palette = []swatch{
	{"#e69f00", inkDark},  // orange
	{"#56b4e9", inkDark},  // sky blue
	{"#009e73", inkDark},  // bluish green
	{"#f0e442", inkDark},  // yellow
	{"#0072b2", inkLight}, // blue
	{"#d55e00", inkDark},  // vermillion
	{"#cc79a7", inkDark},  // reddish purple
}

// noData is the hatched neutral fill of a rack without a value.
var noData = swatch{"url(#fp-nodata)", inkDark}

// catSwatch is the fill of the i-th category (sorted by name).
func catSwatch(i int) swatch {
	s := palette[i%len(palette)]
	if i >= len(palette) {
		s.fill = fmt.Sprintf("url(#fp-cat-%d)", i)
	}
	return s
}

// stripes is the pattern of the i-th category past the palette's end: angle and spacing.
func stripes(i int) (angle, gap int) {
	k := i/len(palette) - 1
	return []int{45, -45, 0, 90}[k%4], 5 + 2*(k/4)
}

// opposite is the stripe color that only raises the contrast of text in ink.
func opposite(ink string) string {
	if ink == inkLight {
		return inkDark
	}
	return inkLight
}

const style = `.bg{fill:` + uiBg + `}.title{font-size:15px;font-weight:bold;fill:` + uiInk + `}.subtitle,.note{fill:` + uiMuted + `}
.floor-bg{fill:#f7f8fa;stroke:#9aa3ad}.grid{fill:none;stroke:#dde1e6;stroke-width:.5}
.aisle rect{fill:#eceff3}.aisle-cold rect{fill:#d6e9f8}.aisle-hot rect{fill:#fbdccc}.aisle text{font-size:8px;fill:` + uiInk + `}
.rack rect{stroke:#fff;stroke-width:1}.rack.over rect{stroke:` + inkDark + `;stroke-width:1.5}.rack-other rect,.rack-hidden{fill:` + otherBg + `;stroke:#fff;stroke-width:1}
.rack text{font-size:6.5px;text-anchor:middle}a:hover .rack rect,a:focus .rack rect{stroke:` + inkDark + `;stroke-width:2}
.cooler rect{fill:#fff;stroke:#0072b2;stroke-width:1}.cooler path{fill:none;stroke:#0072b2;stroke-width:.8}
.legend .head{font-weight:bold;fill:` + uiInk + `}.legend .lbl{fill:` + uiInk + `}.legend .unit,.legend .count{fill:` + uiMuted + `}.legend .count{text-anchor:end}
.legend .step{text-anchor:middle}.legend rect{stroke:#9aa3ad;stroke-width:.5}
.scale path{fill:none;stroke:` + uiInk + `;stroke-width:1.5}.scale text{fill:` + uiInk + `;font-size:9px}
`

// Stylesheet is the floor plan's style scoped to svg.floorplan, for a page that inlines the SVG
// (Input.Inline): the page's Content-Security-Policy allows style from its own files only, and an
// inline SVG's <style> would reach the whole page.
func Stylesheet() string { return svgtext.Scope(style, "svg.floorplan") }

// legendItem is one legend entry.
type legendItem struct {
	key   string // data-key: b0..b4, nodata, other, cooler, or the category
	label string
	sw    swatch
	step  bool // label on the swatch (a step of the ratio scale), not beside it
	cls   string
	count int
}

// Render writes the SVG of one room's floor. The output depends only on the input (racks are
// drawn in row, column, id order), so it can be compared byte for byte.
func Render(w io.Writer, in Input) error {
	category := false
	scale, stepOf := ratioScale, svgtext.RatioStep
	switch in.Layer.Kind {
	case "ratio":
	case "temperature":
		scale, stepOf = tempScale, tempBucket
	case "alert":
		scale, stepOf = alertScale, alertBucket
	case "category":
		category = true
	default:
		return fmt.Errorf("floorplan: layer kind %q: want ratio, temperature, alert or category", in.Layer.Kind)
	}
	rows, cols := max(in.GridRows, 1), max(in.GridColumns, 1)
	grow := func(r, c int) {
		rows, cols = max(rows, r+1), max(cols, c+1)
	}

	racks := make([]Rack, 0, len(in.Racks))
	off := 0
	for _, r := range in.Racks {
		if r.Row < 0 || r.Column < 0 {
			off++
			continue
		}
		racks = append(racks, r)
		grow(r.Row, r.Column)
	}
	sort.SliceStable(racks, func(i, j int) bool {
		a, b := &racks[i], &racks[j]
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.ID < b.ID
	})
	var aisles []Aisle
	for _, a := range in.Aisles {
		if a.FromColumn > a.ToColumn {
			a.FromColumn, a.ToColumn = a.ToColumn, a.FromColumn
		}
		a.FromColumn = max(a.FromColumn, 0)
		if a.Row < 0 || a.ToColumn < 0 {
			continue
		}
		aisles = append(aisles, a)
		grow(a.Row, a.ToColumn)
	}
	var coolers []Cooler
	for _, c := range in.Coolers {
		if c.Row < 0 || c.Column < 0 {
			continue
		}
		coolers = append(coolers, c)
		grow(c.Row, c.Column)
	}
	if rows > maxTiles || cols > maxTiles {
		return fmt.Errorf("floorplan: grid of %d x %d tiles is larger than %d x %d", rows, cols, maxTiles, maxTiles)
	}

	// Categories of the racks drawn in color, sorted by name.
	catIndex := map[string]int{}
	var cats []string
	if category {
		for _, r := range racks {
			if r.Hidden || r.Href == "" || r.Category == "" {
				continue
			}
			if _, ok := catIndex[r.Category]; !ok {
				catIndex[r.Category] = 0
				cats = append(cats, r.Category)
			}
		}
		sort.Slice(cats, func(i, j int) bool {
			a, b := strings.ToLower(cats[i]), strings.ToLower(cats[j])
			if a != b {
				return a < b
			}
			return cats[i] < cats[j]
		})
		for i, c := range cats {
			catIndex[c] = i
		}
	}

	floorW, floorH := cols*tilePx, rows*tilePx
	floorX, floorY := margin, titleH
	lx := floorX + floorW + legendX

	b := bufio.NewWriterSize(w, 64<<10)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }

	// Legend entries, first: their number sets the height.
	var items []legendItem
	counts := map[string]int{}
	others := 0
	for _, r := range racks {
		switch {
		case r.Hidden || r.Href == "":
			others++
		case category && r.Category == "":
			counts["nodata"]++
		case category:
			counts[r.Category]++
		default:
			if k := stepOf(r.Value); k < 0 {
				counts["nodata"]++
			} else {
				counts["b"+strconv.Itoa(k)]++
			}
		}
	}
	if category {
		for i, c := range cats {
			items = append(items, legendItem{key: c, label: c, sw: catSwatch(i), count: counts[c]})
		}
		if n := counts["nodata"]; n > 0 {
			items = append(items, legendItem{key: "nodata", label: "none", sw: noData, count: n})
		}
	} else {
		for k, s := range scale {
			key := "b" + strconv.Itoa(k)
			items = append(items, legendItem{key: key, label: s.label, sw: s.swatch, step: true, count: counts[key]})
		}
		items = append(items, legendItem{key: "nodata", label: "no data", sw: noData, step: true, count: counts["nodata"]})
	}
	if others > 0 {
		items = append(items, legendItem{key: "other", label: "other racks", cls: "rack-hidden", count: others})
	}
	if len(coolers) > 0 {
		items = append(items, legendItem{key: "cooler", label: "cooler", cls: "cooler", count: len(coolers)})
	}
	legendH := 36 + len(items)*itemH

	width := lx + legendW + margin
	height := titleH + max(floorH, legendH) + footerH

	room := in.Room
	if room == "" {
		room = "room"
	}
	label := "Floor plan of " + room
	if in.Layer.Name != "" {
		label += ", racks colored by " + in.Layer.Name
	}
	p(`<svg xmlns="http://www.w3.org/2000/svg" class="floorplan" width="%d" height="%d" viewBox="0 0 %d %d" role="group" aria-label="%s" font-family="DejaVu Sans, Arial, sans-serif" font-size="%g">`+"\n",
		width, height, width, height, esc(label), fontSize)
	p("<title>%s</title>\n", esc(label))
	if !in.Inline {
		p("<style>\n%s</style>\n", style)
	}

	// Patterns: no data, and the striped categories past the palette.
	p(`<defs><pattern id="fp-nodata" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="%s"/><path d="M0 0V6" stroke="%s" stroke-width="2"/></pattern>`, noDataBg, noDataFg)
	for i := len(palette); i < len(cats); i++ {
		s := palette[i%len(palette)]
		a, g := stripes(i)
		p("\n"+`<pattern id="fp-cat-%d" width="%d" height="%d" patternUnits="userSpaceOnUse" patternTransform="rotate(%d)"><rect width="%d" height="%d" fill="%s"/><path d="M0 0V%d" stroke="%s" stroke-width="1.5"/></pattern>`,
			i, g, g, a, g, g, s.fill, g, opposite(s.ink))
	}
	p("</defs>\n")
	p(`<rect class="bg" width="%d" height="%d"/>`+"\n", width, height)

	p(`<text class="title" x="%d" y="22">%s</text>`+"\n", margin, esc(in.Room))
	sub := fmt.Sprintf("%d racks · %d × %d tiles", len(racks), rows, cols)
	if in.Layer.Name != "" {
		sub = in.Layer.Name + " · " + sub
	}
	p(`<text class="subtitle" x="%d" y="40">%s</text>`+"\n", margin, esc(sub))

	// The floor and its grid, as one path across and one down.
	p(`<g class="floor" transform="translate(%d %d)">`+"\n", floorX, floorY)
	p(`<rect class="floor-bg" width="%d" height="%d"/>`+"\n", floorW, floorH)
	p(`<path class="grid" d="`)
	for r := 1; r < rows; r++ {
		p("M0 %dh%d", r*tilePx, floorW)
	}
	p(`"/>` + "\n" + `<path class="grid" d="`)
	for c := 1; c < cols; c++ {
		p("M%d 0v%d", c*tilePx, floorH)
	}
	p(`"/>` + "\n")

	for _, a := range aisles {
		cls, text := "aisle", a.Kind
		switch strings.ToLower(a.Kind) {
		case "cold":
			cls, text = "aisle aisle-cold", "cold aisle"
		case "hot":
			cls, text = "aisle aisle-hot", "hot aisle"
		}
		p(`<g class="%s"><rect x="%d" y="%d" width="%d" height="%d"/>`, cls, a.FromColumn*tilePx, a.Row*tilePx, (a.ToColumn-a.FromColumn+1)*tilePx, tilePx)
		if text != "" {
			p(`<text x="%d" y="%d">%s</text>`, a.FromColumn*tilePx+4, a.Row*tilePx+tilePx/2+3, esc(text))
		}
		p("</g>\n")
	}

	for _, r := range racks {
		x, y := r.Column*tilePx, r.Row*tilePx
		if r.Hidden {
			p(`<rect class="rack-hidden" x="%d" y="%d" width="%d" height="%d"/>`+"\n", x, y, tilePx, tilePx)
			continue
		}
		title := r.Title
		if title == "" {
			title = r.Name
		}
		title = "<title>" + esc(title) + "</title>"
		if r.Href == "" {
			p(`<g class="rack rack-other" id="rack-%d" data-rack-id="%d">%s<rect x="%d" y="%d" width="%d" height="%d"/></g>`+"\n",
				r.ID, r.ID, title, x, y, tilePx, tilePx)
			continue
		}
		var sw swatch
		cls := "rack"
		if category {
			if r.Category == "" {
				sw, cls = noData, "rack nodata"
			} else {
				sw = catSwatch(catIndex[r.Category])
			}
		} else {
			switch k := stepOf(r.Value); k {
			case -1:
				sw, cls = noData, "rack nodata"
			case len(scale) - 1:
				sw, cls = scale[k].swatch, "rack over"
			default:
				sw = scale[k].swatch
			}
		}
		p(`<a href="%s"><g class="%s" id="rack-%d" data-rack-id="%d">%s<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`,
			esc(safeHref(r.Href)), cls, r.ID, r.ID, title, x, y, tilePx, tilePx, sw.fill)
		if name := tileLabel(r.Name); name != "" {
			p(`<text x="%d" y="%d" fill="%s">%s</text>`, x+tilePx/2, y+tilePx/2+2, sw.ink, esc(name))
		}
		p("</g></a>\n")
	}

	for _, c := range coolers {
		x, y := c.Column*tilePx+3, (c.Row+1)*tilePx-3
		title := c.Name
		if c.Title != "" {
			title += "\n" + c.Title
		}
		p(`<g class="cooler"><title>%s</title><rect x="%d" y="%d" width="%d" height="6"/><path d="M%d %dl3 -4l3 4l3 -4l3 4l3 -4"/></g>`+"\n",
			esc(title), x, y, tilePx-6, x+1, y+5)
	}
	p("</g>\n")

	// Legend.
	p(`<g class="legend" transform="translate(%d %d)">`+"\n", lx, titleH)
	p(`<text class="head" x="0" y="10">%s</text>`+"\n", esc(fit(in.Layer.Name, legendW)))
	if in.Layer.Unit != "" {
		p(`<text class="unit" x="0" y="24">%s</text>`+"\n", esc(fit(in.Layer.Unit, legendW)))
	}
	for i, it := range items {
		y := 34 + i*itemH
		p(`<g class="legend-item" data-key="%s">`, esc(it.key))
		switch {
		case it.step:
			p(`<rect y="%d" width="120" height="16" fill="%s"/><text class="step" x="60" y="%d" fill="%s">%s</text>`,
				y, it.sw.fill, y+12, it.sw.ink, esc(it.label))
		case it.cls == "cooler":
			p(`<g class="cooler"><rect x="1" y="%d" width="14" height="6"/><path d="M2.5 %dl3 -4l3 4l3 -4"/></g><text class="lbl" x="22" y="%d">%s</text>`,
				y+5, y+10, y+12, esc(it.label))
		default:
			attr := ` fill="` + it.sw.fill + `"`
			if it.cls != "" {
				attr = ` class="` + it.cls + `"`
			}
			text := fit(it.label, legendW-60)
			if text != it.label {
				p("<title>%s</title>", esc(it.label))
			}
			p(`<rect y="%d" width="16" height="16"%s/><text class="lbl" x="22" y="%d">%s</text>`, y, attr, y+12, esc(text))
		}
		p(`<text class="count" x="%d" y="%d">%d</text>`, legendW-8, y+12, it.count)
		p("</g>\n")
	}
	p("</g>\n")

	// Scale bar: the longest round length of metres that fits a quarter of the floor, or 1 m.
	tileMM := in.TileMM
	if !(tileMM > 0) || math.IsInf(tileMM, 0) {
		tileMM = 600
	}
	metres := 1.0
	for _, m := range []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000} {
		if m*1000/tileMM*tilePx <= float64(floorW)/4 {
			metres = m
		}
	}
	bar := math.Round(metres*1000/tileMM*tilePx*10) / 10
	fy := titleH + max(floorH, legendH) + 14
	p(`<g class="scale" transform="translate(%d %d)"><path d="M0 0v6h%gv-6"/><text x="0" y="18">0</text><text x="%g" y="18" text-anchor="end">%g m</text><text x="%g" y="6">tile %g mm</text></g>`+"\n",
		margin, fy, bar, bar, metres, bar+10, tileMM)
	if off > 0 {
		noun := "racks are"
		if off == 1 {
			noun = "rack is"
		}
		p(`<text class="note" x="%d" y="%d">%d %s not on the floor grid and not shown.</text>`+"\n", margin, fy+34, off, noun)
	}
	p("</svg>\n")
	return b.Flush()
}

// tileLabel is the name to write on a rack's tile: the whole name, or the part after its last
// separator ("CJ1-H1-A01" → "A01"), or nothing when neither fits.
func tileLabel(name string) string {
	room := float64(tilePx - 2)
	if textW(name, nameFont) <= room {
		return name
	}
	if i := strings.LastIndexAny(name, "-_./: "); i >= 0 && i < len(name)-1 && textW(name[i+1:], nameFont) <= room {
		return name[i+1:]
	}
	return ""
}

// textW is about the width of s at a font size.
func textW(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * charEm
}

// fit shortens s with an ellipsis to about the width available at the base font size.
func fit(s string, width float64) string {
	n := int(width / (fontSize * charEm))
	rs := []rune(s)
	if len(rs) <= n || n < 2 {
		return s
	}
	return strings.TrimSpace(string(rs[:n-1])) + "…"
}

// The drawings share their escaping (and link check) in svgtext.
var (
	esc      = svgtext.Esc
	safeHref = svgtext.SafeHref
)
