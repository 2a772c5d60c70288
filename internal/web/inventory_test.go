package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/httpapi"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/web"
)

// invEnv is the whole handler stack (router, guard, pages) over a demo inventory, with an admin
// token: pages take tokens, which need no CSRF field.
type invEnv struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	h     http.Handler
	admin string
	ui    *web.UI
}

func newInvEnv(t *testing.T) *invEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/p.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	_, token, err := st.CreateToken(ctx, "t", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ui, err := web.New(st, nil, "test", log)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(httpapi.Config{Store: st, Logger: log, Pages: func(r httpapi.PageRouter) { ui.Register(r) }})
	return &invEnv{t: t, ctx: ctx, st: st, h: h, admin: token, ui: ui}
}

func (e *invEnv) do(req *http.Request, token string) *httptest.ResponseRecorder {
	e.t.Helper()
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// get returns the status and the page with its HTML entities decoded.
func (e *invEnv) get(path string) (int, string) {
	e.t.Helper()
	rec := e.do(httptest.NewRequest(http.MethodGet, path, nil), e.admin)
	return rec.Code, html.UnescapeString(rec.Body.String())
}

func (e *invEnv) post(path string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req, e.admin)
}

type upload struct{ field, name, content string }

func (e *invEnv) upload(fields map[string]string, files ...upload) (int, string) {
	e.t.Helper()
	req := multipartRequest(e.t, fields, files...)
	rec := e.do(req, e.admin)
	return rec.Code, html.UnescapeString(rec.Body.String())
}

func multipartRequest(t *testing.T, fields map[string]string, files ...upload) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(fw, f.content)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// one is the only object of a list (a test's setup: anything else is a broken test).
func one[T any](p dcim.Page[T], err error) T {
	if err != nil || len(p.Results) != 1 {
		panic(fmt.Sprintf("want one result, got %d: %v", len(p.Results), err))
	}
	return p.Results[0]
}

func byName(name string) dcim.ListQuery {
	return dcim.ListQuery{Limit: 2, Filters: map[string][]string{"name": {name}}}
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

var (
	bodyRowRE = regexp.MustCompile(`(?s)<tbody>(.*?)</tbody>`)
	rowRE     = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	hrefRE    = regexp.MustCompile(`href="([^"]*)"`)
)

// tableRows counts the rows of the page's inventory table.
func tableRows(page string) int {
	m := bodyRowRE.FindStringSubmatch(page)
	if m == nil {
		return 0
	}
	return len(rowRE.FindAllString(m[1], -1))
}

func TestInventoryList(t *testing.T) {
	e := newInvEnv(t)
	hall := one(e.st.Rooms().List(e.ctx, byName("Data Hall 1")))

	t.Run("filter", func(t *testing.T) {
		code, page := e.get("/inventory/racks?room_id=" + id(hall.ID))
		if code != http.StatusOK || !strings.Contains(page, "Showing 1–40 of 40") || tableRows(page) != 40 {
			t.Fatalf("%d, %d rows:\n%s", code, tableRows(page), page)
		}
		// The room filter is a select with the hall chosen; the rows link to the racks' pages.
		if !strings.Contains(page, `<option value="`+id(hall.ID)+`" selected>Data Hall 1`) || !strings.Contains(page, `href="/racks/`) {
			t.Errorf("filter select or rack links missing:\n%s", page)
		}
	})

	t.Run("pages", func(t *testing.T) {
		site := one(e.st.Sites().List(e.ctx, dcim.ListQuery{Limit: 1}))
		all, err := e.st.Devices().List(e.ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"site_id": {id(site.ID)}}})
		if err != nil || all.Count <= 100 {
			t.Fatalf("%d devices: %v", all.Count, err)
		}
		code, page := e.get("/inventory/devices?site_id=" + id(site.ID) + "&ordering=name")
		want := fmt.Sprintf("Showing 1–50 of %d", all.Count)
		if code != http.StatusOK || !strings.Contains(page, want) || tableRows(page) != 50 {
			t.Fatalf("%d, %d rows, want %q:\n%s", code, tableRows(page), want, page)
		}
		next := ""
		for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
			if strings.Contains(m[1], "offset=50") {
				next = m[1]
			}
		}
		if !strings.Contains(next, "site_id="+id(site.ID)) || !strings.Contains(next, "ordering=name") {
			t.Fatalf("next link %q does not keep the filter and ordering", next)
		}
		code, page = e.get(next)
		if want := fmt.Sprintf("Showing 51–100 of %d", all.Count); code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("%d, want %q:\n%s", code, want, page)
		}
		if !strings.Contains(page, `rel="prev"`) || !strings.Contains(page, "offset=100") {
			t.Errorf("previous or next link missing on page 2")
		}
	})

	t.Run("search", func(t *testing.T) {
		want, err := e.st.Racks().List(e.ctx, dcim.ListQuery{Limit: 1, Q: "A0"})
		if err != nil || want.Count == 0 {
			t.Fatal(want.Count, err)
		}
		code, page := e.get("/inventory/racks?q=A0")
		if code != http.StatusOK || !strings.Contains(page, fmt.Sprintf("of %d", want.Count)) || tableRows(page) != want.Count {
			t.Fatalf("%d, %d rows, want %d:\n%s", code, tableRows(page), want.Count, page)
		}
		if !strings.Contains(page, `id="inv-q" name="q" type="search" value="A0"`) {
			t.Errorf("search box does not keep the query")
		}
	})

	t.Run("bad ordering", func(t *testing.T) {
		code, page := e.get("/inventory/racks?ordering=bogus")
		_, err := e.st.Racks().List(e.ctx, dcim.ListQuery{Ordering: "bogus"})
		if code != http.StatusBadRequest || err == nil || !strings.Contains(page, err.Error()) {
			t.Fatalf("%d, want the store's %q:\n%s", code, err, page)
		}
	})

	t.Run("unknown type", func(t *testing.T) {
		if code, _ := e.get("/inventory/widgets"); code != http.StatusNotFound {
			t.Errorf("%d, want 404", code)
		}
		if code, _ := e.get("/inventory/widgets/new"); code != http.StatusNotFound {
			t.Errorf("new: %d, want 404", code)
		}
	})

	// Every kind lists, and every column heading it offers to order by is one the store allows.
	t.Run("every kind and ordering", func(t *testing.T) {
		for _, kind := range []string{"sites", "rooms", "rows", "racks", "devices", "device-types", "manufacturers", "tenants",
			"power-nodes", "cooling-units", "sensor-points", "meters"} {
			code, page := e.get("/inventory/" + kind)
			if code != http.StatusOK || tableRows(page) == 0 {
				t.Errorf("%s: %d, %d rows", kind, code, tableRows(page))
				continue
			}
			for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
				if !strings.Contains(m[1], "ordering=") {
					continue
				}
				for _, dir := range []string{"", "-"} {
					u := strings.Replace(m[1], "ordering=", "ordering="+dir, 1)
					if code, p := e.get(u); code != http.StatusOK || tableRows(p) == 0 {
						t.Errorf("%s: %s: %d", kind, u, code)
					}
				}
			}
		}
	})
}

func TestInventoryForms(t *testing.T) {
	e := newInvEnv(t)

	t.Run("create site", func(t *testing.T) {
		rec := e.post("/inventory/sites", url.Values{"name": {"Johor DC2"}, "status": {"planned"}, "time_zone": {"Asia/Kuala_Lumpur"},
			"latitude": {"1.4927"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%d:\n%s", rec.Code, rec.Body)
		}
		site := one(e.st.Sites().List(e.ctx, byName("Johor DC2")))
		if loc := rec.Header().Get("Location"); loc != "/sites/"+id(site.ID) {
			t.Errorf("redirect to %q, want /sites/%d", loc, site.ID)
		}
		if site.Status != "planned" || site.Latitude == nil || *site.Latitude != 1.4927 || site.Slug == "" {
			t.Errorf("site %+v", site)
		}
	})

	t.Run("new form", func(t *testing.T) {
		rack := one(e.st.Racks().List(e.ctx, byName("C03")))
		code, page := e.get("/inventory/devices/new?site_id=" + id(rack.SiteID) + "&rack_id=" + id(rack.ID))
		if code != http.StatusOK || !strings.Contains(page, `<option value="`+id(rack.ID)+`" selected>C03`) ||
			!strings.Contains(page, `name="csrf_token"`) || !strings.Contains(page, `id="f-device_type_id"`) {
			t.Fatalf("%d:\n%s", code, page)
		}
	})

	t.Run("taken position", func(t *testing.T) {
		taken := one(e.st.Devices().List(e.ctx, byName("A01-SRV01")))
		form := url.Values{"name": {"A01-NEW"}, "device_type_id": {id(taken.DeviceTypeID)}, "rack_id": {id(*taken.RackID)},
			"position": {strconv.FormatFloat(*taken.Position, 'f', -1, 64)}, "face": {"front"}, "tenant_id": {id(*taken.TenantID)},
			"serial": {"SN-KEPT"}}
		rec := e.post("/inventory/devices", form)
		page := html.UnescapeString(rec.Body.String())
		if rec.Code != http.StatusConflict && rec.Code != http.StatusBadRequest {
			t.Fatalf("%d, want 409 or 400:\n%s", rec.Code, page)
		}
		// The message next to the field, the field marked and described by it, the other device linked.
		errSpan := regexp.MustCompile(`<span class="field-error" id="f-position-error">([^<]*)`).FindStringSubmatch(page)
		if errSpan == nil || !strings.Contains(errSpan[1], "taken") {
			t.Fatalf("no position error:\n%s", page)
		}
		input := regexp.MustCompile(`<input id="f-position"[^>]*>`).FindString(page)
		if !strings.Contains(input, `aria-invalid="true"`) || !strings.Contains(input, `aria-describedby="f-position-error`) ||
			!strings.Contains(input, `value="`+form.Get("position")+`"`) {
			t.Errorf("position input %s", input)
		}
		if !strings.Contains(page, `href="/devices/`+id(taken.ID)+`"`) || !strings.Contains(page, `id="error-summary"`) {
			t.Errorf("no link to the device in the way, or no summary")
		}
		for _, kept := range []string{`value="A01-NEW"`, `value="SN-KEPT"`} {
			if !strings.Contains(page, kept) {
				t.Errorf("input %s not kept", kept)
			}
		}
		if _, err := e.st.Devices().List(e.ctx, byName("A01-NEW")); err != nil {
			t.Fatal(err)
		}
		if p, _ := e.st.Devices().List(e.ctx, byName("A01-NEW")); p.Count != 0 {
			t.Errorf("device created anyway")
		}
	})

	t.Run("bad number", func(t *testing.T) {
		rec := e.post("/inventory/racks", url.Values{"name": {"X1"}, "u_height": {"forty-two"}})
		page := html.UnescapeString(rec.Body.String())
		if rec.Code != http.StatusBadRequest || !strings.Contains(page, `id="f-u_height-error"`) ||
			!strings.Contains(page, `value="forty-two"`) {
			t.Fatalf("%d:\n%s", rec.Code, page)
		}
	})

	t.Run("edit keeps the other fields", func(t *testing.T) {
		// Tags are not in the form: they must survive it, as every field the form leaves out.
		before, err := e.st.Racks().Patch(e.ctx, one(e.st.Racks().List(e.ctx, byName("B05"))).ID,
			map[string]json.RawMessage{"tags": json.RawMessage(`["cage-7"]`), "serial": json.RawMessage(`"RK-B05"`)})
		if err != nil {
			t.Fatal(err)
		}
		code, page := e.get("/inventory/racks/" + id(before.ID) + "/edit")
		if code != http.StatusOK || !strings.Contains(page, `value="B05"`) || !strings.Contains(page, `value="`+*before.FacilityID+`"`) {
			t.Fatalf("%d:\n%s", code, page)
		}
		rec := e.post("/inventory/racks/"+id(before.ID), url.Values{"description": {"changed by the form"}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/racks/"+id(before.ID) {
			t.Fatalf("%d %s:\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
		}
		after, err := e.st.Racks().Get(e.ctx, before.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Description != "changed by the form" {
			t.Errorf("description %q", after.Description)
		}
		after.Description, after.LastUpdated = before.Description, before.LastUpdated
		a, _ := json.Marshal(after)
		b, _ := json.Marshal(before)
		if !bytes.Equal(a, b) || len(after.Tags) != 1 {
			t.Errorf("other fields changed:\n%s\n%s", b, a)
		}
	})

	t.Run("tenant form", func(t *testing.T) {
		rec := e.post("/inventory/tenants", url.Values{"name": {"Teh Tarik Hosting"}})
		tn := one(e.st.Tenants().List(e.ctx, byName("Teh Tarik Hosting")))
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/inventory/tenants?id="+id(tn.ID) {
			t.Fatalf("%d %s", rec.Code, rec.Header().Get("Location"))
		}
		// The same name again: the store's conflict, next to the name.
		rec = e.post("/inventory/tenants", url.Values{"name": {"Teh Tarik Hosting"}})
		if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), `id="f-name-error"`) {
			t.Fatalf("%d:\n%s", rec.Code, rec.Body)
		}
	})

	t.Run("no form yet", func(t *testing.T) {
		code, page := e.get("/inventory/power-nodes/new")
		if code != http.StatusOK || !strings.Contains(page, "/api/v1/power-nodes") {
			t.Fatalf("%d:\n%s", code, page)
		}
	})
}

func TestInventoryTenantUser(t *testing.T) {
	e := newInvEnv(t)
	kopi := one(e.st.Tenants().List(e.ctx, byName("Kopi Cloud Sdn Bhd")))
	if _, err := e.st.CreateUser(e.ctx, dcim.User{Name: "kopi-user", Role: dcim.RoleTenant, TenantID: &kopi.ID}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	_, token, err := e.st.IssueToken(e.ctx, store.TokenSpec{Name: "x", User: "kopi-user", Write: true})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := e.st.Racks().List(e.ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"tenant_id": {id(kopi.ID)}}})
	if err != nil || mine.Count == 0 {
		t.Fatal(mine.Count, err)
	}
	get := func(path string) (int, string) {
		rec := e.do(httptest.NewRequest(http.MethodGet, path, nil), token)
		return rec.Code, html.UnescapeString(rec.Body.String())
	}
	code, page := get("/inventory/racks")
	if code != http.StatusOK || !strings.Contains(page, fmt.Sprintf("Showing 1–%d of %d", mine.Count, mine.Count)) || tableRows(page) != mine.Count {
		t.Fatalf("%d, %d rows, want %d:\n%s", code, tableRows(page), mine.Count, page)
	}
	if strings.Contains(page, ">B01<") || strings.Contains(page, "Bank Petaling") || strings.Contains(page, `id="new"`) {
		t.Errorf("a tenant sees another's rack, or a create link:\n%s", page)
	}
	if code, _ := get("/inventory/power-nodes"); code != http.StatusForbidden {
		t.Errorf("power nodes: %d, want 403", code)
	}
	if code, _ := get("/inventory/racks/new"); code != http.StatusForbidden {
		t.Errorf("new rack: %d, want 403", code)
	}
}

func TestImportDevicesCSV(t *testing.T) {
	e := newInvEnv(t)
	srv := one(e.st.Devices().List(e.ctx, byName("A01-SRV01")))
	dt, err := e.st.DeviceTypes().Get(e.ctx, srv.DeviceTypeID)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		p, err := e.st.Devices().List(e.ctx, dcim.ListQuery{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return p.Count
	}
	before := count()
	const header = "name,device_type,site,rack,position,face,tenant,serial,asset_tag,status\n"
	row := func(name, rack string, pos int) string {
		return fmt.Sprintf("%s,%s,%s,%s,%d,front,Kopi Cloud Sdn Bhd,SN-%s,,planned\n", name, dt.Model, demo.SiteName, rack, pos, name)
	}

	t.Run("refused", func(t *testing.T) {
		csv := header + row("IMP-1", "A01", 25) + row("IMP-2", "Z99", 26) + row("IMP-3", "A01", 1) + row("IMP-4", "A01", 27)
		page := e.imported(e.admin, map[string]string{"kind": "devices"}, upload{"csv", "devices.csv", csv})
		if !strings.Contains(page, `id="phase">failed<`) || !strings.Contains(page, "Nothing was imported") ||
			!strings.Contains(page, "2 problems in 4 rows") {
			t.Fatalf("refused import:\n%s", page)
		}
		problems := map[string]string{}
		for _, m := range regexp.MustCompile(`<tr><td class="n">(\d+)</td><td>([^<]*)</td><td>(.*?)</td></tr>`).FindAllStringSubmatch(page, -1) {
			problems[m[1]+" "+m[2]] = m[3]
		}
		if len(problems) != 2 || !strings.Contains(problems["3 rack"], `unknown rack "Z99"`) || !strings.Contains(problems["4 position"], "taken") {
			t.Fatalf("problems %q:\n%s", problems, page)
		}
		if n := count(); n != before {
			t.Errorf("%d devices created", n-before)
		}
	})

	t.Run("created", func(t *testing.T) {
		csv := header + row("IMP-1", "A01", 25) + row("IMP-2", "A01", 26) + "\n" + row("IMP-3", "CJ1-H1-A01", 27)
		page := e.imported(e.admin, map[string]string{"kind": "devices"}, upload{"csv", "devices.csv", csv})
		if !strings.Contains(page, `id="phase">done<`) || !strings.Contains(page, "Created 3 devices") ||
			!strings.Contains(page, "Rows: 3 of 3 checked, 3 written") {
			t.Fatalf("import:\n%s", page)
		}
		if n := count(); n != before+3 {
			t.Errorf("%d devices created, want 3", n-before)
		}
		d := one(e.st.Devices().List(e.ctx, byName("IMP-3")))
		if d.RackID == nil || *d.RackID != *srv.RackID || d.Position == nil || *d.Position != 27 || d.Status != "planned" || d.Serial != "SN-IMP-3" {
			t.Errorf("device %+v", d)
		}
	})

	t.Run("two rows in one place", func(t *testing.T) {
		csv := header + row("IMP-5", "A01", 30) + row("IMP-6", "A01", 30)
		page := e.imported(e.admin, map[string]string{"kind": "devices", "csv_text": csv})
		if !strings.Contains(page, "the device on line 2") || !strings.Contains(page, "Nothing was imported") {
			t.Fatalf("import:\n%s", page)
		}
		if p, _ := e.st.Devices().List(e.ctx, byName("IMP-5")); p.Count != 0 {
			t.Errorf("IMP-5 created")
		}
	})

	t.Run("too large", func(t *testing.T) {
		big := header + strings.Repeat("#", 32<<20)
		code, page := e.upload(map[string]string{"kind": "devices"}, upload{"csv", "big.csv", big})
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(page, "larger than 32 MiB") {
			t.Fatalf("%d", code)
		}
	})

	t.Run("bad header", func(t *testing.T) {
		page := e.imported(e.admin, map[string]string{"kind": "devices", "csv_text": "name,colour\nx,red\n"})
		if !strings.Contains(page, "unknown column") || !strings.Contains(page, `id="phase">failed<`) {
			t.Fatalf("import:\n%s", page)
		}
	})
}

func TestImportDeviceTypesYAML(t *testing.T) {
	e := newInvEnv(t)
	good := "manufacturer: Acme\nmodel: Widget 9000\nslug: acme-widget-9000\nu_height: 2\npower-ports:\n  - name: PSU1\n    maximum_draw: 500\n"
	page := e.imported(e.admin, map[string]string{"kind": "device-types"},
		upload{"files", "widget-9000.yaml", good}, upload{"files", "broken.yaml", "model: [unclosed\n  u_height: :\n"})
	if !strings.Contains(page, "1 created") || !strings.Contains(page, "0 updated") || !strings.Contains(page, "0 unchanged") ||
		!strings.Contains(page, `id="phase">done<`) || !strings.Contains(page, "Files: 2 of 2 done") {
		t.Fatalf("import:\n%s", page)
	}
	m := regexp.MustCompile(`(?s)id="yaml-problems".*?<tbody>(.*?)</tbody>`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(m[1], "<td>broken.yaml</td>") || strings.Contains(m[1], "widget-9000.yaml") {
		t.Fatalf("problems table:\n%s", page)
	}
	dt := one(e.st.DeviceTypes().List(e.ctx, dcim.ListQuery{Limit: 2, Filters: map[string][]string{"model": {"Widget 9000"}}}))
	if dt.UHeight != 2 || len(dt.PowerPorts) != 1 {
		t.Errorf("device type %+v", dt)
	}
	// The same file again changes nothing.
	page = e.imported(e.admin, map[string]string{"kind": "device-types"}, upload{"files", "widget-9000.yaml", good})
	if !strings.Contains(page, "0 created") || !strings.Contains(page, "1 unchanged") {
		t.Fatalf("again:\n%s", page)
	}
	// Changed, it is updated.
	page = e.imported(e.admin, map[string]string{"kind": "device-types"}, upload{"files", "widget-9000.yaml", strings.Replace(good, "u_height: 2", "u_height: 3", 1)})
	if !strings.Contains(page, "1 updated") || !strings.Contains(page, "0 unchanged") {
		t.Fatalf("changed:\n%s", page)
	}
	// The page itself.
	if code, page := e.get("/import"); code != http.StatusOK || !strings.Contains(page, `type="file" multiple`) {
		t.Fatalf("%d:\n%s", code, page)
	}
}

// TestImportWithSession: a signed-in operator's browser posts the import form with the page's CSRF
// token (the guard reads it from the multipart body); without it the post is refused.
func TestImportWithSession(t *testing.T) {
	e := newInvEnv(t)
	if _, err := e.st.CreateUser(e.ctx, dcim.User{Name: "olga", Role: dcim.RoleOperator}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	login := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"name": {"olga"}, "password": {"a long enough password"}}.Encode()))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, login)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || len(cookies) == 0 {
		t.Fatalf("login: %d", rec.Code)
	}
	send := func(req *http.Request) *httptest.ResponseRecorder {
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec
	}
	rec = send(httptest.NewRequest(http.MethodGet, "/import", nil))
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || m == nil {
		t.Fatalf("import page: %d, no CSRF token", rec.Code)
	}
	yaml := upload{"files", "gadget.yaml", "manufacturer: Acme\nmodel: Gadget\nu_height: 1\n"}
	if rec := send(multipartRequest(t, map[string]string{"kind": "device-types"}, yaml)); rec.Code != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d, want 403", rec.Code)
	}
	rec = send(multipartRequest(t, map[string]string{"kind": "device-types", "csrf_token": m[1]}, yaml))
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/import/") {
		t.Fatalf("%d %q:\n%s", rec.Code, loc, rec.Body)
	}
	page := waitImport(t, func() (int, string) {
		rec := send(httptest.NewRequest(http.MethodGet, loc, nil))
		return rec.Code, rec.Body.String()
	})
	if !strings.Contains(page, "1 created") {
		t.Fatalf("import page:\n%s", page)
	}
	// A form post from the same session, with its token.
	req := httptest.NewRequest(http.MethodPost, "/inventory/tenants", strings.NewReader(url.Values{"name": {"Roti Canai Compute"}, "csrf_token": {m[1]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := send(req); rec.Code != http.StatusSeeOther {
		t.Errorf("tenant form: %d:\n%s", rec.Code, rec.Body)
	}
}
