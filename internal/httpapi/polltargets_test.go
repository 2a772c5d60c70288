package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Poll targets: credentials are written and never read back (not in the target, its list, or the
// change log); wrong URLs, missing credentials and impossible schedules are refused by field; a
// device with a target is not deleted from under it; the pollers get the credentials and the
// identity of what each target measures.
func TestPollTargets(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		site := e.create(t, "sites", obj{"name": "DC1"})
		room := e.create(t, "rooms", obj{"site_id": site, "name": "Hall 1"})
		rack := e.create(t, "racks", obj{"room_id": room, "name": "A01"})
		maker := e.create(t, "manufacturers", obj{"name": "APC"})
		pduType := e.create(t, "device-types", obj{"manufacturer_id": maker, "model": "AP8853", "u_height": 0})
		pdu := e.create(t, "devices", obj{"name": "A01-PDU-A", "device_type_id": pduType, "rack_id": rack, "mount_side": "left"})
		id := e.create(t, "poll-targets", obj{"name": "A01-PDU-A", "device_id": pdu, "url": "snmp://10.1.0.11", "credentials": "s3cret-community"})
		got := e.get(t, "poll-targets", id)
		if _, has := got["credentials"]; has || got["site_id"].(float64) != float64(site) || got["interval_seconds"].(float64) != 60 || got["enabled"] != true {
			t.Errorf("target as read: %v", got)
		}
		for _, path := range []string{Prefix + "/poll-targets", Prefix + "/changes?limit=100"} {
			if r := e.do(t, http.MethodGet, path, nil); strings.Contains(string(r.body), "s3cret") {
				t.Errorf("%s shows the credentials: %s", path, r.body)
			}
		}
		e.refuse(t, http.MethodPost, Prefix+"/poll-targets", obj{"name": "x", "site_id": site, "url": "snmp://public@10.1.0.12", "credentials": "c"},
			want{status: http.StatusBadRequest, field: "url", detail: ""})
		e.refuse(t, http.MethodPost, Prefix+"/poll-targets", obj{"name": "x", "site_id": site, "url": "telnet://10.1.0.12"},
			want{status: http.StatusBadRequest, field: "url"})
		e.refuse(t, http.MethodPost, Prefix+"/poll-targets", obj{"name": "x", "site_id": site, "url": "snmp://10.1.0.12"},
			want{status: http.StatusBadRequest, field: "credentials"})
		e.refuse(t, http.MethodPost, Prefix+"/poll-targets", obj{"name": "x", "site_id": site, "url": "snmpv3://10.1.0.12", "credentials": "ops:short:short"},
			want{status: http.StatusBadRequest, field: "credentials"})
		e.refuse(t, http.MethodPost, Prefix+"/poll-targets", obj{"name": "x", "site_id": site, "url": "redfish://10.1.0.12", "interval_seconds": 30, "timeout_seconds": 30},
			want{status: http.StatusBadRequest, field: "timeout_seconds"})
		e.refuse(t, http.MethodPost, Prefix+"/poll-targets", obj{"name": "x", "url": "redfish://10.1.0.12"},
			want{status: http.StatusBadRequest, field: "site_id"})
		e.refuse(t, http.MethodDelete, itemPath("devices", pdu), nil,
			want{status: http.StatusConflict, dependents: []dcim.ObjectRef{{Type: dcim.TypePollTarget, ID: id, Name: "A01-PDU-A"}}})
		// New credentials replace the old; a change without them keeps them.
		e.expect(t, http.StatusOK, http.MethodPatch, itemPath("poll-targets", id), obj{"credentials": "n3w-community"})
		e.expect(t, http.StatusOK, http.MethodPatch, itemPath("poll-targets", id), obj{"interval_seconds": 30})
		node := e.create(t, "power-nodes", obj{"site_id": site, "name": "RPDU-A01-A", "kind": "rack-pdu", "device_id": pdu, "voltage": 400})
		plan, err := e.st.PollPlan(context.Background())
		if err != nil || len(plan) != 1 {
			t.Fatalf("plan: %v %v", plan, err)
		}
		p := plan[0]
		if p.Credentials != "n3w-community" || p.Target.IntervalSeconds != 30 || p.Labels["site"] != "DC1" || p.Labels["room"] != "Hall 1" ||
			p.Labels["rack"] != "A01" || p.Labels["device"] != "A01-PDU-A" || p.Labels["target"] != "A01-PDU-A" || p.Labels["power_node"] != "RPDU-A01-A" {
			t.Errorf("plan: %+v", p)
		}
		e.expect(t, http.StatusOK, http.MethodPatch, itemPath("poll-targets", id), obj{"enabled": false})
		if plan, _ := e.st.PollPlan(context.Background()); len(plan) != 0 {
			t.Errorf("a disabled target is planned: %+v", plan)
		}

		// A UPS polled directly is a power node with no device; a probe is a sensor point; a CDU's
		// service is a cooling unit. Each gives its readings its identity, and its site.
		elec := e.create(t, "rooms", obj{"site_id": site, "name": "Electrical 1"})
		ups := e.create(t, "power-nodes", obj{"site_id": site, "room_id": elec, "name": "UPS-A", "kind": "ups", "rated_kw": 500, "voltage": 400})
		upsTarget := e.create(t, "poll-targets", obj{"name": "UPS-A card", "power_node_id": ups, "url": "snmp://10.1.0.21", "credentials": "c0mmunity"})
		if got := e.get(t, "poll-targets", upsTarget); got["site_id"].(float64) != float64(site) {
			t.Errorf("a node's target has site %v", got["site_id"])
		}
		probe := e.create(t, "sensor-points", obj{"room_id": room, "rack_id": rack, "name": "A01 inlet top", "kind": "inlet-top"})
		probeTarget := e.create(t, "poll-targets", obj{"name": "A01 probe", "sensor_point_id": probe, "url": "snmp://10.1.0.31", "credentials": "c0mmunity"})
		cdu := e.create(t, "cooling-units", obj{"room_id": room, "name": "CDU-1", "kind": "cdu", "capacity_kw": 800})
		cduTarget := e.create(t, "poll-targets", obj{"name": "CDU-1 service", "cooling_unit_id": cdu, "url": "redfish://10.1.0.41", "credentials": "admin:pw"})
		plan, err = e.st.PollPlan(context.Background())
		if err != nil || len(plan) != 3 {
			t.Fatalf("plan: %v %v", plan, err)
		}
		wantLabels := map[string]map[string]string{
			"UPS-A card":    {"site": "DC1", "target": "UPS-A card", "power_node": "UPS-A", "room": "Electrical 1"},
			"A01 probe":     {"site": "DC1", "target": "A01 probe", "sensor_point": "A01 inlet top", "room": "Hall 1", "rack": "A01"},
			"CDU-1 service": {"site": "DC1", "target": "CDU-1 service", "cooling_unit": "CDU-1", "room": "Hall 1"},
		}
		for _, p := range plan {
			if fmt.Sprint(p.Labels) != fmt.Sprint(wantLabels[p.Target.Name]) {
				t.Errorf("%s: labels %v, want %v", p.Target.Name, p.Labels, wantLabels[p.Target.Name])
			}
		}
		other := e.create(t, "sites", obj{"name": "DC2"})
		otherRoom := e.create(t, "rooms", obj{"site_id": other, "name": "Hall 9"})
		otherProbe := e.create(t, "sensor-points", obj{"room_id": otherRoom, "name": "DC2 room", "kind": "room"})
		e.refuse(t, http.MethodPost, Prefix+"/poll-targets", obj{"name": "x", "power_node_id": ups, "sensor_point_id": otherProbe, "url": "redfish://10.1.0.12"},
			want{status: http.StatusBadRequest, field: "sensor_point_id"})
		e.refuse(t, http.MethodPost, Prefix+"/poll-targets", obj{"name": "x", "power_node_id": 999999, "url": "redfish://10.1.0.12"},
			want{status: http.StatusBadRequest, field: "power_node_id"})
		e.refuse(t, http.MethodDelete, itemPath("power-nodes", ups), nil,
			want{status: http.StatusConflict, dependents: []dcim.ObjectRef{{Type: dcim.TypePollTarget, ID: upsTarget, Name: "UPS-A card"}}})
		e.refuse(t, http.MethodDelete, itemPath("sensor-points", probe), nil,
			want{status: http.StatusConflict, dependents: []dcim.ObjectRef{{Type: dcim.TypePollTarget, ID: probeTarget, Name: "A01 probe"}}})
		e.refuse(t, http.MethodDelete, itemPath("cooling-units", cdu), nil,
			want{status: http.StatusConflict, dependents: []dcim.ObjectRef{{Type: dcim.TypePollTarget, ID: cduTarget, Name: "CDU-1 service"}}})
		for _, id := range []int64{upsTarget, probeTarget, cduTarget} {
			e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("poll-targets", id), nil)
		}
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("power-nodes", ups), nil)
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("poll-targets", id), nil)
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("power-nodes", node), nil)
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("devices", pdu), nil)
	})
}
