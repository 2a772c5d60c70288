// Package redfish polls Redfish services: servers (Chassis EnvironmentMetrics, Sensors, and the
// older Power and Thermal resources), power equipment (PowerEquipment/RackPDUs: mains, branches,
// outlets, summary metrics) and liquid-cooling equipment (ThermalEquipment: the CoolingUnits of
// its CDUs, ImmersionUnits, HeatExchangers and RPUs, and its CoolingLoops). A reading whose sensor
// link does not resolve, or that is physically impossible (real power above apparent power, a
// negative flow or speed, a percentage outside 0..100, a temperature below absolute zero), is
// reported missing with the reason, never as zero.
//
// A cooling unit's metrics are prefixed, and its Id labelled, by its kind: cdu, immersion_unit,
// heat_exchanger, rpu (cdu_coolant_flow_liters_per_minute{cdu="1",loop="primary",connector="A"}).
// States are levels, so that an alert is a threshold: a Status.Health, a leak detector's
// DetectorState and a loop's CoolantLevelStatus read OK 0, Warning 1, Critical 2 (a leak is a
// leak_detector_state of 1 or more); any other state (Unavailable, Absent, Disabled) is missing,
// with the state as its reason. Coolant type, filters and reservoirs are not read.
package redfish

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/collect"
)

// Target is a Redfish service: redfish://HOST[:PORT] (HTTP) or https://HOST[:PORT] (add
// ?insecure=1 for a BMC's self-signed certificate), with a user and password.
type Target struct {
	Base     string // scheme://host:port
	User     string
	Password string
	Insecure bool
	Timeout  time.Duration
}

// ParseURL reads a Redfish target URL; credentials is USER:PASSWORD (may be empty).
func ParseURL(s, credentials string) (Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, fmt.Errorf("%q: %w", s, err)
	}
	t := Target{Timeout: 10 * time.Second, Insecure: u.Query().Get("insecure") == "1"}
	switch u.Scheme {
	case "redfish", "http":
		t.Base = "http://" + u.Host
	case "https":
		t.Base = "https://" + u.Host
	default:
		return Target{}, fmt.Errorf("%q: want redfish://HOST[:PORT] or https://HOST[:PORT]", s)
	}
	if u.Hostname() == "" {
		return Target{}, fmt.Errorf("%q: no host", s)
	}
	if credentials != "" {
		t.User, t.Password, _ = strings.Cut(credentials, ":")
	} else if u.User != nil { // redfish://USER:PASSWORD@HOST, on the command line
		t.User = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	return t, nil
}

// reader fetches resources of one service.
type reader struct {
	t      Target
	client *http.Client
	ctx    context.Context
	cache  map[string]map[string]any
}

var errNotFound = fmt.Errorf("not found")

func (r *reader) get(uri string) (map[string]any, error) {
	if v, ok := r.cache[uri]; ok {
		return v, nil
	}
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.t.Base+uri, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if r.t.User != "" {
		req.SetBasicAuth(r.t.User, r.t.Password)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, errNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", uri, resp.Status)
	}
	var v map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&v); err != nil {
		return nil, fmt.Errorf("GET %s: %w", uri, err)
	}
	r.cache[uri] = v
	return v, nil
}

// link is the @odata.id of property name of v.
func link(v map[string]any, name string) string {
	if l, ok := v[name].(map[string]any); ok {
		s, _ := l["@odata.id"].(string)
		return s
	}
	return ""
}

// members lists a collection's member links.
func members(v map[string]any) []string {
	var out []string
	ms, _ := v["Members"].([]any)
	for _, m := range ms {
		if mm, ok := m.(map[string]any); ok {
			if s, ok := mm["@odata.id"].(string); ok {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

func number(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok
}

// Poll reads the service.
func Poll(ctx context.Context, t Target) (collect.Result, error) {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: t.Insecure}} //nolint:gosec // asked for, per target
	defer tr.CloseIdleConnections()
	r := &reader{t: t, ctx: ctx, client: &http.Client{Transport: tr, Timeout: t.Timeout}, cache: map[string]map[string]any{}}
	root, err := r.get("/redfish/v1/")
	if err != nil {
		return collect.Result{}, fmt.Errorf("redfish %s: %w", t.Base, err)
	}
	p := &poll{r: r, sensors: map[string]map[string]bool{}}
	if c := link(root, "Chassis"); c != "" {
		if err := p.chassis(c); err != nil {
			return collect.Result{}, err
		}
	}
	if pe := link(root, "PowerEquipment"); pe != "" {
		if err := p.powerEquipment(pe); err != nil {
			return collect.Result{}, err
		}
	}
	if te := link(root, "ThermalEquipment"); te != "" {
		p.thermalEquipment(te)
	}
	return collect.Result{Profile: "redfish", Readings: p.out}, nil
}

type poll struct {
	r       *reader
	out     []collect.Reading
	sensors map[string]map[string]bool // sensor collection URI → its members
}

// excerpt records a sensor excerpt ({"Reading": x, "DataSourceUri": ...}) as a reading, unless its
// sensor link does not resolve.
func (p *poll) excerpt(name, unit string, labels map[string]string, v any, source string) {
	ex, ok := v.(map[string]any)
	if !ok {
		return
	}
	rd := collect.Reading{Name: name, Unit: unit, Labels: labels, Source: source}
	val, ok := number(ex["Reading"])
	switch {
	case ok:
		rd.Value = val
	case ex["Reading"] == nil:
		rd.Missing, rd.Reason = true, "no reading"
	default:
		rd.Missing, rd.Reason = true, fmt.Sprintf("reading %v: not a number", ex["Reading"])
	}
	var why []string
	if unit == "W" && ok {
		if va, okVA := number(ex["ApparentVA"]); okVA && va > 0 && val > va*1.0001 {
			why = append(why, fmt.Sprintf("real power %v W above apparent power %v VA: impossible", val, va))
		}
	}
	if lo, has := floors[unit]; ok && has && val < lo {
		why = append(why, fmt.Sprintf("%v %s below %v %s: impossible", val, unit, lo, unit))
	}
	if unit == "%" && ok && val > 100 {
		why = append(why, fmt.Sprintf("%v %% above 100 %%: impossible", val))
	}
	if uri, _ := ex["DataSourceUri"].(string); uri != "" && !p.resolves(uri) {
		why = append(why, "its sensor link "+uri+" does not resolve: not trusted")
	}
	if len(why) > 0 {
		rd.Missing, rd.Reason, rd.Value = true, strings.Join(why, "; "), 0
	}
	p.out = append(p.out, rd)
}

// floors are the lowest physically possible values of a unit.
var floors = map[string]float64{"°C": -273.15, "%": 0, "L/min": 0, "rpm": 0}

// resolves reports whether a sensor link names a member of its Sensors collection (read once per
// collection); links elsewhere are fetched.
func (p *poll) resolves(uri string) bool {
	uri = strings.TrimSuffix(strings.SplitN(uri, "#", 2)[0], "/")
	coll := path.Dir(uri)
	if path.Base(coll) == "Sensors" {
		set, ok := p.sensors[coll]
		if !ok {
			set = map[string]bool{}
			if v, err := p.r.get(coll); err == nil {
				for _, m := range members(v) {
					set[strings.TrimSuffix(m, "/")] = true
				}
			}
			p.sensors[coll] = set
		}
		return set[uri]
	}
	_, err := p.r.get(uri)
	return err == nil
}

func (p *poll) chassis(coll string) error {
	c, err := p.r.get(coll)
	if err != nil {
		return fmt.Errorf("redfish %s: %w", p.r.t.Base, err)
	}
	for _, m := range members(c) {
		ch, err := p.r.get(m)
		if err != nil {
			p.dangling(m, err)
			continue
		}
		id, _ := ch["Id"].(string)
		lbl := func(extra ...string) map[string]string {
			out := map[string]string{"chassis": id}
			for i := 0; i+1 < len(extra); i += 2 {
				out[extra[i]] = extra[i+1]
			}
			return out
		}
		if em := link(ch, "EnvironmentMetrics"); em != "" {
			if v, err := p.r.get(em); err == nil {
				p.excerpt("server_power_watts", "W", lbl(), v["PowerWatts"], em)
				p.excerpt("server_energy_kwh_total", "kWh", lbl(), v["EnergykWh"], em)
				p.excerpt("server_temperature_celsius", "°C", lbl(), v["TemperatureCelsius"], em)
				p.excerpt("server_humidity_percent", "%", lbl(), v["HumidityPercent"], em)
			}
		}
		if s := link(ch, "Sensors"); s != "" {
			p.sensorCollection(s, id)
		}
		if pw := link(ch, "Power"); pw != "" { // the older Power resource
			if v, err := p.r.get(pw); err == nil {
				for i, pc := range list(v["PowerControl"]) {
					if w, ok := number(pc["PowerConsumedWatts"]); ok {
						p.out = append(p.out, collect.Reading{Name: "server_power_consumed_watts", Unit: "W", Value: w,
							Labels: lbl("control", fmt.Sprint(i)), Source: pw})
					}
				}
				for _, ps := range list(v["PowerSupplies"]) {
					name, _ := ps["MemberId"].(string)
					if w, ok := number(ps["PowerInputWatts"]); ok {
						p.out = append(p.out, collect.Reading{Name: "psu_input_power_watts", Unit: "W", Value: w, Labels: lbl("psu", name), Source: pw})
					}
					if v, ok := number(ps["LineInputVoltage"]); ok {
						p.out = append(p.out, collect.Reading{Name: "psu_input_voltage_volts", Unit: "V", Value: v, Labels: lbl("psu", name), Source: pw})
					}
				}
			}
		}
		if th := link(ch, "Thermal"); th != "" { // the older Thermal resource
			if v, err := p.r.get(th); err == nil {
				for _, t := range list(v["Temperatures"]) {
					name, _ := t["Name"].(string)
					ctx, _ := t["PhysicalContext"].(string)
					if c, ok := number(t["ReadingCelsius"]); ok {
						p.out = append(p.out, collect.Reading{Name: "temperature_celsius", Unit: "°C", Value: c,
							Labels: lbl("sensor", name, "context", ctx), Source: th})
					}
				}
			}
		}
	}
	return nil
}

// sensorTypes maps a Sensor's ReadingType to a metric and unit.
var sensorTypes = map[string][2]string{
	"Temperature": {"sensor_temperature_celsius", "°C"}, "Humidity": {"sensor_humidity_percent", "%"},
	"Power": {"sensor_power_watts", "W"}, "EnergykWh": {"sensor_energy_kwh_total", "kWh"},
	"Voltage": {"sensor_voltage_volts", "V"}, "Current": {"sensor_current_amps", "A"},
	"Frequency": {"sensor_frequency_hertz", "Hz"}, "LiquidFlow": {"sensor_liquid_flow_lpm", "L/min"},
	"PressurekPa": {"sensor_pressure_kpa", "kPa"}, "Percent": {"sensor_percent", "%"},
}

// sensorUnits maps a Sensor's ReadingUnits (UCUM) to a metric, for sensors without a ReadingType.
var sensorUnits = map[string][2]string{
	"Cel": {"sensor_temperature_celsius", "°C"}, "W": {"sensor_power_watts", "W"}, "A": {"sensor_current_amps", "A"},
	"V": {"sensor_voltage_volts", "V"}, "Hz": {"sensor_frequency_hertz", "Hz"}, "kW.h": {"sensor_energy_kwh_total", "kWh"},
	"%": {"sensor_percent", "%"}, "L/min": {"sensor_liquid_flow_lpm", "L/min"}, "kPa": {"sensor_pressure_kpa", "kPa"},
}

func (p *poll) sensorCollection(uri, chassis string) {
	v, err := p.r.get(uri)
	if err != nil {
		return
	}
	set := map[string]bool{}
	for _, m := range members(v) {
		set[strings.TrimSuffix(m, "/")] = true
	}
	p.sensors[strings.TrimSuffix(uri, "/")] = set
	for _, m := range members(v) {
		s, err := p.r.get(m)
		if err != nil {
			p.dangling(m, err)
			continue
		}
		typ, _ := s["ReadingType"].(string)
		mt, ok := sensorTypes[typ]
		if !ok {
			units, _ := s["ReadingUnits"].(string)
			if mt, ok = sensorUnits[units]; !ok {
				continue
			}
		}
		id, _ := s["Id"].(string)
		ctx, _ := s["PhysicalContext"].(string)
		rd := collect.Reading{Name: mt[0], Unit: mt[1], Labels: map[string]string{"chassis": chassis, "sensor": id, "context": ctx}, Source: m}
		if val, ok := number(s["Reading"]); ok {
			rd.Value = val
		} else {
			rd.Missing, rd.Reason = true, "no reading"
		}
		p.out = append(p.out, rd)
	}
}

// dangling records a link that does not resolve.
func (p *poll) dangling(uri string, err error) {
	p.out = append(p.out, collect.Reading{Name: "redfish_resource", Labels: map[string]string{"uri": uri}, Missing: true,
		Reason: fmt.Sprintf("link %s does not resolve: %v", uri, err), Source: uri})
}

func list(v any) []map[string]any {
	var out []map[string]any
	xs, _ := v.([]any)
	for _, x := range xs {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// lines are the line names of the poly-phase readings.
var lines = []string{"Line1", "Line2", "Line3", "Neutral", "Line1ToNeutral", "Line2ToNeutral", "Line3ToNeutral",
	"Line1ToLine2", "Line2ToLine3", "Line3ToLine1"}

// polyMetrics are the metric names and units of the poly-phase properties.
var polyMetrics = map[string][2]string{"PolyPhaseCurrentAmps": {"current_amps", "A"}, "PolyPhaseVoltage": {"voltage_volts", "V"},
	"PolyPhasePowerWatts": {"power_watts", "W"}, "PolyPhaseEnergykWh": {"energy_kwh_total", "kWh"}}

// circuit records a Circuit or Outlet resource's readings under prefix (pdu_input, pdu_branch,
// pdu_outlet).
func (p *poll) circuit(prefix, uri string, labels map[string]string) {
	v, err := p.r.get(uri)
	if err != nil {
		p.dangling(uri, err)
		return
	}
	with := func(extra ...string) map[string]string {
		out := map[string]string{}
		for k, v := range labels {
			out[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			out[extra[i]] = extra[i+1]
		}
		return out
	}
	p.excerpt(prefix+"_power_watts", "W", with(), v["PowerWatts"], uri)
	p.excerpt(prefix+"_current_amps", "A", with(), v["CurrentAmps"], uri)
	p.excerpt(prefix+"_voltage_volts", "V", with(), v["Voltage"], uri)
	p.excerpt(prefix+"_energy_kwh_total", "kWh", with(), v["EnergykWh"], uri)
	p.excerpt(prefix+"_frequency_hertz", "Hz", with(), v["FrequencyHz"], uri)
	for _, key := range []string{"PolyPhaseCurrentAmps", "PolyPhaseVoltage", "PolyPhasePowerWatts", "PolyPhaseEnergykWh"} {
		poly, ok := v[key].(map[string]any)
		if !ok {
			continue
		}
		mu := polyMetrics[key]
		for _, l := range lines {
			if ex, ok := poly[l]; ok {
				p.excerpt(prefix+"_line_"+mu[0], mu[1], with("line", l), ex, uri)
			}
		}
	}
}

func (p *poll) powerEquipment(uri string) error {
	pe, err := p.r.get(uri)
	if err != nil {
		return fmt.Errorf("redfish %s: %w", p.r.t.Base, err)
	}
	pdus := link(pe, "RackPDUs")
	if pdus == "" {
		return nil
	}
	c, err := p.r.get(pdus)
	if err != nil {
		return nil
	}
	for _, m := range members(c) {
		pdu, err := p.r.get(m)
		if err != nil {
			p.dangling(m, err)
			continue
		}
		id, _ := pdu["Id"].(string)
		base := map[string]string{"pdu": id}
		if mt := link(pdu, "Metrics"); mt != "" {
			if v, err := p.r.get(mt); err == nil {
				p.excerpt("pdu_power_watts", "W", base, v["PowerWatts"], mt)
				p.excerpt("pdu_energy_kwh_total", "kWh", base, v["EnergykWh"], mt)
				p.excerpt("pdu_temperature_celsius", "°C", base, v["TemperatureCelsius"], mt)
			}
		}
		for _, part := range []struct{ prop, prefix, label string }{{"Mains", "pdu_input", "circuit"}, {"Branches", "pdu_branch", "branch"}, {"Outlets", "pdu_outlet", "outlet"}} {
			coll := link(pdu, part.prop)
			if coll == "" {
				continue
			}
			cv, err := p.r.get(coll)
			if err != nil {
				p.dangling(coll, err)
				continue
			}
			for _, cm := range members(cv) {
				p.circuit(part.prefix, cm, map[string]string{"pdu": id, part.label: path.Base(cm)})
			}
		}
	}
	return nil
}

// coolingUnits are ThermalEquipment's collections of CoolingUnit resources, each with the prefix
// of its metrics, which is also the label naming the unit.
var coolingUnits = []struct{ prop, prefix string }{{"CDUs", "cdu"}, {"ImmersionUnits", "immersion_unit"},
	{"HeatExchangers", "heat_exchanger"}, {"RPUs", "rpu"}}

// connectorMetrics are a CoolantConnector's readings: property, metric (after the unit's prefix)
// and unit.
var connectorMetrics = [][3]string{
	{"SupplyTemperatureCelsius", "coolant_supply_temperature_celsius", "°C"},
	{"ReturnTemperatureCelsius", "coolant_return_temperature_celsius", "°C"},
	{"DeltaTemperatureCelsius", "coolant_delta_temperature_celsius", "°C"},
	{"FlowLitersPerMinute", "coolant_flow_liters_per_minute", "L/min"},
	{"SupplyPressurekPa", "coolant_supply_pressure_kpa", "kPa"},
	{"ReturnPressurekPa", "coolant_return_pressure_kpa", "kPa"},
	{"DeltaPressurekPa", "coolant_delta_pressure_kpa", "kPa"},
}

// thermalEquipment reads the cooling units and loops. Unlike Chassis and PowerEquipment, a
// ThermalEquipment that does not resolve is recorded and the rest of the poll kept: it is often
// an add-on to a service whose other readings are good.
func (p *poll) thermalEquipment(uri string) {
	te, err := p.r.get(uri)
	if err != nil {
		p.dangling(uri, err)
		return
	}
	for _, cu := range coolingUnits {
		for _, m := range p.collection(link(te, cu.prop)) {
			p.coolingUnit(cu.prefix, m)
		}
	}
	for _, m := range p.collection(link(te, "CoolingLoops")) {
		v, err := p.r.get(m)
		if err != nil {
			p.dangling(m, err)
			continue
		}
		lbl := map[string]string{"cooling_loop": path.Base(m)}
		p.excerpt("cooling_loop_coolant_level_percent", "%", lbl, v["CoolantLevelPercent"], m)
		if s, _ := v["CoolantLevelStatus"].(string); s != "" {
			p.level("cooling_loop_coolant_level_health", lbl, s, m)
		}
	}
}

func (p *poll) coolingUnit(prefix, uri string) {
	u, err := p.r.get(uri)
	if err != nil {
		p.dangling(uri, err)
		return
	}
	id, _ := u["Id"].(string)
	base := map[string]string{prefix: id}
	if h := health(u); h != "" {
		p.level(prefix+"_health", base, h, uri)
	}
	if em := link(u, "EnvironmentMetrics"); em != "" {
		if v, err := p.r.get(em); err != nil {
			p.dangling(em, err)
		} else {
			p.excerpt(prefix+"_temperature_celsius", "°C", base, v["TemperatureCelsius"], em)
			p.excerpt(prefix+"_humidity_percent", "%", base, v["HumidityPercent"], em)
			p.excerpt(prefix+"_power_watts", "W", base, v["PowerWatts"], em)
			p.excerpt(prefix+"_energy_kwh_total", "kWh", base, v["EnergykWh"], em)
		}
	}
	for _, loop := range [][2]string{{"PrimaryCoolantConnectors", "primary"}, {"SecondaryCoolantConnectors", "secondary"}} {
		for _, m := range p.collection(link(u, loop[0])) {
			v, err := p.r.get(m)
			if err != nil {
				p.dangling(m, err)
				continue
			}
			lbl := extend(base, "loop", loop[1], "connector", path.Base(m))
			for _, c := range connectorMetrics {
				p.excerpt(prefix+"_"+c[1], c[2], lbl, v[c[0]], m)
			}
		}
	}
	for _, m := range p.collection(link(u, "Pumps")) {
		v, err := p.r.get(m)
		if err != nil {
			p.dangling(m, err)
			continue
		}
		lbl := extend(base, "pump", path.Base(m))
		if h := health(v); h != "" {
			p.level(prefix+"_pump_health", lbl, h, m)
		}
		p.excerpt(prefix+"_pump_speed_percent", "%", lbl, v["PumpSpeedPercent"], m)
		if ex, ok := v["PumpSpeedPercent"].(map[string]any); ok && ex["SpeedRPM"] != nil {
			rpm := map[string]any{"Reading": ex["SpeedRPM"], "DataSourceUri": ex["DataSourceUri"]}
			p.excerpt(prefix+"_pump_speed_rpm", "rpm", lbl, rpm, m)
		}
	}
	if ld := link(u, "LeakDetection"); ld != "" {
		v, err := p.r.get(ld)
		if err != nil {
			p.dangling(ld, err)
		}
		for _, m := range p.collection(link(v, "LeakDetectors")) {
			d, err := p.r.get(m)
			if err != nil {
				p.dangling(m, err)
				continue
			}
			state, _ := d["DetectorState"].(string)
			p.level(prefix+"_leak_detector_state", extend(base, "detector", path.Base(m)), state, m)
		}
	}
}

// collection lists the members of the collection at uri (none for ""), recording a link that
// does not resolve.
func (p *poll) collection(uri string) []string {
	if uri == "" {
		return nil
	}
	v, err := p.r.get(uri)
	if err != nil {
		p.dangling(uri, err)
		return nil
	}
	return members(v)
}

// levels are the readings of a Health or DetectorState.
var levels = map[string]float64{"OK": 0, "Warning": 1, "Critical": 2}

// level records a state as its level; any other state is missing, with the state as its reason.
func (p *poll) level(name string, labels map[string]string, state, source string) {
	rd := collect.Reading{Name: name, Labels: labels, Source: source}
	v, ok := levels[state]
	switch {
	case ok:
		rd.Value = v
	case state == "":
		rd.Missing, rd.Reason = true, "no state"
	default:
		rd.Missing, rd.Reason = true, "state "+state+": not OK, Warning or Critical"
	}
	p.out = append(p.out, rd)
}

// health is a resource's Status.Health or, where it has none, a Status.State that says why
// (Absent, Disabled, ...); "" when it reports neither.
func health(v map[string]any) string {
	s, _ := v["Status"].(map[string]any)
	if h, _ := s["Health"].(string); h != "" {
		return h
	}
	if st, _ := s["State"].(string); st != "Enabled" {
		return st
	}
	return ""
}

// extend is a copy of labels with the name/value pairs of extra added.
func extend(labels map[string]string, extra ...string) map[string]string {
	out := make(map[string]string, len(labels)+len(extra)/2)
	for k, v := range labels {
		out[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		out[extra[i]] = extra[i+1]
	}
	return out
}
