package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Alert rules managed through the API (issue #8). They are a generic resource (list, get, create,
// replace, merge-patch, delete, each one transaction with its change-log entry); what is particular
// to them is their check, which is the rule files' (alert.Rule's Check), and that the server reads
// the enabled ones for its engine.

var alertRuleTable = &table[dcim.AlertRule]{
	name: "alert_rules", objType: dcim.TypeAlertRule,
	columns: []column[dcim.AlertRule]{
		col("name", func(v *dcim.AlertRule) any { return &v.Name }),
		col("group_name", func(v *dcim.AlertRule) any { return &v.Group }),
		col("expr", func(v *dcim.AlertRule) any { return &v.Expr }),
		col("for_seconds", func(v *dcim.AlertRule) any { return &v.For }),
		col("keep_firing_for_seconds", func(v *dcim.AlertRule) any { return &v.KeepFiringFor }),
		col("severity", func(v *dcim.AlertRule) any { return &v.Severity }),
		col("labels", func(v *dcim.AlertRule) any { return &jsonColumn{&v.Labels} }),
		col("annotations", func(v *dcim.AlertRule) any { return &jsonColumn{&v.Annotations} }),
		col("enabled", func(v *dcim.AlertRule) any { return &v.Enabled }),
		col("description", func(v *dcim.AlertRule) any { return &v.Description }),
	},
	meta:      func(v *dcim.AlertRule) *dcim.Meta { return &v.Meta },
	repr:      func(v *dcim.AlertRule) string { return v.Name },
	normalize: normalizeAlertRule,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "group": {"group_name", filterString},
		"severity": {"severity", filterString}, "enabled": {"enabled", filterBool}},
	search:    []string{"name", "expr", "description"},
	orderings: []string{"name", "severity", "created", "last_updated"},
}

func init() {
	alertRuleTable.check = checkAlertRule
}

// AlertRules returns the operations on the alert rules managed through the API.
func (s *Store) AlertRules() Resource[dcim.AlertRule] {
	return Resource[dcim.AlertRule]{s, alertRuleTable}
}

// normalizeAlertRule fills a rule's defaults and checks it as a rule file's rule is checked
// (alert.Rule's Check), naming every wrong field at once; a name that a built-in rule has is a
// conflict.
func normalizeAlertRule(v *dcim.AlertRule) error {
	var fields []dcim.FieldError
	if err := v.Normalize(); err != nil {
		e := dcim.AsError(err)
		if e == nil {
			return err
		}
		fields = append(fields, e.Fields...)
	}
	if e := dcim.AsError(alert.RuleOf(*v).Check()); e != nil {
		for _, f := range e.Fields {
			// The severity label is the severity field here.
			if f.Field == "labels.severity" {
				f.Field = "severity"
			}
			if !hasField(fields, f.Field) {
				fields = append(fields, f)
			}
		}
	}
	if len(fields) > 0 {
		return &dcim.Error{Code: dcim.EInvalid, Message: "invalid input", Fields: fields}
	}
	if alert.IsBuiltinName(v.Name) {
		return &dcim.Error{Code: dcim.EConflict, Message: "conflict", Fields: []dcim.FieldError{{Field: "name",
			Message: fmt.Sprintf("%q is a built-in rule's name (built in: %s); choose another", v.Name, strings.Join(alert.BuiltinNames, ", "))}}}
	}
	return nil
}

func hasField(fields []dcim.FieldError, name string) bool {
	for _, f := range fields {
		if f.Field == name {
			return true
		}
	}
	return false
}

// checkAlertRule refuses a second rule of the same group, name, severity and labels: it would
// raise the very same alerts (a rule file imported twice).
func checkAlertRule(ctx context.Context, t *tx, _, v *dcim.AlertRule) error {
	labels, err := (&jsonColumn{&v.Labels}).Value()
	if err != nil {
		return err
	}
	var id int64
	err = t.QueryRowContext(ctx, "SELECT id FROM alert_rules WHERE group_name = $1 AND name = $2 AND severity = $3 AND labels = $4 AND id <> $5 ORDER BY id LIMIT 1",
		v.Group, v.Name, v.Severity, labels, v.ID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("check alert rule: %w", err)
	}
	return dcim.Conflict("name", dcim.ObjectRef{Type: dcim.TypeAlertRule, ID: id, Name: v.Name},
		"group %q already has a %s rule %q with these labels (alert rule %d)", v.Group, v.Severity, v.Name, id)
}

// EnabledAlertRules are the alert rules the engine evaluates, in id order.
func (s *Store) EnabledAlertRules(ctx context.Context) ([]dcim.AlertRule, error) {
	rows, err := s.db.QueryContext(ctx, alertRuleTable.selectSQL()+" WHERE enabled = $1 ORDER BY id", true)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	out, err := alertRuleTable.scanAll(rows)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	return out, nil
}

// AlertRulesVersion changes whenever an alert rule is created, changed or deleted: it counts their
// change-log entries, which are written in the same transaction as the change (a count, not the
// newest id: on PostgreSQL a transaction that took an id earlier may commit later). The server
// compares it on every check and reads the rules again only when it moved; it reads a few index
// entries.
func (s *Store) AlertRulesVersion(ctx context.Context) (string, error) {
	var n, last int64
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM changes WHERE object_type = $1",
		dcim.TypeAlertRule).Scan(&n, &last); err != nil {
		return "", fmt.Errorf("alert rules version: %w", err)
	}
	return fmt.Sprintf("%d/%d", n, last), nil
}
