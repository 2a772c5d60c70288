package power

import "math"

// Calibration to node meters. A power node with a meter of its own (a UPS's output, a rack PDU's
// inlet, a branch meter) says what really flows through it. On the measured basis, the devices
// below such a node that have no reading of their own are scaled so that the chain computes what
// the meter reads; devices with their own reading keep it. Each device answers to its nearest
// meters: a rack PDU's meter governs the devices plugged into it, a UPS's meter only those below
// it that no nearer meter governs. A device fed through two meters (A and B) takes the mean of
// their factors weighted by the share of its draw each carries, and the scaling is repeated until
// every meter agrees (to 0.1%) or stops improving.
//
// What cannot be explained this way is left as it is, and shows in /power-loads as the gap
// between a node's measured and computed load: a meter with no unmetered device below it (a UPS
// whose rack PDUs are all metered: the difference is losses and loads not in the model), or one
// reading less than the devices with their own readings draw.

// calibrationRounds bounds the scaling; nested meters settle in two or three.
const calibrationRounds = 30

// governed is a meter's share of a device's draw: the part of it that flows through the meter.
type governed struct {
	meter int // node index
	share float64
}

// calibrate scales the measured-basis draw (MeasuredW) of the graph's unmeasured devices to the
// meters' peaks (node id → measurement), in place, and returns the devices changed with their
// calibrated draw (device id → W). pinned says which devices have a reading of their own.
func (g *Graph) calibrate(down map[int64]bool, meters map[int64]Measurement, pinned func(id int64) bool) map[int64]float64 {
	base := g.Compute(Scenario{Failed: down, Basis: Measured})
	target := make([]float64, len(g.nodes))
	any := false
	for id, m := range meters {
		if i, ok := g.index[id]; ok && m.PeakW > 0 && base.loads[i].Alive {
			target[i], any = m.PeakW, true
		}
	}
	if !any {
		return nil
	}
	// near[n]: the nearest meters at or above node n, with the share of n's load reaching each.
	near := make([][]governed, len(g.nodes))
	for _, n := range g.order {
		if !base.loads[n].Alive {
			continue
		}
		if target[n] > 0 {
			near[n] = []governed{{n, 1}}
			continue
		}
		ins := g.activeInputs(n, base.loads)
		for _, p := range ins {
			for _, gv := range near[p] {
				near[n] = addShare(near[n], gv.meter, gv.share/float64(len(ins)))
			}
		}
	}
	// Each adjustable device's shares by meter.
	type adjustable struct {
		d      int
		meters []governed
	}
	var adj []adjustable
	alive := func(n int) bool { return base.loads[n].Alive }
	for d := range g.devices {
		dev := &g.devices[d]
		st := base.devices[d]
		if !st.Powered || pinned(dev.ID) || dev.MeasuredW <= 0 {
			continue
		}
		first, lead := g.portStart[d], g.leadPort(d, alive)
		var ms []governed
		for i := range dev.Ports {
			n := g.portNode[first+i]
			if !alive(n) {
				continue
			}
			s := dev.portShare(1, st.LivePorts, i, lead)
			for _, gv := range near[n] {
				ms = addShare(ms, gv.meter, s*gv.share)
			}
		}
		if len(ms) > 0 {
			adj = append(adj, adjustable{d, ms})
		}
	}
	if len(adj) == 0 {
		return nil
	}
	governedW := make([]float64, len(g.nodes))
	factor := make([]float64, len(g.nodes))
	worst := math.Inf(1)
	for round := 0; round < calibrationRounds; round++ {
		if round > 0 {
			base = g.Compute(Scenario{Failed: down, Basis: Measured})
		}
		clear(governedW)
		for _, a := range adj {
			for _, gv := range a.meters {
				governedW[gv.meter] += gv.share * g.devices[a.d].MeasuredW
			}
		}
		gap := 0.0
		for n, t := range target {
			factor[n] = 1
			if t == 0 || governedW[n] == 0 {
				continue
			}
			load := base.loads[n].Watts
			gap = math.Max(gap, math.Abs(load-t)/t)
			// The governed devices are to carry what the meter reads less what the others put there.
			factor[n] = math.Max(0, (t-(load-governedW[n]))/governedW[n])
		}
		if gap < 1e-3 || gap >= worst*(1-1e-6) && round > 2 {
			break
		}
		worst = math.Min(worst, gap)
		for _, a := range adj {
			num, den := 0.0, 0.0
			for _, gv := range a.meters {
				if governedW[gv.meter] > 0 {
					num += gv.share * factor[gv.meter]
					den += gv.share
				}
			}
			if den > 0 {
				g.devices[a.d].MeasuredW *= num / den
			}
		}
	}
	out := make(map[int64]float64, len(adj))
	for _, a := range adj {
		out[g.devices[a.d].ID] = g.devices[a.d].MeasuredW
	}
	return out
}

// addShare adds share to meter m in list.
func addShare(list []governed, m int, share float64) []governed {
	for i := range list {
		if list[i].meter == m {
			list[i].share += share
			return list
		}
	}
	return append(list, governed{m, share})
}
