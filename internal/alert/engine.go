package alert

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/template"
	"time"
)

// Sample is one series of a query's result.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Querier runs an instant query at a time.
type Querier func(ctx context.Context, expr string, at time.Time) ([]Sample, error)

// The states of an alert.
const (
	Pending  = "pending"
	Firing   = "firing"
	Resolved = "resolved"
)

// Alert is one series of a rule's result, followed from first sight to resolution (an episode).
type Alert struct {
	Fingerprint string            // hash of Labels: the rule name, the series' labels and the rule's labels, sorted
	Rule        string            // the rule's name
	Severity    string            // the rule's severity
	Labels      map[string]string // the series' labels (without __name__) + the rule's labels + alertname
	Annotations map[string]string // the rule's annotations, rendered for this series
	State       string            // Pending, Firing or Resolved
	ActiveAt    time.Time         // first seen in this episode
	FiredAt     *time.Time        // when it started firing
	ResolvedAt  *time.Time        // when it resolved
	LastValue   float64           // the series' value when last seen
	Flapping    bool              // held firing by the FlapPolicy
}

// Transition is a change of an alert's state in one Eval. From is "" for an alert seen for the
// first time in an episode; To is "" for a pending alert that was dropped because its series went
// away before For elapsed (Prometheus drops these silently; they are reported so they can be
// logged, but they never fired). Error is what went wrong rendering its annotations, if anything.
type Transition struct {
	Alert    Alert
	From, To string
	Error    string
}

// FlapPolicy damps flapping: an alert that resolved and came back Flaps times within Window is
// held firing (marked Flapping) until it has stayed clear for a whole Window.
type FlapPolicy struct {
	Flaps  int
	Window time.Duration
} // zero: no damping

func (p FlapPolicy) enabled() bool { return p.Flaps > 0 && p.Window > 0 }

// Engine evaluates alerting rules and keeps their alerts between cycles, as Prometheus does:
//
//   - a series in a rule's result is an alert: pending when first seen, or firing at once if the
//     rule's For is zero; a pending alert fires once it has been seen for For (now-ActiveAt >= For);
//   - a pending alert whose series is gone is dropped (a Transition to "");
//   - a firing alert whose series is gone resolves, unless held: by the rule's KeepFiringFor, or by
//     flap damping (Window) when it is Flapping. A held alert resolves once its series has been
//     absent, in every cycle, for that long, counted from the first cycle it was absent in; if the
//     series comes back meanwhile the alert simply keeps firing;
//   - a series that comes back after its alert resolved starts a new episode (a new ActiveAt, For
//     again); if it resolved within the FlapPolicy's Window the return counts as a flap, and the
//     return that makes Flaps within Window marks the new episode Flapping;
//   - a rule whose query fails, or whose result has two series with the same labels once the
//     rule's are added, leaves its alerts as they were that cycle: nothing resolves because of an
//     error.
//
// Resolved alerts are reported once, in Eval's transitions, and then forgotten (except for flap
// counting): the caller keeps the history. Rules are evaluated one after the other, each query at
// the cycle's time. An Engine is safe for concurrent use; Eval and SetRules wait for each other.
type Engine struct {
	flap FlapPolicy

	evalMu sync.Mutex // serialises Eval and SetRules, so that rules do not change under an Eval

	mu    sync.Mutex // guards what follows; rules also changes only under evalMu
	rules []*ruleState
	gone  []*entry              // alerts of removed rules, reported by the next Eval
	flaps map[string]*flapTrack // by fingerprint, while flap damping is on
}

// ruleState is a rule with its compiled annotations and active alerts.
type ruleState struct {
	rule     Rule
	severity string
	tmpl     map[string]*template.Template // by annotation; absent when it is literal or does not parse
	tmplErr  map[string]error              // by annotation, when it does not parse
	active   map[string]*entry             // pending and firing, by fingerprint
}

// entry is one active alert.
type entry struct {
	alert      Alert
	series     map[string]string // the series' labels as the query returned them, for templates
	clearSince time.Time         // first cycle the series was absent in; zero while present
	renderErr  string
}

// flapTrack is what flap damping remembers of one fingerprint.
type flapTrack struct {
	resolved time.Time   // its last resolution
	returns  []time.Time // when it came back after a resolution, within the window
}

// NewEngine returns an engine for rules, with no alerts yet.
func NewEngine(rules []Rule, flap FlapPolicy) *Engine {
	e := &Engine{flap: flap, flaps: make(map[string]*flapTrack)}
	e.SetRules(rules)
	return e
}

// SetRules replaces the rules. The alerts of a rule that is still there (by name; among rules of
// the same name, the one with the same labels first, then in order) keep their state; the alerts
// of removed rules are reported by the next Eval, as resolved when they were firing and dropped
// when they were pending. A rule's labels are part of its alerts' identity, so an alert of a kept
// rule whose labels changed is reported the same way and comes back under its new labels.
func (e *Engine) SetRules(rules []Rule) {
	e.evalMu.Lock()
	defer e.evalMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()

	old := e.rules
	taken := make([]bool, len(old))
	next := make([]*ruleState, len(rules))
	for i, r := range rules {
		rs := newRuleState(r)
		next[i] = rs
		j := matchRule(old, taken, r)
		if j < 0 {
			continue
		}
		taken[j] = true
		for fp, en := range old[j].active {
			if labels := alertLabels(r, en.series); fingerprint(labels) == fp {
				en.alert.Rule, en.alert.Severity, en.alert.Labels = r.Name, rs.severity, labels
				rs.active[fp] = en
			} else {
				e.gone = append(e.gone, en)
			}
		}
	}
	for j, rs := range old {
		if !taken[j] {
			for _, en := range rs.active {
				e.gone = append(e.gone, en)
			}
		}
	}
	e.rules = next
}

// matchRule is the index of the old rule whose alerts r takes over, or -1.
func matchRule(old []*ruleState, taken []bool, r Rule) int {
	first := -1
	for j, rs := range old {
		if taken[j] || rs.rule.Name != r.Name {
			continue
		}
		if maps.Equal(rs.rule.Labels, r.Labels) {
			return j
		}
		if first < 0 {
			first = j
		}
	}
	return first
}

func newRuleState(r Rule) *ruleState {
	rs := &ruleState{
		rule:     r,
		severity: severityOf(r),
		tmpl:     make(map[string]*template.Template),
		tmplErr:  make(map[string]error),
		active:   make(map[string]*entry),
	}
	for k, text := range r.Annotations {
		if !strings.Contains(text, "{{") {
			continue
		}
		t, err := parseTemplate(r.Name, k, text)
		if err != nil {
			rs.tmplErr[k] = err
		} else {
			rs.tmpl[k] = t
		}
	}
	return rs
}

// severityOf is the rule's Severity, else its severity label, else DefaultSeverity.
func severityOf(r Rule) string {
	if r.Severity != "" {
		return r.Severity
	}
	if s := r.Labels["severity"]; s != "" {
		return s
	}
	return DefaultSeverity
}

// Eval runs one cycle at now: each rule's query, then the alerts' transitions (alerts of removed
// rules first, then rule by rule, in a fixed order). A rule whose query fails does not stop the others:
// its error, naming the rule, is returned (joined with the others') along with the transitions of
// the rules that did evaluate. Once ctx is done the remaining rules are skipped, their alerts kept.
func (e *Engine) Eval(ctx context.Context, q Querier, now time.Time) ([]Transition, error) {
	e.evalMu.Lock()
	defer e.evalMu.Unlock()

	// Query without holding mu, so that Alerts answers meanwhile; rules cannot change (evalMu).
	type result struct {
		samples []Sample
		err     error
	}
	var errs []error
	results := make([]result, 0, len(e.rules))
	for _, rs := range e.rules {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("evaluation stopped before rule %q (%s): %w", rs.rule.Name, rs.rule.Source, err))
			break
		}
		var s []Sample
		var err error
		if rs.rule.Builtin != nil {
			s, err = rs.rule.Builtin(ctx, q, now)
		} else {
			s, err = q(ctx, rs.rule.Expr, now)
		}
		results = append(results, result{s, err})
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Transition
	for _, en := range e.gone {
		out = append(out, e.retire(en, now))
	}
	e.gone = nil
	for i, res := range results {
		rs := e.rules[i]
		if res.err != nil {
			errs = append(errs, fmt.Errorf("rule %q (%s): query %q: %w", rs.rule.Name, rs.rule.Source, rs.rule.Expr, res.err))
			continue
		}
		tr, err := e.evalRule(rs, res.samples, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %q (%s): %w", rs.rule.Name, rs.rule.Source, err))
			continue
		}
		out = append(out, tr...)
	}
	e.forgetFlaps(now)
	return out, errors.Join(errs...)
}

// evalRule applies one rule's result at now.
func (e *Engine) evalRule(rs *ruleState, samples []Sample, now time.Time) ([]Transition, error) {
	type seen struct {
		labels map[string]string
		sample Sample
	}
	present := make(map[string]seen, len(samples))
	for _, s := range samples {
		labels := alertLabels(rs.rule, s.Labels)
		fp := fingerprint(labels)
		if _, dup := present[fp]; dup {
			return nil, fmt.Errorf("two series of the result have the same labels once the rule's are added: %s", formatLabels(labels))
		}
		present[fp] = seen{labels, s}
	}

	var out []Transition
	for _, fp := range sortedKeys(present) {
		p := present[fp]
		en := rs.active[fp]
		from := ""
		if en == nil {
			en = &entry{alert: Alert{
				Fingerprint: fp,
				Rule:        rs.rule.Name,
				Severity:    rs.severity,
				Labels:      p.labels,
				ActiveAt:    now,
				Flapping:    e.cameBack(fp, now),
			}}
			rs.active[fp] = en
		} else {
			from = en.alert.State
		}
		en.series, en.clearSince = p.sample.Labels, time.Time{}
		en.alert.LastValue = p.sample.Value
		en.alert.Annotations, en.renderErr = rs.render(p.sample.Labels, p.sample.Value)
		if en.alert.State != Firing && now.Sub(en.alert.ActiveAt) >= rs.rule.For {
			en.alert.State = Firing
			en.alert.FiredAt = &now
		} else if en.alert.State == "" {
			en.alert.State = Pending
		}
		if en.alert.State != from {
			out = append(out, en.transition(from))
		}
	}

	for _, fp := range sortedKeys(rs.active) {
		if _, ok := present[fp]; ok {
			continue
		}
		en := rs.active[fp]
		if en.alert.State == Pending {
			delete(rs.active, fp)
			out = append(out, e.retire(en, now))
			continue
		}
		if en.clearSince.IsZero() {
			en.clearSince = now
		}
		hold := rs.rule.KeepFiringFor
		if en.alert.Flapping && e.flap.Window > hold {
			hold = e.flap.Window
		}
		if now.Sub(en.clearSince) >= hold {
			delete(rs.active, fp)
			out = append(out, e.retire(en, now))
			if e.flap.enabled() {
				e.track(fp).resolved = now
			}
		}
	}
	return out, nil
}

// retire ends an alert that is no longer active: a pending one is dropped, a firing one resolves.
func (e *Engine) retire(en *entry, now time.Time) Transition {
	from := en.alert.State
	if from == Pending {
		en.alert.State = ""
		return en.transition(from)
	}
	en.alert.State = Resolved
	en.alert.ResolvedAt = &now
	return en.transition(from)
}

func (en *entry) transition(from string) Transition {
	return Transition{Alert: en.alert.clone(), From: from, To: en.alert.State, Error: en.renderErr}
}

// cameBack records that fp starts a new episode at now and says whether it is flapping.
func (e *Engine) cameBack(fp string, now time.Time) bool {
	if !e.flap.enabled() {
		return false
	}
	t := e.flaps[fp]
	if t == nil || t.resolved.IsZero() || now.Sub(t.resolved) > e.flap.Window {
		return false
	}
	t.returns = append(e.recent(t.returns, now), now)
	return len(t.returns) >= e.flap.Flaps
}

func (e *Engine) track(fp string) *flapTrack {
	t := e.flaps[fp]
	if t == nil {
		t = &flapTrack{}
		e.flaps[fp] = t
	}
	return t
}

// recent keeps the times within the flap window of now.
func (e *Engine) recent(times []time.Time, now time.Time) []time.Time {
	return slices.DeleteFunc(times, func(t time.Time) bool { return now.Sub(t) > e.flap.Window })
}

// forgetFlaps drops what flap damping no longer needs: no resolution and no return within the window.
func (e *Engine) forgetFlaps(now time.Time) {
	for fp, t := range e.flaps {
		t.returns = e.recent(t.returns, now)
		if len(t.returns) == 0 && now.Sub(t.resolved) > e.flap.Window {
			delete(e.flaps, fp)
		}
	}
}

// Alerts returns the pending and firing alerts, most severe first (critical, warning, info, then
// any other), then by ActiveAt, then by fingerprint.
func (e *Engine) Alerts() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Alert
	for _, rs := range e.rules {
		for _, en := range rs.active {
			out = append(out, en.alert.clone())
		}
	}
	slices.SortFunc(out, func(a, b Alert) int {
		return cmp.Or(
			cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)),
			a.ActiveAt.Compare(b.ActiveAt),
			strings.Compare(a.Fingerprint, b.Fingerprint),
		)
	})
	return out
}

func severityRank(s string) int {
	switch strings.ToLower(s) {
	case "critical":
		return 0
	case "warning":
		return 1
	case "info":
		return 2
	}
	return 3
}

// clone copies the alert's maps and times, so that callers cannot change the engine's.
func (a Alert) clone() Alert {
	a.Labels = maps.Clone(a.Labels)
	a.Annotations = maps.Clone(a.Annotations)
	if a.FiredAt != nil {
		t := *a.FiredAt
		a.FiredAt = &t
	}
	if a.ResolvedAt != nil {
		t := *a.ResolvedAt
		a.ResolvedAt = &t
	}
	return a
}

// alertLabels is the series' labels without __name__, then the rule's labels, then alertname.
func alertLabels(r Rule, series map[string]string) map[string]string {
	m := make(map[string]string, len(series)+len(r.Labels)+1)
	for k, v := range series {
		if k != "__name__" {
			m[k] = v
		}
	}
	maps.Copy(m, r.Labels)
	m["alertname"] = r.Name
	return m
}

// fingerprint hashes labels (which hold alertname) in name order; the order of the map's
// insertion plays no part.
func fingerprint(labels map[string]string) string {
	h := sha256.New()
	for _, k := range sortedKeys(labels) {
		h.Write([]byte(k))
		h.Write([]byte{0xff})
		h.Write([]byte(labels[k]))
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// formatLabels writes labels as PromQL does: {a="1", b="2"}.
func formatLabels(labels map[string]string) string {
	parts := make([]string, 0, len(labels))
	for _, k := range sortedKeys(labels) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// render expands the rule's annotations for a series. An annotation whose template does not parse
// or fails keeps its raw text, and the failures are returned as one message.
func (rs *ruleState) render(series map[string]string, value float64) (map[string]string, string) {
	if len(rs.rule.Annotations) == 0 {
		return nil, ""
	}
	data := templateData{Labels: series, Value: value, ExternalLabels: map[string]string{}}
	out := make(map[string]string, len(rs.rule.Annotations))
	var errs []string
	for _, k := range sortedKeys(rs.rule.Annotations) {
		raw := rs.rule.Annotations[k]
		err := rs.tmplErr[k]
		if t := rs.tmpl[k]; t != nil {
			var b strings.Builder
			if err = t.Execute(&b, data); err == nil {
				out[k] = b.String()
				continue
			}
		}
		out[k] = raw
		if err != nil {
			errs = append(errs, fmt.Sprintf("annotation %q: %v", k, err))
		}
	}
	return out, strings.Join(errs, "; ")
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
