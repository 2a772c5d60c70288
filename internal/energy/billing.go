package energy

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Tenant bills. A tenant's month is what its meters (those with its tenant_id, on its racks' PDU
// inlets or circuits) read, priced by the version of its contract's tariff in effect on the
// month's first day:
//   - energy: the month's kWh at the energy rate (sen/kWh);
//   - overhead, where the tariff says so: (PUE − 1) × those kWh at the energy rate, with the
//     site's PUE of the month;
//   - capacity and network: RM per kW of maximum demand, the highest average power of the
//     tenant's meters together over the tariff's demand window (30 minutes by default), windows
//     aligned from the month's start;
//   - retail: a fixed charge.
//
// Each line is rounded to the sen, and the total is their sum. The bill lists its inputs (the
// tariff version, each meter's kWh, the demand window) so that it can be reproduced from the
// readings. Windows where a meter's readings leave a gap are skipped and counted: a skipped
// window could hide the true maximum.

// BillSource is what a bill reads.
type BillSource interface {
	Source
	ContractAt(ctx context.Context, tenantID, siteID int64, at time.Time) (dcim.Contract, error)
	TariffAt(ctx context.Context, name string, at time.Time) (dcim.Tariff, error)
	MeterEvents(ctx context.Context, id int64, from, to time.Time) ([]dcim.MeterReading, error)
}

// Bill is a tenant's bill for a month at a site.
type Bill struct {
	ID           int64      `json:"id,omitempty" doc:"an issued bill's id (GET /api/v1/bills/{id}); none on a draft"`
	TenantID     int64      `json:"tenant_id"`
	SiteID       int64      `json:"site_id"`
	Month        string     `json:"month"`
	From         time.Time  `json:"from"`
	To           time.Time  `json:"to"`
	Draft        bool       `json:"draft" doc:"computed now from the readings, not issued"`
	Version      int        `json:"version" doc:"issued bills: 1, then one more for each re-issue"`
	Issued       *time.Time `json:"issued"`
	Reason       string     `json:"reason" doc:"why a re-issue was made"`
	Currency     string     `json:"currency"`
	Tariff       TariffRef  `json:"tariff"`
	ContractedKW float64    `json:"contracted_kw"`
	KWh          float64    `json:"kwh" doc:"the tenant's metered energy"`
	MaxDemandKW  *float64   `json:"max_demand_kw" doc:"null when no meter of the tenant has readings fine enough"`
	MaxDemandAt  *time.Time `json:"max_demand_at" doc:"the start of the window"`
	// SkippedWindows are demand windows not covered by readings; OverContractKW is the maximum
	// demand beyond the contracted kW (shown, not charged).
	SkippedWindows int         `json:"skipped_windows"`
	OverContractKW float64     `json:"over_contract_kw"`
	PUE            *float64    `json:"pue" doc:"the site's PUE of the month, where the tariff charges the overhead"`
	Meters         []BillMeter `json:"meters"`
	Lines          []BillLine  `json:"lines"`
	Total          float64     `json:"total"`
	Notes          []string    `json:"notes"`
}

// TariffRef names the tariff version a bill used.
type TariffRef struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	EffectiveFrom time.Time `json:"effective_from"`
}

// BillMeter is one of the tenant's meters on a bill.
type BillMeter struct {
	Meter        dcim.ObjectRef `json:"meter"`
	KWh          float64        `json:"kwh"`
	MissingHours int            `json:"missing_hours"`
	GapHours     float64        `json:"gap_hours"`
}

// BillLine is one charge.
type BillLine struct {
	Item     string  `json:"item" enum:"energy,overhead,capacity,network,retail"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	Rate     float64 `json:"rate"`
	RateUnit string  `json:"rate_unit"`
	Amount   float64 `json:"amount"`
}

// sen rounds an amount to the sen (half away from zero).
func sen(v float64) float64 { return math.Round(v*100) / 100 }

// milli rounds a quantity to its thousandth (a watt-hour, a watt): a bill shows its quantities so,
// and its amounts are those quantities times the rates.
func milli(v float64) float64 { return math.Round(v*1000) / 1000 }

// TenantBill computes the bill of tenant at site for month (YYYY-MM in the site's time zone) from
// the readings now: a draft. samples may be nil (no time series): the bill then has no maximum
// demand, and says so.
func TenantBill(ctx context.Context, src BillSource, samples SampleSource, site *dcim.Site, tenantID int64, month string, now time.Time) (*Bill, error) {
	if len(month) != 7 {
		return nil, dcim.Invalid("month", "%q: want YYYY-MM", month)
	}
	from, to, err := ReportPeriod(site, month, "", "", now)
	if err != nil {
		return nil, dcim.Invalid("month", "%q: want YYYY-MM", month)
	}
	contract, err := src.ContractAt(ctx, tenantID, site.ID, from)
	if err != nil {
		return nil, err
	}
	tariff, err := src.TariffAt(ctx, contract.Tariff, from)
	if err != nil {
		return nil, err
	}
	b := &Bill{TenantID: tenantID, SiteID: site.ID, Month: month, From: from, To: to, Draft: true, Currency: tariff.Currency,
		Tariff:       TariffRef{ID: tariff.ID, Name: tariff.Name, EffectiveFrom: tariff.EffectiveFrom},
		ContractedKW: contract.ContractedKW, Meters: []BillMeter{}, Lines: []BillLine{}, Notes: []string{}}
	meters, err := src.SiteMeters(ctx, site.ID)
	if err != nil {
		return nil, err
	}
	totals, err := src.MeterTotals(ctx, site.ID, from, to)
	if err != nil {
		return nil, err
	}
	hours := int(to.Sub(from) / time.Hour)
	window := time.Duration(tariff.DemandWindowMinutes) * time.Minute
	var windows [][]Hour
	manual := 0
	for _, m := range meters {
		if m.TenantID == nil || *m.TenantID != tenantID || m.Role == "water" {
			continue
		}
		t := totals[m.ID]
		b.KWh += t.Value
		b.Meters = append(b.Meters, BillMeter{Meter: dcim.ObjectRef{Type: dcim.TypeMeter, ID: m.ID, Name: m.Name}, KWh: milli(t.Value),
			MissingHours: max(0, hours-t.Hours), GapHours: float64(t.GapMS) / float64(time.Hour/time.Millisecond)})
		if t.Hours < hours {
			b.Notes = append(b.Notes, fmt.Sprintf("meter %q: %d hours of the month not rolled up yet", m.Name, hours-t.Hours))
		}
		switch {
		case m.Source == "manual" || m.Quantity == "power":
			manual++
		case samples != nil:
			evs, err := src.MeterEvents(ctx, m.ID, from, to)
			if err != nil {
				return nil, err
			}
			w, err := meterWindows(ctx, samples, &m, evs, from, to, window)
			if err != nil {
				return nil, fmt.Errorf("meter %q: %w", m.Name, err)
			}
			windows = append(windows, w...)
		}
	}
	if len(b.Meters) == 0 {
		return nil, dcim.Invalid("tenant", "the tenant has no meter at the site (meters with its tenant_id)")
	}
	b.KWh = milli(b.KWh)
	switch {
	case manual > 0:
		b.Notes = append(b.Notes, fmt.Sprintf("%d of the tenant's meters are read by hand or measure power: no maximum demand from them", manual))
	case samples == nil:
		b.Notes = append(b.Notes, "no time series here: maximum demand needs the meters' readings (bill from the server)")
	case len(windows) > 0:
		kw, at, skipped := PeakWindow(windows, window)
		b.SkippedWindows = skipped
		if skipped < len(windows[0]) {
			kw = milli(kw)
			t := time.UnixMilli(at).In(from.Location())
			b.MaxDemandKW, b.MaxDemandAt = &kw, &t
			b.OverContractKW = math.Max(0, kw-contract.ContractedKW)
		}
		if skipped > 0 {
			b.Notes = append(b.Notes, fmt.Sprintf("%d demand windows of %d skipped: readings missing or too far apart", skipped, len(windows[0])))
		}
	}
	rm := tariff.EnergySenPerKWh / 100
	b.Lines = append(b.Lines, BillLine{Item: "energy", Quantity: b.KWh, Unit: "kWh", Rate: tariff.EnergySenPerKWh, RateUnit: "sen/kWh", Amount: sen(b.KWh * rm)})
	if tariff.Overhead == "pue" {
		rep, err := SiteReport(ctx, src, site, nil, from, to)
		if err != nil {
			return nil, err
		}
		if rep.PUE == nil {
			b.Notes = append(b.Notes, "the tariff charges the overhead by PUE, but the site's PUE of the month is not known: no overhead line")
		} else {
			b.PUE = rep.PUE
			q := milli(b.KWh * (*rep.PUE - 1))
			b.Lines = append(b.Lines, BillLine{Item: "overhead", Quantity: q, Unit: "kWh", Rate: tariff.EnergySenPerKWh, RateUnit: "sen/kWh", Amount: sen(q * rm)})
		}
	}
	if b.MaxDemandKW != nil {
		md := *b.MaxDemandKW
		b.Lines = append(b.Lines,
			BillLine{Item: "capacity", Quantity: md, Unit: "kW", Rate: tariff.CapacityRMPerKW, RateUnit: "RM/kW", Amount: sen(md * tariff.CapacityRMPerKW)},
			BillLine{Item: "network", Quantity: md, Unit: "kW", Rate: tariff.NetworkRMPerKW, RateUnit: "RM/kW", Amount: sen(md * tariff.NetworkRMPerKW)})
	}
	b.Lines = append(b.Lines, BillLine{Item: "retail", Quantity: 1, Unit: "month", Rate: tariff.RetailRMPerMonth, RateUnit: "RM/month", Amount: sen(tariff.RetailRMPerMonth)})
	for _, l := range b.Lines {
		b.Total += l.Amount
	}
	b.Total = sen(b.Total)
	return b, nil
}

// meterWindows is a series meter's demand windows over [from, to): one list per series it sums
// (its phases), each window's energy in kWh after the meter's multiplier.
func meterWindows(ctx context.Context, samples SampleSource, m *dcim.Meter, events []dcim.MeterReading, from, to time.Time, window time.Duration) ([][]Hour, error) {
	series, err := seriesOf(ctx, samples, m.Series, from.Add(-24*time.Hour), to)
	if err != nil {
		return nil, err
	}
	opts := meterOptions(m, events)
	out := make([][]Hour, 0, len(series))
	for _, ss := range series {
		w := CounterWindows(ss, from.UnixMilli(), to.UnixMilli(), window, opts)
		for i := range w {
			w[i].Value *= m.Multiplier
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		// No readings at all: every window is a gap.
		out = append(out, CounterWindows(nil, from.UnixMilli(), to.UnixMilli(), window, opts))
	}
	return out, nil
}

// WriteBillCSV writes a bill's lines as CSV: a header, one row per line, and the total.
func WriteBillCSV(w io.Writer, b *Bill) error {
	c := csv.NewWriter(w)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	rows := [][]string{{"tenant_id", "site_id", "month", "version", "item", "quantity", "unit", "rate", "rate_unit", "amount", "currency"}}
	for _, l := range b.Lines {
		rows = append(rows, []string{strconv.FormatInt(b.TenantID, 10), strconv.FormatInt(b.SiteID, 10), b.Month, strconv.Itoa(b.Version),
			l.Item, f(l.Quantity), l.Unit, f(l.Rate), l.RateUnit, strconv.FormatFloat(l.Amount, 'f', 2, 64), b.Currency})
	}
	rows = append(rows, []string{strconv.FormatInt(b.TenantID, 10), strconv.FormatInt(b.SiteID, 10), b.Month, strconv.Itoa(b.Version),
		"total", "", "", "", "", strconv.FormatFloat(b.Total, 'f', 2, 64), b.Currency})
	return c.WriteAll(rows)
}
