package dcim

import (
	"fmt"
	"math"
)

// TypeThermalClass is the object type of a thermal class.
const TypeThermalClass = "thermal-class"

// ThermalClass is an environmental class of IT equipment and the envelope its inlet air must stay
// in: ASHRAE TC 9.9's A1–A4 and H1, as Plenum starts with them (migration 00011), or a class of the
// operator's own. The envelope is a table to edit because ASHRAE's humidity limits differ between
// editions. Rooms name their class (Room.ThermalClass); the built-in alert rules read the envelope.
//
// The starting values are the 5th edition's (ASHRAE TC 9.9, Thermal Guidelines for Data Processing
// Environments, 2021, Table 2-1, with the H1 class of the same edition): recommended 18–27 °C
// (H1 18–22 °C), dew point −9 to 15 °C and at most 70 % RH; allowable A1 15–32 °C, A2 10–35 °C,
// A3 5–40 °C, A4 5–45 °C, H1 5–25 °C, dew point from −12 °C up to 17 °C (A1, H1), 21 °C (A2) or
// 24 °C (A3, A4), relative humidity 8 % up to 80 % (A1, A2, H1), 85 % (A3) or 90 % (A4).
type ThermalClass struct {
	Meta
	Name    string `json:"name" minLength:"1" maxLength:"20" doc:"the class, as rooms name it: A1, A2, A3, A4, H1 or one of your own"`
	Edition string `json:"edition" required:"false" maxLength:"100" doc:"where the figures come from"`
	// Dry-bulb temperature at the IT inlet, °C.
	RecommendedMinC float64 `json:"recommended_min_c"`
	RecommendedMaxC float64 `json:"recommended_max_c"`
	AllowableMinC   float64 `json:"allowable_min_c"`
	AllowableMaxC   float64 `json:"allowable_max_c"`
	// Humidity: dew point (°C) and relative humidity (%); nil where the class sets no such limit.
	RecommendedDewPointMinC *float64 `json:"recommended_dew_point_min_c" required:"false" nullable:"true"`
	RecommendedDewPointMaxC *float64 `json:"recommended_dew_point_max_c" required:"false" nullable:"true"`
	RecommendedRHMax        *float64 `json:"recommended_rh_max" required:"false" nullable:"true" minimum:"0" maximum:"100"`
	AllowableDewPointMinC   *float64 `json:"allowable_dew_point_min_c" required:"false" nullable:"true"`
	AllowableDewPointMaxC   *float64 `json:"allowable_dew_point_max_c" required:"false" nullable:"true"`
	AllowableRHMin          *float64 `json:"allowable_rh_min" required:"false" nullable:"true" minimum:"0" maximum:"100"`
	AllowableRHMax          *float64 `json:"allowable_rh_max" required:"false" nullable:"true" minimum:"0" maximum:"100"`
	Description             string   `json:"description" required:"false" maxLength:"500"`
	Tags                    []string `json:"tags" required:"false" nullable:"true"`
}

// Normalize checks the class on its own: each recommended range inside its allowable one.
func (c *ThermalClass) Normalize() error {
	var p Problems
	required(&p, "name", c.Name)
	finite := func(field string, v float64) bool {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p.Add(field, "must be a number, got %v", v)
			return false
		}
		return true
	}
	pair := func(lo, hi string, a, b float64) {
		if finite(lo, a) && finite(hi, b) && a >= b {
			p.Add(hi, "must be above %s (%g), got %g", lo, a, b)
		}
	}
	pair("recommended_min_c", "recommended_max_c", c.RecommendedMinC, c.RecommendedMaxC)
	pair("allowable_min_c", "allowable_max_c", c.AllowableMinC, c.AllowableMaxC)
	if c.RecommendedMinC < c.AllowableMinC {
		p.Add("recommended_min_c", "must not be below allowable_min_c (%g)", c.AllowableMinC)
	}
	if c.RecommendedMaxC > c.AllowableMaxC {
		p.Add("recommended_max_c", "must not be above allowable_max_c (%g)", c.AllowableMaxC)
	}
	optPair := func(lo, hi string, a, b *float64) {
		ok := (a == nil || finite(lo, *a)) && (b == nil || finite(hi, *b))
		if ok && a != nil && b != nil && *a >= *b {
			p.Add(hi, "must be above %s (%g), got %g", lo, *a, *b)
		}
	}
	optPair("recommended_dew_point_min_c", "recommended_dew_point_max_c", c.RecommendedDewPointMinC, c.RecommendedDewPointMaxC)
	optPair("allowable_dew_point_min_c", "allowable_dew_point_max_c", c.AllowableDewPointMinC, c.AllowableDewPointMaxC)
	optPair("allowable_rh_min", "allowable_rh_max", c.AllowableRHMin, c.AllowableRHMax)
	for field, v := range map[string]*float64{"recommended_rh_max": c.RecommendedRHMax, "allowable_rh_min": c.AllowableRHMin, "allowable_rh_max": c.AllowableRHMax} {
		if v != nil && (*v < 0 || *v > 100) {
			p.Add(field, "must be a percentage (0 to 100), got %g", *v)
		}
	}
	return p.Err()
}

// Range is a band a reading should stay in; a nil bound is no limit on that side.
type Range struct{ Min, Max *float64 }

// Outside says whether v is outside the range, and which bound it crossed ("low" or "high") with
// that bound's value.
func (r Range) Outside(v float64) (bound string, limit float64, outside bool) {
	switch {
	case r.Min != nil && v < *r.Min:
		return "low", *r.Min, true
	case r.Max != nil && v > *r.Max:
		return "high", *r.Max, true
	}
	return "", 0, false
}

// String is the range as an operator reads it, with unit.
func (r Range) String(unit string) string {
	switch {
	case r.Min != nil && r.Max != nil:
		return fmt.Sprintf("%g–%g %s", *r.Min, *r.Max, unit)
	case r.Min != nil:
		return fmt.Sprintf("≥ %g %s", *r.Min, unit)
	case r.Max != nil:
		return fmt.Sprintf("≤ %g %s", *r.Max, unit)
	}
	return "any"
}

// Envelope is the class's band for quantity ("temperature", "dew-point" or "humidity", the sensor
// points' quantities) at level ("recommended" or "allowable"). The recommended humidity has no
// lower relative-humidity limit of its own (its dew point is the limit); ok is false for a quantity
// the class does not bound.
func (c *ThermalClass) Envelope(quantity, level string) (r Range, ok bool) {
	rec := level == "recommended"
	switch quantity {
	case "temperature":
		if rec {
			return Range{&c.RecommendedMinC, &c.RecommendedMaxC}, true
		}
		return Range{&c.AllowableMinC, &c.AllowableMaxC}, true
	case "dew-point":
		r = Range{c.AllowableDewPointMinC, c.AllowableDewPointMaxC}
		if rec {
			r = Range{c.RecommendedDewPointMinC, c.RecommendedDewPointMaxC}
		}
	case "humidity":
		r = Range{c.AllowableRHMin, c.AllowableRHMax}
		if rec {
			r = Range{nil, c.RecommendedRHMax}
		}
	}
	return r, r.Min != nil || r.Max != nil
}

// DewPoint is the dew point (°C) of air at t °C and rh % relative humidity, by the Magnus formula
// with Alduchov and Eskridge's coefficients (J. Appl. Meteor. 35, 1996: a = 17.625,
// b = 243.04 °C), good to about 0.1 °C over −40 to 50 °C. It is NaN for rh outside (0, 100].
func DewPoint(t, rh float64) float64 {
	if !(rh > 0 && rh <= 100) {
		return math.NaN()
	}
	const a, b = 17.625, 243.04
	g := math.Log(rh/100) + a*t/(b+t)
	return b * g / (a - g)
}

// ThermalPlace is a sensor point at an IT inlet, where it is, and its room's class: what the
// envelope rules read from the model.
type ThermalPlace struct {
	Site, Room, Rack string // names; Rack "" for a point in no rack
	Point            string // the sensor point's name (its readings' sensor_point label)
	Kind             string // inlet-bottom, inlet-middle or inlet-top
	Class            string // the room's thermal class
}
