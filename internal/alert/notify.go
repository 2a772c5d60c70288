package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Receiver sends a batch of alerts somewhere.
type Receiver interface {
	Name() string
	Send(ctx context.Context, alerts []Alert) error
}

// repeater is a receiver that needs firing alerts re-sent at its own pace rather than the
// Notifier's RepeatInterval (Alertmanager: its alerts expire unless they are).
type repeater interface {
	repeatInterval() time.Duration
}

// PermanentError is a failure that retrying cannot fix (the receiver rejected the request as
// malformed): the Notifier gives up on the batch at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// defaultClient is the HTTP client of receivers that name none.
var defaultClient = &http.Client{Timeout: 30 * time.Second}

// post sends body as JSON and turns a non-2xx answer into an error: permanent for a 4xx other than
// 408 and 429, which retrying the same request cannot fix.
func post(ctx context.Context, client *http.Client, target string, body []byte, header http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{err}
	}
	maps.Copy(req.Header, header)
	req.Header.Set("Content-Type", "application/json")
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = fmt.Errorf("%s: %s: %s", redact(target), resp.Status, strings.TrimSpace(string(msg)))
	if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
		return &PermanentError{err}
	}
	return err
}

// redact is a URL without its user information and query, which may hold credentials.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(bad URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// Webhook POSTs a batch of alerts as JSON to URL:
//
//	{"version": "1", "status": "firing" | "resolved", "alerts": [{"name", "state", "severity",
//	 "labels", "annotations", "since", "fired_at", "resolved_at", "value", "fingerprint"}]}
//
// status is "firing" when any alert of the batch is, else "resolved"; value is null when it is not
// a finite number (NaN, ±Inf). Each request is signed with Secret (unsigned when it is empty):
//
//	X-Plenum-Timestamp: the time of sending, in Unix seconds
//	X-Plenum-Signature: "sha256=" + hex(HMAC-SHA256(Secret, timestamp + "." + body))
//
// A receiver verifies it by computing the same HMAC over the timestamp header, a ".", and the raw
// request body (before any JSON decoding), and comparing it with the signature in constant time
// (hmac.Equal); then, against replays, it rejects a timestamp more than a few minutes away from its
// own clock (5 minutes is usual), and may remember the signatures it saw within that window to
// reject exact repeats. The timestamp is signed, so it cannot be changed without the secret.
type Webhook struct {
	URL, Secret string
	Client      *http.Client // nil: a client with a 30 s timeout
}

// Name is "webhook " and the URL without credentials or query.
func (w *Webhook) Name() string { return "webhook " + redact(w.URL) }

// WebhookMessage is the body of a webhook request.
type WebhookMessage struct {
	Version string         `json:"version"`
	Status  string         `json:"status"`
	Alerts  []WebhookAlert `json:"alerts"`
}

// WebhookAlert is one alert of a webhook request.
type WebhookAlert struct {
	Name        string            `json:"name"`
	State       string            `json:"state"`
	Severity    string            `json:"severity"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Since       time.Time         `json:"since"`
	FiredAt     *time.Time        `json:"fired_at"`
	ResolvedAt  *time.Time        `json:"resolved_at"`
	Value       *float64          `json:"value"`
	Fingerprint string            `json:"fingerprint"`
}

// Send posts the alerts, signed.
func (w *Webhook) Send(ctx context.Context, alerts []Alert) error {
	msg := WebhookMessage{Version: "1", Status: Resolved, Alerts: make([]WebhookAlert, 0, len(alerts))}
	for _, a := range alerts {
		if a.State == Firing {
			msg.Status = Firing
		}
		wa := WebhookAlert{Name: a.Rule, State: a.State, Severity: a.Severity, Labels: a.Labels,
			Annotations: a.Annotations, Since: a.ActiveAt, FiredAt: a.FiredAt, ResolvedAt: a.ResolvedAt,
			Fingerprint: a.Fingerprint}
		if v := a.LastValue; !math.IsNaN(v) && !math.IsInf(v, 0) {
			wa.Value = &v
		}
		if wa.Labels == nil {
			wa.Labels = map[string]string{}
		}
		if wa.Annotations == nil {
			wa.Annotations = map[string]string{}
		}
		msg.Alerts = append(msg.Alerts, wa)
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return &PermanentError{err}
	}
	h := http.Header{}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	h.Set("X-Plenum-Timestamp", ts)
	if w.Secret != "" {
		h.Set("X-Plenum-Signature", "sha256="+sign(w.Secret, ts, body))
	}
	return post(ctx, w.Client, w.URL, body, h)
}

// sign is hex(HMAC-SHA256(secret, timestamp + "." + body)).
func sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Alertmanager posts alerts to a Prometheus Alertmanager's v2 API (URL + "/api/v2/alerts"), as
// Prometheus does: labels (alertname, and severity when the rule's labels lack it), annotations,
// startsAt (when it fired), endsAt and generatorURL. A firing alert's endsAt is 4 Intervals ahead
// and it is re-sent every Interval, so that Alertmanager resolves it by itself if Plenum stops
// sending; a resolved alert's endsAt is when it resolved. Pending alerts are not sent.
type Alertmanager struct {
	URL          string
	Client       *http.Client // nil: a client with a 30 s timeout
	GeneratorURL string       // sent as each alert's generatorURL: a link back to Plenum's alerts
	// Interval is how often firing alerts are re-sent (zero: a minute, Prometheus's resend delay);
	// set it to the evaluation interval when that is longer.
	Interval time.Duration
}

// Name is "alertmanager " and the URL without credentials or query.
func (am *Alertmanager) Name() string { return "alertmanager " + redact(am.URL) }

func (am *Alertmanager) repeatInterval() time.Duration {
	if am.Interval <= 0 {
		return time.Minute
	}
	return am.Interval
}

// amAlert is an alert as Alertmanager's v2 API takes it (postableAlert).
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Send posts the firing and resolved alerts among alerts; it sends nothing when there are none.
func (am *Alertmanager) Send(ctx context.Context, alerts []Alert) error {
	now := time.Now()
	out := make([]amAlert, 0, len(alerts))
	for _, a := range alerts {
		if a.State != Firing && a.State != Resolved {
			continue
		}
		labels := make(map[string]string, len(a.Labels)+2)
		for k, v := range a.Labels {
			if v != "" { // Prometheus drops empty labels; Alertmanager takes them as absent
				labels[k] = v
			}
		}
		if labels["alertname"] == "" {
			labels["alertname"] = a.Rule
		}
		if labels["severity"] == "" && a.Severity != "" {
			labels["severity"] = a.Severity
		}
		x := amAlert{Labels: labels, Annotations: a.Annotations, StartsAt: a.ActiveAt, GeneratorURL: am.GeneratorURL}
		if a.FiredAt != nil {
			x.StartsAt = *a.FiredAt
		}
		if a.State == Resolved && a.ResolvedAt != nil {
			x.EndsAt = *a.ResolvedAt
		} else {
			x.EndsAt = now.Add(4 * am.repeatInterval())
		}
		out = append(out, x)
	}
	if len(out) == 0 {
		return nil
	}
	body, err := json.Marshal(out)
	if err != nil {
		return &PermanentError{err}
	}
	return post(ctx, am.Client, strings.TrimSuffix(am.URL, "/")+"/api/v2/alerts", body, nil)
}

// ReceiverStats is what a Notifier did for one receiver since it started. Sent, Failed and Dropped
// count batches (one Enqueue's alerts, or one repeat of the firing ones).
type ReceiverStats struct {
	Sent        int64     `json:"sent" doc:"batches delivered"`
	Retries     int64     `json:"retries" doc:"failed attempts that were retried"`
	Failed      int64     `json:"failed" doc:"batches given up on, after MaxAttempts or a permanent error"`
	Dropped     int64     `json:"dropped" doc:"batches dropped, the oldest first, because the queue was full"`
	Queued      int       `json:"queued" doc:"batches waiting now"`
	LastError   string    `json:"last_error"`
	LastErrorAt time.Time `json:"last_error_at"`
}

// Notifier sends alert transitions to receivers in the background. Each receiver has its own
// queue, of at most QueueSize batches, and sender: a slow or failing receiver delays only itself.
//
//   - Enqueue never blocks: when a receiver's queue is full its oldest batch is dropped (counted).
//   - Only firing and resolved alerts are sent (not pending ones, nor pending ones dropped).
//   - An alert that silenced (the caller's func, given its labels) reports as matching a silence in
//     force is not sent. Its resolution is still sent to a receiver that was told it fired before
//     the silence began, so that it does not stay open there.
//   - Firing alerts are re-sent every RepeatInterval (Alertmanager: every its Interval) while they
//     fire; resolved ones once. A silenced firing alert is looked at again every minute, and sent
//     once its silence has ended.
//   - A failed send is retried with exponential backoff, 1 s doubling up to 5 min, up to
//     MaxAttempts attempts in all (each limited to Timeout); then the batch is given up, logged and
//     counted. A batch is sent only after the ones before it, to each receiver.
//
// Set the exported fields before the first Enqueue and Run. Run once; when its ctx ends, what was
// queued is abandoned.
type Notifier struct {
	RepeatInterval time.Duration // default 4 h
	MaxAttempts    int           // default 10 (about 8.5 min of backoff)
	QueueSize      int           // batches per receiver; default 1000
	Timeout        time.Duration // of one attempt; default 30 s

	silenced func(labels map[string]string) bool
	log      *slog.Logger

	backoff, maxBackoff time.Duration // 1 s, 5 min; tests make them small
	recheck             time.Duration // of silenced firing alerts: a minute

	mu    sync.Mutex
	order []string // receiver keys, in the order given
	rs    map[string]*receiverState
}

// receiverState is one receiver's queue, firing alerts and counters, guarded by Notifier.mu.
type receiverState struct {
	r      Receiver
	queue  [][]Alert
	wake   chan struct{} // a token when something was queued
	firing map[string]*firingAlert
	stats  ReceiverStats
}

// firingAlert is a firing alert as one receiver knows it.
type firingAlert struct {
	alert    Alert
	notified bool      // sent (queued) to the receiver at least once
	due      time.Time // when it is to be sent again (or looked at again, while silenced)
}

// NewNotifier returns a notifier for receivers. silenced (nil: nothing is) must be safe for
// concurrent use and quick: Enqueue calls it. logger nil: no logging.
func NewNotifier(receivers []Receiver, silenced func(labels map[string]string) bool, logger *slog.Logger) *Notifier {
	if silenced == nil {
		silenced = func(map[string]string) bool { return false }
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{
		RepeatInterval: 4 * time.Hour, MaxAttempts: 10, QueueSize: 1000, Timeout: 30 * time.Second,
		silenced: silenced, log: logger, backoff: time.Second, maxBackoff: 5 * time.Minute, recheck: time.Minute,
		rs: make(map[string]*receiverState, len(receivers)),
	}
	for i, r := range receivers {
		key := r.Name()
		if _, dup := n.rs[key]; dup {
			key = fmt.Sprintf("%s #%d", key, i+1)
		}
		n.order = append(n.order, key)
		n.rs[key] = &receiverState{r: r, wake: make(chan struct{}, 1), firing: make(map[string]*firingAlert)}
	}
	return n
}

// repeatFor is how often rs's firing alerts are re-sent.
func (n *Notifier) repeatFor(rs *receiverState) time.Duration {
	if rp, ok := rs.r.(repeater); ok {
		return rp.repeatInterval()
	}
	if n.RepeatInterval <= 0 {
		return 4 * time.Hour
	}
	return n.RepeatInterval
}

// Enqueue queues the transitions' firing and resolved alerts for every receiver. It never blocks
// (beyond the silenced func): call it from the Runner, after each Cycle.
func (n *Notifier) Enqueue(ts []Transition) {
	type item struct {
		a        Alert
		silenced bool
	}
	var items []item
	for _, t := range ts {
		if t.To == Firing || t.To == Resolved {
			items = append(items, item{t.Alert, n.silenced(t.Alert.Labels)})
		}
	}
	if len(items) == 0 {
		return
	}
	now := time.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, key := range n.order {
		rs := n.rs[key]
		var batch []Alert
		for _, it := range items {
			fp := it.a.Fingerprint
			if it.a.State == Firing {
				f := &firingAlert{alert: it.a, notified: !it.silenced}
				f.due = now.Add(n.nextDue(rs, f))
				rs.firing[fp] = f
				if !it.silenced {
					batch = append(batch, it.a)
				}
				continue
			}
			f := rs.firing[fp]
			delete(rs.firing, fp)
			if !it.silenced || (f != nil && f.notified) {
				batch = append(batch, it.a)
			}
		}
		n.push(rs, batch)
	}
}

// nextDue is how long until f is looked at again.
func (n *Notifier) nextDue(rs *receiverState, f *firingAlert) time.Duration {
	d := n.repeatFor(rs)
	if !f.notified && n.recheck < d {
		d = n.recheck
	}
	return d
}

// push queues a batch for rs, dropping the oldest when the queue is full; n.mu is held.
func (n *Notifier) push(rs *receiverState, batch []Alert) {
	if len(batch) == 0 {
		return
	}
	size := max(n.QueueSize, 1)
	for len(rs.queue) >= size {
		rs.queue[0] = nil
		rs.queue = rs.queue[1:]
		rs.stats.Dropped++
	}
	rs.queue = append(rs.queue, batch)
	select {
	case rs.wake <- struct{}{}:
	default:
	}
}

// Run sends the queued batches, and repeats the firing alerts, until ctx ends.
func (n *Notifier) Run(ctx context.Context) {
	var wg sync.WaitGroup
	n.mu.Lock()
	for _, key := range n.order {
		rs := n.rs[key]
		wg.Go(func() { n.send(ctx, key, rs) })
	}
	n.mu.Unlock()
	<-ctx.Done() // with no receivers, too
	wg.Wait()
}

// send is one receiver's sender.
func (n *Notifier) send(ctx context.Context, key string, rs *receiverState) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		batch, next := n.take(rs, time.Now())
		if batch != nil {
			n.deliver(ctx, key, rs, batch)
			continue
		}
		timer.Reset(next)
		select {
		case <-ctx.Done():
		case <-rs.wake:
		case <-timer.C:
		}
	}
}

// take queues the firing alerts that are due again, then pops the oldest batch; with none, it
// says how long until the next firing alert is due.
func (n *Notifier) take(rs *receiverState, now time.Time) (batch []Alert, next time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	next = time.Hour
	var again []Alert
	for _, fp := range sortedKeys(rs.firing) {
		f := rs.firing[fp]
		if f.due.After(now) {
			next = min(next, f.due.Sub(now))
			continue
		}
		if !n.silenced(f.alert.Labels) {
			again = append(again, f.alert)
			f.notified = true
		}
		f.due = now.Add(n.nextDue(rs, f))
		next = min(next, f.due.Sub(now))
	}
	n.push(rs, again)
	if len(rs.queue) == 0 {
		return nil, next
	}
	batch = rs.queue[0]
	rs.queue[0] = nil
	rs.queue = rs.queue[1:]
	return batch, 0
}

// deliver sends one batch, retrying with backoff; it gives up after MaxAttempts, on a permanent
// error, or when ctx ends.
func (n *Notifier) deliver(ctx context.Context, key string, rs *receiverState, batch []Alert) {
	delay := n.backoff
	attempts := max(n.MaxAttempts, 1)
	timeout := n.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		err := rs.r.Send(actx, batch)
		cancel()
		if ctx.Err() != nil {
			return // shutting down: neither sent nor failed
		}
		n.mu.Lock()
		if err == nil {
			rs.stats.Sent++
			n.mu.Unlock()
			return
		}
		rs.stats.LastError, rs.stats.LastErrorAt = err.Error(), time.Now()
		var perm *PermanentError
		if attempt >= attempts || errors.As(err, &perm) {
			rs.stats.Failed++
			n.mu.Unlock()
			n.log.Error("alert notification given up", "receiver", key, "alerts", len(batch), "attempts", attempt, "err", err)
			return
		}
		rs.stats.Retries++
		n.mu.Unlock()
		n.log.Warn("alert notification failed; retrying", "receiver", key, "attempt", attempt, "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, n.maxBackoff)
	}
}

// Stats returns each receiver's counters, by its name (a repeated name gets " #" and its position,
// from 1).
func (n *Notifier) Stats() map[string]ReceiverStats {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make(map[string]ReceiverStats, len(n.rs))
	for key, rs := range n.rs {
		s := rs.stats
		s.Queued = len(rs.queue)
		out[key] = s
	}
	return out
}
