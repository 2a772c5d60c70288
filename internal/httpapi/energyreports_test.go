package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// The regulators' reports of a site in Kuala Lumpur with January and February 2025 metered:
//
//	January  (744 h): E_DC 4,000 kWh/h = 2,976,000; E_IT 2,500/h = 1,860,000 (PUE 1.6); water 5,000 L/h = 3,720,000
//	February (672 h): E_DC 4,500 kWh/h = 3,024,000; E_IT 3,000/h = 2,016,000 (PUE 1.5); water 3,360,000
//	year: E_DC 6,000,000 kWh = 21,600 GJ, the Act's threshold exactly; E_IT 3,876,000, PUE 1.548 (meets colocation's
//	1.7 and its 1.6 aim, misses hyperscale's 1.4); water 7,080,000 L, WUE 1.827 (meets 2.2)
func TestEnergyReports(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		site := e.create(t, "sites", obj{"name": "KUL1", "slug": "kul1", "time_zone": "Asia/Kuala_Lumpur"})
		ups := e.create(t, "power-nodes", obj{"site_id": site, "name": "UPS-1", "kind": "ups", "voltage": 400})
		jan := time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC) // 2025-01-01 00:00 in Kuala Lumpur
		feb := jan.Add(744 * time.Hour)
		meter := func(body obj, janKWh, febKWh float64) {
			body["series"] = fmt.Sprintf(`meter_energy_kwh_total{meter=%q}`, body["name"])
			id := e.create(t, "meters", body)
			var hs []dcim.MeterHour
			for h := range 744 {
				hs = append(hs, dcim.MeterHour{MeterID: id, Hour: jan.Add(time.Duration(h) * time.Hour), Value: janKWh})
			}
			for h := range 672 {
				hs = append(hs, dcim.MeterHour{MeterID: id, Hour: feb.Add(time.Duration(h) * time.Hour), Value: febKWh})
			}
			if err := e.st.SaveMeterHours(ctx, id, hs); err != nil {
				t.Fatal(err)
			}
		}
		meter(obj{"name": "MSB-1", "role": "utility", "site_id": site}, 4000, 4500)
		meter(obj{"name": "UPS-1 out", "role": "ups-output", "power_node_id": ups}, 2500, 3000)
		meter(obj{"name": "Water main", "role": "water", "site_id": site}, 5000, 5000)
		q := func(path string) string { return Prefix + "/energy/" + path + "&site=" + fmt.Sprint(site) }
		near := func(what string, got any, want float64) {
			t.Helper()
			if f, ok := got.(float64); !ok || math.Abs(f-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: %v, want %v", what, got, want)
			}
		}
		check := func(body obj, kpi string) obj {
			t.Helper()
			for _, c := range body["checks"].([]any) {
				if c.(obj)["kpi"] == kpi {
					return c.(obj)
				}
			}
			t.Fatalf("no %s check: %v", kpi, body)
			return nil
		}

		// Targets.
		got := e.expect(t, http.StatusOK, http.MethodGet, q("targets?period=2025&category=colocation"), nil)
		pue, wue := check(got, "PUE"), check(got, "WUE")
		near("PUE", pue["value"], 6000000.0/3876000)
		if pue["target"] != 1.7 || pue["aim"] != 1.6 || pue["met"] != true || pue["aim_met"] != true || got["category"] != "colocation" {
			t.Errorf("colocation PUE: %v", got)
		}
		near("WUE", wue["value"], 7080000.0/3876000)
		if wue["target"] != 2.2 || wue["met"] != true || wue["aim"] != nil {
			t.Errorf("WUE: %v", wue)
		}
		got = e.expect(t, http.StatusOK, http.MethodGet, q("targets?period=2025&it_capacity_mw=30"), nil)
		if pue := check(got, "PUE"); got["category"] != "hyperscale" || pue["target"] != 1.4 || pue["met"] != false ||
			!strings.Contains(got["category_basis"].(string), "30 MW") {
			t.Errorf("30 MW is hyperscale: %v", got)
		}
		got = e.expect(t, http.StatusOK, http.MethodGet, q("targets?period=2025-01"), nil)
		if pue := check(got, "PUE"); got["category"] != "colocation" || pue["value"] != 1.6 ||
			!strings.Contains(pue["note"].(string), "shorter than a year") {
			t.Errorf("January, default category: %v", got)
		}
		got = e.expect(t, http.StatusOK, http.MethodGet, q("targets?period=2025-03"), nil)
		if pue := check(got, "PUE"); pue["met"] != nil || pue["value"] != nil || !strings.HasPrefix(pue["note"].(string), "not measured") {
			t.Errorf("March, nothing metered: %v", pue)
		}

		// The EU KPI set.
		r := e.do(t, http.MethodGet, q("eu-kpis?period=2025-01&format=csv"), nil)
		wantCSV := "site,from,to,E_DC_kWh,E_IT_kWh,W_IN_m3,E_REUSE_kWh,E_RES-TOT_kWh,PUE,WUE_L_per_kWh,ERF,REF\n" +
			"KUL1,2025-01-01T00:00:00+08:00,2025-02-01T00:00:00+08:00,2976000,1860000,3720,0,0,1.6,2,0,0\n"
		if r.code != http.StatusOK || string(r.body) != wantCSV || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			r.header.Get("Content-Disposition") != `attachment; filename="plenum-eu-kpis-kul1-2025-01-01_2025-02-01.csv"` {
			t.Errorf("EU CSV: %s %v\nwant %s", r, r.header, wantCSV)
		}
		got = e.expect(t, http.StatusOK, http.MethodGet, q("eu-kpis?period=2025"), nil)
		near("E_DC", got["e_dc_kwh"], 6000000)
		near("E_IT", got["e_it_kwh"], 3876000)
		near("W_IN", got["w_in_m3"], 7080)
		if _, ok := got["cue"]; ok || got["site"] != "KUL1" {
			t.Errorf("EU JSON: %v", got)
		}

		// The annual report, as JSON, CSV and HTML.
		got = e.expect(t, http.StatusOK, http.MethodGet, q("annual-report?year=2025"), nil)
		months := got["months"].([]any)
		if len(months) != 12 {
			t.Fatalf("months: %v", months)
		}
		m1, m2, m3 := months[0].(obj), months[1].(obj), months[2].(obj)
		near("Jan E_DC", m1["e_dc_kwh"], 2976000)
		near("Jan PUE", m1["pue"], 1.6)
		near("Jan water", m1["water_l"], 3720000)
		near("Jan CO2e", m1["co2e_kg"], 2976000*0.758)
		near("Feb E_IT", m2["e_it_kwh"], 2016000)
		near("Feb PUE", m2["pue"], 1.5)
		if m3["e_dc_kwh"] != 0.0 || m3["pue"] != nil || m1["period"] != "2025-01" {
			t.Errorf("months: %v %v", m1, m3)
		}
		total, duty := got["total"].(obj), got["reporting"].(obj)
		near("year E_DC", total["e_dc_kwh"], 6000000)
		near("year E_IT", total["e_it_kwh"], 3876000)
		near("year CO2e", total["co2e_kg"], 6000000*0.758)
		if duty["gj"] != 21600.0 || duty["required"] != true || got["emission_factor"].(obj)["kg_per_kwh"] != 0.758 ||
			got["emission_factor"].(obj)["source"] == "" || len(got["targets"].([]any)) != 2 {
			t.Errorf("annual report: %v", got)
		}
		r = e.do(t, http.MethodGet, q("annual-report?year=2025&format=csv&category=hyperscale"), nil)
		recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		if r.code != http.StatusOK || err != nil || len(recs) != 14 || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			r.header.Get("Content-Disposition") != `attachment; filename="plenum-annual-report-kul1-2025.csv"` {
			t.Fatalf("annual CSV: %s %v %v", r, r.header, err)
		}
		if y := recs[13]; y[0] != "2025" || y[3] != "6000000" || y[4] != "21600" || y[14] != "true" || y[15] != "1.4" || y[16] != "false" {
			t.Errorf("year row: %q", y)
		}
		r = e.do(t, http.MethodGet, q("annual-report?year=2025&format=html"), nil)
		if r.code != http.StatusOK || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("annual HTML: %s %v", r, r.header)
		}
		doc, err := html.Parse(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		var captions []string
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "caption" && n.FirstChild != nil {
				captions = append(captions, n.FirstChild.Data)
			}
			if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "link" || n.Data == "img") {
				t.Errorf("<%s> in the report", n.Data)
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		page := string(r.body)
		if len(captions) != 3 || captions[0] != "Energy, water and emissions by month, KUL1, 2025" ||
			strings.Contains(page, "http://") || strings.Contains(page, "https://") {
			t.Errorf("captions %q; page %.300s", captions, page)
		}
		for _, s := range []string{`<th scope="row">2025-01</th><td class="n">2,976,000</td>`, "21,600.0 GJ", "2025-01-01 to 2025-12-31",
			"<strong>yes</strong>"} {
			if !strings.Contains(page, s) {
				t.Errorf("page lacks %q", s)
			}
		}

		// Wrong parameters name themselves.
		for _, c := range []struct {
			path  string
			field string
		}{
			{Prefix + "/energy/targets?period=2025", "query.site"},
			{q("targets?period=2025-13"), "period"},
			{q("targets?category=edge"), "query.category"},
			{q("targets?category=colocation&it_capacity_mw=5"), "category"},
			{q("targets?it_capacity_mw=-1"), "query.it_capacity_mw"},
			{Prefix + "/energy/eu-kpis?site=999999&period=2025", "site"},
			{q("eu-kpis?period=2025&format=xml"), "query.format"},
			{q("eu-kpis?from=2025-01-01"), "to"},
			{q("annual-report?format=csv"), "query.year"},
			{q("annual-report?year=twenty"), "query.year"},
			{q("annual-report?year=0"), "query.year"},
			{q("annual-report?year=2025&format=pdf"), "query.format"},
			{q("annual-report?year=2025&category=edge"), "query.category"},
		} {
			e.refuse(t, http.MethodGet, c.path, nil, want{status: http.StatusBadRequest, field: c.field})
		}
	})
}
