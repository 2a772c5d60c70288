package httpapi

// The model's invariants, tried through the API on both engines: every test here tries to break
// one, and checks the exact 4xx, the field (and the conflicting object or the dependents) the
// problem names, and that nothing changed (every list and the change log read the same before and
// after).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

type obj = map[string]any

// apiEnv is the API on a fresh database, with a write token.
type apiEnv struct {
	engine string
	st     *store.Store
	h      http.Handler
	token  string
}

// forEachEngine runs fn against a fresh API on SQLite and on PostgreSQL.
func forEachEngine(t *testing.T, fn func(t *testing.T, e *apiEnv)) {
	t.Helper()
	forEachEngineWith(t, nil, fn)
}

// forEachEngineWith runs fn against a fresh API on SQLite and on PostgreSQL, built from a Config of the test's own (TLS, single sign-on, a
// logger): cfg returns it for the fresh store (nil: the plain API).
func forEachEngineWith(t *testing.T, cfg func(t *testing.T, st *store.Store) Config, fn func(t *testing.T, e *apiEnv)) {
	t.Helper()
	for _, eng := range testpeer.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			st, err := store.Open(context.Background(), eng.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			_, tok, err := st.CreateToken(context.Background(), "tester", true, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := Config{Store: st}
			if cfg != nil {
				c = cfg(t, st)
			}
			c.Version = "test"
			if c.Logger == nil {
				c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			}
			_, h := build(c)
			fn(t, &apiEnv{engine: eng.Name, st: st, h: h, token: tok})
		})
	}
}

type response struct {
	code   int
	header http.Header
	body   []byte
}

func (r response) String() string {
	b := string(r.body)
	if len(b) > 600 {
		b = b[:600] + "…"
	}
	return fmt.Sprintf("%d %s", r.code, b)
}

// requestAs sends a request with token (none if empty). body is raw ([]byte, string) or marshalled.
func (e *apiEnv) requestAs(t testing.TB, token, method, path string, body any) response {
	t.Helper()
	return doRequest(t, e.h, method, path, body, reqOpts{token: token})
}

// reqOpts is who sends a request and from where, and with what.
type reqOpts struct {
	remote  string // host:port; default httptest's 192.0.2.1:1234
	token   string // Authorization: Bearer
	cookies []*http.Cookie
	csrf    string // X-CSRF-Token
}

// doRequest sends one request to h.
func doRequest(t testing.TB, h http.Handler, method, path string, body any, o reqOpts) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if o.remote != "" {
		req.RemoteAddr = o.remote
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if o.token != "" {
		req.Header.Set("Authorization", "Bearer "+o.token)
	}
	for _, c := range o.cookies {
		req.AddCookie(c)
	}
	if o.csrf != "" {
		req.Header.Set(csrfHeader, o.csrf)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func (e *apiEnv) do(t testing.TB, method, path string, body any) response {
	t.Helper()
	return e.requestAs(t, e.token, method, path, body)
}

// expect sends a request that must succeed with status and returns its decoded body.
func (e *apiEnv) expect(t testing.TB, status int, method, path string, body any) obj {
	t.Helper()
	r := e.do(t, method, path, body)
	if r.code != status {
		t.Fatalf("%s %s: got %s, want %d", method, path, r, status)
	}
	var out obj
	if len(r.body) > 0 && r.body[0] == '{' {
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return out
}

// create posts an object to a collection and returns its id.
func (e *apiEnv) create(t testing.TB, coll string, body obj) int64 {
	t.Helper()
	return idOf(t, e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/"+coll, body))
}

func (e *apiEnv) get(t testing.TB, coll string, id int64) obj {
	t.Helper()
	return e.expect(t, http.StatusOK, http.MethodGet, itemPath(coll, id), nil)
}

type listPage struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []obj   `json:"results"`
}

func (e *apiEnv) list(t testing.TB, path string) listPage {
	t.Helper()
	r := e.do(t, http.MethodGet, path, nil)
	if r.code != http.StatusOK {
		t.Fatalf("GET %s: %s", path, r)
	}
	var p listPage
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return p
}

func (e *apiEnv) changeCount(t testing.TB) int {
	t.Helper()
	return e.list(t, Prefix+"/changes?limit=1").Count
}

func itemPath(coll string, id int64) string {
	return Prefix + "/" + coll + "/" + strconv.FormatInt(id, 10)
}

func idOf(t testing.TB, o obj) int64 {
	t.Helper()
	id, ok := o["id"].(float64)
	if !ok {
		t.Fatalf("no id in %v", o)
	}
	return int64(id)
}

func ids(t testing.TB, objs []obj) []int64 {
	t.Helper()
	out := make([]int64, len(objs))
	for i, o := range objs {
		out[i] = idOf(t, o)
	}
	return out
}

// with returns a copy of o with the key/value pairs set.
func with(o obj, kv ...any) obj {
	out := make(obj, len(o)+len(kv)/2)
	for k, v := range o {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// snapshotColls are every list the API serves: a refused write must leave all of them, and the
// change log, exactly as they were.
var snapshotColls = []string{"sites", "rooms", "rows", "racks", "rack-reservations", "manufacturers", "device-types",
	"devices", "power-ports", "power-outlets", "tenants", "tags", "power-nodes", "power-edges", "cooling-zones",
	"cooling-units", "sensor-points", "poll-targets", "changes"}

func (e *apiEnv) snapshot(t testing.TB) map[string]string {
	t.Helper()
	snap := make(map[string]string, len(snapshotColls))
	for _, c := range snapshotColls {
		r := e.do(t, http.MethodGet, Prefix+"/"+c+"?limit=1000", nil)
		if r.code != http.StatusOK {
			t.Fatalf("snapshot %s: %s", c, r)
		}
		snap[c] = string(r.body)
	}
	return snap
}

func (e *apiEnv) unchangedSince(t testing.TB, before map[string]string, what string) {
	t.Helper()
	after := e.snapshot(t)
	for _, c := range snapshotColls {
		if before[c] != after[c] {
			t.Errorf("%s changed %s:\nbefore %.400s\nafter  %.400s", what, c, before[c], after[c])
		}
	}
}

// problemBody is the problem+json every error response carries.
type problemBody struct {
	Title      string            `json:"title"`
	Status     int               `json:"status"`
	Detail     string            `json:"detail"`
	Errors     []dcim.FieldError `json:"errors"`
	Dependents []dcim.ObjectRef  `json:"dependents"`
}

func (p problemBody) field(name string) *dcim.FieldError {
	for i := range p.Errors {
		if p.Errors[i].Field == name {
			return &p.Errors[i]
		}
	}
	return nil
}

// want is what a refused request must answer.
type want struct {
	status     int
	field      string          // an errors[].field that must be present
	conflict   *dcim.ObjectRef // the conflict of that field: type, and id and name where set
	dependents []dcim.ObjectRef
	detail     string // a substring of detail
}

func conflictWith(typ string, id int64) *dcim.ObjectRef { return &dcim.ObjectRef{Type: typ, ID: id} }

func decodeProblem(t testing.TB, what string, r response) problemBody {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	var p problemBody
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("%s: problem body: %v: %s", what, err, r.body)
	}
	if p.Status != r.code || p.Title == "" {
		t.Errorf("%s: problem status %d title %q for HTTP %d", what, p.Status, p.Title, r.code)
	}
	return p
}

// checkProblem checks a refused response against w.
func checkProblem(t testing.TB, what string, r response, w want) problemBody {
	t.Helper()
	if r.code != w.status {
		t.Errorf("%s: got %s, want %d", what, r, w.status)
		return problemBody{}
	}
	p := decodeProblem(t, what, r)
	if w.field != "" {
		f := p.field(w.field)
		if f == nil {
			t.Errorf("%s: no error on field %q in %s", what, w.field, r.body)
		} else if f.Message == "" {
			t.Errorf("%s: field %q has no message", what, w.field)
		} else if w.conflict != nil {
			c := f.Conflict
			switch {
			case c == nil:
				t.Errorf("%s: field %q names no conflicting object, want %s %d: %s", what, w.field, w.conflict.Type, w.conflict.ID, r.body)
			case c.Type != w.conflict.Type || (w.conflict.ID != 0 && c.ID != w.conflict.ID) || (w.conflict.Name != "" && c.Name != w.conflict.Name):
				t.Errorf("%s: field %q conflicts with %+v, want %+v", what, w.field, *c, *w.conflict)
			}
		}
	}
	for _, d := range w.dependents {
		if !slices.ContainsFunc(p.Dependents, func(x dcim.ObjectRef) bool { return x.Type == d.Type && x.ID == d.ID }) {
			t.Errorf("%s: dependents %+v lack %s %d", what, p.Dependents, d.Type, d.ID)
		}
	}
	if w.detail != "" && !strings.Contains(p.Detail, w.detail) {
		t.Errorf("%s: detail %q lacks %q", what, p.Detail, w.detail)
	}
	return p
}

// refuse sends a request that must be refused as w says, and checks that it changed nothing.
func (e *apiEnv) refuse(t testing.TB, method, path string, body any, w want) problemBody {
	t.Helper()
	return e.refuseAs(t, e.token, method, path, body, w)
}

func (e *apiEnv) refuseAs(t testing.TB, token, method, path string, body any, w want) problemBody {
	t.Helper()
	before := e.snapshot(t)
	r := e.requestAs(t, token, method, path, body)
	what := method + " " + path
	p := checkProblem(t, what, r, w)
	e.unchangedSince(t, before, what)
	return p
}

// kit is a small facility: two tenants, two sites with a room each, a 42U rack, and device types of
// every shape placement cares about.
type kit struct {
	acme, globex int64 // tenants
	site, site2  int64
	room, room2  int64 // room2 is in site2
	rack         int64 // 42U, units 1 to 42, in room
	mfr          int64
	server2U     int64 // 2U, full depth, 20 kg
	server1U     int64 // 1U, full depth, 10 kg
	panel1U      int64 // 1U, half depth, 1 kg
	blank05U     int64 // 0.5U, half depth
	pdu0U        int64 // 0U
}

func (e *apiEnv) newKit(t testing.TB) kit {
	t.Helper()
	var k kit
	k.acme = e.create(t, "tenants", obj{"name": "Acme"})
	k.globex = e.create(t, "tenants", obj{"name": "Globex"})
	k.site = e.create(t, "sites", obj{"name": "DC1", "time_zone": "Asia/Kuala_Lumpur"})
	k.site2 = e.create(t, "sites", obj{"name": "DC2"})
	k.room = e.create(t, "rooms", obj{"site_id": k.site, "name": "Hall 1"})
	k.room2 = e.create(t, "rooms", obj{"site_id": k.site2, "name": "Hall 1"})
	k.rack = e.create(t, "racks", obj{"room_id": k.room, "name": "A01", "u_height": 42})
	k.mfr = e.create(t, "manufacturers", obj{"name": "Dell"})
	dt := func(model string, u float64, full bool, weight any) int64 {
		return e.create(t, "device-types", obj{"manufacturer_id": k.mfr, "model": model, "u_height": u, "is_full_depth": full, "weight": weight})
	}
	k.server2U = dt("R750", 2, true, 20)
	k.server1U = dt("R650", 1, true, 10)
	k.panel1U = dt("Patch panel", 1, false, 1)
	k.blank05U = dt("Half blank", 0.5, false, nil)
	k.pdu0U = e.create(t, "device-types", obj{"manufacturer_id": k.mfr, "model": "Rack PDU", "u_height": 0, "is_full_depth": false,
		"power_ports":   []obj{{"name": "Input"}},
		"power_outlets": []obj{{"name": "1", "power_port": "Input", "feed_leg": "A"}}})
	return k
}

// mounted is a device body at a rack position.
func mounted(name string, typ, rack int64, pos float64, face string) obj {
	return obj{"name": name, "device_type_id": typ, "rack_id": rack, "position": pos, "face": face}
}

// TestInvariantNoOverlap: no two devices in the same unit on the same face; full-depth devices take
// both faces; half units count. Tried by create, PUT, PATCH, bulk patch and bulk create.
func TestInvariantNoOverlap(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		srv := e.create(t, "devices", mounted("srv", k.server2U, k.rack, 10, "front"))    // units 10-11, both faces
		panel := e.create(t, "devices", mounted("panel", k.panel1U, k.rack, 20, "front")) // unit 20, front only
		one := e.create(t, "devices", mounted("one", k.server1U, k.rack, 30, "rear"))     // unit 30, both faces
		devices := Prefix + "/devices"
		for _, c := range []struct {
			name     string
			body     obj
			conflict int64
		}{
			{"front on a full-depth device", mounted("x", k.panel1U, k.rack, 11, "front"), srv},
			{"rear behind a full-depth device", mounted("x", k.panel1U, k.rack, 10, "rear"), srv},
			{"full-depth front on a full-depth rear", mounted("x", k.server1U, k.rack, 30, "front"), one},
			{"full-depth rear behind a half-depth front", mounted("x", k.server1U, k.rack, 20, "rear"), panel},
			{"same face, half depth", mounted("x", k.panel1U, k.rack, 20, "front"), panel},
			{"2U reaching up into a device", mounted("x", k.server2U, k.rack, 9, "front"), srv},
			{"2U reaching down into a device", mounted("x", k.server2U, k.rack, 19, "front"), panel},
			{"1U at a half unit into the top half", mounted("x", k.panel1U, k.rack, 11.5, "front"), srv},
			{"1U at a half unit into the bottom half", mounted("x", k.panel1U, k.rack, 29.5, "front"), one},
			{"0.5U in the upper half of a 1U device", mounted("x", k.blank05U, k.rack, 30.5, "front"), one},
			{"0.5U in the lower half of a 2U device", mounted("x", k.blank05U, k.rack, 10.5, "rear"), srv},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.refuse(t, http.MethodPost, devices, c.body, want{status: http.StatusConflict, field: "position",
					conflict: conflictWith(dcim.TypeDevice, c.conflict)})
			})
		}

		// What the rule allows right beside them.
		panelRear := e.create(t, "devices", mounted("panel-rear", k.panel1U, k.rack, 20, "rear")) // half depth: front and rear share unit 20
		e.create(t, "devices", mounted("blank-above", k.blank05U, k.rack, 31, "front"))           // the half unit right above "one"
		e.create(t, "devices", mounted("blank-below", k.blank05U, k.rack, 29.5, "front"))         // the half unit right below "one"
		e.create(t, "devices", mounted("above-srv", k.panel1U, k.rack, 12, "front"))

		t.Run("PUT into an occupied unit", func(t *testing.T) {
			body := e.get(t, "devices", panel)
			body["position"] = 11.0
			e.refuse(t, http.MethodPut, itemPath("devices", panel), body, want{status: http.StatusConflict, field: "position",
				conflict: conflictWith(dcim.TypeDevice, srv)})
		})
		t.Run("PATCH into an occupied unit", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("devices", panel), obj{"position": 10.5}, want{status: http.StatusConflict,
				field: "position", conflict: conflictWith(dcim.TypeDevice, srv)})
		})
		t.Run("PATCH onto the other face, taken", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("devices", panel), obj{"face": "rear"}, want{status: http.StatusConflict,
				field: "position", conflict: conflictWith(dcim.TypeDevice, panelRear)})
		})
		t.Run("PATCH a half-depth device to full depth would need both faces", func(t *testing.T) {
			// Changing the type is refused outright; the depth comes from the type.
			e.refuse(t, http.MethodPatch, itemPath("devices", panel), obj{"device_type_id": k.server1U}, want{status: http.StatusBadRequest,
				field: "device_type_id"})
		})
		t.Run("bulk patch whose items collide with each other", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, devices, []obj{{"id": panel, "position": 25}, {"id": one, "position": 25}},
				want{status: http.StatusConflict, field: "[1].position", conflict: conflictWith(dcim.TypeDevice, panel)})
		})
		t.Run("bulk create whose items collide with each other", func(t *testing.T) {
			e.refuse(t, http.MethodPost, devices+"/bulk", []obj{
				mounted("b0", k.panel1U, k.rack, 36, "front"),
				mounted("b1", k.server1U, k.rack, 35, "rear"),
				mounted("b2", k.server1U, k.rack, 35, "front"),
			}, want{status: http.StatusConflict, field: "[2].position", conflict: &dcim.ObjectRef{Type: dcim.TypeDevice, Name: "b1"}})
		})
		t.Run("bulk create colliding with a stored device", func(t *testing.T) {
			e.refuse(t, http.MethodPost, devices+"/bulk", []obj{
				mounted("b0", k.panel1U, k.rack, 36, "front"),
				mounted("b1", k.panel1U, k.rack, 11, "rear"),
			}, want{status: http.StatusConflict, field: "[1].position", conflict: conflictWith(dcim.TypeDevice, srv)})
		})

		// A device moving within its own units does not collide with itself.
		moved := e.expect(t, http.StatusOK, http.MethodPatch, itemPath("devices", srv), obj{"position": 9})
		if moved["position"] != 9.0 {
			t.Errorf("moved srv: %v", moved["position"])
		}
		e.refuse(t, http.MethodPatch, itemPath("devices", srv), obj{"position": 11}, want{status: http.StatusConflict, field: "position",
			conflict: &dcim.ObjectRef{Type: dcim.TypeDevice, Name: "above-srv"}})
	})
}

// TestInvariantInsideRack: devices sit inside the rack's units, and a rack cannot shrink or shift
// its units away from a device.
func TestInvariantInsideRack(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		low := e.create(t, "racks", obj{"room_id": k.room, "name": "B01", "u_height": 10, "starting_unit": 5}) // units 5 to 14
		devices := Prefix + "/devices"
		bad := func(pos any, typ, rack int64) obj {
			return obj{"name": "x", "device_type_id": typ, "rack_id": rack, "position": pos, "face": "front"}
		}
		for _, c := range []struct {
			name string
			body obj
			w    want
		}{
			{"position 0", bad(0, k.server1U, k.rack), want{status: http.StatusBadRequest, field: "position"}},
			{"negative position", bad(-3, k.server1U, k.rack), want{status: http.StatusBadRequest, field: "position"}},
			{"half unit below unit 1", bad(0.5, k.server1U, k.rack), want{status: http.StatusBadRequest, field: "position"}},
			{"above the top unit", bad(43, k.server1U, k.rack), want{status: http.StatusBadRequest, field: "position"}},
			{"2U overflowing the top unit", bad(42, k.server2U, k.rack), want{status: http.StatusBadRequest, field: "position"}},
			{"0.5U past the top", bad(43, k.blank05U, k.rack), want{status: http.StatusBadRequest, field: "position"}},
			{"not a half unit", bad(3.3, k.server1U, k.rack), want{status: http.StatusBadRequest, field: "position"}},
			{"absurd position", bad(1e300, k.server1U, k.rack), want{status: http.StatusBadRequest, field: "position"}},
			{"below a rack's starting unit", bad(4, k.server1U, low), want{status: http.StatusBadRequest, field: "position"}},
			{"unit 1 of a rack starting at 5", bad(1, k.server1U, low), want{status: http.StatusBadRequest, field: "position"}},
			{"2U over the top of a rack starting at 5", bad(14, k.server2U, low), want{status: http.StatusBadRequest, field: "position"}},
			{"0-U device in a unit", bad(5, k.pdu0U, k.rack), want{status: http.StatusBadRequest, field: "position"}},
			{"position without face", obj{"name": "x", "device_type_id": k.server1U, "rack_id": k.rack, "position": 5},
				want{status: http.StatusBadRequest, field: "face"}},
			{"position without rack", obj{"name": "x", "device_type_id": k.server1U, "site_id": k.site, "position": 5, "face": "front"},
				want{status: http.StatusBadRequest, field: "position"}},
			{"racked device on a side mount", with(bad(5, k.server1U, k.rack), "position", nil, "face", "", "mount_side", "left"),
				want{status: http.StatusBadRequest, field: "mount_side"}},
		} {
			t.Run(c.name, func(t *testing.T) { e.refuse(t, http.MethodPost, devices, c.body, c.w) })
		}

		// The edges themselves are inside.
		top := e.create(t, "devices", mounted("top", k.server1U, k.rack, 42, "front"))
		e.create(t, "devices", mounted("bottom", k.server2U, k.rack, 1, "front"))
		lowBottom := e.create(t, "devices", mounted("low-bottom", k.server1U, low, 5, "front"))
		e.create(t, "devices", mounted("low-top", k.server2U, low, 13, "front"))
		e.create(t, "devices", obj{"name": "pdu", "device_type_id": k.pdu0U, "rack_id": k.rack, "mount_side": "left"})

		t.Run("PATCH a device past the top", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("devices", top), obj{"position": 43}, want{status: http.StatusBadRequest, field: "position"})
		})
		t.Run("PATCH a device to a position that is not a half unit", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("devices", lowBottom), obj{"position": 6.25}, want{status: http.StatusBadRequest, field: "position"})
		})
		t.Run("PATCH a device to position 0", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("devices", lowBottom), obj{"position": 0}, want{status: http.StatusBadRequest, field: "position"})
		})

		// Shrinking the rack or moving its units away from a device.
		var shrink, shift problemBody
		t.Run("PATCH u_height below a placed device", func(t *testing.T) {
			shrink = e.refuse(t, http.MethodPatch, itemPath("racks", k.rack), obj{"u_height": 41}, want{status: http.StatusBadRequest, field: "u_height"})
		})
		t.Run("PUT u_height below a placed device", func(t *testing.T) {
			body := e.get(t, "racks", k.rack)
			body["u_height"] = 30
			e.refuse(t, http.MethodPut, itemPath("racks", k.rack), body, want{status: http.StatusBadRequest, field: "u_height"})
		})
		t.Run("PATCH starting_unit past a placed device", func(t *testing.T) {
			shift = e.refuse(t, http.MethodPatch, itemPath("racks", low), obj{"starting_unit": 6}, want{status: http.StatusBadRequest, field: "starting_unit"})
		})
		names := func(p problemBody, id int64, name string) bool {
			for _, f := range p.Errors {
				if (f.Conflict != nil && f.Conflict.Type == dcim.TypeDevice && f.Conflict.ID == id) || strings.Contains(f.Message, strconv.Quote(name)) {
					return true
				}
			}
			return false
		}
		if !names(shrink, top, "top") {
			t.Errorf("shrinking a rack under a device does not name the device: %+v", shrink.Errors)
		}
		if !names(shift, lowBottom, "low-bottom") {
			t.Errorf("shifting a rack's units under a device does not name the device: %+v", shift.Errors)
		}

		// Growing the rack, and shrinking it down to the top device, are fine.
		e.expect(t, http.StatusOK, http.MethodPatch, itemPath("racks", k.rack), obj{"u_height": 48})
		e.expect(t, http.StatusOK, http.MethodPatch, itemPath("racks", k.rack), obj{"u_height": 42})
	})
}

// TestInvariantRackWeight: the equipment in a rack weighs no more than its max_weight, in any
// weight unit, whether the devices are in units or not.
func TestInvariantRackWeight(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		heavy := e.create(t, "device-types", obj{"manufacturer_id": k.mfr, "model": "Heavy 2U", "u_height": 2, "weight": 40, "weight_unit": "kg"})
		light := e.create(t, "device-types", obj{"manufacturer_id": k.mfr, "model": "Light 1U", "u_height": 1, "weight": 10000, "weight_unit": "g"})
		rack := e.create(t, "racks", obj{"room_id": k.room, "name": "W01", "u_height": 42, "max_weight": 100, "weight_unit": "kg"})
		e.create(t, "devices", mounted("h1", heavy, rack, 1, "front"))
		e.create(t, "devices", mounted("h2", heavy, rack, 3, "front")) // 80 kg
		overRack := want{status: http.StatusConflict, field: "rack_id", conflict: conflictWith(dcim.TypeRack, rack)}

		t.Run("a device over max_weight", func(t *testing.T) {
			e.refuse(t, http.MethodPost, Prefix+"/devices", mounted("h3", heavy, rack, 5, "front"), overRack)
		})
		t.Run("an unmounted device in the rack counts", func(t *testing.T) {
			e.refuse(t, http.MethodPost, Prefix+"/devices", obj{"name": "h3", "device_type_id": heavy, "rack_id": rack}, overRack)
		})
		t.Run("moving a device into the rack", func(t *testing.T) {
			spare := e.create(t, "devices", obj{"name": "spare", "device_type_id": heavy, "site_id": k.site})
			e.refuse(t, http.MethodPatch, itemPath("devices", spare), obj{"rack_id": rack}, overRack)
			e.refuse(t, http.MethodPatch, itemPath("devices", spare), obj{"rack_id": rack, "position": 20, "face": "front"}, overRack)
		})
		t.Run("bulk create crossing the limit on its third item", func(t *testing.T) {
			e.refuse(t, http.MethodPost, Prefix+"/devices/bulk", []obj{
				mounted("l1", light, rack, 10, "front"), mounted("l2", light, rack, 11, "front"), mounted("l3", light, rack, 12, "front"),
			}, want{status: http.StatusConflict, field: "[2].rack_id", conflict: conflictWith(dcim.TypeRack, rack)})
		})
		// Exactly at the limit is allowed (80 kg + 2 × 10 kg, the light type in grams).
		e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/devices/bulk", []obj{
			mounted("l1", light, rack, 10, "front"), mounted("l2", light, rack, 11, "front")})
		t.Run("lowering max_weight under the load", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("racks", rack), obj{"max_weight": 99}, want{status: http.StatusConflict, field: "max_weight",
				conflict: conflictWith(dcim.TypeRack, rack)})
		})
		t.Run("changing max_weight to pounds", func(t *testing.T) {
			// 100 lb is 45 kg, under the 100 kg in the rack; the error is on the field that changed.
			e.refuse(t, http.MethodPatch, itemPath("racks", rack), obj{"weight_unit": "lb"}, want{status: http.StatusConflict, field: "weight_unit",
				conflict: conflictWith(dcim.TypeRack, rack)})
		})
		t.Run("a device type getting heavier", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("device-types", heavy), obj{"weight": 41}, want{status: http.StatusConflict, field: "weight",
				conflict: conflictWith(dcim.TypeRack, rack)})
		})

		// Pounds: a 100 lb (45.36 kg) rack takes three 30 lb devices (40.82 kg), then nothing of 5 kg.
		lbRack := e.create(t, "racks", obj{"room_id": k.room, "name": "L01", "max_weight": 100, "weight_unit": "lb"})
		lbType := e.create(t, "device-types", obj{"manufacturer_id": k.mfr, "model": "Thirty pounds", "u_height": 1, "weight": 30, "weight_unit": "lb"})
		kg5 := e.create(t, "device-types", obj{"manufacturer_id": k.mfr, "model": "Five kilos", "u_height": 1, "weight": 5})
		kg4 := e.create(t, "device-types", obj{"manufacturer_id": k.mfr, "model": "Four kilos", "u_height": 1, "weight": 4})
		for i := 1; i <= 3; i++ {
			e.create(t, "devices", mounted(fmt.Sprintf("lb%d", i), lbType, lbRack, float64(i), "front"))
		}
		lbOver := want{status: http.StatusConflict, field: "rack_id", conflict: conflictWith(dcim.TypeRack, lbRack)}
		t.Run("pounds over max_weight in pounds", func(t *testing.T) {
			e.refuse(t, http.MethodPost, Prefix+"/devices", mounted("lb4", lbType, lbRack, 4, "front"), lbOver)
		})
		t.Run("kilograms over max_weight in pounds", func(t *testing.T) {
			e.refuse(t, http.MethodPost, Prefix+"/devices", mounted("kg5", kg5, lbRack, 4, "front"), lbOver)
		})
		e.create(t, "devices", mounted("kg4", kg4, lbRack, 4, "front")) // 44.8 kg ≤ 45.36 kg
	})
}

// TestInvariantFloorLoad: a rack's total weight over its footprint stays within the room's floor
// load rating (kg/m²), even where the rack's own max_weight would allow more.
func TestInvariantFloorLoad(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		room := e.create(t, "rooms", obj{"site_id": k.site, "name": "Light floor", "floor_load_rating": 500, "tile_size": 600})
		// 600 × 1000 mm = 0.6 m²: at most 300 kg in all. The rack itself weighs 100 kg and carries up to 1000 kg.
		rack := e.create(t, "racks", obj{"room_id": room, "name": "F01", "outer_width": 600, "outer_depth": 1000, "outer_unit": "mm",
			"weight": 100, "max_weight": 1000, "weight_unit": "kg"})
		storage := e.create(t, "device-types", obj{"manufacturer_id": k.mfr, "model": "Storage 4U", "u_height": 4, "weight": 50})
		for i := range 4 {
			e.create(t, "devices", mounted(fmt.Sprintf("st%d", i), storage, rack, float64(1+4*i), "front")) // 300 kg: exactly 500 kg/m²
		}
		overFloor := func(field string) want {
			return want{status: http.StatusConflict, field: field, conflict: conflictWith(dcim.TypeRoom, room)}
		}
		t.Run("a device over the floor rating, under max_weight", func(t *testing.T) {
			e.refuse(t, http.MethodPost, Prefix+"/devices", mounted("st4", storage, rack, 17, "front"), overFloor("rack_id"))
		})
		t.Run("a heavier rack", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("racks", rack), obj{"weight": 101}, overFloor("weight"))
		})
		t.Run("a heavier device type", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("device-types", storage), obj{"weight": 51}, overFloor("weight"))
		})
		t.Run("a lower floor rating", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("rooms", room), obj{"floor_load_rating": 499}, overFloor("floor_load_rating"))
		})
		var shallower problemBody
		t.Run("a smaller footprint", func(t *testing.T) {
			p := e.refuse(t, http.MethodPatch, itemPath("racks", rack), obj{"outer_depth": 900}, want{status: http.StatusConflict})
			if len(p.Errors) != 1 || p.Errors[0].Conflict == nil || p.Errors[0].Conflict.Type != dcim.TypeRoom || p.Errors[0].Conflict.ID != room {
				t.Errorf("errors %+v, want one naming room %d", p.Errors, room)
			}
			shallower = p
		})
		if shallower.field("outer_depth") == nil {
			t.Errorf("a smaller footprint that overloads the floor is not reported on outer_depth: %+v", shallower.Errors)
		}
		t.Run("a new rack heavier than the floor on its own", func(t *testing.T) {
			// 320 kg on 24 × 40 in (0.62 m²) is 516 kg/m².
			e.refuse(t, http.MethodPost, Prefix+"/racks", obj{"room_id": room, "name": "F02", "outer_width": 24, "outer_depth": 40,
				"outer_unit": "in", "weight": 320}, want{status: http.StatusConflict, field: "weight", conflict: conflictWith(dcim.TypeRoom, room)})
		})
		t.Run("a rack without dimensions stands on one tile", func(t *testing.T) {
			// 200 kg on one 600 mm tile (0.36 m²) is 556 kg/m².
			e.refuse(t, http.MethodPost, Prefix+"/racks", obj{"room_id": room, "name": "F03", "weight": 200},
				want{status: http.StatusConflict, field: "weight", conflict: conflictWith(dcim.TypeRoom, room)})
		})
		t.Run("moving a loaded rack onto the light floor", func(t *testing.T) {
			other := e.create(t, "racks", obj{"room_id": k.room, "name": "F04", "outer_width": 600, "outer_depth": 1000, "weight": 100})
			e.create(t, "devices", mounted("moved", storage, other, 1, "front"))
			e.create(t, "devices", mounted("moved2", storage, other, 5, "front"))
			e.create(t, "devices", mounted("moved3", storage, other, 9, "front"))
			e.create(t, "devices", mounted("moved4", storage, other, 13, "front"))
			e.create(t, "devices", mounted("moved5", storage, other, 17, "front")) // 350 kg: fine on a floor without a rating
			e.refuse(t, http.MethodPatch, itemPath("racks", other), obj{"room_id": room},
				want{status: http.StatusConflict, field: "room_id", conflict: conflictWith(dcim.TypeRoom, room)})
		})
		// 24 × 40 in with 300 kg is 484 kg/m²: it fits.
		e.create(t, "racks", obj{"room_id": room, "name": "F02", "outer_width": 24, "outer_depth": 40, "outer_unit": "in", "weight": 300})
	})
}

// TestInvariantUniqueNames: names are unique in their scope, and the conflict names the holder.
func TestInvariantUniqueNames(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		hall2 := e.create(t, "rooms", obj{"site_id": k.site, "name": "Hall 2"})
		row := e.create(t, "rows", obj{"room_id": k.room, "name": "Row A"})
		tagged := e.create(t, "racks", obj{"room_id": k.room, "name": "A02", "facility_id": "F-1", "asset_tag": "AT-1"})
		srv := e.create(t, "devices", obj{"name": "srv1", "device_type_id": k.server1U, "rack_id": k.rack, "asset_tag": "AT-D1"})
		hpe := e.create(t, "manufacturers", obj{"name": "HPE"})
		tag := e.create(t, "tags", obj{"name": "Gold"})
		racks2 := e.create(t, "racks", obj{"room_id": k.room2, "name": "Z01"})
		c409 := func(field, typ string, id int64) want {
			return want{status: http.StatusConflict, field: field, conflict: conflictWith(typ, id)}
		}
		for _, c := range []struct {
			name, method, path string
			body               any
			w                  want
		}{
			{"site name", "POST", "/sites", obj{"name": "DC1"}, c409("name", dcim.TypeSite, k.site)},
			{"site slug from another name", "POST", "/sites", obj{"name": "dc1"}, c409("slug", dcim.TypeSite, k.site)},
			{"site slug given", "POST", "/sites", obj{"name": "Other", "slug": "dc2"}, c409("slug", dcim.TypeSite, k.site2)},
			{"site renamed onto another", "PATCH", fmt.Sprintf("/sites/%d", k.site2), obj{"name": "DC1"}, c409("name", dcim.TypeSite, k.site)},
			{"room name in its site", "POST", "/rooms", obj{"site_id": k.site, "name": "Hall 1"}, c409("name", dcim.TypeRoom, k.room)},
			{"room moved into a site with its name", "PATCH", fmt.Sprintf("/rooms/%d", hall2), obj{"name": "Hall 1"}, c409("name", dcim.TypeRoom, k.room)},
			{"row name in its room", "POST", "/rows", obj{"room_id": k.room, "name": "Row A"}, c409("name", dcim.TypeRow, row)},
			{"rack name in its room", "POST", "/racks", obj{"room_id": k.room, "name": "A01"}, c409("name", dcim.TypeRack, k.rack)},
			{"rack moved into a room with its name", "PATCH", fmt.Sprintf("/racks/%d", tagged), obj{"name": "A01"}, c409("name", dcim.TypeRack, k.rack)},
			{"rack facility_id in its site", "POST", "/racks", obj{"room_id": hall2, "name": "B01", "facility_id": "F-1"},
				c409("facility_id", dcim.TypeRack, tagged)},
			{"rack asset_tag anywhere", "POST", "/racks", obj{"room_id": k.room2, "name": "B01", "asset_tag": "AT-1"},
				c409("asset_tag", dcim.TypeRack, tagged)},
			{"device name in its site", "POST", "/devices", obj{"name": "srv1", "device_type_id": k.server1U, "site_id": k.site},
				c409("name", dcim.TypeDevice, srv)},
			{"device name in the site of its rack", "POST", "/devices", obj{"name": "srv1", "device_type_id": k.server1U, "rack_id": k.rack},
				c409("name", dcim.TypeDevice, srv)},
			{"device asset_tag anywhere", "POST", "/devices", obj{"name": "other", "device_type_id": k.server1U, "site_id": k.site2, "asset_tag": "AT-D1"},
				c409("asset_tag", dcim.TypeDevice, srv)},
			{"manufacturer name", "POST", "/manufacturers", obj{"name": "Dell"}, c409("name", dcim.TypeManufacturer, k.mfr)},
			{"manufacturer slug", "PATCH", fmt.Sprintf("/manufacturers/%d", hpe), obj{"slug": "dell"}, c409("slug", dcim.TypeManufacturer, k.mfr)},
			{"device type model of its manufacturer", "POST", "/device-types", obj{"manufacturer_id": k.mfr, "model": "R750"},
				c409("model", dcim.TypeDeviceType, k.server2U)},
			{"tenant name", "POST", "/tenants", obj{"name": "Acme"}, c409("name", dcim.TypeTenant, k.acme)},
			{"tenant slug", "PATCH", fmt.Sprintf("/tenants/%d", k.globex), obj{"slug": "acme"}, c409("slug", dcim.TypeTenant, k.acme)},
			{"tag name", "POST", "/tags", obj{"name": "Gold"}, c409("name", dcim.TypeTag, tag)},
			{"two sites of one bulk", "POST", "/sites/bulk", []obj{{"name": "DC9"}, {"name": "DC9"}},
				want{status: http.StatusConflict, field: "[1].name", conflict: &dcim.ObjectRef{Type: dcim.TypeSite, Name: "DC9"}}},
			{"bulk rename onto each other", "PATCH", "/tenants", []obj{{"id": k.acme, "name": "Initech"}, {"id": k.globex, "name": "Initech"}},
				want{status: http.StatusConflict, field: "[1].name", conflict: conflictWith(dcim.TypeTenant, k.acme)}},
		} {
			t.Run(c.name, func(t *testing.T) { e.refuse(t, c.method, Prefix+c.path, c.body, c.w) })
		}
		t.Run("device moved to a rack in a site that has its name", func(t *testing.T) {
			e.create(t, "devices", obj{"name": "srv1", "device_type_id": k.server1U, "site_id": k.site2})
			e.refuse(t, http.MethodPatch, itemPath("devices", srv), obj{"rack_id": racks2}, want{status: http.StatusConflict, field: "name",
				conflict: &dcim.ObjectRef{Type: dcim.TypeDevice, Name: "srv1"}})
		})

		// The same names in another scope are fine.
		e.create(t, "rooms", obj{"site_id": k.site2, "name": "Hall 2"})
		e.create(t, "rows", obj{"room_id": hall2, "name": "Row A"})
		e.create(t, "racks", obj{"room_id": hall2, "name": "A01"})
		e.create(t, "racks", obj{"room_id": k.room2, "name": "A02", "facility_id": "F-1"})
		e.create(t, "device-types", obj{"manufacturer_id": hpe, "model": "R750"})
		e.create(t, "devices", obj{"name": "other", "device_type_id": k.server1U, "site_id": k.site, "asset_tag": "AT-1"}) // a rack's tag
		// Racks and devices without a facility_id or asset tag do not collide on the empty value.
		e.create(t, "racks", obj{"room_id": hall2, "name": "A03", "facility_id": nil, "asset_tag": nil})
		e.create(t, "racks", obj{"room_id": hall2, "name": "A04"})
	})
}

// TestInvariantReservations: reservations overlap neither occupied units nor other reservations in
// force; devices stay out of units reserved for another tenant; expired reservations hold nothing.
func TestInvariantReservations(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		future := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
		srv := e.create(t, "devices", with(mounted("srv", k.server1U, k.rack, 10, "front"), "tenant_id", k.acme))
		half := e.create(t, "devices", mounted("half", k.blank05U, k.rack, 24.5, "rear")) // upper half of unit 24
		acme := e.create(t, "rack-reservations", obj{"rack_id": k.rack, "units": []int{20, 21}, "tenant_id": k.acme, "description": "Acme growth", "expires": future})
		open := e.create(t, "rack-reservations", obj{"rack_id": k.rack, "units": []int{40}, "description": "no tenant"})
		expired := e.create(t, "rack-reservations", obj{"rack_id": k.rack, "units": []int{30}, "tenant_id": k.globex, "description": "lapsed", "expires": past})
		reservations := Prefix + "/rack-reservations"
		res := func(units []int, tenant any) obj {
			return obj{"rack_id": k.rack, "units": units, "tenant_id": tenant, "description": "new"}
		}
		for _, c := range []struct {
			name, method, path string
			body               any
			w                  want
		}{
			{"units of a device", "POST", reservations, res([]int{9, 10}, k.acme),
				want{status: http.StatusConflict, field: "units", conflict: conflictWith(dcim.TypeDevice, srv)}},
			{"the unit half a 0.5U device takes", "POST", reservations, res([]int{24}, nil),
				want{status: http.StatusConflict, field: "units", conflict: conflictWith(dcim.TypeDevice, half)}},
			{"units of another reservation", "POST", reservations, res([]int{21, 22}, k.globex),
				want{status: http.StatusConflict, field: "units", conflict: conflictWith(dcim.TypeRackReservation, acme)}},
			{"units of the same tenant's reservation", "POST", reservations, res([]int{20}, k.acme),
				want{status: http.StatusConflict, field: "units", conflict: conflictWith(dcim.TypeRackReservation, acme)}},
			{"a unit outside the rack", "POST", reservations, res([]int{5, 43}, nil), want{status: http.StatusBadRequest, field: "units"}},
			{"unit 0", "POST", reservations, res([]int{0}, nil), want{status: http.StatusBadRequest, field: "units"}},
			{"a unit twice", "POST", reservations, res([]int{5, 5}, nil), want{status: http.StatusBadRequest, field: "units"}},
			{"no units", "POST", reservations, res([]int{}, nil), want{status: http.StatusBadRequest, field: "units"}},
			{"PATCH onto a device", "PATCH", itemPath("rack-reservations", open), obj{"units": []int{10}},
				want{status: http.StatusConflict, field: "units", conflict: conflictWith(dcim.TypeDevice, srv)}},
			{"PUT onto another reservation", "PUT", itemPath("rack-reservations", open),
				obj{"rack_id": k.rack, "units": []int{40, 21}, "description": "no tenant"},
				want{status: http.StatusConflict, field: "units", conflict: conflictWith(dcim.TypeRackReservation, acme)}},
			{"two reservations of one bulk", "POST", reservations + "/bulk", []obj{res([]int{2, 3}, nil), res([]int{3, 4}, nil)},
				want{status: http.StatusConflict, field: "[1].units", conflict: &dcim.ObjectRef{Type: dcim.TypeRackReservation, Name: "new"}}},
			{"another tenant's device into reserved units", "POST", Prefix + "/devices",
				with(mounted("g", k.server1U, k.rack, 20, "front"), "tenant_id", k.globex),
				want{status: http.StatusConflict, field: "position", conflict: conflictWith(dcim.TypeRackReservation, acme)}},
			{"a 2U device reaching into reserved units", "POST", Prefix + "/devices",
				with(mounted("g", k.server2U, k.rack, 19, "front"), "tenant_id", k.globex),
				want{status: http.StatusConflict, field: "position", conflict: conflictWith(dcim.TypeRackReservation, acme)}},
			{"a 0.5U device into the top half of a reserved unit", "POST", Prefix + "/devices",
				mounted("g", k.blank05U, k.rack, 21.5, "rear"),
				want{status: http.StatusConflict, field: "position", conflict: conflictWith(dcim.TypeRackReservation, acme)}},
			{"a device without tenant into reserved units", "POST", Prefix + "/devices", mounted("g", k.server1U, k.rack, 21, "front"),
				want{status: http.StatusConflict, field: "position", conflict: conflictWith(dcim.TypeRackReservation, acme)}},
			{"any tenant's device into units reserved without tenant", "POST", Prefix + "/devices",
				with(mounted("g", k.server1U, k.rack, 40, "front"), "tenant_id", k.acme),
				want{status: http.StatusConflict, field: "position", conflict: conflictWith(dcim.TypeRackReservation, open)}},
			{"PATCH a device into reserved units", "PATCH", itemPath("devices", half), obj{"position": 20},
				want{status: http.StatusConflict, field: "position", conflict: conflictWith(dcim.TypeRackReservation, acme)}},
			{"PATCH a device's tenant away from its reservation", "PATCH", itemPath("devices", srv), obj{"position": 20, "tenant_id": k.globex},
				want{status: http.StatusConflict, field: "position", conflict: conflictWith(dcim.TypeRackReservation, acme)}},
		} {
			t.Run(c.name, func(t *testing.T) { e.refuse(t, c.method, c.path, c.body, c.w) })
		}

		// Expired reservations hold nothing; the tenant a reservation is for may use its units.
		e.create(t, "devices", with(mounted("in-lapsed", k.server1U, k.rack, 30, "front"), "tenant_id", k.acme))
		e.create(t, "rack-reservations", obj{"rack_id": k.rack, "units": []int{31}, "tenant_id": k.acme, "description": "over the lapsed one"})
		e.create(t, "devices", with(mounted("acme-own", k.server1U, k.rack, 20, "front"), "tenant_id", k.acme))
		if got := e.get(t, "rack-reservations", expired); got["description"] != "lapsed" {
			t.Errorf("expired reservation: %v", got)
		}
		// An expiry moved into the future brings the reservation back, and it must fit again.
		t.Run("renewing a lapsed reservation over a device", func(t *testing.T) {
			e.refuse(t, http.MethodPatch, itemPath("rack-reservations", expired), obj{"expires": future},
				want{status: http.StatusConflict, field: "units", conflict: &dcim.ObjectRef{Type: dcim.TypeDevice, Name: "in-lapsed"}})
		})
	})
}

// TestInvariantDeleteDependents: a delete that would orphan objects is refused with the list of
// dependents, and deletes nothing.
func TestInvariantDeleteDependents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		row := e.create(t, "rows", obj{"room_id": k.room, "name": "Row A"})
		rack := e.create(t, "racks", obj{"room_id": k.room, "row_id": row, "name": "A02", "tenant_id": k.acme})
		dev := e.create(t, "devices", with(mounted("srv", k.server1U, rack, 1, "front"), "tags", []string{"gold"}))
		res := e.create(t, "rack-reservations", obj{"rack_id": rack, "units": []int{10}, "description": "hold"})
		unracked := e.create(t, "devices", obj{"name": "spare", "device_type_id": k.panel1U, "site_id": k.site2, "tenant_id": k.globex})
		gold := idOf(t, e.list(t, Prefix+"/tags?slug=gold").Results[0])
		ref := func(typ string, id int64) dcim.ObjectRef { return dcim.ObjectRef{Type: typ, ID: id} }
		for _, c := range []struct {
			name string
			path string
			deps []dcim.ObjectRef
		}{
			{"site with rooms", itemPath("sites", k.site), []dcim.ObjectRef{ref(dcim.TypeRoom, k.room)}},
			{"site with only an unracked device", itemPath("sites", k.site2), []dcim.ObjectRef{ref(dcim.TypeRoom, k.room2), ref(dcim.TypeDevice, unracked)}},
			{"room with rows and racks", itemPath("rooms", k.room), []dcim.ObjectRef{ref(dcim.TypeRow, row), ref(dcim.TypeRack, k.rack), ref(dcim.TypeRack, rack)}},
			{"row with racks", itemPath("rows", row), []dcim.ObjectRef{ref(dcim.TypeRack, rack)}},
			{"rack with a device and a reservation", itemPath("racks", rack), []dcim.ObjectRef{ref(dcim.TypeDevice, dev), ref(dcim.TypeRackReservation, res)}},
			{"manufacturer with device types", itemPath("manufacturers", k.mfr), []dcim.ObjectRef{ref(dcim.TypeDeviceType, k.server1U), ref(dcim.TypeDeviceType, k.server2U)}},
			{"device type with devices", itemPath("device-types", k.server1U), []dcim.ObjectRef{ref(dcim.TypeDevice, dev)}},
			{"tenant of a rack", itemPath("tenants", k.acme), []dcim.ObjectRef{ref(dcim.TypeRack, rack)}},
			{"tenant of a device", itemPath("tenants", k.globex), []dcim.ObjectRef{ref(dcim.TypeDevice, unracked)}},
			{"tag in use", itemPath("tags", gold), []dcim.ObjectRef{{Type: "tagged object", ID: dev}}},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := e.refuse(t, http.MethodDelete, c.path, nil, want{status: http.StatusConflict, dependents: c.deps, detail: "in use"})
				for _, d := range p.Dependents {
					if d.Type == "" || d.ID == 0 {
						t.Errorf("dependent without type or id: %+v", d)
					}
				}
			})
		}
		t.Run("bulk delete of a free object and a blocked one", func(t *testing.T) {
			// The empty rack A01 could go; the bulk is all or nothing, so it stays.
			e.refuse(t, http.MethodDelete, Prefix+"/racks", []obj{{"id": k.rack}, {"id": rack}},
				want{status: http.StatusConflict, dependents: []dcim.ObjectRef{ref(dcim.TypeDevice, dev)}, detail: "[1]"})
		})

		// In the right order everything goes, and each delete is logged with the object before.
		before := e.changeCount(t)
		for _, p := range []string{itemPath("devices", dev), itemPath("rack-reservations", res), itemPath("racks", rack), itemPath("rows", row),
			itemPath("tenants", k.acme), itemPath("tags", gold)} {
			e.expect(t, http.StatusNoContent, http.MethodDelete, p, nil)
			e.expect(t, http.StatusNotFound, http.MethodGet, p, nil)
		}
		if got := e.changeCount(t); got != before+6 {
			t.Errorf("change log grew by %d for 6 deletes", got-before)
		}
		// The device's power ports went with it.
		if n := e.list(t, Prefix+"/power-ports?device_id="+strconv.FormatInt(dev, 10)).Count; n != 0 {
			t.Errorf("%d power ports of a deleted device remain", n)
		}
	})
}

// TestInvariantBulkAllOrNothing: a bulk create, patch or delete whose last item fails writes
// nothing, and the error names the item by its index.
func TestInvariantBulkAllOrNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		for _, c := range []struct {
			coll  string
			items []obj
			w     want
		}{
			{"sites", []obj{{"name": "S1"}, {"name": "S2"}, {"name": ""}}, want{status: http.StatusBadRequest, field: "[2].name"}},
			{"tenants", []obj{{"name": "T1"}, {"name": "T2"}, {"name": "T3", "bogus": true}}, want{status: http.StatusBadRequest, field: "[2].bogus"}},
			{"manufacturers", []obj{{"name": "M1"}, {"name": "M2"}, {"name": 7}}, want{status: http.StatusBadRequest, field: "[2].name"}},
			{"tags", []obj{{"name": "t1"}, {"name": "t2"}, {"name": "t3", "color": "red"}}, want{status: http.StatusBadRequest, field: "[2].color"}},
			{"rooms", []obj{{"site_id": k.site, "name": "R1"}, {"site_id": k.site, "name": "R2"}, {"site_id": 999999, "name": "R3"}},
				want{status: http.StatusBadRequest, field: "[2].site_id"}},
			{"rows", []obj{{"room_id": k.room, "name": "W1"}, {"room_id": k.room, "name": "W2"}, {"room_id": 999999, "name": "W3"}},
				want{status: http.StatusBadRequest, field: "[2].room_id"}},
			{"racks", []obj{{"room_id": k.room, "name": "X1"}, {"room_id": k.room, "name": "X2"}, {"room_id": k.room, "name": "X3", "u_height": 0}},
				want{status: http.StatusBadRequest, field: "[2].u_height"}},
			{"rack-reservations", []obj{{"rack_id": k.rack, "units": []int{1}, "description": "a"}, {"rack_id": k.rack, "units": []int{2}, "description": "b"},
				{"rack_id": k.rack, "units": []int{3, 99}, "description": "c"}}, want{status: http.StatusBadRequest, field: "[2].units"}},
			{"device-types", []obj{{"manufacturer_id": k.mfr, "model": "D1"}, {"manufacturer_id": k.mfr, "model": "D2"},
				{"manufacturer_id": k.mfr, "model": "D3", "u_height": 1.25}}, want{status: http.StatusBadRequest, field: "[2].u_height"}},
			{"devices", []obj{mounted("a", k.server1U, k.rack, 1, "front"), mounted("b", k.server1U, k.rack, 2, "front"),
				mounted("c", k.server1U, k.rack, 3.3, "front")}, want{status: http.StatusBadRequest, field: "[2].position"}},
			{"devices", []obj{mounted("a", k.server1U, k.rack, 1, "front"), mounted("b", k.server1U, k.rack, 2, "front"),
				mounted("c", k.server1U, k.rack, 1, "rear")}, want{status: http.StatusConflict, field: "[2].position",
				conflict: &dcim.ObjectRef{Type: dcim.TypeDevice, Name: "a"}}},
		} {
			t.Run("create "+c.coll, func(t *testing.T) { e.refuse(t, http.MethodPost, Prefix+"/"+c.coll+"/bulk", c.items, c.w) })
		}

		e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/devices/bulk", []obj{
			mounted("a", k.server1U, k.rack, 1, "front"), mounted("b", k.server1U, k.rack, 2, "front"), mounted("c", k.server1U, k.rack, 3, "front")})
		devs := e.list(t, Prefix+"/devices?ordering=name")
		if devs.Count != 3 {
			t.Fatalf("bulk create made %d devices", devs.Count)
		}
		a, b, c := ids(t, devs.Results)[0], ids(t, devs.Results)[1], ids(t, devs.Results)[2]
		for _, x := range []struct {
			name, method string
			body         any
			w            want
		}{
			{"patch, third invalid", "PATCH", []obj{{"id": a, "name": "renamed"}, {"id": b, "position": 5}, {"id": c, "position": 3.3}},
				want{status: http.StatusBadRequest, field: "[2].position"}},
			{"patch, third colliding with the first", "PATCH", []obj{{"id": a, "position": 10}, {"id": b, "position": 20}, {"id": c, "position": 10}},
				want{status: http.StatusConflict, field: "[2].position", conflict: conflictWith(dcim.TypeDevice, a)}},
			{"patch, third with an unknown field", "PATCH", []obj{{"id": a, "name": "renamed"}, {"id": b, "name": "renamed too"}, {"id": c, "bogus": 1}},
				want{status: http.StatusBadRequest, field: "[2].bogus"}},
			{"patch, third without id", "PATCH", []obj{{"id": a, "name": "renamed"}, {"id": b, "name": "renamed too"}, {"name": "who"}},
				want{status: http.StatusBadRequest, field: "[2].id"}},
			{"patch, third unknown", "PATCH", []obj{{"id": a, "name": "renamed"}, {"id": b, "name": "renamed too"}, {"id": 999999, "name": "who"}},
				want{status: http.StatusNotFound, detail: "[2]"}},
			{"delete, third unknown", "DELETE", []obj{{"id": a}, {"id": b}, {"id": 999999}}, want{status: http.StatusNotFound, detail: "[2]"}},
			{"delete, one twice", "DELETE", []obj{{"id": a}, {"id": b}, {"id": a}}, want{status: http.StatusNotFound, detail: "[2]"}},
		} {
			t.Run(x.name, func(t *testing.T) { e.refuse(t, x.method, Prefix+"/devices", x.body, x.w) })
		}
		t.Run("delete of device types, third in use", func(t *testing.T) {
			e.refuse(t, http.MethodDelete, Prefix+"/device-types", []obj{{"id": k.blank05U}, {"id": k.pdu0U}, {"id": k.server1U}},
				want{status: http.StatusConflict, detail: "[2]", dependents: []dcim.ObjectRef{{Type: dcim.TypeDevice, ID: a}}})
		})

		// And when every item is fine, every item is written, each with its change.
		n := e.changeCount(t)
		var patched []obj
		r := e.do(t, http.MethodPatch, Prefix+"/devices", []obj{{"id": a, "position": 10}, {"id": c, "position": 1}})
		if r.code != http.StatusOK || json.Unmarshal(r.body, &patched) != nil || len(patched) != 2 || patched[1]["position"] != 1.0 {
			t.Fatalf("bulk patch: %s", r)
		}
		e.expect(t, http.StatusNoContent, http.MethodDelete, Prefix+"/devices", []obj{{"id": a}, {"id": b}, {"id": c}})
		if got := e.changeCount(t) - n; got != 5 {
			t.Errorf("2 patches and 3 deletes logged %d changes", got)
		}
	})
}

// collCase is a writable collection with a valid body, a string field of it, and a stored object.
type collCase struct {
	coll     string
	valid    obj
	strField string
	id       int64
}

func (e *apiEnv) collections(t testing.TB, k kit) []collCase {
	t.Helper()
	row := e.create(t, "rows", obj{"room_id": k.room, "name": "Row A"})
	res := e.create(t, "rack-reservations", obj{"rack_id": k.rack, "units": []int{40}, "description": "hold"})
	dev := e.create(t, "devices", mounted("srv", k.server1U, k.rack, 1, "front"))
	tag := e.create(t, "tags", obj{"name": "gold"})
	node := e.create(t, "power-nodes", obj{"site_id": k.site, "name": "UPS-1", "kind": "ups", "voltage": 400})
	zone := e.create(t, "cooling-zones", obj{"room_id": k.room, "name": "Zone 1"})
	unit := e.create(t, "cooling-units", obj{"room_id": k.room, "name": "CRAH-1", "kind": "crah", "capacity_kw": 100})
	point := e.create(t, "sensor-points", obj{"room_id": k.room, "name": "Room 1", "kind": "room"})
	return []collCase{
		{"power-nodes", obj{"site_id": k.site, "name": "New node", "kind": "circuit", "voltage": 400}, "name", node},
		{"cooling-zones", obj{"room_id": k.room, "name": "New zone"}, "name", zone},
		{"cooling-units", obj{"room_id": k.room, "name": "New unit", "kind": "in-row", "capacity_kw": 30}, "name", unit},
		{"sensor-points", obj{"room_id": k.room, "name": "New point", "kind": "room"}, "name", point},
		{"sites", obj{"name": "New site"}, "name", k.site},
		{"rooms", obj{"site_id": k.site, "name": "New room"}, "name", k.room},
		{"rows", obj{"room_id": k.room, "name": "New row"}, "name", row},
		{"racks", obj{"room_id": k.room, "name": "New rack"}, "name", k.rack},
		{"rack-reservations", obj{"rack_id": k.rack, "units": []int{41}, "description": "new"}, "description", res},
		{"manufacturers", obj{"name": "New maker"}, "name", k.mfr},
		{"device-types", obj{"manufacturer_id": k.mfr, "model": "New model"}, "model", k.server2U},
		{"devices", obj{"name": "New device", "device_type_id": k.server1U, "site_id": k.site}, "name", dev},
		{"tenants", obj{"name": "New tenant"}, "name", k.acme},
		{"tags", obj{"name": "New tag"}, "name", tag},
	}
}

// TestNever5xx: malformed JSON, unknown fields, wrong types, oversized bodies, unknown ids and bad
// list parameters are 4xx on every collection, never 5xx, and change nothing.
func TestNever5xx(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		colls := e.collections(t, k)
		huge := func(prefix string, n int, suffix string) string {
			return prefix + strings.Repeat("a", n) + suffix
		}
		for _, c := range colls {
			t.Run(c.coll, func(t *testing.T) {
				coll, item := Prefix+"/"+c.coll, itemPath(c.coll, c.id)
				missing := itemPath(c.coll, 999999)
				validJSON, _ := json.Marshal(c.valid)
				bad := http.StatusBadRequest
				before := e.snapshot(t)
				for _, x := range []struct {
					method, path string
					body         any
					w            want
				}{
					{"POST", coll, `{"name":`, want{status: bad, field: "body"}},
					{"POST", coll, `{"name":"x"`, want{status: bad, field: "body"}},
					{"POST", coll, nil, want{status: bad}},
					{"POST", coll, `[]`, want{status: bad}},
					{"POST", coll, `"text"`, want{status: bad}},
					{"POST", coll, `null`, want{status: bad}},
					{"POST", coll, string(validJSON) + ` {}`, want{status: bad, field: "body"}},
					{"POST", coll, with(c.valid, "no_such_field", 1), want{status: bad, field: "no_such_field"}},
					{"POST", coll, with(c.valid, c.strField, 12), want{status: bad, field: c.strField}},
					{"POST", coll, with(c.valid, c.strField, obj{"a": 1}), want{status: bad, field: c.strField}},
					{"POST", coll, with(c.valid, c.strField, nil), want{status: bad, field: c.strField}},
					{"POST", coll, with(c.valid, "tags", "gold"), want{status: bad, field: "tags"}},
					{"POST", coll, huge(`{"`+c.strField+`":"`, maxBody, `"}`), want{status: http.StatusRequestEntityTooLarge}},
					{"PUT", item, `{"name":`, want{status: bad, field: "body"}},
					{"PUT", item, with(c.valid, "no_such_field", 1), want{status: bad, field: "no_such_field"}},
					{"PUT", item, with(c.valid, c.strField, true), want{status: bad, field: c.strField}},
					{"PUT", item, huge(`{"`+c.strField+`":"`, maxBody, `"}`), want{status: http.StatusRequestEntityTooLarge}},
					{"PUT", missing, c.valid, want{status: http.StatusNotFound}},
					{"PUT", coll, c.valid, want{status: http.StatusMethodNotAllowed}},
					{"PATCH", item, `{"name":`, want{status: bad}},
					{"PATCH", item, `{} {}`, want{status: bad}},
					{"PATCH", item, `[1]`, want{status: bad}},
					{"PATCH", item, `"text"`, want{status: bad}},
					{"PATCH", item, obj{"no_such_field": 1}, want{status: bad, field: "no_such_field"}},
					{"PATCH", item, obj{c.strField: 12}, want{status: bad, field: c.strField}},
					{"PATCH", item, obj{c.strField: []int{1}}, want{status: bad, field: c.strField}},
					{"PATCH", item, huge(`{"description":"`, maxBody, `"}`), want{status: http.StatusRequestEntityTooLarge}},
					{"PATCH", missing, obj{}, want{status: http.StatusNotFound}},
					{"GET", missing, nil, want{status: http.StatusNotFound}},
					{"GET", coll + "/abc", nil, want{status: bad, field: "path.id"}},
					{"GET", coll + "/0", nil, want{status: bad, field: "path.id"}},
					{"GET", coll + "/-1", nil, want{status: bad, field: "path.id"}},
					{"GET", coll + "/99999999999999999999", nil, want{status: bad, field: "path.id"}},
					{"DELETE", missing, nil, want{status: http.StatusNotFound}},
					{"DELETE", coll + "/abc", nil, want{status: bad, field: "path.id"}},
					{"POST", coll + "/bulk", `{}`, want{status: bad}},
					{"POST", coll + "/bulk", `[`, want{status: bad}},
					{"POST", coll + "/bulk", []obj{c.valid, with(c.valid, "no_such_field", 1)}, want{status: bad, field: "[1].no_such_field"}},
					{"POST", coll + "/bulk", []any{c.valid, nil}, want{status: bad}},
					{"PATCH", coll, `{}`, want{status: bad}},
					{"PATCH", coll, `[1]`, want{status: bad}},
					{"PATCH", coll, `[{"id":`, want{status: bad}},
					{"PATCH", coll, []obj{{"id": "x"}}, want{status: bad, field: "[0].id"}},
					{"PATCH", coll, []obj{{"id": 1.5}}, want{status: bad, field: "[0].id"}},
					{"PATCH", coll, []obj{{"id": c.id, c.strField: 12}}, want{status: bad, field: "[0]." + c.strField}},
					{"PATCH", coll, []obj{{"id": 999999}}, want{status: http.StatusNotFound}},
					{"DELETE", coll, nil, want{status: bad}},
					{"DELETE", coll, `{}`, want{status: bad}},
					{"DELETE", coll, []obj{{"id": "x"}}, want{status: bad, field: "[0].id"}},
					{"DELETE", coll, []obj{{"id": 0}}, want{status: bad, field: "[0].id"}},
					{"DELETE", coll, []obj{{"id": 999999}}, want{status: http.StatusNotFound}},
				} {
					r := e.do(t, x.method, x.path, x.body)
					what := fmt.Sprintf("%s %s %.60v", x.method, x.path, x.body)
					if r.code >= 500 {
						t.Errorf("%s: %s", what, r)
						continue
					}
					if r.code == http.StatusMethodNotAllowed && x.w.status == http.StatusMethodNotAllowed {
						continue // the router's answer, not a problem document
					}
					checkProblem(t, what, r, x.w)
				}
				e.unchangedSince(t, before, "malformed requests on "+c.coll)
			})
		}

		t.Run("oversized bulk", func(t *testing.T) {
			before := e.snapshot(t)
			r := e.do(t, http.MethodPost, Prefix+"/tenants/bulk", huge(`[{"name":"`, maxBulkBody, `"}]`))
			checkProblem(t, "POST bulk over the limit", r, want{status: http.StatusRequestEntityTooLarge})
			e.unchangedSince(t, before, "oversized bulk")
		})

		t.Run("unsupported content type", func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, Prefix+"/sites", strings.NewReader("name: x\n"))
			req.Header.Set("Authorization", "Bearer "+e.token)
			req.Header.Set("Content-Type", "application/yaml")
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("YAML body: %d %s", rec.Code, rec.Body)
			}
		})

		t.Run("unknown referenced ids", func(t *testing.T) {
			device := colls[slices.IndexFunc(colls, func(c collCase) bool { return c.coll == "devices" })].id
			other := e.create(t, "rows", obj{"room_id": k.room2, "name": "Elsewhere"})
			for _, x := range []struct {
				method, coll string
				body         obj
				field        string
			}{
				{"POST", "sites", obj{"name": "S", "tenant_id": 999999}, "tenant_id"},
				{"POST", "rooms", obj{"site_id": 999999, "name": "R"}, "site_id"},
				{"POST", "rooms", obj{"site_id": k.site, "name": "R", "tenant_id": 999999}, "tenant_id"},
				{"POST", "rows", obj{"room_id": 999999, "name": "W"}, "room_id"},
				{"POST", "racks", obj{"room_id": 999999, "name": "K"}, "room_id"},
				{"POST", "racks", obj{"room_id": k.room, "name": "K", "row_id": 999999}, "row_id"},
				{"POST", "racks", obj{"room_id": k.room, "name": "K", "row_id": other}, "row_id"},
				{"POST", "racks", obj{"room_id": k.room, "name": "K", "tenant_id": 999999}, "tenant_id"},
				{"POST", "rack-reservations", obj{"rack_id": 999999, "units": []int{30}, "description": "x"}, "rack_id"},
				{"POST", "rack-reservations", obj{"rack_id": k.rack, "units": []int{30}, "description": "x", "tenant_id": 999999}, "tenant_id"},
				{"POST", "device-types", obj{"manufacturer_id": 999999, "model": "M"}, "manufacturer_id"},
				{"POST", "devices", obj{"name": "D", "device_type_id": 999999, "site_id": k.site}, "device_type_id"},
				{"POST", "devices", obj{"name": "D", "device_type_id": k.server1U, "rack_id": 999999}, "rack_id"},
				{"POST", "devices", obj{"name": "D", "device_type_id": k.server1U, "site_id": 999999}, "site_id"},
				{"POST", "devices", obj{"name": "D", "device_type_id": k.server1U, "site_id": k.site, "tenant_id": 999999}, "tenant_id"},
				{"POST", "devices", obj{"name": "D", "device_type_id": k.server1U}, "site_id"},
				{"PATCH", fmt.Sprintf("devices/%d", device), obj{"rack_id": 999999}, "rack_id"},
				{"PATCH", fmt.Sprintf("rooms/%d", k.room), obj{"site_id": 999999}, "site_id"},
				{"PATCH", fmt.Sprintf("racks/%d", k.rack), obj{"row_id": 999999}, "row_id"},
			} {
				e.refuse(t, x.method, Prefix+"/"+x.coll, x.body, want{status: http.StatusBadRequest, field: x.field})
			}
		})

		t.Run("list parameters", func(t *testing.T) {
			before := e.snapshot(t)
			lists := append(slices.Clone(snapshotColls), "devices")
			for _, l := range lists {
				base := Prefix + "/" + l
				cases := []struct {
					query string
					w     want
				}{
					{"limit=-1", want{status: http.StatusBadRequest, field: "query.limit"}},
					{"limit=1001", want{status: http.StatusBadRequest, field: "query.limit"}},
					{"limit=abc", want{status: http.StatusBadRequest, field: "query.limit"}},
					{"limit=99999999999999999999", want{status: http.StatusBadRequest, field: "query.limit"}},
					{"offset=-1", want{status: http.StatusBadRequest, field: "query.offset"}},
					{"offset=1.5", want{status: http.StatusBadRequest, field: "query.offset"}},
					{"no_such_filter=1", want{status: http.StatusBadRequest, field: "no_such_filter"}},
					{"id=abc", want{status: http.StatusBadRequest, field: "id"}},
				}
				if l != "changes" {
					cases = append(cases,
						struct {
							query string
							w     want
						}{"ordering=no_such_field", want{status: http.StatusBadRequest, field: "ordering"}},
						struct {
							query string
							w     want
						}{"ordering=-no_such_field", want{status: http.StatusBadRequest, field: "ordering"}},
						struct {
							query string
							w     want
						}{"ordering=id%3BDROP%20TABLE%20sites", want{status: http.StatusBadRequest, field: "ordering"}},
						struct {
							query string
							w     want
						}{"ordering=id,", want{status: http.StatusBadRequest, field: "ordering"}},
					)
				}
				for _, c := range cases {
					checkProblem(t, "GET "+base+"?"+c.query, e.do(t, http.MethodGet, base+"?"+c.query, nil), c.w)
				}
				queries := []string{"limit=1000&offset=9223372036854775807", "offset=1000000"}
				if l != "changes" { // the change log has no text search
					queries = append(queries, "q=%25_%5C%27")
				}
				for _, q := range queries {
					p := e.list(t, base+"?"+q)
					if len(p.Results) != 0 || p.Next != nil {
						t.Errorf("GET %s?%s: %d results, next %v", base, q, len(p.Results), p.Next)
					}
				}
			}
			for _, c := range []struct {
				path  string
				field string
			}{
				{"/devices?rack_id=abc", "rack_id"},
				{"/devices?rack_id=1&rack_id=x", "rack_id"},
				{"/devices?position__isnull=maybe", "position__isnull"},
				{"/device-types?is_full_depth=maybe", "is_full_depth"},
				{"/rack-reservations?expires__isnull=2", "expires__isnull"},
				{"/racks?room_id=1.5", "room_id"},
				{"/changes?object_id=abc", "object_id"},
				{"/changes?since=yesterday", "since"},
				{"/changes?until=2026-13-01T00:00:00Z", "until"},
				{"/racks/1/elevation.svg?face=side", "query.face"},
			} {
				checkProblem(t, "GET "+c.path, e.do(t, http.MethodGet, Prefix+c.path, nil), want{status: http.StatusBadRequest, field: c.field})
			}
			e.unchangedSince(t, before, "list parameters")
		})

		// Text with a NUL character is refused on both engines (PostgreSQL cannot store it), naming
		// the field or parameter, and nothing is written.
		t.Run("NUL bytes", func(t *testing.T) {
			for _, x := range []struct{ method, path, body, field string }{
				{"POST", "/sites", `{"name":"a\u0000b"}`, "name"},
				{"POST", "/tenants", `{"name":"ok","description":"x\u0000"}`, "description"},
				{"POST", "/sites", `{"name":"ok","tags":["a\u0000"]}`, "tags[0]"},
				{"GET", "/sites?q=%00", "", "q"},
				{"GET", "/sites?name=%00", "", "name"},
				{"GET", "/changes?actor=%00", "", "actor"},
			} {
				var body any
				if x.body != "" {
					body = x.body
				}
				e.refuse(t, x.method, Prefix+x.path, body, want{status: http.StatusBadRequest, field: x.field})
			}
		})
	})
}

// TestAuth: every request needs a valid token; read-only tokens read but never write; the change
// log names the token.
func TestAuth(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		site := e.create(t, "sites", obj{"name": "DC1"})
		_, reader, err := e.st.CreateToken(ctx, "reader", false, nil)
		if err != nil {
			t.Fatal(err)
		}
		soon := time.Now().Add(time.Hour)
		old, expired, err := e.st.CreateToken(ctx, "old", true, &soon)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.DB().ExecContext(ctx, "UPDATE tokens SET expires = $1 WHERE id = $2", time.Now().Add(-time.Minute).UTC(), old.ID); err != nil {
			t.Fatal(err)
		}
		_, alice, err := e.st.CreateToken(ctx, "alice", true, nil)
		if err != nil {
			t.Fatal(err)
		}
		writes := []struct {
			method, path string
			body         any
		}{
			{"POST", Prefix + "/sites", obj{"name": "DC2"}},
			{"PUT", itemPath("sites", site), obj{"name": "DC9"}},
			{"PATCH", itemPath("sites", site), obj{"name": "DC9"}},
			{"DELETE", itemPath("sites", site), nil},
			{"POST", Prefix + "/sites/bulk", []obj{{"name": "DC2"}}},
			{"PATCH", Prefix + "/sites", []obj{{"id": site, "name": "DC9"}}},
			{"DELETE", Prefix + "/sites", []obj{{"id": site}}},
			{"POST", Prefix + "/device-types/import", obj{"files": []obj{{"path": "a.yaml", "content": "manufacturer: Acme\nmodel: A1\nu_height: 1\n"}}}},
		}
		reads := []string{Prefix + "/sites", itemPath("sites", site), Prefix + "/changes", Prefix + "/status", Prefix + "/openapi.json"}

		client := "192.0.2.1:1234"
		raw := func(header, method, path string, body any) response {
			var rd io.Reader
			if body != nil {
				j, _ := json.Marshal(body)
				rd = bytes.NewReader(j)
			}
			req := httptest.NewRequest(method, path, rd)
			req.RemoteAddr = client
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			return response{rec.Code, rec.Header(), rec.Body.Bytes()}
		}
		for i, h := range []struct{ name, header, secret string }{
			{"no header", "", ""},
			{"empty bearer", "Bearer ", ""},
			{"bearer without space", "Bearer" + e.token, ""},
			{"basic auth", "Basic dGVzdGVyOnNlY3JldA==", ""},
			{"unknown token", "Bearer plm_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""},
			{"not a plenum token", "Bearer " + strings.TrimPrefix(e.token, "plm_"), ""},
			{"token with junk", "Bearer " + e.token + "x", ""},
			{"expired token", "Bearer " + expired, expired},
		} {
			// Each case is its own client, so that no case exhausts the guesses a client is allowed.
			client = fmt.Sprintf("192.0.2.%d:1234", 10+i)
			t.Run(h.name, func(t *testing.T) {
				before := e.snapshot(t)
				for _, p := range reads {
					checkProblem(t, "GET "+p, raw(h.header, http.MethodGet, p, nil), want{status: http.StatusUnauthorized})
				}
				for _, w := range writes {
					checkProblem(t, w.method+" "+w.path, raw(h.header, w.method, w.path, w.body), want{status: http.StatusUnauthorized})
				}
				if h.secret != "" {
					// A refused token that exists is audited, one entry per request, and nothing else changes.
					refused := e.list(t, Prefix+"/changes?action=token-refused&object_type=token&object_id="+strconv.FormatInt(old.ID, 10)+"&limit=1000")
					if refused.Count != len(reads)+len(writes) {
						t.Errorf("%d token-refused entries, want %d", refused.Count, len(reads)+len(writes))
					}
					before["changes"] = ""
					after := e.snapshot(t)
					after["changes"] = ""
					for _, c := range snapshotColls {
						if before[c] != after[c] {
							t.Errorf("%s changed %s", h.name, c)
						}
					}
					return
				}
				e.unchangedSince(t, before, h.name)
			})
		}

		t.Run("read-only token", func(t *testing.T) {
			for _, p := range reads {
				if r := e.requestAs(t, reader, http.MethodGet, p, nil); r.code != http.StatusOK {
					t.Errorf("GET %s as reader: %s", p, r)
				}
			}
			if r := e.requestAs(t, reader, http.MethodHead, Prefix+"/sites", nil); r.code >= 400 && r.code != http.StatusMethodNotAllowed {
				t.Errorf("HEAD as reader: %s", r)
			}
			for _, w := range writes {
				e.refuseAs(t, reader, w.method, w.path, w.body, want{status: http.StatusForbidden, detail: "read-only"})
			}
		})

		t.Run("actor in the change log", func(t *testing.T) {
			r := e.requestAs(t, alice, http.MethodPost, Prefix+"/sites", obj{"name": "Alice's"})
			if r.code != http.StatusCreated {
				t.Fatalf("create as alice: %s", r)
			}
			reqID := r.header.Get("X-Request-ID")
			var created obj
			_ = json.Unmarshal(r.body, &created)
			ch := e.list(t, Prefix+"/changes?object_type=site&object_id="+strconv.FormatInt(idOf(t, created), 10)).Results
			if len(ch) != 1 || ch[0]["actor"] != "token:alice" || ch[0]["request_id"] != reqID || reqID == "" {
				t.Errorf("change %v, want actor token:alice and request id %q", ch, reqID)
			}
			st := e.requestAs(t, alice, http.MethodGet, Prefix+"/status", nil)
			if !strings.Contains(string(st.body), `"actor":"token:alice"`) {
				t.Errorf("status: %s", st)
			}
		})
	})
}

// TestListAPI: lists are {count, next, previous, results}, paged by limit and offset with links that
// keep the other parameters, searched by q, filtered on the main fields, and ordered either way.
func TestListAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		for i := 1; i <= 7; i++ {
			desc := "silver"
			if i%2 == 1 {
				desc = "gold"
			}
			e.create(t, "tenants", obj{"name": fmt.Sprintf("Tenant %d", i), "description": desc})
		}
		// The envelope, exactly.
		r := e.do(t, http.MethodGet, Prefix+"/tenants?q=tenant&limit=3&ordering=name", nil)
		var env map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &env); err != nil || r.code != http.StatusOK {
			t.Fatalf("%s: %v", r, err)
		}
		keys := make([]string, 0, len(env))
		for key := range env {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"count", "next", "previous", "results"}) {
			t.Errorf("envelope keys %v", keys)
		}

		// Walk the pages by their links.
		var names []string
		path := Prefix + "/tenants?q=tenant&limit=3&ordering=name"
		wantLinks := [][2]string{
			{"/api/v1/tenants?limit=3&offset=3&ordering=name&q=tenant", ""},
			{"/api/v1/tenants?limit=3&offset=6&ordering=name&q=tenant", "/api/v1/tenants?limit=3&offset=0&ordering=name&q=tenant"},
			{"", "/api/v1/tenants?limit=3&offset=3&ordering=name&q=tenant"},
		}
		for i, wl := range wantLinks {
			p := e.list(t, path)
			if p.Count != 7 {
				t.Errorf("page %d: count %d", i, p.Count)
			}
			str := func(s *string) string {
				if s == nil {
					return ""
				}
				return *s
			}
			if str(p.Next) != wl[0] || str(p.Previous) != wl[1] {
				t.Errorf("page %d: next %q previous %q, want %q %q", i, str(p.Next), str(p.Previous), wl[0], wl[1])
			}
			for _, o := range p.Results {
				names = append(names, o["name"].(string))
			}
			if p.Next != nil {
				path = *p.Next
			}
		}
		if want := []string{"Tenant 1", "Tenant 2", "Tenant 3", "Tenant 4", "Tenant 5", "Tenant 6", "Tenant 7"}; !slices.Equal(names, want) {
			t.Errorf("pages gave %v", names)
		}

		// The default page is 50.
		var many []obj
		for i := range 55 {
			many = append(many, obj{"name": fmt.Sprintf("Bulk %02d", i)})
		}
		e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/tenants/bulk", many)
		p := e.list(t, Prefix+"/tenants")
		if p.Count != 64 || len(p.Results) != 50 || p.Next == nil || *p.Next != "/api/v1/tenants?limit=50&offset=50" || p.Previous != nil {
			t.Errorf("default page: count %d, %d results, next %v previous %v", p.Count, len(p.Results), p.Next, p.Previous)
		}
		p = e.list(t, Prefix+"/tenants?offset=100")
		if len(p.Results) != 0 || p.Next != nil || p.Previous == nil || *p.Previous != "/api/v1/tenants?limit=50&offset=50" {
			t.Errorf("past the end: %d results, next %v previous %v", len(p.Results), p.Next, p.Previous)
		}
		if p := e.list(t, Prefix+"/tenants?limit=1000"); len(p.Results) != 64 || p.Next != nil {
			t.Errorf("limit 1000: %d results", len(p.Results))
		}

		// Search: case-insensitive, over name and description, LIKE characters taken literally.
		for q, n := range map[string]int{"gold": 4, "GOLD": 4, "silver": 3, "tenant%203": 1, "bulk": 55, "%25": 0, "_": 0, "nothing": 0} {
			if got := e.list(t, Prefix+"/tenants?q="+q).Count; got != n {
				t.Errorf("q=%s: %d, want %d", q, got, n)
			}
		}

		// Ordering, both ways and by several fields.
		order := func(path string) []string {
			var out []string
			for _, o := range e.list(t, path).Results {
				out = append(out, o["name"].(string))
			}
			return out
		}
		asc := order(Prefix + "/tenants?q=tenant&ordering=name")
		desc := order(Prefix + "/tenants?q=tenant&ordering=-name")
		rev := slices.Clone(asc)
		slices.Reverse(rev)
		if len(asc) != 7 || asc[0] != "Tenant 1" || !slices.Equal(desc, rev) {
			t.Errorf("ordering name %v, -name %v", asc, desc)
		}
		byID := order(Prefix + "/tenants?q=tenant&ordering=-id")
		if byID[0] != "Tenant 7" {
			t.Errorf("ordering -id: %v", byID)
		}

		// Filters on the main fields of devices, racks and device types.
		other := e.create(t, "racks", obj{"room_id": k.room, "name": "A02", "status": "planned"})
		d1 := e.create(t, "devices", with(mounted("d1", k.server1U, k.rack, 1, "front"), "tenant_id", k.acme, "tags", []string{"gpu"}, "serial", "SN1"))
		d2 := e.create(t, "devices", with(mounted("d2", k.panel1U, k.rack, 3, "rear"), "status", "planned"))
		d3 := e.create(t, "devices", obj{"name": "d3", "device_type_id": k.panel1U, "site_id": k.site2, "status": "inventory"})
		d4 := e.create(t, "devices", with(mounted("d4", k.panel1U, other, 5, "front"), "role", "switch"))
		rs := strconv.FormatInt(k.rack, 10)
		for _, c := range []struct {
			query string
			want  []int64
		}{
			{"rack_id=" + rs, []int64{d1, d2}},
			{"rack_id=" + rs + "&face=front", []int64{d1}},
			{"face=rear", []int64{d2}},
			{"status=planned&status=inventory", []int64{d2, d3}},
			{"tenant_id=" + strconv.FormatInt(k.acme, 10), []int64{d1}},
			{"tenant_id=null", []int64{d2, d3, d4}},
			{"position__isnull=true", []int64{d3}},
			{"position__isnull=false&ordering=-position", []int64{d4, d2, d1}},
			{"site_id=" + strconv.FormatInt(k.site2, 10), []int64{d3}},
			{"device_type_id=" + strconv.FormatInt(k.panel1U, 10) + "&ordering=-name", []int64{d4, d3, d2}},
			{"role=switch", []int64{d4}},
			{"serial=SN1", []int64{d1}},
			{"name=d2", []int64{d2}},
			{"tag=gpu", []int64{d1}},
			{"q=sn1", []int64{d1}},
			{"rack_id=" + rs + "&ordering=status,-name", []int64{d1, d2}},
			{"rack_id=" + rs + "&ordering=-status,name", []int64{d2, d1}},
			{"rack_id=999999", []int64{}},
		} {
			got := ids(t, e.list(t, Prefix+"/devices?"+c.query).Results)
			if !slices.Equal(got, c.want) {
				t.Errorf("devices?%s: %v, want %v", c.query, got, c.want)
			}
		}
		if got := ids(t, e.list(t, Prefix+"/racks?status=planned").Results); !slices.Equal(got, []int64{other}) {
			t.Errorf("racks?status=planned: %v", got)
		}
		if got := e.list(t, Prefix+"/racks?room_id="+strconv.FormatInt(k.room, 10)).Count; got != 2 {
			t.Errorf("racks?room_id: %d", got)
		}
		if got := ids(t, e.list(t, Prefix+"/device-types?is_full_depth=false&ordering=model").Results); !slices.Equal(got, []int64{k.blank05U, k.panel1U, k.pdu0U}) {
			t.Errorf("device-types?is_full_depth=false: %v", got)
		}
		if got := e.list(t, Prefix+"/power-ports?device_id="+strconv.FormatInt(d1, 10)).Count; got != 0 {
			t.Errorf("power ports of a type without any: %d", got)
		}
	})
}

// TestChangeLog: every create, update and delete writes exactly one change with the object before
// and after; writes that change nothing write none; the log filters by object.
func TestChangeLog(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		k := e.newKit(t)
		count := e.changeCount(t)
		grew := func(what string, n int) {
			t.Helper()
			now := e.changeCount(t)
			if now-count != n {
				t.Errorf("%s: %d changes, want %d", what, now-count, n)
			}
			count = now
		}
		newest := func() obj {
			t.Helper()
			return e.list(t, Prefix+"/changes?limit=1").Results[0]
		}
		field := func(v any, key string) any {
			m, _ := v.(map[string]any)
			return m[key]
		}

		site := e.create(t, "sites", obj{"name": "Audit"})
		grew("create", 1)
		c := newest()
		if c["action"] != "create" || c["object_type"] != dcim.TypeSite || c["object_id"] != float64(site) || c["actor"] != "token:tester" ||
			c["pre_change"] != nil || field(c["post_change"], "name") != "Audit" || c["object_repr"] != "Audit" || c["request_id"] == "" {
			t.Errorf("create change %v", c)
		}

		body := e.get(t, "sites", site)
		body["description"] = "one"
		e.expect(t, http.StatusOK, http.MethodPut, itemPath("sites", site), body)
		grew("PUT", 1)
		c = newest()
		if c["action"] != "update" || field(c["pre_change"], "description") != "" || field(c["post_change"], "description") != "one" {
			t.Errorf("PUT change %v", c)
		}
		e.expect(t, http.StatusOK, http.MethodPatch, itemPath("sites", site), obj{"description": "two"})
		grew("PATCH", 1)
		c = newest()
		if field(c["pre_change"], "description") != "one" || field(c["post_change"], "description") != "two" {
			t.Errorf("PATCH change %v", c)
		}
		e.expect(t, http.StatusOK, http.MethodPatch, itemPath("sites", site), obj{"description": "two"})
		e.expect(t, http.StatusOK, http.MethodPut, itemPath("sites", site), with(body, "description", "two"))
		grew("writes that change nothing", 0)
		e.refuse(t, http.MethodPatch, itemPath("sites", site), obj{"name": ""}, want{status: http.StatusBadRequest, field: "name"})
		grew("refused write", 0)

		// A device comes with its power ports and outlets; the log holds the device once.
		pdu := e.create(t, "devices", obj{"name": "pdu-a", "device_type_id": k.pdu0U, "rack_id": k.rack, "mount_side": "left"})
		grew("create device with components", 1)
		if n := e.list(t, Prefix+"/power-outlets?device_id="+strconv.FormatInt(pdu, 10)).Count; n != 1 {
			t.Errorf("%d outlets", n)
		}
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("devices", pdu), nil)
		grew("delete", 1)
		c = newest()
		if c["action"] != "delete" || c["object_id"] != float64(pdu) || field(c["pre_change"], "name") != "pdu-a" || c["post_change"] != nil {
			t.Errorf("delete change %v", c)
		}

		e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/tenants/bulk", []obj{{"name": "Bulk 1"}, {"name": "Bulk 2"}, {"name": "Bulk 3"}})
		grew("bulk create", 3)
		bulk := ids(t, e.list(t, Prefix+"/tenants?q=bulk&ordering=name").Results)
		if len(bulk) != 3 {
			t.Fatalf("bulk tenants %v", bulk)
		}
		e.expect(t, http.StatusOK, http.MethodPatch, Prefix+"/tenants", []obj{{"id": bulk[0], "description": "x"}, {"id": bulk[1], "description": "y"}})
		grew("bulk patch", 2)
		e.expect(t, http.StatusNoContent, http.MethodDelete, Prefix+"/tenants", []obj{{"id": bulk[0]}, {"id": bulk[1]}, {"id": bulk[2]}})
		grew("bulk delete", 3)

		// Filtering by object.
		ofSite := e.list(t, Prefix+"/changes?object_type=site&object_id="+strconv.FormatInt(site, 10))
		var actions []string
		for _, c := range ofSite.Results {
			actions = append(actions, c["action"].(string))
		}
		if ofSite.Count != 3 || !slices.Equal(actions, []string{"update", "update", "create"}) {
			t.Errorf("changes of site %d: %v", site, actions)
		}
		if got := e.list(t, Prefix+"/changes?object_type=device&action=delete").Results; len(got) != 1 || got[0]["object_id"] != float64(pdu) {
			t.Errorf("device deletes: %v", got)
		}
		if got := e.list(t, Prefix+"/changes?object_type=tenant&action=delete").Count; got != 3 {
			t.Errorf("tenant deletes: %d", got)
		}
		if got := e.list(t, Prefix+"/changes?actor=system").Count; got != 1 {
			t.Errorf("changes by system (the token made in the store): %d", got)
		}
		// Sites DC1, DC2 and Audit (created, put, patched), and manufacturer Dell.
		both := e.list(t, Prefix+"/changes?object_type=site&object_type=manufacturer")
		if both.Count != 6 {
			t.Errorf("changes of sites or manufacturers: %d, want 6", both.Count)
		}
		for _, c := range both.Results {
			if c["object_type"] != dcim.TypeSite && c["object_type"] != dcim.TypeManufacturer {
				t.Errorf("object_type filter let %v through", c["object_type"])
			}
		}
		future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		if got := e.list(t, Prefix+"/changes?since="+future).Count; got != 0 {
			t.Errorf("changes since the future: %d", got)
		}
		if got := e.list(t, Prefix+"/changes?until="+future).Count; got != count {
			t.Errorf("changes until the future: %d of %d", got, count)
		}
		page := e.list(t, Prefix+"/changes?object_type=site&limit=2")
		if page.Next == nil || !strings.Contains(*page.Next, "object_type=site") || len(page.Results) != 2 {
			t.Errorf("change log page: %+v", page)
		}
	})
}

// TestExplicitZeroValues: a field the client sets to false or 0 keeps that value on create, replace
// and bulk create, and only a field left out takes the documented default (huma alone would turn
// every zero value into the default: no half-depth or 0-U device type could be made).
func TestExplicitZeroValues(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		mfr := e.create(t, "manufacturers", obj{"name": "APC"})
		check := func(what string, o obj, uHeight float64, fullDepth bool) {
			t.Helper()
			if o["u_height"] != uHeight || o["is_full_depth"] != fullDepth {
				t.Errorf("%s: u_height %v is_full_depth %v, want %v %v", what, o["u_height"], o["is_full_depth"], uHeight, fullDepth)
			}
		}
		pdu := e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/device-types",
			obj{"manufacturer_id": mfr, "model": "AP8653", "u_height": 0, "is_full_depth": false})
		check("POST with zeros", pdu, 0, false)
		check("GET", e.get(t, "device-types", idOf(t, pdu)), 0, false)
		plain := e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/device-types", obj{"manufacturer_id": mfr, "model": "SMT1500"})
		check("POST without them", plain, 1, true)
		put := e.expect(t, http.StatusOK, http.MethodPut, itemPath("device-types", idOf(t, plain)),
			obj{"manufacturer_id": mfr, "model": "SMT1500", "u_height": 0.5, "is_full_depth": false})
		check("PUT with false", put, 0.5, false)
		r := e.do(t, http.MethodPost, Prefix+"/device-types/bulk", []obj{
			{"manufacturer_id": mfr, "model": "B1", "is_full_depth": false, "u_height": 0},
			{"manufacturer_id": mfr, "model": "B2"}})
		var bulk []obj
		if r.code != http.StatusCreated || json.Unmarshal(r.body, &bulk) != nil || len(bulk) != 2 {
			t.Fatalf("bulk: %s", r)
		}
		check("bulk item with zeros", bulk[0], 0, false)
		check("bulk item without them", bulk[1], 1, true)
		// The other defaults still apply where the field is left out.
		site := e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/sites", obj{"name": "DC1"})
		room := e.create(t, "rooms", obj{"site_id": idOf(t, site), "name": "Hall"})
		rack := e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/racks", obj{"room_id": room, "name": "A01", "desc_units": false})
		if site["status"] != "active" || rack["u_height"] != 42.0 || rack["starting_unit"] != 1.0 || rack["width"] != 19.0 || rack["status"] != "active" {
			t.Errorf("defaults: site %v, rack %v", site["status"], rack)
		}
	})
}
