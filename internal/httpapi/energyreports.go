package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/store"
)

// Reports for regulators: the MIDA/MITI design targets, the EU KPI set, and the annual report of
// the Energy Efficiency and Conservation Act 2024. CSV and HTML are served as files (raw bodies
// with their own Content-Type), the way the rack elevation serves SVG.

// siteClass is the site's category from the query's category or it_capacity_mw (the site holds
// no IT capacity to read), and how it was decided.
func siteClass(category string, itCapacityMW float64) (energy.SiteClass, string, error) {
	switch {
	case category != "" && itCapacityMW != 0:
		return "", "", dcim.Invalid("category", "give category or it_capacity_mw, not both")
	case category != "":
		c, err := energy.ParseSiteClass(category)
		if err != nil {
			return "", "", dcim.Invalid("category", "%v", err)
		}
		return c, "given", nil
	case itCapacityMW != 0:
		return energy.ClassOf(itCapacityMW), fmt.Sprintf("IT capacity %g MW (hyperscale above %g MW)", itCapacityMW, energy.HyperscaleMW), nil
	}
	return energy.Colocation, "default: neither category nor it_capacity_mw given", nil
}

type targetsInput struct {
	Site         int64   `query:"site" required:"true" minimum:"1"`
	Period       string  `query:"period" doc:"YYYY, YYYY-MM, YYYY-MM-DD (in the site's time zone) or rolling-12m; default rolling-12m unless from and to are given"`
	From         string  `query:"from" doc:"RFC 3339 time or YYYY-MM-DD, with to instead of period"`
	To           string  `query:"to" doc:"RFC 3339 time or YYYY-MM-DD (exclusive)"`
	Category     string  `query:"category" enum:"hyperscale,colocation" doc:"the site's category under the MIDA/MITI guideline; default from it_capacity_mw, else colocation"`
	ITCapacityMW float64 `query:"it_capacity_mw" minimum:"0" doc:"the site's IT capacity, MW: above 21.25 it is hyperscale"`
}

// TargetsReport is a site's KPIs over a period against the MIDA/MITI design targets.
type TargetsReport struct {
	SiteID        int64                `json:"site_id"`
	From          time.Time            `json:"from"`
	To            time.Time            `json:"to"`
	Category      energy.SiteClass     `json:"category"`
	CategoryBasis string               `json:"category_basis" doc:"how the category was decided"`
	Checks        []energy.TargetCheck `json:"checks"`
	Notes         []string             `json:"notes" doc:"the KPI report's notes: what the figures rest on"`
}

type targetsOutput struct{ Body *TargetsReport }

type euKPIsInput struct {
	Site   int64  `query:"site" required:"true" minimum:"1"`
	Period string `query:"period" doc:"YYYY, YYYY-MM, YYYY-MM-DD (in the site's time zone) or rolling-12m; default rolling-12m unless from and to are given"`
	From   string `query:"from" doc:"RFC 3339 time or YYYY-MM-DD, with to instead of period"`
	To     string `query:"to" doc:"RFC 3339 time or YYYY-MM-DD (exclusive)"`
	Format string `query:"format" enum:"json,csv" default:"json"`
}

type annualInput struct {
	Site         int64   `query:"site" required:"true" minimum:"1"`
	Year         int     `query:"year" required:"true" minimum:"1" maximum:"9999" doc:"calendar year in the site's time zone"`
	Format       string  `query:"format" enum:"json,csv,html" default:"json" doc:"html: a printable page with no scripts and nothing loaded from elsewhere"`
	Category     string  `query:"category" enum:"hyperscale,colocation" doc:"the site's category under the MIDA/MITI guideline; default from it_capacity_mw, else colocation"`
	ITCapacityMW float64 `query:"it_capacity_mw" minimum:"0" doc:"the site's IT capacity, MW: above 21.25 it is hyperscale"`
}

const (
	csvType  = "text/csv; charset=utf-8"
	htmlType = "text/html; charset=utf-8"
)

func registerEnergyReports(api huma.API, s *store.Store) {
	huma.Register(api, huma.Operation{
		OperationID: "energy-targets", Method: http.MethodGet, Path: Prefix + "/energy/targets", Tags: []string{"energy"},
		Summary: "A site's PUE and WUE over a period against the MIDA/MITI design targets (Dec 2024)",
		Description: "Hyperscale (IT capacity above 21.25 MW): PUE ≤ 1.4; colocation and enterprise: PUE ≤ 1.7, aiming at 1.6; " +
			"all: WUE ≤ 2.2 L/kWh. A KPI not measured has met null: never a pass. The targets are annual: use a year or rolling-12m.",
	}, func(ctx context.Context, in *targetsInput) (*targetsOutput, error) {
		class, basis, err := siteClass(in.Category, in.ITCapacityMW)
		if err != nil {
			return nil, problem(err)
		}
		site, rep, err := periodReport(ctx, s, in.Site, in.Period, in.From, in.To)
		if err != nil {
			return nil, problem(err)
		}
		return &targetsOutput{Body: &TargetsReport{SiteID: site.ID, From: rep.From, To: rep.To, Category: class, CategoryBasis: basis,
			Checks: energy.Checks(class, rep), Notes: rep.Notes}}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "energy-eu-kpis", Method: http.MethodGet, Path: Prefix + "/energy/eu-kpis", Tags: []string{"energy"},
		Summary:     "A site's KPIs over a period as Delegated Regulation (EU) 2024/1364 names them, as JSON or CSV",
		Description: "E_DC, E_IT, W_IN (m³), E_REUSE, E_RES-TOT, PUE, WUE, ERF and REF. CSV: one header row and one row for the period; a missing value is an empty cell.",
		Responses:   fileResponses(api, reflect.TypeOf(energy.EUKPIs{}), csvType),
	}, func(ctx context.Context, in *euKPIsInput) (*fileOutput, error) {
		site, rep, err := periodReport(ctx, s, in.Site, in.Period, in.From, in.To)
		if err != nil {
			return nil, problem(err)
		}
		k := energy.EUOf(site.Name, rep)
		if in.Format == "csv" {
			var b bytes.Buffer
			if err := energy.WriteEUCSV(&b, k); err != nil {
				return nil, problem(err)
			}
			name := fileName("eu-kpis", site, rep.From.Format("2006-01-02")+"_"+rep.To.Format("2006-01-02"), "csv")
			return &fileOutput{ContentType: csvType, ContentDisposition: attachment(name), Body: b.Bytes()}, nil
		}
		return jsonFile(k)
	})

	huma.Register(api, huma.Operation{
		OperationID: "energy-annual-report", Method: http.MethodGet, Path: Prefix + "/energy/annual-report", Tags: []string{"energy"},
		Summary: "A site's annual energy report for the Energy Efficiency and Conservation Act 2024: by month, with the year's totals",
		Description: "E_DC, E_IT, PUE, water and CO2e per month of the calendar year in the site's time zone; the year's energy in GJ " +
			"against the Act's 21,600 GJ reporting threshold; the grid emission factor and its source; the MIDA/MITI target checks; " +
			"and notes on metering coverage. As JSON, CSV (one table: the months, then the year) or a printable HTML page.",
		Responses: fileResponses(api, reflect.TypeOf(energy.AnnualReport{}), csvType, htmlType),
	}, func(ctx context.Context, in *annualInput) (*fileOutput, error) {
		class, _, err := siteClass(in.Category, in.ITCapacityMW)
		if err != nil {
			return nil, problem(err)
		}
		site, err := s.Sites().Get(ctx, in.Site)
		if err != nil {
			return nil, problem(asInvalid(err, "site"))
		}
		a, err := energy.Annual(ctx, s, &site, in.Year, class, timeNow())
		if err != nil {
			return nil, problem(err)
		}
		var b bytes.Buffer
		switch in.Format {
		case "csv":
			if err := energy.WriteAnnualCSV(&b, a); err != nil {
				return nil, problem(err)
			}
			return &fileOutput{ContentType: csvType, ContentDisposition: attachment(fileName("annual-report", site, fmt.Sprint(in.Year), "csv")),
				Body: b.Bytes()}, nil
		case "html":
			if err := energy.WriteAnnualHTML(&b, a); err != nil {
				return nil, problem(err)
			}
			return &fileOutput{ContentType: htmlType, Body: b.Bytes()}, nil
		}
		return jsonFile(a)
	})
}

// periodReport is the KPI report of a site over the period the query names.
func periodReport(ctx context.Context, s *store.Store, siteID int64, period, from, to string) (dcim.Site, *energy.KPIReport, error) {
	site, err := s.Sites().Get(ctx, siteID)
	if err != nil {
		return site, nil, asInvalid(err, "site")
	}
	f, t, err := energy.ReportPeriod(&site, period, from, to, timeNow())
	if err != nil {
		return site, nil, err
	}
	rep, err := energy.SiteReport(ctx, s, &site, nil, f, t)
	return site, rep, err
}

// fileResponses documents a 200 that is JSON of t or a file of the other types.
func fileResponses(api huma.API, t reflect.Type, types ...string) map[string]*huma.Response {
	content := map[string]*huma.MediaType{"application/json": {Schema: api.OpenAPI().Components.Schemas.Schema(t, true, "")}}
	for _, ct := range types {
		content[strings.TrimSuffix(ct, "; charset=utf-8")] = &huma.MediaType{Schema: &huma.Schema{Type: "string"}}
	}
	return map[string]*huma.Response{"200": {Description: "OK", Content: content}}
}

func jsonFile(v any) (*fileOutput, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, problem(err)
	}
	return &fileOutput{ContentType: "application/json", Body: b.Bytes()}, nil
}

// fileName is plenum-WHAT-SITE-PERIOD.EXT, with only characters that need no quoting.
func fileName(what string, site dcim.Site, period, ext string) string {
	name := site.Slug
	if name == "" {
		name = site.Name
	}
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, "plenum-"+what+"-"+name+"-"+period)
	return clean + "." + ext
}

func attachment(name string) string { return `attachment; filename="` + name + `"` }
