package demo_test

import (
	"testing"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/demo"
)

// TestDemoAlertRules: the demo's rule file parses as Prometheus rules and holds its hot-spot rule.
func TestDemoAlertRules(t *testing.T) {
	rules, err := alert.ParseRuleFile("alerts.yml", demo.AlertRules())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, r := range rules {
		names[r.Name] = r.Severity
	}
	if len(names) != 1 || names["InletHotSpot"] != "warning" {
		t.Errorf("rules %v", names)
	}
}
