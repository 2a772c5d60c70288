package demo_test

import (
	"testing"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/demo"
)

// TestDemoAlertRules: the demo's rule file parses as Prometheus rules and holds both inlet rules.
func TestDemoAlertRules(t *testing.T) {
	rules, err := alert.ParseRuleFile("alerts.yml", demo.AlertRules())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, r := range rules {
		names[r.Name] = r.Severity
	}
	if names["InletAboveRecommended"] != "warning" || names["InletAboveAllowable"] != "critical" {
		t.Errorf("rules %v", names)
	}
}
