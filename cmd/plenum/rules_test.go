package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

// TestAlertRulesLive: rules imported into the database before the start run from the start; a rule
// created through the API of the running server fires within a cycle or two, and stops when it is
// disabled; one written to the database by someone else (another server sharing it) is taken up at
// the next check. /alert-rules/effective and `plenum alerts rules` list the files', the API's and
// the built-in rules. A rule file that cannot be imported whole imports nothing.
func TestAlertRulesLive(t *testing.T) {
	data := t.TempDir()
	plenum(t, "migrate", "--data", data)
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	imported := write("imported.yml", `groups:
  - name: imported
    rules:
      - alert: Imported
        expr: vector(1)
        labels: {severity: critical, team: noc}
        annotations: {summary: "value {{ $value }}"}
`)
	if out := plenum(t, "alerts", "rules", "add", "--data", data, "--file", imported, "--as", "olga"); !strings.Contains(out, "1 rule(s) imported") {
		t.Errorf("import: %s", out)
	}
	// A built-in rule's name in the file: nothing of it is imported.
	clash := write("clash.yml", "groups:\n  - name: g\n    rules:\n      - alert: Fine\n        expr: vector(3)\n      - alert: MeterGap\n        expr: vector(4)\n")
	if out, err := runCLI("", "alerts", "rules", "add", "--data", data, "--file", clash); err == nil ||
		!strings.Contains(err.Error(), `rule 2, "MeterGap": name:`) || !strings.Contains(err.Error(), "nothing imported") {
		t.Errorf("a file with a built-in name: %v\n%s", err, out)
	}
	onDisk := write("disk.yml", "groups:\n  - name: disk\n    rules:\n      - alert: OnDisk\n        expr: vector(2)\n        for: 1h\n")

	m := startMain(t, Config{DataDir: data, Rules: []string{onDisk}, AlertInterval: time.Second}, nil)
	_, token, err := m.Store.CreateToken(t.Context(), "test", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	api := m.URL() + "/api/v1"
	call := func(method, path string, body any) map[string]any {
		t.Helper()
		var b []byte
		if body != nil {
			b, _ = json.Marshal(body)
		}
		code, _, out := request(t, method, api+path, token, string(b))
		if code >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, code, out)
		}
		var v map[string]any
		if out != "" {
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
		return v
	}
	// state waits for the newest episode of an alert to be in state, and returns it.
	state := func(name, want string) map[string]any {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			page := call(http.MethodGet, "/alerts?name="+name, nil)
			if res, _ := page["results"].([]any); len(res) > 0 {
				a := res[0].(map[string]any)
				if a["state"] == want {
					return a
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("alert %s not %s within 20 s: %v", name, want, page["results"])
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// Imported before the start: it runs from the start, with its labels.
	a := state("Imported", alert.Firing)
	if labels := a["labels"].(map[string]any); labels["severity"] != "critical" || labels["team"] != "noc" || a["annotations"].(map[string]any)["summary"] != "value 1" {
		t.Errorf("imported rule's alert %v", a)
	}

	// Created through the API while running: no restart.
	created := time.Now()
	rule := call(http.MethodPost, "/alert-rules", map[string]any{"name": "LiveRule", "expr": "vector(1)", "labels": map[string]string{"team": "noc"}})
	state("LiveRule", alert.Firing)
	t.Logf("an API rule fired %v after it was created", time.Since(created).Round(time.Millisecond))

	// Every rule the engine runs, from everywhere.
	eff := call(http.MethodGet, "/alert-rules/effective", nil)
	var got []string
	for _, r := range eff["results"].([]any) {
		r := r.(map[string]any)
		got = append(got, r["source"].(string)+":"+r["name"].(string))
	}
	for _, want := range []string{"file:OnDisk", "api:Imported", "api:LiveRule", "builtin:PollTargetDown", "builtin:MeterGap"} {
		if !slices.Contains(got, want) {
			t.Errorf("effective rules %v lack %s", got, want)
		}
	}
	// Every built-in rule is among alert.BuiltinNames, so that the API refuses its name.
	for _, r := range got {
		if name, ok := strings.CutPrefix(r, "builtin:"); ok && !alert.IsBuiltinName(name) {
			t.Errorf("built-in rule %s is not in alert.BuiltinNames", name)
		}
	}

	// Disabled: its alert resolves.
	call(http.MethodPatch, fmt.Sprintf("/alert-rules/%d", int64(rule["id"].(float64))), map[string]any{"enabled": false})
	state("LiveRule", alert.Resolved)

	// Written by another server sharing the database: no nudge here, the next check finds it.
	ctx := dcim.WithActor(t.Context(), dcim.Actor{Name: "user:elsewhere", Role: dcim.RoleOperator, CanWrite: true})
	if _, err := m.Store.AlertRules().Create(ctx, dcim.AlertRule{Name: "FromElsewhere", Expr: "vector(5)"}); err != nil {
		t.Fatal(err)
	}
	state("FromElsewhere", alert.Firing)

	// The CLI lists the same, beside the running server.
	out := plenum(t, "alerts", "rules", "--data", data, "--rules", onDisk)
	for _, want := range []string{"file     warning   1h0m0s   OnDisk", "api      critical  0s       Imported", "FromElsewhere", "builtin  warning   1m0s     PollTargetDown"} {
		if !strings.Contains(out, want) {
			t.Errorf("alerts rules lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "LiveRule") {
		t.Errorf("alerts rules lists the disabled rule:\n%s", out)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(plenum(t, "alerts", "rules", "--data", data, "--source", "api", "--json")), &list); err != nil || len(list) != 2 {
		t.Errorf("alerts rules --source api --json: %v %v", list, err)
	}
}
