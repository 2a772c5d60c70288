package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// TestTenantPortal: a tenant user uses the portal end to end through the API, its own token in
// hand, and never sees another tenant's object or series: not by id, not in a list, a search, a
// filter, a bulk change, an export, a drawing, a power reading or a PromQL query.
func TestTenantPortal(t *testing.T) {
	for _, eng := range testpeer.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			p := newPortal(t, eng)
			acme := p.tokens["T"]
			as := func(method, path string, body any) response {
				t.Helper()
				return p.send(t, acme, method, path, body, "203.0.113.5:4000")
			}
			decode := func(r response, v any) {
				t.Helper()
				if err := json.Unmarshal(r.body, v); err != nil {
					t.Fatalf("%v: %s", err, r)
				}
			}

			t.Run("own objects by id, others' not found", func(t *testing.T) {
				for _, coll := range tenantReadable {
					pair := p.ids[coll]
					if r := as(http.MethodGet, itemPath(coll, pair[0]), nil); r.code != http.StatusOK {
						t.Errorf("GET own %s %d: %s", coll, pair[0], r)
					}
					if coll == "manufacturers" || coll == "device-types" {
						continue // the catalog is no one's
					}
					if r := as(http.MethodGet, itemPath(coll, pair[1]), nil); r.code != http.StatusNotFound {
						t.Errorf("GET Globex's %s %d: %s, want 404", coll, pair[1], r)
					} else if strings.Contains(string(r.body), "Globex") || strings.Contains(string(r.body), p.devB) {
						t.Errorf("GET Globex's %s: the 404 names it: %s", coll, r)
					}
				}
				// An id that exists nowhere and one of Globex's answer alike.
				a := as(http.MethodGet, itemPath("racks", p.ids["racks"][1]), nil)
				b := as(http.MethodGet, itemPath("racks", 99999999), nil)
				if a.code != b.code || strings.Replace(string(a.body), strconv.FormatInt(p.ids["racks"][1], 10), "N", 1) !=
					strings.Replace(string(b.body), "99999999", "N", 1) {
					t.Errorf("another's rack and no rack answer differently:\n%s\n%s", a, b)
				}
			})

			t.Run("lists, search and filters hold only its own", func(t *testing.T) {
				for _, coll := range tenantReadable {
					for _, query := range []string{"", "?q=globex", "?q=" + url.QueryEscape(p.devB), "?id=" + strconv.FormatInt(p.ids[coll][1], 10), "?limit=1000"} {
						r := as(http.MethodGet, Prefix+"/"+coll+query, nil)
						if r.code != http.StatusOK {
							t.Errorf("GET %s%s: %s", coll, query, r)
							continue
						}
						var page listPage
						decode(r, &page)
						if page.Count != len(page.Results) && page.Next == nil {
							t.Errorf("GET %s%s: count %d but %d results", coll, query, page.Count, len(page.Results))
						}
						for _, o := range page.Results {
							if coll != "manufacturers" && coll != "device-types" && idOf(t, o) == p.ids[coll][1] {
								t.Errorf("GET %s%s lists Globex's %d", coll, query, p.ids[coll][1])
							}
							if s, _ := json.Marshal(o); strings.Contains(string(s), "Globex") || strings.Contains(string(s), p.devB) {
								t.Errorf("GET %s%s shows Globex: %s", coll, query, s)
							}
						}
					}
				}
				// Its rack is listed; the free rack and Globex's are not.
				var racks listPage
				decode(as(http.MethodGet, Prefix+"/racks", nil), &racks)
				if got := ids(t, racks.Results); !slices.Equal(got, []int64{p.ids["racks"][0]}) {
					t.Errorf("racks %v, want only %d", got, p.ids["racks"][0])
				}
				// Its devices: its server and the PDU in its rack.
				var devs listPage
				decode(as(http.MethodGet, Prefix+"/devices", nil), &devs)
				if devs.Count != 2 {
					t.Errorf("devices %d, want its server and its rack's PDU: %s", devs.Count, as(http.MethodGet, Prefix+"/devices", nil))
				}
				// Filtering by Globex's tenant finds nothing rather than Globex's objects.
				var byTenant listPage
				decode(as(http.MethodGet, Prefix+"/devices?tenant_id="+strconv.FormatInt(p.globex, 10), nil), &byTenant)
				if byTenant.Count != 0 {
					t.Errorf("devices of Globex: %d", byTenant.Count)
				}
			})

			t.Run("what it may not see at all", func(t *testing.T) {
				for _, path := range []string{"/power-nodes", "/cooling-units", "/poll-targets", "/energy-certificates", "/tags",
					"/changes", "/users", "/capacity?site=" + strconv.FormatInt(p.site, 10),
					"/energy/kpis?site=" + strconv.FormatInt(p.site, 10), "/unbound-series", "/poll-status"} {
					if r := as(http.MethodGet, Prefix+path, nil); r.code != http.StatusForbidden {
						t.Errorf("GET %s: %s, want 403", path, r)
					}
				}
			})

			t.Run("changes only its own reservations", func(t *testing.T) {
				own, theirs := p.ids["rack-reservations"][0], p.ids["rack-reservations"][1]
				if r := as(http.MethodPatch, itemPath("rack-reservations", own), obj{"description": "Acme: two more servers"}); r.code != http.StatusOK {
					t.Errorf("patch own reservation: %s", r)
				}
				for _, c := range []struct {
					method, path string
					body         any
					want         int
				}{
					{http.MethodPatch, itemPath("rack-reservations", theirs), obj{"description": "mine now"}, http.StatusNotFound},
					{http.MethodPut, itemPath("rack-reservations", theirs), obj{"rack_id": p.ids["racks"][1], "units": []int{40}, "description": "x"}, http.StatusNotFound},
					{http.MethodDelete, itemPath("rack-reservations", theirs), nil, http.StatusNotFound},
					{http.MethodPatch, Prefix + "/rack-reservations", []obj{{"id": own, "description": "ok"}, {"id": theirs, "description": "mine"}}, http.StatusNotFound},
					{http.MethodDelete, Prefix + "/rack-reservations", []obj{{"id": own}, {"id": theirs}}, http.StatusNotFound},
					// For Globex, or in Globex's rack, or in a rack no one has: refused.
					{http.MethodPost, Prefix + "/rack-reservations", obj{"rack_id": p.ids["racks"][0], "units": []int{30}, "tenant_id": p.globex, "description": "x"}, http.StatusBadRequest},
					{http.MethodPost, Prefix + "/rack-reservations", obj{"rack_id": p.ids["racks"][1], "units": []int{30}, "tenant_id": p.acme, "description": "x"}, http.StatusBadRequest},
					{http.MethodPost, Prefix + "/rack-reservations", obj{"rack_id": p.rackFree, "units": []int{30}, "tenant_id": p.acme, "description": "x"}, http.StatusBadRequest},
					// Moving its own reservation into Globex's rack.
					{http.MethodPatch, itemPath("rack-reservations", own), obj{"rack_id": p.ids["racks"][1]}, http.StatusBadRequest},
					// Not a reservation: never.
					{http.MethodPatch, itemPath("racks", p.ids["racks"][0]), obj{"name": "mine"}, http.StatusForbidden},
					{http.MethodPost, Prefix + "/devices", obj{"name": "x", "device_type_id": p.ids["device-types"][0]}, http.StatusForbidden},
				} {
					before := p.e.snapshot(t)
					r := as(c.method, c.path, c.body)
					if r.code != c.want {
						t.Errorf("%s %s %v: %s, want %d", c.method, c.path, c.body, r, c.want)
					}
					if strings.Contains(string(r.body), "Globex") {
						t.Errorf("%s %s: the answer names Globex: %s", c.method, c.path, r)
					}
					p.e.unchangedSince(t, before, c.method+" "+c.path)
				}
				// A reservation of its own, in its own rack: made, with its own tenant.
				r := as(http.MethodPost, Prefix+"/rack-reservations", obj{"rack_id": p.ids["racks"][0], "units": []int{30, 31}, "tenant_id": p.acme, "description": "Acme: GPU box"})
				if r.code != http.StatusCreated {
					t.Errorf("own reservation: %s", r)
				}
			})

			t.Run("placement in its own racks only", func(t *testing.T) {
				body := obj{"device_type": p.ids["device-types"][0], "count": 2, "redundancy": "single", "site": p.site}
				r := as(http.MethodPost, Prefix+"/placement", body)
				if r.code != http.StatusOK {
					t.Fatalf("placement: %s", r)
				}
				var plan struct {
					Candidates []struct {
						Rack struct {
							ID int64 `json:"id"`
						} `json:"rack"`
					} `json:"candidates"`
				}
				decode(r, &plan)
				if len(plan.Candidates) == 0 {
					t.Errorf("no place in its own rack: %s", r)
				}
				for _, c := range plan.Candidates {
					if c.Rack.ID != p.ids["racks"][0] {
						t.Errorf("candidate rack %d is not Acme's", c.Rack.ID)
					}
				}
				for _, bad := range []obj{with(body, "racks", []int64{p.ids["racks"][1]}), with(body, "tenant", p.globex),
					with(body, "site", p.ids["sites"][1])} {
					if r := as(http.MethodPost, Prefix+"/placement", bad); r.code != http.StatusBadRequest {
						t.Errorf("placement %v: %s, want 400", bad, r)
					}
				}
			})

			t.Run("bills and exports", func(t *testing.T) {
				var bills struct {
					Count   int   `json:"count"`
					Results []obj `json:"results"`
				}
				for _, q := range []string{"", "?tenant=" + strconv.FormatInt(p.globex, 10)} {
					decode(as(http.MethodGet, Prefix+"/bills"+q, nil), &bills)
					for _, b := range bills.Results {
						if int64(b["tenant_id"].(float64)) != p.acme {
							t.Errorf("bills%s lists %v", q, b)
						}
					}
				}
				decode(as(http.MethodGet, Prefix+"/bills", nil), &bills)
				if bills.Count != 1 || idOf(t, bills.Results[0]) != p.billA {
					t.Errorf("own bills: %+v", bills)
				}
				if r := as(http.MethodGet, fmt.Sprintf("%s/bills/%d?format=csv", Prefix, p.billA), nil); r.code != http.StatusOK || !strings.Contains(string(r.body), "energy") {
					t.Errorf("own bill as CSV: %s", r)
				}
				for _, f := range []string{"json", "csv"} {
					if r := as(http.MethodGet, fmt.Sprintf("%s/bills/%d?format=%s", Prefix, p.billB, f), nil); r.code != http.StatusNotFound {
						t.Errorf("Globex's bill as %s: %s", f, r)
					}
				}
				if r := as(http.MethodGet, fmt.Sprintf("%s/bills/draft?tenant=%d&site=%d&month=%s", Prefix, p.acme, p.site, p.month), nil); r.code != http.StatusOK {
					t.Errorf("own draft: %s", r)
				}
				if r := as(http.MethodGet, fmt.Sprintf("%s/bills/draft?tenant=%d&site=%d&month=%s", Prefix, p.globex, p.ids["sites"][1], p.month), nil); r.code != http.StatusBadRequest || strings.Contains(string(r.body), "Globex") {
					t.Errorf("Globex's draft: %s, want 400", r)
				}
			})

			t.Run("drawings and power", func(t *testing.T) {
				r := as(http.MethodGet, Prefix+"/racks/"+strconv.FormatInt(p.ids["racks"][0], 10)+"/elevation.svg", nil)
				if r.code != http.StatusOK || !strings.Contains(string(r.body), p.devA) {
					t.Errorf("own elevation: %s", r)
				}
				if r := as(http.MethodGet, Prefix+"/racks/"+strconv.FormatInt(p.ids["racks"][1], 10)+"/elevation.svg", nil); r.code != http.StatusNotFound {
					t.Errorf("Globex's elevation: %s", r)
				}
				var loads struct {
					Nodes []struct {
						Node struct {
							ID int64 `json:"id"`
						} `json:"node"`
					} `json:"nodes"`
				}
				decode(as(http.MethodGet, Prefix+"/power-loads?site="+strconv.FormatInt(p.site, 10), nil), &loads)
				if len(loads.Nodes) != 1 || loads.Nodes[0].Node.ID != p.nodeA {
					t.Errorf("power loads %+v, want only its rack PDU %d", loads.Nodes, p.nodeA)
				}
				if r := as(http.MethodGet, Prefix+"/power-loads?site="+strconv.FormatInt(p.ids["sites"][1], 10), nil); r.code != http.StatusBadRequest {
					t.Errorf("Globex's site loads: %s", r)
				}
			})

			t.Run("PromQL sees only its series", func(t *testing.T) {
				type result struct {
					Status string `json:"status"`
					Data   struct {
						Result []struct {
							Metric map[string]string `json:"metric"`
						} `json:"result"`
					} `json:"data"`
				}
				for _, q := range []string{`plenum_test_power_watts`, `{__name__=~".+"}`, `sum by (device) (plenum_test_power_watts)`,
					`plenum_test_power_watts{device="` + p.devB + `"}`, `count(plenum_test_power_watts)`, `{site="DC2"}`} {
					r := as(http.MethodGet, Prefix+"/query?query="+url.QueryEscape(q), nil)
					var res result
					decode(r, &res)
					if res.Status != "success" {
						t.Fatalf("%s: %s", q, r)
					}
					for _, s := range res.Data.Result {
						if s.Metric["device"] == p.devB || s.Metric["site"] == "DC2" || s.Metric["power_node"] != "" {
							t.Errorf("%s shows %v", q, s.Metric)
						}
					}
					if q == `count(plenum_test_power_watts)` {
						if !strings.Contains(string(r.body), `"3"`) {
							t.Errorf("count of its series: %s, want 3 (its server, its PDU, its probe)", r)
						}
					}
				}
				// The same query as a form post, as Grafana sends it.
				req := httptest.NewRequest(http.MethodPost, Prefix+"/query", strings.NewReader("query="+url.QueryEscape(`{__name__=~".+"}`)))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", "Bearer "+acme)
				rec := httptest.NewRecorder()
				p.e.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), p.devB) || !strings.Contains(rec.Body.String(), p.devA) {
					t.Errorf("form query: %d %s", rec.Code, rec.Body)
				}
				var r response
				for _, path := range []string{"/label/device/values", "/label/site/values", "/labels", "/series?match[]=" + url.QueryEscape(`{__name__=~".+"}`)} {
					r := as(http.MethodGet, Prefix+path, nil)
					if r.code != http.StatusOK {
						t.Errorf("%s: %s", path, r)
					}
					for _, bad := range []string{p.devB, "DC2", "UPS-A", "power_node"} {
						if strings.Contains(string(r.body), bad) {
							t.Errorf("%s shows %q: %s", path, bad, r)
						}
					}
				}
				r = as(http.MethodGet, Prefix+"/label/device/values", nil)
				if !strings.Contains(string(r.body), p.devA) {
					t.Errorf("its own device is not among the values: %s", r)
				}
				// An operator sees everything.
				r = p.send(t, p.tokens["O"], http.MethodGet, Prefix+"/label/device/values", nil, "203.0.113.6:4000")
				if !strings.Contains(string(r.body), p.devB) || !strings.Contains(string(r.body), p.devA) {
					t.Errorf("operator's device values: %s", r)
				}
			})

			t.Run("alerts on its own objects only", func(t *testing.T) {
				var page listPage
				decode(as(http.MethodGet, Prefix+"/alerts", nil), &page)
				if page.Count != 1 || idOf(t, page.Results[0]) != p.ids["alerts"][0] {
					t.Errorf("alerts as Acme: %+v, want only %d", page.Results, p.ids["alerts"][0])
				}
				if r := as(http.MethodGet, itemPath("alerts", p.ids["alerts"][1]), nil); r.code != http.StatusNotFound {
					t.Errorf("Globex's alert: %s", r)
				}
				if r := as(http.MethodPost, itemPath("alerts", p.ids["alerts"][0])+"/ack", obj{"comment": "mine"}); r.code != http.StatusForbidden {
					t.Errorf("ack as a tenant: %s", r)
				}
				// An operator sees all three: Acme's, Globex's and the UPS's.
				var all listPage
				decode(p.send(t, p.tokens["O"], http.MethodGet, Prefix+"/alerts", nil, "203.0.113.9:4000"), &all)
				if all.Count != 3 {
					t.Errorf("operator sees %d alerts, want 3", all.Count)
				}
			})

			t.Run("web pages", func(t *testing.T) {
				own, theirs := p.ids["racks"][0], p.ids["racks"][1]
				r := as(http.MethodGet, fmt.Sprintf("/racks/%d", own), nil)
				if r.code != http.StatusOK || !strings.Contains(string(r.body), p.devA) {
					t.Errorf("own rack page: %s", r)
				}
				for _, path := range []string{fmt.Sprintf("/racks/%d", theirs), fmt.Sprintf("/devices/%d", p.ids["devices"][1]),
					fmt.Sprintf("/rooms/%d", p.ids["rooms"][1]), fmt.Sprintf("/sites/%d", p.ids["sites"][1])} {
					if r := as(http.MethodGet, path, nil); r.code != http.StatusNotFound || strings.Contains(string(r.body), "Globex") {
						t.Errorf("%s: %s, want the 404 page", path, r)
					}
				}
				// The floor plan links its own rack only; the free rack is drawn without name or link.
				r = as(http.MethodGet, fmt.Sprintf("/rooms/%d?layer=tenant", p.room), nil)
				body := string(r.body)
				if r.code != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`href="/racks/%d"`, own)) ||
					strings.Contains(body, fmt.Sprintf(`href="/racks/%d"`, p.rackFree)) || strings.Contains(body, ">A02<") || strings.Contains(body, "Globex") {
					t.Errorf("floor plan as Acme: %s", r)
				}
				for _, q := range []string{"globex", p.devB, "B01"} {
					if r := as(http.MethodGet, "/search?q="+url.QueryEscape(q), nil); r.code != http.StatusOK || !strings.Contains(string(r.body), "0 found") {
						t.Errorf("search %q: %s", q, r)
					}
				}
				if r := as(http.MethodGet, "/", nil); !strings.Contains(string(r.body), "DC1") || strings.Contains(string(r.body), "DC2") {
					t.Errorf("home: %s", r)
				}
			})

			t.Run("its own token and password", func(t *testing.T) {
				r := as(http.MethodPost, Prefix+"/tokens", obj{"name": "grafana", "scope": "read", "expires": "30d"})
				if r.code != http.StatusCreated {
					t.Fatalf("token: %s", r)
				}
				var tok struct {
					ID     int64  `json:"id"`
					Secret string `json:"secret"`
					User   string `json:"user"`
				}
				decode(r, &tok)
				if tok.User != "acme-user" || !strings.HasPrefix(tok.Secret, "plm_") {
					t.Errorf("token %+v", tok)
				}
				// The new token is as limited as its user.
				if r := p.send(t, tok.Secret, http.MethodGet, itemPath("racks", p.ids["racks"][1]), nil, "203.0.113.5:4000"); r.code != http.StatusNotFound {
					t.Errorf("Globex's rack with the new token: %s", r)
				}
				var toks listPage
				decode(as(http.MethodGet, Prefix+"/tokens", nil), &toks)
				for _, o := range toks.Results {
					if o["user"] != "acme-user" {
						t.Errorf("a tenant user lists another's token: %v", o)
					}
				}
				// Globex's token cannot be revoked by Acme.
				var globexToks listPage
				decode(p.send(t, p.tokens["G"], http.MethodGet, Prefix+"/tokens", nil, "203.0.113.7:4000"), &globexToks)
				if r := as(http.MethodDelete, itemPath("tokens", idOf(t, globexToks.Results[0])), nil); r.code != http.StatusNotFound {
					t.Errorf("revoke Globex's token: %s", r)
				}
			})
		})
	}
}
