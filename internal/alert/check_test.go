package alert

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// TestCheck: one rule is checked the same whether it comes from a file or from the API, and each
// problem names its field as the API does.
func TestCheck(t *testing.T) {
	ok := Rule{Group: "g", Name: "InletHot", Expr: "max(inlet_temperature_celsius) > 27", For: time.Minute,
		Labels: map[string]string{"severity": "warning", "team": "noc"}, Annotations: map[string]string{"summary": "{{ $labels.rack }} {{ humanize $value }}"}}
	if err := ok.Check(); err != nil {
		t.Fatalf("a good rule: %v", err)
	}
	with := func(f func(r *Rule)) Rule {
		r := ok
		r.Labels, r.Annotations = map[string]string{"severity": "warning"}, map[string]string{}
		f(&r)
		return r
	}
	for what, c := range map[string]struct {
		rule   Rule
		fields []string
	}{
		"no name":           {with(func(r *Rule) { r.Name = "" }), []string{"name"}},
		"name not UTF-8":    {with(func(r *Rule) { r.Name = "Inlet\xff" }), []string{"name"}},
		"no group":          {with(func(r *Rule) { r.Group = "" }), []string{"group"}},
		"no expression":     {with(func(r *Rule) { r.Expr = " " }), []string{"expr"}},
		"bad expression":    {with(func(r *Rule) { r.Expr = "sum by (rack (x)" }), []string{"expr"}},
		"negative for":      {with(func(r *Rule) { r.For = -time.Second }), []string{"for"}},
		"negative keep":     {with(func(r *Rule) { r.KeepFiringFor = -time.Second }), []string{"keep_firing_for"}},
		"templated label":   {with(func(r *Rule) { r.Labels["rack"] = "{{ $labels.rack }}" }), []string{"labels.rack"}},
		"label __name__":    {with(func(r *Rule) { r.Labels["__name__"] = "x" }), []string{"labels.__name__"}},
		"two-word severity": {with(func(r *Rule) { r.Labels["severity"] = "very bad" }), []string{"labels.severity"}},
		"unknown function":  {with(func(r *Rule) { r.Annotations["summary"] = `{{ query "up" }}` }), []string{"annotations.summary"}},
		"unclosed action":   {with(func(r *Rule) { r.Annotations["description"] = "{{ $value" }), []string{"annotations.description"}},
		"several at once": {with(func(r *Rule) {
			r.Expr, r.For, r.Labels["x"], r.Annotations["summary"] = "rate(", -time.Minute, "{{ . }}", "{{ nope }}"
		}), []string{"expr", "for", "labels.x", "annotations.summary"}},
	} {
		err := c.rule.Check()
		e := dcim.AsError(err)
		if e == nil || e.Code != dcim.EInvalid {
			t.Errorf("%s: %v, want an invalid-input error", what, err)
			continue
		}
		var fields []string
		for _, f := range e.Fields {
			fields = append(fields, f.Field)
		}
		if !slices.Equal(fields, c.fields) {
			t.Errorf("%s: fields %v, want %v (%v)", what, fields, c.fields, err)
		}
	}

	// A rule file goes through the same check, its errors worded for the file.
	_, err := ParseRuleFile("sev.yml", []byte("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        labels: {severity: very bad}\n"))
	if err == nil || !strings.Contains(err.Error(), `sev.yml:4:9: group "g", rule 1, "A": label "severity" is "very bad": a severity is one word`) {
		t.Errorf("file with a bad severity: %v", err)
	}
}

// TestRuleOf: a rule managed through the API becomes an engine rule whose labels carry its
// severity; rules say where they come from.
func TestRuleOf(t *testing.T) {
	enabled := true
	r := RuleOf(dcim.AlertRule{Meta: dcim.Meta{ID: 7}, Name: "UPSOnBattery", Group: "power", Expr: "ups_on_battery == 1", For: 90,
		KeepFiringFor: 600, Severity: "critical", Labels: map[string]string{"team": "facilities"},
		Annotations: map[string]string{"summary": "on battery"}, Enabled: &enabled})
	if r.Name != "UPSOnBattery" || r.Group != "power" || r.For != 90*time.Second || r.KeepFiringFor != 10*time.Minute ||
		r.Severity != "critical" || r.Labels["severity"] != "critical" || r.Labels["team"] != "facilities" || r.ID != 7 ||
		r.Source != "api: alert rule 7" || r.Origin() != "api" {
		t.Errorf("rule %+v", r)
	}
	if err := r.Check(); err != nil {
		t.Errorf("check: %v", err)
	}
	if d := RuleOf(dcim.AlertRule{Name: "A", Expr: "up"}); d.Severity != DefaultSeverity || d.Labels["severity"] != DefaultSeverity {
		t.Errorf("default severity: %+v", d)
	}
	files, err := ParseRuleFile("a.yml", []byte("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n"))
	if err != nil || len(files) != 1 || files[0].Origin() != "file" || files[0].File != "a.yml" {
		t.Errorf("file rule %+v %v", files, err)
	}
	if o := PollTargetDown(nil).Origin(); o != "builtin" {
		t.Errorf("PollTargetDown comes from %q", o)
	}
	for _, n := range []string{"PollTargetDown", "MeterGap"} {
		if !IsBuiltinName(n) {
			t.Errorf("%s is not among the built-in names", n)
		}
	}
}
