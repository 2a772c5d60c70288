package energy

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// hoursSource is a Source of meters with hourly values, and one UPS whose output is metered.
type hoursSource struct {
	meters []dcim.Meter
	hours  map[int64][]dcim.MeterHour
}

var _ Source = (*hoursSource)(nil)

func (s *hoursSource) SiteMeters(context.Context, int64) ([]dcim.Meter, error) { return s.meters, nil }

func (s *hoursSource) MeterTotals(_ context.Context, _ int64, from, to time.Time) (map[int64]dcim.MeterTotal, error) {
	out := map[int64]dcim.MeterTotal{}
	for id, hs := range s.hours {
		var t dcim.MeterTotal
		for _, h := range hs {
			if h.Hour.Before(from) || !h.Hour.Before(to) {
				continue
			}
			t.Value += h.Value
			t.Hours++
			if h.Estimated {
				t.Estimated += h.Value
			}
		}
		out[id] = t
	}
	return out, nil
}

func (s *hoursSource) ActiveNodes(context.Context, int64, *int64, ...string) (map[string][]int64, error) {
	return map[string][]int64{"ups": {1}}, nil
}

func (s *hoursSource) Certificates(context.Context, int64, time.Time, time.Time) ([]dcim.EnergyCertificate, error) {
	return nil, nil
}

// add puts in n hours of v from start, the first est of them estimated.
func (s *hoursSource) add(id int64, start time.Time, n int, v float64, est int) {
	for h := range n {
		s.hours[id] = append(s.hours[id], dcim.MeterHour{MeterID: id, Hour: start.Add(time.Duration(h) * time.Hour), Value: v, Estimated: h < est})
	}
}

func kl(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Kuala_Lumpur")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// The EU export of the worked example (E_DC 950,000 kWh, E_IT 620,000) for October 2026 in Kuala
// Lumpur, and a month without IT or water meters: their cells are empty, not zero.
func TestWriteEUCSV(t *testing.T) {
	loc := kl(t)
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	cat := 1
	r := &KPIReport{From: from, To: from.AddDate(0, 1, 0), EDCkWh: 950000, EITkWh: 620000, EReuseKWh: 47500, ERenKWh: 95000,
		WaterL: 1364000, PUECategory: &cat, PUE: ptr(950000.0 / 620000), WUE: ptr(2.2), ERF: ptr(0.05), REF: ptr(0.1), CUE: ptr(1.16),
		Meters: []Metered{{Role: "utility"}, {Role: "ups-output"}, {Role: "water"}}}
	bare := &KPIReport{From: from.AddDate(0, 1, 0), To: from.AddDate(0, 2, 0), EDCkWh: 12.5, ERF: ptr(0), REF: ptr(0),
		Meters: []Metered{{Role: "mechanical"}}}
	k := EUOf("KUL1, Hall \"A\"", r)
	if k.WIn == nil || *k.WIn != 1364 || k.EIT == nil || *k.EIT != 620000 {
		t.Errorf("EU KPIs: %+v", k)
	}
	var b bytes.Buffer
	if err := WriteEUCSV(&b, k, EUOf("KUL1, Hall \"A\"", bare)); err != nil {
		t.Fatal(err)
	}
	want := "site,from,to,E_DC_kWh,E_IT_kWh,W_IN_m3,E_REUSE_kWh,E_RES-TOT_kWh,PUE,WUE_L_per_kWh,ERF,REF\n" +
		"\"KUL1, Hall \"\"A\"\"\",2026-10-01T00:00:00+08:00,2026-11-01T00:00:00+08:00,950000,620000,1364,47500,95000,1.532258064516129,2.2,0.05,0.1\n" +
		"\"KUL1, Hall \"\"A\"\"\",2026-11-01T00:00:00+08:00,2026-12-01T00:00:00+08:00,12.5,,,0,0,,,0,0\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}
}

// annualSource: January and February 2026 in Kuala Lumpur metered, the rest of the year empty.
//
//	January  (744 h): E_DC 4,000 kWh/h = 2,976,000; E_IT 2,500/h = 1,860,000 (PUE 1.6); water 5,000 L/h = 3,720,000 (WUE 2.0)
//	February (672 h): E_DC 4,500 kWh/h = 3,024,000 (its first 336 h estimated); E_IT 3,000/h = 2,016,000 (PUE 1.5); water 3,360,000
//	year: E_DC 6,000,000 kWh = 21,600 GJ, exactly the Act's threshold; E_IT 3,876,000; PUE 1.548; WUE 7,080,000/3,876,000 = 1.827
func annualSource(t testing.TB) (*hoursSource, *dcim.Site) {
	loc := kl(t)
	ups := int64(1)
	src := &hoursSource{meters: []dcim.Meter{
		{Meta: dcim.Meta{ID: 10}, Name: "MSB-1", Role: "utility"},
		{Meta: dcim.Meta{ID: 11}, Name: "UPS-1 out", Role: "ups-output", PowerNodeID: &ups},
		{Meta: dcim.Meta{ID: 12}, Name: "Water main", Role: "water"},
	}, hours: map[int64][]dcim.MeterHour{}}
	jan, feb := time.Date(2026, 1, 1, 0, 0, 0, 0, loc), time.Date(2026, 2, 1, 0, 0, 0, 0, loc)
	src.add(10, jan, 744, 4000, 0)
	src.add(11, jan, 744, 2500, 0)
	src.add(12, jan, 744, 5000, 0)
	src.add(10, feb, 672, 4500, 336)
	src.add(11, feb, 672, 3000, 0)
	src.add(12, feb, 672, 5000, 0)
	return src, &dcim.Site{Meta: dcim.Meta{ID: 1}, Name: "KUL1", TimeZone: "Asia/Kuala_Lumpur"}
}

func near(t testing.TB, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

func nearPtr(t testing.TB, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: null, want %v", what, want)
		return
	}
	near(t, what, *got, want)
}

func TestAnnual(t *testing.T) {
	src, site := annualSource(t)
	loc := kl(t)
	now := time.Date(2027, 1, 15, 9, 0, 0, 0, loc)
	a, err := Annual(context.Background(), src, site, 2026, Colocation, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Months) != 12 || a.Months[0].Period != "2026-01" || a.Months[11].Period != "2026-12" || a.Total.Period != "2026" {
		t.Fatalf("months: %+v", a.Months)
	}
	if !a.Months[0].From.Equal(time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)) || !a.Total.To.Equal(time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("January from %v, year to %v: not Kuala Lumpur's", a.Months[0].From, a.Total.To)
	}
	jan, feb, mar := a.Months[0], a.Months[1], a.Months[2]
	near(t, "Jan E_DC", jan.EDCkWh, 2976000)
	nearPtr(t, "Jan E_IT", jan.EITkWh, 1860000)
	nearPtr(t, "Jan PUE", jan.PUE, 1.6)
	nearPtr(t, "Jan water", jan.WaterL, 3720000)
	nearPtr(t, "Jan WUE", jan.WUE, 2)
	near(t, "Jan CO2e", jan.CO2eKg, 2976000*0.758)
	nearPtr(t, "Jan coverage", jan.Coverage, 1)
	near(t, "Feb E_DC", feb.EDCkWh, 3024000)
	nearPtr(t, "Feb PUE", feb.PUE, 1.5)
	nearPtr(t, "Feb coverage", feb.Coverage, 1-1512000.0/(3024000+2016000))
	near(t, "Feb GJ", feb.GJ, 10886.4)
	if mar.EDCkWh != 0 || mar.PUE != nil || mar.EITkWh == nil || *mar.EITkWh != 0 {
		t.Errorf("March: %+v", mar)
	}
	near(t, "year E_DC", a.Total.EDCkWh, 6000000)
	nearPtr(t, "year E_IT", a.Total.EITkWh, 3876000)
	nearPtr(t, "year PUE", a.Total.PUE, 6000000.0/3876000)
	nearPtr(t, "year water", a.Total.WaterL, 7080000)
	near(t, "year CO2e", a.Total.CO2eKg, 6000000*0.758)
	var sum, co2 float64
	for _, m := range a.Months {
		sum += m.EDCkWh
		co2 += m.CO2eKg
	}
	near(t, "sum of months", sum, a.Total.EDCkWh)
	near(t, "CO2e of months", co2, a.Total.CO2eKg)
	if a.Duty.GJ != 21600 || !a.Duty.Required {
		t.Errorf("6,000,000 kWh is 21,600 GJ and must report: %+v", a.Duty)
	}
	if a.Factor.KgPerKWh != 0.758 || a.Factor.Source == "" {
		t.Errorf("factor: %+v", a.Factor)
	}
	pue, wue := checkOf(t, a.Targets, "PUE"), checkOf(t, a.Targets, "WUE")
	if pue.Met == nil || !*pue.Met || pue.AimMet == nil || !*pue.AimMet || wue.Met == nil || !*wue.Met {
		t.Errorf("targets: PUE %+v, WUE %+v", pue, wue)
	}
	notes := strings.Join(a.Notes, "\n")
	for _, s := range []string{"coverage: 84.7% of E_DC and E_IT was metered", `meter "MSB-1" has 7344 hours of the year without energy`} {
		if !strings.Contains(notes, s) {
			t.Errorf("notes lack %q:\n%s", s, notes)
		}
	}

	// CSV: a header, twelve months and the year, the threshold and targets on the year alone.
	var b bytes.Buffer
	if err := WriteAnnualCSV(&b, a); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 14 {
		t.Fatalf("%d records, want 14", len(recs))
	}
	src2 := a.Factor.Source
	if got, want := strings.Join(recs[1], ","), "2026-01,2026-01-01T00:00:00+08:00,2026-02-01T00:00:00+08:00,2976000,10713.6,1860000,1.6,3720000,2,2255808,1,0.758,"+src2+",,,,,,,,"; got != want {
		t.Errorf("January:\n%s\nwant\n%s", got, want)
	}
	year := recs[13]
	if year[0] != "2026" || year[3] != "6000000" || year[4] != "21600" || year[13] != "21600" || year[14] != "true" ||
		year[15] != "1.7" || year[16] != "true" || year[17] != "1.6" || year[18] != "true" || year[19] != "2.2" || year[20] != "true" {
		t.Errorf("year row: %q", year)
	}
	if recs[3][6] != "" || recs[3][3] != "0" {
		t.Errorf("March without energy: %q", recs[3])
	}

	// HTML: parses, has the table with caption and header scopes, and loads nothing.
	b.Reset()
	if err := WriteAnnualHTML(&b, a); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	scopes := map[string]int{}
	var texts []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			count[n.Data]++
			for _, at := range n.Attr {
				if at.Key == "scope" {
					scopes[at.Val]++
				}
				if at.Key == "src" || at.Key == "href" || strings.HasPrefix(at.Key, "on") {
					t.Errorf("<%s %s=%q>: the page must load and run nothing", n.Data, at.Key, at.Val)
				}
			}
		}
		if n.Type == html.TextNode {
			texts = append(texts, n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if count["table"] != 3 || count["caption"] != 3 || count["style"] != 1 || count["script"] != 0 || count["link"] != 0 ||
		scopes["row"] < 13 || scopes["col"] < 8 {
		t.Errorf("elements %v, scopes %v", count, scopes)
	}
	text := strings.Join(texts, "")
	for _, s := range []string{"KUL1", "Annual energy report 2026", "2026-01", "2,976,000", "10,713.6", "6,000,000", "21,600.0 GJ",
		"yes", "0.758", "1.55", "coverage: 84.7%", "MIDA/MITI"} {
		if !strings.Contains(text, s) {
			t.Errorf("page text lacks %q", s)
		}
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "<script") {
		t.Error("the page refers to the outside or has a script")
	}

	// A year not over says so; the threshold applies to the whole year.
	a, err = Annual(context.Background(), src, site, 2026, Hyperscale, time.Date(2026, 3, 1, 0, 0, 0, 0, loc))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(a.Notes, "\n"), "the year 2026 is not over") || a.Class != Hyperscale ||
		*checkOf(t, a.Targets, "PUE").Met {
		t.Errorf("a year not over: %+v", a)
	}
	b.Reset()
	if err := WriteAnnualHTML(&b, a); err != nil {
		t.Fatal(err)
	}
	if page := b.String(); !strings.Contains(page, `<td class="no">not met</td>`) || !strings.Contains(page, "the year 2026 is not over") {
		t.Errorf("a missed target is not marked:\n%s", page)
	}
	if _, err := Annual(context.Background(), src, site, 0, Colocation, now); dcim.AsError(err) == nil || dcim.AsError(err).Code != dcim.EInvalid {
		t.Errorf("year 0: %v", err)
	}
}

func TestGrouped(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		d    int
		want string
	}{{0, 0, "0"}, {999, 0, "999"}, {1000, 0, "1,000"}, {2976000, 0, "2,976,000"}, {10713.6, 1, "10,713.6"},
		{-1234567.891, 2, "-1,234,567.89"}, {-0.0001, 1, "0.0"}, {1.5479876, 2, "1.55"}} {
		if got := grouped(tc.v, tc.d); got != tc.want {
			t.Errorf("grouped(%v, %d) = %q, want %q", tc.v, tc.d, got, tc.want)
		}
	}
}
