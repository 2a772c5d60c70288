package dcim

import (
	"math"
	"regexp"
	"strings"
	"time"
)

// selectorPattern is the shape of a PromQL series selector: a metric name, label matchers in
// braces, or both (the query engine checks the matchers themselves).
var selectorPattern = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)?(\{[^{}]*\})?$`)

// Meter measures energy (or water) at one point of a site, for the energy KPIs of ISO/IEC 30134
// and for bills. Its role says where the point is in the accounting: what enters the data center
// (utility, generator, on-site renewable), IT energy at one of three depths (UPS output: PUE
// category 1; PDU output: category 2; IT equipment input: category 3), the mechanical and other
// loads inside the boundary, energy reused outside it, and site water. A meter reads its
// time series (a cumulative counter, or power to integrate) or takes manual readings.
type Meter struct {
	Meta
	SiteID        int64  `json:"site_id" required:"false" doc:"derived from the room, power node, device or cooling unit when one is given"`
	RoomID        *int64 `json:"room_id" required:"false" nullable:"true" doc:"the room whose boundary it meters, for a room's pPUE; default: the room of its node, device or cooling unit"`
	Name          string `json:"name" minLength:"1" maxLength:"100"`
	Role          string `json:"role" enum:"utility,generator,renewable,ups-output,pdu-output,it-input,mechanical,other,reuse,water" doc:"utility, generator, renewable (on-site generation): energy entering the data center; ups-output, pdu-output, it-input: IT energy (PUE category 1, 2, 3); mechanical, other: loads inside the boundary (cooling, lighting, offices); reuse: energy reused outside it; water: site water in"`
	PowerNodeID   *int64 `json:"power_node_id" required:"false" nullable:"true" doc:"the power node whose output it meters (a UPS, a PDU, a rack PDU's inlet)"`
	DeviceID      *int64 `json:"device_id" required:"false" nullable:"true" doc:"the device whose input it meters"`
	CoolingUnitID *int64 `json:"cooling_unit_id" required:"false" nullable:"true" doc:"the cooling unit it meters (mechanical)"`
	TenantID      *int64 `json:"tenant_id" required:"false" nullable:"true" doc:"whose energy it is, for tenant bills"`
	// Source: series reads Series from the time series; manual takes readings through the API.
	Source   string `json:"source" required:"false" enum:"series,manual" default:"series"`
	Series   string `json:"series" required:"false" maxLength:"500" doc:"PromQL selector of its series, e.g. meter_energy_kwh_total{target=\"MSB-1\"}; several series (phases) are summed"`
	Quantity string `json:"quantity" required:"false" enum:"energy,power" default:"energy" doc:"energy: a cumulative counter (kWh, or litres for water); power: watts, integrated and marked estimated"`
	// Multiplier turns the series' unit into kWh (or litres): a CT ratio, 0.001 for Wh.
	Multiplier  float64  `json:"multiplier" required:"false" minimum:"0" doc:"times the series value gives kWh (litres for water); default 1"`
	CounterMax  *float64 `json:"counter_max" required:"false" nullable:"true" minimum:"0" doc:"the counter wraps to 0 past this value (its register's capacity)"`
	Description string   `json:"description" required:"false" maxLength:"200"`
	Tags        []string `json:"tags" required:"false" nullable:"true"`
}

// The object types of energy accounting.
const (
	TypeMeter             = "meter"
	TypeMeterReading      = "meter-reading"
	TypeEnergyCertificate = "energy-certificate"
)

// MeterRoles are the roles of meters; ITCategory gives the PUE category of IT energy measured
// at a role's depth (0 for roles that are not IT energy).
var MeterRoles = []string{"utility", "generator", "renewable", "ups-output", "pdu-output", "it-input", "mechanical", "other", "reuse", "water"}

// ITCategory is the PUE category of IT energy metered in role (ISO/IEC 30134-2: 1 at the UPS
// output, 2 at the PDU output, 3 at the IT equipment input), 0 for other roles.
func ITCategory(role string) int {
	switch role {
	case "ups-output":
		return 1
	case "pdu-output":
		return 2
	case "it-input":
		return 3
	}
	return 0
}

// Normalize fills defaults and checks the meter on its own.
func (m *Meter) Normalize() error {
	var p Problems
	required(&p, "name", m.Name)
	oneOf(&p, "role", m.Role, MeterRoles...)
	if m.Source == "" {
		m.Source = "series"
	}
	oneOf(&p, "source", m.Source, "series", "manual")
	if m.Quantity == "" {
		m.Quantity = "energy"
	}
	oneOf(&p, "quantity", m.Quantity, "energy", "power")
	if m.Multiplier == 0 {
		m.Multiplier = 1
	}
	if m.Multiplier < 0 || math.IsNaN(m.Multiplier) || math.IsInf(m.Multiplier, 0) {
		p.Add("multiplier", "must be positive, got %v", m.Multiplier)
	}
	m.Series = strings.TrimSpace(m.Series)
	switch {
	case m.Series != "" && !selectorPattern.MatchString(m.Series):
		p.Add("series", "%q is not a series selector: want name{label=\"value\", ...} or {label=\"value\", ...}", m.Series)
	case m.Source == "series" && m.Series == "":
		p.Add("series", "is required for a meter read from its series (or make its source manual)")
	case m.Source == "manual" && m.Series != "":
		p.Add("series", "a manual meter has no series")
	case m.Source == "manual" && m.Quantity == "power":
		p.Add("quantity", "manual readings are counter readings (energy)")
	}
	if m.Role == "water" && m.Quantity == "power" {
		p.Add("quantity", "a water meter counts litres")
	}
	tags(&p, m.Tags)
	return p.Err()
}

// MeterReading is a manual reading of a meter's counter, or the record of a meter replaced: the
// old meter's last value and the new one's first, so that energy stays exact across the swap.
type MeterReading struct {
	Meta
	MeterID  int64     `json:"meter_id"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind" required:"false" enum:"reading,swap" default:"reading"`
	Value    float64   `json:"value" doc:"the counter (kWh or litres, before the meter's multiplier); for a swap, the new meter's first value"`
	OldValue *float64  `json:"old_value" required:"false" nullable:"true" doc:"swap: the old meter's last value"`
	Note     string    `json:"note" required:"false" maxLength:"200"`
}

// Normalize fills defaults and checks the reading on its own.
func (r *MeterReading) Normalize() error {
	var p Problems
	if r.Kind == "" {
		r.Kind = "reading"
	}
	oneOf(&p, "kind", r.Kind, "reading", "swap")
	if r.At.IsZero() {
		p.Add("at", "is required")
	}
	r.At = r.At.UTC()
	if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) || r.Value < 0 {
		p.Add("value", "must be a counter reading (0 or more), got %v", r.Value)
	}
	switch {
	case r.Kind == "swap" && r.OldValue == nil:
		p.Add("old_value", "a swap needs the old meter's last value")
	case r.Kind == "reading" && r.OldValue != nil:
		p.Add("old_value", "only a swap has an old value")
	case r.OldValue != nil && (math.IsNaN(*r.OldValue) || *r.OldValue < 0):
		p.Add("old_value", "must be a counter reading (0 or more), got %v", *r.OldValue)
	}
	return p.Err()
}

// EnergyCertificate is renewable energy a site owns for a period without generating it on site:
// certificates (RECs) retired for it, or the renewable share of a power purchase agreement. It
// counts into REF for the part of its period a report covers.
type EnergyCertificate struct {
	Meta
	SiteID      int64     `json:"site_id"`
	Kind        string    `json:"kind" required:"false" enum:"rec,ppa,green-tariff" default:"rec"`
	PeriodStart time.Time `json:"period_start" doc:"the energy it covers starts"`
	PeriodEnd   time.Time `json:"period_end" doc:"and ends (exclusive)"`
	KWh         float64   `json:"kwh" minimum:"0"`
	Retired     bool      `json:"retired" required:"false" doc:"certificates count only once retired for the site"`
	Reference   string    `json:"reference" required:"false" maxLength:"200" doc:"registry and certificate numbers, contract"`
	Description string    `json:"description" required:"false" maxLength:"200"`
	Tags        []string  `json:"tags" required:"false" nullable:"true"`
}

// Normalize fills defaults and checks the certificate on its own.
func (c *EnergyCertificate) Normalize() error {
	var p Problems
	if c.Kind == "" {
		c.Kind = "rec"
	}
	oneOf(&p, "kind", c.Kind, "rec", "ppa", "green-tariff")
	if c.PeriodStart.IsZero() {
		p.Add("period_start", "is required")
	}
	c.PeriodStart, c.PeriodEnd = c.PeriodStart.UTC(), c.PeriodEnd.UTC()
	if !c.PeriodEnd.After(c.PeriodStart) {
		p.Add("period_end", "must be after period_start")
	}
	if c.KWh < 0 || math.IsNaN(c.KWh) || math.IsInf(c.KWh, 0) {
		p.Add("kwh", "must be 0 or more, got %v", c.KWh)
	}
	tags(&p, c.Tags)
	return p.Err()
}

// DefaultEmissionFactor is the grid emission factor of a site that gives none: Peninsular
// Malaysia, kgCO2e/kWh (MIDA/MITI, Guideline for Sustainable Development of Data Centre, Dec 2024).
const (
	DefaultEmissionFactor       = 0.758
	DefaultEmissionFactorSource = "MIDA/MITI Guideline for Sustainable Development of Data Centre, Dec 2024 (Peninsular Malaysia)"
	DefaultEmissionFactorYear   = 2024
)

// MeterHour is one hour of one meter, rolled up from its readings: the energy (kWh, or litres for
// water) attributed to the hour that starts at Hour (UTC), whether it is estimated (integrated
// from power, or spread over a gap between readings), the milliseconds of the hour no reading
// covered, and the counter resets seen in it.
type MeterHour struct {
	MeterID   int64
	Hour      time.Time
	Value     float64
	Estimated bool
	GapMS     int64
	Resets    int
}

// MeterTotal is one meter's energy over a period, summed from its hours.
type MeterTotal struct {
	Value     float64 // kWh, or litres for water
	Estimated float64 // the part of Value from estimated hours (integrated from power)
	Hours     int     // hours rolled up
	GapMS     int64   // time no reading covered
	Resets    int
}
