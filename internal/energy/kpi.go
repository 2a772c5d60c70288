package energy

// Totals are a period's energy and water, the inputs of the ISO/IEC 30134 KPIs. Every figure must
// cover the same period (the reported PUE is the rolling 12 months).
type Totals struct {
	EDC, EIT   float64 // kWh over the period: total facility energy, IT energy
	EReuse     float64 // kWh reused outside the data center
	ERenewable float64 // kWh renewable: on-site generation and certificates owned and retired
	WaterL     float64 // site water, litres
	GridKWh    float64 // the part of EDC drawn from the grid
	CEF        float64 // grid emission factor, kgCO2e/kWh
	OtherCO2Kg float64 // emissions of energy not from the grid (e.g. diesel generators), if known
}

// KPIs are the ratios of ISO/IEC 30134 and The Green Grid, nil where undefined.
type KPIs struct {
	PUE  *float64 // EDC/EIT (30134-2)
	DCiE *float64 // 1/PUE, as a fraction
	ERF  *float64 // EReuse/EDC (30134-6)
	ERE  *float64 // (EDC−EReuse)/EIT = (1−ERF)·PUE
	REF  *float64 // ERenewable/EDC, at most 1 (30134-3)
	WUE  *float64 // WaterL/EIT, L/kWh (30134-9)
	CUE  *float64 // (GridKWh·CEF + OtherCO2Kg)/EIT, kgCO2e/kWh (30134-8); CEF·PUE when all energy is from the grid
}

// Compute gives the KPIs of t. A ratio is nil when its denominator is not positive; PUE, DCiE and
// ERE also when EDC is not (a facility cannot use less than its IT). Zero numerators give zero, not
// nil: Totals cannot tell water not metered from none used, so callers leave out what they lack.
func Compute(t Totals) KPIs {
	var k KPIs
	if t.EIT > 0 {
		if t.EDC > 0 {
			k.PUE = ptr(t.EDC / t.EIT)
			k.DCiE = ptr(t.EIT / t.EDC)
			k.ERE = ptr((t.EDC - t.EReuse) / t.EIT)
		}
		k.WUE = ptr(t.WaterL / t.EIT)
		k.CUE = ptr((t.GridKWh*t.CEF + t.OtherCO2Kg) / t.EIT)
	}
	if t.EDC > 0 {
		k.ERF = ptr(t.EReuse / t.EDC)
		k.REF = ptr(min(t.ERenewable/t.EDC, 1))
	}
	return k
}

func ptr(v float64) *float64 { return &v }
