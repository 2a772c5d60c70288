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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
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

// TestAlertsCommand: plenum alerts lists the active alerts from the database, and acknowledges one
// with a reason, which the list then shows.
func TestAlertsCommand(t *testing.T) {
	data := t.TempDir()
	plenum(t, "migrate", "--data", data)
	st, err := store.Open(t.Context(), "sqlite:"+filepath.Join(data, "plenum.db"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.SaveAlert(t.Context(), dcim.Alert{Fingerprint: "fp", Name: "UPSOnBattery", State: "firing", Severity: "critical",
		Labels: map[string]string{}, Annotations: map[string]string{"summary": "UPS-A on battery"}, Since: time.Now()})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out := plenum(t, "alerts", "--data", data)
	if !strings.Contains(out, "UPSOnBattery") || !strings.Contains(out, "UPS-A on battery") || !strings.Contains(out, "1 alert(s)") {
		t.Errorf("alerts:\n%s", out)
	}
	if _, err := runCLI("", "alerts", "ack", "--data", data, "--comment", "", strconv.FormatInt(id, 10)); err == nil {
		t.Error("ack without a reason accepted")
	}
	out = plenum(t, "alerts", "ack", "--data", data, "--comment", "generator started", "--as", "olga", strconv.FormatInt(id, 10))
	if !strings.Contains(out, "acknowledged by cli:olga") {
		t.Errorf("ack: %s", out)
	}
	if out := plenum(t, "alerts", "--data", data); !strings.Contains(out, "UPSOnBattery (ack)") {
		t.Errorf("after ack:\n%s", out)
	}
}
