package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plenum-dcim/plenum/internal/auth"
	"github.com/plenum-dcim/plenum/internal/auth/oidctest"
	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
	"github.com/plenum-dcim/plenum/internal/testpeer"
	"github.com/plenum-dcim/plenum/internal/web"
)

// The authorization matrix (issue #6). Who may use each route is written here again, apart from
// access.go, as the product's promise: admin (A), operator (O), viewer (V), tenant user (T), and
// "*" for routes open without sign-in. The test walks every route the server registers, so a new
// route without an entry here fails it.

// tenantReadable are the generic resources a tenant user reads (its own rows only).
var tenantReadable = []string{"sites", "rooms", "rows", "racks", "rack-reservations", "manufacturers", "device-types", "devices",
	"power-ports", "power-outlets", "tenants", "sensor-points", "meters", "meter-readings", "tariffs", "contracts"}

// genericResources are every generic resource; the others are operators' and viewers' only.
var genericResources = append(slices.Clone(tenantReadable), "tags", "power-nodes", "power-edges", "cooling-zones", "cooling-units",
	"energy-certificates", "poll-targets", "thermal-classes", "alert-rules")

var specialRoutes = map[string]string{
	"GET /api/v1/status": "AOVT", "GET /api/v1/openapi.json": "AOVT", "GET /api/v1/openapi.yaml": "AOVT",
	"GET /api/v1/openapi-3.0.json": "AOVT", "GET /api/v1/openapi-3.0.yaml": "AOVT",
	"POST /api/v1/auth/login": "*", "GET /api/v1/auth/oidc/login": "*", "GET /api/v1/auth/oidc/callback": "*",
	"POST /api/v1/auth/logout": "AOVT", "GET /api/v1/auth/me": "AOVT", "POST /api/v1/auth/password": "AOVT",
	"GET /api/v1/tokens": "AOVT", "POST /api/v1/tokens": "AOVT", "DELETE /api/v1/tokens/{id}": "AOVT",
	"GET /api/v1/users": "A", "POST /api/v1/users": "A", "PATCH /api/v1/users/{name}": "A", "POST /api/v1/users/{name}/password": "A",
	"GET /api/v1/changes": "AOV",
	"GET /api/v1/alerts":  "AOVT", "GET /api/v1/alerts/{id}": "AOVT", "POST /api/v1/alerts/{id}/ack": "AO",
	"GET /api/v1/silences": "AOV", "POST /api/v1/silences": "AO", "DELETE /api/v1/silences/{id}": "AO",
	"GET /api/v1/alert-rules/effective": "AOV", "GET /api/v1/bills/draft": "AOVT",
	"POST /api/v1/bills": "AO", "GET /api/v1/bills": "AOVT", "GET /api/v1/bills/{id}": "AOVT",
	"GET /api/v1/capacity": "AOV", "POST /api/v1/placement": "AOT", "POST /api/v1/device-types/import": "AO",
	"GET /api/v1/racks/{id}/elevation.svg": "AOVT",
	"GET /api/v1/energy/kpis":              "AOV", "GET /api/v1/energy/targets": "AOV", "GET /api/v1/energy/eu-kpis": "AOV",
	"GET /api/v1/energy/annual-report": "AOV",
	"POST /api/v1/whatif":              "AO", "GET /api/v1/whatif/n-1": "AO", "GET /api/v1/power-loads": "AOVT",
	"POST /api/v1/meters/{id}/readings": "AO", "GET /api/v1/poll-status": "AOV", "GET /api/v1/unbound-series": "AOV",
	"GET /metrics": "AOV", "POST /api/v1/write": "AO", "POST /write": "AO", "POST /api/v2/write": "AO",
	"GET /api/v1/query": "AOVT", "POST /api/v1/query": "AOVT", "GET /api/v1/query_range": "AOVT", "POST /api/v1/query_range": "AOVT",
	"GET /api/v1/series": "AOVT", "POST /api/v1/series": "AOVT", "GET /api/v1/labels": "AOVT", "POST /api/v1/labels": "AOVT",
	"GET /api/v1/label/{name}/values": "AOVT",
	// The web UI's pages.
	"GET /static/{file}": "*", "GET /login": "*", "POST /login": "*", "POST /logout": "AOVT",
	"GET /{$}": "AOVT", "GET /search": "AOVT", "GET /sites/{id}": "AOVT", "GET /rooms/{id}": "AOVT",
	"GET /racks/{id}": "AOVT", "GET /devices/{id}": "AOVT", "GET /placement": "AOT", "POST /placement": "AOT",
	"GET /sites/{id}/energy": "AOV", "GET /sites/{id}/power": "AOV", "GET /sites/{id}/whatif": "AO",
	"GET /inventory/{type}": "AOVT", "GET /inventory/{type}/new": "AO", "POST /inventory/{type}": "AO",
	"GET /inventory/{type}/{id}/edit": "AO", "POST /inventory/{type}/{id}": "AO", "GET /import": "AO", "POST /import": "AO",
	"GET /sites/{id}/capacity": "AOV", "GET /live": "AOV", "POST /alerts/{id}/ack": "AO", "GET /bills": "AOVT",
	"GET /import/{id}": "AO", "GET /silences": "AOV", "POST /silences": "AO", "POST /silences/{id}/expire": "AO",
}

// expectedRoles says who may use a route, or false for a route the test does not know.
func expectedRoles(pattern string) (string, bool) {
	if who, ok := specialRoutes[pattern]; ok {
		return who, true
	}
	method, path, _ := strings.Cut(pattern, " ")
	rest := strings.TrimPrefix(path, Prefix+"/")
	name, sub, _ := strings.Cut(rest, "/")
	if !slices.Contains(genericResources, name) || !slices.Contains([]string{"", "{id}", "bulk"}, sub) {
		return "", false
	}
	who := "AO"
	if method == http.MethodGet {
		who = "AOV"
	}
	if slices.Contains(tenantReadable, name) && (method == http.MethodGet || name == "rack-reservations") {
		who += "T"
	}
	return who, true
}

// readRoutes are the routes a read-scope token may use though they are not GETs.
var readRoutes = []string{"POST /api/v1/query", "POST /api/v1/query_range", "POST /api/v1/series", "POST /api/v1/labels",
	"POST /api/v1/whatif"}

// portal is a facility shared by two tenants, Acme (A) and Globex (B), with a unit of everything a
// tenant may see on each side, and a user of each role with a token.
type portal struct {
	e                 *apiEnv
	mux               *router
	ts                *telemetry.Store
	site, room, row   int64
	acme, globex      int64
	ids               map[string][2]int64 // resource → (Acme's, Globex's) object
	other             map[string]int64    // resources tenants do not see → one object
	rackFree          int64
	billA, billB      int64
	nodeA, nodeB, ups int64
	devA, devB        string
	tokens            map[string]string // role letter (A, O, V, T for Acme, G for Globex, R read-only admin) → secret
	month             string
	deviceB           string
	importPage        string // an import's page, of the operator's import
}

func newPortal(t *testing.T, eng testpeer.Engine) *portal {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, eng.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts, err := telemetry.Open(telemetry.Options{Dir: t.TempDir(), OutOfOrder: telemetry.DefaultOutOfOrder})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	_, tok, err := st.CreateToken(ctx, "tester", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	idp := oidctest.New(t, "plenum", "secret")
	provider, err := auth.NewOIDC(ctx, auth.OIDCConfig{Issuer: idp.Issuer(), ClientID: "plenum", ClientSecret: "secret",
		RedirectURL: "http://plenum.test" + Prefix + "/auth/oidc/callback", RoleMap: map[string]string{"noc": dcim.RoleOperator}})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	ui, err := web.New(st, nil, "test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	_, mux, h := buildRouted(Config{Store: st, Telemetry: ts, Version: "test", OIDC: provider,
		Pollers: fixedHealth{}, Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Pages: func(r PageRouter) { ui.Register(r) }})
	e := &apiEnv{engine: eng.Name, st: st, h: h, token: tok}
	p := &portal{e: e, mux: mux, ts: ts, ids: map[string][2]int64{}, other: map[string]int64{}, tokens: map[string]string{}, month: "2026-10"}

	p.acme = e.create(t, "tenants", obj{"name": "Acme"})
	p.globex = e.create(t, "tenants", obj{"name": "Globex"})
	p.ids["tenants"] = [2]int64{p.acme, p.globex}
	p.site = e.create(t, "sites", obj{"name": "DC1", "time_zone": "Asia/Kuala_Lumpur"})
	siteB := e.create(t, "sites", obj{"name": "DC2"})
	p.room = e.create(t, "rooms", obj{"site_id": p.site, "name": "Hall 1"})
	roomB := e.create(t, "rooms", obj{"site_id": siteB, "name": "Hall 9"})
	p.row = e.create(t, "rows", obj{"room_id": p.room, "name": "Row A"})
	rowB := e.create(t, "rows", obj{"room_id": roomB, "name": "Row B"})
	p.ids["sites"], p.ids["rooms"], p.ids["rows"] = [2]int64{p.site, siteB}, [2]int64{p.room, roomB}, [2]int64{p.row, rowB}
	rackA := e.create(t, "racks", obj{"room_id": p.room, "row_id": p.row, "name": "A01", "u_height": 42, "tenant_id": p.acme})
	rackB := e.create(t, "racks", obj{"room_id": roomB, "row_id": rowB, "name": "B01", "u_height": 42, "tenant_id": p.globex})
	p.rackFree = e.create(t, "racks", obj{"room_id": p.room, "row_id": p.row, "name": "A02", "u_height": 42})
	p.ids["racks"] = [2]int64{rackA, rackB}
	mfr := e.create(t, "manufacturers", obj{"name": "Dell"})
	server := e.create(t, "device-types", obj{"manufacturer_id": mfr, "model": "R650", "u_height": 1, "is_full_depth": true,
		"power_ports": []obj{{"name": "PSU1", "maximum_draw": 400}}})
	pdu := e.create(t, "device-types", obj{"manufacturer_id": mfr, "model": "Rack PDU", "u_height": 0, "is_full_depth": false,
		"power_ports":   []obj{{"name": "Input"}},
		"power_outlets": []obj{{"name": "1", "power_port": "Input", "feed_leg": "A"}}})
	p.ids["manufacturers"], p.ids["device-types"] = [2]int64{mfr, mfr}, [2]int64{server, pdu}
	p.devA, p.devB = "acme-web-1", "globex-db-1"
	devA := e.create(t, "devices", obj{"name": p.devA, "device_type_id": server, "rack_id": rackA, "position": 10, "face": "front", "tenant_id": p.acme})
	devB := e.create(t, "devices", obj{"name": p.devB, "device_type_id": server, "rack_id": rackB, "position": 10, "face": "front", "tenant_id": p.globex})
	p.deviceB = p.devB
	p.ids["devices"] = [2]int64{devA, devB}
	pduA := e.create(t, "devices", obj{"name": "A01-PDU-A", "device_type_id": pdu, "rack_id": rackA})
	pduB := e.create(t, "devices", obj{"name": "B01-PDU-A", "device_type_id": pdu, "rack_id": rackB})
	portOf := func(dev int64) int64 {
		return idOf(t, e.list(t, Prefix+"/power-ports?device_id="+strconv.FormatInt(dev, 10)).Results[0])
	}
	outletOf := func(dev int64) int64 {
		return idOf(t, e.list(t, Prefix+"/power-outlets?device_id="+strconv.FormatInt(dev, 10)).Results[0])
	}
	p.ids["power-ports"] = [2]int64{portOf(devA), portOf(devB)}
	p.ids["power-outlets"] = [2]int64{outletOf(pduA), outletOf(pduB)}
	p.ups = e.create(t, "power-nodes", obj{"site_id": p.site, "name": "UPS-A", "kind": "ups", "voltage": 400, "rated_kva": 500})
	p.nodeA = e.create(t, "power-nodes", obj{"site_id": p.site, "room_id": p.room, "name": "A01-PDU-A", "kind": "rack-pdu", "voltage": 400, "device_id": pduA})
	p.nodeB = e.create(t, "power-nodes", obj{"site_id": siteB, "room_id": roomB, "name": "B01-PDU-A", "kind": "rack-pdu", "voltage": 400, "device_id": pduB})
	p.other["power-nodes"] = p.ups
	p.other["power-edges"] = e.create(t, "power-edges", obj{"from_id": p.ups, "to_id": p.nodeA})
	zone := e.create(t, "cooling-zones", obj{"room_id": p.room, "name": "Zone 1", "redundancy": "N"})
	p.other["cooling-zones"] = zone
	p.other["cooling-units"] = e.create(t, "cooling-units", obj{"room_id": p.room, "zone_id": zone, "name": "CRAH-1", "kind": "crah", "capacity_kw": 100})
	p.other["tags"] = e.create(t, "tags", obj{"name": "critical"})
	p.other["alert-rules"] = e.create(t, "alert-rules", obj{"name": "UPSOnBattery", "expr": "ups_on_battery == 1"})
	p.other["thermal-classes"] = e.create(t, "thermal-classes", obj{"name": "Lab", "recommended_min_c": 18, "recommended_max_c": 27,
		"allowable_min_c": 10, "allowable_max_c": 35})
	p.other["energy-certificates"] = e.create(t, "energy-certificates", obj{"site_id": p.site, "period_start": "2026-01-01T00:00:00Z",
		"period_end": "2027-01-01T00:00:00Z", "kwh": 1000})
	p.other["poll-targets"] = e.create(t, "poll-targets", obj{"name": "pdu-a", "device_id": pduA, "url": "snmp://192.0.2.10", "profile": "apc-rpdu2", "credentials": "public"})
	p.ids["sensor-points"] = [2]int64{
		e.create(t, "sensor-points", obj{"room_id": p.room, "rack_id": rackA, "name": "A01 inlet", "kind": "inlet-middle"}),
		e.create(t, "sensor-points", obj{"room_id": roomB, "rack_id": rackB, "name": "B01 inlet", "kind": "inlet-middle"})}
	future := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	p.ids["rack-reservations"] = [2]int64{
		e.create(t, "rack-reservations", obj{"rack_id": rackA, "units": []int{40}, "tenant_id": p.acme, "description": "Acme growth", "expires": future}),
		e.create(t, "rack-reservations", obj{"rack_id": rackB, "units": []int{40}, "tenant_id": p.globex, "description": "Globex growth", "expires": future})}
	meterA := e.create(t, "meters", obj{"name": "Acme A01", "role": "it-input", "power_node_id": p.nodeA, "tenant_id": p.acme, "source": "manual"})
	meterB := e.create(t, "meters", obj{"name": "Globex B01", "role": "it-input", "power_node_id": p.nodeB, "tenant_id": p.globex, "source": "manual"})
	p.ids["meters"] = [2]int64{meterA, meterB}
	p.ids["meter-readings"] = [2]int64{
		e.create(t, "meter-readings", obj{"meter_id": meterA, "at": "2026-10-01T00:00:00Z", "value": 100}),
		e.create(t, "meter-readings", obj{"meter_id": meterB, "at": "2026-10-01T00:00:00Z", "value": 200})}
	e.create(t, "meter-readings", obj{"meter_id": meterA, "at": "2026-10-31T00:00:00Z", "value": 1100})
	e.create(t, "meter-readings", obj{"meter_id": meterB, "at": "2026-10-31T00:00:00Z", "value": 2200})
	tariffA := e.create(t, "tariffs", obj{"name": "Colo A", "effective_from": "2026-01-01T00:00:00Z", "energy_sen_per_kwh": 45.4})
	tariffB := e.create(t, "tariffs", obj{"name": "Colo B", "effective_from": "2026-01-01T00:00:00Z", "energy_sen_per_kwh": 50})
	p.ids["tariffs"] = [2]int64{tariffA, tariffB}
	p.ids["contracts"] = [2]int64{
		e.create(t, "contracts", obj{"tenant_id": p.acme, "site_id": p.site, "tariff": "Colo A", "contracted_kw": 10, "start": "2026-01-01T00:00:00Z"}),
		e.create(t, "contracts", obj{"tenant_id": p.globex, "site_id": siteB, "tariff": "Colo B", "contracted_kw": 10, "start": "2026-01-01T00:00:00Z"})}
	for _, site := range []int64{p.site, siteB} {
		if err := (&energy.Roller{Meters: st, Series: ts}).Roll(ctx, site, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	p.billA = idOf(t, e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/bills", obj{"tenant_id": p.acme, "site_id": p.site, "month": p.month}))
	p.billB = idOf(t, e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/bills", obj{"tenant_id": p.globex, "site_id": siteB, "month": p.month}))

	alertA, err := st.SaveAlert(ctx, dcim.Alert{Fingerprint: "fp-a01", Name: "InletTooHot", State: "firing", Severity: "warning",
		Labels: map[string]string{"rack": "A01"}, Annotations: map[string]string{}, Since: time.Now().Add(-time.Hour),
		Object: &dcim.ObjectRef{Type: dcim.TypeRack, ID: rackA}})
	if err != nil {
		t.Fatal(err)
	}
	alertB, err := st.SaveAlert(ctx, dcim.Alert{Fingerprint: "fp-b01", Name: "InletTooHot", State: "firing", Severity: "warning",
		Labels: map[string]string{"rack": "B01"}, Annotations: map[string]string{}, Since: time.Now().Add(-time.Hour),
		Object: &dcim.ObjectRef{Type: dcim.TypeRack, ID: rackB}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveAlert(ctx, dcim.Alert{Fingerprint: "fp-ups", Name: "UPSOnBattery", State: "firing", Severity: "critical",
		Labels: map[string]string{"power_node": "UPS-A"}, Annotations: map[string]string{}, Since: time.Now().Add(-time.Hour),
		Object: &dcim.ObjectRef{Type: dcim.TypePowerNode, ID: p.ups}}); err != nil {
		t.Fatal(err)
	}
	p.ids["alerts"] = [2]int64{alertA, alertB}
	// One series per device, and one of the UPS, pushed through ingest.
	now := time.Now()
	var pts []telemetry.Point
	for _, s := range []map[string]string{
		{"site": "DC1", "room": "Hall 1", "rack": "A01", "device": p.devA},
		{"site": "DC1", "room": "Hall 1", "rack": "A01", "device": "A01-PDU-A"},
		{"site": "DC1", "room": "Hall 1", "rack": "A01"}, // a probe in Acme's rack
		{"site": "DC2", "room": "Hall 9", "rack": "B01", "device": p.devB},
		{"site": "DC2", "room": "Hall 9", "rack": "B01"},
		{"site": "DC1", "power_node": "UPS-A"},
	} {
		for i := range 5 {
			pts = append(pts, telemetry.Point{Name: "plenum_test_power_watts", Labels: s, T: now.Add(time.Duration(i-5) * time.Minute).UnixMilli(), V: 100})
		}
	}
	if _, err := ts.Append(ctx, pts); err != nil {
		t.Fatal(err)
	}

	users := []struct{ letter, name, role string }{{"A", "ada", dcim.RoleAdmin}, {"O", "otto", dcim.RoleOperator},
		{"V", "vera", dcim.RoleViewer}, {"T", "acme-user", dcim.RoleTenant}, {"G", "globex-user", dcim.RoleTenant}}
	for _, u := range users {
		du := dcim.User{Name: u.name, Role: u.role}
		switch u.letter {
		case "T":
			du.TenantID = &p.acme
		case "G":
			du.TenantID = &p.globex
		}
		if _, err := st.CreateUser(ctx, du, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		_, secret, err := st.IssueToken(ctx, store.TokenSpec{Name: u.name + "-cli", User: u.name, Write: true})
		if err != nil {
			t.Fatal(err)
		}
		p.tokens[u.letter] = secret
	}
	_, readOnly, err := st.IssueToken(ctx, store.TokenSpec{Name: "ada-read", User: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	p.tokens["R"] = readOnly
	// An import started by the operator (a CSV the import refuses: it writes nothing): its page is
	// the operator's and the admins', and no one else's.
	var upload bytes.Buffer
	mw := multipart.NewWriter(&upload)
	_ = mw.WriteField("kind", "devices")
	_ = mw.WriteField("csv_text", "name,colour\nx,red\n")
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/import", &upload)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+p.tokens["O"])
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if p.importPage = rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(p.importPage, "/import/") {
		t.Fatalf("operator's import: %d %q", rec.Code, p.importPage)
	}
	return p
}

type fixedHealth struct{}

func (fixedHealth) Health() []collect.Health { return []collect.Health{} }

// request builds the request the matrix sends to a route: ids of Acme's objects in GETs (so that
// an allowed tenant reads what is its own), ids that exist nowhere in changes (so that an allowed
// change touches nothing), and the query parameters a route needs to answer.
func (p *portal) request(pattern string) (method, path string, body any) {
	method, path, _ = strings.Cut(pattern, " ")
	rest := strings.TrimPrefix(path, Prefix+"/")
	name, _, _ := strings.Cut(rest, "/")
	id := int64(99999999)
	if method == http.MethodGet {
		if pair, ok := p.ids[name]; ok {
			id = pair[0]
		} else if o, ok := p.other[name]; ok {
			id = o
		} else if name == "bills" {
			id = p.billA
		}
	}
	if name == "racks" && strings.HasSuffix(path, "elevation.svg") {
		id = p.ids["racks"][0]
	}
	if page := strings.TrimPrefix(path, "/"); !strings.HasPrefix(path, "/api/") && method == http.MethodGet {
		kind, _, _ := strings.Cut(page, "/")
		if pair, ok := p.ids[kind]; ok {
			id = pair[0]
		}
	}
	path = strings.ReplaceAll(path, "{file}", "plenum.css")
	if pattern == "GET /import/{id}" {
		path = p.importPage
	}
	if !strings.HasPrefix(path, "/api/") && strings.HasSuffix(path, "/whatif") {
		path += "?fail=" + strconv.FormatInt(p.ups, 10)
	}
	path = strings.ReplaceAll(path, "{$}", "")
	if strings.HasPrefix(path, "/inventory/") { // the racks: a type tenants read too
		path = strings.ReplaceAll(path, "{type}", "racks")
		if method == http.MethodGet {
			path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(p.ids["racks"][0], 10))
		}
	}
	path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(id, 10))
	path = strings.ReplaceAll(path, "{name}", "device")
	if strings.HasPrefix(path, Prefix+"/users/") {
		path = strings.ReplaceAll(path, "/device", "/nobody-here")
	}
	site := strconv.FormatInt(p.site, 10)
	params := map[string]string{
		Prefix + "/bills/draft":          "?tenant=" + strconv.FormatInt(p.acme, 10) + "&site=" + site + "&month=" + p.month,
		Prefix + "/capacity":             "?site=" + site,
		Prefix + "/power-loads":          "?site=" + site,
		Prefix + "/whatif/n-1":           "?site=" + site,
		Prefix + "/energy/kpis":          "?site=" + site + "&period=2026-10",
		Prefix + "/energy/targets":       "?site=" + site + "&period=2026-10",
		Prefix + "/energy/eu-kpis":       "?site=" + site + "&period=2026",
		Prefix + "/energy/annual-report": "?site=" + site + "&year=2026",
		Prefix + "/query":                "?query=plenum_test_power_watts",
		Prefix + "/query_range":          fmt.Sprintf("?query=plenum_test_power_watts&start=%d&end=%d&step=60", time.Now().Add(-time.Hour).Unix(), time.Now().Unix()),
		Prefix + "/series":               "?match[]=plenum_test_power_watts",
	}
	if method == http.MethodGet || strings.HasSuffix(path, "/query") || strings.HasSuffix(path, "/query_range") || strings.HasSuffix(path, "/series") {
		path += params[path]
	}
	switch {
	case method == http.MethodGet || method == http.MethodHead:
	case strings.HasSuffix(path, "/bulk"):
		body = []obj{}
	case method == http.MethodDelete && !strings.Contains(rest, "/"):
		body = []obj{{"id": 99999999}}
	case method == http.MethodPatch && !strings.Contains(rest, "/"):
		body = []obj{{"id": 99999999}}
	case method == http.MethodDelete:
	default:
		body = obj{}
	}
	return method, path, body
}

// send makes a request as a role (a token secret; "" anonymous) from its own client address.
func (p *portal) send(t *testing.T, secret, method, path string, body any, client string) response {
	t.Helper()
	return doRequest(t, p.e.h, method, path, body, reqOpts{remote: client, token: secret})
}

// TestAuthorizationMatrix: every registered route, with every role, gets what the role allows:
// refused with 403 (401 without sign-in) exactly where this file says, served otherwise (a read
// answers 200; a change gets past the guard to its handler, which finds nothing to change).
func TestAuthorizationMatrix(t *testing.T) {
	for _, eng := range testpeer.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			p := newPortal(t, eng)
			patterns := slices.Clone(p.mux.patterns)
			slices.Sort(patterns)
			if len(patterns) < 150 {
				t.Fatalf("only %d routes registered; the matrix expects the whole server", len(patterns))
			}
			for _, pattern := range patterns {
				who, known := expectedRoles(pattern)
				if !known {
					t.Errorf("route %s is not in the matrix: say who may use it (here and in access.go)", pattern)
					continue
				}
				method, path, body := p.request(pattern)
				for _, role := range []string{"", "A", "O", "V", "T", "R"} {
					r := p.send(t, p.tokens[role], method, path, body, "198.51.100.7:1234")
					guardSaid := strings.Contains(string(r.body), "sign in, or send") || strings.Contains(string(r.body), "needs the") ||
						strings.Contains(string(r.body), "tenant user cannot use") || strings.Contains(string(r.body), "read-only")
					letter := role
					if role == "R" {
						letter = "A"
					}
					allowed := who == "*" || (role != "" && strings.Contains(who, letter))
					if role == "R" && method != http.MethodGet && !slices.Contains(readRoutes, pattern) && who != "*" {
						allowed = false // a read-scope token changes nothing
					}
					what := fmt.Sprintf("%s as %q: %s %s", pattern, role, method, path)
					switch {
					case !allowed && role == "" && isPage(pattern) && method == http.MethodGet:
						if r.code != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login?next=") {
							t.Errorf("%s: got %s, want a redirect to the login page", what, r)
						}
					case !allowed && role == "" && r.code != http.StatusUnauthorized:
						t.Errorf("%s: got %s, want 401", what, r)
					case !allowed && role != "" && (r.code != http.StatusForbidden || !guardSaid):
						t.Errorf("%s: got %s, want 403 from the guard", what, r)
					case allowed && (r.code == http.StatusUnauthorized || r.code == http.StatusForbidden) && guardSaid:
						t.Errorf("%s: refused by the guard (%s), want served", what, r)
					case allowed && method == http.MethodGet && who != "*" && r.code != http.StatusOK:
						t.Errorf("%s: got %s, want 200", what, r)
					}
				}
			}
			// Every rule in access.go is a route that exists (no rule for a route that went away).
			for pattern := range routeRules {
				if !slices.Contains(patterns, pattern) {
					t.Errorf("access rule for %s, which the server does not register", pattern)
				}
			}
		})
	}
}
