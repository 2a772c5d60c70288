package power

// Live loads: the chain of a site as it stands now, with the devices' and nodes' readings of the
// last minutes in place of the week's peaks, for the alert rules on load and failover. Only what
// the readings account for counts: a node carrying a device that is neither measured nor calibrated
// to a metered node below it has a load that is partly a planning figure, and is left out.

// Live builds the chain of the site's model with readings taken now: devices' draw and metered
// nodes' power (PeakW is the reading; P95W is unused). The site it is called on is unchanged.
func (s *Site) Live(devices, nodes map[int64]Measurement) (*Site, error) {
	return buildMeasured(s.Model, devices, nodes)
}

// Covered reports, by node id, the nodes whose load on the measured basis comes entirely from
// readings: every device drawing through them measured, or calibrated to a metered node.
func (s *Site) Covered() map[int64]bool {
	g := s.Graph
	var seeds []int
	for d := range g.devices {
		if _, ok := s.measured[g.devices[d].ID]; ok || g.devices[d].MeasuredW <= 0 {
			continue // read, calibrated, or drawing nothing
		}
		for i := range g.devices[d].Ports {
			seeds = append(seeds, g.portNode[g.portStart[d]+i])
		}
	}
	out := make(map[int64]bool, len(g.nodes))
	for i := range g.nodes {
		out[g.nodes[i].ID] = true
	}
	for _, n := range g.ancestorsOf(seeds) {
		out[g.nodes[n].ID] = false
	}
	return out
}

// Metered reports whether node id has its own reading in this site's measurements.
func (s *Site) Metered(id int64) (Measurement, bool) {
	m, ok := s.nodes[id]
	return m, ok
}

// FailoverLimits are node n's limits with the A side down and with the B side down, the worse of
// the two for each (what it would carry if the other side's feed were lost), on basis b. Nil for a
// node that is dead in both.
func (s *Site) FailoverLimits(b Basis, n *Node) []Limit {
	var out []Limit
	for _, r := range s.sideDown(b) {
		if !r.Load(n.ID).Alive {
			continue
		}
		ls := r.Limits(n)
		if out == nil {
			out = ls
			continue
		}
		for i := range ls {
			if i < len(out) && ls[i].Load > out[i].Load {
				out[i] = ls[i]
			}
		}
	}
	return out
}

// LiveLimits are node n's limits now: as the flow of the readings computes them, and, where the
// node has a reading of its own, never below what that reading makes of them (see MeteredLimits). A
// meter knows better than the flow: devices sharing their load between two sides cannot be
// calibrated to sides that read unequally.
func (s *Site) LiveLimits(n *Node) []Limit {
	out := s.Base(Measured).Limits(n)
	for i, l := range s.MeteredLimits(n) {
		if i < len(out) && l.Load > out[i].Load {
			out[i] = l
		}
	}
	return out
}

// MeteredLimits are node n's limits as its reading makes them: its power at its power factor,
// spread evenly over its lines. A node without a meter of its own that feeds one node alone, and
// nothing else (a circuit feeding one rack PDU), reads that node's meter: all of its load passes
// through it. Nil when it has no reading.
func (s *Site) MeteredLimits(n *Node) []Limit {
	m, ok := s.meterOf(n.ID)
	if !ok || m.PeakW <= 0 {
		return nil
	}
	own := Load{Alive: true, Watts: m.PeakW}
	own.setCurrents(n, n.portCurrents(m.PeakW, ThreePhase))
	return limitsOf(n, own)
}

// meterOf is node id's reading: its own, else that of the one node it feeds alone, down a line of
// such nodes (see MeteredLimits).
func (s *Site) meterOf(id int64) (Measurement, bool) {
	g := s.Graph
	i, ok := g.index[id]
	for ok {
		if m, metered := s.nodes[g.nodes[i].ID]; metered {
			return m, true
		}
		if len(g.outputs[i]) != 1 || len(g.ports[i]) != 0 {
			break
		}
		child := g.outputs[i][0]
		if len(g.inputs[child]) != 1 {
			break
		}
		i = child
	}
	return Measurement{}, false
}
