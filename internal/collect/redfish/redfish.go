// Package redfish polls Redfish services: servers (Chassis EnvironmentMetrics, Sensors, and the
// older Power and Thermal resources) and power equipment (PowerEquipment/RackPDUs: mains,
// branches, outlets, summary metrics). A reading whose sensor link does not resolve, or that is
// physically impossible (real power above apparent power), is reported missing with the reason.
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
	case !ok:
		rd.Missing, rd.Reason = true, "no reading"
	default:
		rd.Value = val
	}
	var why []string
	if unit == "W" && ok {
		if va, okVA := number(ex["ApparentVA"]); okVA && va > 0 && val > va*1.0001 {
			why = append(why, fmt.Sprintf("real power %v W above apparent power %v VA: impossible", val, va))
		}
	}
	if uri, _ := ex["DataSourceUri"].(string); uri != "" && !p.resolves(uri) {
		why = append(why, "its sensor link "+uri+" does not resolve: not trusted")
	}
	if len(why) > 0 {
		rd.Missing, rd.Reason, rd.Value = true, strings.Join(why, "; "), 0
	}
	p.out = append(p.out, rd)
}

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
