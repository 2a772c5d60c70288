package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// ruleFields are the fields a domain error names.
func ruleFields(err error) []string {
	var out []string
	if e := dcim.AsError(err); e != nil {
		for _, f := range e.Fields {
			out = append(out, f.Field)
		}
	}
	return out
}

// TestAlertRules: rules managed through the API get their defaults (group, enabled, severity, a
// severity label moved to severity), are checked as a rule file's are, every wrong field named at
// once, and may not take a built-in rule's name nor repeat another rule; they are listed with
// filters and paging, patched, replaced and deleted, each change in the change log, and a refused
// one writes nothing. The engine's read (enabled rules) and the version it watches follow.
func TestAlertRules(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := dcim.WithActor(context.Background(), dcim.Actor{Name: "user:olga", Role: dcim.RoleOperator, CanWrite: true})
		rules := st.AlertRules()
		version := func() string {
			t.Helper()
			v, err := st.AlertRulesVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		v0 := version()

		hot, err := rules.Create(ctx, dcim.AlertRule{Name: "InletHot", Expr: "max by (site, rack) (inlet_temperature_celsius) > 27",
			For: 300, Labels: map[string]string{"severity": "critical", "team": "noc"},
			Annotations: map[string]string{"summary": "{{ $labels.rack }} at {{ humanize $value }} °C"}})
		if err != nil {
			t.Fatal(err)
		}
		if hot.ID == 0 || hot.Group != "api" || hot.Enabled == nil || !*hot.Enabled || hot.Severity != "critical" ||
			hot.Labels["team"] != "noc" || hot.Labels["severity"] != "" || hot.For != 300 || hot.Created.IsZero() {
			t.Errorf("created %+v", hot)
		}
		got, err := rules.Get(ctx, hot.ID)
		if err != nil || got.Name != "InletHot" || got.Severity != "critical" || got.Labels["team"] != "noc" ||
			!strings.Contains(got.Annotations["summary"], "humanize") {
			t.Fatalf("read back %+v %v", got, err)
		}
		v1 := version()
		if v1 == v0 {
			t.Error("the version did not move on a create")
		}

		// Refused: each wrong field is named, all at once; nothing is written.
		for _, c := range []struct {
			rule   dcim.AlertRule
			code   dcim.Code
			fields []string
		}{
			{dcim.AlertRule{Name: "X", Expr: "rate(", For: -5}, dcim.EInvalid, []string{"expr", "for"}},
			{dcim.AlertRule{Expr: "up == 0", KeepFiringFor: -1}, dcim.EInvalid, []string{"name", "keep_firing_for"}},
			{dcim.AlertRule{Name: "X", Expr: "up == 0", Labels: map[string]string{"team": "{{ $labels.team }}"},
				Annotations: map[string]string{"summary": `{{ $labels.rack | reReplaceAll "r" "R" }}`}}, dcim.EInvalid,
				[]string{"labels.team", "annotations.summary"}},
			{dcim.AlertRule{Name: "X", Expr: "up == 0", Severity: "very bad"}, dcim.EInvalid, []string{"severity"}},
			{dcim.AlertRule{Name: "X", Expr: "up == 0", Severity: "info", Labels: map[string]string{"severity": "critical"}}, dcim.EInvalid,
				[]string{"labels.severity"}},
			{dcim.AlertRule{Name: "X", Expr: "up == 0", For: 400 * 24 * 3600}, dcim.EInvalid, []string{"for"}},
			{dcim.AlertRule{Name: "PollTargetDown", Expr: "up == 0"}, dcim.EConflict, []string{"name"}},
			{dcim.AlertRule{Name: "InletHot", Expr: "vector(1)", Severity: "critical", Labels: map[string]string{"team": "noc"}},
				dcim.EConflict, []string{"name"}},
		} {
			_, err := rules.Create(ctx, c.rule)
			if dcim.ErrorCode(err) != c.code || !slices.Equal(ruleFields(err), c.fields) {
				t.Errorf("%+v: %v (fields %v), want %s on %v", c.rule, err, ruleFields(err), c.code, c.fields)
			}
		}
		// The same name in another group, or with other labels, is another rule (as in Prometheus).
		hot2, err := rules.Create(ctx, dcim.AlertRule{Name: "InletHot", Expr: "max by (site, rack) (inlet_temperature_celsius) > 32",
			Severity: "critical", Labels: map[string]string{"team": "facilities"}, Enabled: ptr(false)})
		if err != nil {
			t.Fatal(err)
		}
		ups, err := rules.Create(ctx, dcim.AlertRule{Name: "UPSOnBattery", Group: "power", Expr: `ups_on_battery == 1`, Description: "mains lost"})
		if err != nil || ups.Severity != "warning" || ups.Group != "power" {
			t.Fatalf("ups rule %+v %v", ups, err)
		}
		// All or none: the second item is bad, so the first is not kept either.
		before := version()
		if _, err := rules.BulkCreate(ctx, []dcim.AlertRule{{Name: "Fine", Expr: "up == 0"}, {Name: "Broken", Expr: "sum("}}); dcim.ErrorCode(err) != dcim.EInvalid ||
			!slices.Equal(ruleFields(err), []string{"[1].expr"}) {
			t.Errorf("bulk with a bad rule: %v", err)
		}
		if version() != before {
			t.Error("a refused write moved the version")
		}

		// Lists: the envelope, filters, search, paging.
		list := func(f map[string][]string, q string, limit int) dcim.Page[dcim.AlertRule] {
			t.Helper()
			p, err := rules.List(ctx, dcim.ListQuery{Filters: f, Q: q, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		if p := list(nil, "", 0); p.Count != 3 || len(p.Results) != 3 {
			t.Errorf("all: %d %d", p.Count, len(p.Results))
		}
		if p := list(nil, "", 2); p.Count != 3 || len(p.Results) != 2 {
			t.Errorf("a page of 2: %d %d", p.Count, len(p.Results))
		}
		if p := list(map[string][]string{"enabled": {"false"}}, "", 0); p.Count != 1 || p.Results[0].ID != hot2.ID {
			t.Errorf("disabled: %+v", p.Results)
		}
		if p := list(map[string][]string{"group": {"power"}, "severity": {"warning"}}, "", 0); p.Count != 1 || p.Results[0].ID != ups.ID {
			t.Errorf("group power: %+v", p.Results)
		}
		if p := list(nil, "mains", 0); p.Count != 1 || p.Results[0].ID != ups.ID {
			t.Errorf("q=mains: %+v", p.Results)
		}
		if _, err := rules.List(ctx, dcim.ListQuery{Filters: map[string][]string{"colour": {"red"}}}); dcim.ErrorCode(err) != dcim.EInvalid {
			t.Errorf("unknown filter: %v", err)
		}

		// The engine reads the enabled ones.
		enabled, err := st.EnabledAlertRules(ctx)
		if err != nil || len(enabled) != 2 || enabled[0].ID != hot.ID || enabled[1].ID != ups.ID {
			t.Fatalf("enabled rules %+v %v", enabled, err)
		}

		// A merge patch: what it names changes, the rest stays; a bad one writes nothing.
		v2 := version()
		patched, err := rules.Patch(ctx, hot.ID, map[string]json.RawMessage{"expr": json.RawMessage(`"max by (site, rack) (inlet_temperature_celsius) > 28"`),
			"for": json.RawMessage(`60`)})
		if err != nil || !strings.HasSuffix(patched.Expr, "> 28") || patched.For != 60 || patched.Severity != "critical" || patched.Labels["team"] != "noc" {
			t.Fatalf("patched %+v %v", patched, err)
		}
		v3 := version()
		if v3 == v2 {
			t.Error("the version did not move on a patch")
		}
		if _, err := rules.Patch(ctx, hot.ID, map[string]json.RawMessage{"expr": json.RawMessage(`"max by ("`)}); !slices.Equal(ruleFields(err), []string{"expr"}) {
			t.Errorf("bad patch: %v", err)
		}
		if _, err := rules.Patch(ctx, hot.ID, map[string]json.RawMessage{"annotations": json.RawMessage(`{"summary": "{{ nope }}"}`)}); !slices.Equal(ruleFields(err), []string{"annotations.summary"}) {
			t.Errorf("bad annotation patch: %v", err)
		}
		if got, _ := rules.Get(ctx, hot.ID); !strings.HasSuffix(got.Expr, "> 28") || version() != v3 {
			t.Errorf("a refused patch changed the rule: %+v", got)
		}
		if _, err := rules.Patch(ctx, hot2.ID, map[string]json.RawMessage{"enabled": json.RawMessage(`true`)}); err != nil {
			t.Fatal(err)
		}
		if enabled, _ := st.EnabledAlertRules(ctx); len(enabled) != 3 {
			t.Errorf("enabled after the patch: %d", len(enabled))
		}
		// A replace (PUT) with the same rule writes nothing; with a new one, it does.
		same := patched
		v4 := version()
		if _, err := rules.Update(ctx, hot.ID, same); err != nil || version() != v4 {
			t.Errorf("an unchanged replace: %v, version %s → %s", err, v4, version())
		}
		same.Description = "the A1 recommended limit"
		if got, err := rules.Update(ctx, hot.ID, same); err != nil || got.Description != same.Description || version() == v4 {
			t.Errorf("replace: %+v %v", got, err)
		}

		// Delete; then it is gone.
		if err := rules.Delete(ctx, ups.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := rules.Get(ctx, ups.ID); dcim.ErrorCode(err) != dcim.ENotFound {
			t.Errorf("after delete: %v", err)
		}
		if err := rules.Delete(ctx, ups.ID); dcim.ErrorCode(err) != dcim.ENotFound {
			t.Errorf("delete again: %v", err)
		}

		// The change log has every change, by whom, and the rule before and after.
		ch, err := st.Changes(ctx, dcim.ListQuery{Filters: map[string][]string{"object_type": {dcim.TypeAlertRule}}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, c := range ch.Results {
			if c.Actor != "user:olga" {
				t.Errorf("change by %q", c.Actor)
			}
			actions = append(actions, c.Action)
		}
		// Newest first: delete ups, update hot (description), update hot2 (enabled), update hot (patch),
		// create ups, create hot2, create hot.
		if want := []string{"delete", "update", "update", "update", "create", "create", "create"}; !slices.Equal(actions, want) {
			t.Errorf("change log %v, want %v", actions, want)
		}
		if len(ch.Results) == 0 {
			t.Fatal("no change log")
		}
		if pre, _ := json.Marshal(ch.Results[0].PreChange); ch.Results[0].PostChange != nil || !strings.Contains(string(pre), `"name":"UPSOnBattery"`) {
			t.Errorf("delete entry %+v", ch.Results[0])
		}
	})
}
