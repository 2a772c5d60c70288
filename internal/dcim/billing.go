package dcim

import (
	"math"
	"time"
)

// Tariff is what a colocation tenant pays for power, in the structure of TNB's tariffs from July
// 2025: an energy charge per kWh, capacity and network charges per kW of the month's maximum
// demand, and a fixed retail charge a month. A tariff has versions: the same name with another
// effective_from. The version of a month is the newest that took effect by the month's first day.
type Tariff struct {
	Meta
	Name                string    `json:"name" minLength:"1" maxLength:"100"`
	EffectiveFrom       time.Time `json:"effective_from" doc:"the first day this version applies"`
	Currency            string    `json:"currency" required:"false" default:"MYR" maxLength:"3"`
	EnergySenPerKWh     float64   `json:"energy_sen_per_kwh" minimum:"0" doc:"energy charge, sen per kWh"`
	CapacityRMPerKW     float64   `json:"capacity_rm_per_kw" required:"false" minimum:"0" doc:"capacity charge, RM per kW of maximum demand a month"`
	NetworkRMPerKW      float64   `json:"network_rm_per_kw" required:"false" minimum:"0" doc:"network charge, RM per kW of maximum demand a month"`
	RetailRMPerMonth    float64   `json:"retail_rm_per_month" required:"false" minimum:"0" doc:"fixed charge a month"`
	DemandWindowMinutes int       `json:"demand_window_minutes" required:"false" enum:"15,30,60" default:"30" doc:"maximum demand is the highest average over windows of this length"`
	Overhead            string    `json:"overhead" required:"false" enum:"none,pue" default:"none" doc:"pue: the tenant also pays for the facility's overhead on its energy, (PUE − 1) × its kWh at the energy rate"`
	Description         string    `json:"description" required:"false" maxLength:"500"`
	Tags                []string  `json:"tags" required:"false" nullable:"true"`
}

// Contract is what a tenant has contracted at a site: the power it may draw and the tariff it pays.
type Contract struct {
	Meta
	TenantID     int64      `json:"tenant_id"`
	SiteID       int64      `json:"site_id"`
	Tariff       string     `json:"tariff" minLength:"1" maxLength:"100" doc:"the tariff's name; each month takes its version in effect"`
	ContractedKW float64    `json:"contracted_kw" minimum:"0"`
	Start        time.Time  `json:"start"`
	End          *time.Time `json:"end" required:"false" nullable:"true" doc:"exclusive; null: open-ended"`
	Description  string     `json:"description" required:"false" maxLength:"200"`
	Tags         []string   `json:"tags" required:"false" nullable:"true"`
}

// The object types of billing.
const (
	TypeTariff   = "tariff"
	TypeContract = "contract"
	TypeBill     = "bill"
)

// Normalize fills defaults and checks the tariff on its own.
func (t *Tariff) Normalize() error {
	var p Problems
	required(&p, "name", t.Name)
	if t.EffectiveFrom.IsZero() {
		p.Add("effective_from", "is required")
	}
	t.EffectiveFrom = t.EffectiveFrom.UTC()
	if t.Currency == "" {
		t.Currency = "MYR"
	}
	if t.DemandWindowMinutes == 0 {
		t.DemandWindowMinutes = 30
	}
	if w := t.DemandWindowMinutes; w != 15 && w != 30 && w != 60 {
		p.Add("demand_window_minutes", "%d is not one of 15, 30, 60", w)
	}
	if t.Overhead == "" {
		t.Overhead = "none"
	}
	oneOf(&p, "overhead", t.Overhead, "none", "pue")
	for field, v := range map[string]float64{"energy_sen_per_kwh": t.EnergySenPerKWh, "capacity_rm_per_kw": t.CapacityRMPerKW,
		"network_rm_per_kw": t.NetworkRMPerKW, "retail_rm_per_month": t.RetailRMPerMonth} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			p.Add(field, "must be 0 or more, got %v", v)
		}
	}
	tags(&p, t.Tags)
	return p.Err()
}

// Normalize fills defaults and checks the contract on its own.
func (c *Contract) Normalize() error {
	var p Problems
	required(&p, "tariff", c.Tariff)
	if c.Start.IsZero() {
		p.Add("start", "is required")
	}
	c.Start = c.Start.UTC()
	if c.End != nil {
		e := c.End.UTC()
		c.End = &e
		if !e.After(c.Start) {
			p.Add("end", "must be after start")
		}
	}
	if c.ContractedKW < 0 || math.IsNaN(c.ContractedKW) {
		p.Add("contracted_kw", "must be 0 or more, got %v", c.ContractedKW)
	}
	tags(&p, c.Tags)
	return p.Err()
}

// TNBTemplate is the tariff Plenum starts with: TNB's structure from 1 July 2025 (energy,
// capacity, network and retail charges). Only its energy rate is a published figure, the average
// base tariff of 45.40 sen/kWh for Peninsular Malaysia (Energy Commission, RP4, July 2025 to
// 2027); the capacity, network and retail figures depend on the supply's voltage class and are
// left at 0 for the operator to set from TNB's tariff book, or to replace by its own prices.
func TNBTemplate() Tariff {
	return Tariff{Name: "TNB 2025", EffectiveFrom: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), Currency: "MYR",
		EnergySenPerKWh: 45.40, DemandWindowMinutes: 30, Overhead: "none",
		Description: "TNB's structure from 1 July 2025: the average base tariff as the energy rate; set the capacity, network and retail charges of the supply's category from TNB's tariff book"}
}
