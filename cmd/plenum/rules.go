package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/httpapi"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
)

// ruleSet is the alert engine's rules: the rule files' and the built-in ones, fixed at start, and
// those managed through the API, read from the database at start and again whenever they change:
// at once when this server's API changed them (Changed), otherwise at the next check, a few seconds
// on, which also brings the changes made through another server sharing the database.
type ruleSet struct {
	engine *alert.Engine
	st     *store.Store
	static []alert.Rule // the files' and the built-in ones
	logger *slog.Logger
	nudge  chan struct{}

	mu      sync.Mutex
	loaded  bool
	version string       // the store's AlertRulesVersion when last read
	current []alert.Rule // what the engine runs
}

var _ httpapi.RuleSet = (*ruleSet)(nil)

// newRuleSet reads the API's rules and gives the engine them with static; a database that cannot
// be read stops the start.
func newRuleSet(ctx context.Context, engine *alert.Engine, st *store.Store, static []alert.Rule, logger *slog.Logger) (*ruleSet, error) {
	rs := &ruleSet{engine: engine, st: st, static: slices.Clip(static), logger: logger, nudge: make(chan struct{}, 1)}
	if err := rs.reload(ctx); err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	return rs, nil
}

// Rules are the rules the engine runs now: the files', the API's (enabled), the built-in ones.
func (rs *ruleSet) Rules() []alert.Rule {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return slices.Clone(rs.current)
}

// Changed says a rule managed through the API changed; it never blocks.
func (rs *ruleSet) Changed() {
	select {
	case rs.nudge <- struct{}{}:
	default: // a reload is already due
	}
}

// checkEvery is how often the database's rules are checked for changes: as often as they are
// evaluated, and at least every 5 s.
func checkEvery(interval time.Duration) time.Duration {
	if interval <= 0 || interval > 5*time.Second {
		return 5 * time.Second
	}
	return interval
}

// watch reloads the API's rules on a nudge and at every check until ctx ends, in a goroutine of its
// own; the channel closes when it has stopped. report gets what went wrong.
func (rs *ruleSet) watch(ctx context.Context, interval time.Duration, report func(error)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(checkEvery(interval))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-rs.nudge:
			}
			if err := rs.reload(ctx); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}()
	return done
}

// reload reads the API's rules again when their version has moved, and gives the engine the whole
// set (it keeps the alerts of the rules that stay). The version is read first: a change landing
// between the two reads is read now and again at the next check, never missed.
func (rs *ruleSet) reload(ctx context.Context) error {
	version, err := rs.st.AlertRulesVersion(ctx)
	if err != nil {
		return err
	}
	rs.mu.Lock()
	same := rs.loaded && version == rs.version
	rs.mu.Unlock()
	if same {
		return nil
	}
	defs, err := rs.st.EnabledAlertRules(ctx)
	if err != nil {
		return err
	}
	set := combineRules(rs.static, defs, rs.logger)
	rs.engine.SetRules(set)
	rs.mu.Lock()
	rs.version, rs.current, rs.loaded = version, set, true
	rs.mu.Unlock()
	return nil
}

// combineRules is static (the files' and the built-in rules) followed by the API's enabled rules.
// A stored rule that takes a built-in rule's name, or no longer passes the checks (a later Plenum
// checks more), is left out and logged, so that one rule cannot stop the others.
func combineRules(static []alert.Rule, defs []dcim.AlertRule, logger *slog.Logger) []alert.Rule {
	builtin := map[string]bool{}
	for _, r := range static {
		if r.Origin() == "builtin" {
			builtin[r.Name] = true
		}
	}
	set := slices.Clone(static)
	for _, d := range defs {
		r := alert.RuleOf(d)
		if builtin[r.Name] {
			logger.Warn("alert rule left out: a built-in rule has its name", "id", d.ID, "name", d.Name)
			continue
		}
		if err := r.Check(); err != nil {
			logger.Warn("alert rule left out", "id", d.ID, "name", d.Name, "error", err)
			continue
		}
		set = append(set, r)
	}
	return set
}

// definition is what a rule file's rule becomes when it is imported into the API: its severity
// apart, its durations in whole seconds.
func definition(r alert.Rule) (dcim.AlertRule, error) {
	if r.For%time.Second != 0 || r.KeepFiringFor%time.Second != 0 {
		return dcim.AlertRule{}, fmt.Errorf("%s, %q: for and keep_firing_for must be whole seconds to be imported", r.Source, r.Name)
	}
	labels := make(map[string]string, len(r.Labels))
	for k, v := range r.Labels {
		if k != "severity" {
			labels[k] = v
		}
	}
	enabled := true
	return dcim.AlertRule{Name: r.Name, Group: r.Group, Expr: r.Expr, For: int64(r.For / time.Second),
		KeepFiringFor: int64(r.KeepFiringFor / time.Second), Severity: r.Severity, Labels: labels, Annotations: r.Annotations,
		Enabled: &enabled, Description: "imported from " + r.Source}, nil
}

// alertRulesCommand is `plenum alerts rules`: the rules a server with the same rule files runs, and
// `add`, which imports a rule file into the database to be managed through the API from then on.
func alertRulesCommand() *cli.Command {
	return &cli.Command{
		Name: "rules",
		Usage: "list the alert rules a server runs: from its rule files (--rules, as serve's), from the API (the database's enabled ones), " +
			"built in (works on the database directly)",
		Flags: append(dataFlags(),
			&cli.StringSliceFlag{Name: "rules", Usage: "the rule files the server is given (paths or globs), as serve --rules", Sources: cli.EnvVars("PLENUM_RULES")},
			&cli.StringFlag{Name: "source", Usage: "only the rules from there: file, api or builtin"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON, as GET /api/v1/alert-rules/effective"},
		),
		Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
			static, err := loadRules(cmd.StringSlice("rules"))
			if err != nil {
				return fmt.Errorf("alerts rules: %w", err)
			}
			static = append(static, knownBuiltins(st)...)
			defs, err := st.EnabledAlertRules(ctx)
			if err != nil {
				return fmt.Errorf("alerts rules: %w", err)
			}
			source := cmd.String("source")
			if source != "" && !slices.Contains([]string{"file", "api", "builtin"}, source) {
				return fmt.Errorf("alerts rules: --source %q: want file, api or builtin", source)
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			out := []httpapi.EffectiveRule{}
			for _, r := range combineRules(static, defs, logger) {
				if e := httpapi.Effective(r); source == "" || e.Source == source {
					out = append(out, e)
				}
			}
			if cmd.Bool("json") {
				enc := json.NewEncoder(cmd.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			fmt.Fprintf(cmd.Writer, "%-8s %-9s %-8s %-28s %-12s %s\n", "SOURCE", "SEVERITY", "FOR", "NAME", "GROUP", "WHERE")
			for _, e := range out {
				fmt.Fprintf(cmd.Writer, "%-8s %-9s %-8s %-28s %-12s %s\n", e.Source, e.Severity,
					time.Duration(e.For*float64(time.Second)), e.Name, e.Group, e.Where)
			}
			fmt.Fprintf(cmd.Writer, "%d rule(s)\n", len(out))
			return nil
		}),
		Commands: []*cli.Command{{
			Name: "add",
			Usage: "import a Prometheus rule file's alerting rules into the database, all or none, to manage them through the API " +
				"(/api/v1/alert-rules); running servers take them up within seconds",
			Flags: append(dataFlags(),
				&cli.StringFlag{Name: "file", Usage: "the rule file", Required: true},
				&cli.BoolFlag{Name: "disabled", Usage: "import them disabled (kept, not evaluated)"},
				&cli.StringFlag{Name: "as", Value: "cli", Usage: "who imports them (recorded in the change log)"},
			),
			Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
				file := cmd.String("file")
				data, err := os.ReadFile(file)
				if err != nil {
					return fmt.Errorf("alerts rules add: %w", err)
				}
				rules, err := alert.ParseRuleFile(file, data)
				if err != nil {
					return fmt.Errorf("alerts rules add: %w", err)
				}
				defs := make([]dcim.AlertRule, len(rules))
				for i, r := range rules {
					if defs[i], err = definition(r); err != nil {
						return fmt.Errorf("alerts rules add: %w", err)
					}
					if cmd.Bool("disabled") {
						*defs[i].Enabled = false
					}
				}
				ctx = dcim.WithActor(ctx, dcim.Actor{Name: "cli:" + cmd.String("as"), Role: dcim.RoleAdmin, CanWrite: true})
				created, err := st.AlertRules().BulkCreate(ctx, defs)
				if err != nil {
					return fmt.Errorf("alerts rules add: %s: nothing imported: %w", file, whichRule(err, rules))
				}
				for _, d := range created {
					fmt.Fprintf(cmd.Writer, "%d\t%s\t%s\n", d.ID, d.Group, d.Name)
				}
				fmt.Fprintf(cmd.Writer, "%d rule(s) imported from %s\n", len(created), file)
				return nil
			}),
		}},
	}
}

// knownBuiltins are the built-in rules as a server makes them (what they read is not read here),
// and bare, any other of alert.BuiltinNames (one that needs what only a server has, its time
// series).
func knownBuiltins(st *store.Store) []alert.Rule {
	rules := builtinRules(st, nil, power.NewService(st, nil), func() []collect.Health { return nil }, 0, 0)
	for _, n := range alert.BuiltinNames {
		if !slices.ContainsFunc(rules, func(r alert.Rule) bool { return r.Name == n }) {
			rules = append(rules, alert.Rule{Group: "plenum", Name: n, Source: "builtin"})
		}
	}
	return rules
}

// whichRule names the rule of the file behind each field of a bulk create's error ("[2].name").
func whichRule(err error, rules []alert.Rule) error {
	e := dcim.AsError(err)
	if e == nil {
		return err
	}
	var msgs []string
	for _, f := range e.Fields {
		var i int
		var field string
		if n, _ := fmt.Sscanf(f.Field, "[%d].", &i); n == 1 && i >= 0 && i < len(rules) {
			field = f.Field[strings.Index(f.Field, ".")+1:]
			msgs = append(msgs, fmt.Sprintf("%s, %q: %s: %s", rules[i].Source, rules[i].Name, field, f.Message))
		} else {
			msgs = append(msgs, f.Field+": "+f.Message)
		}
	}
	if len(msgs) == 0 {
		return err
	}
	return errors.New(strings.Join(msgs, "; "))
}
