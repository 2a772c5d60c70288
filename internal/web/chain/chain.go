// Package chain draws a site's power chain as SVG: the sources (utility, generator) on the left,
// each node in the column of its depth, down to the rack PDUs on the right, with every node's load
// and its state in a what-if (failed, without power, overloaded, left on its last feed). Kinds
// that come in hundreds (rack PDUs) can be drawn as one box per parent. It needs no fonts, scripts
// or images from outside.
package chain

import (
	"bufio"
	"cmp"
	"fmt"
	"github.com/plenum-dcim/plenum/internal/web/svgtext"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Input is one site's power chain.
type Input struct {
	Site  string
	Nodes []Node
	// Edges: From feeds To. Standby marks a stand-by input (a generator behind the utility:
	// priority > 0), drawn dashed.
	Edges []Edge
	// Collapse: nodes of these kinds are drawn as one box per parent ("28 rack PDUs"), so a site
	// with hundreds of rack PDUs stays readable; empty: none collapsed.
	Collapse []string
	// Inline leaves the <style> out: the SVG goes inside a page that links Stylesheet().
	Inline bool
}

// Node is one element of the chain.
type Node struct {
	ID      int64
	Name    string
	Kind    string // utility, generator, transformer, switchgear, ats, sts, ups, pdu, rpp, panel, circuit, rack-pdu
	Side    string // "A", "B" or ""
	LoadKW  float64
	RatedKW *float64 // nil: unrated
	Load    *float64 // share of the derated rating in use (0..1, >1 over); nil: unknown
	// State in a what-if: "" normal, "failed" (the node the what-if takes down), "lost" (dead after
	// it), "overloaded" (over a rating after failover), "last-feed" (alive but now the only feed
	// of something). Anything else is drawn as normal.
	State string
	Href  string // link (the what-if for this node): "" = not a link
	Title string // hover text; "" = name, kind, side, load and state
}

// Edge is a feed: From feeds To.
type Edge struct {
	From, To int64
	Standby  bool
}

// Geometry of the drawing, in SVG user units (pixels at 100%).
const (
	boxW      = 150.0 // a node
	boxH      = 44.0
	colGap    = 70.0 // between columns, for the feeds
	rowGap    = 18.0 // between boxes in a column (room for a state badge above each)
	sideGap   = 14.0 // more of it where the side changes (A, shared, B)
	passGap   = 8.0  // around a feed passing through a column
	pad       = 6.0  // inside a box
	barY      = 31.0 // load bar, inside a box
	barH      = 10.0
	barW      = boxW - 2*pad
	badgeH    = 13.0
	margin    = 12.0 // around everything
	titleH    = 52.0 // title and subtitle above the chain
	topRoom   = 10.0 // above the first box, for its badge
	legendX   = 32.0 // gap between the chain and the legend
	legendW   = 200.0
	itemH     = 20.0 // one legend entry
	fontSize  = 11.0
	metaFont  = 9.0
	badgeFont = 8.5
	sweeps    = 8  // ordering passes (down and up)
	nudges    = 6  // placement passes (down and up)
	listed    = 12 // names per state in a collapsed box's hover text
	listedAll = 30 // names in all
)

// Colors. Every fill or stroke that carries meaning is written as an attribute; the rest is in
// the stylesheet, where a theme may override it.
const (
	inkDark  = svgtext.InkDark
	inkLight = svgtext.InkLight
	uiInk    = "#1d2733" // text on the background
	uiMuted  = "#48525e" // secondary text on the background
	uiBg     = "#ffffff" // background
	boxBg    = "#ffffff" // a node with power
	deadBg   = "#d4d4d4" // a failed node, or one without power
	noDataBg = "#ececec" // unknown load: base of the hatching
	noDataFg = "#c4c4c4" // unknown load: hatching lines
	deadLine = "#9aa1a9" // a feed into or out of a node without power
	feedLine = "#5b6570" // a feed (stylesheet)
)

// swatch is a fill and the text color used on it.
type swatch struct{ fill, ink string }

// loadScale is the stepped scale of a load: svgtext's ratio scale, shared with the floor plan.
var loadScale = steps(svgtext.RatioScale)

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

// noData is the hatched neutral fill of an unknown load.
var noData = swatch{"url(#ch-nodata)", inkDark}

// stateStyle is how a state is drawn: a badge above the box with a label (so that the meaning is
// never in a color alone), an outline, and for a node without power a grey box.
type stateStyle struct {
	key    string // Node.State, and the class state-KEY
	label  string // on the badge
	badge  swatch
	stroke string // outline, "" none
	width  float64
	dash   string
	dead   bool // no power: grey box, grey feeds
}

// states, the most severe first: a collapsed box's badge is its most severe state.
var states = []stateStyle{
	{"failed", "✕ failed", swatch{"#111111", inkLight}, "#111111", 3, "", true},
	{"overloaded", "overloaded", swatch{"#d55e00", inkDark}, "#d55e00", 3, "", false},
	{"lost", "no power", swatch{"#48525e", inkLight}, "", 0, "", true},
	{"last-feed", "last feed", swatch{"#e69f00", inkDark}, "#e69f00", 2.5, "5 3", false},
}

// stateOf is the index in states of a node's state, or -1 for normal.
func stateOf(s string) int {
	for i := range states {
		if states[i].key == s {
			return i
		}
	}
	return -1
}

// kinds, upstream first: the first column's order, and the words for them.
var kinds = []struct{ key, one, many string }{
	{"utility", "utility", "utilities"},
	{"generator", "generator", "generators"},
	{"transformer", "transformer", "transformers"},
	{"switchgear", "switchgear", "switchgear"},
	{"ats", "ATS", "ATSs"},
	{"sts", "STS", "STSs"},
	{"ups", "UPS", "UPSs"},
	{"pdu", "PDU", "PDUs"},
	{"rpp", "RPP", "RPPs"},
	{"panel", "panel", "panels"},
	{"circuit", "circuit", "circuits"},
	{"rack-pdu", "rack PDU", "rack PDUs"},
}

// kindRank is the place of a kind in kinds, unknown ones last.
func kindRank(k string) int {
	for i := range kinds {
		if kinds[i].key == k {
			return i
		}
	}
	return len(kinds)
}

// kindWord is a kind in words, for n of them.
func kindWord(k string, n int) string {
	for _, kd := range kinds {
		if kd.key == k {
			if n == 1 {
				return kd.one
			}
			return kd.many
		}
	}
	if k == "" {
		k = "node"
	}
	if n == 1 {
		return k
	}
	return k + "s"
}

// sideRank orders A above the shared nodes above B.
func sideRank(s string) int {
	switch s {
	case "A", "a":
		return 0
	case "B", "b":
		return 2
	}
	return 1
}

const style = `.bg{fill:` + uiBg + `}.title{font-size:15px;font-weight:bold;fill:` + uiInk + `}.subtitle,.note{fill:` + uiMuted + `}
.edge{fill:none;stroke:` + feedLine + `;stroke-width:1.4}.arrow{fill:` + feedLine + `}
.box,.stack{stroke:#7d8791;stroke-width:1}a:hover .box,a:focus .box{stroke:` + inkDark + `;stroke-width:2.5}
.node .name{font-weight:bold}.node .meta{font-size:9px}.bar text{font-size:8px;text-anchor:end}.bar .track{stroke:#9aa3ad;stroke-width:.5}
.badge text{font-size:8.5px;font-weight:bold;text-anchor:middle}.strike{stroke-width:1.2}
.legend .head{font-weight:bold;fill:` + uiInk + `}.legend .lbl{fill:` + uiInk + `}.legend .count{fill:` + uiMuted + `;text-anchor:end}
.legend .step{text-anchor:middle}.legend .sw{stroke:#9aa3ad;stroke-width:.5}
`

// Stylesheet is the chain's style scoped to svg.chain, for a page that inlines the SVG
// (Input.Inline): the page's Content-Security-Policy allows style from its own files only, and an
// inline SVG's <style> would reach the whole page.
func Stylesheet() string { return svgtext.Scope(style, "svg.chain") }

// box is what is drawn as one box: a node, or a collapsed group of nodes of one kind under the
// same parents.
type box struct {
	node    *Node   // nil for a group
	members []*Node // a group's nodes, by name
	kind    string
	side    string
	sort    string // name to order by
	id      int64  // the node's, or the group's smallest member's
	parents []int  // a group's parent boxes (its key)
	dead    bool   // no power: failed or lost (a group: all of it)
	state   int    // index in states, -1 normal; a group: its most severe
	count   [4]int // a group: members per state
}

// link is a feed between two boxes: one edge, or the edges into or out of a group.
type link struct {
	from, to int // boxes
	standby  bool
	dead     bool
}

// graph is the chain checked, sorted and collapsed.
type graph struct {
	nodes  []Node
	boxes  []box
	links  []link
	feeds  int    // edges
	counts [4]int // nodes per state
	loads  [6]int // nodes per load step, unknown last
}

// build checks the input (unique ids, edges between known nodes, no loop) and collapses it.
func build(in Input) (*graph, error) {
	g := &graph{nodes: slices.Clone(in.Nodes)}
	nodes := g.nodes
	slices.SortFunc(nodes, func(a, b Node) int { return cmp.Compare(a.ID, b.ID) })
	index := make(map[int64]int, len(nodes))
	for i := range nodes {
		if i > 0 && nodes[i].ID == nodes[i-1].ID {
			return nil, fmt.Errorf("chain: two nodes with id %d", nodes[i].ID)
		}
		index[nodes[i].ID] = i
	}
	edges := slices.Clone(in.Edges)
	slices.SortFunc(edges, func(a, b Edge) int {
		if c := cmp.Compare(a.From, b.From); c != 0 {
			return c
		}
		return cmp.Compare(a.To, b.To)
	})
	parents := make([][]int, len(nodes))
	children := make([][]int, len(nodes))
	type feed struct {
		from, to int
		standby  bool
	}
	feeds := make([]feed, 0, len(edges))
	for i, e := range edges {
		f, okf := index[e.From]
		t, okt := index[e.To]
		switch {
		case !okf:
			return nil, fmt.Errorf("chain: edge %d → %d: no node %d", e.From, e.To, e.From)
		case !okt:
			return nil, fmt.Errorf("chain: edge %d → %d: no node %d", e.From, e.To, e.To)
		case f == t:
			return nil, fmt.Errorf("chain: the feeds form a loop: %s → %s", label(&nodes[f]), label(&nodes[f]))
		}
		if i > 0 && e.From == edges[i-1].From && e.To == edges[i-1].To { // the same feed twice
			feeds[len(feeds)-1].standby = feeds[len(feeds)-1].standby && e.Standby
			continue
		}
		feeds = append(feeds, feed{f, t, e.Standby})
		parents[t] = append(parents[t], f)
		children[f] = append(children[f], t)
	}
	g.feeds = len(feeds)

	// Topological order (Kahn), by id where free to choose.
	indeg := make([]int, len(nodes))
	for i := range nodes {
		indeg[i] = len(parents[i])
	}
	order := make([]int, 0, len(nodes))
	for i := range nodes {
		if indeg[i] == 0 {
			order = append(order, i)
		}
	}
	for k := 0; k < len(order); k++ {
		for _, c := range children[order[k]] {
			if indeg[c]--; indeg[c] == 0 {
				order = append(order, c)
			}
		}
	}
	if len(order) < len(nodes) {
		return nil, loopError(nodes, parents, indeg)
	}

	// Boxes, in topological order: a node of a collapsed kind joins the group of its kind under
	// the same parent boxes.
	collapse := map[string]bool{}
	for _, k := range in.Collapse {
		collapse[strings.ToLower(strings.TrimSpace(k))] = true
	}
	boxOf := make([]int, len(nodes))
	groups := map[string]int{}
	var key strings.Builder
	for _, i := range order {
		n := &nodes[i]
		g.counts = addState(g.counts, n.State)
		if k := svgtext.RatioStep(n.Load); k < 0 {
			g.loads[5]++
		} else {
			g.loads[k]++
		}
		if !collapse[strings.ToLower(n.Kind)] {
			boxOf[i] = len(g.boxes)
			st := stateOf(n.State)
			g.boxes = append(g.boxes, box{node: n, kind: n.Kind, side: n.Side, sort: n.Name, id: n.ID, state: st, dead: st >= 0 && states[st].dead})
			continue
		}
		pb := make([]int, 0, len(parents[i]))
		for _, p := range parents[i] {
			pb = append(pb, boxOf[p])
		}
		slices.Sort(pb)
		pb = slices.Compact(pb)
		key.Reset()
		key.WriteString(strings.ToLower(n.Kind))
		for _, p := range pb {
			key.WriteByte(' ')
			key.WriteString(strconv.Itoa(p))
		}
		gi, ok := groups[key.String()]
		if !ok {
			gi = len(g.boxes)
			groups[key.String()] = gi
			g.boxes = append(g.boxes, box{kind: n.Kind, side: n.Side, id: n.ID, parents: pb})
		}
		b := &g.boxes[gi]
		b.members = append(b.members, n)
		b.id = min(b.id, n.ID)
		if b.side != n.Side {
			b.side = ""
		}
		boxOf[i] = gi
	}
	for i := range g.boxes {
		b := &g.boxes[i]
		if b.node != nil {
			continue
		}
		slices.SortFunc(b.members, func(x, y *Node) int { return nameCmp(x.Name, y.Name, x.ID, y.ID) })
		b.sort = b.members[0].Name
		dead := 0
		for _, m := range b.members {
			b.count = addState(b.count, m.State)
			if st := stateOf(m.State); st >= 0 && states[st].dead {
				dead++
			}
		}
		b.state = -1
		for s := range states {
			if b.count[s] > 0 {
				b.state = s
				break
			}
		}
		b.dead = dead == len(b.members)
	}

	// Links between boxes: parallel feeds into or out of a group are one, stand-by only if all
	// of them are.
	at := map[[2]int]int{}
	for _, f := range feeds {
		k := [2]int{boxOf[f.from], boxOf[f.to]}
		if li, ok := at[k]; ok {
			g.links[li].standby = g.links[li].standby && f.standby
			continue
		}
		at[k] = len(g.links)
		g.links = append(g.links, link{from: k[0], to: k[1], standby: f.standby})
	}
	slices.SortFunc(g.links, func(a, b link) int {
		if c := cmp.Compare(a.from, b.from); c != 0 {
			return c
		}
		return cmp.Compare(a.to, b.to)
	})
	for i := range g.links {
		l := &g.links[i]
		l.dead = g.boxes[l.from].dead || g.boxes[l.to].dead
	}
	return g, nil
}

// addState counts a state.
func addState(c [4]int, s string) [4]int {
	if i := stateOf(s); i >= 0 {
		c[i]++
	}
	return c
}

// loopError names the nodes of one loop among those the topological sort left (each of which
// has a parent among them).
func loopError(nodes []Node, parents [][]int, indeg []int) error {
	start := -1
	for i := range nodes {
		if indeg[i] > 0 {
			start = i
			break
		}
	}
	seen := map[int]int{} // node → step
	var path []int
	for i := start; ; {
		if s, ok := seen[i]; ok {
			path = path[s:]
			break
		}
		seen[i] = len(path)
		path = append(path, i)
		for _, p := range parents[i] {
			if indeg[p] > 0 {
				i = p
				break
			}
		}
	}
	// path follows parents; the loop reads along the feeds, from its node of the smallest id.
	slices.Reverse(path)
	first := 0
	for k := range path {
		if nodes[path[k]].ID < nodes[path[first]].ID {
			first = k
		}
	}
	path = slices.Concat(path[first:], path[:first])
	parts := make([]string, 0, len(path)+1)
	for _, i := range path {
		parts = append(parts, label(&nodes[i]))
	}
	parts = append(parts, parts[0])
	return fmt.Errorf("chain: the feeds form a loop: %s", strings.Join(parts, " → "))
}

// label names a node in a message.
func label(n *Node) string {
	return fmt.Sprintf("%s (%d)", n.Name, n.ID)
}

// nameCmp orders names naturally ("PDU-2" before "PDU-10"), then by id.
func nameCmp(a, b string, ia, ib int64) int {
	if c := natCmp(a, b); c != 0 {
		return c
	}
	if c := strings.Compare(a, b); c != 0 {
		return c
	}
	return cmp.Compare(ia, ib)
}

// natCmp compares strings with runs of digits taken as numbers.
func natCmp(a, b string) int {
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	for a != "" && b != "" {
		if digit(a[0]) && digit(b[0]) {
			i, j := 1, 1
			for i < len(a) && digit(a[i]) {
				i++
			}
			for j < len(b) && digit(b[j]) {
				j++
			}
			da, db := strings.TrimLeft(a[:i], "0"), strings.TrimLeft(b[:j], "0")
			if c := cmp.Compare(len(da), len(db)); c != 0 {
				return c
			}
			if c := strings.Compare(da, db); c != 0 {
				return c
			}
			a, b = a[i:], b[j:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

// item is a box or, where a feed spans several columns, its passage through one of them.
type item struct {
	box      int // -1: a passage
	col      int
	side     int
	h        float64
	up, down []int   // items in the columns before and after
	pos      int     // in its column
	y        float64 // center
}

// layout is where everything goes.
type layout struct {
	items  []item
	cols   [][]int            // items, top to bottom
	routes [][]int            // per link: its boxes and the passages between
	out    map[[2]int]float64 // y where a feed leaves a box: (box, next item)
	in     map[[2]int]float64 // y where a feed enters a box: (box, item before)
	height float64            // from the top of the first box's badge to the bottom of the lowest box
}

// arrange lays the boxes out: columns by depth (the longest path from a source), each ordered
// to cross few feeds (barycenters, A above the shared nodes above B) and placed near the boxes
// it is linked to.
func arrange(g *graph) *layout {
	l := &layout{items: make([]item, len(g.boxes))}
	// Boxes are in topological order: a depth is final once its parents are done.
	for _, k := range g.links {
		l.items[k.to].col = max(l.items[k.to].col, l.items[k.from].col+1)
	}
	ncol := 0
	for i := range g.boxes {
		it := &l.items[i]
		it.box, it.side, it.h = i, sideRank(g.boxes[i].side), boxH
		ncol = max(ncol, it.col+1)
	}
	l.routes = make([][]int, len(g.links))
	for li, k := range g.links {
		route := []int{k.from}
		from, to := &l.items[k.from], &l.items[k.to]
		side := to.side
		if g.boxes[k.to].side == "" {
			side = from.side
		}
		for c := from.col + 1; c < to.col; c++ {
			route = append(route, len(l.items))
			l.items = append(l.items, item{box: -1, col: c, side: side})
		}
		route = append(route, k.to)
		for i := 1; i < len(route); i++ {
			a, b := route[i-1], route[i]
			l.items[a].down = append(l.items[a].down, b)
			l.items[b].up = append(l.items[b].up, a)
		}
		l.routes[li] = route
	}
	l.cols = make([][]int, ncol)
	for i := range l.items {
		l.cols[l.items[i].col] = append(l.cols[l.items[i].col], i)
	}

	// First order: side, kind, name; passages by their feed's end.
	target := func(i int) int {
		for l.items[i].box < 0 {
			i = l.items[i].down[0]
		}
		return i
	}
	for _, col := range l.cols {
		slices.SortStableFunc(col, func(a, b int) int {
			ia, ib := &l.items[a], &l.items[b]
			if c := cmp.Compare(ia.side, ib.side); c != 0 {
				return c
			}
			ba, bb := &g.boxes[target(a)], &g.boxes[target(b)]
			if c := cmp.Compare(kindRank(ba.kind), kindRank(bb.kind)); c != 0 {
				return c
			}
			return nameCmp(ba.sort, bb.sort, ba.id, bb.id)
		})
	}
	l.number()

	// Sweeps down and up, by the mean position of the linked items; keep the order that crosses
	// least.
	best, bestX := l.save(), l.crossings()
	for s := 0; s < sweeps && bestX > 0; s++ {
		if s%2 == 0 {
			for c := 1; c < ncol; c++ {
				l.reorder(c, true)
			}
		} else {
			for c := ncol - 2; c >= 0; c-- {
				l.reorder(c, false)
			}
		}
		if x := l.crossings(); x < bestX {
			best, bestX = l.save(), x
		}
	}
	l.cols = best
	l.number()

	// Vertical places: packed, then pulled toward the linked items, column by column.
	for c := range l.cols {
		l.place(c, nil)
	}
	for s := 0; s < nudges; s++ {
		down := s%2 == 0
		if down {
			for c := 1; c < ncol; c++ {
				l.place(c, func(it *item) []int { return it.up })
			}
		} else {
			for c := ncol - 2; c >= 0; c-- {
				l.place(c, func(it *item) []int { return it.down })
			}
		}
	}
	top, bottom := math.Inf(1), math.Inf(-1)
	for i := range l.items {
		it := &l.items[i]
		top, bottom = min(top, it.y-it.h/2), max(bottom, it.y+it.h/2)
	}
	if len(l.items) == 0 {
		top, bottom = 0, 0
	}
	for i := range l.items {
		l.items[i].y += topRoom - top
	}
	l.height = topRoom + bottom - top

	// Ports: the feeds leave and enter a box spread over its edge, in the order of their other
	// ends, so that they neither cross at the box nor lie on one another.
	l.out, l.in = map[[2]int]float64{}, map[[2]int]float64{}
	for i := range l.items {
		it := &l.items[i]
		for _, nb := range [][]int{it.up, it.down} {
			slices.SortFunc(nb, func(a, b int) int { return cmp.Compare(l.items[a].pos, l.items[b].pos) })
		}
		for k, d := range it.down {
			l.out[[2]int{i, d}] = it.y + spread(k, len(it.down), it.h)
		}
		for k, u := range it.up {
			l.in[[2]int{i, u}] = it.y + spread(k, len(it.up), it.h)
		}
	}
	return l
}

// spread is the offset from a box's middle of the k-th of n feeds on one edge.
func spread(k, n int, h float64) float64 {
	if n < 2 || h == 0 {
		return 0
	}
	span := min(h-16, float64(n-1)*7)
	return -span/2 + span*float64(k)/float64(n-1)
}

// number sets each item's position in its column.
func (l *layout) number() {
	for _, col := range l.cols {
		for p, i := range col {
			l.items[i].pos = p
		}
	}
}

// save copies the order of the columns.
func (l *layout) save() [][]int {
	out := make([][]int, len(l.cols))
	for c := range l.cols {
		out[c] = slices.Clone(l.cols[c])
	}
	return out
}

// reorder sorts column c by side, then by the mean relative position of the items linked to it
// in the column before (down) or after; an item linked to none there keeps its place.
func (l *layout) reorder(c int, down bool) {
	col := l.cols[c]
	adj := c + 1
	if down {
		adj = c - 1
	}
	na := float64(len(l.cols[adj]))
	type key struct {
		it   int
		side int
		bary float64
	}
	keys := make([]key, len(col))
	for p, i := range col {
		it := &l.items[i]
		nb := it.down
		if down {
			nb = it.up
		}
		k := key{i, it.side, (float64(p) + 0.5) / float64(len(col))}
		if len(nb) > 0 {
			sum := 0.0
			for _, j := range nb {
				sum += (float64(l.items[j].pos) + 0.5) / na
			}
			k.bary = sum / float64(len(nb))
		}
		keys[p] = k
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.side, b.side); c != 0 {
			return c
		}
		return cmp.Compare(a.bary, b.bary)
	})
	for p, k := range keys {
		col[p] = k.it
		l.items[k.it].pos = p
	}
}

// crossings counts the feeds that cross between neighbouring columns.
func (l *layout) crossings() int {
	total := 0
	var seq []int
	for c := 0; c+1 < len(l.cols); c++ {
		seq = seq[:0]
		for _, i := range l.cols[c] {
			start := len(seq)
			for _, d := range l.items[i].down {
				seq = append(seq, l.items[d].pos)
			}
			slices.Sort(seq[start:])
		}
		// Inversions, with a Fenwick tree over the positions in column c+1.
		n := len(l.cols[c+1])
		tree := make([]int, n+1)
		for k, p := range seq {
			le := 0
			for j := p + 1; j > 0; j -= j & -j {
				le += tree[j]
			}
			total += k - le
			for j := p + 1; j <= n; j += j & -j {
				tree[j]++
			}
		}
	}
	return total
}

// gap is the room between two neighbouring items of a column.
func (l *layout) gap(a, b int) float64 {
	ia, ib := &l.items[a], &l.items[b]
	if ia.box < 0 || ib.box < 0 {
		return passGap
	}
	if ia.side != ib.side {
		return rowGap + sideGap
	}
	return rowGap
}

// place sets the centers of column c, in its order and without overlaps, as near as they can be
// (least squares) to the mean center of the items that nb links each to; an item linked to none
// stays where it is. Without nb the column is packed around 0.
func (l *layout) place(c int, nb func(*item) []int) {
	col := l.cols[c]
	if len(col) == 0 {
		return
	}
	// With offs[i] the least distance from the first center to the i-th, the centers minus
	// offs must not decrease: an isotonic regression (pool adjacent violators).
	offs := make([]float64, len(col))
	for p := 1; p < len(col); p++ {
		a, b := &l.items[col[p-1]], &l.items[col[p]]
		offs[p] = offs[p-1] + a.h/2 + l.gap(col[p-1], col[p]) + b.h/2
	}
	if nb == nil {
		mid := offs[len(offs)-1] / 2
		for p, i := range col {
			l.items[i].y = offs[p] - mid
		}
		return
	}
	type block struct {
		sum   float64
		n     int
		first int
	}
	blocks := make([]block, 0, len(col))
	for p, i := range col {
		it := &l.items[i]
		want := it.y
		if links := nb(it); len(links) > 0 {
			want = 0
			for _, j := range links {
				want += l.items[j].y
			}
			want /= float64(len(links))
		}
		blocks = append(blocks, block{want - offs[p], 1, p})
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sum/float64(a.n) <= b.sum/float64(b.n) {
				break
			}
			blocks = blocks[:len(blocks)-1]
			blocks[len(blocks)-1] = block{a.sum + b.sum, a.n + b.n, a.first}
		}
	}
	for k, b := range blocks {
		end := len(col)
		if k+1 < len(blocks) {
			end = blocks[k+1].first
		}
		z := b.sum / float64(b.n)
		for p := b.first; p < end; p++ {
			l.items[col[p]].y = z + offs[p]
		}
	}
}

// Render writes the SVG of a site's power chain. The output depends only on the input, not on
// the order of its nodes or edges, so it can be compared byte for byte. It fails for two nodes
// with one id, an edge naming an unknown node, and feeds that form a loop.
func Render(w io.Writer, in Input) error {
	g, err := build(in)
	if err != nil {
		return err
	}
	l := arrange(g)

	chainW := float64(len(l.cols))*(boxW+colGap) - colGap
	if len(l.cols) == 0 {
		chainW = boxW
	}
	lx := margin + chainW + legendX
	items := legendItems(g)
	legendH := 12 + float64(len(items))*itemH
	width := lx + legendW + margin
	height := titleH + max(l.height, legendH) + margin

	site := in.Site
	if site == "" {
		site = "site"
	}
	title := "Power chain of " + site
	var what []string
	for s, st := range states {
		if n := g.counts[s]; n > 0 {
			what = append(what, fmt.Sprintf("%d %s", n, strings.TrimPrefix(st.label, "✕ ")))
		}
	}
	aria := title
	if len(what) > 0 {
		aria += ", what-if: " + strings.Join(what, ", ")
	}

	b := bufio.NewWriterSize(w, 64<<10)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" class="chain" width="%s" height="%s" viewBox="0 0 %s %s" role="group" aria-label="%s" font-family="DejaVu Sans, Arial, sans-serif" font-size="%g">`+"\n",
		f1(width), f1(height), f1(width), f1(height), esc(aria), fontSize)
	p("<title>%s</title>\n", esc(aria))
	if !in.Inline {
		p("<style>\n%s</style>\n", style)
	}
	p(`<defs><pattern id="ch-nodata" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="%s"/><path d="M0 0V6" stroke="%s" stroke-width="2"/></pattern>`+"\n", noDataBg, noDataFg)
	p(`<marker id="ch-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path class="arrow" d="M0 0L8 4L0 8z"/></marker>` + "\n")
	p(`<marker id="ch-arrow-dead" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path d="M0 0L8 4L0 8z" fill="%s"/></marker></defs>`+"\n", deadLine)
	p(`<rect class="bg" width="%s" height="%s"/>`+"\n", f1(width), f1(height))
	p(`<text class="title" x="%g" y="22">%s</text>`+"\n", margin, esc(title))
	sub := fmt.Sprintf("%d nodes · %d feeds", len(g.nodes), g.feeds)
	if len(what) > 0 {
		sub += " · what-if: " + strings.Join(what, ", ")
	}
	p(`<text class="subtitle" x="%g" y="40">%s</text>`+"\n", margin, esc(sub))
	if len(g.nodes) == 0 {
		p(`<text class="note" x="%g" y="%g">No power nodes.</text>`+"\n", margin, titleH+topRoom+12)
	}

	colX := func(c int) float64 { return margin + float64(c)*(boxW+colGap) }
	p(`<g class="chain-body" transform="translate(0 %g)">`+"\n", titleH)

	// Feeds first, under the boxes; those without power under the others.
	p(`<g class="edges">` + "\n")
	for _, dead := range []bool{true, false} {
		for li, k := range g.links {
			if k.dead != dead {
				continue
			}
			route := l.routes[li]
			var d strings.Builder
			x, y := colX(l.items[route[0]].col)+boxW, l.out[[2]int{route[0], route[1]}]
			fmt.Fprintf(&d, "M%s %s", f1(x), f1(y))
			for s := 1; s < len(route); s++ {
				it := &l.items[route[s]]
				nx, ny := colX(it.col), it.y
				if it.box >= 0 {
					ny = l.in[[2]int{route[s], route[s-1]}]
				}
				dx := (nx - x) / 2
				fmt.Fprintf(&d, "C%s %s %s %s %s %s", f1(x+dx), f1(y), f1(nx-dx), f1(ny), f1(nx), f1(ny))
				x, y = nx, ny
				if it.box < 0 {
					x += boxW
					fmt.Fprintf(&d, "H%s", f1(x))
				}
			}
			cls, attr := "edge", ` marker-end="url(#ch-arrow)"`
			tip := boxName(g, k.from) + " → " + boxName(g, k.to)
			if k.standby {
				cls += " standby"
				tip += " (stand-by)"
				attr = ` stroke-dasharray="8 4"` + attr
			}
			if k.dead {
				cls += " dead"
				tip += " (no power)"
				attr = ` stroke="` + deadLine + `" stroke-dasharray="2 3" marker-end="url(#ch-arrow-dead)"`
			}
			p(`<path class="%s" d="%s"%s><title>%s</title></path>`+"\n", cls, d.String(), attr, esc(tip))
		}
	}
	p("</g>\n")

	p(`<g class="nodes">` + "\n")
	for c, col := range l.cols {
		for _, i := range col {
			it := &l.items[i]
			if it.box < 0 {
				continue
			}
			writeBox(b, g, &g.boxes[it.box], colX(c), it.y-boxH/2)
		}
	}
	p("</g>\n</g>\n")

	// Legend.
	p(`<g class="legend" transform="translate(%s %g)">`+"\n", f1(lx), titleH)
	for k, it := range items {
		y := float64(k) * itemH
		if it.head != "" {
			p(`<text class="head" x="0" y="%g">%s</text>`+"\n", y+14, esc(it.head))
			continue
		}
		p(`<g class="legend-item" data-key="%s">`, esc(it.key))
		switch {
		case it.step:
			p(`<rect class="sw" y="%g" width="120" height="16" fill="%s"/><text class="step" x="60" y="%g" fill="%s">%s</text>`,
				y, it.sw.fill, y+12, it.sw.ink, esc(it.label))
		case it.state >= 0:
			st := &states[it.state]
			fill := boxBg
			if st.dead {
				fill = deadBg
			}
			p(`<rect class="box" x="1.5" y="%g" width="27" height="14" rx="2" fill="%s"/>`, y+1, fill)
			if st.stroke != "" {
				p(`<rect x="1.5" y="%g" width="27" height="14" rx="2" fill="none" stroke="%s" stroke-width="%g"%s/>`, y+1, st.stroke, st.width, dashAttr(st.dash))
			}
			p(`<text class="lbl" x="38" y="%g">%s</text>`, y+12, esc(it.label))
		default:
			attr := ""
			switch it.key {
			case "standby":
				attr = ` stroke-dasharray="8 4"`
			case "dead":
				attr = ` stroke="` + deadLine + `" stroke-dasharray="2 3"`
			}
			p(`<path class="edge" d="M0 %gh30"%s/><text class="lbl" x="38" y="%g">%s</text>`, y+8, attr, y+12, esc(it.label))
		}
		if it.count >= 0 {
			p(`<text class="count" x="%g" y="%g">%d</text>`, legendW-8, y+12, it.count)
		}
		p("</g>\n")
	}
	p("</g>\n</svg>\n")
	return b.Flush()
}

// legendItem is one line of the legend: a heading, a load step, a state or a kind of feed.
type legendItem struct {
	head  string
	key   string // data-key: b0..b4, nodata, a state, feed, standby, dead
	label string
	sw    swatch
	step  bool
	state int // index in states, -1 none
	count int // -1: none shown
}

func legendItems(g *graph) []legendItem {
	items := []legendItem{{head: "Load of derated rating", state: -1}}
	for k, s := range loadScale {
		items = append(items, legendItem{key: "b" + strconv.Itoa(k), label: s.label, sw: s.swatch, step: true, state: -1, count: g.loads[k]})
	}
	items = append(items, legendItem{key: "nodata", label: "unknown", sw: noData, step: true, state: -1, count: g.loads[5]})
	items = append(items, legendItem{head: "What-if", state: -1})
	for s, st := range states {
		items = append(items, legendItem{key: st.key, label: st.label, state: s, count: g.counts[s]})
	}
	items = append(items, legendItem{head: "Feeds", state: -1},
		legendItem{key: "feed", label: "feed", state: -1, count: -1},
		legendItem{key: "standby", label: "stand-by feed", state: -1, count: -1},
		legendItem{key: "dead", label: "feed without power", state: -1, count: -1})
	return items
}

// boxName is a box's name in a feed's hover text.
func boxName(g *graph, i int) string {
	b := &g.boxes[i]
	if b.node != nil {
		return b.node.Name
	}
	return fmt.Sprintf("%d %s", len(b.members), kindWord(b.kind, len(b.members)))
}

// writeBox draws one box with its top left corner at x, y.
func writeBox(b *bufio.Writer, g *graph, bx *box, x, y float64) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	var st *stateStyle
	if bx.state >= 0 {
		st = &states[bx.state]
	}
	fill := boxBg
	if bx.dead {
		fill = deadBg
	}

	n := bx.node
	var name, meta, tip, cls string
	var badge string
	if n != nil {
		cls = "node"
		if st != nil {
			cls += " state-" + st.key
			badge = st.label
		}
		name = fitMiddle(n.Name, barW, fontSize, true)
		meta = kindWord(n.Kind, 1) + " · " + kwText(n)
		if textW(meta, metaFont, false) > barW {
			meta = kwText(n)
		}
		tip = n.Title
		if tip == "" {
			tip = nodeTitle(n)
		}
		if n.Href != "" {
			p(`<a href="%s">`, esc(safeHref(n.Href)))
		}
		p(`<g class="%s" id="node-%d" data-node-id="%d" data-kind="%s" transform="translate(%s %s)"><title>%s</title>`,
			cls, n.ID, n.ID, esc(n.Kind), f1(x), f1(y), esc(tip))
	} else {
		cls = "node collapsed"
		for s := range states {
			if bx.count[s] > 0 {
				cls += " has-" + states[s].key
			}
		}
		if bx.dead {
			cls += " state-lost"
		}
		cnt := len(bx.members)
		name = fitMiddle(fmt.Sprintf("%d %s", cnt, kindWord(bx.kind, cnt)), barW, fontSize, true)
		var parts []string
		for s := range states {
			if k := bx.count[s]; k > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", k, strings.TrimPrefix(states[s].label, "✕ ")))
			}
		}
		if len(parts) > 0 {
			meta = strings.Join(parts, " · ")
		} else {
			meta = "total " + sumText(bx.members)
		}
		meta = fitEnd(meta, barW, metaFont)
		if st != nil {
			badge = st.label
			if bx.count[bx.state] < cnt {
				badge = strconv.Itoa(bx.count[bx.state]) + " " + strings.TrimPrefix(st.label, "✕ ")
			}
		}
		p(`<g class="%s" id="group-%d" data-kind="%s" data-count="%d" transform="translate(%s %s)"><title>%s</title>`,
			cls, bx.id, esc(bx.kind), cnt, f1(x), f1(y), esc(groupTitle(g, bx)))
		p(`<rect class="stack" x="3" y="-3" width="%g" height="%g" rx="4" fill="%s"/>`, boxW, boxH, fill)
	}
	p(`<rect class="box" width="%g" height="%g" rx="4" fill="%s"/>`, boxW, boxH, fill)
	if st != nil && st.stroke != "" {
		p(`<rect class="outline" width="%g" height="%g" rx="4" fill="none" stroke="%s" stroke-width="%g"%s/>`, boxW, boxH, st.stroke, st.width, dashAttr(st.dash))
	}
	p(`<text class="name" x="%g" y="15" fill="%s">%s</text>`, pad, inkDark, esc(name))
	if n != nil && st != nil && st.key == "lost" {
		p(`<path class="strike" d="M%g 11h%s" stroke="%s"/>`, pad, f1(min(textW(name, fontSize, true), barW)), inkDark)
	}
	p(`<text class="meta" x="%g" y="27" fill="%s">%s</text>`, pad, inkDark, esc(meta))

	// The load bar: a node's load, or a group's loads step by step.
	p(`<g class="bar"><rect class="track" x="%g" y="%g" width="%g" height="%g" fill="%s"/>`, pad, barY, barW, barH, boxBg)
	var text string
	if n != nil {
		k := svgtext.RatioStep(n.Load)
		if k < 0 {
			p(`<rect x="%g" y="%g" width="%g" height="%g" fill="%s"/>`, pad, barY, barW, barH, noData.fill)
			text = "unknown"
		} else {
			v := *n.Load
			if w := barW * min(max(v, 0), 1); w > 0 {
				p(`<rect x="%g" y="%g" width="%s" height="%g" fill="%s"/>`, pad, barY, f1(w), barH, loadScale[k].fill)
			}
			text = pctText(v)
		}
	} else {
		var steps [6]int
		top := math.Inf(-1)
		for _, m := range bx.members {
			if k := svgtext.RatioStep(m.Load); k < 0 {
				steps[5]++
			} else {
				steps[k]++
				top = max(top, *m.Load)
			}
		}
		at := pad
		for k, c := range steps {
			if c == 0 {
				continue
			}
			fill := noData.fill
			if k < 5 {
				fill = loadScale[k].fill
			}
			w := barW * float64(c) / float64(len(bx.members))
			p(`<rect x="%s" y="%g" width="%s" height="%g" fill="%s"/>`, f1(at), barY, f1(w), barH, fill)
			at += w
		}
		text = "unknown"
		if !math.IsInf(top, -1) {
			text = "max " + pctText(top)
		}
	}
	p(`<text x="%g" y="%g" fill="%s">%s</text></g>`, boxW-pad-2, barY+barH-2, inkDark, esc(text))

	if badge != "" {
		bw := math.Ceil(textW(badge, badgeFont, true) + 10)
		bx0 := boxW - pad - bw
		p(`<g class="badge"><rect x="%g" y="%g" width="%g" height="%g" rx="%g" fill="%s"/><text x="%g" y="%g" fill="%s">%s</text></g>`,
			bx0, -badgeH/2-1, bw, badgeH, badgeH/2, st.badge.fill, bx0+bw/2, badgeH/2-3.5, st.badge.ink, esc(badge))
	}
	p("</g>")
	if n != nil && n.Href != "" {
		p("</a>")
	}
	p("\n")
}

// dashAttr is a stroke-dasharray attribute, or nothing.
func dashAttr(d string) string {
	if d == "" {
		return ""
	}
	return ` stroke-dasharray="` + d + `"`
}

// nodeTitle is a node's hover text when it has none of its own.
func nodeTitle(n *Node) string {
	s := n.Name + "\n" + kindWord(n.Kind, 1)
	if n.Side != "" {
		s += ", side " + n.Side
	}
	s += "\n" + kwText(n)
	if n.Load != nil && !math.IsNaN(*n.Load) {
		s += " (" + pctText(*n.Load) + " of derated rating)"
	}
	if st := stateOf(n.State); st >= 0 {
		s += "\n" + strings.TrimPrefix(states[st].label, "✕ ")
	}
	return s
}

// groupTitle is a collapsed box's hover text: what it is and what feeds it, its load in all and
// step by step (what its bar shows), and its members, by state and all (each list cut short).
func groupTitle(g *graph, bx *box) string {
	var s strings.Builder
	cnt := len(bx.members)
	fmt.Fprintf(&s, "%d %s", cnt, kindWord(bx.kind, cnt))
	if len(bx.parents) > 0 {
		names := make([]string, len(bx.parents))
		for i, p := range bx.parents {
			names[i] = boxName(g, p)
		}
		s.WriteString(" fed by " + list(names, 4))
	}
	s.WriteString("\ntotal " + sumText(bx.members))
	var steps [6]int
	for _, m := range bx.members {
		if k := svgtext.RatioStep(m.Load); k < 0 {
			steps[5]++
		} else {
			steps[k]++
		}
	}
	var parts []string
	for k, n := range steps {
		switch {
		case n == 0:
		case k < 5:
			parts = append(parts, fmt.Sprintf("%d at %s", n, loadScale[k].label))
		default:
			parts = append(parts, fmt.Sprintf("%d unknown", n))
		}
	}
	s.WriteString("\nload: " + strings.Join(parts, ", "))
	for st := range states {
		if bx.count[st] == 0 {
			continue
		}
		var names []string
		for _, m := range bx.members {
			if m.State == states[st].key {
				names = append(names, m.Name)
			}
		}
		fmt.Fprintf(&s, "\n%s (%d): %s", strings.TrimPrefix(states[st].label, "✕ "), len(names), list(names, listed))
	}
	names := make([]string, cnt)
	for i, m := range bx.members {
		names[i] = m.Name
	}
	s.WriteString("\n" + list(names, listedAll))
	return s.String()
}

// list joins names, at most n of them, and says how many more there are.
func list(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(" … and %d more", len(names)-n)
}

// kwText is "load / rating kW", or "load kW" for an unrated node.
func kwText(n *Node) string {
	if n.RatedKW == nil {
		return kw(n.LoadKW) + " kW"
	}
	return kw(n.LoadKW) + " / " + kw(*n.RatedKW) + " kW"
}

// sumText is the load of nodes together, and their rating if all are rated.
func sumText(nodes []*Node) string {
	load, rated, all := 0.0, 0.0, true
	for _, n := range nodes {
		if !math.IsNaN(n.LoadKW) {
			load += n.LoadKW
		}
		if n.RatedKW == nil || math.IsNaN(*n.RatedKW) {
			all = false
		} else {
			rated += *n.RatedKW
		}
	}
	if all && len(nodes) > 0 {
		return kw(load) + " / " + kw(rated) + " kW"
	}
	return kw(load) + " kW"
}

// kw writes kilowatts: whole from 100 up, else to one decimal.
func kw(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "?"
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return f1(v)
}

// pctText writes a share as a percentage.
func pctText(v float64) string {
	if v > 9.99 {
		return "> 999 %"
	}
	return strconv.FormatFloat(math.Round(v*100), 'f', 0, 64) + " %"
}

// f1 writes a number to one decimal, without a trailing zero or a negative zero.
func f1(v float64) string {
	r := math.Round(v*10) / 10
	if r == 0 {
		r = 0
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// glyphW is about the advance of a character in em, in DejaVu Sans (Arial is narrower); bold is
// a tenth wider.
func glyphW(r rune) float64 {
	switch {
	case strings.ContainsRune(" .,:;'|!`iljI·", r):
		return 0.33
	case strings.ContainsRune("frt()[]{}/\\-\"", r):
		return 0.45
	case strings.ContainsRune("mwMW%@", r):
		return 0.92
	case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return 0.7
	case r >= 'a' && r <= 'z':
		return 0.62
	case r < 0x2e80:
		return 0.72
	}
	return 1 // CJK and the like
}

// textW is about the width of s at a font size.
func textW(s string, size float64, bold bool) float64 {
	w := 0.0
	for _, r := range s {
		w += glyphW(r)
	}
	if bold {
		w *= 1.1
	}
	return w * size
}

// fitMiddle shortens a name that is too wide by cutting out its middle: its start and its end
// (which tells "PDU-A-12" from "PDU-A-13") stay.
func fitMiddle(s string, width, size float64, bold bool) string {
	if textW(s, size, bold) <= width {
		return s
	}
	rs := []rune(s)
	k := size
	if bold {
		k *= 1.1
	}
	budget := width - textW("…", size, bold)
	head, used := 0, 0.0
	for head < len(rs) && used+glyphW(rs[head])*k <= budget*0.4 {
		used += glyphW(rs[head]) * k
		head++
	}
	tail := 0
	for tail < len(rs)-head && used+glyphW(rs[len(rs)-1-tail])*k <= budget {
		used += glyphW(rs[len(rs)-1-tail]) * k
		tail++
	}
	return strings.TrimSpace(string(rs[:head])) + "…" + strings.TrimSpace(string(rs[len(rs)-tail:]))
}

// fitEnd shortens s that is too wide with an ellipsis at the end.
func fitEnd(s string, width, size float64) string {
	if textW(s, size, false) <= width {
		return s
	}
	budget := width - textW("…", size, false)
	rs := []rune(s)
	n, used := 0, 0.0
	for n < len(rs) && used+glyphW(rs[n])*size <= budget {
		used += glyphW(rs[n]) * size
		n++
	}
	return strings.TrimSpace(string(rs[:n])) + "…"
}

// The drawings share their escaping (and link check) in svgtext.
var (
	esc      = svgtext.Esc
	safeHref = svgtext.SafeHref
)
