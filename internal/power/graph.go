package power

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Kind is what a power node is. The chain runs from sources (utility feeds, generators) through
// transformation, switching and conditioning (transformer, switchgear, ATS/STS, UPS) and distribution
// (floor PDU, remote power panel, panel) to branch circuits and rack PDUs, which feed device ports.
type Kind string

// The kinds of power node.
const (
	Utility     Kind = "utility"
	Generator   Kind = "generator"
	Transformer Kind = "transformer"
	Switchgear  Kind = "switchgear"
	ATS         Kind = "ats"
	STS         Kind = "sts"
	UPS         Kind = "ups"
	PDU         Kind = "pdu"
	RPP         Kind = "rpp"
	Panel       Kind = "panel"
	Circuit     Kind = "circuit"
	RackPDU     Kind = "rack-pdu"
)

// Kinds lists every kind, upstream first.
var Kinds = []Kind{Utility, Generator, Transformer, Switchgear, ATS, STS, UPS, PDU, RPP, Panel, Circuit, RackPDU}

// IsSource reports whether the kind produces power rather than passing it on.
func (k Kind) IsSource() bool { return k == Utility || k == Generator }

// MaxInputs is how many upstream nodes a node of this kind may hang from: none for a source; two for
// transfer switches and a UPS (mains and bypass); any number for switchgear; one for the rest (a rack
// PDU has as many as it has inlets).
func (k Kind) MaxInputs(inlets int) int {
	switch k {
	case Utility, Generator:
		return 0
	case ATS, STS, UPS:
		return 2
	case Switchgear:
		return math.MaxInt
	case RackPDU:
		return max(inlets, 1)
	}
	return 1
}

// Node is one element of the chain as the analysis needs it.
type Node struct {
	ID   int64
	Name string
	Kind Kind
	Side string // "A", "B" or "" where the node is on no one side
	// Phases is 1 or 3. Voltage is the line-to-line voltage of a three-phase node and the voltage
	// across the load of a single-phase one; Lines says which conductors of its three-phase supply a
	// single-phase node is connected across (L2, or L1-L2).
	Phases  int
	Voltage float64
	Lines   Lines
	// OutletWiring says how a three-phase rack PDU's outlets are wired: "ln" (line to neutral, 230 V
	// on a 400 V supply) or "ll" (line to line, 208 V in North America).
	OutletWiring   string
	PrimaryVoltage float64 // a transformer's input (line-to-line) voltage
	// Ratings: 0 means not rated in that unit. RatedAmps is per line.
	RatedKW, RatedKVA, RatedAmps float64
	PowerFactor                  float64 // converts the watts of the loads attached here to amperes
	Derating                     float64 // share of the ratings usable for continuous load
	// A modular UPS: usable capacity is (Modules − RedundantModules) × ModuleKW.
	Modules, RedundantModules int
	ModuleKW                  float64
	Inlets                    int // a rack PDU's inlets (default 1)
}

// Edge says that From feeds To. Of several inputs of a node, those with the lowest Priority carry the
// load (shared equally); the others stand by until those are dead.
type Edge struct {
	From, To int64
	Priority int
}

// Port is one power supply of a device, plugged into a node (a rack PDU's outlet or a circuit)
// across the given lines of it.
type Port struct {
	ID    int64
	Node  int64
	Lines Lines
}

// Device is a load: its draw in watts (nameplate and allocated) and its ports. A redundant device
// runs on any one of its ports, sharing its load among those alive (or, Primary, carried by the
// first of them alone); a non-redundant one needs all of them, sharing its load equally.
type Device struct {
	ID                     int64
	Name                   string
	Rack                   int64
	Redundant              bool
	Primary                bool
	NameplateW, AllocatedW float64
	MeasuredW              float64 // its measured (or calibrated) peak where there is one, else AllocatedW
	Ports                  []Port
}

// Basis is which figure of a device's draw the loads are computed from.
type Basis string

// The bases of a load computation.
const (
	Nameplate Basis = "nameplate"
	Allocated Basis = "allocated"
	Measured  Basis = "measured"
)

// Graph is a checked power chain with its loads, ready for computations.
type Graph struct {
	nodes   []Node
	index   map[int64]int // node id → position in nodes
	inputs  [][]edgeRef   // per node, its upstream edges
	outputs [][]int       // per node, the nodes it feeds
	order   []int         // topological order, sources first
	topo    []int         // per node, its position in order
	devices []Device
	ports   [][]portRef // per node, the device ports plugged into it
	// Every device's ports in one run: device d's are from portStart[d]; portNode is each one's node.
	portStart []int
	portNode  []int
	// Carried forward (see update.go): devices[:sorted] are in id order as built; tail maps the ids
	// of devices appended or taken out since to their slot (-1: gone); empty counts the slots
	// emptied.
	sorted int
	tail   map[int64]int
	empty  int
}

type edgeRef struct {
	from     int
	priority int
}

type portRef struct {
	device int // index into devices
	port   int // index into the device's ports
}

// WiringError is a chain that cannot be: a cycle, a node fed from more places than it has inputs, a
// three-phase node on a single-phase one, a voltage that does not match. Field says which input of
// the offending object is wrong; Node or Edge names it.
type WiringError struct {
	Field   string
	Node    int64 // the node at fault, or 0
	Other   int64 // the node it conflicts with, or 0
	Message string
}

func (e *WiringError) Error() string { return e.Message }

func wiringErr(field string, node, other int64, format string, args ...any) *WiringError {
	return &WiringError{Field: field, Node: node, Other: other, Message: fmt.Sprintf(format, args...)}
}

// Build checks a chain and indexes it. Devices whose ports name unknown nodes are refused too.
func Build(nodes []Node, edges []Edge, devices []Device) (*Graph, error) {
	g := &Graph{nodes: slices.Clone(nodes), index: make(map[int64]int, len(nodes)), devices: devices}
	for i := range g.nodes {
		n := &g.nodes[i]
		if n.PowerFactor <= 0 || n.PowerFactor > 1 {
			n.PowerFactor = 1
		}
		if n.Derating <= 0 || n.Derating > 1 {
			n.Derating = 1
		}
		if err := CheckNode(n); err != nil {
			return nil, err
		}
		g.index[n.ID] = i
	}
	g.inputs = make([][]edgeRef, len(g.nodes))
	g.outputs = make([][]int, len(g.nodes))
	for _, e := range edges {
		from, ok := g.index[e.From]
		if !ok {
			return nil, wiringErr("from_id", e.To, e.From, "power node %d does not exist", e.From)
		}
		to, ok := g.index[e.To]
		if !ok {
			return nil, wiringErr("to_id", e.From, e.To, "power node %d does not exist", e.To)
		}
		if err := CheckEdge(&g.nodes[from], &g.nodes[to], len(g.inputs[to])); err != nil {
			return nil, err
		}
		for _, in := range g.inputs[to] {
			if in.from == from {
				return nil, wiringErr("from_id", e.To, e.From, "%s already feeds %s", g.nodes[from].Name, g.nodes[to].Name)
			}
		}
		g.inputs[to] = append(g.inputs[to], edgeRef{from: from, priority: e.Priority})
		g.outputs[from] = append(g.outputs[from], to)
	}
	if err := g.sort(); err != nil {
		return nil, err
	}
	g.ports = make([][]portRef, len(g.nodes))
	g.portStart = make([]int, len(devices))
	g.tail = map[int64]int{}
	if slices.IsSortedFunc(devices, func(a, b Device) int { return cmp.Compare(a.ID, b.ID) }) {
		g.sorted = len(devices)
	} else {
		for d := range devices {
			g.tail[devices[d].ID] = d
		}
	}
	for d := range devices {
		g.portStart[d] = len(g.portNode)
		for p, port := range devices[d].Ports {
			n, ok := g.index[port.Node]
			if !ok {
				return nil, wiringErr("node", 0, port.Node, "device %q: power node %d does not exist", devices[d].Name, port.Node)
			}
			g.ports[n] = append(g.ports[n], portRef{device: d, port: p})
			g.portNode = append(g.portNode, n)
		}
	}
	return g, nil
}

// CheckNode refuses a node that cannot be on its own (a kind it is not, no voltage).
func CheckNode(n *Node) error {
	if !slices.Contains(Kinds, n.Kind) {
		return wiringErr("kind", n.ID, 0, "%q is not a kind of power node", n.Kind)
	}
	if n.Phases != 1 && n.Phases != 3 {
		return wiringErr("phases", n.ID, 0, "%s: phases must be 1 or 3, not %d", n.Name, n.Phases)
	}
	if n.Voltage <= 0 {
		return wiringErr("voltage", n.ID, 0, "%s: a voltage is needed", n.Name)
	}
	if n.Kind == Transformer && n.PrimaryVoltage <= 0 {
		return wiringErr("primary_voltage", n.ID, 0, "transformer %s: its primary (input) voltage is needed", n.Name)
	}
	return nil
}

// near reports whether two voltages are the same nominal voltage (within 5%).
func near(a, b float64) bool { return math.Abs(a-b) <= 0.05*math.Max(a, b) }

// OutputVoltage is the line-to-line voltage a node gives its loads (its voltage across the load when
// single phase).
func (n *Node) OutputVoltage() float64 { return n.Voltage }

// inputVoltage is the voltage a node expects from upstream.
func (n *Node) inputVoltage() float64 {
	if n.Kind == Transformer {
		return n.PrimaryVoltage
	}
	return n.Voltage
}

// CheckEdge refuses wiring that cannot work: feeding a source, feeding from a rack PDU, more inputs
// than the node has, a three-phase node on a single-phase supply, voltages that do not match.
func CheckEdge(up, down *Node, inputs int) error {
	switch {
	case up.ID == down.ID:
		return wiringErr("to_id", down.ID, up.ID, "%s cannot feed itself", up.Name)
	case down.Kind.IsSource():
		return wiringErr("to_id", down.ID, up.ID, "%s is a %s: a source is fed by nothing", down.Name, down.Kind)
	case up.Kind == RackPDU:
		return wiringErr("from_id", up.ID, down.ID, "rack PDU %s feeds device power ports only, not %s", up.Name, down.Name)
	case inputs >= down.Kind.MaxInputs(down.Inlets):
		if down.Kind == RackPDU {
			return wiringErr("to_id", down.ID, up.ID, "rack PDU %s has %d inlet(s), all fed already: it cannot also hang from %s",
				down.Name, max(down.Inlets, 1), up.Name)
		}
		return wiringErr("to_id", down.ID, up.ID, "%s %s takes %d input(s), all fed already: it cannot also hang from %s",
			down.Kind, down.Name, down.Kind.MaxInputs(down.Inlets), up.Name)
	case down.Phases == 3 && up.Phases == 1:
		return wiringErr("to_id", down.ID, up.ID, "three-phase %s cannot be fed from single-phase %s", down.Name, up.Name)
	}
	want := down.inputVoltage()
	have := up.OutputVoltage()
	if down.Phases == 1 && up.Phases == 3 {
		if !down.Lines.Three && down.Lines.A < 0 {
			return wiringErr("lines", down.ID, up.ID, "single-phase %s on three-phase %s: say which lines it is across (L1, L2, L3 or a pair)", down.Name, up.Name)
		}
		if down.Lines.Three {
			return wiringErr("lines", down.ID, up.ID, "single-phase %s cannot take all three lines of %s", down.Name, up.Name)
		}
		if !down.Lines.LineToLine() {
			have = up.Voltage / math.Sqrt(3)
		}
	}
	if !near(want, have) {
		return wiringErr("voltage", down.ID, up.ID, "%s expects %.0f V but %s gives %.0f V%s", down.Name, want, up.Name, have, linesNote(down, up))
	}
	return nil
}

func linesNote(down, up *Node) string {
	if down.Phases == 1 && up.Phases == 3 {
		return fmt.Sprintf(" across %s", down.Lines)
	}
	return ""
}

// sort orders the nodes sources first and refuses cycles.
func (g *Graph) sort() error {
	indeg := make([]int, len(g.nodes))
	for i := range g.nodes {
		indeg[i] = len(g.inputs[i])
	}
	queue := make([]int, 0, len(g.nodes))
	for i, d := range indeg {
		if d == 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		g.order = append(g.order, n)
		for _, m := range g.outputs[n] {
			indeg[m]--
			if indeg[m] == 0 {
				queue = append(queue, m)
			}
		}
	}
	g.topo = make([]int, len(g.nodes))
	for i, n := range g.order {
		g.topo[n] = i
	}
	if len(g.order) < len(g.nodes) {
		var stuck []string
		for i, d := range indeg {
			if d > 0 {
				stuck = append(stuck, g.nodes[i].Name)
			}
		}
		sort.Strings(stuck)
		first := int64(0)
		for i, d := range indeg {
			if d > 0 {
				first = g.nodes[i].ID
				break
			}
		}
		return wiringErr("to_id", first, 0, "the chain has a cycle through %v", stuck)
	}
	return nil
}

// CheckPort refuses plugging a device port of the given nominal voltage (0: unknown) into node n
// across lines: only rack PDUs and circuits feed devices, and a 230 V device does not go on a 400 V
// line-to-line outlet.
func CheckPort(n *Node, lines Lines, volts float64) error {
	if n.Kind != RackPDU && n.Kind != Circuit {
		return wiringErr("node", n.ID, 0, "%s is a %s: device ports plug into rack PDUs and circuits", n.Name, n.Kind)
	}
	v := n.OutletVoltage(lines)
	if volts > 0 && !near(volts, v) {
		return wiringErr("voltage", n.ID, 0, "a %.0f V power supply cannot take the %.0f V of %s across %s", volts, v, n.Name, lines)
	}
	return nil
}

// OutletVoltage is the voltage a load plugged into n across lines sees.
func (n *Node) OutletVoltage(lines Lines) float64 {
	if n.Phases == 1 {
		return n.Voltage
	}
	switch {
	case lines.Three:
		return n.Voltage
	case lines.LineToLine():
		return n.Voltage
	}
	return n.Voltage / math.Sqrt(3)
}

// PortLines is the connection of an outlet on a feed leg (A, B, C as the device-type library names
// them) of rack PDU n: for a three-phase PDU, leg A is L1 (or L1-L2 when its outlets are wired line to
// line), B is L2 (L2-L3), C is L3 (L3-L1); a single-phase PDU's outlets all share its one supply.
func (n *Node) PortLines(leg string) Lines {
	if n.Phases == 1 {
		return Lines{A: 0, B: -1}
	}
	k := map[string]int{"A": 0, "B": 1, "C": 2}[leg]
	if n.OutletWiring == "ll" {
		return Lines{A: k, B: (k + 1) % 3}
	}
	return Lines{A: k, B: -1}
}

// Node returns the node with id.
func (g *Graph) Node(id int64) (*Node, bool) {
	i, ok := g.index[id]
	if !ok {
		return nil, false
	}
	return &g.nodes[i], true
}

// Nodes returns the nodes, sources first.
func (g *Graph) Nodes() []*Node {
	out := make([]*Node, len(g.order))
	for i, n := range g.order {
		out[i] = &g.nodes[n]
	}
	return out
}

// Devices returns the devices of the graph.
func (g *Graph) Devices() []Device {
	out := make([]Device, 0, len(g.devices)-g.empty)
	for i, d := range g.devices {
		if g.live(i) {
			out = append(out, d)
		}
	}
	return out
}

// live reports whether slot d holds a device (not one emptied when the device changed or went).
func (g *Graph) live(d int) bool {
	i, moved := g.tail[g.devices[d].ID]
	return !moved || i == d
}

// deviceIndex is the slot of device id in the graph.
func (g *Graph) deviceIndex(id int64) (int, bool) {
	if i, ok := g.tail[id]; ok {
		return i, i >= 0
	}
	return slices.BinarySearchFunc(g.devices[:g.sorted], id, func(d Device, id int64) int { return cmp.Compare(d.ID, id) })
}
