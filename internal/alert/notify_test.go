package alert

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// request is what a test receiver got.
type request struct {
	path   string
	header http.Header
	body   []byte
	at     time.Time
}

// recorder is an HTTP receiver that answers with status(n) for its nth request (from 1) and passes
// each request on.
func recorder(t *testing.T, status func(n int) int) (*httptest.Server, chan request) {
	t.Helper()
	ch := make(chan request, 100)
	var count atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ch <- request{r.URL.Path, r.Header.Clone(), body, time.Now()}
		code := http.StatusOK
		if status != nil {
			code = status(int(count.Add(1)))
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func next(t *testing.T, ch chan request) request {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no request within 10 s")
		return request{}
	}
}

func none(t *testing.T, ch chan request, wait time.Duration) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("unexpected request: %s", r.body)
	case <-time.After(wait):
	}
}

// run starts n until the test ends.
func run(t *testing.T, n *Notifier) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// transitions runs one engine with a rule that fires at once, for a rack's inlet: hot while the
// querier returns the sample, resolved once it does not.
type transitions struct {
	e   *Engine
	now time.Time
}

func newTransitions() *transitions {
	rule := Rule{Name: "InletHot", Expr: "inlet > 27", Labels: map[string]string{"severity": "critical", "team": "dc"},
		Annotations: map[string]string{"summary": "{{ $labels.rack }} inlet at {{ $value }} °C"}}
	return &transitions{e: NewEngine([]Rule{rule}, FlapPolicy{}), now: time.Now().Add(-time.Minute).Truncate(time.Second)}
}

func (tr *transitions) step(t *testing.T, hot bool) []Transition {
	t.Helper()
	tr.now = tr.now.Add(15 * time.Second)
	ts, err := tr.e.Eval(context.Background(), func(context.Context, string, time.Time) ([]Sample, error) {
		if !hot {
			return nil, nil
		}
		return []Sample{{Labels: map[string]string{"__name__": "inlet", "site": "DC1", "rack": "A01"}, Value: 31.5}}, nil
	}, tr.now)
	if err != nil || len(ts) != 1 {
		t.Fatalf("eval: %v %v", ts, err)
	}
	return ts
}

// manual is a transition to state for an alert of rack.
func manual(rack, state string) Transition {
	now := time.Now()
	labels := map[string]string{"alertname": "InletHot", "rack": rack, "severity": "warning"}
	a := Alert{Fingerprint: fingerprint(labels), Rule: "InletHot", Severity: "warning", Labels: labels,
		Annotations: map[string]string{"summary": rack + " is hot"}, State: state, ActiveAt: now.Add(-time.Minute), LastValue: 30}
	from := ""
	switch state {
	case Firing:
		a.FiredAt = &now
		from = Pending
	case Resolved:
		fired := now.Add(-30 * time.Second)
		a.FiredAt, a.ResolvedAt, from = &fired, &now, Firing
	}
	return Transition{Alert: a, From: from, To: state}
}

// verify checks a webhook request's signature as a receiver would, independently of the sender's
// code: HMAC-SHA256 over timestamp "." body, a fresh timestamp.
func verify(secret string, r request, now time.Time) bool {
	ts := r.header.Get("X-Plenum-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(r.body)))
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(r.header.Get("X-Plenum-Signature")))
}

func TestWebhookFiringThenResolved(t *testing.T) {
	srv, got := recorder(t, nil)
	n := NewNotifier([]Receiver{&Webhook{URL: srv.URL + "/hook?token=x", Secret: "s3cret"}}, nil, nil)
	run(t, n)
	tr := newTransitions()

	n.Enqueue(tr.step(t, true))
	r := next(t, got)
	if r.header.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", r.header.Get("Content-Type"))
	}
	if !verify("s3cret", r, time.Now()) {
		t.Errorf("signature does not verify: %v", r.header)
	}
	if verify("wrong", r, time.Now()) {
		t.Error("signature verifies with the wrong secret")
	}
	if verify("s3cret", r, time.Now().Add(10*time.Minute)) {
		t.Error("an old timestamp is accepted")
	}
	tampered := r
	tampered.body = []byte(strings.Replace(string(r.body), "31.5", "20", 1))
	if verify("s3cret", tampered, time.Now()) {
		t.Error("a changed body verifies")
	}

	var msg map[string]any
	if err := json.Unmarshal(r.body, &msg); err != nil {
		t.Fatal(err)
	}
	if msg["version"] != "1" || msg["status"] != "firing" {
		t.Errorf("firing message: %s", r.body)
	}
	alerts := msg["alerts"].([]any)
	if len(alerts) != 1 {
		t.Fatalf("alerts: %s", r.body)
	}
	a := alerts[0].(map[string]any)
	fp := fingerprint(map[string]string{"alertname": "InletHot", "site": "DC1", "rack": "A01", "severity": "critical", "team": "dc"})
	want := map[string]any{
		"name": "InletHot", "state": "firing", "severity": "critical", "value": 31.5, "fingerprint": fp,
		"labels":      map[string]any{"alertname": "InletHot", "site": "DC1", "rack": "A01", "severity": "critical", "team": "dc"},
		"annotations": map[string]any{"summary": "A01 inlet at 31.5 °C"},
		"since":       tr.now.UTC().Format(time.RFC3339), "fired_at": tr.now.UTC().Format(time.RFC3339), "resolved_at": nil,
	}
	for k, w := range want {
		v := a[k]
		if s, ok := v.(string); ok && (k == "since" || k == "fired_at") {
			tm, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Errorf("%s: %v", k, err)
			}
			v = tm.UTC().Format(time.RFC3339)
		}
		if jw, _ := json.Marshal(w); string(jw) != string(must(json.Marshal(v))) {
			t.Errorf("%s = %v, want %v", k, v, w)
		}
	}
	if len(a) != len(want) {
		t.Errorf("fields: %v", a)
	}

	n.Enqueue(tr.step(t, false))
	r = next(t, got)
	if !verify("s3cret", r, time.Now()) {
		t.Error("resolved: signature does not verify")
	}
	var res WebhookMessage
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatal(err)
	}
	if res.Status != "resolved" || len(res.Alerts) != 1 || res.Alerts[0].State != "resolved" ||
		res.Alerts[0].ResolvedAt == nil || !res.Alerts[0].ResolvedAt.Equal(tr.now) || res.Alerts[0].Fingerprint != fp {
		t.Errorf("resolved message: %s", r.body)
	}
	none(t, got, 50*time.Millisecond) // resolved once, and a firing alert is not repeated before 4 h
	if s := n.Stats()["webhook "+srv.URL+"/hook"]; s.Sent != 2 || s.Failed != 0 || s.Dropped != 0 {
		t.Errorf("stats: %+v", n.Stats())
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestRetryWithBackoff(t *testing.T) {
	srv, got := recorder(t, func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	n := NewNotifier([]Receiver{&Webhook{URL: srv.URL}}, nil, nil)
	n.backoff = 20 * time.Millisecond
	run(t, n)
	n.Enqueue([]Transition{manual("A01", Firing)})
	r1, r2, r3 := next(t, got), next(t, got), next(t, got)
	if d := r2.at.Sub(r1.at); d < 20*time.Millisecond {
		t.Errorf("second attempt after %v, want ≥ 20ms", d)
	}
	if d := r3.at.Sub(r2.at); d < 40*time.Millisecond {
		t.Errorf("third attempt after %v, want ≥ 40ms (doubled)", d)
	}
	if string(r1.body) != string(r3.body) {
		t.Error("the retry is not the same batch")
	}
	none(t, got, 50*time.Millisecond)
	s := n.Stats()["webhook "+srv.URL]
	if s.Sent != 1 || s.Retries != 2 || s.Failed != 0 || !strings.Contains(s.LastError, "500") {
		t.Errorf("stats: %+v", s)
	}
}

func TestGiveUp(t *testing.T) {
	failing, got := recorder(t, func(int) int { return http.StatusBadGateway })
	rejecting, rejected := recorder(t, func(int) int { return http.StatusBadRequest })
	n := NewNotifier([]Receiver{&Webhook{URL: failing.URL}, &Webhook{URL: rejecting.URL}}, nil, nil)
	n.backoff, n.maxBackoff, n.MaxAttempts = time.Millisecond, 2*time.Millisecond, 3
	run(t, n)
	n.Enqueue([]Transition{manual("A01", Firing)})
	next(t, got)
	next(t, got)
	next(t, got)
	next(t, rejected) // a 400 is not retried
	none(t, got, 50*time.Millisecond)
	none(t, rejected, 0)
	st := n.Stats()
	if s := st["webhook "+failing.URL]; s.Failed != 1 || s.Retries != 2 || s.Sent != 0 || !strings.Contains(s.LastError, "502") {
		t.Errorf("failing: %+v", s)
	}
	if s := st["webhook "+rejecting.URL]; s.Failed != 1 || s.Retries != 0 || !strings.Contains(s.LastError, "400") {
		t.Errorf("rejecting: %+v", s)
	}
}

func TestEnqueueNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	inflight := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inflight <- struct{}{}
		select { // hang
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { once.Do(func() { close(release) }); srv.Close() })
	n := NewNotifier([]Receiver{&Webhook{URL: srv.URL}}, nil, nil)
	run(t, n)
	n.Enqueue([]Transition{manual("A00", Firing)})
	<-inflight

	start := time.Now()
	for i := range 10000 {
		n.Enqueue([]Transition{manual("A"+strconv.Itoa(i), Firing)})
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("10,000 Enqueues took %v", d)
	}
	s := n.Stats()["webhook "+srv.URL]
	if s.Dropped != 10000-1000 || s.Queued != 1000 || s.Sent != 0 {
		t.Errorf("stats: %+v", s)
	}
}

func TestSilencedNotSent(t *testing.T) {
	srv, got := recorder(t, nil)
	now := time.Now()
	var mu sync.Mutex
	silences := []dcim.Silence{{Matchers: []dcim.LabelMatcher{{Name: "rack", Value: "A0[12]", IsRegex: true}},
		Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}}
	silenced := func(labels map[string]string) bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.ContainsFunc(silences, func(s dcim.Silence) bool { return s.Matches(labels, time.Now()) })
	}
	n := NewNotifier([]Receiver{&Webhook{URL: srv.URL}}, silenced, nil)
	run(t, n)

	// A03 fires and is notified; then a silence of it begins.
	n.Enqueue([]Transition{manual("A03", Firing)})
	racks(t, next(t, got), "A03")
	mu.Lock()
	silences = append(silences, dcim.Silence{Matchers: []dcim.LabelMatcher{{Name: "rack", Value: "A03"}}, Starts: now, Ends: now.Add(time.Hour)})
	mu.Unlock()

	n.Enqueue([]Transition{manual("A01", Firing), manual("A02", Firing), manual("A04", Firing)})
	racks(t, next(t, got), "A04")
	n.Enqueue([]Transition{manual("A01", Resolved)})
	n.Enqueue([]Transition{manual("A02", Resolved), manual("A03", Resolved)})
	racks(t, next(t, got), "A03") // told it fired: told it resolved, silence or not
	none(t, got, 50*time.Millisecond)
}

// racks checks a webhook request's alerts' racks.
func racks(t *testing.T, r request, want ...string) {
	t.Helper()
	var msg WebhookMessage
	if err := json.Unmarshal(r.body, &msg); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range msg.Alerts {
		got = append(got, a.Labels["rack"])
	}
	if !slices.Equal(got, want) {
		t.Errorf("racks %v, want %v", got, want)
	}
}

func TestRepeatFiring(t *testing.T) {
	srv, got := recorder(t, nil)
	n := NewNotifier([]Receiver{&Webhook{URL: srv.URL}}, nil, nil)
	n.RepeatInterval = 60 * time.Millisecond
	run(t, n)
	n.Enqueue([]Transition{manual("A01", Firing)})
	first := next(t, got)
	again := next(t, got)
	if d := again.at.Sub(first.at); d < 50*time.Millisecond {
		t.Errorf("repeated after %v", d)
	}
	racks(t, again, "A01")
	n.Enqueue([]Transition{manual("A01", Resolved)})
	for {
		var msg WebhookMessage
		if err := json.Unmarshal(next(t, got).body, &msg); err != nil {
			t.Fatal(err)
		}
		if msg.Status == Resolved {
			break
		}
	}
	none(t, got, 150*time.Millisecond) // resolved once; no more repeats
}

// TestAlertmanagerPayload: the v2 API's form, and pending alerts are not sent.
func TestAlertmanagerPayload(t *testing.T) {
	srv, got := recorder(t, nil)
	am := &Alertmanager{URL: srv.URL + "/", GeneratorURL: "https://plenum.example/alerts"}
	if err := am.Send(context.Background(), []Alert{manual("A01", Pending).Alert}); err != nil {
		t.Fatal(err)
	}
	none(t, got, 20*time.Millisecond)

	n := NewNotifier([]Receiver{am}, nil, nil)
	run(t, n)
	dropped := manual("A03", "")
	dropped.From = Pending
	n.Enqueue([]Transition{manual("A01", Pending), manual("A02", Firing), dropped})
	r := next(t, got)
	if r.path != "/api/v2/alerts" {
		t.Errorf("path %q", r.path)
	}
	var posted []struct {
		Labels, Annotations map[string]string
		StartsAt, EndsAt    time.Time
		GeneratorURL        string
	}
	if err := json.Unmarshal(r.body, &posted); err != nil {
		t.Fatal(err)
	}
	if len(posted) != 1 || posted[0].Labels["rack"] != "A02" || posted[0].Labels["alertname"] != "InletHot" ||
		posted[0].Labels["severity"] != "warning" || posted[0].Annotations["summary"] != "A02 is hot" ||
		posted[0].GeneratorURL != "https://plenum.example/alerts" || posted[0].StartsAt.IsZero() {
		t.Fatalf("posted %s", r.body)
	}
	if ahead := time.Until(posted[0].EndsAt); ahead < 3*time.Minute || ahead > 4*time.Minute {
		t.Errorf("endsAt %v ahead, want 4 min (4 × the 1 min interval)", ahead)
	}
	none(t, got, 50*time.Millisecond)
}

// TestAlertmanagerReal: Debian's Alertmanager 0.25 takes a firing alert and then its resolution.
func TestAlertmanagerReal(t *testing.T) {
	base := testpeer.Alertmanager(t)
	n := NewNotifier([]Receiver{&Alertmanager{URL: base, GeneratorURL: "https://plenum.example/alerts"}}, nil, nil)
	run(t, n)
	tr := newTransitions()

	type amAlert struct {
		Labels, Annotations map[string]string
		StartsAt, EndsAt    time.Time
		GeneratorURL        string
		Status              struct{ State string }
	}
	list := func() []amAlert {
		resp, err := http.Get(base + "/api/v2/alerts")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out []amAlert
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	until := func(what string, ok func([]amAlert) bool) []amAlert {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			as := list()
			if ok(as) {
				return as
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: Alertmanager has %+v; notifier %+v", what, as, n.Stats())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	n.Enqueue(tr.step(t, true))
	as := until("firing", func(as []amAlert) bool { return len(as) == 1 })
	a := as[0]
	wantLabels := map[string]string{"alertname": "InletHot", "site": "DC1", "rack": "A01", "severity": "critical", "team": "dc"}
	if len(a.Labels) != len(wantLabels) || a.Annotations["summary"] != "A01 inlet at 31.5 °C" || a.Status.State != "active" ||
		!a.StartsAt.Equal(tr.now) || !a.EndsAt.After(time.Now()) || a.GeneratorURL != "https://plenum.example/alerts" {
		t.Errorf("firing: %+v", a)
	}
	for k, v := range wantLabels {
		if a.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, a.Labels[k], v)
		}
	}

	// Alertmanager 0.25 lists only alerts whose endsAt is ahead (GET /api/v2/alerts filters out the
	// resolved ones, whatever active/silenced/inhibited say): the resolution shows as the alert
	// leaving the list, well before the 4 minutes its firing endsAt gave it.
	n.Enqueue(tr.step(t, false))
	until("resolved", func(as []amAlert) bool { return len(as) == 0 })
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	for _, line := range []string{`alertmanager_alerts_received_total{status="firing",version="v2"} 1`,
		`alertmanager_alerts_received_total{status="resolved",version="v2"} 1`} {
		if !strings.Contains(string(metrics), line) {
			t.Errorf("metrics lack %s", line)
		}
	}
	if s := n.Stats()["alertmanager "+base]; s.Sent != 2 || s.Failed != 0 {
		t.Errorf("stats: %+v", s)
	}
}
