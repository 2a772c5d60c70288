package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/store"
)

// engineRules stands for the server's rule set: a rule file's rule and a built-in one, then the
// API's enabled rules as the store has them; it counts the nudges.
type engineRules struct {
	st     *store.Store
	static []alert.Rule
	mu     sync.Mutex
	nudges int
}

func (r *engineRules) Rules() []alert.Rule {
	defs, err := r.st.EnabledAlertRules(context.Background())
	if err != nil {
		panic(err)
	}
	out := slices.Clone(r.static)
	for _, d := range defs {
		out = append(out, alert.RuleOf(d))
	}
	return out
}

func (r *engineRules) Changed() {
	r.mu.Lock()
	r.nudges++
	r.mu.Unlock()
}

func (r *engineRules) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nudges
}

// TestAlertRulesAPI: rules are created with their defaults, listed with the list envelope, read,
// patched, replaced and deleted; bad input is a 400 naming each wrong field (the expression, for,
// a templated label, an annotation that does not parse, the severity), and a refused write changes
// nothing; a built-in rule's name is a 409; every change is in the change log and nudges the
// engine, a refused one does not. /alert-rules/effective lists the rules the engine runs, from the
// files, the API and built in.
func TestAlertRulesAPI(t *testing.T) {
	var engines sync.Map // engine name → *engineRules
	forEachEngineWith(t, func(t *testing.T, st *store.Store) Config {
		files, err := alert.ParseRuleFile("cooling.yml", []byte("groups:\n  - name: cooling\n    rules:\n      - alert: InletHot\n        expr: inlet_temperature_celsius > 27\n        for: 5m\n"))
		if err != nil {
			t.Fatal(err)
		}
		r := &engineRules{st: st, static: append(files, alert.PollTargetDown(nil))}
		engines.Store(t.Name(), r)
		return Config{Store: st, AlertRules: r}
	}, func(t *testing.T, e *apiEnv) {
		v, _ := engines.Load(t.Name())
		eng := v.(*engineRules)
		coll := Prefix + "/alert-rules"
		changesBefore := e.list(t, Prefix+"/changes?object_type=alert-rule").Count

		ups := e.expect(t, http.StatusCreated, http.MethodPost, coll, obj{"name": "UPSOnBattery", "expr": "ups_on_battery == 1", "for": 60,
			"labels": obj{"team": "facilities"}, "annotations": obj{"summary": "{{ $labels.ups }} is on battery"}})
		id := idOf(t, ups)
		if ups["group"] != "api" || ups["enabled"] != true || ups["severity"] != "warning" || ups["for"] != float64(60) ||
			ups["keep_firing_for"] != float64(0) || ups["labels"].(map[string]any)["team"] != "facilities" {
			t.Errorf("created %v", ups)
		}
		if eng.count() != 1 {
			t.Errorf("%d nudges after a create, want 1", eng.count())
		}
		e.create(t, "alert-rules", obj{"name": "PDUHigh", "group": "power", "expr": "pdu_load_ratio > 0.8", "labels": obj{"severity": "critical"}})
		e.create(t, "alert-rules", obj{"name": "Quiet", "expr": "vector(1)", "enabled": false})

		// Bad input: a 400 naming every wrong field, nothing written, no nudge.
		nudges := eng.count()
		for _, c := range []struct {
			body   obj
			fields []string
		}{
			{obj{"name": "X", "expr": "rate(x[5m]"}, []string{"expr"}},
			{obj{"name": "X", "expr": "up == 0", "for": -5}, []string{"for"}},
			{obj{"name": "X", "expr": "up == 0", "labels": obj{"team": "{{ $labels.team }}"}}, []string{"labels.team"}},
			{obj{"name": "X", "expr": "up == 0", "annotations": obj{"summary": "{{ .Nope"}}, []string{"annotations.summary"}},
			{obj{"name": "X", "expr": "up == 0", "severity": "very bad"}, []string{"severity"}},
			{obj{"name": "X", "expr": "up ==", "keep_firing_for": 1, "labels": obj{"rack": "{{ $value }}"},
				"annotations": obj{"summary": `{{ query "up" }}`}}, []string{"expr", "labels.rack", "annotations.summary"}},
			{obj{"name": "", "expr": "up == 0"}, []string{"name"}},
		} {
			p := checkProblem(t, "POST "+coll, e.do(t, http.MethodPost, coll, c.body), want{status: http.StatusBadRequest, field: c.fields[0]})
			var got []string
			for _, f := range p.Errors {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, c.fields) {
				t.Errorf("POST %v: fields %v, want %v", c.body, got, c.fields)
			}
		}
		e.refuse(t, http.MethodPost, coll, obj{"name": "MeterGap", "expr": "up == 0"}, want{status: http.StatusConflict, field: "name"})
		e.refuse(t, http.MethodPost, coll, obj{"name": "UPSOnBattery", "expr": "vector(1)", "labels": obj{"team": "facilities"}},
			want{status: http.StatusConflict, field: "name"})
		e.refuse(t, http.MethodPatch, itemPath("alert-rules", id), obj{"expr": "sum(("}, want{status: http.StatusBadRequest, field: "expr"})
		e.refuse(t, http.MethodPatch, itemPath("alert-rules", id), obj{"annotations": obj{"summary": "{{ end }}"}},
			want{status: http.StatusBadRequest, field: "annotations.summary"})
		if got := e.get(t, "alert-rules", id); got["expr"] != "ups_on_battery == 1" {
			t.Errorf("a refused patch changed the rule: %v", got)
		}
		if eng.count() != nudges {
			t.Errorf("refused writes nudged the engine (%d → %d)", nudges, eng.count())
		}

		// The list envelope, with filters and paging.
		if p := e.list(t, coll); p.Count != 3 || len(p.Results) != 3 || p.Next != nil {
			t.Errorf("list: %+v", p)
		}
		if p := e.list(t, coll+"?limit=2"); p.Count != 3 || len(p.Results) != 2 || p.Next == nil || !strings.Contains(*p.Next, "offset=2") {
			t.Errorf("a page of 2: %+v", p)
		}
		if p := e.list(t, coll+"?enabled=false"); p.Count != 1 || p.Results[0]["name"] != "Quiet" {
			t.Errorf("disabled: %+v", p.Results)
		}
		if p := e.list(t, coll+"?group=power&severity=critical"); p.Count != 1 || p.Results[0]["name"] != "PDUHigh" {
			t.Errorf("power, critical: %+v", p.Results)
		}

		// PATCH changes what it names; the rest stays.
		patched := e.expect(t, http.StatusOK, http.MethodPatch, itemPath("alert-rules", id), obj{"expr": "ups_on_battery > 0", "severity": "critical"})
		if patched["expr"] != "ups_on_battery > 0" || patched["severity"] != "critical" || patched["for"] != float64(60) ||
			patched["annotations"].(map[string]any)["summary"] == nil {
			t.Errorf("patched %v", patched)
		}
		if eng.count() != nudges+1 {
			t.Errorf("%d nudges after the patch, want %d", eng.count(), nudges+1)
		}

		// What the engine runs: the file's, the API's enabled ones, the built-in one.
		eff := e.list(t, coll+"/effective")
		var names []string
		for _, r := range eff.Results {
			names = append(names, r["source"].(string)+":"+r["name"].(string))
		}
		if want := []string{"file:InletHot", "builtin:PollTargetDown", "api:UPSOnBattery", "api:PDUHigh"}; !slices.Equal(names, want) {
			t.Errorf("effective %v, want %v", names, want)
		}
		for _, r := range eff.Results {
			switch r["source"] {
			case "file":
				if r["file"] != "cooling.yml" || r["for"] != float64(300) || r["group"] != "cooling" || r["severity"] != "warning" {
					t.Errorf("file rule %v", r)
				}
			case "api":
				if r["name"] == "UPSOnBattery" && (r["id"] != float64(id) || r["severity"] != "critical" || r["expr"] != "ups_on_battery > 0") {
					t.Errorf("api rule %v", r)
				}
			}
		}
		if p := e.list(t, coll+"/effective?source=builtin"); p.Count != 1 || p.Results[0]["name"] != "PollTargetDown" {
			t.Errorf("built in: %+v", p.Results)
		}
		e.refuse(t, http.MethodGet, coll+"/effective?source=elsewhere", nil, want{status: http.StatusBadRequest, field: "query.source"})

		// Delete.
		e.expect(t, http.StatusNoContent, http.MethodDelete, itemPath("alert-rules", id), nil)
		e.refuse(t, http.MethodGet, itemPath("alert-rules", id), nil, want{status: http.StatusNotFound})

		// The change log: three creates, a patch, a delete, by the token.
		ch := e.list(t, Prefix+"/changes?object_type=alert-rule")
		if ch.Count-changesBefore != 5 {
			t.Errorf("%d alert-rule changes, want 5", ch.Count-changesBefore)
		}
		for _, c := range ch.Results {
			if c["actor"] != "token:tester" {
				t.Errorf("change %v", c)
			}
		}
		if ch.Results[0]["action"] != "delete" || ch.Results[1]["action"] != "update" {
			t.Errorf("newest changes %v %v", ch.Results[0]["action"], ch.Results[1]["action"])
		}
	})
}

// TestAlertRulesEffectiveWithoutEngine: where no engine runs, the list holds the API's enabled
// rules.
func TestAlertRulesEffectiveWithoutEngine(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		e.create(t, "alert-rules", obj{"name": "A", "expr": "up == 0"})
		e.create(t, "alert-rules", obj{"name": "B", "expr": "up == 0", "enabled": false})
		p := e.list(t, Prefix+"/alert-rules/effective")
		if p.Count != 1 || p.Results[0]["name"] != "A" || p.Results[0]["source"] != "api" {
			t.Errorf("effective %+v", p.Results)
		}
	})
}
