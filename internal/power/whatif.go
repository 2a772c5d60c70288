package power

import (
	"fmt"
	"sort"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Overload is a node carrying more than its derated rating allows after a failure.
type Overload struct {
	Node   dcim.ObjectRef `json:"node"`
	Limit  Limit          `json:"limit"`
	Before float64        `json:"before"` // the same measure before the failure
}

// Impact is what a failure does to the chain.
type Impact struct {
	Failed         []dcim.ObjectRef `json:"failed"`
	LostPower      []dcim.ObjectRef `json:"lost_power"`      // devices dark
	LostRedundancy []dcim.ObjectRef `json:"lost_redundancy"` // devices running on their last live feed
	Overloaded     []Overload       `json:"overloaded"`      // nodes over a derated rating, worst first
	Basis          Basis            `json:"load_basis"`
	dark           []int            // the devices of LostPower, by slot in the graph
}

func nodeRef(n *Node) dcim.ObjectRef {
	return dcim.ObjectRef{Type: dcim.TypePowerNode, ID: n.ID, Name: n.Name}
}

func deviceRef(d *Device) dcim.ObjectRef {
	return dcim.ObjectRef{Type: dcim.TypeDevice, ID: d.ID, Name: d.Name}
}

// WhatIf computes what happens when the given nodes go down at once, against the chain with all
// nodes up: devices that lose power, devices that lose redundancy without losing power, and nodes
// over a derated rating once the load has failed over (nodes already over it before are reported
// too, with their load before, so nothing overloaded goes unseen).
func (g *Graph) WhatIf(failed []int64, basis Basis) (Impact, error) {
	down := make(map[int64]bool, len(failed))
	for _, id := range failed {
		down[id] = true
	}
	imp, _, err := g.whatIf(failed, down, g.Compute(Scenario{Basis: basis}), basis)
	return imp, err
}

// whatIf compares the chain with the nodes of down dead against base, and returns the computed
// scenario too.
func (g *Graph) whatIf(failed []int64, down map[int64]bool, base *Result, basis Basis) (Impact, *Result, error) {
	imp := Impact{Basis: basis, Failed: []dcim.ObjectRef{}, LostPower: []dcim.ObjectRef{}, LostRedundancy: []dcim.ObjectRef{}, Overloaded: []Overload{}}
	for i, id := range failed {
		n, ok := g.Node(id)
		if !ok {
			return imp, nil, dcim.Invalid(fmt.Sprintf("failed[%d]", i), "power node %d does not exist", id)
		}
		imp.Failed = append(imp.Failed, nodeRef(n))
	}
	after := g.Compute(Scenario{Failed: down, Basis: basis})
	for d := range g.devices {
		b, a := base.devices[d], after.devices[d]
		switch {
		case b.Powered && !a.Powered:
			imp.LostPower = append(imp.LostPower, deviceRef(&g.devices[d]))
			imp.dark = append(imp.dark, d)
		case g.devices[d].Redundant && b.LivePorts >= 2 && a.LivePorts == 1:
			imp.LostRedundancy = append(imp.LostRedundancy, deviceRef(&g.devices[d]))
		}
	}
	for i := range g.nodes {
		n := &g.nodes[i]
		if !after.loads[i].Alive {
			continue
		}
		before := base.Limits(n)
		for j, l := range after.Limits(n) {
			if l.Load > l.Limit*(1+1e-9) {
				imp.Overloaded = append(imp.Overloaded, Overload{Node: nodeRef(n), Limit: l, Before: before[j].Load})
			}
		}
	}
	sortOverloads(imp.Overloaded)
	return imp, after, nil
}

// sortOverloads puts the worst (highest load over limit) first.
func sortOverloads(o []Overload) {
	sort.SliceStable(o, func(i, j int) bool {
		ri, rj := o[i].Limit.Load/o[i].Limit.Limit, o[j].Limit.Load/o[j].Limit.Limit
		if ri != rj {
			return ri > rj
		}
		return o[i].Node.ID < o[j].Node.ID
	})
}

// SinglePoint is a node whose failure alone darkens devices or overloads others.
type SinglePoint struct {
	Node           dcim.ObjectRef `json:"node"`
	LostPower      int            `json:"lost_power"`      // devices dark
	LostRedundancy int            `json:"lost_redundancy"` // devices left on one feed
	Overloaded     []Overload     `json:"overloaded"`
}

// SweepN1 fails every node in turn and reports those whose failure darkens devices (single points of
// failure) or overloads other nodes, worst first: most devices dark, then the worst overload.
func (g *Graph) SweepN1(basis Basis) []SinglePoint {
	return g.sweepN1(nil, g.Compute(Scenario{Basis: basis}), basis)
}

// sweepN1 is SweepN1 with the nodes of before down from the start (not swept); base is the chain so.
func (g *Graph) sweepN1(before map[int64]bool, base *Result, basis Basis) []SinglePoint {
	var out []SinglePoint
	for i := range g.nodes {
		n := &g.nodes[i]
		if before[n.ID] {
			continue
		}
		imp, _, _ := g.singleFailure(i, base)
		if len(imp.LostPower) == 0 && len(imp.Overloaded) == 0 {
			continue
		}
		out = append(out, SinglePoint{Node: nodeRef(n), LostPower: len(imp.LostPower), LostRedundancy: len(imp.LostRedundancy), Overloaded: imp.Overloaded})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].LostPower != out[j].LostPower {
			return out[i].LostPower > out[j].LostPower
		}
		wi, wj := worst(out[i].Overloaded), worst(out[j].Overloaded)
		if wi != wj {
			return wi > wj
		}
		return out[i].Node.ID < out[j].Node.ID
	})
	return out
}

func worst(o []Overload) float64 {
	if len(o) == 0 {
		return 0
	}
	return o[0].Limit.Load / o[0].Limit.Limit
}
