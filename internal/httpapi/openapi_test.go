package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixture is a store with one object of every type, and a token.
type fixture struct {
	api   huma.API
	h     http.Handler
	token string
	ids   map[string]int64 // path segment → id of an object there
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(tb.TempDir(), "p.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	must := func(id int64, err error) int64 {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return id
	}
	f := &fixture{ids: map[string]int64{}}
	ten, err := st.Tenants().Create(ctx, dcim.Tenant{Name: "Acme"})
	f.ids["tenants"] = must(ten.ID, err)
	site, err := st.Sites().Create(ctx, dcim.Site{Name: "DC1", Tags: []string{"prod"}})
	f.ids["sites"] = must(site.ID, err)
	room, err := st.Rooms().Create(ctx, dcim.Room{SiteID: site.ID, Name: "Hall 1"})
	f.ids["rooms"] = must(room.ID, err)
	row, err := st.Rows().Create(ctx, dcim.Row{RoomID: room.ID, Name: "A"})
	f.ids["rows"] = must(row.ID, err)
	rack, err := st.Racks().Create(ctx, dcim.Rack{Name: "A01", RoomID: room.ID, RowID: &row.ID})
	f.ids["racks"] = must(rack.ID, err)
	res, err := st.RackReservations().Create(ctx, dcim.RackReservation{RackID: rack.ID, Units: []int{40}, TenantID: &ten.ID, Description: "growth"})
	f.ids["rack-reservations"] = must(res.ID, err)
	m, err := st.Manufacturers().Create(ctx, dcim.Manufacturer{Name: "Dell"})
	f.ids["manufacturers"] = must(m.ID, err)
	draw := 800
	dt, err := st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: m.ID, Model: "R750", UHeight: 2,
		PowerPorts: []dcim.PowerPortTemplate{{Name: "PSU1", MaximumDraw: &draw}}})
	f.ids["device-types"] = must(dt.ID, err)
	pos := 1.0
	d, err := st.Devices().Create(ctx, dcim.Device{Name: "srv1", DeviceTypeID: dt.ID, RackID: &rack.ID, Position: &pos, Face: "front"})
	f.ids["devices"] = must(d.ID, err)
	ports, err := st.PowerPorts().List(ctx, dcim.ListQuery{})
	if err != nil || len(ports.Results) == 0 {
		tb.Fatalf("power ports: %v %v", ports, err)
	}
	f.ids["power-ports"] = ports.Results[0].ID
	f.ids["power-outlets"] = 1 // none exist: a 404 from the handler, not the router
	up, err := st.PowerNodes().Create(ctx, dcim.PowerNode{SiteID: site.ID, Name: "UPS-A", Kind: "ups", Voltage: 400})
	f.ids["power-nodes"] = must(up.ID, err)
	cir, err := st.PowerNodes().Create(ctx, dcim.PowerNode{SiteID: site.ID, Name: "CIR-A1", Kind: "circuit", Voltage: 400})
	must(cir.ID, err)
	edge, err := st.PowerEdges().Create(ctx, dcim.PowerEdge{FromID: up.ID, ToID: cir.ID})
	f.ids["power-edges"] = must(edge.ID, err)
	zone, err := st.CoolingZones().Create(ctx, dcim.CoolingZone{RoomID: room.ID, Name: "Hall 1"})
	f.ids["cooling-zones"] = must(zone.ID, err)
	crah, err := st.CoolingUnits().Create(ctx, dcim.CoolingUnit{RoomID: room.ID, ZoneID: &zone.ID, Name: "CRAH-1", Kind: "crah", CapacityKW: 100})
	f.ids["cooling-units"] = must(crah.ID, err)
	sp, err := st.SensorPoints().Create(ctx, dcim.SensorPoint{RoomID: room.ID, RackID: &rack.ID, Name: "A01 inlet top", Kind: "inlet-top"})
	f.ids["sensor-points"] = must(sp.ID, err)
	pt, err := st.PollTargets().Create(ctx, dcim.PollTarget{DeviceID: &d.ID, Name: "srv1 BMC", URL: "redfish://10.0.0.10"})
	f.ids["poll-targets"] = must(pt.ID, err)
	tags, err := st.Tags().List(ctx, dcim.ListQuery{})
	if err != nil || len(tags.Results) == 0 {
		tb.Fatalf("tags: %v %v", tags, err)
	}
	f.ids["tags"] = tags.Results[0].ID
	_, f.token, err = st.CreateToken(ctx, "test", true, nil)
	if err != nil {
		tb.Fatal(err)
	}
	f.api, f.h = build(Config{Store: st, Version: "test"})
	return f
}

func (f *fixture) do(method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// TestOpenAPIGolden keeps the published document under review: a change to the API shows up as a
// diff of testdata/openapi.json (regenerate with -update).
func TestOpenAPIGolden(t *testing.T) {
	f := newFixture(t)
	rec := f.do(http.MethodGet, Prefix+"/openapi.json", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("openapi.json: %d %s", rec.Code, rec.Body)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
	got, _ := json.MarshalIndent(doc, "", "  ")
	golden := filepath.Join("testdata", "openapi.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Fatalf("openapi.json differs from %s; if the change is intended, run go test ./internal/httpapi -run OpenAPIGolden -update", golden)
	}
}

// TestOpenAPIMatchesHandlers checks the document against the handlers both ways: every documented
// operation is routed (never the router's 404 or 405), the documented resources are exactly the
// ones served, and every 200 response of a GET validates against its documented schema.
func TestOpenAPIMatchesHandlers(t *testing.T) {
	f := newFixture(t)
	oapi := f.api.OpenAPI()
	var paths []string
	for p := range oapi.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	resources := map[string]bool{}
	for _, p := range paths {
		item := oapi.Paths[p]
		rest := strings.TrimPrefix(p, Prefix+"/")
		seg := strings.SplitN(rest, "/", 2)[0]
		resources[seg] = true
		concrete := strings.ReplaceAll(p, "{id}", strconv.FormatInt(f.ids[seg], 10))
		ops := map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
			http.MethodPatch: item.Patch, http.MethodDelete: item.Delete}
		for method, op := range ops {
			if op == nil {
				continue
			}
			t.Run(method+" "+p, func(t *testing.T) {
				body := []byte("{}")
				if method == http.MethodDelete && !strings.Contains(p, "{id}") || strings.HasSuffix(p, "/bulk") || (method == http.MethodPatch && !strings.Contains(p, "{id}")) {
					body = []byte("[]")
				}
				if method == http.MethodDelete && strings.Contains(p, "{id}") {
					// Deleting would change the fixture; an unknown id proves the route just as well.
					concrete := strings.ReplaceAll(p, "{id}", "999999")
					rec := f.do(method, concrete, nil)
					if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "not found") {
						t.Fatalf("%s %s: %d %s", method, concrete, rec.Code, rec.Body)
					}
					return
				}
				if method == http.MethodGet {
					body = nil
				}
				if strings.HasSuffix(p, "/import") {
					body = []byte(`{"files":[{"path":"a.yaml","content":"manufacturer: Acme\nmodel: A1\nu_height: 1\n"}]}`)
				}
				rec := f.do(method, concrete, body)
				if rec.Code == http.StatusMethodNotAllowed || (rec.Code == http.StatusNotFound && !strings.Contains(rec.Body.String(), "not found")) {
					t.Fatalf("%s %s is documented but not routed: %d %s", method, concrete, rec.Code, rec.Body)
				}
				if rec.Code >= 500 {
					t.Fatalf("%s %s: %d %s", method, concrete, rec.Code, rec.Body)
				}
				if method != http.MethodGet || rec.Code != http.StatusOK || strings.HasSuffix(p, "openapi.json") {
					return
				}
				resp := op.Responses["200"]
				if ct := rec.Header().Get("Content-Type"); resp != nil && resp.Content[ct] != nil && ct != "application/json" {
					// A drawing: the documented media type, and well-formed XML for SVG.
					if ct == "image/svg+xml" {
						dec := xml.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
						for {
							if _, err := dec.Token(); err == io.EOF {
								break
							} else if err != nil {
								t.Fatalf("%s %s: malformed SVG: %v", method, concrete, err)
							}
						}
					}
					return
				}
				if resp == nil || resp.Content["application/json"] == nil {
					t.Fatalf("%s %s: no documented 200 application/json response", method, p)
				}
				var v any
				if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
					t.Fatal(err)
				}
				res := &huma.ValidateResult{}
				huma.Validate(oapi.Components.Schemas, resp.Content["application/json"].Schema, huma.NewPathBuffer([]byte{}, 0), huma.ModeReadFromServer, v, res)
				if len(res.Errors) > 0 {
					t.Fatalf("%s %s: response does not match its schema: %v\n%s", method, concrete, res.Errors, rec.Body)
				}
			})
		}
	}
	want := []string{"alert-rules", "alerts", "auth", "bills", "capacity", "changes", "contracts", "cooling-units", "cooling-zones", "device-types", "devices", "energy", "energy-certificates", "manufacturers", "meter-readings", "meters", "power-edges",
		"power-loads", "power-nodes", "power-outlets", "power-ports", "rack-reservations", "racks", "placement", "poll-targets", "rooms", "rows", "sensor-points", "silences", "sites",
		"status", "tags", "tariffs", "tenants", "thermal-classes", "tokens", "users", "whatif"}
	for _, w := range want {
		if !resources[w] {
			t.Errorf("resource %s is not documented", w)
		}
		delete(resources, w)
	}
	for r := range resources {
		if r != "" {
			t.Errorf("documented resource %s is not in the expected list: add it to the test", r)
		}
	}
	// Nothing undocumented is served.
	if rec := f.do(http.MethodGet, Prefix+"/openapi.json", nil); rec.Code != http.StatusOK {
		t.Errorf("openapi.json: %d", rec.Code)
	}
	for _, path := range []string{Prefix + "/nothing", Prefix + "/sites/1/nothing"} {
		rec := f.do(http.MethodGet, path, nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
	rec := f.do(http.MethodPut, Prefix+"/sites", []byte("{}"))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("PUT on a collection: %d, want 405", rec.Code)
	}
}
