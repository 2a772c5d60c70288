package dcim

import "maps"

// AlertRule is an alerting rule kept in the database and managed through the API (issue #8): the
// fields of an alerting rule in a Prometheus rule file, with its severity apart from its other
// labels. What needs the query language (the expression, the annotations' templates) is checked
// by the alert package, the same way as a rule file's.
type AlertRule struct {
	Meta
	Name          string            `json:"name" minLength:"1" maxLength:"200" doc:"the alert's name (its alertname label), as alert: in a rule file"`
	Group         string            `json:"group" required:"false" maxLength:"200" default:"api" doc:"the rule group it is listed under"`
	Expr          string            `json:"expr" minLength:"1" maxLength:"20000" doc:"PromQL: every series of its result is an alert"`
	For           int64             `json:"for" required:"false" minimum:"0" maximum:"31536000" doc:"seconds an alert is pending before it fires (0: it fires at once)"`
	KeepFiringFor int64             `json:"keep_firing_for" required:"false" minimum:"0" maximum:"31536000" doc:"seconds a firing alert is held after its series has gone"`
	Severity      string            `json:"severity" required:"false" maxLength:"32" doc:"its severity label: critical, warning (the default), info, …"`
	Labels        map[string]string `json:"labels" required:"false" nullable:"true" doc:"added to each of its alerts' labels; literal, never templates"`
	Annotations   map[string]string `json:"annotations" required:"false" nullable:"true" doc:"templates with $labels and $value: summary, description, runbook_url, …"`
	Enabled       *bool             `json:"enabled" required:"false" nullable:"true" doc:"default true; a disabled rule is kept but not evaluated"`
	Description   string            `json:"description" required:"false" maxLength:"500"`
}

// TypeAlertRule is the object type of alert rules.
const TypeAlertRule = "alert-rule"

// DefaultRuleGroup is the group of an alert rule that names none.
const DefaultRuleGroup = "api"

// maxRuleSeconds bounds for and keep_firing_for (a year), so that they convert to durations.
const maxRuleSeconds = 365 * 24 * 3600

// Normalize fills an alert rule's defaults and checks what needs no query language: a severity
// given among the labels moves to Severity (refused when it differs from Severity), and the
// durations are at most a year. The rest is alert.Rule's Check.
func (r *AlertRule) Normalize() error {
	var p Problems
	if r.Group == "" {
		r.Group = DefaultRuleGroup
	}
	if r.Enabled == nil {
		t := true
		r.Enabled = &t
	}
	r.Labels = maps.Clone(r.Labels)
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	if r.Annotations == nil {
		r.Annotations = map[string]string{}
	}
	if s, ok := r.Labels["severity"]; ok {
		switch {
		case r.Severity == "":
			r.Severity = s
		case s != r.Severity:
			p.Add("labels.severity", "%q differs from severity %q: give the severity once", s, r.Severity)
		}
		delete(r.Labels, "severity")
	}
	if r.Severity == "" {
		r.Severity = "warning"
	}
	if r.For > maxRuleSeconds {
		p.Add("for", "at most %d s (a year), got %d", maxRuleSeconds, r.For)
	}
	if r.KeepFiringFor > maxRuleSeconds {
		p.Add("keep_firing_for", "at most %d s (a year), got %d", maxRuleSeconds, r.KeepFiringFor)
	}
	return p.Err()
}
