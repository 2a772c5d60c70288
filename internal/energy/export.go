package energy

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Exports for regulators: the KPI set of the EU data centre rating scheme, and the annual energy
// report a Malaysian site files under the Energy Efficiency and Conservation Act 2024.

// EURegulation is the source of the EU KPI set.
const EURegulation = "Commission Delegated Regulation (EU) 2024/1364, Annexes I and II"

// EUKPIs is the KPI set of Delegated Regulation (EU) 2024/1364 for a period, under the
// regulation's names. Water input is in cubic metres, as the regulation reports it; WUE stays in
// L/kWh (ISO/IEC 30134-9). CUE is not part of the set.
type EUKPIs struct {
	Site    string    `json:"site"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	EDC     float64   `json:"e_dc_kwh" doc:"E_DC, total energy consumption"`
	EIT     *float64  `json:"e_it_kwh" doc:"E_IT, IT energy; null without an IT meter"`
	WIn     *float64  `json:"w_in_m3" doc:"W_IN, total water input; null without a water meter"`
	EReuse  float64   `json:"e_reuse_kwh" doc:"E_REUSE, energy reused"`
	EResTot float64   `json:"e_res_tot_kwh" doc:"E_RES-TOT, renewable energy: on-site generation and retired certificates"`
	PUE     *float64  `json:"pue"`
	WUE     *float64  `json:"wue" doc:"L/kWh"`
	ERF     *float64  `json:"erf"`
	REF     *float64  `json:"ref"`
}

// EUOf is a report's KPIs in the regulation's terms.
func EUOf(site string, r *KPIReport) EUKPIs {
	k := EUKPIs{Site: site, From: r.From, To: r.To, EDC: r.EDCkWh, EReuse: r.EReuseKWh, EResTot: r.ERenKWh,
		PUE: r.PUE, WUE: r.WUE, ERF: r.ERF, REF: r.REF}
	if r.PUECategory != nil {
		k.EIT = ptr(r.EITkWh)
	}
	if hasRole(r, "water") {
		k.WIn = ptr(r.WaterL / 1000)
	}
	return k
}

func hasRole(r *KPIReport, role string) bool {
	for _, m := range r.Meters {
		if m.Role == role {
			return true
		}
	}
	return false
}

// euHeader names the CSV columns after the regulation's variables, with their units.
var euHeader = []string{"site", "from", "to", "E_DC_kWh", "E_IT_kWh", "W_IN_m3", "E_REUSE_kWh", "E_RES-TOT_kWh", "PUE", "WUE_L_per_kWh", "ERF", "REF"}

// WriteEUCSV writes a header row and one row per period. Numbers use '.' decimals at full
// precision; a missing value is an empty cell.
func WriteEUCSV(w io.Writer, rows ...EUKPIs) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(euHeader); err != nil {
		return err
	}
	for _, k := range rows {
		if err := cw.Write([]string{k.Site, csvTime(k.From), csvTime(k.To), csvNum(k.EDC), csvOpt(k.EIT), csvOpt(k.WIn), csvNum(k.EReuse),
			csvNum(k.EResTot), csvOpt(k.PUE), csvOpt(k.WUE), csvOpt(k.ERF), csvOpt(k.REF)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvTime(t time.Time) string { return t.Format(time.RFC3339) }

func csvNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func csvOpt(v *float64) string {
	if v == nil {
		return ""
	}
	return csvNum(*v)
}

// MonthRow is one month of the annual report, or the year's totals.
type MonthRow struct {
	Period   string    `json:"period" doc:"YYYY-MM, or YYYY for the year"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	EDCkWh   float64   `json:"e_dc_kwh"`
	GJ       float64   `json:"e_dc_gj"`
	EITkWh   *float64  `json:"e_it_kwh" doc:"null without an IT meter"`
	PUE      *float64  `json:"pue"`
	WaterL   *float64  `json:"water_l" doc:"null without a water meter"`
	WUE      *float64  `json:"wue"`
	CO2eKg   float64   `json:"co2e_kg"`
	Coverage *float64  `json:"coverage" doc:"share of E_DC and E_IT metered rather than integrated from power"`
}

func rowOf(period string, r *KPIReport) MonthRow {
	row := MonthRow{Period: period, From: r.From, To: r.To, EDCkWh: r.EDCkWh, GJ: GJ(r.EDCkWh), PUE: r.PUE, WUE: r.WUE,
		CO2eKg: r.CO2eKg, Coverage: r.Coverage}
	if r.PUECategory != nil {
		row.EITkWh = ptr(r.EITkWh)
	}
	if hasRole(r, "water") {
		row.WaterL = ptr(r.WaterL)
	}
	return row
}

// AnnualReport is a site's energy over a calendar year in its time zone, month by month, with
// what the Energy Efficiency and Conservation Act 2024 and the MIDA/MITI guideline ask of it.
type AnnualReport struct {
	SiteID    int64         `json:"site_id"`
	Site      string        `json:"site"`
	Year      int           `json:"year"`
	TimeZone  string        `json:"time_zone"`
	Months    []MonthRow    `json:"months"`
	Total     MonthRow      `json:"total" doc:"the year, reported as one period"`
	Duty      Duty          `json:"reporting" doc:"whether the year's energy reaches the Act's 21,600 GJ"`
	Factor    Factor        `json:"emission_factor"`
	Class     SiteClass     `json:"category"`
	Targets   []TargetCheck `json:"targets"`
	Notes     []string      `json:"notes" doc:"coverage, IT metering and gaps behind the figures"`
	Generated time.Time     `json:"generated"`
}

// Annual reports site over the calendar year in its time zone: one SiteReport per month and one
// for the year, whose totals and KPIs are the year's (and equal the months' sums for energy).
func Annual(ctx context.Context, src Source, site *dcim.Site, year int, class SiteClass, now time.Time) (*AnnualReport, error) {
	if year < 1 || year > 9999 {
		return nil, dcim.Invalid("year", "%d: want a year from 1 to 9999", year)
	}
	loc := siteLocation(site)
	a := &AnnualReport{SiteID: site.ID, Site: site.Name, Year: year, TimeZone: loc.String(), Class: class, Notes: []string{},
		Generated: now}
	seen := map[string]bool{}
	note := func(s string) {
		if !seen[s] {
			seen[s] = true
			a.Notes = append(a.Notes, s)
		}
	}
	spec := fmt.Sprintf("%04d", year)
	from, to, err := Period(spec, loc, now)
	if err != nil {
		return nil, dcim.Invalid("year", "%v", err)
	}
	yr, err := SiteReport(ctx, src, site, nil, from, to)
	if err != nil {
		return nil, err
	}
	a.Total, a.Factor = rowOf(spec, yr), yr.Factor
	a.Duty = ReportingDuty(yr.EDCkWh)
	a.Targets = Checks(class, yr)
	if now.Before(to) {
		note(fmt.Sprintf("the year %d is not over (report made %s): its figures are to date, and the reporting threshold applies to the whole year",
			year, now.In(loc).Format("2006-01-02")))
	}
	if yr.Coverage != nil {
		note(fmt.Sprintf("coverage: %s%% of E_DC and E_IT was metered; the rest was integrated from power readings", grouped(100**yr.Coverage, 1)))
	}
	for _, s := range yr.Notes {
		note(s)
	}
	for _, m := range yr.Meters {
		if m.MissingHours > 0 && !now.Before(to) {
			note(fmt.Sprintf("meter %q has %d hours of the year without energy", m.Meter.Name, m.MissingHours))
		}
	}
	for m := 1; m <= 12; m++ {
		p := fmt.Sprintf("%s-%02d", spec, m)
		f, t, err := Period(p, loc, now)
		if err != nil {
			return nil, err
		}
		r, err := SiteReport(ctx, src, site, nil, f, t)
		if err != nil {
			return nil, err
		}
		a.Months = append(a.Months, rowOf(p, r))
		for _, s := range r.Notes {
			note(s)
		}
	}
	return a, nil
}

// siteLocation is the site's time zone, UTC when unset or unknown (as ReportPeriod reads it).
func siteLocation(site *dcim.Site) *time.Location {
	if site.TimeZone != "" {
		if l, err := time.LoadLocation(site.TimeZone); err == nil {
			return l
		}
	}
	return time.UTC
}

// annualHeader: the monthly table, then the year row, which alone carries the Act's threshold and
// the guideline's checks (both are about a year, not a month).
var annualHeader = []string{"period", "from", "to", "E_DC_kWh", "E_DC_GJ", "E_IT_kWh", "PUE", "water_L", "WUE_L_per_kWh", "CO2e_kg",
	"coverage", "emission_factor_kg_per_kWh", "emission_factor_source", "threshold_GJ", "reporting_required",
	"PUE_target", "PUE_target_met", "PUE_aim", "PUE_aim_met", "WUE_target", "WUE_target_met"}

// WriteAnnualCSV writes the monthly rows and the year's row, one table with one header row.
func WriteAnnualCSV(w io.Writer, a *AnnualReport) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(annualHeader); err != nil {
		return err
	}
	row := func(r MonthRow) []string {
		return []string{r.Period, csvTime(r.From), csvTime(r.To), csvNum(r.EDCkWh), csvNum(r.GJ), csvOpt(r.EITkWh), csvOpt(r.PUE), csvOpt(r.WaterL),
			csvOpt(r.WUE), csvNum(r.CO2eKg), csvOpt(r.Coverage), csvNum(a.Factor.KgPerKWh), a.Factor.Source}
	}
	for _, m := range a.Months {
		if err := cw.Write(append(row(m), make([]string, len(annualHeader)-13)...)); err != nil {
			return err
		}
	}
	total := append(row(a.Total), csvNum(a.Duty.ThresholdGJ), strconv.FormatBool(a.Duty.Required))
	for _, kpi := range []string{"PUE", "WUE"} {
		var ck *TargetCheck
		for i := range a.Targets {
			if a.Targets[i].KPI == kpi {
				ck = &a.Targets[i]
			}
		}
		if ck == nil {
			total = append(total, "", "")
		} else {
			total = append(total, csvNum(ck.Target), csvBool(ck.Met))
		}
		if kpi == "PUE" {
			if ck == nil || ck.Aim == nil {
				total = append(total, "", "")
			} else {
				total = append(total, csvNum(*ck.Aim), csvBool(ck.AimMet))
			}
		}
	}
	if err := cw.Write(total); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func csvBool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

var annualPage = template.Must(template.New("annual").Funcs(template.FuncMap{
	"kwh": func(v float64) string { return grouped(v, 0) },
	"gj":  func(v float64) string { return grouped(v, 1) },
	"ratio": func(v *float64) string {
		if v == nil {
			return "—"
		}
		return grouped(*v, 2)
	},
	"optkwh": func(v *float64) string {
		if v == nil {
			return "—"
		}
		return grouped(*v, 0)
	},
	"pct": func(v *float64) string {
		if v == nil {
			return "—"
		}
		return grouped(100**v, 1) + " %"
	},
	"met": func(b *bool) string {
		if b == nil {
			return "not measured"
		}
		if *b {
			return "met"
		}
		return "not met"
	},
	"date":      func(t time.Time) string { return t.Format("2006-01-02 15:04 MST") },
	"deref":     func(b *bool) bool { return *b },
	"guideline": func() string { return GuidelineSource },
	"day":       func(t time.Time) string { return t.Format("2006-01-02") },
	// Periods end at the next midnight; a reader expects the last day they include.
	"lastday": func(t time.Time) string { return t.Add(-time.Nanosecond).Format("2006-01-02") },
	"plain": func(v *float64) string {
		if v == nil {
			return "—"
		}
		return csvNum(*v)
	},
}).Parse(annualHTML))

// WriteAnnualHTML writes the report as one printable HTML page: inline CSS, no scripts, nothing
// loaded from elsewhere.
func WriteAnnualHTML(w io.Writer, a *AnnualReport) error { return annualPage.Execute(w, a) }

// grouped formats v with d decimals, '.' for the decimal point and ',' between thousands.
func grouped(v float64, d int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', d, 64)
	sign := ""
	if strings.HasPrefix(s, "-") {
		s = s[1:]
		if strings.Trim(s, "0.") != "" {
			sign = "-"
		}
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// annualHTML is the printable page. Its styles are inline (a <style> element) and it loads
// nothing: the report must print the same in an air-gapped hall.
const annualHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Annual energy report {{.Year}}: {{.Site}}</title>
<style>
@page { size: A4; margin: 15mm; }
body { font-family: system-ui, sans-serif; font-size: 10pt; color: #111; margin: 1.5em; }
h1 { font-size: 16pt; margin: 0 0 .2em; }
h2 { font-size: 12pt; margin: 1.4em 0 .4em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; page-break-inside: avoid; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
th, td { border: 1px solid #999; padding: .25em .5em; }
thead th { background: #eee; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tfoot th, tfoot td { font-weight: 600; border-top: 2px solid #333; }
.meta { color: #444; }
.no { color: #a00; font-weight: 600; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<h1>Annual energy report {{.Year}}</h1>
<p class="meta">Site: <strong>{{.Site}}</strong> · Period: {{day .Total.From}} to {{lastday .Total.To}} ({{.TimeZone}}) · Generated {{date .Generated}}</p>

<table>
<caption>Energy, water and emissions by month, {{.Site}}, {{.Year}}</caption>
<thead>
<tr><th scope="col">Month</th><th scope="col" class="n">E<sub>DC</sub> (kWh)</th><th scope="col" class="n">E<sub>DC</sub> (GJ)</th><th scope="col" class="n">E<sub>IT</sub> (kWh)</th><th scope="col" class="n">PUE</th><th scope="col" class="n">Water (L)</th><th scope="col" class="n">CO<sub>2</sub>e (kg)</th><th scope="col" class="n">Metered</th></tr>
</thead>
<tbody>
{{range .Months}}<tr><th scope="row">{{.Period}}</th><td class="n">{{kwh .EDCkWh}}</td><td class="n">{{gj .GJ}}</td><td class="n">{{optkwh .EITkWh}}</td><td class="n">{{ratio .PUE}}</td><td class="n">{{optkwh .WaterL}}</td><td class="n">{{kwh .CO2eKg}}</td><td class="n">{{pct .Coverage}}</td></tr>
{{end}}</tbody>
<tfoot>
{{with .Total}}<tr><th scope="row">Year {{.Period}}</th><td class="n">{{kwh .EDCkWh}}</td><td class="n">{{gj .GJ}}</td><td class="n">{{optkwh .EITkWh}}</td><td class="n">{{ratio .PUE}}</td><td class="n">{{optkwh .WaterL}}</td><td class="n">{{kwh .CO2eKg}}</td><td class="n">{{pct .Coverage}}</td></tr>{{end}}
</tfoot>
</table>

<h2>Energy Efficiency and Conservation Act 2024</h2>
<table>
<caption>Reporting threshold</caption>
<tbody>
<tr><th scope="row">Energy used in {{.Year}}</th><td class="n">{{gj .Duty.GJ}} GJ ({{kwh .Duty.EDCkWh}} kWh)</td></tr>
<tr><th scope="row">Threshold</th><td class="n">{{gj .Duty.ThresholdGJ}} GJ a year</td></tr>
<tr><th scope="row">Annual reporting required</th><td class="n">{{if .Duty.Required}}<strong>yes</strong>: at or above the threshold{{else}}no: below the threshold{{end}}</td></tr>
</tbody>
</table>
<p class="meta">{{.Duty.Source}}. 1 kWh = 3.6 MJ.</p>

<h2>Grid emission factor</h2>
<p>{{.Factor.KgPerKWh}} kgCO<sub>2</sub>e/kWh: {{.Factor.Source}}{{with .Factor.Year}} ({{.}}){{end}}. CO<sub>2</sub>e is the grid energy times this factor.</p>

<h2>Design targets</h2>
<table>
<caption>Year {{.Year}} against the {{.Class}} targets</caption>
<thead>
<tr><th scope="col">KPI</th><th scope="col" class="n">Value</th><th scope="col" class="n">Target (at most)</th><th scope="col" class="n">Aim</th><th scope="col">Target</th><th scope="col">Aim</th><th scope="col">Note</th></tr>
</thead>
<tbody>
{{range .Targets}}<tr><th scope="row">{{.KPI}}{{with .Unit}} ({{.}}){{end}}</th><td class="n">{{ratio .Value}}</td><td class="n">{{.Target}}</td><td class="n">{{plain .Aim}}</td><td{{if and .Met (not (deref .Met))}} class="no"{{end}}>{{met .Met}}</td><td>{{if .Aim}}{{met .AimMet}}{{else}}—{{end}}</td><td>{{.Note}}</td></tr>
{{end}}</tbody>
</table>
<p class="meta">{{guideline}}: design targets, held here against the year's figures.</p>

<h2>Notes</h2>
<ul>
{{range .Notes}}<li>{{.}}</li>
{{else}}<li>none</li>
{{end}}</ul>
</body>
</html>
`
