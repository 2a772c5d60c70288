package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/alert"
)

// TestServeAlerts: the server evaluates a rule file on the demo's readings and notifies a webhook
// receiver in the test, signed with the configured secret: the demo's warm racks raise the rule,
// and the message names them. A rule file that does not parse stops the start, naming it.
func TestServeAlerts(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "warm.yml")
	if err := os.WriteFile(rules, []byte(`groups:
  - name: test
    rules:
      - alert: WarmInlet
        expr: max by (site, rack) (inlet_temperature_celsius) > 27
        labels: {severity: warning, team: noc}
        annotations: {summary: "{{ $labels.rack }} is warm"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	const secret = "a shared secret for the test"
	var mu sync.Mutex
	var got []alert.WebhookMessage
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(r.Header.Get("X-Plenum-Timestamp") + "." + string(body)))
		if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Plenum-Signature"))) {
			t.Errorf("webhook signature %q does not verify", r.Header.Get("X-Plenum-Signature"))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var msg alert.WebhookMessage
		if err := json.Unmarshal(body, &msg); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		got = append(got, msg)
		mu.Unlock()
	}))
	defer hook.Close()
	startMain(t, Config{Demo: true, Rules: []string{rules}, AlertInterval: time.Second, Webhooks: []string{hook.URL}, WebhookSecret: secret}, nil)
	deadline := time.Now().Add(90 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 {
		t.Fatal("no webhook message in 90 s")
	}
	msg := got[0]
	if msg.Status != "firing" || len(msg.Alerts) == 0 {
		t.Fatalf("message %+v", msg)
	}
	a := msg.Alerts[0]
	if a.Name != "WarmInlet" || a.Labels["team"] != "noc" || a.Labels["rack"] == "" || !strings.HasSuffix(a.Annotations["summary"], " is warm") {
		t.Errorf("alert %+v", a)
	}

	// A bad rule file stops the start and says which.
	bad := filepath.Join(t.TempDir(), "bad.yml")
	if err := os.WriteFile(bad, []byte("groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: rate(\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	m.Config = Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Rules: []string{bad}}
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	err := m.Run(t.Context())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "bad.yml") || !strings.Contains(err.Error(), `"X"`) {
		t.Errorf("bad rule file: %v", err)
	}
}
