package power

import (
	"maps"
	"math"
	"slices"
)

// Carrying a built site forward. Ordinary work (a device placed, moved, plugged in, unplugged or
// removed, its draw changed) touches a handful of devices out of hundreds of thousands, and none of
// it changes which nodes are alive: that depends on the chain and on what is failed, not on the
// devices. With the live nodes settled, every load is a sum of the devices' draws, so the flows
// already computed (everything up, the A side down, the B side down) are carried forward by taking
// the old devices' load off and putting the new ones' on, along the paths up to the sources, instead
// of flowing the whole chain again. The graph is carried forward the same way: a changed device's
// slot is emptied and its new version appended, until too many slots are empty and the site is
// built afresh.

// compactAt is the share of empty device slots past which a site is built afresh instead.
const compactAt = 0.125

// mergeDevices is devices (in id order) with those of touched replaced by fresh (in id order):
// a touched device not in fresh is gone; one of fresh not in devices is new. It returns the
// touched devices as they were too.
func mergeDevices(devices []ModelDevice, touched map[int64]bool, fresh []ModelDevice) (merged, before []ModelDevice) {
	merged = make([]ModelDevice, 0, len(devices)+len(fresh))
	j := 0
	for i := range devices {
		d := &devices[i]
		for j < len(fresh) && fresh[j].ID < d.ID {
			merged = append(merged, fresh[j])
			j++
		}
		if !touched[d.ID] {
			merged = append(merged, *d)
			continue
		}
		before = append(before, *d)
		if j < len(fresh) && fresh[j].ID == d.ID {
			merged = append(merged, fresh[j])
			j++
		}
	}
	return append(merged, fresh[j:]...), before
}

// withDevices returns site s with the devices of touched replaced by fresh (in id order; a touched
// device not in fresh is gone from the site), at version, and every load already computed carried
// forward. It returns nil when the site should be built afresh instead: too many empty slots.
func (s *Site) withDevices(touched map[int64]bool, fresh []ModelDevice, version int64) (*Site, error) {
	g := s.Graph
	m := s.Model
	m.Version = version
	var before []ModelDevice
	m.Devices, before = mergeDevices(s.Model.Devices, touched, fresh)
	var gone []int
	for id := range touched {
		if d, ok := g.deviceIndex(id); ok {
			gone = append(gone, d)
		}
	}
	slices.Sort(gone)
	if float64(g.empty+len(gone)) > compactAt*float64(len(g.devices)+len(fresh)) {
		return nil, nil
	}
	var added []Device
	parsed := map[string]Lines{}
	for i := range fresh {
		if d, on := m.chainDevice(&fresh[i], s.measured, parsed); on {
			added = append(added, d)
		}
	}
	ng, err := g.withDevices(gone, added)
	if err != nil {
		return nil, err
	}
	ns := &Site{ID: s.ID, Version: version, Graph: ng, Model: m, measured: s.measured, raw: s.raw, nodes: s.nodes,
		recalibrate: s.recalibrate || len(s.nodes) > 0}
	s.mu.Lock()
	base, sides, heat, headroom, zones, overloads, feeds := s.base, s.sides, s.heat, s.headroom, s.zones, s.overloads, s.feeds
	s.mu.Unlock()
	first := len(g.devices)
	changed := map[int]bool{} // nodes whose load changed in any flow carried
	carry := func(r *Result) *Result {
		nr, t := r.withDevices(ng, gone, first)
		for _, n := range t {
			changed[n] = true
		}
		return nr
	}
	for b, r := range base {
		setMemo(&ns.base, b, carry(r))
	}
	for b, pair := range sides {
		setMemo(&ns.sides, b, [2]*Result{carry(pair[0]), carry(pair[1])})
	}
	for b, h := range heat {
		h = maps.Clone(h)
		for i := range before {
			addHeat(h, &s.Model, &before[i], s.measured, b, -1)
		}
		for i := range fresh {
			addHeat(h, &m, &fresh[i], s.measured, b, 1)
		}
		setMemo(&ns.heat, b, h)
	}
	for b, zs := range zones {
		if h, ok := ns.heat[b]; ok {
			setMemo(&ns.zones, b, rezone(zs, h))
		}
	}
	for b, hr := range headroom {
		nb, ok1 := ns.base[b]
		fail, ok2 := ns.sides[b]
		if !ok1 || !ok2 {
			continue
		}
		hr = maps.Clone(hr)
		for n := range changed {
			hr[ng.nodes[n].ID] = ng.spare(n, nb, fail[0], fail[1])
		}
		setMemo(&ns.headroom, b, hr)
	}
	for b, ol := range overloads {
		if nb, ok := ns.base[b]; ok {
			setMemo(&ns.overloads, b, ng.reoverload(ol, nb, changed))
		}
	}
	if feeds != nil {
		ns.feeds = ns.carryFeeds(feeds, g, gone, first, before, fresh)
	}
	return ns, nil
}

// setMemo sets (*m)[b] = v, making the map.
func setMemo[V any](m *map[Basis]V, b Basis, v V) {
	if *m == nil {
		*m = map[Basis]V{}
	}
	(*m)[b] = v
}

// addHeat adds sign times device d's draw on basis b to its rack's heat.
func addHeat(h map[int64]float64, m *Model, d *ModelDevice, measured map[int64]Measurement, b Basis, sign float64) {
	if d.RackID == 0 {
		return
	}
	_, np, al, ms := m.draw(d, measured)
	h[d.RackID] += sign * pick(b, np, al, ms)
}

// rezone is zones with their heat summed again from heat (W by rack).
func rezone(zones []ZoneLoad, heat map[int64]float64) []ZoneLoad {
	out := slices.Clone(zones)
	for i := range out {
		out[i].HeatKW = 0
		for r := range out[i].Racks {
			out[i].HeatKW += heat[r] / 1000
		}
	}
	return out
}

// withDevices returns a copy of g with the devices in slots gone taken out (their slots emptied)
// and added appended. g is left as it was: sites built on it may still be in use.
func (g *Graph) withDevices(gone []int, added []Device) (*Graph, error) {
	ng := *g
	ng.devices = slices.Clone(g.devices)
	ng.portStart = slices.Clone(g.portStart)
	ng.portNode = slices.Clone(g.portNode)
	ng.ports = slices.Clone(g.ports)
	ng.tail = maps.Clone(g.tail)
	own := map[int]bool{} // nodes whose port list ng has copied
	mine := func(n int) {
		if !own[n] {
			ng.ports[n] = slices.Clone(ng.ports[n])
			own[n] = true
		}
	}
	for _, d := range gone {
		dev := &g.devices[d]
		for i := range dev.Ports {
			n := g.portNode[g.portStart[d]+i]
			mine(n)
			ng.ports[n] = slices.DeleteFunc(ng.ports[n], func(p portRef) bool { return p.device == d })
		}
		ng.devices[d] = Device{ID: dev.ID, Name: dev.Name}
		ng.tail[dev.ID] = -1
		ng.empty++
	}
	for _, dev := range added {
		d := len(ng.devices)
		ng.portStart = append(ng.portStart, len(ng.portNode))
		for p, port := range dev.Ports {
			n, ok := g.index[port.Node]
			if !ok {
				return nil, wiringErr("node", 0, port.Node, "device %q: power node %d does not exist", dev.Name, port.Node)
			}
			mine(n)
			ng.ports[n] = append(ng.ports[n], portRef{device: d, port: p})
			ng.portNode = append(ng.portNode, n)
		}
		ng.devices = append(ng.devices, dev)
		ng.tail[dev.ID] = d
	}
	return &ng, nil
}

// withDevices carries result r over to graph ng, made from r's graph by withDevices(gone, …) with
// the devices from slot first on added: the devices gone take their load off, the added put theirs
// on, and the difference flows up through the same live nodes. It returns the nodes whose load
// changed, children before parents.
func (r *Result) withDevices(ng *Graph, gone []int, first int) (*Result, []int) {
	nr := &Result{g: ng, basis: r.basis, loads: slices.Clone(r.loads), cur: slices.Clone(r.cur),
		devices: make([]DeviceState, len(ng.devices))}
	copy(nr.devices, r.devices)
	delta := map[int]*change{}
	add := func(n int, w float64, c Currents) {
		ch := delta[n]
		if ch == nil {
			ch = &change{}
			delta[n] = ch
		}
		ch.w += w
		ch.cur.Add(c)
	}
	// put adds sign times the load of device d of graph g, in state st, at the nodes it is plugged into.
	put := func(g *Graph, d int, st DeviceState, sign float64) {
		if !st.Powered {
			return
		}
		dev := &g.devices[d]
		alive := func(n int) bool { return r.loads[n].Alive }
		w, lead := sign*dev.draw(r.basis), g.leadPort(d, alive)
		for i := range dev.Ports {
			if n := g.portNode[g.portStart[d]+i]; alive(n) {
				if pw := dev.portShare(w, st.LivePorts, i, lead); pw != 0 {
					add(n, pw, g.nodes[n].portCurrents(pw, dev.Ports[i].Lines))
				}
			}
		}
	}
	for _, d := range gone {
		put(r.g, d, r.devices[d], -1)
		nr.devices[d] = DeviceState{}
	}
	for d := first; d < len(ng.devices); d++ {
		dev := &ng.devices[d]
		live := 0
		for i := range dev.Ports {
			if r.loads[ng.portNode[ng.portStart[d]+i]].Alive {
				live++
			}
		}
		st := DeviceState{LivePorts: live, Powered: live > 0 && (dev.Redundant || live == len(dev.Ports))}
		nr.devices[d] = st
		put(ng, d, st, 1)
	}
	seeds := make([]int, 0, len(delta))
	for n := range delta {
		seeds = append(seeds, n)
	}
	touched := ng.ancestorsOf(seeds)
	changed := touched[:0:0]
	for _, n := range touched {
		ch := delta[n]
		if ch == nil {
			continue
		}
		changed = append(changed, n)
		ld := &nr.loads[n]
		ld.Watts += ch.w
		nr.cur[n].Add(ch.cur)
		if math.Abs(ld.Watts) < 1e-6 { // nothing left but rounding
			ld.Watts, nr.cur[n] = 0, Currents{}
		}
		ld.setCurrents(&ng.nodes[n], nr.cur[n])
		ins := ng.activeInputs(n, nr.loads)
		f := 1 / float64(max(len(ins), 1))
		for _, p := range ins {
			add(p, ch.w*f, ng.contribution(n, p, ch.cur, f))
		}
	}
	return nr, changed
}

// spare is node n's spare capacity after failover: the least over the states where it is alive.
func (g *Graph) spare(n int, states ...*Result) float64 {
	spare := math.Inf(1)
	for _, r := range states {
		if r.loads[n].Alive {
			spare = math.Min(spare, spareKW(&g.nodes[n], r.loads[n]))
		}
	}
	return spare
}

// reoverload is the base overloads ol with those of the changed nodes looked at again on base.
func (g *Graph) reoverload(ol []Overload, base *Result, changed map[int]bool) []Overload {
	out := make([]Overload, 0, len(ol))
	for _, o := range ol {
		if !changed[g.index[o.Node.ID]] {
			out = append(out, o)
		}
	}
	for n := range changed {
		out = append(out, base.overloads(n)...)
	}
	slices.SortStableFunc(out, func(a, b Overload) int { return g.index[a.Node.ID] - g.index[b.Node.ID] })
	return out
}

// overloads are node n's limits that r's load exceeds, as Overloads before any failure.
func (r *Result) overloads(n int) []Overload {
	if !r.loads[n].Alive {
		return nil
	}
	node := &r.g.nodes[n]
	var out []Overload
	for _, l := range r.Overloaded(node) {
		out = append(out, Overload{Node: nodeRef(node), Limit: l, Before: l.Load})
	}
	return out
}

// carryFeeds is the rack feeds f of s's predecessor (on graph old) with the devices in slots gone
// taken out, those from slot first of s's graph put in, and the rack PDUs of the touched devices
// (before and now) moved with them.
func (s *Site) carryFeeds(f map[int64]map[int]int, old *Graph, gone []int, first int, before, now []ModelDevice) map[int64]map[int]int {
	f = maps.Clone(f)
	own := map[int64]bool{} // racks whose map is f's own copy
	mine := func(rack int64) {
		if rack != 0 && !own[rack] {
			own[rack] = true
			if f[rack] != nil {
				f[rack] = maps.Clone(f[rack])
			}
		}
	}
	for _, d := range gone {
		mine(old.devices[d].Rack)
		old.countFeeds(f, d, -1)
	}
	for d := first; d < len(s.Graph.devices); d++ {
		mine(s.Graph.devices[d].Rack)
		s.Graph.countFeeds(f, d, 1)
	}
	hosted := map[int64][]int{} // device → the rack PDU nodes it is
	for _, n := range s.Model.Nodes {
		if n.DeviceID != nil {
			hosted[*n.DeviceID] = append(hosted[*n.DeviceID], s.Graph.index[n.ID])
		}
	}
	move := func(ds []ModelDevice, sign int) {
		for _, d := range ds {
			for _, n := range hosted[d.ID] {
				mine(d.RackID)
				countFeed(f, d.RackID, n, sign)
			}
		}
	}
	move(before, -1)
	move(now, 1)
	return f
}
