package power

import "github.com/plenum-dcim/plenum/internal/dcim"

// FromModel is the analysis's view of a stored power node. Its lines are checked when the node is
// written; here an unreadable value is taken as none.
func FromModel(m *dcim.PowerNode) Node {
	n := Node{ID: m.ID, Name: m.Name, Kind: Kind(m.Kind), Side: m.Side, Phases: m.Phases, Voltage: m.Voltage,
		OutletWiring: m.OutletWiring, PowerFactor: m.PowerFactor, Derating: m.Derating,
		RedundantModules: m.RedundantModules, Inlets: m.Inlets, Lines: Lines{A: -1, B: -1}}
	if m.Lines != "" {
		if l, err := ParseLines(m.Lines); err == nil {
			n.Lines = l
		}
	}
	val := func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	}
	n.PrimaryVoltage, n.RatedKW, n.RatedKVA, n.RatedAmps, n.ModuleKW = val(m.PrimaryVoltage), val(m.RatedKW), val(m.RatedKVA), val(m.RatedAmps), val(m.ModuleKW)
	if m.Modules != nil {
		n.Modules = *m.Modules
	}
	return n
}
