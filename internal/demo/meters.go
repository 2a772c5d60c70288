package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
)

// The demo's energy metering and the model the simulator reads it from. Every meter reads a
// cumulative counter the simulator writes: kWh in meter_energy_kwh_total, litres of water in
// meter_water_litres_total, both labelled with the site and the meter's name (and the power node
// it sits on, where it sits on one). The meters: an incomer meter on each utility feed; the
// outputs of both UPSes (PUE category 1) and of the four floor PDUs (category 2); the input of
// every rack PDU (category 3, so the demo's PUE is category 3); the two mechanical boards; the
// lighting and offices; the cooling towers' make-up water; and a small rooftop PV array.
const (
	energyMetric = "meter_energy_kwh_total"
	waterMetric  = "meter_water_litres_total"
)

// meterSelector is the series selector of the demo's meter named name.
func meterSelector(metric, name string) string {
	return fmt.Sprintf(`%s{site=%q,meter=%q}`, metric, SiteName, name)
}

// The site meters, on no power node.
const (
	auxMeter   = "EM-AUX"
	waterMeter = "WM-MAKEUP"
	pvMeter    = "EM-PV"
)

// seedMeters meters the demo's chain: a meter per utility incomer, UPS, floor PDU, rack PDU (its
// rack's tenant's, for bills) and mechanical board, and the site meters. tenantOf gives the
// tenant of each rack PDU device.
func seedMeters(ctx context.Context, st *store.Store, site int64, tenantOf map[int64]*int64) error {
	nodes, err := st.PowerNodes().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Ordering: "name",
		Filters: map[string][]string{"site_id": {fmt.Sprint(site)}}})
	if err != nil {
		return fmt.Errorf("demo meters: %w", err)
	}
	var meters []dcim.Meter
	for _, n := range nodes.Results {
		m := dcim.Meter{Name: "EM-" + n.Name, PowerNodeID: &n.ID, Series: meterSelector(energyMetric, "EM-"+n.Name)}
		switch {
		case n.Kind == "utility":
			m.Role, m.Description = "utility", "revenue meter on the 11 kV incomer"
		case n.Kind == "ups":
			m.Role, m.Description = "ups-output", "UPS output (PUE category 1)"
		case n.Kind == "pdu":
			m.Role, m.Description = "pdu-output", "floor PDU output (PUE category 2)"
		case n.Kind == "rack-pdu":
			m.Role, m.Description = "it-input", "rack PDU input (PUE category 3)"
			if n.DeviceID != nil {
				m.TenantID = tenantOf[*n.DeviceID]
			}
		case n.Kind == "panel" && strings.HasPrefix(n.Name, "MCC-"):
			m.Role, m.Description = "mechanical", "mechanical plant board: chillers, cooling towers, pumps, CRAHs"
		default:
			continue
		}
		meters = append(meters, m)
	}
	meters = append(meters,
		dcim.Meter{Name: auxMeter, Role: "other", Series: meterSelector(energyMetric, auxMeter), Description: "lighting, offices, security"},
		dcim.Meter{Name: waterMeter, Role: "water", Series: meterSelector(waterMetric, waterMeter), Description: "cooling-tower make-up water, litres"},
		dcim.Meter{Name: pvMeter, Role: "renewable", Series: meterSelector(energyMetric, pvMeter), Description: fmt.Sprintf("rooftop PV array, %.0f kWp", pvPeakKW)},
	)
	for i := range meters {
		meters[i].SiteID = site
		meters[i].Tags = []string{"demo"}
	}
	if _, err := st.Meters().BulkCreate(ctx, meters); err != nil {
		return fmt.Errorf("demo meters: %w", err)
	}
	return nil
}

// The plant model behind the meters: a model for the demo, not a standard, tuned so that a
// tropical site with chilled water and cooling towers shows a PUE near 1.45 and a WUE near
// 1.75 L/kWh (the MIDA/MITI guideline's design targets for colocation: PUE ≤ 1.6–1.7, WUE ≤ 2.2).
//
//   - IT: every rack PDU draws its allocated load times the daily cycle (see cycle).
//   - Distribution: a floor PDU's output is 0.5% above what its rack PDUs take (cables), a UPS's
//     output 1.5% above (floor PDU transformers and cables).
//   - UPS: double conversion at ups efficiency; its input (output / ups) is counted by the
//     utility meter of its side.
//   - Outdoor air (Cyberjaya): 28.5 + 4.5·cos(2π(h − 15)/24) °C at local hour h, 24 °C before
//     dawn to 33 °C mid-afternoon, a degree up or down over spells of days (see outdoor).
//   - Mechanical: IT × (0.32 + 0.012 × (T_out − 24)), the chillers working harder as the
//     outdoor air warms; shared between the mechanical boards by the CRAHs each feeds.
//   - Other (lighting, offices): 1.8% of the site's mean IT load, a quarter more in office hours
//     (08:00-18:00): 2% of IT over a day.
//   - Rooftop PV: pvPeakKW × 0.8 (performance ratio) × sin(π(h − 7)/12) from 07:00 to 19:00,
//     times a sky factor of 0.55–0.95 that changes day by day.
//   - Utility (per side): UPS input + mechanical + (other − PV) / 2, so that
//     utility + PV = UPS input + mechanical + other = E_DC.
//   - Water: cooling-tower make-up of 1.5 L per kWh of IT at 24 °C outdoors to 2.0 L at 33 °C.
const (
	upsEfficiency = 0.95
	pduLoss       = 0.005
	upsOutLoss    = 0.015
	pvPeakKW      = 60.0
)

// outdoor is the outdoor air temperature in Cyberjaya at t, °C.
func outdoor(t time.Time) float64 {
	h := localHour(t)
	days := float64(t.Unix()) / 86400
	return 28.5 + 4.5*math.Cos(2*math.Pi*(h-15)/24) + 0.8*math.Sin(2*math.Pi*days/11)
}

// localHour is the hour of day in Kuala Lumpur (UTC+8), with its fraction.
func localHour(t time.Time) float64 {
	l := t.UTC().Add(8 * time.Hour)
	return float64(l.Hour()) + float64(l.Minute())/60 + float64(l.Second())/3600
}

// mechanicalShare is the mechanical load per kW of IT at outdoor temperature tOut.
func mechanicalShare(tOut float64) float64 { return 0.32 + 0.012*(tOut-24) }

// waterPerKWh is the make-up water per kWh of IT at outdoor temperature tOut, litres.
func waterPerKWh(tOut float64) float64 { return 1.5 + 0.5*(tOut-24)/9 }

// pvKW is the rooftop array's output at t.
func pvKW(t time.Time) float64 {
	h := localHour(t)
	if h <= 7 || h >= 19 {
		return 0
	}
	days := math.Floor(float64(t.Add(8*time.Hour).Unix()) / 86400)
	sky := 0.75 + 0.2*math.Sin(days*2.39996) // the golden angle: a day's sky looks unrelated to the last
	return pvPeakKW * 0.8 * math.Sin(math.Pi*(h-7)/12) * sky
}

// meterModel says what each of the demo's meters reads.
type meterModel struct {
	meters []*simMeter
	itKW   float64 // the site's allocated IT load (its rack PDUs'), kW
}

// simMeter is one meter the simulator writes: its counter, and how fast it runs.
type simMeter struct {
	name, metric, node string
	line               string                      // its line's start: series and field
	rate               func(p *plantState) float64 // kW (litres an hour for water)
	value              float64                     // the counter: kWh or litres
}

// plantState is the plant at one moment.
type plantState struct {
	f, tOut, itKW, mechKW, auxKW, pvKW float64
}

func (m *meterModel) state(t time.Time) plantState {
	p := plantState{f: cycle(t), tOut: outdoor(t), pvKW: pvKW(t)}
	p.itKW = m.itKW * p.f
	p.mechKW = p.itKW * mechanicalShare(p.tOut)
	p.auxKW = 0.018 * m.itKW * 0.825 // 0.825: the mean of cycle; a mean of 2% of IT with office hours
	if h := localHour(t); h >= 8 && h < 18 {
		p.auxKW *= 1.25
	}
	return p
}

// newMeterModel matches the site's meters to the model: those reading the series the simulator
// writes for them, on nodes it knows. Rack PDUs, floor PDUs and UPSes carry their allocated load
// on the chain; the mechanical boards share the mechanical load by the cooling units they feed.
func newMeterModel(meters []dcim.Meter, chain *power.Site, units []dcim.CoolingUnit) *meterModel {
	kw := map[int64]float64{}
	side := map[int64]string{}
	mm := &meterModel{}
	for _, kind := range []string{"rack-pdu", "pdu", "ups"} {
		for _, n := range chain.Loads(power.Allocated, kind) {
			if !n.Alive {
				continue
			}
			kw[n.Node.ID], side[n.Node.ID] = n.KW, n.Side
			if kind == "rack-pdu" {
				mm.itKW += n.KW
			}
		}
	}
	nodeSide := map[int64]string{}
	nodeName := map[int64]string{}
	for _, n := range chain.Graph.Nodes() {
		nodeSide[n.ID], nodeName[n.ID] = n.Side, n.Name
	}
	crahs := map[int64]float64{} // mechanical board → units it feeds
	var all float64
	for _, u := range units {
		if u.PowerNodeID != nil {
			crahs[*u.PowerNodeID]++
			all++
		}
	}
	mechShare := func(node int64) float64 {
		if all == 0 {
			return 0
		}
		return crahs[node] / all
	}
	upsOf := map[string][]int64{}  // side → UPS nodes
	mechOf := map[string]float64{} // side → share of the mechanical load
	utilities := 0.0
	for _, m := range meters {
		if m.PowerNodeID == nil {
			continue
		}
		s := nodeSide[*m.PowerNodeID]
		switch m.Role {
		case "ups-output":
			upsOf[s] = append(upsOf[s], *m.PowerNodeID)
		case "mechanical":
			mechOf[s] += mechShare(*m.PowerNodeID)
		case "utility":
			utilities++
		}
	}
	for _, m := range meters {
		metric := energyMetric
		if m.Role == "water" {
			metric = waterMetric
		}
		if m.Source != "series" || m.Series != meterSelector(metric, m.Name) {
			continue
		}
		sm := &simMeter{name: m.Name, metric: metric}
		var id int64
		if m.PowerNodeID != nil {
			id = *m.PowerNodeID
			sm.node = nodeName[id]
		}
		load := kw[id]
		switch m.Role {
		case "it-input":
			sm.rate = func(p *plantState) float64 { return load * p.f }
		case "pdu-output":
			sm.rate = func(p *plantState) float64 { return load * p.f * (1 + pduLoss) }
		case "ups-output":
			sm.rate = func(p *plantState) float64 { return load * p.f * (1 + upsOutLoss) }
		case "mechanical":
			share := mechShare(id)
			sm.rate = func(p *plantState) float64 { return p.mechKW * share }
		case "utility":
			if id == 0 {
				continue
			}
			var upsKW float64
			for _, u := range upsOf[nodeSide[id]] {
				upsKW += kw[u]
			}
			share := mechOf[nodeSide[id]]
			sm.rate = func(p *plantState) float64 {
				return upsKW*p.f*(1+upsOutLoss)/upsEfficiency + p.mechKW*share + (p.auxKW-p.pvKW)/utilities
			}
		case "other":
			sm.rate = func(p *plantState) float64 { return p.auxKW }
		case "renewable":
			sm.rate = func(p *plantState) float64 { return p.pvKW }
		case "water":
			sm.rate = func(p *plantState) float64 { return p.itKW * waterPerKWh(p.tOut) }
		default:
			continue
		}
		mm.meters = append(mm.meters, sm)
	}
	slices.SortFunc(mm.meters, func(a, b *simMeter) int { return strings.Compare(a.name, b.name) })
	for _, sm := range mm.meters {
		sm.line = sm.metric + ",site=" + esc(SiteName) + ",meter=" + esc(sm.name)
		if sm.node != "" {
			sm.line += ",power_node=" + esc(sm.node)
		}
		sm.line += " value="
	}
	return mm
}

// meterStep is the longest step the counters are integrated over.
const meterStep = 5 * time.Minute

// advance runs the counters on from `from` to `to`, in steps of at most meterStep, each at the
// plant's state at its middle.
func (m *meterModel) advance(from, to time.Time) {
	for from.Before(to) {
		step := min(meterStep, to.Sub(from))
		p := m.state(from.Add(step / 2))
		hours := step.Hours()
		for _, sm := range m.meters {
			sm.value += sm.rate(&p) * hours
		}
		from = from.Add(step)
	}
}

// write appends the counters' line-protocol lines, stamped ms.
func (m *meterModel) write(b []byte, ms int64) []byte {
	for _, sm := range m.meters {
		b = append(b, sm.line...)
		b = strconv.AppendFloat(b, math.Round(sm.value*1000)/1000, 'f', -1, 64)
		b = append(b, ' ')
		b = strconv.AppendInt(b, ms, 10)
		b = append(b, '\n')
	}
	return b
}
