package power

import (
	"cmp"
	"slices"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// One node failing changes the loads of few nodes: those below it die, the devices they fed shift
// their load to their other ports, and only the ancestors of what changed carry a different load.
// singleFailure works that out from the base result without flowing the whole chain again, which
// makes an N-1 sweep of a 10,000-rack campus (tens of thousands of nodes) a matter of seconds.

// change is a difference of load at a node.
type change struct {
	w   float64
	cur Currents
}

// singleFailure is what failing node x does to the chain of base. The overloads it reports are
// those of the nodes whose load the failure changes.
func (g *Graph) singleFailure(x int, base *Result) (Impact, map[int]*change, map[int]bool) {
	imp := Impact{Failed: []dcim.ObjectRef{nodeRef(&g.nodes[x])}, LostPower: []dcim.ObjectRef{},
		LostRedundancy: []dcim.ObjectRef{}, Overloaded: []Overload{}}
	if !base.loads[x].Alive {
		return imp, nil, nil
	}
	// 1. What dies: x, and below it every node all of whose inputs are dead.
	dead := map[int]bool{x: true}
	below := g.descendants(x)
	for _, m := range below {
		if !base.loads[m].Alive {
			continue
		}
		alive := false
		for _, in := range g.inputs[m] {
			if base.loads[in.from].Alive && !dead[in.from] {
				alive = true
				break
			}
		}
		if !alive {
			dead[m] = true
		}
	}
	aliveAfter := func(n int) bool { return base.loads[n].Alive && !dead[n] }
	// 2. Devices with a port on a dead node: their load moves to the ports left.
	own := map[int]*change{}
	add := func(n int, w float64, c Currents) {
		ch := own[n]
		if ch == nil {
			ch = &change{}
			own[n] = ch
		}
		ch.w += w
		ch.cur.Add(c)
	}
	seen := map[int]bool{}
	for n := range dead {
		for _, pr := range g.ports[n] {
			d := pr.device
			if seen[d] {
				continue
			}
			seen[d] = true
			dev := &g.devices[d]
			first := g.portStart[d]
			liveBefore, liveAfter := 0, 0
			for i := range dev.Ports {
				pn := g.portNode[first+i]
				if base.loads[pn].Alive {
					liveBefore++
				}
				if aliveAfter(pn) {
					liveAfter++
				}
			}
			before, after := base.devices[d], DeviceState{LivePorts: liveAfter}
			after.Powered = liveAfter > 0 && (dev.Redundant || liveAfter == len(dev.Ports))
			switch {
			case before.Powered && !after.Powered:
				imp.LostPower = append(imp.LostPower, deviceRef(dev))
				imp.dark = append(imp.dark, d)
			case dev.Redundant && before.LivePorts >= 2 && after.LivePorts == 1:
				imp.LostRedundancy = append(imp.LostRedundancy, deviceRef(dev))
			}
			w := dev.draw(base.basis)
			leadBefore := g.leadPort(d, func(n int) bool { return base.loads[n].Alive })
			leadAfter := g.leadPort(d, aliveAfter)
			for i := range dev.Ports {
				pn := g.portNode[first+i]
				if !aliveAfter(pn) {
					continue // dead nodes carry nothing after; handled as a whole below
				}
				var oldW, newW float64
				if before.Powered && base.loads[pn].Alive {
					oldW = dev.portShare(w, liveBefore, i, leadBefore)
				}
				if after.Powered {
					newW = dev.portShare(w, liveAfter, i, leadAfter)
				}
				if dw := newW - oldW; dw != 0 {
					add(pn, dw, g.nodes[pn].portCurrents(dw, dev.Ports[i].Lines))
				}
			}
		}
	}
	byID := func(a, b dcim.ObjectRef) int { return cmp.Compare(a.ID, b.ID) }
	slices.SortFunc(imp.LostPower, byID)
	slices.SortFunc(imp.LostRedundancy, byID)
	// 3. The nodes whose load may change: those with a port change, the live parents of dead nodes,
	// live nodes with a dead input (they may switch to a standby), and all above them.
	seeds := make([]int, 0, len(own)+4)
	for n := range own {
		seeds = append(seeds, n)
	}
	for n := range dead {
		for _, in := range g.inputs[n] {
			if aliveAfter(in.from) {
				seeds = append(seeds, in.from)
			}
		}
		for _, m := range g.outputs[n] {
			if aliveAfter(m) {
				seeds = append(seeds, m)
			}
		}
	}
	touched := g.ancestorsOf(seeds)
	// 4. Children before parents: each touched node's new load, handed to its active inputs.
	next := map[int]*change{} // new load of the touched nodes, complete
	pushed := map[int]*change{}
	push := func(p int, w float64, c Currents) {
		ch := pushed[p]
		if ch == nil {
			ch = &change{}
			pushed[p] = ch
		}
		ch.w += w
		ch.cur.Add(c)
	}
	// Dead nodes hand nothing up any more: their old load comes off their live inputs.
	for n := range dead {
		if base.loads[n].Watts == 0 || !base.loads[n].Alive {
			continue
		}
		ins := g.activeInputs(n, base.loads)
		f := 1 / float64(max(len(ins), 1))
		for _, p := range ins {
			if aliveAfter(p) {
				push(p, -base.loads[n].Watts*f, g.contribution(n, p, base.cur[n], f).Scale(-1))
			}
		}
	}
	for _, n := range touched {
		if !aliveAfter(n) {
			continue
		}
		nl := &change{w: base.loads[n].Watts, cur: base.cur[n]}
		if ch := own[n]; ch != nil {
			nl.w += ch.w
			nl.cur.Add(ch.cur)
		}
		if ch := pushed[n]; ch != nil {
			nl.w += ch.w
			nl.cur.Add(ch.cur)
		}
		next[n] = nl
		oldIns := g.activeInputs(n, base.loads)
		newIns := g.activeInputsWhere(n, aliveAfter)
		if slices.Equal(oldIns, newIns) {
			dw := nl.w - base.loads[n].Watts
			var dc Currents
			for k := range dc {
				dc[k] = nl.cur[k] - base.cur[n][k]
			}
			f := 1 / float64(max(len(newIns), 1))
			for _, p := range newIns {
				push(p, dw*f, g.contribution(n, p, dc, f))
			}
			continue
		}
		if base.loads[n].Watts != 0 {
			f := 1 / float64(max(len(oldIns), 1))
			for _, p := range oldIns {
				push(p, -base.loads[n].Watts*f, g.contribution(n, p, base.cur[n], f).Scale(-1))
			}
		}
		f := 1 / float64(max(len(newIns), 1))
		for _, p := range newIns {
			push(p, nl.w*f, g.contribution(n, p, nl.cur, f))
		}
	}
	// 5. Overloads among the nodes whose load changed.
	for _, n := range touched {
		nl := next[n]
		if nl == nil {
			continue
		}
		node := &g.nodes[n]
		ld := Load{Alive: true, Watts: nl.w}
		ld.setCurrents(node, nl.cur)
		before := base.Limits(node)
		for j, l := range limitsOf(node, ld) {
			if l.Load > l.Limit*(1+1e-9) {
				imp.Overloaded = append(imp.Overloaded, Overload{Node: nodeRef(node), Limit: l, Before: before[j].Load})
			}
		}
	}
	sortOverloads(imp.Overloaded)
	return imp, next, dead
}

// descendants lists the nodes below n (not n), in topological order.
func (g *Graph) descendants(n int) []int {
	seen := map[int]bool{n: true}
	stack := []int{n}
	var out []int
	for len(stack) > 0 {
		m := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range g.outputs[m] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
				stack = append(stack, c)
			}
		}
	}
	slices.SortFunc(out, func(a, b int) int { return g.topo[a] - g.topo[b] })
	return out
}

// ancestorsOf lists the seeds and every node above them, children before parents.
func (g *Graph) ancestorsOf(seeds []int) []int {
	seen := map[int]bool{}
	stack := []int{}
	for _, s := range seeds {
		if !seen[s] {
			seen[s] = true
			stack = append(stack, s)
		}
	}
	out := slices.Clone(stack)
	for len(stack) > 0 {
		m := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, in := range g.inputs[m] {
			if !seen[in.from] {
				seen[in.from] = true
				out = append(out, in.from)
				stack = append(stack, in.from)
			}
		}
	}
	slices.SortFunc(out, func(a, b int) int { return g.topo[b] - g.topo[a] })
	return out
}

// activeInputsWhere is activeInputs with aliveness given by alive.
func (g *Graph) activeInputsWhere(n int, alive func(int) bool) []int {
	best := int(^uint(0) >> 1)
	var out []int
	for _, in := range g.inputs[n] {
		if !alive(in.from) {
			continue
		}
		switch {
		case in.priority < best:
			best, out = in.priority, append(out[:0], in.from)
		case in.priority == best:
			out = append(out, in.from)
		}
	}
	return out
}
