package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Meters take their site and room from what they are on; readings are for manual meters, swaps
// for any; wrong input is refused by field; a reading's time is kept in UTC; changing readings
// makes the roll-up forget the hours from the reading before on.
func TestMeters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		site := e.create(t, "sites", obj{"name": "DC1"})
		elec := e.create(t, "rooms", obj{"site_id": site, "name": "Electrical 1"})
		ups := e.create(t, "power-nodes", obj{"site_id": site, "room_id": elec, "name": "UPS-A", "kind": "ups", "rated_kw": 500, "voltage": 400})
		id := e.create(t, "meters", obj{"name": "UPS-A out", "role": "ups-output", "power_node_id": ups,
			"series": `meter_energy_kwh_total{target="UPS-A"}`})
		got := e.get(t, "meters", id)
		if got["site_id"].(float64) != float64(site) || got["room_id"].(float64) != float64(elec) || got["source"] != "series" ||
			got["quantity"] != "energy" || got["multiplier"].(float64) != 1 {
			t.Errorf("meter as read: %v", got)
		}
		manual := e.create(t, "meters", obj{"name": "Water main", "role": "water", "site_id": site, "source": "manual"})
		other := e.create(t, "sites", obj{"name": "DC2"})
		otherRoom := e.create(t, "rooms", obj{"site_id": other, "name": "Hall 9"})
		for _, c := range []struct {
			body  obj
			field string
		}{
			{obj{"name": "x", "role": "utility", "site_id": site}, "series"},
			{obj{"name": "x", "role": "utility", "site_id": site, "series": "not a selector {"}, "series"},
			{obj{"name": "x", "role": "utility", "site_id": site, "source": "manual", "series": "m"}, "series"},
			{obj{"name": "x", "role": "pue", "site_id": site, "series": "m"}, "role"},
			{obj{"name": "x", "role": "utility", "series": "m"}, "site_id"},
			{obj{"name": "x", "role": "it-input", "power_node_id": ups, "room_id": otherRoom, "series": "m"}, "power_node_id"},
			{obj{"name": "x", "role": "water", "site_id": site, "quantity": "power", "series": "m"}, "quantity"},
		} {
			e.refuse(t, http.MethodPost, Prefix+"/meters", c.body, want{status: http.StatusBadRequest, field: c.field})
		}
		e.refuse(t, http.MethodPost, Prefix+"/meter-readings", obj{"meter_id": id, "at": "2026-10-01T00:00:00Z", "value": 10},
			want{status: http.StatusBadRequest, field: "meter_id"})
		e.refuse(t, http.MethodPost, Prefix+"/meter-readings", obj{"meter_id": id, "at": "2026-10-01T00:00:00Z", "kind": "swap", "value": 3},
			want{status: http.StatusBadRequest, field: "old_value"})
		e.refuse(t, http.MethodPost, Prefix+"/meter-readings", obj{"meter_id": manual, "at": "2026-10-01T00:00:00Z", "value": -1},
			want{status: http.StatusBadRequest, field: "value"})
		swap := e.create(t, "meter-readings", obj{"meter_id": id, "at": "2026-10-15T10:30:00Z", "kind": "swap", "value": 3.2, "old_value": 12345})
		r1 := e.create(t, "meter-readings", obj{"meter_id": manual, "at": "2026-10-01T08:00:00+08:00", "value": 1000})
		if got := e.get(t, "meter-readings", r1); got["at"] != "2026-10-01T00:00:00Z" {
			t.Errorf("reading at %v, want it in UTC", got["at"])
		}
		e.refuse(t, http.MethodPost, Prefix+"/meter-readings", obj{"meter_id": manual, "at": "2026-10-01T00:00:00Z", "value": 1001},
			want{status: http.StatusConflict, field: "at"})
		r2 := e.create(t, "meter-readings", obj{"meter_id": manual, "at": "2026-11-01T00:00:00Z", "value": 1500})
		// Rolled-up hours of the manual meter, then a reading changed: the hours from the reading
		// before it on are forgotten.
		var hours []dcim.MeterHour
		for h := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC); h.Before(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); h = h.Add(time.Hour) {
			hours = append(hours, dcim.MeterHour{MeterID: manual, Hour: h, Value: 500.0 / 744})
		}
		// Two hours after the last reading, which no reading covers: not where the next round resumes.
		for h := 0; h < 2; h++ {
			hours = append(hours, dcim.MeterHour{MeterID: manual, Hour: time.Date(2026, 11, 1, h, 0, 0, 0, time.UTC), GapMS: 3600000})
		}
		if err := e.st.SaveMeterHours(ctx, manual, hours); err != nil {
			t.Fatal(err)
		}
		if last, ok, err := e.st.LastMeterHour(ctx, manual); err != nil || !ok || !last.Equal(time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)) {
			t.Fatalf("last hour %v %v %v", last, ok, err)
		}
		e.expect(t, http.StatusOK, http.MethodPatch, itemPath("meter-readings", r2), obj{"value": 1600})
		if _, ok, err := e.st.LastMeterHour(ctx, manual); err != nil || ok {
			t.Errorf("hours left after the reading changed: %v %v", ok, err)
		}
		evs, err := e.st.MeterEvents(ctx, manual, time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC))
		if err != nil || len(evs) != 2 || evs[0].Value != 1000 || evs[1].Value != 1600 {
			t.Errorf("events around a period: %+v %v", evs, err)
		}
		e.refuse(t, http.MethodPatch, itemPath("meters", manual), obj{"source": "series", "series": "m"},
			want{status: http.StatusBadRequest, field: "source"})
		// What a meter is on is not deleted from under it; a meter goes with its readings.
		e.refuse(t, http.MethodDelete, itemPath("power-nodes", ups), nil,
			want{status: http.StatusConflict, dependents: []dcim.ObjectRef{{Type: dcim.TypeMeter, ID: id, Name: "UPS-A out"}}})
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("meters", id), nil)
		e.expect(t, http.StatusNotFound, http.MethodGet, itemPath("meter-readings", swap), nil)
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("power-nodes", ups), nil)
	})
}

// Manual readings import from CSV: every bad line is named and nothing is stored; a good file is
// stored whole.
func TestMeterReadingsImport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		site := e.create(t, "sites", obj{"name": "DC1"})
		m := e.create(t, "meters", obj{"name": "Water main", "role": "water", "site_id": site, "source": "manual"})
		post := func(body string) response {
			t.Helper()
			req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("%s/meters/%d/readings", Prefix, m), strings.NewReader(body))
			req.Header.Set("Content-Type", "text/csv")
			req.Header.Set("Authorization", "Bearer "+e.token)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			return response{rec.Code, rec.Header(), rec.Body.Bytes()}
		}
		bad := "at,value,note\n2026-10-01T00:00:00Z,100,first\nyesterday,110,\n2026-10-03T00:00:00Z,abc,\n2026-10-04T00:00:00Z,-5,\n"
		r := post(bad)
		if r.code != http.StatusBadRequest {
			t.Fatalf("bad file: %s", r)
		}
		for _, want := range []string{`"line 3.at"`, `"line 4.value"`, `"line 5.value"`} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("bad file: %s lacks %s", r.body, want)
			}
		}
		if n := e.list(t, Prefix+"/meter-readings").Count; n != 0 {
			t.Errorf("%d readings stored from a bad file", n)
		}
		r = post("at,value\n2026-10-01T00:00:00Z,100\n2026-10-01T00:00:00Z,120\n")
		if r.code != http.StatusConflict || !strings.Contains(string(r.body), `"line 3.at"`) {
			t.Errorf("duplicate time: %s", r)
		}
		if r = post("at,volume\n2026-10-01T00:00:00Z,100\n"); r.code != http.StatusBadRequest || !strings.Contains(string(r.body), `"line 1"`) {
			t.Errorf("bad header: %s", r)
		}
		r = post("at,value,kind,old_value,note\n2026-10-01T00:00:00+08:00,100,,,\n2026-10-15T12:00:00Z,3.5,swap,250,new meter\n2026-11-01T00:00:00Z,80.5,,,\n")
		if r.code != http.StatusCreated || !strings.Contains(string(r.body), `"created":3`) {
			t.Fatalf("good file: %s", r)
		}
		if n := e.list(t, Prefix+"/meter-readings").Count; n != 3 {
			t.Errorf("%d readings stored, want 3", n)
		}
	})
}
