package alert

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// PowerSource is what the power rules read besides the readings and the chains: the sites by name,
// and the names of the racks (the store).
type PowerSource interface {
	SiteIDsByName(ctx context.Context) (map[string]int64, error)
	RackNames(ctx context.Context, siteID int64) (map[int64][2]string, error)
}

// Chain gives a site's power chain as built from the model (the server's power service, which keeps
// it until the inventory changes).
type Chain func(ctx context.Context, siteID int64) (*power.Site, error)

// The share of a derated rating at which a node's load is worth a warning.
const nearLimit = 0.9

// The readings the power rules take, each the newest of the last five minutes (the query engine's
// lookback). A device's power is the highest of its power series; a node's is the sum of one
// metric's series (its lines, its inlets), the highest such sum over its metrics.
var (
	devicePowerExpr = fmt.Sprintf(`max by (site, device) ({__name__=~%q, device!=""})`,
		strings.Join(telemetry.DevicePowerMetrics, "|"))
	nodePowerExpr = fmt.Sprintf(`max by (site, power_node) (sum by (site, power_node, __name__) ({__name__=~%q, power_node!=""}))`,
		strings.Join(telemetry.NodePowerMetrics, "|"))
	psuVoltageExpr = `psu_input_voltage_volts{device!="", psu!=""}`
)

// PowerRules are the built-in rules on the power chain as it stands now: the chain of each site
// computed with the devices' and nodes' readings of the last minutes (see power.Site.Live), so that
// every node, circuit, phase and rack is covered as soon as it is in the model. Only nodes whose
// load the readings account for are judged (see power.Site.Covered): an estimate is no alarm.
//
//   - PowerNearLimit (warning, after 5 minutes): a node's load at 90 % or more of a derated rating
//     (kW, kVA, or amperes on a line);
//   - PowerOverLimit (critical, after 2 minutes): above the derated rating;
//   - FailoverOverload (warning, after 10 minutes): a node that would be over a derated rating if
//     the other side's feed were lost: redundancy that no longer holds;
//   - FeedLost (critical, after 2 minutes): a rack whose devices are corded to both sides, with one
//     side's metered feeds reading nothing while the other carries the rack; or a device with one
//     power supply's input voltage gone while another's is there.
//
// Their value is the load as a share of the limit (a fraction), or for FeedLost the watts or volts
// left on the lost feed.
func PowerRules(src PowerSource, chain Chain) []Rule {
	r := &powerRead{src: src, chain: chain}
	mk := func(name, severity string, hold time.Duration, summary string, pick func(*powerState) []Sample) Rule {
		return Rule{Group: "plenum", Name: name, For: hold, Severity: severity, Source: "builtin",
			Labels:      map[string]string{"severity": severity},
			Annotations: map[string]string{"summary": summary},
			Builtin: func(ctx context.Context, q Querier, at time.Time) ([]Sample, error) {
				st, err := r.read(ctx, q, at)
				if err != nil {
					return nil, err
				}
				return pick(st), nil
			},
		}
	}
	limit := `{{ $labels.power_node }} ({{ $labels.kind }}) carries {{ humanizePercentage $value }} of its derated {{ $labels.measure }} rating{{ with $labels.phase }} on {{ . }}{{ end }}`
	return []Rule{
		mk("PowerNearLimit", "warning", 5*time.Minute, limit, func(s *powerState) []Sample { return s.near }),
		mk("PowerOverLimit", "critical", 2*time.Minute, limit, func(s *powerState) []Sample { return s.over }),
		mk("FailoverOverload", "warning", 10*time.Minute,
			`{{ $labels.power_node }} ({{ $labels.kind }}) would carry {{ humanizePercentage $value }} of its derated {{ $labels.measure }} rating{{ with $labels.phase }} on {{ . }}{{ end }} if the other side failed: redundancy does not hold`,
			func(s *powerState) []Sample { return s.failover }),
		mk("FeedLost", "critical", 2*time.Minute,
			`{{ with $labels.rack }}rack {{ . }}: its {{ $labels.side }} feed ({{ $labels.feed }}) reads {{ humanize $value }} W while the other carries the rack{{ else }}{{ $labels.device }}: power supply {{ $labels.psu }} has {{ humanize $value }} V at its input{{ end }}: running on one feed`,
			func(s *powerState) []Sample { return s.lost }),
	}
}

// powerRead reads the readings and computes the live chains once a cycle for the four rules.
type powerRead struct {
	src   PowerSource
	chain Chain

	cycle perCycle[*powerState]
	names map[int64]*names // by site; read and written under cycle's lock only
}

// powerState is one cycle's findings, by rule.
type powerState struct {
	near, over, failover, lost []Sample
}

func (r *powerRead) read(ctx context.Context, q Querier, at time.Time) (*powerState, error) {
	return r.cycle.get(at, func() (*powerState, error) { return r.compute(ctx, q, at) })
}

// bySite groups the values of samples by their site label, then by the label key.
func bySite(samples []Sample, key string) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for _, s := range samples {
		site, name := s.Labels["site"], s.Labels[key]
		if site == "" || name == "" || math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || s.Value < 0 {
			continue // garbage from a device is no reading
		}
		if out[site] == nil {
			out[site] = map[string]float64{}
		}
		out[site][name] = s.Value
	}
	return out
}

func (r *powerRead) compute(ctx context.Context, q Querier, at time.Time) (*powerState, error) {
	devs, err := q(ctx, devicePowerExpr, at)
	if err != nil {
		return nil, fmt.Errorf("device power: %w", err)
	}
	nodes, err := q(ctx, nodePowerExpr, at)
	if err != nil {
		return nil, fmt.Errorf("node power: %w", err)
	}
	psus, err := q(ctx, psuVoltageExpr, at)
	if err != nil {
		return nil, fmt.Errorf("power supply voltage: %w", err)
	}
	st := &powerState{}
	st.lost = lostSupplies(psus)
	devW, nodeW := bySite(devs, "device"), bySite(nodes, "power_node")
	sites, err := r.src.SiteIDsByName(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(sites))
	for name := range sites {
		if len(devW[name]) > 0 || len(nodeW[name]) > 0 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if err := r.site(ctx, st, name, sites[name], devW[name], nodeW[name]); err != nil {
			return nil, fmt.Errorf("site %s: %w", name, err)
		}
	}
	return st, nil
}

// names is what a site's model calls its devices and nodes, and its racks' names, kept while the
// model stays the same version.
type names struct {
	version        int64
	devices, nodes map[string]int64
	racks          map[int64][2]string
}

// namesOf gives the names of site's model, read again when the model changed.
func (r *powerRead) namesOf(ctx context.Context, siteID int64, base *power.Site) (*names, error) {
	if n := r.names[siteID]; n != nil && n.version == base.Version {
		return n, nil
	}
	n := &names{version: base.Version, devices: make(map[string]int64, len(base.Model.Devices)), nodes: make(map[string]int64, len(base.Model.Nodes))}
	for _, d := range base.Model.Devices {
		n.devices[d.Name] = d.ID
	}
	for _, nd := range base.Model.Nodes {
		n.nodes[nd.Name] = nd.ID
	}
	var err error
	if n.racks, err = r.src.RackNames(ctx, siteID); err != nil {
		return nil, err
	}
	if r.names == nil {
		r.names = map[int64]*names{}
	}
	r.names[siteID] = n
	return n, nil
}

// measurements maps readings by name to ids.
func measurements(byName map[string]float64, ids map[string]int64) map[int64]power.Measurement {
	out := make(map[int64]power.Measurement, len(byName))
	for n, w := range byName {
		if id, ok := ids[n]; ok {
			out[id] = power.Measurement{PeakW: w}
		}
	}
	return out
}

// site judges one site's chain with its readings now.
func (r *powerRead) site(ctx context.Context, st *powerState, siteName string, siteID int64, devW, nodeW map[string]float64) error {
	base, err := r.chain(ctx, siteID)
	if err != nil {
		return err
	}
	nm, err := r.namesOf(ctx, siteID, base)
	if err != nil {
		return err
	}
	live, err := base.Live(measurements(devW, nm.devices), measurements(nodeW, nm.nodes))
	if err != nil {
		return err
	}
	covered := live.Covered()
	now := live.Base(power.Measured)
	for _, n := range live.Graph.Nodes() {
		if !now.Load(n.ID).Alive {
			continue
		}
		limits := live.MeteredLimits(n) // a node whose load the readings do not all account for: its own meter only
		if covered[n.ID] {
			limits = live.LiveLimits(n)
		}
		for _, l := range limits {
			if l.Limit <= 0 {
				continue
			}
			share := l.Load / l.Limit
			if share >= nearLimit {
				st.near = append(st.near, limitSample(siteName, n, l, share))
			}
			if share > 1+1e-9 {
				st.over = append(st.over, limitSample(siteName, n, l, share))
			}
		}
		if n.Side == "" || !covered[n.ID] {
			continue // a node on no one side is not what a side's failure moves load onto
		}
		for _, l := range live.FailoverLimits(power.Measured, n) {
			if l.Limit > 0 && l.Load > l.Limit*(1+1e-9) {
				st.failover = append(st.failover, limitSample(siteName, n, l, l.Load/l.Limit))
			}
		}
	}
	st.lost = append(st.lost, lostFeeds(live, siteName, nm.racks)...)
	return nil
}

func limitSample(site string, n *power.Node, l power.Limit, share float64) Sample {
	labels := map[string]string{"site": site, "power_node": n.Name, "kind": string(n.Kind), "measure": l.Measure}
	if l.Phase != "" {
		labels["phase"] = l.Phase
	}
	return Sample{Labels: labels, Value: share}
}

// lostFeeds finds the racks running on one side: devices in them corded to both sides, every feed
// of the rack metered, one side's feeds reading under 1 % of the rack's draw (and under 20 W) while
// the rack draws at least 100 W. A feed whose meter does not answer is not judged (its poll target
// is down, which PollTargetDown reports).
func lostFeeds(live *power.Site, site string, racks map[int64][2]string) []Sample {
	side := func(id int64) string {
		if n, ok := live.Graph.Node(id); ok {
			return n.Side
		}
		return ""
	}
	dual := map[int64]bool{}
	for _, d := range live.Model.Devices {
		if d.RackID == 0 || dual[d.RackID] {
			continue
		}
		var a, b bool
		for _, p := range d.Ports {
			switch side(p.Node) {
			case "A":
				a = true
			case "B":
				b = true
			}
		}
		dual[d.RackID] = a && b
	}
	var out []Sample
	ids := make([]int64, 0, len(dual))
	for id, ok := range dual {
		if ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	rackPower := live.Racks(power.Measured)
	for _, id := range ids {
		watts := map[string]float64{}
		feeds := map[string][]string{}
		metered := true
		for _, f := range rackPower[id].Feeds {
			if f.Side != "A" && f.Side != "B" {
				continue
			}
			m, ok := live.Metered(f.Node.ID)
			if !ok {
				metered = false
				break
			}
			watts[f.Side] += m.PeakW
			feeds[f.Side] = append(feeds[f.Side], f.Node.Name)
		}
		total := watts["A"] + watts["B"]
		if !metered || len(feeds["A"]) == 0 || len(feeds["B"]) == 0 || total < 100 {
			continue
		}
		for _, s := range []string{"A", "B"} {
			if w := watts[s]; w < 0.01*total && w < 20 {
				name := racks[id]
				out = append(out, Sample{Labels: map[string]string{"site": site, "room": name[0], "rack": name[1], "side": s,
					"feed": strings.Join(feeds[s], ", ")}, Value: w})
			}
		}
	}
	return out
}

// lostSupplies finds the devices with a power supply whose input voltage is gone (under 50 V)
// while another of theirs has one (over 100 V): a dual-corded device on its last feed.
func lostSupplies(psus []Sample) []Sample {
	type dev struct{ site, device string }
	by := map[dev][]Sample{}
	for _, s := range psus {
		if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || s.Value < 0 {
			continue
		}
		k := dev{s.Labels["site"], s.Labels["device"]}
		by[k] = append(by[k], s)
	}
	var out []Sample
	for k, ss := range by {
		if !slices.ContainsFunc(ss, func(s Sample) bool { return s.Value > 100 }) {
			continue // all gone, or none read: not one feed lost
		}
		for _, s := range ss {
			if s.Value < 50 {
				out = append(out, Sample{Labels: map[string]string{"site": k.site, "device": k.device, "psu": s.Labels["psu"]}, Value: s.Value})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Labels, out[j].Labels
		return a["device"]+"\x00"+a["psu"] < b["device"]+"\x00"+b["psu"]
	})
	return out
}
