package dcim

import "testing"

func TestCheckTextNamesTheField(t *testing.T) {
	for _, c := range []struct {
		v     any
		field string
	}{
		{&Site{Name: "a\x00"}, "name"},
		{&DeviceType{Model: "m", PowerPorts: []PowerPortTemplate{{Name: "ok"}, {Name: "P\x00"}}}, "power_ports[1].name"},
		{&Rack{Name: "r", FacilityID: ptrTo("x\x00")}, "facility_id"},
		{&Device{Name: "d", Tags: []string{"ok", "b\x00d"}}, "tags[1]"},
	} {
		err := CheckText(c.v)
		e := AsError(err)
		if e == nil || e.Code != EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != c.field {
			t.Errorf("%T: %v, want invalid %s", c.v, err, c.field)
		}
	}
	if err := CheckText(&Site{Name: "Cyberjaya DC1 — Dewan 1", Tags: []string{"prod"}}); err != nil {
		t.Errorf("clean text refused: %v", err)
	}
	if err := CheckQueryText(ListQuery{Filters: map[string][]string{"name": {"a", "b\x00"}}}); ErrorCode(err) != EInvalid {
		t.Errorf("NUL in a filter: %v", err)
	}
}

func ptrTo[T any](v T) *T { return &v }
