package energy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// The KPI report of a site, or of a room where its boundary is metered (pPUE), for a period, from
// the meters' hourly roll-ups.
//
// IT energy is taken at the deepest level whose meters cover it: the IT equipment input (PUE
// category 3, meters on every active rack PDU), else the PDU outputs (category 2, every PDU),
// else the UPS outputs (category 1, every UPS). Where no level is complete, the deepest metered
// level is used and the report says so. E_DC is what the utility, generator and on-site renewable
// meters read; without them it is the sum of the IT, mechanical and other loads, which leaves out
// the losses, and the report says that too. Coverage is the share of E_DC and E_IT that was
// metered rather than integrated from power.

// Source is what the report reads.
type Source interface {
	SiteMeters(ctx context.Context, siteID int64) ([]dcim.Meter, error)
	MeterTotals(ctx context.Context, siteID int64, from, to time.Time) (map[int64]dcim.MeterTotal, error)
	ActiveNodes(ctx context.Context, siteID int64, room *int64, kinds ...string) (map[string][]int64, error)
	Certificates(ctx context.Context, siteID int64, from, to time.Time) ([]dcim.EnergyCertificate, error)
}

// Factor is a grid emission factor with where it comes from.
type Factor struct {
	KgPerKWh float64 `json:"kg_per_kwh"`
	Source   string  `json:"source"`
	Year     *int    `json:"year"`
}

// SiteFactor is the site's own emission factor, or the default (Peninsular Malaysia).
func SiteFactor(s *dcim.Site) Factor {
	if s.EmissionFactor != nil {
		return Factor{KgPerKWh: *s.EmissionFactor, Source: s.EmissionFactorSource, Year: s.EmissionFactorYear}
	}
	y := dcim.DefaultEmissionFactorYear
	return Factor{KgPerKWh: dcim.DefaultEmissionFactor, Source: dcim.DefaultEmissionFactorSource, Year: &y}
}

// KPIReport is the KPIs of a site or room over a period, with what they rest on.
type KPIReport struct {
	SiteID      int64     `json:"site_id"`
	RoomID      *int64    `json:"room_id" doc:"set for a room's pPUE"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	PUE         *float64  `json:"pue" doc:"E_DC / E_IT (pPUE for a room); null without IT energy"`
	PUECategory *int      `json:"pue_category" doc:"1: IT energy at the UPS outputs, 2: PDU outputs, 3: IT equipment input"`
	DCiE        *float64  `json:"dcie"`
	ERF         *float64  `json:"erf"`
	ERE         *float64  `json:"ere"`
	REF         *float64  `json:"ref"`
	WUE         *float64  `json:"wue" doc:"L/kWh; null without a water meter"`
	CUE         *float64  `json:"cue" doc:"kgCO2e/kWh"`
	EDCkWh      float64   `json:"e_dc_kwh"`
	EITkWh      float64   `json:"e_it_kwh"`
	EReuseKWh   float64   `json:"e_reuse_kwh"`
	ERenKWh     float64   `json:"e_renewable_kwh" doc:"on-site renewable generation and certificates, prorated to the period"`
	WaterL      float64   `json:"water_l"`
	CO2eKg      float64   `json:"co2e_kg"`
	Coverage    *float64  `json:"coverage" doc:"share of E_DC and E_IT metered rather than integrated from power"`
	EDCBasis    string    `json:"e_dc_basis" enum:"metered,sum-of-loads"`
	Factor      Factor    `json:"emission_factor"`
	ITLevels    []ITLevel `json:"it_levels" doc:"each metered level of IT energy, and whether its meters cover it"`
	Meters      []Metered `json:"meters" doc:"every meter in scope with its energy and its gaps"`
	Notes       []string  `json:"notes"`
}

// ITLevel is one depth at which IT energy is metered.
type ITLevel struct {
	Category     int     `json:"category"`
	Role         string  `json:"role"`
	Meters       int     `json:"meters"`
	Nodes        int     `json:"nodes" doc:"active nodes of the level's kind in scope (UPSes, PDUs, rack PDUs)"`
	MeteredNodes int     `json:"metered_nodes"`
	Complete     bool    `json:"complete"`
	KWh          float64 `json:"kwh"`
	Used         bool    `json:"used"`
}

// Metered is one meter's part in a report.
type Metered struct {
	Meter        dcim.ObjectRef `json:"meter"`
	Role         string         `json:"role"`
	Value        float64        `json:"value" doc:"kWh, or litres for water"`
	Estimated    float64        `json:"estimated" doc:"the part integrated from power"`
	MissingHours int            `json:"missing_hours" doc:"hours of the period not rolled up (no readings yet)"`
	GapHours     float64        `json:"gap_hours" doc:"time no reading covered, hours"`
	Resets       int            `json:"resets"`
}

// itLevel is a depth of IT metering: the meters' role, the kind of node they sit on, and the
// PUE category.
type itLevel struct {
	role, kind string
	category   int
}

// levels are the IT levels, deepest first.
var levels = []itLevel{{"it-input", "rack-pdu", 3}, {"pdu-output", "pdu", 2}, {"ups-output", "ups", 1}}

// SiteReport reports the KPIs of site (room, when not nil) over [from, to).
func SiteReport(ctx context.Context, src Source, site *dcim.Site, room *int64, from, to time.Time) (*KPIReport, error) {
	meters, err := src.SiteMeters(ctx, site.ID)
	if err != nil {
		return nil, err
	}
	totals, err := src.MeterTotals(ctx, site.ID, from, to)
	if err != nil {
		return nil, err
	}
	nodes, err := src.ActiveNodes(ctx, site.ID, room, "ups", "pdu", "rack-pdu")
	if err != nil {
		return nil, err
	}
	certs, err := src.Certificates(ctx, site.ID, from, to)
	if err != nil {
		return nil, err
	}
	r := &KPIReport{SiteID: site.ID, RoomID: room, From: from, To: to, Factor: SiteFactor(site), ITLevels: []ITLevel{}, Meters: []Metered{}, Notes: []string{}}
	hours := int(to.Sub(from) / time.Hour)
	byRole := map[string][]dcim.Meter{}
	for _, m := range meters {
		if room != nil && (m.RoomID == nil || *m.RoomID != *room) {
			continue
		}
		byRole[m.Role] = append(byRole[m.Role], m)
		t := totals[m.ID]
		r.Meters = append(r.Meters, Metered{Meter: dcim.ObjectRef{Type: dcim.TypeMeter, ID: m.ID, Name: m.Name}, Role: m.Role,
			Value: t.Value, Estimated: t.Estimated, MissingHours: max(0, hours-t.Hours), GapHours: float64(t.GapMS) / float64(time.Hour/time.Millisecond),
			Resets: t.Resets})
	}
	sum := func(roles ...string) (v, est float64) {
		for _, role := range roles {
			for _, m := range byRole[role] {
				v += totals[m.ID].Value
				est += totals[m.ID].Estimated
			}
		}
		return v, est
	}

	// IT energy: the deepest complete level, else the deepest metered one.
	used := -1
	for _, l := range levels {
		ms := byRole[l.role]
		if len(ms) == 0 {
			continue
		}
		on := map[int64]bool{}
		for _, m := range ms {
			if m.PowerNodeID != nil {
				on[*m.PowerNodeID] = true
			}
		}
		lv := ITLevel{Category: l.category, Role: l.role, Meters: len(ms), Nodes: len(nodes[l.kind])}
		for _, id := range nodes[l.kind] {
			if on[id] {
				lv.MeteredNodes++
			}
		}
		lv.Complete = lv.Nodes == 0 || lv.MeteredNodes == lv.Nodes
		lv.KWh, _ = sum(l.role)
		r.ITLevels = append(r.ITLevels, lv)
	}
	for i, lv := range r.ITLevels {
		if lv.Complete {
			used = i
			break
		}
	}
	if used < 0 && len(r.ITLevels) > 0 {
		used = 0
		lv := r.ITLevels[0]
		r.Notes = append(r.Notes, fmt.Sprintf("no level of IT metering is complete: IT energy is from the %s meters, on %d of %d %s nodes",
			lv.Role, lv.MeteredNodes, lv.Nodes, levels[slices.IndexFunc(levels, func(l itLevel) bool { return l.role == lv.Role })].kind))
	}
	var itEst float64
	if used >= 0 {
		r.ITLevels[used].Used = true
		cat := r.ITLevels[used].Category
		r.PUECategory = &cat
		r.EITkWh, itEst = sum(r.ITLevels[used].Role)
	} else {
		r.Notes = append(r.Notes, "no IT energy meter (role ups-output, pdu-output or it-input) in scope")
	}

	// E_DC: what enters, else the sum of the loads.
	var dcEst, grid float64
	if len(byRole["utility"])+len(byRole["generator"])+len(byRole["renewable"]) > 0 {
		r.EDCBasis = "metered"
		r.EDCkWh, dcEst = sum("utility", "generator", "renewable")
		grid, _ = sum("utility")
	} else {
		r.EDCBasis = "sum-of-loads"
		loads, est := sum("mechanical", "other")
		r.EDCkWh, dcEst = r.EITkWh+loads, itEst+est
		grid = r.EDCkWh
		r.Notes = append(r.Notes, "no utility, generator or renewable meter in scope: E_DC is the sum of the IT, mechanical and other loads, without losses")
	}
	if gen, _ := sum("generator"); gen > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%.0f kWh from generators: their emissions are not in CUE", gen))
	}
	r.EReuseKWh, _ = sum("reuse")
	onsite, _ := sum("renewable")
	r.ERenKWh = onsite
	for _, c := range certs {
		if c.Kind == "rec" && !c.Retired {
			continue
		}
		r.ERenKWh += c.KWh * overlap(c.PeriodStart, c.PeriodEnd, from, to)
	}
	r.WaterL, _ = sum("water")
	k := Compute(Totals{EDC: r.EDCkWh, EIT: r.EITkWh, EReuse: r.EReuseKWh, ERenewable: r.ERenKWh, WaterL: r.WaterL,
		GridKWh: grid, CEF: r.Factor.KgPerKWh})
	r.PUE, r.DCiE, r.ERF, r.ERE, r.REF, r.WUE, r.CUE = k.PUE, k.DCiE, k.ERF, k.ERE, k.REF, k.WUE, k.CUE
	if len(byRole["water"]) == 0 {
		r.WUE = nil
	}
	r.CO2eKg = grid * r.Factor.KgPerKWh
	if all := r.EDCkWh + r.EITkWh; all > 0 {
		c := 1 - (dcEst+itEst)/all
		r.Coverage = &c
	}
	if room != nil && r.PUE != nil {
		r.Notes = append(r.Notes, "a room's ratio is its partial PUE (pPUE): the energy inside its boundary over its IT energy")
	}
	return r, nil
}

// overlap is the share of [a, b) that falls in [from, to).
func overlap(a, b, from, to time.Time) float64 {
	lo, hi := a, b
	if from.After(lo) {
		lo = from
	}
	if to.Before(hi) {
		hi = to
	}
	if !hi.After(lo) || !b.After(a) {
		return 0
	}
	return math.Min(1, float64(hi.Sub(lo))/float64(b.Sub(a)))
}

// Period reads a reporting period in loc: a year (2026), a month (2026-10), a day (2026-10-05),
// or rolling-12m (the twelve months up to the start of the current hour). Periods start and end
// at local midnight.
func Period(spec string, loc *time.Location, now time.Time) (from, to time.Time, err error) {
	switch len(spec) {
	case 4:
		from, err = time.ParseInLocation("2006", spec, loc)
		to = from.AddDate(1, 0, 0)
	case 7:
		from, err = time.ParseInLocation("2006-01", spec, loc)
		to = from.AddDate(0, 1, 0)
	case 10:
		from, err = time.ParseInLocation("2006-01-02", spec, loc)
		to = from.AddDate(0, 0, 1)
	default:
		if spec != "rolling-12m" {
			return from, to, fmt.Errorf("%q: want YYYY, YYYY-MM, YYYY-MM-DD or rolling-12m", spec)
		}
		to = now.Truncate(time.Hour)
		from = to.AddDate(-1, 0, 0)
	}
	if err != nil {
		return from, to, fmt.Errorf("%q: want YYYY, YYYY-MM, YYYY-MM-DD or rolling-12m", spec)
	}
	return from, to, nil
}

// ReportPeriod reads a report's period: from and to (RFC 3339 times, or dates in the site's time
// zone), or a named period (see Period) in the site's time zone; rolling-12m when none is given.
// Wrong input is a dcim.EInvalid error naming the parameter.
func ReportPeriod(site *dcim.Site, spec, from, to string, now time.Time) (time.Time, time.Time, error) {
	loc := time.UTC
	if site.TimeZone != "" {
		if l, err := time.LoadLocation(site.TimeZone); err == nil {
			loc = l
		}
	}
	if from != "" || to != "" {
		if spec != "" {
			return time.Time{}, time.Time{}, dcim.Invalid("period", "give a period, or from and to, not both")
		}
		f, err := parseWhen(from, loc)
		if err != nil {
			return f, f, dcim.Invalid("from", "%v", err)
		}
		t, err := parseWhen(to, loc)
		if err != nil {
			return f, t, dcim.Invalid("to", "%v", err)
		}
		if !t.After(f) {
			return f, t, dcim.Invalid("to", "must be after from")
		}
		return f, t, nil
	}
	if spec == "" {
		spec = "rolling-12m"
	}
	f, t, err := Period(spec, loc, now)
	if err != nil {
		return f, t, dcim.Invalid("period", "%v", err)
	}
	return f, t, nil
}

func parseWhen(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("is required with the other end of the period")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return t, fmt.Errorf("%q: want an RFC 3339 time or YYYY-MM-DD", s)
	}
	return t, nil
}
