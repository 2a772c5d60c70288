// Package alert is Plenum's alerting rule engine: Prometheus-style alerting rules evaluated
// through a Querier, with alert states (pending, firing, resolved) kept between cycles. It does
// no I/O of its own: the caller supplies the queries and stores the transitions.
package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// DefaultSeverity is the severity of a rule that names none.
const DefaultSeverity = "warning"

// Rule is one alerting rule: a PromQL expression whose every result series is an alert.
type Rule struct {
	Group, Name, Expr   string
	For                 time.Duration // pending this long before firing
	KeepFiringFor       time.Duration // Prometheus's keep_firing_for
	Severity            string        // from labels["severity"]; default "warning"
	Labels, Annotations map[string]string
	Source              string // "file.yml: group G, rule 3", "api: alert rule 7" or "builtin"
	File                string // the rule file it was read from; "" for the others
	ID                  int64  // the id of a rule managed through the API (/alert-rules); 0 for the others
	// Builtin, when set, is what the rule reads instead of a PromQL expression: a rule Plenum
	// derives from its own state (the pollers' health, the model), each returned sample an alert.
	Builtin func(ctx context.Context, q Querier, at time.Time) ([]Sample, error)
}

// promParser parses rule expressions as the query engine does.
var promParser = parser.NewParser(parser.Options{})

// ParseRuleFile reads a Prometheus rule file (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/)
// with Prometheus's own parser, so that existing rules can be reused. Only alerting rules are
// accepted; group labels are added to each rule's (the rule's win); a group's interval, limit and
// query_offset are not used. Each rule is then checked as one sent to the API is (Check): labels
// must be literal, the severity a word, and annotations templates that may use $labels, $value,
// text/template's functions (printf, ...) and humanize, humanizePercentage, humanizeDuration,
// toUpper and toLower; one that calls any other function is refused. Every error names the file,
// and where it applies the line, group and rule; all are returned, joined.
func ParseRuleFile(name string, data []byte) ([]Rule, error) {
	groups, errs := rulefmt.Parse(data, false, model.UTF8Validation, promParser, slog.New(slog.DiscardHandler))
	lines := ruleLines(data)
	if len(errs) > 0 {
		var out []error
		said := map[string]bool{}
		for _, err := range errs {
			if msg := err.Error(); !said[msg] { // a YAML error comes twice, once per decoding
				said[msg] = true
				out = append(out, fileError(name, err, lines))
			}
		}
		return nil, errors.Join(out...)
	}
	var rules []Rule
	var bad []error
	for gi, g := range groups.Groups {
		for ri, r := range g.Rules {
			where := fmt.Sprintf("%s: group %q, rule %d", name, g.Name, ri+1)
			if l := lines.at(gi, ri); l != "" {
				where = fmt.Sprintf("%s:%s: group %q, rule %d", name, l, g.Name, ri+1)
			}
			if r.Record != "" {
				bad = append(bad, fmt.Errorf("%s: recording rule %q: only alerting rules (alert:) are supported", where, r.Record))
				continue
			}
			rule := Rule{
				Group:         g.Name,
				Name:          r.Alert,
				Expr:          r.Expr,
				For:           time.Duration(r.For),
				KeepFiringFor: time.Duration(r.KeepFiringFor),
				Labels:        mergeLabels(g.Labels, r.Labels),
				Annotations:   r.Annotations,
				Source:        fmt.Sprintf("%s: group %s, rule %d", name, g.Name, ri+1),
			}
			rule.File = name
			rule.Severity = rule.Labels["severity"]
			if rule.Severity == "" {
				rule.Severity = DefaultSeverity
			}
			if e := dcim.AsError(rule.Check()); e != nil {
				for _, f := range e.Fields {
					bad = append(bad, fmt.Errorf("%s, %q: %s", where, r.Alert, fileMessage(f)))
				}
				continue
			}
			rules = append(rules, rule)
		}
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	return rules, nil
}

// mergeLabels is group labels overridden by rule labels; nil when both are empty.
func mergeLabels(group, rule map[string]string) map[string]string {
	if len(group) == 0 && len(rule) == 0 {
		return nil
	}
	m := maps.Clone(group)
	if m == nil {
		m = make(map[string]string, len(rule))
	}
	maps.Copy(m, rule)
	return m
}

// Origin is where a rule comes from: "builtin" (Plenum's own), "api" (kept in the database,
// managed through /alert-rules) or "file" (a rule file).
func (r Rule) Origin() string {
	switch {
	case r.Builtin != nil || r.Source == "builtin":
		return "builtin"
	case r.ID != 0:
		return "api"
	default:
		return "file"
	}
}

// severityPattern is what a severity may look like: a word (critical, warning, info, page, P1).
var severityPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,31}$`)

// Check validates one alerting rule, the same for a rule file's and for one sent to the API:
// what Prometheus checks of an alerting rule (a group and a name, the name a valid label value;
// an expression that parses; label and annotation names and values valid), and what Plenum adds:
// for and keep_firing_for not negative, labels literal (an alert's labels are its identity, so
// they must not change with its value), a severity label that is a word, and annotations that
// parse as templates with Plenum's functions. The error is an EInvalid dcim error naming each
// field as the API does: name, group, expr, for, keep_firing_for, labels.severity,
// annotations.summary.
func (r Rule) Check() error {
	var p dcim.Problems
	if r.Group == "" {
		p.Add("group", "is required")
	}
	switch {
	case r.Name == "":
		p.Add("name", "is required")
	case !model.LabelValue(r.Name).IsValid():
		p.Add("name", "is not valid UTF-8: the name is the alertname label's value")
	}
	if strings.TrimSpace(r.Expr) == "" {
		p.Add("expr", "is required")
	} else if _, err := promParser.ParseExpr(r.Expr); err != nil {
		p.Add("expr", "could not parse expression: %v", err)
	}
	if r.For < 0 {
		p.Add("for", "must not be negative, got %v", r.For)
	}
	if r.KeepFiringFor < 0 {
		p.Add("keep_firing_for", "must not be negative, got %v", r.KeepFiringFor)
	}
	for _, k := range sortedKeys(r.Labels) {
		v := r.Labels[k]
		switch {
		case !model.UTF8Validation.IsValidLabelName(k) || k == model.MetricNameLabel:
			p.Add("labels."+k, "is not a valid label name")
		case !model.LabelValue(v).IsValid():
			p.Add("labels."+k, "is not valid UTF-8")
		case strings.Contains(v, "{{"):
			p.Add("labels."+k, "is a template; labels must be literal (templates belong in annotations)")
		case k == "severity" && !severityPattern.MatchString(v):
			p.Add("labels."+k, "is %q: a severity is one word of letters, digits, - and _ (critical, warning, info)", v)
		}
	}
	for _, k := range sortedKeys(r.Annotations) {
		if !model.UTF8Validation.IsValidLabelName(k) {
			p.Add("annotations."+k, "is not a valid annotation name")
		} else if _, err := parseTemplate(r.Name, k, r.Annotations[k]); err != nil {
			p.Add("annotations."+k, "%v", err)
		}
	}
	return p.Err()
}

// fileMessage words a problem Check found for a rule file's errors: `label "severity" is a
// template…`, `annotation "summary": template: …`, `expr: could not parse …`.
func fileMessage(f dcim.FieldError) string {
	if k, ok := strings.CutPrefix(f.Field, "labels."); ok {
		return fmt.Sprintf("label %q %s", k, f.Message)
	}
	if k, ok := strings.CutPrefix(f.Field, "annotations."); ok {
		return fmt.Sprintf("annotation %q: %s", k, f.Message)
	}
	return f.Field + ": " + f.Message
}

// RuleOf is the rule that a rule managed through the API defines. Its labels carry its severity,
// as a rule file's do, so that receivers route its alerts alike.
func RuleOf(d dcim.AlertRule) Rule {
	labels := maps.Clone(d.Labels)
	if labels == nil {
		labels = make(map[string]string, 1)
	}
	severity := d.Severity
	if severity == "" {
		severity = labels["severity"]
	}
	if severity == "" {
		severity = DefaultSeverity
	}
	labels["severity"] = severity
	return Rule{Group: d.Group, Name: d.Name, Expr: d.Expr, For: time.Duration(d.For) * time.Second,
		KeepFiringFor: time.Duration(d.KeepFiringFor) * time.Second, Severity: severity, Labels: labels,
		Annotations: maps.Clone(d.Annotations), Source: fmt.Sprintf("api: alert rule %d", d.ID), ID: d.ID}
}

// fileError puts the file name before one of rulefmt's errors, as "file:line:col: ..." when the
// error has a position. rulefmt gives a missing field the position 0:0; the rule's is used instead.
func fileError(name string, err error, lines ruleLinePos) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "0:0: "); ok {
		var rerr *rulefmt.Error
		if errors.As(err, &rerr) {
			if l := lines.at(lines.group(rerr.Group), rerr.Rule-1); l != "" {
				return fmt.Errorf("%s:%s: %s", name, l, rest)
			}
		}
		return fmt.Errorf("%s: %s", name, rest)
	}
	if msg != "" && msg[0] >= '0' && msg[0] <= '9' {
		return fmt.Errorf("%s:%w", name, err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// ruleLinePos is where each rule starts ("line:column"), by group and rule index, with the groups'
// names, for the errors that rulefmt does not place.
type ruleLinePos struct {
	groups []string
	rules  [][]string
}

func (p ruleLinePos) at(group, rule int) string {
	if group >= 0 && group < len(p.rules) && rule >= 0 && rule < len(p.rules[group]) {
		return p.rules[group][rule]
	}
	return ""
}

// group is the index of the group named name, or -1.
func (p ruleLinePos) group(name string) int {
	return slices.Index(p.groups, name)
}

// ruleLines finds where each rule starts; data has already been parsed, so errors are ignored.
func ruleLines(data []byte) ruleLinePos {
	var doc struct {
		Groups []struct {
			Name  string      `yaml:"name"`
			Rules []yaml.Node `yaml:"rules"`
		} `yaml:"groups"`
	}
	var pos ruleLinePos
	if yaml.Unmarshal(data, &doc) != nil {
		return pos
	}
	for _, g := range doc.Groups {
		var rules []string
		for _, n := range g.Rules {
			rules = append(rules, fmt.Sprintf("%d:%d", n.Line, n.Column))
		}
		pos.groups = append(pos.groups, g.Name)
		pos.rules = append(pos.rules, rules)
	}
	return pos
}

// Templates see $labels (the series' labels), $value (its value), and, for rules written for
// Prometheus, $externalLabels (empty) and $externalURL ("").
const templatePrefix = `{{$labels := .Labels}}{{$value := .Value}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}`

// templateData is what an annotation template is executed on.
type templateData struct {
	Labels         map[string]string
	Value          float64
	ExternalLabels map[string]string
	ExternalURL    string
}

// templateFuncs are the functions annotation templates may call, beyond text/template's own
// (printf, len, eq, ...). Each takes a number or a string holding one.
var templateFuncs = template.FuncMap{
	"humanize":           fmtFunc(humanize),
	"humanizePercentage": fmtFunc(func(v float64) string { return fmt.Sprintf("%.4g%%", v*100) }),
	"humanizeDuration":   fmtFunc(humanizeDuration),
	"toUpper":            strings.ToUpper,
	"toLower":            strings.ToLower,
}

// parseTemplate parses one annotation of a rule.
func parseTemplate(rule, annotation, text string) (*template.Template, error) {
	return template.New(rule + "/" + annotation).Funcs(templateFuncs).Option("missingkey=zero").Parse(templatePrefix + text)
}

// fmtFunc adapts a number formatter to template arguments, which may be numbers or strings.
func fmtFunc(f func(float64) string) func(any) (string, error) {
	return func(v any) (string, error) {
		x, err := toFloat(v)
		if err != nil {
			return "", err
		}
		return f(x), nil
	}
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", x)
		}
		return f, nil
	default:
		return 0, fmt.Errorf("%v (%T) is not a number", v, v)
	}
}

// humanize writes v with four significant digits and an SI prefix: 1234 → "1.234k", 0.0025 → "2.5m".
func humanize(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprintf("%.4g", v)
	}
	prefix := ""
	if math.Abs(v) >= 1 {
		for _, p := range []string{"k", "M", "G", "T", "P", "E", "Z", "Y"} {
			if math.Abs(v) < 1000 {
				break
			}
			v /= 1000
			prefix = p
		}
	} else {
		for _, p := range []string{"m", "µ", "n", "p", "f", "a", "z", "y"} {
			if math.Abs(v) >= 1 {
				break
			}
			v *= 1000
			prefix = p
		}
	}
	return fmt.Sprintf("%.4g%s", v, prefix)
}

// humanizeDuration writes a number of seconds as a Go duration, to the millisecond: 90 → "1m30s".
func humanizeDuration(seconds float64) string {
	if math.IsNaN(seconds) || math.IsInf(seconds, 0) || math.Abs(seconds) > math.MaxInt64/float64(time.Second) {
		return fmt.Sprintf("%.4gs", seconds)
	}
	d := time.Duration(seconds * float64(time.Second))
	if d.Abs() >= time.Millisecond {
		d = d.Round(time.Millisecond)
	}
	return d.String()
}
