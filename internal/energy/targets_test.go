package energy

import (
	"strings"
	"testing"
	"time"
)

// A year's report with the given KPIs, for the checks.
func yearReport(pue, wue *float64) *KPIReport {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &KPIReport{From: from, To: from.AddDate(1, 0, 0), PUE: pue, WUE: wue, EDCBasis: "metered"}
}

func checkOf(t *testing.T, cs []TargetCheck, kpi string) TargetCheck {
	t.Helper()
	for _, c := range cs {
		if c.KPI == kpi {
			return c
		}
	}
	t.Fatalf("no %s check in %+v", kpi, cs)
	return TargetCheck{}
}

// The MIDA/MITI guideline: 1.53 (the worked example, 950,000/620,000) meets colocation's 1.7 and
// its 1.6 aim too, and misses hyperscale's 1.4; 1.65 meets 1.7 but not the aim; WUE 2.5 misses
// 2.2; a KPI not measured is never a pass.
func TestChecks(t *testing.T) {
	pue := 950000.0 / 620000
	tests := []struct {
		name          string
		class         SiteClass
		pue, wue      *float64
		kpi           string
		target        float64
		met, aimMet   *bool
		aim           *float64
		noteHasPrefix string
	}{
		{"colocation PUE 1.53", Colocation, &pue, nil, "PUE", 1.7, ptrBool(true), ptrBool(true), ptr(1.6), "meets the target"},
		{"colocation PUE 1.65", Colocation, ptr(1.65), nil, "PUE", 1.7, ptrBool(true), ptrBool(false), ptr(1.6), "meets the limit of 1.7 but not the aim of 1.6"},
		{"colocation PUE 1.6 exactly", Colocation, ptr(1600000.0 / 1000000), nil, "PUE", 1.7, ptrBool(true), ptrBool(true), ptr(1.6), "meets the target"},
		{"hyperscale PUE 1.53", Hyperscale, &pue, nil, "PUE", 1.4, ptrBool(false), nil, nil, "above the target of 1.4"},
		{"hyperscale PUE 1.4 exactly", Hyperscale, ptr(1400000.0 / 1000000), nil, "PUE", 1.4, ptrBool(true), nil, nil, "meets the target"},
		{"colocation PUE 1.71", Colocation, ptr(1.71), nil, "PUE", 1.7, ptrBool(false), ptrBool(false), ptr(1.6), "above the target of 1.7"},
		{"WUE 2.5", Colocation, &pue, ptr(2.5), "WUE", 2.2, ptrBool(false), nil, nil, "above the target of 2.2"},
		{"WUE 1.8", Hyperscale, &pue, ptr(1.8), "WUE", 2.2, ptrBool(true), nil, nil, "meets the target"},
		{"WUE not measured", Colocation, &pue, nil, "WUE", 2.2, nil, nil, nil, "not measured"},
		{"PUE not measured", Hyperscale, nil, ptr(1.0), "PUE", 1.4, nil, nil, nil, "not measured"},
	}
	same := func(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := checkOf(t, Checks(tc.class, yearReport(tc.pue, tc.wue)), tc.kpi)
			if c.Target != tc.target || !same(c.Met, tc.met) || !same(c.AimMet, tc.aimMet) || !strings.HasPrefix(c.Note, tc.noteHasPrefix) ||
				(c.Aim == nil) != (tc.aim == nil) || (c.Aim != nil && *c.Aim != *tc.aim) || c.Source == "" {
				t.Errorf("got %+v (met %v, aim met %v), want target %v met %v aim met %v note %q", c, fmtBool(c.Met), fmtBool(c.AimMet),
					tc.target, fmtBool(tc.met), fmtBool(tc.aimMet), tc.noteHasPrefix)
			}
			if tc.met == nil && c.Value != nil {
				t.Errorf("a KPI not measured has value %v", *c.Value)
			}
		})
	}
	// A month is only an indication of an annual target; a sum of loads understates PUE.
	r := yearReport(&pue, nil)
	r.To, r.EDCBasis = r.From.AddDate(0, 1, 0), "sum-of-loads"
	c := checkOf(t, Checks(Colocation, r), "PUE")
	if !strings.Contains(c.Note, "shorter than a year") || !strings.Contains(c.Note, "understated") || c.Met == nil || !*c.Met {
		t.Errorf("a month on the sum of loads: %+v", c)
	}
}

func fmtBool(b *bool) string {
	if b == nil {
		return "null"
	}
	if *b {
		return "true"
	}
	return "false"
}

func TestSiteClass(t *testing.T) {
	for _, tc := range []struct {
		mw   float64
		want SiteClass
	}{{0, Colocation}, {10, Colocation}, {21.25, Colocation}, {21.26, Hyperscale}, {100, Hyperscale}} {
		if got := ClassOf(tc.mw); got != tc.want {
			t.Errorf("ClassOf(%v) = %s, want %s", tc.mw, got, tc.want)
		}
	}
	for in, want := range map[string]SiteClass{"hyperscale": Hyperscale, "colocation": Colocation, "enterprise": Colocation} {
		if got, err := ParseSiteClass(in); err != nil || got != want {
			t.Errorf("ParseSiteClass(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "Hyperscale", "edge"} {
		if _, err := ParseSiteClass(in); err == nil {
			t.Errorf("ParseSiteClass(%q): no error", in)
		}
	}
}

// 1 kWh is 3.6 MJ: 6,000,000 kWh is 21,600 GJ, which reaches the Act's threshold exactly.
func TestReportingDuty(t *testing.T) {
	for _, tc := range []struct {
		kwh      float64
		gj       float64
		required bool
	}{
		{6_000_000, 21600, true},
		{5_999_999, 21599.9964, false},
		{6_000_001, 21600.0036, true},
		{950_000, 3420, false},
		{0, 0, false},
	} {
		d := ReportingDuty(tc.kwh)
		if d.GJ != tc.gj || d.Required != tc.required || d.ThresholdGJ != 21600 || d.EDCkWh != tc.kwh || d.Source == "" {
			t.Errorf("ReportingDuty(%v) = %+v, want %v GJ, required %v", tc.kwh, d, tc.gj, tc.required)
		}
	}
}
