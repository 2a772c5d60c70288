package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/store"
)

// TestSilences: an operator silences an alert from the live page (the form filled in from the
// alert), sees the silence listed and the alert marked, is told beside each field what is wrong
// with a bad form, and ends a silence; a viewer sees the list and no form; a tenant user sees none.
func TestSilences(t *testing.T) {
	e := newInvEnv(t)
	rack := one(e.st.Racks().List(e.ctx, byName("A01")))
	alertID, err := e.st.SaveAlert(e.ctx, dcim.Alert{Fingerprint: "fp-a01", Name: "InletAboveRecommended", State: "firing", Severity: "warning",
		Labels:      map[string]string{"alertname": "InletAboveRecommended", "site": demo.SiteName, "room": "Data Hall 1", "rack": "A01", "point": "inlet-top"},
		Annotations: map[string]string{"summary": "A01 is warm"}, Since: time.Now().Add(-time.Hour), Object: &dcim.ObjectRef{Type: dcim.TypeRack, ID: rack.ID}})
	if err != nil {
		t.Fatal(err)
	}
	inputValue := func(page, id string) string {
		in := regexp.MustCompile(`<input id="` + id + `"[^>]*>`).FindString(page)
		m := regexp.MustCompile(`value="([^"]*)"`).FindStringSubmatch(in)
		if m == nil {
			return "(no input " + id + ")"
		}
		return m[1]
	}
	fieldError := func(page, id string) string {
		m := regexp.MustCompile(`<span class="field-error" id="` + id + `-error">([^<]*)</span>`).FindStringSubmatch(page)
		if m == nil {
			return ""
		}
		return m[1]
	}
	silences := func() []dcim.Silence {
		list, err := e.st.Silences(e.ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	t.Run("from an alert", func(t *testing.T) {
		code, page := e.get("/live")
		link := "/silences?alert=" + id(alertID) + "#new-silence"
		if code != http.StatusOK || !strings.Contains(page, `href="`+link+`"`) || !strings.Contains(page, `<a href="/silences">Silences</a>: 0 in force`) {
			t.Fatalf("live page: %d, no silence link %s:\n%s", code, link, page)
		}
		code, page = e.get(strings.TrimSuffix(link, "#new-silence")) // a request has no fragment
		if code != http.StatusOK {
			t.Fatalf("%d:\n%s", code, page)
		}
		want := [][2]string{{"alertname", "InletAboveRecommended"}, {"site", demo.SiteName}, {"room", "Data Hall 1"}, {"rack", "A01"}, {"", ""}}
		for i, w := range want {
			n, v := inputValue(page, "m"+id(int64(i))+"-name"), inputValue(page, "m"+id(int64(i))+"-value")
			if n != w[0] || v != w[1] {
				t.Errorf("matcher row %d: %q = %q, want %q = %q", i, n, v, w[0], w[1])
			}
		}
		if inputValue(page, "s-duration") != "2h" || !strings.Contains(page, `name="csrf_token"`) || !strings.Contains(page, `id="no-silences"`) {
			t.Errorf("form:\n%s", page)
		}
	})

	var made dcim.Silence
	t.Run("create", func(t *testing.T) {
		before := time.Now()
		rec := e.post("/silences", url.Values{"m0_name": {"alertname"}, "m0_value": {"InletAboveRecommended"},
			"m1_name": {"rack"}, "m1_value": {"A0[0-9]"}, "m1_regex": {"true"}, "m2_name": {""}, "m2_value": {""},
			"duration": {"90m"}, "until": {""}, "comment": {"CRAH-2 filter change, Aiman on it"}})
		list := silences()
		if rec.Code != http.StatusSeeOther || len(list) != 1 {
			t.Fatalf("%d, %d silences:\n%s", rec.Code, len(list), rec.Body)
		}
		made = list[0]
		if loc := rec.Header().Get("Location"); loc != "/silences?created="+id(made.ID)+"#silences" {
			t.Errorf("redirect to %q", loc)
		}
		wantM := []dcim.LabelMatcher{{Name: "alertname", Value: "InletAboveRecommended"}, {Name: "rack", Value: "A0[0-9]", IsRegex: true}}
		if len(made.Matchers) != 2 || made.Matchers[0] != wantM[0] || made.Matchers[1] != wantM[1] || made.CreatedBy != "token:t" ||
			made.Comment != "CRAH-2 filter change, Aiman on it" {
			t.Errorf("silence %+v", made)
		}
		if d := made.Ends.Sub(made.Starts); d != 90*time.Minute || made.Starts.Before(before.Add(-time.Second)) || made.Starts.After(time.Now()) {
			t.Errorf("silence from %v until %v, want 90 minutes from now", made.Starts, made.Ends)
		}
		// The list shows it; the live page counts it and marks the alert it matches.
		code, page := e.get("/silences?created=" + id(made.ID))
		row := regexp.MustCompile(`(?s)<tr id="silence-` + id(made.ID) + `">(.*?)</tr>`).FindStringSubmatch(page)
		if code != http.StatusOK || row == nil || !strings.Contains(page, "Silence "+id(made.ID)+" made.") {
			t.Fatalf("%d:\n%s", code, page)
		}
		for _, want := range []string{`{alertname="InletAboveRecommended", rack=~"A0[0-9]"}`, "<td>in force</td>", "<td>token:t</td>",
			"CRAH-2 filter change", `action="/silences/` + id(made.ID) + `/expire"`} {
			if !strings.Contains(row[1], want) {
				t.Errorf("silence row lacks %q:\n%s", want, row[1])
			}
		}
		if _, page := e.get("/live"); !strings.Contains(page, `firing · <span class="silenced">silenced</span>`) ||
			!strings.Contains(page, "Silences</a>: 1 in force") {
			t.Errorf("live page does not show the alert silenced:\n%s", page)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		rec := e.post("/silences", url.Values{"m0_name": {"alertname"}, "m0_value": {"InletAboveRecommended"},
			"m1_name": {"rack"}, "m1_value": {"A0[0-9"}, "m1_regex": {"true"}, "m2_name": {""}, "m2_value": {"orphan"},
			"duration": {"soon"}, "comment": {"  "}})
		page := html.UnescapeString(rec.Body.String())
		if rec.Code != http.StatusBadRequest || !strings.Contains(page, `id="error-summary"`) {
			t.Fatalf("%d:\n%s", rec.Code, page)
		}
		for field, want := range map[string]string{"m1-value": "missing closing ]", "m2-name": "a label name is required",
			"s-duration": `"soon" is not a duration`, "s-comment": "say why"} {
			if got := fieldError(page, field); !strings.Contains(got, want) {
				t.Errorf("%s: error %q, want %q", field, got, want)
			}
			input := regexp.MustCompile(`<(input|textarea) id="` + field + `"[^>]*>`).FindString(page)
			if !strings.Contains(input, `aria-invalid="true"`) || !strings.Contains(input, `aria-describedby="`+field+`-error`) {
				t.Errorf("%s: %s", field, input)
			}
		}
		if got := fieldError(page, "m0-value"); got != "" {
			t.Errorf("a good row has the error %q", got)
		}
		// What was typed is kept.
		if inputValue(page, "m1-value") != "A0[0-9" || inputValue(page, "m2-value") != "orphan" || inputValue(page, "s-duration") != "soon" ||
			!strings.Contains(regexp.MustCompile(`<input id="m1-regex"[^>]*>`).FindString(page), "checked") {
			t.Errorf("the form does not keep the input:\n%s", page)
		}
		// An end time in the past: the store's objection, beside the end time.
		rec = e.post("/silences", url.Values{"m0_name": {"alertname"}, "m0_value": {"X"}, "duration": {"2h"},
			"until": {time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")}, "comment": {"late"}})
		page = html.UnescapeString(rec.Body.String())
		if got := fieldError(page, "s-until"); rec.Code != http.StatusBadRequest || !strings.Contains(got, "after") {
			t.Errorf("until in the past: %d, error %q", rec.Code, got)
		}
		// No matcher at all: a silence of everything is not one.
		rec = e.post("/silences", url.Values{"m0_name": {""}, "m0_value": {""}, "duration": {"1d"}, "comment": {"everything"}})
		if got := fieldError(html.UnescapeString(rec.Body.String()), "m0-name"); rec.Code != http.StatusBadRequest || !strings.Contains(got, "at least one") {
			t.Errorf("no matcher: %d, error %q", rec.Code, got)
		}
		if n := len(silences()); n != 1 {
			t.Errorf("%d silences, want only the one made before", n)
		}
	})

	t.Run("pending", func(t *testing.T) {
		start := time.Now().Add(24 * time.Hour)
		if _, err := e.st.CreateSilence(e.ctx, dcim.Silence{Matchers: []dcim.LabelMatcher{{Name: "site", Value: demo.SiteName}},
			Starts: start, Ends: start.Add(4 * time.Hour), Comment: "UPS-2 maintenance window"}); err != nil {
			t.Fatal(err)
		}
		_, page := e.get("/silences")
		if !strings.Contains(page, "In force and pending (2)") || !regexp.MustCompile(`<td>pending</td><td>[^<]*</td><td>[^<]*</td><td>[^<]*</td><td>UPS-2 maintenance window`).MatchString(page) {
			t.Errorf("pending silence:\n%s", page)
		}
	})

	t.Run("viewer and tenant", func(t *testing.T) {
		kopi := one(e.st.Tenants().List(e.ctx, byName("Kopi Cloud Sdn Bhd")))
		tokens := map[string]string{}
		for _, u := range []dcim.User{{Name: "vera", Role: dcim.RoleViewer}, {Name: "kopi", Role: dcim.RoleTenant, TenantID: &kopi.ID}} {
			if _, err := e.st.CreateUser(e.ctx, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			_, secret, err := e.st.IssueToken(e.ctx, store.TokenSpec{Name: u.Name + "-cli", User: u.Name, Write: true})
			if err != nil {
				t.Fatal(err)
			}
			tokens[u.Role] = secret
		}
		get := func(role, path string) (int, string) {
			rec := e.do(httptest.NewRequest(http.MethodGet, path, nil), tokens[role])
			return rec.Code, html.UnescapeString(rec.Body.String())
		}
		code, page := get(dcim.RoleViewer, "/silences")
		if code != http.StatusOK || !strings.Contains(page, `<tr id="silence-`+id(made.ID)+`">`) {
			t.Fatalf("viewer: %d:\n%s", code, page)
		}
		if strings.Contains(page, `action="/silences`) || strings.Contains(page, `id="silence-form"`) {
			t.Errorf("a viewer gets a form:\n%s", page)
		}
		if _, page := get(dcim.RoleViewer, "/live"); strings.Contains(page, "/silences?alert=") || !strings.Contains(page, `href="/silences"`) {
			t.Errorf("viewer's live page: a silence link, or no link to the list")
		}
		req := httptest.NewRequest(http.MethodPost, "/silences/"+id(made.ID)+"/expire", nil)
		if rec := e.do(req, tokens[dcim.RoleViewer]); rec.Code != http.StatusForbidden {
			t.Errorf("viewer expires: %d, want 403", rec.Code)
		}
		if code, page := get(dcim.RoleTenant, "/silences"); code != http.StatusForbidden || strings.Contains(page, "CRAH-2") {
			t.Errorf("tenant: %d, want 403", code)
		}
	})

	t.Run("expire", func(t *testing.T) {
		rec := e.post("/silences/"+id(made.ID)+"/expire", nil)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/silences?expired="+id(made.ID)+"#silences" {
			t.Fatalf("%d %q:\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
		}
		for _, sl := range silences() {
			if sl.ID == made.ID {
				t.Errorf("silence %d still listed after expiring", made.ID)
			}
		}
		if _, page := e.get("/silences?expired=" + id(made.ID)); strings.Contains(page, `<tr id="silence-`+id(made.ID)+`">`) ||
			!strings.Contains(page, "Silence "+id(made.ID)+" ended.") {
			t.Errorf("list after expiring:\n%s", page)
		}
		if rec := e.post("/silences/"+id(made.ID)+"/expire", nil); rec.Code != http.StatusNotFound {
			t.Errorf("expired twice: %d, want 404", rec.Code)
		}
	})
}
