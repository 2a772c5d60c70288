package energy

import (
	"math"
	"testing"
)

func TestCompute(t *testing.T) {
	none := math.NaN() // marks a KPI that must be nil
	tests := []struct {
		name                               string
		in                                 Totals
		pue, dcie, erf, ere, ref, wue, cue float64
	}{
		{
			// The published example: 950,000 / 620,000 = 1.5323 (PUE 1.53); DCiE 620/950 = 0.65263.
			// All from the grid at 0.758 kgCO2e/kWh: CUE = 950,000 × 0.758 / 620,000 = 720,100 /
			// 620,000 = 1.16145 = 0.758 × 1.53226. Water 1,364,000 L / 620,000 = 2.2 L/kWh.
			name: "PUE 1.53",
			in:   Totals{EDC: 950_000, EIT: 620_000, GridKWh: 950_000, CEF: 0.758, WaterL: 1_364_000},
			pue:  1.532258064516129, dcie: 0.6526315789473684, erf: 0, ere: 1.532258064516129, ref: 0,
			wue: 2.2, cue: 1.1614516129032258,
		},
		{
			// Reuse: ERE = (1,250,000 − 210,000) / 820,000 = 1,040,000 / 820,000 = 1.2683;
			// ERF = 210 / 1,250 = 0.168; PUE = 1,250 / 820 = 1.52439, and (1 − 0.168) × 1.52439 =
			// 0.832 × 1.52439 = 1.2683 = ERE. REF = 250,000 / 1,250,000 = 0.2.
			name: "ERE 1.27",
			in:   Totals{EDC: 1_250_000, EIT: 820_000, EReuse: 210_000, ERenewable: 250_000},
			pue:  1.524390243902439, dcie: 0.656, erf: 0.168, ere: 1.2682926829268293, ref: 0.2, wue: 0, cue: 0,
		},
		{
			// Certificates beyond the facility's use: 1,300,000 / 1,250,000 = 1.04, capped at 1.
			// 900,000 kWh from the grid × 0.758 = 682,200 kg, plus 13,350 kg from generators:
			// 695,550 / 620,000 = 1.121855.
			name: "REF capped, generator CO2",
			in: Totals{EDC: 1_250_000, EIT: 620_000, ERenewable: 1_300_000, GridKWh: 900_000, CEF: 0.758,
				OtherCO2Kg: 13_350},
			pue: 2.0161290322580645, dcie: 0.496, erf: 0, ere: 2.0161290322580645, ref: 1, wue: 0,
			cue: 1.1218548387096774,
		},
		{
			// No IT energy: every ratio over EIT is undefined; ERF and REF still are not.
			// ERF 100 / 1,000 = 0.1; REF 500 / 1,000 = 0.5.
			name: "no IT energy",
			in:   Totals{EDC: 1000, EReuse: 100, ERenewable: 500, WaterL: 50},
			pue:  none, dcie: none, erf: 0.1, ere: none, ref: 0.5, wue: none, cue: none,
		},
		{
			// No facility energy: PUE, DCiE, ERE, ERF, REF undefined; WUE 300 / 100 = 3 and
			// CUE 0 / 100 = 0 still are.
			name: "no facility energy",
			in:   Totals{EIT: 100, WaterL: 300},
			pue:  none, dcie: none, erf: none, ere: none, ref: none, wue: 3, cue: 0,
		},
		{
			name: "nothing",
			pue:  none, dcie: none, erf: none, ere: none, ref: none, wue: none, cue: none,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := Compute(tt.in)
			for _, c := range []struct {
				name string
				got  *float64
				want float64
			}{
				{"PUE", k.PUE, tt.pue}, {"DCiE", k.DCiE, tt.dcie}, {"ERF", k.ERF, tt.erf}, {"ERE", k.ERE, tt.ere},
				{"REF", k.REF, tt.ref}, {"WUE", k.WUE, tt.wue}, {"CUE", k.CUE, tt.cue},
			} {
				switch {
				case math.IsNaN(c.want) && c.got != nil:
					t.Errorf("%s = %g, want nil", c.name, *c.got)
				case !math.IsNaN(c.want) && c.got == nil:
					t.Errorf("%s = nil, want %g", c.name, c.want)
				case c.got != nil && math.Abs(*c.got-c.want) > 1e-9:
					t.Errorf("%s = %.12g, want %.12g", c.name, *c.got, c.want)
				}
			}
		})
	}
}

// The figures as published, rounded as published.
func TestComputePublishedRounding(t *testing.T) {
	round := func(v float64, places int) float64 { p := math.Pow(10, float64(places)); return math.Round(v*p) / p }
	k := Compute(Totals{EDC: 950_000, EIT: 620_000, GridKWh: 950_000, CEF: 0.758})
	if got := round(*k.PUE, 2); got != 1.53 {
		t.Errorf("PUE rounds to %g, want 1.53", got)
	}
	if got := round(*k.PUE, 4); got != 1.5323 {
		t.Errorf("PUE rounds to %g, want 1.5323", got)
	}
	// CUE = CEF · PUE when all energy is from the grid.
	if math.Abs(*k.CUE-0.758**k.PUE) > 1e-12 {
		t.Errorf("CUE %g ≠ 0.758 × PUE %g", *k.CUE, 0.758**k.PUE)
	}
	k = Compute(Totals{EDC: 1_250_000, EIT: 820_000, EReuse: 210_000})
	if got := round(*k.ERE, 2); got != 1.27 {
		t.Errorf("ERE rounds to %g, want 1.27", got)
	}
	if got := round(*k.ERE, 4); got != 1.2683 {
		t.Errorf("ERE rounds to %g, want 1.2683", got)
	}
	if got := round(*k.ERF, 3); got != 0.168 {
		t.Errorf("ERF rounds to %g, want 0.168", got)
	}
	// ERE = (1 − ERF) · PUE.
	if math.Abs(*k.ERE-(1-*k.ERF)**k.PUE) > 1e-12 {
		t.Errorf("ERE %g ≠ (1 − ERF) × PUE %g", *k.ERE, (1-*k.ERF)**k.PUE)
	}
}
