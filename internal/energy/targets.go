package energy

import (
	"fmt"
	"math"
)

// Malaysian targets and duties a site's KPIs are held against.
//
// Design targets: MIDA/MITI, "Guideline for Sustainable Development of Data Centre" (December
// 2024). A hyperscale data centre (IT capacity above 21.25 MW) aims at PUE ≤ 1.4; a colocation or
// enterprise one at PUE ≤ 1.6–1.7, of which 1.7 is taken as the limit and 1.6 as the aim; every
// data centre at WUE ≤ 2.2 L/kWh. The guideline's figures are annual, as PUE is (ISO/IEC 30134-2):
// a shorter period is only an indication.
//
// Reporting duty: Energy Efficiency and Conservation Act 2024 (Act 861): a site that uses at least
// 21,600 GJ of energy a year must report its use every year. 1 kWh is 3.6 MJ, so the threshold is
// 6,000,000 kWh.

// SiteClass is a site's category under the MIDA/MITI guideline (not the PUE measurement category).
type SiteClass string

// The guideline's classes.
const (
	Hyperscale SiteClass = "hyperscale"
	Colocation SiteClass = "colocation" // colocation and enterprise
)

// HyperscaleMW is the IT capacity above which a site is hyperscale.
const HyperscaleMW = 21.25

// GuidelineSource is where the design targets come from.
const GuidelineSource = "MIDA/MITI Guideline for Sustainable Development of Data Centre (Dec 2024)"

// ClassOf is the category of a site with the given IT capacity: hyperscale above 21.25 MW.
func ClassOf(itCapacityMW float64) SiteClass {
	if itCapacityMW > HyperscaleMW {
		return Hyperscale
	}
	return Colocation
}

// ParseSiteClass reads "hyperscale" or "colocation" ("enterprise" is a colocation site's target).
func ParseSiteClass(s string) (SiteClass, error) {
	switch s {
	case "hyperscale":
		return Hyperscale, nil
	case "colocation", "enterprise":
		return Colocation, nil
	}
	return "", fmt.Errorf("%q: want hyperscale or colocation", s)
}

// Target is an upper bound on a KPI: Limit must be met, Aim (where set) is what the guideline
// hopes for within its range.
type Target struct {
	KPI    string   `json:"kpi"`
	Unit   string   `json:"unit"`
	Limit  float64  `json:"limit"`
	Aim    *float64 `json:"aim"`
	Source string   `json:"source"`
}

// Targets are the guideline's design targets for a site category.
func Targets(c SiteClass) []Target {
	pue := Target{KPI: "PUE", Limit: 1.7, Aim: ptr(1.6), Source: GuidelineSource + ": colocation/enterprise PUE 1.6–1.7"}
	if c == Hyperscale {
		pue = Target{KPI: "PUE", Limit: 1.4, Source: GuidelineSource + ": hyperscale (> 21.25 MW IT) PUE 1.4"}
	}
	return []Target{pue, {KPI: "WUE", Unit: "L/kWh", Limit: 2.2, Source: GuidelineSource + ": WUE 2.2 L/kWh"}}
}

// TargetCheck is one KPI against its target. Met and AimMet are nil when the KPI was not
// measured: a missing figure is never a pass.
type TargetCheck struct {
	KPI    string   `json:"kpi"`
	Unit   string   `json:"unit"`
	Value  *float64 `json:"value"`
	Target float64  `json:"target" doc:"the limit: the KPI must be at most this"`
	Aim    *float64 `json:"aim" doc:"the stricter figure the guideline hopes for, where it gives a range"`
	Met    *bool    `json:"met" doc:"null when the KPI was not measured"`
	AimMet *bool    `json:"aim_met" doc:"null without an aim or a measured KPI"`
	Note   string   `json:"note"`
	Source string   `json:"source"`
}

// Checks holds a report's KPIs against the targets of its site's category.
func Checks(c SiteClass, r *KPIReport) []TargetCheck {
	var out []TargetCheck
	for _, t := range Targets(c) {
		ck := TargetCheck{KPI: t.KPI, Unit: t.Unit, Target: t.Limit, Aim: t.Aim, Source: t.Source}
		switch t.KPI {
		case "PUE":
			ck.Value = r.PUE
		case "WUE":
			ck.Value = r.WUE
		}
		if ck.Value == nil {
			ck.Note = "not measured"
			switch t.KPI {
			case "PUE":
				ck.Note += ": no IT energy in the period"
			case "WUE":
				ck.Note += ": no water meter, or no IT energy, in the period"
			}
			out = append(out, ck)
			continue
		}
		ck.Met = ptrBool(atMost(*ck.Value, t.Limit))
		if t.Aim != nil {
			ck.AimMet = ptrBool(atMost(*ck.Value, *t.Aim))
		}
		switch {
		case !*ck.Met:
			ck.Note = fmt.Sprintf("above the target of %g", t.Limit)
		case ck.AimMet != nil && !*ck.AimMet:
			ck.Note = fmt.Sprintf("meets the limit of %g but not the aim of %g", t.Limit, *t.Aim)
		default:
			ck.Note = "meets the target"
		}
		if t.KPI == "PUE" && r.EDCBasis == "sum-of-loads" {
			ck.Note += "; E_DC is the sum of the loads without losses, so PUE is understated"
		}
		if r.To.Sub(r.From).Hours() < 365*24 {
			ck.Note += "; the target is annual and this period is shorter than a year"
		}
		out = append(out, ck)
	}
	return out
}

// atMost compares with a margin of rounding error, so that a ratio that is the target exactly
// (1.4 from 1,400,000/1,000,000) is not refused for its last binary digit.
func atMost(v, limit float64) bool { return v <= limit+1e-9*math.Max(1, math.Abs(limit)) }

func ptrBool(b bool) *bool { return &b }

// The reporting threshold of the Energy Efficiency and Conservation Act 2024.
const (
	ThresholdGJ  = 21600
	ThresholdKWh = 6_000_000 // 21,600 GJ at 3.6 MJ/kWh
	ActSource    = "Energy Efficiency and Conservation Act 2024 (Act 861): sites using at least 21,600 GJ a year report annually"
)

// GJ is kWh in gigajoules (1 kWh = 3.6 MJ), computed so that whole kWh give exact results.
func GJ(kWh float64) float64 { return kWh * 36 / 10000 }

// Duty is whether a year's energy use reaches the Act's reporting threshold.
type Duty struct {
	EDCkWh      float64 `json:"e_dc_kwh"`
	GJ          float64 `json:"gj"`
	ThresholdGJ float64 `json:"threshold_gj"`
	Required    bool    `json:"required" doc:"E_DC over the year is at least the threshold: the site must report annually"`
	Source      string  `json:"source"`
}

// ReportingDuty says whether a year's E_DC (kWh) reaches 21,600 GJ.
func ReportingDuty(edcKWh float64) Duty {
	return Duty{EDCkWh: edcKWh, GJ: GJ(edcKWh), ThresholdGJ: ThresholdGJ, Required: edcKWh >= ThresholdKWh, Source: ActSource}
}
