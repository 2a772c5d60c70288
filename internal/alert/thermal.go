package alert

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// ThermalSource is what the envelope rules read from the model: every sensor point at an IT inlet
// with its room's class, and the classes (the store).
type ThermalSource interface {
	ThermalPlaces(ctx context.Context) ([]dcim.ThermalPlace, map[string]dcim.ThermalClass, error)
}

// thermalQueries select the newest reading of the last five minutes of every series bound to a
// sensor point, by quantity: whatever a profile calls it, a temperature ends in
// temperature_celsius, a relative humidity in humidity_percent, a dew point in dew_point_celsius.
var thermalQueries = []struct{ quantity, expr, unit string }{
	{"temperature", `last_over_time({__name__=~"(.+_)?temperature_celsius", sensor_point!=""}[5m])`, "°C"},
	{"humidity", `last_over_time({__name__=~"(.+_)?humidity_percent", sensor_point!=""}[5m])`, "% RH"},
	{"dew-point", `last_over_time({__name__=~"(.+_)?dew_point_celsius", sensor_point!=""}[5m])`, "°C dew point"},
}

// ThermalEnvelope is two built-in rules on the air at the IT inlets, held to the envelope of each
// room's thermal class (ASHRAE A1–A4, H1 or the operator's own; see dcim.ThermalClass):
//
//   - InletOutsideRecommended (warning, after 15 minutes): a temperature, relative humidity or
//     dew point outside the recommended envelope;
//   - InletOutsideAllowable (critical, after 5 minutes): outside the allowable one.
//
// Beyond the allowable envelope both fire, as Prometheus rules on two thresholds do (an
// Alertmanager inhibition hides the warning). Every sensor point of kind inlet-* is covered as
// soon as it is in the model; its readings are the series labelled with its name (sensor_point)
// and site. Where an inlet position (rack and height) has a temperature and a humidity but no dew
// point of its own, the dew point is computed from them (Magnus) and held to the envelope too.
// Labels: site, room, rack, sensor_point, quantity, bound (high or low), class and the envelope
// crossed; the value is the reading.
func ThermalEnvelope(src ThermalSource) []Rule {
	r := &thermalRead{src: src}
	rule := func(name, level, severity string, hold time.Duration) Rule {
		return Rule{Group: "plenum", Name: name, For: hold, Severity: severity, Source: "builtin",
			Labels: map[string]string{"severity": severity},
			Annotations: map[string]string{
				"summary": "{{ $labels.sensor_point }}: " + `{{ $labels.quantity }} {{ printf "%.1f" $value }} is outside class ` +
					"{{ $labels.class }}'s " + level + " envelope ({{ $labels.envelope }})",
			},
			Builtin: func(ctx context.Context, q Querier, at time.Time) ([]Sample, error) {
				return r.outside(ctx, q, at, level)
			},
		}
	}
	return []Rule{
		rule("InletOutsideRecommended", "recommended", "warning", 15*time.Minute),
		rule("InletOutsideAllowable", "allowable", "critical", 5*time.Minute),
	}
}

// thermalRead reads the model and the readings once a cycle for both rules.
type thermalRead struct {
	src   ThermalSource
	cycle perCycle[thermalState]
}

// thermalState is one cycle's inlet points with their readings, and the classes.
type thermalState struct {
	places  []placeReadings
	classes map[string]dcim.ThermalClass
}

// placeReadings is one sensor point with the extremes of its readings, by quantity.
type placeReadings struct {
	dcim.ThermalPlace
	lo, hi map[string]float64
}

// read loads the points and their readings for the cycle at at, once.
func (r *thermalRead) read(ctx context.Context, q Querier, at time.Time) (thermalState, error) {
	return r.cycle.get(at, func() (thermalState, error) { return r.load(ctx, q, at) })
}

func (r *thermalRead) load(ctx context.Context, q Querier, at time.Time) (thermalState, error) {
	places, classes, err := r.src.ThermalPlaces(ctx)
	if err != nil {
		return thermalState{}, err
	}
	type key struct{ site, point string }
	index := make(map[key]int, len(places))
	out := make([]placeReadings, len(places))
	for i, p := range places {
		out[i] = placeReadings{ThermalPlace: p}
		index[key{p.Site, p.Point}] = i
	}
	for _, tq := range thermalQueries {
		samples, err := q(ctx, tq.expr, at)
		if err != nil {
			return thermalState{}, fmt.Errorf("%s readings: %w", tq.quantity, err)
		}
		for _, s := range samples {
			i, ok := index[key{s.Labels["site"], s.Labels["sensor_point"]}]
			if !ok || math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
				continue // not an inlet point, or no reading
			}
			out[i].add(tq.quantity, s.Value)
		}
	}
	dewPoints(out)
	return thermalState{out, classes}, nil
}

func (p *placeReadings) add(quantity string, v float64) {
	if p.lo == nil {
		p.lo, p.hi = map[string]float64{}, map[string]float64{}
	}
	if lo, ok := p.lo[quantity]; !ok || v < lo {
		p.lo[quantity] = v
	}
	if hi, ok := p.hi[quantity]; !ok || v > hi {
		p.hi[quantity] = v
	}
}

// dewPoints computes the dew point of each inlet position (site, room, rack and height) that has a
// temperature and a humidity but no dew point reading, and gives it to the points there that read
// humidity: the extremes of the dew point are those of the humidity at the position's mean
// temperature (dew point rises with humidity at a given temperature).
func dewPoints(places []placeReadings) {
	type position struct{ site, room, rack, kind string }
	type tally struct {
		sumT     float64
		n        int
		hasDew   bool
		humidity []int
	}
	at := map[position]*tally{}
	for i := range places {
		p := &places[i]
		k := position{p.Site, p.Room, p.Rack, p.Kind}
		t := at[k]
		if t == nil {
			t = &tally{}
			at[k] = t
		}
		if _, ok := p.hi["temperature"]; ok {
			t.sumT += (p.lo["temperature"] + p.hi["temperature"]) / 2
			t.n++
		}
		if _, ok := p.hi["dew-point"]; ok {
			t.hasDew = true
		}
		if _, ok := p.hi["humidity"]; ok {
			t.humidity = append(t.humidity, i)
		}
	}
	for _, t := range at {
		if t.hasDew || t.n == 0 {
			continue
		}
		temp := t.sumT / float64(t.n)
		for _, i := range t.humidity {
			p := &places[i]
			if lo, hi := dcim.DewPoint(temp, p.lo["humidity"]), dcim.DewPoint(temp, p.hi["humidity"]); !math.IsNaN(lo) && !math.IsNaN(hi) {
				p.add("dew-point", lo)
				p.add("dew-point", hi)
			}
		}
	}
}

// outside lists the readings outside the envelope at level.
func (r *thermalRead) outside(ctx context.Context, q Querier, at time.Time, level string) ([]Sample, error) {
	st, err := r.read(ctx, q, at)
	if err != nil {
		return nil, err
	}
	places, classes := st.places, st.classes
	var out []Sample
	for _, p := range places {
		class, ok := classes[p.Class]
		if !ok || p.hi == nil {
			continue
		}
		for _, tq := range thermalQueries {
			rg, bounded := class.Envelope(tq.quantity, level)
			hi, read := p.hi[tq.quantity]
			if !bounded || !read {
				continue
			}
			for _, v := range []float64{hi, p.lo[tq.quantity]} {
				bound, _, off := rg.Outside(v)
				if !off {
					continue
				}
				labels := map[string]string{"site": p.Site, "room": p.Room, "sensor_point": p.Point, "quantity": tq.quantity,
					"bound": bound, "class": p.Class, "envelope": rg.String(tq.unit)}
				if p.Rack != "" {
					labels["rack"] = p.Rack
				}
				out = append(out, Sample{Labels: labels, Value: v})
				break // a point is either above or below
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Labels, out[j].Labels
		return strings.Compare(a["sensor_point"]+a["quantity"], b["sensor_point"]+b["quantity"]) < 0
	})
	return out, nil
}
