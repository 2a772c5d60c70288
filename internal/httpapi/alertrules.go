package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// RuleSet is the alert engine as the API sees it: the rules it runs now (from the rule files, from
// the API and built in), and a nudge after a rule managed through the API changed, so that this
// server's engine takes it up at once rather than at its next check.
type RuleSet interface {
	Rules() []alert.Rule
	Changed()
}

// EffectiveRule is one rule the alert engine runs now, wherever it is defined.
type EffectiveRule struct {
	Source        string            `json:"source" enum:"file,api,builtin" doc:"file: a rule file (serve --rules); api: managed under /alert-rules; builtin: Plenum's own"`
	File          string            `json:"file,omitempty" doc:"the rule file it is read from (source file)"`
	ID            int64             `json:"id,omitempty" doc:"its id under /alert-rules (source api)"`
	Where         string            `json:"where" doc:"where it is defined: the file, group and rule; the API rule; builtin"`
	Group         string            `json:"group"`
	Name          string            `json:"name"`
	Expr          string            `json:"expr" doc:"PromQL; empty for a built-in rule, which reads Plenum's own state"`
	For           float64           `json:"for" doc:"seconds an alert is pending before it fires"`
	KeepFiringFor float64           `json:"keep_firing_for" doc:"seconds a firing alert is held after its series has gone"`
	Severity      string            `json:"severity"`
	Labels        map[string]string `json:"labels"`
	Annotations   map[string]string `json:"annotations"`
}

type effectiveInput struct {
	Source string `query:"source" enum:"file,api,builtin" doc:"only the rules from there"`
}

// ruleResource is the alert rules' store resource, nudging the engine after every write that
// succeeded (a failed one wrote nothing).
type ruleResource struct {
	store.Resource[dcim.AlertRule]
	changed func()
}

var _ Resource[dcim.AlertRule] = ruleResource{}

func (r ruleResource) done(err error) {
	if err == nil && r.changed != nil {
		r.changed()
	}
}

func (r ruleResource) Create(ctx context.Context, v dcim.AlertRule) (dcim.AlertRule, error) {
	out, err := r.Resource.Create(ctx, v)
	r.done(err)
	return out, err
}

func (r ruleResource) Update(ctx context.Context, id int64, v dcim.AlertRule) (dcim.AlertRule, error) {
	out, err := r.Resource.Update(ctx, id, v)
	r.done(err)
	return out, err
}

func (r ruleResource) Patch(ctx context.Context, id int64, patch map[string]json.RawMessage) (dcim.AlertRule, error) {
	out, err := r.Resource.Patch(ctx, id, patch)
	r.done(err)
	return out, err
}

func (r ruleResource) Delete(ctx context.Context, id int64) error {
	err := r.Resource.Delete(ctx, id)
	r.done(err)
	return err
}

func (r ruleResource) BulkCreate(ctx context.Context, vs []dcim.AlertRule) ([]dcim.AlertRule, error) {
	out, err := r.Resource.BulkCreate(ctx, vs)
	r.done(err)
	return out, err
}

func (r ruleResource) BulkPatch(ctx context.Context, patches []map[string]json.RawMessage) ([]dcim.AlertRule, error) {
	out, err := r.Resource.BulkPatch(ctx, patches)
	r.done(err)
	return out, err
}

func (r ruleResource) BulkDelete(ctx context.Context, ids []int64) error {
	err := r.Resource.BulkDelete(ctx, ids)
	r.done(err)
	return err
}

// registerAlertRules adds the alert rules managed through the API (a generic resource) and the
// list of the rules the engine runs now, from everywhere. rules is nil where no engine runs (then
// the list holds the enabled rules of the API only).
func registerAlertRules(api huma.API, s *store.Store, rules RuleSet) {
	r := ruleResource{Resource: s.AlertRules()}
	if rules != nil {
		r.changed = rules.Changed
	}
	register(api, Prefix+"/alert-rules", "alert-rules", Resource[dcim.AlertRule](r))
	huma.Register(api, huma.Operation{
		OperationID: "list-effective-alert-rules", Method: http.MethodGet, Path: Prefix + "/alert-rules/effective", Tags: []string{"alert-rules"},
		Summary:     "The rules the alert engine runs now: from the rule files, from the API (enabled) and built in",
		Description: "Read-only; a rule managed through the API shows here once the engine has taken it up (at once on this server, within a check interval on the others).",
	}, func(ctx context.Context, in *effectiveInput) (*bodyOutput[ListBody[EffectiveRule]], error) {
		var running []alert.Rule
		if rules != nil {
			running = rules.Rules()
		} else {
			defs, err := s.EnabledAlertRules(ctx)
			if err != nil {
				return nil, problem(err)
			}
			for _, d := range defs {
				running = append(running, alert.RuleOf(d))
			}
		}
		out := []EffectiveRule{}
		for _, r := range running {
			e := Effective(r)
			if in.Source == "" || e.Source == in.Source {
				out = append(out, e)
			}
		}
		return &bodyOutput[ListBody[EffectiveRule]]{Body: ListBody[EffectiveRule]{Count: len(out), Results: out}}, nil
	})
}

// Effective is how the API shows a rule the engine runs.
func Effective(r alert.Rule) EffectiveRule {
	e := EffectiveRule{Source: r.Origin(), File: r.File, ID: r.ID, Where: r.Source, Group: r.Group, Name: r.Name, Expr: r.Expr,
		For: r.For.Seconds(), KeepFiringFor: r.KeepFiringFor.Seconds(), Severity: r.Severity, Labels: r.Labels, Annotations: r.Annotations}
	if e.Severity == "" {
		e.Severity = r.Labels["severity"]
	}
	if e.Severity == "" {
		e.Severity = alert.DefaultSeverity
	}
	if e.Labels == nil {
		e.Labels = map[string]string{}
	}
	if e.Annotations == nil {
		e.Annotations = map[string]string{}
	}
	return e
}
