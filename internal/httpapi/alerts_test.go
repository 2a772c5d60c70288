package httpapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// TestAlertsAPI: alerts are listed with the list envelope, each with name, state, severity,
// labels, since and its object; acknowledging needs a reason and records who; a silence in force
// marks the alerts it matches; expiring it unmarks them.
func TestAlertsAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		since := time.Now().Add(-10 * time.Minute).UTC()
		id, err := e.st.SaveAlert(ctx, dcim.Alert{Fingerprint: "fp", Name: "InletTooHot", State: "firing", Severity: "warning",
			Labels: map[string]string{"site": "DC1", "rack": "A01"}, Annotations: map[string]string{"summary": "hot"}, Since: since,
			Object: &dcim.ObjectRef{Type: dcim.TypeRack, ID: 3}})
		if err != nil {
			t.Fatal(err)
		}
		page := e.list(t, Prefix+"/alerts?state=active")
		if page.Count != 1 {
			t.Fatalf("active alerts %d", page.Count)
		}
		a := page.Results[0]
		got, _ := time.Parse(time.RFC3339Nano, a["since"].(string))
		if a["name"] != "InletTooHot" || a["state"] != "firing" || a["severity"] != "warning" || got.Sub(since).Abs() >= time.Microsecond ||
			a["labels"].(map[string]any)["rack"] != "A01" || a["object"].(map[string]any)["type"] != "rack" || a["silenced"] != false {
			t.Errorf("alert %v", a)
		}
		e.refuse(t, http.MethodPost, itemPath("alerts", id)+"/ack", obj{"comment": ""}, want{status: http.StatusBadRequest, field: "comment"})
		acked := e.expect(t, http.StatusOK, http.MethodPost, itemPath("alerts", id)+"/ack", obj{"comment": "on it"})
		if ack, _ := acked["ack"].(map[string]any); ack == nil || ack["by"] != "token:tester" || ack["comment"] != "on it" {
			t.Errorf("ack %v", acked["ack"])
		}
		e.refuse(t, http.MethodPost, Prefix+"/silences", obj{"matchers": []obj{{"name": "rack", "value": "A0(", "is_regex": true}},
			"starts": since.Format(time.RFC3339), "ends": time.Now().Add(time.Hour).Format(time.RFC3339), "comment": "x"},
			want{status: http.StatusBadRequest, field: "matchers"})
		sl := e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/silences", obj{"matchers": []obj{{"name": "rack", "value": "A0[1-3]", "is_regex": true}},
			"starts": since.Format(time.RFC3339), "ends": time.Now().Add(time.Hour).Format(time.RFC3339), "comment": "CRAH-2 service"})
		if got := e.get(t, "alerts", id); got["silenced"] != true {
			t.Errorf("silenced: %v", got["silenced"])
		}
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("silences", idOf(t, sl)), nil)
		if got := e.get(t, "alerts", id); got["silenced"] != false {
			t.Errorf("after expiry silenced: %v", got["silenced"])
		}
	})
}
