package floorplan

import (
	"bytes"
	"flag"
	"fmt"
	"github.com/plenum-dcim/plenum/internal/web/svgtext"
	"github.com/plenum-dcim/plenum/internal/web/svgtext/svgtree"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func ptr[T any](v T) *T { return &v }

// small is a 6 x 8 hall: a row of racks between a cold and a hot aisle, one rack of each kind.
func small() Input {
	return Input{
		Room:        "Hall 1",
		GridRows:    6,
		GridColumns: 8,
		TileMM:      600,
		Layer:       Layer{Name: "Power draw / budget", Kind: "ratio", Unit: "of budget"},
		Racks: []Rack{
			{ID: 3, Name: "A03", Row: 2, Column: 3, Value: ptr(1.2), Title: "A03\n6.0 of 5.0 kW (120 %)", Href: "/racks/3"},
			{ID: 1, Name: "A01", Row: 2, Column: 1, Value: ptr(0.3), Title: "A01\n1.5 of 5.0 kW (30 %)", Href: "/racks/1"},
			{ID: 2, Name: "A02", Row: 2, Column: 2, Value: ptr(0.9), Title: "A02\n4.5 of 5.0 kW (90 %)", Href: "/racks/2"},
			{ID: 4, Name: `A<&">`, Row: 2, Column: 4, Title: `no data for <A&"4'>`, Href: "/racks/4?face=front&x=1"},
			{ID: 5, Name: "SECRET-RACK", Row: 2, Column: 5, Value: ptr(0.5), Title: "SECRET title", Href: "/racks/5", Category: "SECRET Corp", Hidden: true},
			{ID: 6, Name: "theirs-06", Row: 2, Column: 6, Value: ptr(0.6), Title: "another tenant", Category: "Other Corp"},
			{ID: 7, Name: "unplaced", Row: -1, Column: 0, Value: ptr(0.2), Href: "/racks/7"},
			{ID: 8, Name: "half-placed", Row: 3, Column: -1, Href: "/racks/8"},
		},
		Aisles:  []Aisle{{Row: 1, Kind: "cold", FromColumn: 1, ToColumn: 6}, {Row: 3, Kind: "hot", FromColumn: 6, ToColumn: 1}},
		Coolers: []Cooler{{Name: "IRC-1", Row: 2, Column: 7, Title: "in-row cooler, 30 kW"}},
	}
}

func render(t testing.TB, in Input) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, in); err != nil {
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

func num(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a whole number: %q", s)
	}
	return v
}

// racks are the drawn racks by id.
func racks(svg *node) map[string]*node {
	out := map[string]*node{}
	for _, n := range svg.All(func(n *node) bool { return n.Attr["data-rack-id"] != "" }) {
		out[n.Attr["data-rack-id"]] = n
	}
	return out
}

func TestRenderSmallHall(t *testing.T) {
	in := small()
	raw := render(t, in)
	svg := parse(t, raw)

	if svg.Attr["role"] != "group" || !strings.Contains(svg.Attr["aria-label"], "Hall 1") || !strings.Contains(svg.Attr["aria-label"], "Power draw / budget") {
		t.Errorf("svg role %q aria-label %q", svg.Attr["role"], svg.Attr["aria-label"])
	}
	if ti := svg.Child("title"); ti == nil || !strings.Contains(ti.Text, "Hall 1") {
		t.Errorf("svg title: %+v", ti)
	}
	if n := len(svg.All(func(n *node) bool { return n.Attr["class"] == "grid" })); n != 2 {
		t.Errorf("%d grid paths, want 2", n)
	}
	if n := len(svg.All(func(n *node) bool { return n.Name == "line" })); n != 0 {
		t.Errorf("%d <line>s", n)
	}
	floor := svg.All(func(n *node) bool { return n.Attr["class"] == "floor" })
	if len(floor) != 1 || floor[0].Attr["transform"] != fmt.Sprintf("translate(%d %d)", margin, titleH) {
		t.Fatalf("floor group: %+v", floor)
	}

	got := racks(svg)
	tests := []struct {
		id    string
		fill  string
		class string
		href  string
		title string
		name  string
	}{
		{"1", ratioScale[0].fill, "rack", "/racks/1", "A01\n1.5 of 5.0 kW (30 %)", "A01"},
		{"2", ratioScale[3].fill, "rack", "/racks/2", "A02\n4.5 of 5.0 kW (90 %)", "A02"},
		{"3", ratioScale[4].fill, "rack over", "/racks/3", "A03\n6.0 of 5.0 kW (120 %)", "A03"},
		{"4", "url(#fp-nodata)", "rack nodata", "/racks/4?face=front&x=1", `no data for <A&"4'>`, `A<&">`},
		{"6", "", "rack rack-other", "", "another tenant", ""},
	}
	if len(got) != len(tests) {
		t.Errorf("%d racks drawn with an id, want %d", len(got), len(tests))
	}
	byID := map[string]Rack{}
	for _, r := range in.Racks {
		byID[strconv.FormatInt(r.ID, 10)] = r
	}
	for _, tt := range tests {
		g := got[tt.id]
		if g == nil {
			t.Errorf("rack %s not drawn", tt.id)
			continue
		}
		if g.Attr["id"] != "rack-"+tt.id || g.Attr["class"] != tt.class {
			t.Errorf("rack %s: id %q class %q, want class %q", tt.id, g.Attr["id"], g.Attr["class"], tt.class)
		}
		r := byID[tt.id]
		rect := g.Child("rect")
		if rect == nil {
			t.Errorf("rack %s has no rect", tt.id)
			continue
		}
		if x, y := num(t, rect.Attr["x"]), num(t, rect.Attr["y"]); x != r.Column*tilePx || y != r.Row*tilePx {
			t.Errorf("rack %s at %d,%d, want %d,%d", tt.id, x, y, r.Column*tilePx, r.Row*tilePx)
		}
		if rect.Attr["width"] != strconv.Itoa(tilePx) || rect.Attr["height"] != strconv.Itoa(tilePx) {
			t.Errorf("rack %s size %sx%s", tt.id, rect.Attr["width"], rect.Attr["height"])
		}
		if rect.Attr["fill"] != tt.fill {
			t.Errorf("rack %s fill %q, want %q", tt.id, rect.Attr["fill"], tt.fill)
		}
		if ti := g.Child("title"); ti == nil || ti.Text != tt.title {
			t.Errorf("rack %s title %+v, want %q", tt.id, ti, tt.title)
		}
		href := ""
		if g.Parent.Name == "a" {
			href = g.Parent.Attr["href"]
		}
		if href != tt.href {
			t.Errorf("rack %s link %q, want %q", tt.id, href, tt.href)
		}
		name := ""
		if tx := g.Child("text"); tx != nil {
			name = tx.Text
			if tx.Attr["fill"] != inkDark {
				t.Errorf("rack %s name in %q", tt.id, tx.Attr["fill"])
			}
		}
		if name != tt.name {
			t.Errorf("rack %s name %q, want %q", tt.id, name, tt.name)
		}
	}

	// The hidden rack: an anonymous grey tile at its place, and nothing of it in the text.
	hidden := svg.All(func(n *node) bool { return n.Attr["class"] == "rack-hidden" && n.Attr["x"] != "" })
	if len(hidden) != 1 || num(t, hidden[0].Attr["x"]) != 5*tilePx || num(t, hidden[0].Attr["y"]) != 2*tilePx || hidden[0].Attr["fill"] != "" || len(hidden[0].Children) != 0 {
		t.Errorf("hidden rack: %+v", hidden)
	}
	for _, s := range []string{"SECRET", "/racks/5", "rack-5", `"5"`, "theirs-06", "Other Corp"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("output contains %q", s)
		}
	}

	// Off the grid: skipped and counted.
	for _, s := range []string{"unplaced", "half-placed", "/racks/7", "/racks/8"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("output contains %q", s)
		}
	}
	notes := svg.All(func(n *node) bool { return n.Attr["class"] == "note" })
	if len(notes) != 1 || !strings.HasPrefix(notes[0].Text, "2 racks are not on the floor grid") {
		t.Errorf("note: %+v", notes)
	}

	// Aisles: bands across their columns, whichever way round they were given.
	for _, tt := range []struct{ class, label string }{{"aisle aisle-cold", "cold aisle"}, {"aisle aisle-hot", "hot aisle"}} {
		a := svg.All(func(n *node) bool { return n.Attr["class"] == tt.class })
		if len(a) != 1 {
			t.Fatalf("%d %s", len(a), tt.class)
		}
		rect := a[0].Child("rect")
		if num(t, rect.Attr["x"]) != tilePx || num(t, rect.Attr["width"]) != 6*tilePx || num(t, rect.Attr["height"]) != tilePx {
			t.Errorf("%s band %v", tt.class, rect.Attr)
		}
		if tx := a[0].Child("text"); tx == nil || tx.Text != tt.label {
			t.Errorf("%s label %+v", tt.class, tx)
		}
	}

	// The cooler, at its tile's lower edge.
	cool := svg.All(func(n *node) bool { return n.Attr["class"] == "cooler" && n.Child("title") != nil })
	if len(cool) != 1 || !strings.Contains(cool[0].Child("title").Text, "IRC-1") {
		t.Fatalf("cooler: %+v", cool)
	}
	if r := cool[0].Child("rect"); num(t, r.Attr["x"]) != 7*tilePx+3 || num(t, r.Attr["y"]) != 3*tilePx-3 {
		t.Errorf("cooler at %v", r.Attr)
	}

	// The legend: the whole stepped scale, counted.
	want := []struct{ key, label, count string }{
		{"b0", "0–50 %", "1"}, {"b1", "50–70 %", "0"}, {"b2", "70–85 %", "0"}, {"b3", "85–100 %", "1"},
		{"b4", "> 100 %", "1"}, {"nodata", "no data", "1"}, {"other", "other racks", "2"}, {"cooler", "cooler", "1"},
	}
	items := svg.All(func(n *node) bool { return n.Attr["class"] == "legend-item" })
	if len(items) != len(want) {
		t.Fatalf("%d legend items, want %d", len(items), len(want))
	}
	for i, it := range items {
		var label, count string
		for _, tx := range it.All(func(n *node) bool { return n.Name == "text" }) {
			if tx.Attr["class"] == "count" {
				count = tx.Text
			} else {
				label = tx.Text
			}
		}
		if it.Attr["data-key"] != want[i].key || label != want[i].label || count != want[i].count {
			t.Errorf("legend %d: %s %q %s, want %+v", i, it.Attr["data-key"], label, count, want[i])
		}
	}

	// Scale bar: 1 m of 600 mm tiles is 40 px (8 tiles make 192 px, a quarter is 48).
	sc := svg.All(func(n *node) bool { return n.Attr["class"] == "scale" })
	if len(sc) != 1 || sc[0].Child("path").Attr["d"] != "M0 0v6h40v-6" || !strings.Contains(string(raw), ">1 m<") {
		t.Errorf("scale bar: %+v", sc)
	}
}

func TestRenderScaleBar(t *testing.T) {
	for _, tt := range []struct {
		cols   int
		tileMM float64
		d, m   string
	}{
		{54, 600, "M0 0v6h200v-6", "5 m"},    // 1,296 px wide: 5 m = 200 px <= 324
		{8, 0, "M0 0v6h40v-6", "1 m"},        // default 600 mm
		{2, 600, "M0 0v6h40v-6", "1 m"},      // too small for anything: 1 m anyway
		{202, 800, "M0 0v6h600v-6", "20 m"},  // 4,848 px: 20 m = 25 tiles = 600 px
		{16, 609.6, "M0 0v6h78.7v-6", "2 m"}, // 2 ft tiles
	} {
		in := Input{Room: "R", GridRows: 4, GridColumns: tt.cols, TileMM: tt.tileMM, Layer: Layer{Kind: "ratio"}}
		svg := parse(t, render(t, in))
		sc := svg.All(func(n *node) bool { return n.Attr["class"] == "scale" })[0]
		if d := sc.Child("path").Attr["d"]; d != tt.d || sc.Children[2].Text != tt.m {
			t.Errorf("%d cols of %g mm: %s %q, want %s %q", tt.cols, tt.tileMM, d, sc.Children[2].Text, tt.d, tt.m)
		}
	}
}

func TestRenderCategories(t *testing.T) {
	in := Input{Room: "Hall 2", GridRows: 4, GridColumns: 12, Layer: Layer{Name: "Tenant", Kind: "category"}}
	add := func(id int64, col int, cat, href string, hidden bool) {
		in.Racks = append(in.Racks, Rack{ID: id, Name: fmt.Sprint("R", id), Row: 1, Column: col, Category: cat, Href: href, Hidden: hidden})
	}
	add(1, 0, "beta", "/racks/1", false)
	add(2, 1, "Acme", "/racks/2", false)
	add(3, 2, "beta", "/racks/3", false)
	add(4, 3, "Zulu & <Sons>", "/racks/4", false)
	add(5, 4, "", "/racks/5", false)           // no tenant
	add(6, 5, "Xenon", "", false)              // another tenant's: grey, not in the legend
	add(7, 6, "Hidden Holdings", "/r/7", true) // hidden: nowhere
	raw := render(t, in)
	svg := parse(t, raw)
	got := racks(svg)
	fill := func(id string) string { return got[id].Child("rect").Attr["fill"] }
	if fill("1") != fill("3") {
		t.Errorf("same tenant, fills %s and %s", fill("1"), fill("3"))
	}
	seen := map[string]string{}
	for _, id := range []string{"1", "2", "4", "5"} {
		if other, ok := seen[fill(id)]; ok {
			t.Errorf("racks %s and %s share %s", id, other, fill(id))
		}
		seen[fill(id)] = id
	}
	if fill("5") != "url(#fp-nodata)" || fill("6") != "" {
		t.Errorf("no tenant %q, other tenant %q", fill("5"), fill("6"))
	}
	// Sorted by name, case folded: Acme, beta, Zulu; then none and the other racks.
	var keys []string
	for _, it := range svg.All(func(n *node) bool { return n.Attr["class"] == "legend-item" }) {
		keys = append(keys, it.Attr["data-key"])
		if sw := it.Child("rect"); it.Attr["data-key"] == "Acme" && sw.Attr["fill"] != fill("2") {
			t.Errorf("legend swatch for Acme %s, rack %s", sw.Attr["fill"], fill("2"))
		}
	}
	if want := "Acme|beta|Zulu & <Sons>|nodata|other"; strings.Join(keys, "|") != want {
		t.Errorf("legend %q, want %q", strings.Join(keys, "|"), want)
	}
	for _, s := range []string{"Hidden", "Xenon", "/r/7"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("output contains %q", s)
		}
	}

	// Past the palette: the colors come round again, striped, and stay distinct.
	in.Racks = nil
	for i := 0; i < 16; i++ {
		add(int64(i+1), i%12, fmt.Sprintf("tenant-%02d", i), fmt.Sprint("/racks/", i+1), false)
		in.Racks[i].Row = i / 12
	}
	svg = parse(t, render(t, in))
	got = racks(svg)
	seen = map[string]string{}
	for id, g := range got {
		f := g.Child("rect").Attr["fill"]
		if other, ok := seen[f]; ok {
			t.Errorf("racks %s and %s share %s", id, other, f)
		}
		seen[f] = id
	}
	if f := got["8"].Child("rect").Attr["fill"]; f != "url(#fp-cat-7)" {
		t.Errorf("8th tenant: %s", f)
	}
	pats := svg.All(func(n *node) bool { return n.Name == "pattern" })
	if len(pats) != 1+16-len(palette) {
		t.Errorf("%d patterns", len(pats))
	}
}

func TestRenderEscapes(t *testing.T) {
	in := small()
	in.Room = `<Hall & "1">`
	in.Layer.Name = `a<b & c>'d'`
	in.Layer.Unit = `"of" <budget>`
	in.Racks[0].Title = "line 1\nline 2 <b>&amp;\x01\x00\uFFFE"
	in.Racks[1].Href = `javascript:alert("x")`
	in.Racks[2].Href = ` JavaScript:alert(1)`
	in.Coolers[0].Name = `<cool & "ed">`
	in.Aisles[0].Kind = `<other>`
	raw := render(t, in)
	svg := parse(t, raw) // well-formed
	for _, s := range []string{"<Hall", "<b>", "<budget>", "<cool", "<other>", "javascript:", "JavaScript:", "\x01", "\x00"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("output contains %q unescaped", s)
		}
	}
	if !strings.Contains(svg.Attr["aria-label"], `<Hall & "1">`) || svg.Child("title").Text != svg.Attr["aria-label"] {
		t.Errorf("label %q", svg.Attr["aria-label"])
	}
	g := racks(svg)
	if ti := g["3"].Child("title").Text; ti != "line 1\nline 2 <b>&amp;\uFFFD\uFFFD\uFFFD" {
		t.Errorf("title %q", ti)
	}
	for _, id := range []string{"1", "2"} {
		if h := g[id].Parent.Attr["href"]; h != "#ZgotmplZ" {
			t.Errorf("rack %s href %q", id, h)
		}
	}
	if h := g["4"].Parent.Attr["href"]; h != "/racks/4?face=front&x=1" {
		t.Errorf("rack 4 href %q", h)
	}
	for h, want := range map[string]string{
		"/racks/1": "/racks/1", "racks/1": "racks/1", "?a=b:c": "?a=b:c", "#x": "#x", "/a:b": "/a:b",
		"https://x/y": "https://x/y", "HTTP://x": "HTTP://x", "mailto:a@b": "mailto:a@b",
		"data:text/html,x": "#ZgotmplZ", "java\tscript:x": "#ZgotmplZ", "vbscript:x": "#ZgotmplZ",
	} {
		if got := safeHref(h); got != want {
			t.Errorf("safeHref(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestRenderOrderAndErrors(t *testing.T) {
	in := small()
	want := render(t, in)
	rnd := rand.New(rand.NewSource(1))
	for i := 0; i < 5; i++ {
		rnd.Shuffle(len(in.Racks), func(a, b int) { in.Racks[a], in.Racks[b] = in.Racks[b], in.Racks[a] })
		if got := render(t, in); !bytes.Equal(got, want) {
			t.Fatal("output depends on the order of the racks")
		}
	}
	for _, bad := range []Input{
		{Layer: Layer{Kind: "heat"}},
		{Layer: Layer{Kind: ""}},
		{GridRows: maxTiles + 1, GridColumns: 2, Layer: Layer{Kind: "ratio"}},
		{Racks: []Rack{{Row: 1, Column: maxTiles}}, Layer: Layer{Kind: "ratio"}},
	} {
		if err := Render(io.Discard, bad); err == nil {
			t.Errorf("no error for %+v", bad)
		}
	}
	// The grid takes in what stands beyond it; an empty room is one tile.
	in = Input{Racks: []Rack{{ID: 1, Name: "x", Row: 9, Column: 3, Href: "/racks/1"}}, Layer: Layer{Kind: "ratio"}}
	svg := parse(t, render(t, in))
	if bg := svg.All(func(n *node) bool { return n.Attr["class"] == "floor-bg" })[0]; bg.Attr["width"] != "96" || bg.Attr["height"] != "240" {
		t.Errorf("floor %v", bg.Attr)
	}
	parse(t, render(t, Input{Layer: Layer{Kind: "category"}}))
}

func TestTileLabel(t *testing.T) {
	for name, want := range map[string]string{
		"A01": "A01", "A-001": "A-001", "CJ1-H1-A01": "A01", "R0101x": "", "rack 12": "12", "X-": "X-", "LONGNAME-": "", "": "",
		"ÄÖÜ12": "ÄÖÜ12",
	} {
		if got := tileLabel(name); got != want {
			t.Errorf("tileLabel(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestContrast: every color that carries text, against that text, is at least 4.5:1 (WCAG AA),
// both in the tables and in what Render writes.
func TestContrast(t *testing.T) {
	check := func(what, bg, ink string) {
		t.Helper()
		if c := contrast(t, bg, ink); c < 4.5 {
			t.Errorf("%s: %s on %s is %.2f:1", what, ink, bg, c)
		} else {
			t.Logf("%-22s %s on %s  %5.2f:1", what, ink, bg, c)
		}
	}
	for _, s := range ratioScale {
		check("ratio "+s.label, s.fill, s.ink)
	}
	check("no data, ground", noDataBg, noData.ink)
	check("no data, hatching", noDataFg, noData.ink)
	for i := 0; i < 3*len(palette); i++ {
		s := catSwatch(i)
		base := palette[i%len(palette)].fill
		check(fmt.Sprint("category ", i), base, s.ink)
		if i >= len(palette) {
			check(fmt.Sprint("category ", i, " stripes"), opposite(s.ink), s.ink)
		}
	}
	check("title on background", uiBg, uiInk)
	check("muted on background", uiBg, uiMuted)

	// What Render writes: each named rack's text on its rect, each legend step's label on it.
	fills := map[string][]string{"url(#fp-nodata)": {noDataBg, noDataFg}}
	for i := len(palette); i < 16; i++ {
		fills[fmt.Sprintf("url(#fp-cat-%d)", i)] = []string{palette[i%len(palette)].fill, opposite(palette[i%len(palette)].ink)}
	}
	n := 0
	for _, in := range []Input{small(), categories(16)} {
		svg := parse(t, render(t, in))
		for _, g := range svg.All(func(n *node) bool { return n.Child("rect") != nil && n.Child("text") != nil }) {
			r, tx := g.Child("rect"), g.Child("text")
			if tx.Attr["fill"] == "" || r.Attr["fill"] == "" {
				continue
			}
			bgs := fills[r.Attr["fill"]]
			if bgs == nil {
				bgs = []string{r.Attr["fill"]}
			}
			for _, bg := range bgs {
				if c := contrast(t, bg, tx.Attr["fill"]); c < 4.5 {
					t.Errorf("%q: %s on %s is %.2f:1", tx.Text, tx.Attr["fill"], bg, c)
				}
				n++
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d text/fill pairs checked", n)
	}
}

// categories is a hall of n tenants, one rack each.
func categories(n int) Input {
	in := Input{Room: "Hall 3", GridRows: n/10 + 1, GridColumns: 10, Layer: Layer{Name: "Tenant", Kind: "category"}}
	for i := 0; i < n; i++ {
		in.Racks = append(in.Racks, Rack{ID: int64(i + 1), Name: fmt.Sprint("T", i), Row: i / 10, Column: i % 10,
			Category: fmt.Sprintf("tenant %02d", i), Href: fmt.Sprint("/racks/", i+1)})
	}
	return in
}

func TestRenderGolden(t *testing.T) {
	for name, in := range map[string]Input{"small-hall.svg": small(), "tenants.svg": categories(9)} {
		got := render(t, in)
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

// TestInlineStylesheet: a plan for a page leaves its <style> out, and the stylesheet the page links
// instead reaches the plan's elements only.
func TestInlineStylesheet(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, Input{Room: "Hall", GridRows: 2, GridColumns: 2, Layer: Layer{Name: "Power", Kind: "ratio"}, Inline: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<style") {
		t.Error("an inline plan carries a <style>")
	}
	css := Stylesheet()
	rules := 0
	for _, line := range strings.Split(strings.TrimSpace(css), "\n") {
		sel, _, ok := strings.Cut(line, "{")
		if !ok {
			t.Fatalf("rule %q", line)
		}
		for _, one := range strings.Split(sel, ",") {
			if !strings.HasPrefix(one, "svg.floorplan ") {
				t.Errorf("selector %q reaches beyond the plan", one)
			}
		}
		rules++
	}
	if rules < 10 || !strings.Contains(css, "svg.floorplan .rack text") {
		t.Errorf("%d rules:\n%s", rules, css)
	}
}

// TestTemperatureLayer: inlet temperatures fall in ASHRAE A1's steps: below recommended,
// recommended (18–27 °C), allowable (27–32 °C), above allowable; no reading is hatched.
func TestTemperatureLayer(t *testing.T) {
	temp := func(v float64) *float64 { return &v }
	in := Input{Room: "Hall", GridRows: 2, GridColumns: 6, Layer: Layer{Name: "Inlet temperature", Kind: "temperature"}}
	for i, v := range []*float64{temp(16), temp(22), temp(27), temp(29.5), temp(35), nil} {
		in.Racks = append(in.Racks, Rack{ID: int64(i + 1), Name: fmt.Sprintf("R%d", i+1), Row: 0, Column: i, Value: v, Href: "/racks/1"})
	}
	var buf bytes.Buffer
	if err := Render(&buf, in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	want := map[int]string{1: "#56b4e9", 2: "#b8dcf4", 3: "#b8dcf4", 4: "#f0e442", 5: "#d55e00", 6: "url(#fp-nodata)"}
	for id, fill := range want {
		re := regexp.MustCompile(fmt.Sprintf(`id="rack-%d"[^>]*>(?:<title>[^<]*</title>)?<rect [^>]*fill="([^"]+)"`, id))
		m := re.FindStringSubmatch(out)
		if m == nil || m[1] != fill {
			t.Errorf("rack %d: fill %v, want %s", id, m, fill)
		}
	}
	for _, label := range []string{"&lt; 18 °C", "18–27 °C", "27–32 °C", "&gt; 32 °C"} {
		if !strings.Contains(out, label) {
			t.Errorf("legend lacks %q", label)
		}
	}
	if !strings.Contains(out, `class="rack over" id="rack-5"`) {
		t.Error("the rack above allowable is not marked over")
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

// TestAlertLayer: a rack's worst alert in steps: none, pending, warning, critical.
func TestAlertLayer(t *testing.T) {
	lvl := func(v float64) *float64 { return &v }
	in := Input{Room: "Hall", GridRows: 2, GridColumns: 4, Layer: Layer{Name: "Alerts", Kind: "alert"}}
	for i, v := range []*float64{lvl(0), lvl(1), lvl(2), lvl(3)} {
		in.Racks = append(in.Racks, Rack{ID: int64(i + 1), Name: fmt.Sprintf("R%d", i+1), Column: i, Value: v, Href: "/racks/1"})
	}
	var buf bytes.Buffer
	if err := Render(&buf, in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for id, fill := range map[int]string{1: "#b8dcf4", 2: "#f0e442", 3: "#e69f00", 4: "#d55e00"} {
		re := regexp.MustCompile(fmt.Sprintf(`id="rack-%d"[^>]*>(?:<title>[^<]*</title>)?<rect [^>]*fill="([^"]+)"`, id))
		if m := re.FindStringSubmatch(out); m == nil || m[1] != fill {
			t.Errorf("rack %d: fill %v, want %s", id, m, fill)
		}
	}
	for _, label := range []string{"no alert", "pending", "warning", "critical"} {
		if !strings.Contains(out, ">"+label+"<") {
			t.Errorf("legend lacks %q", label)
		}
	}
}
