package httpapi

import (
	"context"
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
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("poll-targets", id), nil)
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("power-nodes", node), nil)
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("devices", pdu), nil)
	})
}
