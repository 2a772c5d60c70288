package alert

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// script is a fake Querier: each expression answers what the test last set for it, or its error.
type script struct {
	mu      sync.Mutex
	samples map[string][]Sample
	errs    map[string]error
	calls   []string
}

func newScript() *script {
	return &script{samples: map[string][]Sample{}, errs: map[string]error{}}
}

// set scripts what expr returns from now on (nothing: no series).
func (s *script) set(expr string, samples ...Sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples[expr] = samples
	delete(s.errs, expr)
}

// fail makes expr's query fail from now on.
func (s *script) fail(expr string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs[expr] = err
}

func (s *script) query(_ context.Context, expr string, _ time.Time) ([]Sample, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, expr)
	if err := s.errs[expr]; err != nil {
		return nil, err
	}
	return s.samples[expr], nil
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func series(value float64, kv ...string) Sample {
	s := Sample{Labels: map[string]string{}, Value: value}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Labels[kv[i]] = kv[i+1]
	}
	return s
}

// eval runs one cycle that must not fail.
func eval(t *testing.T, e *Engine, q *script, now time.Time) []Transition {
	t.Helper()
	tr, err := e.Eval(context.Background(), q.query, now)
	if err != nil {
		t.Fatalf("Eval at %s: %v", now.Sub(t0), err)
	}
	return tr
}

// moves writes transitions as "rule from→to" lines, "" shown as "-", for comparing.
func moves(trs []Transition) string {
	var b strings.Builder
	for _, tr := range trs {
		from, to := cmpOr(tr.From, "-"), cmpOr(tr.To, "-")
		fmt.Fprintf(&b, "%s %s→%s;", tr.Alert.Rule, from, to)
	}
	return b.String()
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func wantMoves(t *testing.T, when string, got []Transition, want string) {
	t.Helper()
	if m := moves(got); m != want {
		t.Fatalf("%s: transitions %q, want %q", when, m, want)
	}
}

// only is the one active alert, which must exist.
func only(t *testing.T, e *Engine) Alert {
	t.Helper()
	as := e.Alerts()
	if len(as) != 1 {
		t.Fatalf("%d alerts, want 1: %+v", len(as), as)
	}
	return as[0]
}

func TestForIsExact(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "InletHot", Expr: "hot", For: 5 * time.Minute}}, FlapPolicy{})
	q.set("hot", series(30, "__name__", "inlet", "rack", "A1"))

	wantMoves(t, "t0", eval(t, e, q, at(0)), "InletHot -→pending;")
	a := only(t, e)
	if a.State != Pending || !a.ActiveAt.Equal(t0) || a.FiredAt != nil || a.LastValue != 30 {
		t.Fatalf("at t0: %+v", a)
	}
	if a.Labels["rack"] != "A1" || a.Labels["alertname"] != "InletHot" || a.Labels["__name__"] != "" {
		t.Fatalf("labels %v", a.Labels)
	}
	if a.Severity != "warning" {
		t.Fatalf("severity %q, want the default warning", a.Severity)
	}

	wantMoves(t, "For-1s", eval(t, e, q, at(5*time.Minute-time.Second)), "")
	if a := only(t, e); a.State != Pending {
		t.Fatalf("at For-1s: %s", a.State)
	}

	tr := eval(t, e, q, at(5*time.Minute))
	wantMoves(t, "For", tr, "InletHot pending→firing;")
	a = only(t, e)
	if a.State != Firing || !a.ActiveAt.Equal(t0) || a.FiredAt == nil || !a.FiredAt.Equal(at(5*time.Minute)) {
		t.Fatalf("at For: %+v", a)
	}
	if tr[0].Alert.Fingerprint != a.Fingerprint || tr[0].Alert.State != Firing {
		t.Fatalf("transition's alert %+v", tr[0].Alert)
	}
	wantMoves(t, "after For", eval(t, e, q, at(6*time.Minute)), "")
}

func TestForZeroFiresAtOnce(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "Down", Expr: "down"}}, FlapPolicy{})
	q.set("down", series(0, "host", "pdu1"))
	wantMoves(t, "t0", eval(t, e, q, at(0)), "Down -→firing;")
	if a := only(t, e); a.State != Firing || !a.FiredAt.Equal(t0) || !a.ActiveAt.Equal(t0) {
		t.Fatalf("%+v", a)
	}
}

func TestResolveAndNewEpisode(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "Down", Expr: "down"}}, FlapPolicy{})
	q.set("down", series(0, "host", "pdu1"))
	eval(t, e, q, at(0))
	fp := only(t, e).Fingerprint

	q.set("down")
	tr := eval(t, e, q, at(time.Minute))
	wantMoves(t, "absent", tr, "Down firing→resolved;")
	r := tr[0].Alert
	if r.State != Resolved || r.ResolvedAt == nil || !r.ResolvedAt.Equal(at(time.Minute)) || !r.FiredAt.Equal(t0) || r.Fingerprint != fp {
		t.Fatalf("resolved alert %+v", r)
	}
	if as := e.Alerts(); len(as) != 0 {
		t.Fatalf("resolved alert still listed: %+v", as)
	}
	wantMoves(t, "still absent", eval(t, e, q, at(2*time.Minute)), "")

	q.set("down", series(0, "host", "pdu1"))
	wantMoves(t, "back", eval(t, e, q, at(3*time.Minute)), "Down -→firing;")
	if a := only(t, e); a.Fingerprint != fp || !a.ActiveAt.Equal(at(3*time.Minute)) || a.ResolvedAt != nil || a.Flapping {
		t.Fatalf("new episode %+v", a)
	}
}

func TestPendingIsDropped(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "Hot", Expr: "hot", For: 5 * time.Minute}}, FlapPolicy{})
	q.set("hot", series(30, "rack", "A1"))
	eval(t, e, q, at(0))
	q.set("hot")
	tr := eval(t, e, q, at(time.Minute))
	wantMoves(t, "absent while pending", tr, "Hot pending→-;")
	if a := tr[0].Alert; a.State != "" || a.ResolvedAt != nil || a.FiredAt != nil {
		t.Fatalf("dropped alert %+v", a)
	}
	if as := e.Alerts(); len(as) != 0 {
		t.Fatalf("dropped alert still listed: %+v", as)
	}
	// Back: pending again, For counted from the new ActiveAt.
	q.set("hot", series(30, "rack", "A1"))
	wantMoves(t, "back", eval(t, e, q, at(2*time.Minute)), "Hot -→pending;")
	wantMoves(t, "5m after t0", eval(t, e, q, at(5*time.Minute)), "")
	wantMoves(t, "5m after back", eval(t, e, q, at(7*time.Minute)), "Hot pending→firing;")
}

func TestKeepFiringFor(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "Down", Expr: "down", KeepFiringFor: 3 * time.Minute}}, FlapPolicy{})
	q.set("down", series(0, "host", "pdu1"))
	eval(t, e, q, at(0))

	// Absent from t1: held until it has been absent for 3m, counted from t1.
	q.set("down")
	for m := 1; m <= 3; m++ {
		wantMoves(t, fmt.Sprintf("t%d", m), eval(t, e, q, at(time.Duration(m)*time.Minute)), "")
		if a := only(t, e); a.State != Firing {
			t.Fatalf("t%d: %s", m, a.State)
		}
	}
	wantMoves(t, "t4", eval(t, e, q, at(4*time.Minute)), "Down firing→resolved;")

	// Back while held: the same episode goes on, and the hold starts over at the next absence.
	q.set("down", series(0, "host", "pdu1"))
	eval(t, e, q, at(10*time.Minute))
	q.set("down")
	eval(t, e, q, at(11*time.Minute))
	eval(t, e, q, at(12*time.Minute))
	q.set("down", series(0, "host", "pdu1"))
	wantMoves(t, "back while held", eval(t, e, q, at(13*time.Minute)), "")
	q.set("down")
	for m := 14; m <= 16; m++ {
		wantMoves(t, fmt.Sprintf("t%d", m), eval(t, e, q, at(time.Duration(m)*time.Minute)), "")
	}
	if a := only(t, e); !a.ActiveAt.Equal(at(10 * time.Minute)) {
		t.Fatalf("episode restarted: %+v", a)
	}
	wantMoves(t, "t17", eval(t, e, q, at(17*time.Minute)), "Down firing→resolved;")
}

func TestQueryErrorKeepsState(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{
		{Name: "A", Expr: "a", Source: "builtin"},
		{Name: "B", Expr: "b"},
		{Name: "C", Expr: "c", For: 2 * time.Minute},
	}, FlapPolicy{})
	q.set("a", series(1, "x", "1"))
	q.set("b", series(1, "x", "1"))
	q.set("c", series(1, "x", "1"))
	eval(t, e, q, at(0))

	// A's query fails and C's has a result no longer: B still evaluates, A keeps firing.
	boom := errors.New("connection refused")
	q.fail("a", boom)
	q.set("b")
	q.fail("c", boom)
	tr, err := e.Eval(context.Background(), q.query, at(time.Minute))
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `rule "A" (builtin): query "a"`) || !strings.Contains(err.Error(), `rule "C"`) {
		t.Fatalf("error %v", err)
	}
	wantMoves(t, "A and C failing", tr, "B firing→resolved;")
	states := map[string]string{}
	for _, a := range e.Alerts() {
		states[a.Rule] = a.State
	}
	if len(states) != 2 || states["A"] != Firing || states["C"] != Pending {
		t.Fatalf("states %v", states)
	}

	// A pending alert whose query failed when its For elapsed fires at the next good cycle.
	q.set("a")
	q.set("c", series(1, "x", "1"))
	wantMoves(t, "recovered", eval(t, e, q, at(2*time.Minute)), "A firing→resolved;C pending→firing;")
}

func TestDuplicateSeriesIsAnError(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "Hot", Expr: "hot", Labels: map[string]string{"severity": "critical"}}}, FlapPolicy{})
	q.set("hot", series(1, "rack", "A1"))
	eval(t, e, q, at(0))
	// Two series that differ only by a label the rule overrides.
	q.set("hot", series(1, "rack", "A1", "severity", "low"), series(2, "rack", "A1", "severity", "high"))
	tr, err := e.Eval(context.Background(), q.query, at(time.Minute))
	if err == nil || !strings.Contains(err.Error(), `rule "Hot"`) || !strings.Contains(err.Error(), `rack="A1"`) {
		t.Fatalf("error %v", err)
	}
	if len(tr) != 0 || only(t, e).State != Firing {
		t.Fatalf("state changed: %v %+v", moves(tr), e.Alerts())
	}
}

func TestCanceledContextKeepsState(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "A", Expr: "a"}}, FlapPolicy{})
	q.set("a", series(1))
	eval(t, e, q, at(0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q.set("a")
	tr, err := e.Eval(ctx, q.query, at(time.Minute))
	if !errors.Is(err, context.Canceled) || len(tr) != 0 || only(t, e).State != Firing {
		t.Fatalf("err %v, transitions %v", err, moves(tr))
	}
}

func TestFlapDamping(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "Flappy", Expr: "f"}}, FlapPolicy{Flaps: 3, Window: 10 * time.Minute})
	up := series(1, "port", "7")

	// Toggling every minute: present at even minutes, absent at odd ones.
	want := map[int]string{
		0: "Flappy -→firing;",
		1: "Flappy firing→resolved;",
		2: "Flappy -→firing;", // back once
		3: "Flappy firing→resolved;",
		4: "Flappy -→firing;", // twice
		5: "Flappy firing→resolved;",
		6: "Flappy -→firing;", // three times within 10m: flapping, held from now on
	}
	for m := 0; m <= 20; m++ {
		if m%2 == 0 {
			q.set("f", up)
		} else {
			q.set("f")
		}
		tr := eval(t, e, q, at(time.Duration(m)*time.Minute))
		wantMoves(t, fmt.Sprintf("t%d", m), tr, want[m])
		if m == 4 && tr[0].Alert.Flapping {
			t.Fatal("flapping after two returns")
		}
		if m >= 6 {
			a := only(t, e)
			if a.State != Firing || !a.Flapping || !a.ActiveAt.Equal(at(6*time.Minute)) {
				t.Fatalf("t%d: %+v", m, a)
			}
		}
	}
	// Quiet from t21: still held at t30 (9 quiet cycles), resolved at t31 (clear for 10m).
	q.set("f")
	for m := 21; m <= 30; m++ {
		wantMoves(t, fmt.Sprintf("t%d", m), eval(t, e, q, at(time.Duration(m)*time.Minute)), "")
	}
	tr := eval(t, e, q, at(31*time.Minute))
	wantMoves(t, "t31", tr, "Flappy firing→resolved;")
	if a := tr[0].Alert; !a.Flapping || !a.ResolvedAt.Equal(at(31*time.Minute)) {
		t.Fatalf("resolution %+v", a)
	}

	// Back after the quiet window: an ordinary new episode, counting flaps afresh.
	q.set("f", up)
	tr = eval(t, e, q, at(32*time.Minute))
	wantMoves(t, "t32", tr, "Flappy -→firing;")
	if tr[0].Alert.Flapping {
		t.Fatal("flapping after a quiet window")
	}
	q.set("f")
	wantMoves(t, "t33", eval(t, e, q, at(33*time.Minute)), "Flappy firing→resolved;")
}

func TestFlapReturnsOutsideWindowDoNotCount(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "Slow", Expr: "s"}}, FlapPolicy{Flaps: 2, Window: 10 * time.Minute})
	// Present 1 minute, absent 11: every return comes more than a window after the resolution.
	for i := range 5 {
		start := time.Duration(i*12) * time.Minute
		q.set("s", series(1))
		if tr := eval(t, e, q, t0.Add(start)); tr[0].Alert.Flapping {
			t.Fatalf("episode %d flapping", i)
		}
		q.set("s")
		wantMoves(t, fmt.Sprintf("episode %d", i), eval(t, e, q, t0.Add(start+time.Minute)), "Slow firing→resolved;")
	}
	if len(e.flaps) != 1 {
		t.Fatalf("flap tracks %d", len(e.flaps))
	}
	eval(t, e, q, at(2*time.Hour))
	if len(e.flaps) != 0 {
		t.Fatal("flap track kept after its window")
	}
}

func TestAnnotations(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{
		Name: "Hot",
		Expr: "hot",
		Annotations: map[string]string{
			"summary":     "Rack {{ $labels.rack }} inlet at {{ $value }} °C",
			"power":       "{{ humanize $value }}W, {{ $labels.missing }}.",
			"ratio":       "{{ humanizePercentage 0.8567 }} / {{ humanizeDuration 90 }} / {{ toUpper $labels.rack }}",
			"description": "literal text",
		},
	}}, FlapPolicy{})
	q.set("hot", series(1234.5, "rack", "a1"))
	tr := eval(t, e, q, at(0))
	if tr[0].Error != "" {
		t.Fatal(tr[0].Error)
	}
	want := map[string]string{
		"summary":     "Rack a1 inlet at 1234.5 °C",
		"power":       "1.234kW, .",
		"ratio":       "85.67% / 1m30s / A1",
		"description": "literal text",
	}
	for k, v := range want {
		if got := tr[0].Alert.Annotations[k]; got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	// Rendered again each cycle with the new value.
	q.set("hot", series(28, "rack", "a1"))
	eval(t, e, q, at(time.Minute))
	if a := only(t, e); a.Annotations["summary"] != "Rack a1 inlet at 28 °C" || a.LastValue != 28 {
		t.Fatalf("%+v", a)
	}
}

func TestBadTemplateKeepsRawText(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{
		Name: "Hot",
		Expr: "hot",
		Annotations: map[string]string{
			"summary": "Rack {{ $labels.rack | nope }}", // does not parse
			"value":   "{{ humanize $labels.rack }}",    // fails when run: not a number
			"fine":    "{{ $labels.rack }} is fine",
		},
	}}, FlapPolicy{})
	q.set("hot", series(1, "rack", "a1"))
	tr := eval(t, e, q, at(0))
	a := tr[0].Alert
	if a.Annotations["summary"] != "Rack {{ $labels.rack | nope }}" || a.Annotations["value"] != "{{ humanize $labels.rack }}" || a.Annotations["fine"] != "a1 is fine" {
		t.Fatalf("annotations %v", a.Annotations)
	}
	for _, want := range []string{`annotation "summary"`, `function "nope" not defined`, `annotation "value"`, `"a1" is not a number`} {
		if !strings.Contains(tr[0].Error, want) {
			t.Errorf("error %q lacks %q", tr[0].Error, want)
		}
	}
	q.set("hot")
	if tr := eval(t, e, q, at(time.Minute)); tr[0].Error == "" {
		t.Error("resolution does not carry the template error")
	}
}

func TestSetRules(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{
		{Name: "Keep", Expr: "k", Labels: map[string]string{"severity": "critical"}},
		{Name: "Gone", Expr: "g"},
		{Name: "GonePending", Expr: "p", For: time.Hour},
		{Name: "Relabel", Expr: "r", Labels: map[string]string{"team": "a"}},
	}, FlapPolicy{})
	for _, x := range []string{"k", "g", "p", "r"} {
		q.set(x, series(1, "rack", "A1"))
	}
	q.set("k2", series(1, "rack", "A1"))
	eval(t, e, q, at(0))
	before := map[string]Alert{}
	for _, a := range e.Alerts() {
		before[a.Rule] = a
	}

	// Keep gets a new expression and annotations; Relabel a new label; the others go.
	e.SetRules([]Rule{
		{Name: "Keep", Expr: "k2", Labels: map[string]string{"severity": "critical"}, Annotations: map[string]string{"s": "{{ $value }}"}},
		{Name: "Relabel", Expr: "r", Labels: map[string]string{"team": "b"}},
		{Name: "New", Expr: "n"},
	})
	as := e.Alerts()
	if len(as) != 1 || as[0].Rule != "Keep" || as[0].Fingerprint != before["Keep"].Fingerprint || as[0].State != Firing {
		t.Fatalf("after SetRules: %+v", as)
	}
	q.calls = nil
	tr := eval(t, e, q, at(time.Minute))
	if want := []string{"k2", "r", "n"}; !slices.Equal(q.calls, want) {
		t.Errorf("queried %q, want %q", q.calls, want)
	}
	got := map[string]bool{}
	for _, x := range strings.Split(moves(tr), ";") {
		got[x] = true
	}
	for _, want := range []string{"Gone firing→resolved", "GonePending pending→-", "Relabel firing→resolved", "Relabel -→firing"} {
		if !got[want] {
			t.Errorf("no %q in %q", want, moves(tr))
		}
	}
	if len(tr) != 4 {
		t.Errorf("transitions %q", moves(tr))
	}
	for _, a := range e.Alerts() {
		switch a.Rule {
		case "Keep":
			if !a.ActiveAt.Equal(t0) || !a.FiredAt.Equal(t0) || a.Annotations["s"] != "1" {
				t.Errorf("Keep lost its state: %+v", a)
			}
		case "Relabel":
			if a.Labels["team"] != "b" || a.Fingerprint == before["Relabel"].Fingerprint {
				t.Errorf("Relabel %+v", a)
			}
		default:
			t.Errorf("unexpected %+v", a)
		}
	}
}

func TestDuplicateNamesKeepTheirOwnState(t *testing.T) {
	q := newScript()
	warn := Rule{Name: "Hot", Expr: "warm", For: time.Minute, Labels: map[string]string{"severity": "warning"}}
	crit := Rule{Name: "Hot", Expr: "hot", Labels: map[string]string{"severity": "critical"}}
	e := NewEngine([]Rule{warn, crit}, FlapPolicy{})
	q.set("warm", series(30, "rack", "A1"))
	q.set("hot", series(33, "rack", "A1"))
	eval(t, e, q, at(0))
	as := e.Alerts()
	if len(as) != 2 || as[0].Severity != "critical" || as[0].State != Firing || as[1].Severity != "warning" || as[1].State != Pending || as[0].Fingerprint == as[1].Fingerprint {
		t.Fatalf("%+v", as)
	}
	// Swapped in the file: each keeps its own alerts.
	e.SetRules([]Rule{crit, warn})
	wantMoves(t, "after swap", eval(t, e, q, at(time.Minute)), "Hot pending→firing;")
}

func TestFingerprints(t *testing.T) {
	r := Rule{Name: "Hot", Labels: map[string]string{"severity": "critical"}}
	a := alertLabels(r, map[string]string{"__name__": "inlet", "site": "ams1", "rack": "A1"})
	b := map[string]string{}
	for _, k := range []string{"alertname", "rack", "site", "severity"} { // another insertion order
		b[k] = a[k]
	}
	if fingerprint(a) != fingerprint(b) {
		t.Fatal("fingerprint depends on the labels' order")
	}
	// Stable across releases: the store keeps it.
	if got := fingerprint(a); got != "4c60d7009a8413b0" {
		t.Fatalf("fingerprint %s changed", got)
	}
	// Distinct across rules, and across labels that concatenate alike.
	other := alertLabels(Rule{Name: "Cold", Labels: r.Labels}, map[string]string{"site": "ams1", "rack": "A1"})
	if fingerprint(a) == fingerprint(other) {
		t.Fatal("two rules, one fingerprint")
	}
	if fingerprint(map[string]string{"a": "bc"}) == fingerprint(map[string]string{"ab": "c"}) {
		t.Fatal("ambiguous encoding")
	}

	q := newScript()
	e := NewEngine([]Rule{{Name: "Hot", Expr: "x"}, {Name: "Cold", Expr: "x"}}, FlapPolicy{})
	q.set("x", series(1, "rack", "A1"))
	eval(t, e, q, at(0))
	as := e.Alerts()
	if len(as) != 2 || as[0].Fingerprint == as[1].Fingerprint {
		t.Fatalf("%+v", as)
	}
}

func TestAlertsOrder(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{
		{Name: "Info", Expr: "i", Severity: "info"},
		{Name: "Page", Expr: "p", Labels: map[string]string{"severity": "critical"}},
		{Name: "Odd", Expr: "o", Severity: "debug"},
		{Name: "Warn", Expr: "w"},
		{Name: "Late", Expr: "l", Severity: "critical"},
	}, FlapPolicy{})
	for _, x := range []string{"i", "p", "o", "w"} {
		q.set(x, series(1, "n", "1"), series(1, "n", "2"))
	}
	eval(t, e, q, at(0))
	q.set("l", series(1))
	eval(t, e, q, at(time.Minute))
	var got []string
	for i, a := range e.Alerts() {
		got = append(got, a.Rule)
		if i > 0 && got[i-1] == a.Rule && a.Fingerprint < e.Alerts()[i-1].Fingerprint {
			t.Error("ties not by fingerprint")
		}
	}
	if s := strings.Join(got, " "); s != "Page Page Late Warn Warn Info Info Odd Odd" {
		t.Fatalf("order %s", s)
	}
}

func TestAlertsAreCopies(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "A", Expr: "a"}}, FlapPolicy{})
	q.set("a", series(1, "x", "1"))
	tr := eval(t, e, q, at(0))
	tr[0].Alert.Labels["x"] = "changed"
	a := only(t, e)
	a.Labels["x"] = "changed"
	*a.FiredAt = time.Time{}
	if b := only(t, e); b.Labels["x"] != "1" || !b.FiredAt.Equal(t0) {
		t.Fatalf("engine's alert changed through a copy: %+v", b)
	}
}

func TestConcurrentUse(t *testing.T) {
	q := newScript()
	e := NewEngine([]Rule{{Name: "A", Expr: "a"}}, FlapPolicy{Flaps: 2, Window: time.Minute})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			if i%2 == 0 {
				q.set("a", series(1))
			} else {
				q.set("a")
			}
			e.Eval(context.Background(), q.query, at(time.Duration(i)*time.Second))
		}
	})
	wg.Go(func() {
		for range 200 {
			e.Alerts()
		}
	})
	wg.Go(func() {
		for range 20 {
			e.SetRules([]Rule{{Name: "A", Expr: "a"}})
		}
	})
	wg.Wait()
}

func TestHumanize(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 1: "1", 999.5: "999.5", 1234: "1.234k", 2.5e6: "2.5M", -1500: "-1.5k", 0.0025: "2.5m", 3e-9: "3n", 1e30: "1e+06Y"} {
		if got := humanize(v); got != want {
			t.Errorf("humanize(%g) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{0: "0s", 90: "1m30s", 0.25: "250ms", 86400: "24h0m0s"} {
		if got := humanizeDuration(v); got != want {
			t.Errorf("humanizeDuration(%g) = %q, want %q", v, got, want)
		}
	}
}

func TestParseRuleFile(t *testing.T) {
	data, err := os.ReadFile("testdata/rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := ParseRuleFile("rules.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 4 {
		t.Fatalf("%d rules", len(rules))
	}
	r := rules[0]
	if r.Group != "power" || r.Name != "PDUOverload" || r.For != 5*time.Minute || r.Severity != "critical" ||
		r.Source != "rules.yml: group power, rule 1" || !strings.HasPrefix(r.Expr, "sum by (site, pdu)") {
		t.Errorf("rule 1: %+v", r)
	}
	if r.Labels["team"] != "facilities" || r.Annotations["runbook"] != "https://wiki.example.com/runbooks/pdu-overload" {
		t.Errorf("rule 1 labels %v annotations %v", r.Labels, r.Annotations)
	}
	r = rules[1]
	if r.KeepFiringFor != 10*time.Minute || r.Severity != "warning" || r.Labels["team"] != "network" {
		t.Errorf("rule 2: %+v", r)
	}
	// The same alert name twice in a group is fine, as in Prometheus.
	if rules[2].Name != "InletHot" || rules[3].Name != "InletHot" || rules[3].Severity != "critical" || rules[3].For != 0 ||
		rules[3].Source != "rules.yml: group cooling, rule 2" {
		t.Errorf("cooling rules: %+v %+v", rules[2], rules[3])
	}

	// The parsed rules run.
	q := newScript()
	e := NewEngine(rules, FlapPolicy{})
	q.set(rules[0].Expr, series(0.93, "site", "ams1", "pdu", "p1"))
	q.set(rules[3].Expr, series(33.25, "rack", "B2"))
	tr := eval(t, e, q, at(0))
	wantMoves(t, "file rules", tr, "PDUOverload -→pending;InletHot -→firing;")
	if s := tr[0].Alert.Annotations["summary"]; s != "PDU p1 at 93% of its rating" {
		t.Errorf("summary %q", s)
	}
	if s := tr[1].Alert.Annotations["summary"]; s != "Rack B2 inlet at 33.25 °C, above ASHRAE A1 allowable" {
		t.Errorf("summary %q", s)
	}
}

func TestParseRuleFileErrors(t *testing.T) {
	for file, wants := range map[string][]string{
		"bad_yaml.yml":     {"bad_yaml.yml: yaml: line 7"},
		"bad_promql.yml":   {`bad_promql.yml:11:15: group "cooling", rule 2, "InletCold": could not parse expression`},
		"recording.yml":    {`recording.yml:6:9: group "power", rule 2: recording rule "site:plenum_pdu_power_watts:sum": only alerting rules`},
		"missing_expr.yml": {`missing_expr.yml:4:9: group "power", rule 1, "PDUOverload": field 'expr' must be set`},
		"templated_label.yml": {
			`templated_label.yml:4:9: group "cooling", rule 1, "InletHot": label "severity" is a template`,
			`templated_label.yml:4:9: group "cooling", rule 1, "InletHot": annotation "summary": template: InletHot/summary:1: function "reReplaceAll" not defined`,
		},
	} {
		data, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		rules, err := ParseRuleFile(file, data)
		if err == nil || rules != nil {
			t.Errorf("%s: no error (%d rules)", file, len(rules))
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != len(wants) {
			t.Errorf("%s: %d errors, want %d:\n%v", file, len(lines), len(wants), err)
		}
		for _, want := range wants {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error\n%v\nlacks %q", file, err, want)
			}
		}
	}

	// Other checks are rulefmt's: unknown fields, a group named twice, bad label names.
	for name, src := range map[string]string{
		"unknown field":  "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up\n    labelz: {}\n",
		"repeated group": "groups:\n- name: a\n  rules: [{alert: A, expr: up}]\n- name: a\n  rules: [{alert: B, expr: up}]\n",
		"both kinds":     "groups:\n- name: a\n  rules: [{alert: A, record: a, expr: up}]\n",
	} {
		if _, err := ParseRuleFile("x.yml", []byte(src)); err == nil || !strings.HasPrefix(err.Error(), "x.yml:") {
			t.Errorf("%s: error %v", name, err)
		}
	}
	if rules, err := ParseRuleFile("empty.yml", nil); err != nil || len(rules) != 0 {
		t.Errorf("empty file: %v %v", rules, err)
	}
}
