package chain

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
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func ptr[T any](v T) *T { return &v }

// small2N is a small 2N chain in a what-if where UPS-A has failed: a utility and a stand-by
// generator into an ATS, a transformer, UPS A and B, PDU A and B, and three racks with a rack
// PDU on each side (collapsed). PDU-A and its rack PDUs are lost, UPS-B is overloaded, PDU-B and
// the B rack PDUs are on their last feed, one of them overloaded.
func small2N() Input {
	n := func(id int64, name, kind, side string, loadKW float64, rated, load *float64, state string) Node {
		return Node{ID: id, Name: name, Kind: kind, Side: side, LoadKW: loadKW, RatedKW: rated, Load: load, State: state,
			Href: fmt.Sprintf("/sites/1/power?fail=%d&view=chain", id)}
	}
	in := Input{
		Site: "DC1",
		Nodes: []Node{
			n(1, "UTIL-1", "utility", "", 412, nil, nil, ""),
			n(2, "GEN-1", "generator", "", 0, ptr(1000.0), ptr(0.0), ""),
			n(3, "ATS-1", "ats", "", 412, ptr(1200.0), ptr(0.34), ""),
			n(4, "TX-1", "transformer", "", 412, ptr(1000.0), ptr(0.46), ""),
			n(5, "UPS-A", "ups", "A", 0, ptr(300.0), ptr(0.0), "failed"),
			n(6, "UPS-B", "ups", "B", 302, ptr(300.0), ptr(1.12), "overloaded"),
			n(7, "PDU-A", "pdu", "A", 0, ptr(250.0), ptr(0.0), "lost"),
			n(8, "PDU-B", "pdu", "B", 302, ptr(250.0), ptr(0.9), "last-feed"),
		},
		Edges: []Edge{
			{From: 1, To: 3}, {From: 2, To: 3, Standby: true}, {From: 3, To: 4}, {From: 4, To: 5}, {From: 4, To: 6},
			{From: 5, To: 7}, {From: 6, To: 8},
		},
		Collapse: []string{"rack-pdu"},
	}
	for r := int64(1); r <= 3; r++ {
		a := n(10+r, fmt.Sprintf("RPDU-R%d-A", r), "rack-pdu", "A", 0, ptr(11.0), ptr(0.0), "lost")
		b := n(20+r, fmt.Sprintf("RPDU-R%d-B", r), "rack-pdu", "B", 3.3*float64(r), ptr(11.0), ptr(0.35*float64(r)), "last-feed")
		if r == 3 {
			b.State = "overloaded"
		}
		in.Nodes = append(in.Nodes, a, b)
		in.Edges = append(in.Edges, Edge{From: 7, To: a.ID}, Edge{From: 8, To: b.ID})
	}
	return in
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
func parse(t testing.TB, svg []byte) *node {
	t.Helper()
	root, err := svgtree.Parse(svg)
	if err != nil {
		t.Fatalf("%v\n%s", err, svg)
	}
	return root
}

var translate = regexp.MustCompile(`^translate\(([-0-9.]+) ([-0-9.]+)\)$`)

// at is where a box's group is translated to: its top left corner.
func at(t testing.TB, g *node) (x, y float64) {
	t.Helper()
	m := translate.FindStringSubmatch(g.Attr["transform"])
	if m == nil {
		t.Fatalf("%s: transform %q", g.Attr["id"], g.Attr["transform"])
	}
	x, _ = strconv.ParseFloat(m[1], 64)
	y, _ = strconv.ParseFloat(m[2], 64)
	return x, y
}

// boxes are the drawn boxes by their id attribute.
func boxes(svg *node) map[string]*node {
	out := map[string]*node{}
	for _, n := range svg.All(func(n *node) bool { return n.HasClass("node") }) {
		out[n.Attr["id"]] = n
	}
	return out
}

// groupOf is the collapsed box whose title starts with prefix.
func groupOf(t testing.TB, got map[string]*node, kind string, member string) *node {
	t.Helper()
	for _, g := range got {
		if g.HasClass("collapsed") && g.Attr["data-kind"] == kind && strings.Contains(g.Child("title").Text, member) {
			return g
		}
	}
	t.Fatalf("no collapsed %s box with %s", kind, member)
	return nil
}

func TestRenderSmall2N(t *testing.T) {
	in := small2N()
	raw := render(t, in)
	svg := parse(t, raw)

	if svg.Attr["role"] != "group" || svg.Attr["class"] != "chain" || !strings.HasPrefix(svg.Attr["aria-label"], "Power chain of DC1, what-if: 1 failed, 2 overloaded, 4 no power, 3 last feed") {
		t.Errorf("svg role %q class %q aria-label %q", svg.Attr["role"], svg.Attr["class"], svg.Attr["aria-label"])
	}
	if ti := svg.Child("title"); ti == nil || ti.Text != svg.Attr["aria-label"] {
		t.Errorf("svg title %+v", ti)
	}
	if svg.Child("style") == nil {
		t.Error("no <style>")
	}
	got := boxes(svg)
	if len(got) != 10 {
		t.Fatalf("%d boxes, want 8 nodes and 2 collapsed", len(got))
	}
	gA, gB := groupOf(t, got, "rack-pdu", "RPDU-R1-A"), groupOf(t, got, "rack-pdu", "RPDU-R1-B")

	// Columns: x grows with depth, one column per depth.
	depth := map[*node]int{got["node-1"]: 0, got["node-2"]: 0, got["node-3"]: 1, got["node-4"]: 2, got["node-5"]: 3, got["node-6"]: 3,
		got["node-7"]: 4, got["node-8"]: 4, gA: 5, gB: 5}
	for g, d := range depth {
		if x, _ := at(t, g); x != margin+float64(d)*(boxW+colGap) {
			t.Errorf("%s at x %g, want column %d", g.Attr["id"], x, d)
		}
	}
	// A above B, and no two boxes of a column overlapping (a badge's room included).
	for _, pair := range [][2]*node{{got["node-5"], got["node-6"]}, {got["node-7"], got["node-8"]}, {gA, gB}, {got["node-1"], got["node-2"]}} {
		_, ya := at(t, pair[0])
		_, yb := at(t, pair[1])
		if yb-ya < boxH+rowGap {
			t.Errorf("%s at y %g, %s at %g: want the first above, %g apart", pair[0].Attr["id"], ya, pair[1].Attr["id"], yb, boxH+rowGap)
		}
	}

	// Each node: id, data-node-id, class with its state, its label, outline and link.
	tests := []struct {
		id, class, name, meta, badge, outline, bar, pct string
	}{
		{"1", "node", "UTIL-1", "utility · 412 kW", "", "", noData.fill, "unknown"},
		{"2", "node", "GEN-1", "generator · 0 / 1000 kW", "", "", "", "0 %"},
		{"3", "node", "ATS-1", "ATS · 412 / 1200 kW", "", "", loadScale[0].fill, "34 %"},
		{"4", "node", "TX-1", "transformer · 412 / 1000 kW", "", "", loadScale[0].fill, "46 %"},
		{"5", "node state-failed", "UPS-A", "UPS · 0 / 300 kW", "✕ failed", "#111111", "", "0 %"},
		{"6", "node state-overloaded", "UPS-B", "UPS · 302 / 300 kW", "overloaded", "#d55e00", loadScale[4].fill, "112 %"},
		{"7", "node state-lost", "PDU-A", "PDU · 0 / 250 kW", "no power", "", "", "0 %"},
		{"8", "node state-last-feed", "PDU-B", "PDU · 302 / 250 kW", "last feed", "#e69f00", loadScale[3].fill, "90 %"},
	}
	for _, tt := range tests {
		g := got["node-"+tt.id]
		if g == nil {
			t.Errorf("node %s not drawn", tt.id)
			continue
		}
		if g.Attr["data-node-id"] != tt.id || g.Attr["class"] != tt.class {
			t.Errorf("node %s: data-node-id %q class %q, want %q", tt.id, g.Attr["data-node-id"], g.Attr["class"], tt.class)
		}
		if h := g.Parent.Attr["href"]; g.Parent.Name != "a" || h != "/sites/1/power?fail="+tt.id+"&view=chain" {
			t.Errorf("node %s link %q", tt.id, h)
		}
		if n, m := g.FirstClass("name"), g.FirstClass("meta"); n == nil || m == nil || n.Text != tt.name || m.Text != tt.meta {
			t.Errorf("node %s text %q", tt.id, g.Texts())
		}
		badge := ""
		if b := g.FirstClass("badge"); b != nil {
			badge = b.Child("text").Text
		}
		if badge != tt.badge {
			t.Errorf("node %s badge %q, want %q", tt.id, badge, tt.badge)
		}
		outline := ""
		if o := g.FirstClass("outline"); o != nil {
			outline = o.Attr["stroke"]
		}
		if outline != tt.outline {
			t.Errorf("node %s outline %q, want %q", tt.id, outline, tt.outline)
		}
		bar := g.FirstClass("bar")
		rects := bar.All(func(n *node) bool { return n.Name == "rect" && !n.HasClass("track") })
		fill := ""
		if len(rects) > 0 {
			fill = rects[0].Attr["fill"]
		}
		if fill != tt.bar || bar.Child("text").Text != tt.pct {
			t.Errorf("node %s bar %q %q, want %q %q", tt.id, fill, bar.Child("text").Text, tt.bar, tt.pct)
		}
		wantFill := boxBg
		if strings.Contains(tt.class, "failed") || strings.Contains(tt.class, "lost") {
			wantFill = deadBg
		}
		if f := g.FirstClass("box").Attr["fill"]; f != wantFill {
			t.Errorf("node %s fill %q, want %q", tt.id, f, wantFill)
		}
	}
	if o := got["node-8"].FirstClass("outline"); o.Attr["stroke-dasharray"] == "" {
		t.Error("last feed outline not dashed")
	}
	if o := got["node-5"].FirstClass("outline"); num(t, o.Attr["stroke-width"]) < 2.5 {
		t.Errorf("failed outline %v", o.Attr)
	}
	if got["node-7"].FirstClass("strike") == nil || got["node-6"].FirstClass("strike") != nil {
		t.Error("lost node's name not struck through, or another's is")
	}

	// Collapsed boxes: counts, states, a title listing the members, no link, no node id.
	for _, tt := range []struct {
		g                  *node
		class, meta, badge string
		members            []string
	}{
		{gA, "node collapsed has-lost state-lost", "3 no power", "no power", []string{"RPDU-R1-A", "RPDU-R2-A", "RPDU-R3-A"}},
		{gB, "node collapsed has-overloaded has-last-feed", "1 overloaded · 2 last feed", "1 overloaded", []string{"RPDU-R1-B", "RPDU-R2-B", "RPDU-R3-B"}},
	} {
		id := tt.g.Attr["id"]
		if tt.g.Attr["class"] != tt.class || tt.g.Attr["data-count"] != "3" || tt.g.Attr["data-node-id"] != "" || tt.g.Parent.Name == "a" {
			t.Errorf("%s: %v (in <%s>)", id, tt.g.Attr, tt.g.Parent.Name)
		}
		if tt.g.FirstClass("name").Text != "3 rack PDUs" || tt.g.FirstClass("meta").Text != tt.meta || tt.g.FirstClass("badge").Child("text").Text != tt.badge {
			t.Errorf("%s text %q", id, tt.g.Texts())
		}
		title := tt.g.Child("title").Text
		for _, m := range tt.members {
			if !strings.Contains(title, m) {
				t.Errorf("%s title %q lacks %s", id, title, m)
			}
		}
	}
	if ti := gB.Child("title").Text; !strings.Contains(ti, "overloaded (1): RPDU-R3-B") || !strings.Contains(ti, "fed by PDU-B") ||
		!strings.Contains(ti, "\nload: 1 at 0–50 %, 1 at 70–85 %, 1 at > 100 %\n") || !strings.Contains(ti, "\ntotal 19.8 / 33 kW\n") {
		t.Errorf("title %q", gB.Child("title").Text)
	}
	if f := gA.FirstClass("box").Attr["fill"]; f != deadBg {
		t.Errorf("lost group fill %q", f)
	}

	// Feeds: from the right edge of one box to the left edge of the next; stand-by dashed; into
	// or out of a box without power grey and dotted.
	type feedWant struct{ standby, dead bool }
	want := map[string]feedWant{
		"UTIL-1 → ATS-1": {}, "GEN-1 → ATS-1 (stand-by)": {standby: true}, "ATS-1 → TX-1": {},
		"TX-1 → UPS-A (no power)": {dead: true}, "TX-1 → UPS-B": {}, "UPS-A → PDU-A (no power)": {dead: true},
		"UPS-B → PDU-B": {}, "PDU-A → 3 rack PDUs (no power)": {dead: true}, "PDU-B → 3 rack PDUs": {},
	}
	byName := map[string]*node{"UTIL-1": got["node-1"], "GEN-1": got["node-2"], "ATS-1": got["node-3"], "TX-1": got["node-4"],
		"UPS-A": got["node-5"], "UPS-B": got["node-6"], "PDU-A": got["node-7"], "PDU-B": got["node-8"]}
	edges := svg.All(func(n *node) bool { return n.HasClass("edge") && n.Child("title") != nil })
	if len(edges) != len(want) {
		t.Errorf("%d feeds drawn, want %d", len(edges), len(want))
	}
	for _, e := range edges {
		ti := e.Child("title").Text
		w, ok := want[ti]
		if !ok {
			t.Errorf("feed %q", ti)
			continue
		}
		if e.HasClass("standby") != w.standby || e.HasClass("dead") != w.dead {
			t.Errorf("feed %q class %q", ti, e.Attr["class"])
		}
		if w.dead && (e.Attr["stroke"] != deadLine || e.Attr["stroke-dasharray"] == "") || w.standby && e.Attr["stroke-dasharray"] == "" {
			t.Errorf("feed %q: %v", ti, e.Attr)
		}
		from, to, _ := strings.Cut(strings.TrimSuffix(strings.TrimSuffix(ti, " (stand-by)"), " (no power)"), " → ")
		x0, y0, x1, y1 := ends(t, e.Attr["d"])
		fg, tg := byName[from], byName[to]
		if tg == nil {
			tg = gA
			if from == "PDU-B" {
				tg = gB
			}
		}
		fx, fy := at(t, fg)
		tx, ty := at(t, tg)
		if x0 != fx+boxW || x1 != tx || y0 < fy || y0 > fy+boxH || y1 < ty || y1 > ty+boxH {
			t.Errorf("feed %q from %g,%g to %g,%g; boxes at %g,%g and %g,%g", ti, x0, y0, x1, y1, fx, fy, tx, ty)
		}
	}

	// The legend: load steps, states and feeds, counted over all nodes.
	wantLegend := []struct{ key, label, count string }{
		{"b0", "0–50 %", "9"}, {"b1", "50–70 %", "0"}, {"b2", "70–85 %", "1"}, {"b3", "85–100 %", "1"}, {"b4", "> 100 %", "2"},
		{"nodata", "unknown", "1"}, {"failed", "✕ failed", "1"}, {"overloaded", "overloaded", "2"}, {"lost", "no power", "4"},
		{"last-feed", "last feed", "3"}, {"feed", "feed", ""}, {"standby", "stand-by feed", ""}, {"dead", "feed without power", ""},
	}
	items := svg.All(func(n *node) bool { return n.Attr["class"] == "legend-item" })
	if len(items) != len(wantLegend) {
		t.Fatalf("%d legend items, want %d", len(items), len(wantLegend))
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
		if w := wantLegend[i]; it.Attr["data-key"] != w.key || label != w.label || count != w.count {
			t.Errorf("legend %d: %s %q %q, want %+v", i, it.Attr["data-key"], label, count, w)
		}
	}
	if st := svg.All(func(n *node) bool { return n.HasClass("subtitle") }); len(st) != 1 || st[0].Text != "14 nodes · 13 feeds · what-if: 1 failed, 2 overloaded, 4 no power, 3 last feed" {
		t.Errorf("subtitle %+v", st)
	}

	// The layout crosses no feed.
	g, err := build(in)
	if err != nil {
		t.Fatal(err)
	}
	if x := arrange(g).crossings(); x != 0 {
		t.Errorf("%d crossings", x)
	}
}

var pathNum = regexp.MustCompile(`-?[0-9.]+`)

// ends are the first and last points of a path.
func ends(t testing.TB, d string) (x0, y0, x1, y1 float64) {
	t.Helper()
	nums := pathNum.FindAllString(d, -1)
	if len(nums) < 4 || !strings.HasPrefix(d, "M") {
		t.Fatalf("path %q", d)
	}
	f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	return f(nums[0]), f(nums[1]), f(nums[len(nums)-2]), f(nums[len(nums)-1])
}

func num(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}

// TestRenderFlat: nothing collapsed, every node has its box, and the chain still crosses nothing.
func TestRenderFlat(t *testing.T) {
	in := small2N()
	in.Collapse = nil
	svg := parse(t, render(t, in))
	got := boxes(svg)
	if len(got) != len(in.Nodes) {
		t.Fatalf("%d boxes for %d nodes", len(got), len(in.Nodes))
	}
	for _, n := range in.Nodes {
		g := got["node-"+strconv.FormatInt(n.ID, 10)]
		if g == nil {
			t.Errorf("node %d not drawn", n.ID)
			continue
		}
		if n.Kind == "rack-pdu" {
			if x, _ := at(t, g); x != margin+5*(boxW+colGap) {
				t.Errorf("%s at x %g", n.Name, x)
			}
		}
	}
	// A rack PDUs above B ones.
	_, ya := at(t, got["node-13"])
	_, yb := at(t, got["node-21"])
	if ya >= yb {
		t.Errorf("RPDU-R3-A at %g, RPDU-R1-B at %g", ya, yb)
	}
	// Lost rack PDUs struck through; the overloaded one not.
	if got["node-11"].FirstClass("strike") == nil || got["node-23"].FirstClass("strike") != nil {
		t.Error("strike-through")
	}
}

// TestRenderCampus: the benchmark's hall: columns, no overlaps in a column, A over B, feeds
// from generators passing through the transformers' column between the boxes, few crossings.
func TestRenderCampus(t *testing.T) {
	for _, collapse := range []bool{true, false} {
		in := campus(true)
		if !collapse {
			in.Collapse = nil
		}
		svg := parse(t, render(t, in))
		got := boxes(svg)
		want := 6 + 4 + 8 + 40 + 40 // sources, transformers, UPSs, PDUs, one group per PDU
		if !collapse {
			want = len(in.Nodes)
		}
		if len(got) != want {
			t.Errorf("collapse %v: %d boxes, want %d", collapse, len(got), want)
		}
		cols := map[float64][][2]float64{} // x → spans of y
		sideOf := map[string]string{}
		for _, n := range in.Nodes {
			sideOf["node-"+strconv.FormatInt(n.ID, 10)] = n.Side
		}
		lastA, firstB := map[float64]float64{}, map[float64]float64{}
		for id, g := range got {
			x, y := at(t, g)
			cols[x] = append(cols[x], [2]float64{y, y + boxH})
			side := sideOf[id]
			if g.HasClass("collapsed") {
				side = string(g.Child("title").Text[strings.Index(g.Child("title").Text, "PDU-")+4])
			}
			switch side {
			case "A":
				lastA[x] = max(lastA[x], y)
			case "B":
				if v, ok := firstB[x]; !ok || y < v {
					firstB[x] = y
				}
			}
		}
		if len(cols) != 5 {
			t.Errorf("collapse %v: %d columns", collapse, len(cols))
		}
		for x, spans := range cols {
			for i := range spans {
				for j := range spans {
					if i != j && spans[i][0] < spans[j][1]+rowGap-0.01 && spans[j][0] < spans[i][1]+rowGap-0.01 {
						t.Fatalf("collapse %v: boxes at x %g overlap: %v %v", collapse, x, spans[i], spans[j])
					}
				}
			}
			if b, ok := firstB[x]; ok && lastA[x] >= b {
				t.Errorf("collapse %v: at x %g an A box (y %g) below a B box (y %g)", collapse, x, lastA[x], b)
			}
		}
		// Generator feeds skip the transformers' column: straight through it, between its boxes.
		tx := cols[margin+(boxW+colGap)]
		passes := 0
		for _, e := range svg.All(func(n *node) bool { return n.HasClass("standby") && n.Name == "path" }) {
			d := e.Attr["d"]
			i := strings.Index(d, "H")
			if i < 0 {
				t.Errorf("stand-by feed %q does not pass the column", d)
				continue
			}
			nums := pathNum.FindAllString(d[:i], -1)
			y := num(t, nums[len(nums)-1])
			for _, s := range tx {
				if y > s[0]-2 && y < s[1]+2 {
					t.Errorf("a feed passes at y %g through a box at %v", y, s)
				}
			}
			passes++
		}
		if passes != 8 {
			t.Errorf("%d stand-by feeds", passes)
		}
		g, err := build(in)
		if err != nil {
			t.Fatal(err)
		}
		// Each generator's feeds to its two UPSs pass by the transformer that also feeds them: one
		// crossing each, at the least.
		if x := arrange(g).crossings(); x != 4 {
			t.Errorf("collapse %v: %d crossings, want 4", collapse, x)
		}
	}
}

// TestCollapseGroups: a group per kind and set of parent boxes: dual-inlet rack PDUs fed from both
// sides make one box with two feeds; circuits collapsed under a panel and the rack PDUs under
// those circuits collapse again into one box under the circuits' box; an orphan is in a group of
// its own.
func TestCollapseGroups(t *testing.T) {
	in := Input{Site: "S", Collapse: []string{" Rack-PDU ", "circuit"}}
	add := func(id int64, name, kind, side string) {
		in.Nodes = append(in.Nodes, Node{ID: id, Name: name, Kind: kind, Side: side, LoadKW: 1, Load: ptr(0.2)})
	}
	add(1, "PDU-A", "pdu", "A")
	add(2, "PDU-B", "pdu", "B")
	add(3, "PNL-1", "panel", "A")
	for i := int64(0); i < 4; i++ {
		add(10+i, fmt.Sprint("RP-", i), "rack-pdu", "")
		in.Edges = append(in.Edges, Edge{From: 1, To: 10 + i}, Edge{From: 2, To: 10 + i})
		add(20+i, fmt.Sprint("CIR-", i), "circuit", "A")
		add(30+i, fmt.Sprint("RPC-", i), "rack-pdu", "A")
		in.Edges = append(in.Edges, Edge{From: 3, To: 20 + i}, Edge{From: 20 + i, To: 30 + i})
	}
	add(40, "LONE", "rack-pdu", "")
	in.Edges = append(in.Edges, Edge{From: 1, To: 10}) // twice: drawn once
	svg := parse(t, render(t, in))
	got := boxes(svg)
	var names []string
	for _, g := range got {
		names = append(names, g.FirstClass("name").Text+" "+g.Attr["data-count"])
	}
	if len(got) != 7 {
		t.Fatalf("%d boxes: %q", len(got), names)
	}
	dual := groupOf(t, got, "rack-pdu", "RP-0")
	if dual.Attr["data-count"] != "4" || !strings.Contains(dual.Child("title").Text, "fed by PDU-A, PDU-B") {
		t.Errorf("dual-inlet group: %v %q", dual.Attr, dual.Child("title").Text)
	}
	cir := groupOf(t, got, "circuit", "CIR-0")
	rpc := groupOf(t, got, "rack-pdu", "RPC-0")
	if cir.FirstClass("name").Text != "4 circuits" || rpc.Attr["data-count"] != "4" || !strings.Contains(rpc.Child("title").Text, "fed by 4 circuits") {
		t.Errorf("circuit %q, rack PDUs %q", cir.Child("title").Text, rpc.Child("title").Text)
	}
	cx, _ := at(t, cir)
	rx, _ := at(t, rpc)
	if rx != cx+boxW+colGap {
		t.Errorf("circuits at %g, their rack PDUs at %g", cx, rx)
	}
	lone := groupOf(t, got, "rack-pdu", "LONE")
	if lone.Attr["data-count"] != "1" || lone.FirstClass("name").Text != "1 rack PDU" {
		t.Errorf("orphan: %q", lone.Texts())
	}
	titles := map[string]int{}
	for _, e := range svg.All(func(n *node) bool { return n.HasClass("edge") && n.Child("title") != nil }) {
		titles[e.Child("title").Text]++
	}
	for _, w := range []string{"PDU-A → 4 rack PDUs", "PDU-B → 4 rack PDUs", "PNL-1 → 4 circuits", "4 circuits → 4 rack PDUs"} {
		if titles[w] != 1 {
			t.Errorf("feed %q drawn %d times (%v)", w, titles[w], titles)
		}
	}
	if len(titles) != 4 {
		t.Errorf("feeds %v", titles)
	}
}

// TestStandbyOfGroup: feeds into a group are stand-by only if all of them are.
func TestStandbyOfGroup(t *testing.T) {
	in := Input{Collapse: []string{"ups"}, Nodes: []Node{{ID: 1, Name: "G", Kind: "generator"}, {ID: 2, Name: "U1", Kind: "ups"}, {ID: 3, Name: "U2", Kind: "ups"}},
		Edges: []Edge{{From: 1, To: 2, Standby: true}, {From: 1, To: 3}}}
	svg := parse(t, render(t, in))
	e := svg.All(func(n *node) bool { return n.HasClass("edge") && n.Child("title") != nil })
	if len(e) != 1 || e[0].HasClass("standby") {
		t.Errorf("feeds %+v", e)
	}
	in.Edges[1].Standby = true
	svg = parse(t, render(t, in))
	e = svg.All(func(n *node) bool { return n.HasClass("edge") && n.Child("title") != nil })
	if len(e) != 1 || !e[0].HasClass("standby") {
		t.Errorf("feeds %+v", e)
	}
}

func TestRenderEscapes(t *testing.T) {
	in := small2N()
	in.Site = `<DC & "1">`
	in.Nodes[0].Name = `UTIL <"1"> & co`
	in.Nodes[1].Title = "line 1\nline 2 <b>&amp;\x01\x00\uFFFE"
	in.Nodes[2].Href = `javascript:alert("x")`
	in.Nodes[3].Href = ` JavaScript:alert(1)`
	in.Nodes[4].Kind = `<ups>`
	in.Nodes[8].Name = `RPDU <&> 'x'`
	raw := render(t, in)
	svg := parse(t, raw) // well-formed
	for _, s := range []string{"<DC", "<b>", `<"1">`, "<ups>", "<&>", "javascript:", "JavaScript:", "\x01", "\x00"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("output contains %q unescaped", s)
		}
	}
	if !strings.Contains(svg.Attr["aria-label"], `<DC & "1">`) {
		t.Errorf("label %q", svg.Attr["aria-label"])
	}
	got := boxes(svg)
	if n := got["node-1"].FirstClass("name").Text; n != `UTIL <"1"> & co` {
		t.Errorf("name %q", n)
	}
	if ti := got["node-2"].Child("title").Text; ti != "line 1\nline 2 <b>&amp;\uFFFD\uFFFD\uFFFD" {
		t.Errorf("title %q", ti)
	}
	for _, id := range []string{"3", "4"} {
		if h := got["node-"+id].Parent.Attr["href"]; h != "#ZgotmplZ" {
			t.Errorf("node %s href %q", id, h)
		}
	}
	if h := got["node-6"].Parent.Attr["href"]; h != "/sites/1/power?fail=6&view=chain" {
		t.Errorf("href %q", h)
	}
	if k := got["node-5"].Attr["data-kind"]; k != "<ups>" {
		t.Errorf("kind %q", k)
	}
	if ti := groupOf(t, got, "rack-pdu", "RPDU-R2-A").Child("title").Text; !strings.Contains(ti, `RPDU <&> 'x'`) {
		t.Errorf("group title %q", ti)
	}
	for h, want := range map[string]string{
		"/racks/1": "/racks/1", "?a=b:c": "?a=b:c", "#x": "#x", "https://x/y": "https://x/y", "mailto:a@b": "mailto:a@b",
		"data:text/html,x": "#ZgotmplZ", "vbscript:x": "#ZgotmplZ",
	} {
		if got := safeHref(h); got != want {
			t.Errorf("safeHref(%q) = %q, want %q", h, got, want)
		}
	}
}

// TestRenderOrder: the output does not depend on the order of the nodes, edges or collapsed kinds.
func TestRenderOrder(t *testing.T) {
	for _, in := range []Input{small2N(), campus(true)} {
		want := render(t, in)
		rnd := rand.New(rand.NewSource(1))
		for i := 0; i < 4; i++ {
			rnd.Shuffle(len(in.Nodes), func(a, b int) { in.Nodes[a], in.Nodes[b] = in.Nodes[b], in.Nodes[a] })
			rnd.Shuffle(len(in.Edges), func(a, b int) { in.Edges[a], in.Edges[b] = in.Edges[b], in.Edges[a] })
			if got := render(t, in); !bytes.Equal(got, want) {
				t.Fatal("output depends on the order of the input")
			}
		}
	}
}

func TestRenderErrors(t *testing.T) {
	nodes := []Node{{ID: 1, Name: "UTIL"}, {ID: 2, Name: "TX"}, {ID: 3, Name: "UPS"}, {ID: 4, Name: "PDU"}}
	for _, tt := range []struct {
		edges []Edge
		nodes []Node
		want  string
	}{
		{[]Edge{{From: 1, To: 9}}, nodes, "chain: edge 1 → 9: no node 9"},
		{[]Edge{{From: 8, To: 1}}, nodes, "chain: edge 8 → 1: no node 8"},
		{[]Edge{{From: 2, To: 2}}, nodes, "chain: the feeds form a loop: TX (2) → TX (2)"},
		{[]Edge{{From: 1, To: 2}, {From: 2, To: 3}, {From: 3, To: 4}, {From: 4, To: 2}}, nodes, "chain: the feeds form a loop: TX (2) → UPS (3) → PDU (4) → TX (2)"},
		{[]Edge{{From: 3, To: 4}, {From: 4, To: 3}}, nodes, "chain: the feeds form a loop: UPS (3) → PDU (4) → UPS (3)"},
		{[]Edge{{From: 1, To: 3}, {From: 3, To: 4}, {From: 4, To: 3}, {From: 4, To: 2}}, nodes, "chain: the feeds form a loop: UPS (3) → PDU (4) → UPS (3)"},
		{nil, append(slices.Clone(nodes), Node{ID: 3, Name: "again"}), "chain: two nodes with id 3"},
	} {
		err := Render(io.Discard, Input{Nodes: tt.nodes, Edges: tt.edges})
		if err == nil || err.Error() != tt.want {
			t.Errorf("edges %v: error %v, want %q", tt.edges, err, tt.want)
		}
	}
	// Nothing at all is a drawing too.
	svg := parse(t, render(t, Input{}))
	if n := svg.All(func(n *node) bool { return n.HasClass("note") }); len(n) != 1 {
		t.Error("no note for an empty chain")
	}
}

func TestInlineStylesheet(t *testing.T) {
	in := small2N()
	in.Inline = true
	if raw := render(t, in); bytes.Contains(raw, []byte("<style")) {
		t.Error("an inline chain carries a <style>")
	}
	css := Stylesheet()
	rules := 0
	for _, line := range strings.Split(strings.TrimSpace(css), "\n") {
		sel, _, ok := strings.Cut(line, "{")
		if !ok {
			t.Fatalf("rule %q", line)
		}
		for _, one := range strings.Split(sel, ",") {
			if !strings.HasPrefix(one, "svg.chain ") {
				t.Errorf("selector %q reaches beyond the chain", one)
			}
		}
		rules++
	}
	if rules < 10 || !strings.Contains(css, "svg.chain a:hover .box") {
		t.Errorf("%d rules:\n%s", rules, css)
	}
	// No style attributes: a page's Content-Security-Policy would drop them.
	if bytes.Contains(render(t, small2N()), []byte(" style=")) {
		t.Error("a style attribute")
	}
}

func TestFit(t *testing.T) {
	for _, tt := range []struct{ in, head, tail string }{
		{"UPS-A", "UPS-A", "UPS-A"},
		{"PDU-H1-A-12", "PDU-H1-A-12", "PDU-H1-A-12"},
		{"CJ1-HALL1-ROW-A-RPP-A-0012-EXTENSION", "CJ1-", "-EXTENSION"},
		{"ÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜ", "ÄÖÜ", "ÄÖÜ"},
	} {
		got := fitMiddle(tt.in, barW, fontSize, true)
		if !strings.HasPrefix(got, tt.head) || !strings.HasSuffix(got, tt.tail) || strings.Contains(got, "…") == (got == tt.in) {
			t.Errorf("fitMiddle(%q) = %q", tt.in, got)
		}
		if textW(got, fontSize, true) > barW {
			t.Errorf("fitMiddle(%q) = %q is %g wide", tt.in, got, textW(got, fontSize, true))
		}
	}
	if got := fitEnd("12 overloaded · 300 no power · 12 last feed", barW, metaFont); !strings.HasSuffix(got, "…") || textW(got, metaFont, false) > barW {
		t.Errorf("fitEnd: %q", got)
	}
}

func TestNatCmp(t *testing.T) {
	ordered := []string{"", "A", "PDU-2", "PDU-10", "PDU-10a", "PDU-010b", "PDU-11", "pdu-1"}
	for i := range ordered {
		for j := range ordered {
			got := nameCmp(ordered[i], ordered[j], 0, 0)
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("nameCmp(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

// TestContrast: every text on a fill is at least 4.5:1 (WCAG AA) against every fill it may lie
// on: a <text> with a fill attribute lies on the rects beside it (a pattern: on each of its
// colors); one without lies on the background, in a color of the stylesheet.
func TestContrast(t *testing.T) {
	check := func(what, bg, ink string) {
		t.Helper()
		if c := ratio(t, bg, ink); c < 4.5 {
			t.Errorf("%s: %s on %s is %.2f:1", what, ink, bg, c)
		}
	}
	for _, s := range loadScale {
		check("load "+s.label, s.fill, s.ink)
	}
	for _, s := range states {
		check("badge "+s.key, s.badge.fill, s.badge.ink)
	}
	check("title", uiBg, uiInk)
	check("subtitle", uiBg, uiMuted)
	check("dead box", deadBg, inkDark)

	patterns := map[string][]string{noData.fill: {noDataBg, noDataFg}}
	pairs := map[string]bool{}
	for _, in := range []Input{small2N(), campus(true), campus(false)} {
		svg := parse(t, render(t, in))
		for _, tx := range svg.All(func(n *node) bool { return n.Name == "text" }) {
			ink := tx.Attr["fill"]
			if ink == "" {
				if cls := tx.Attr["class"]; cls != "title" && cls != "subtitle" && cls != "note" && cls != "head" && cls != "lbl" && cls != "count" {
					t.Errorf("text %q of class %q has no fill and is not on the background", tx.Text, cls)
				}
				continue
			}
			var bgs []string
			for _, r := range tx.Parent.Children {
				if r.Name != "rect" || r.Attr["fill"] == "none" {
					continue
				}
				f := r.Attr["fill"]
				if p := patterns[f]; p != nil {
					bgs = append(bgs, p...)
				} else {
					bgs = append(bgs, f)
				}
			}
			if len(bgs) == 0 {
				t.Errorf("text %q in %s lies on no fill", tx.Text, ink)
			}
			for _, bg := range bgs {
				check(fmt.Sprintf("%q", tx.Text), bg, ink)
				pairs[ink+" on "+bg] = true
			}
		}
	}
	if len(pairs) < 10 {
		t.Errorf("only %d text/fill pairs: %v", len(pairs), pairs)
	}
}

func TestRenderGolden(t *testing.T) {
	got := render(t, small2N())
	golden := filepath.Join("testdata", "small-2n.svg")
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

// ratio is the WCAG 2 contrast ratio of two colors (svgtext.Contrast).
func ratio(t *testing.T, a, b string) float64 {
	t.Helper()
	c, err := svgtext.Contrast(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
