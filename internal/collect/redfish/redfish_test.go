package redfish

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/collect"
)

// mockups are DMTF's Redfish mockups in ../shared (BSD-3), served in place.
var mockups = filepath.Join("..", "..", "..", "..", "shared", "data", "redfish", "mockups")

// serve serves a mockup as DMTF's mockup server does: /redfish/v1/X is X/index.json.
func serve(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(mockups, name)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the shared Redfish mockups are missing at %s", dir)
		}
		t.Skipf("no shared mockups at %s", dir)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "admin" || p != "secret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		rest, ok := strings.CutPrefix(strings.TrimSuffix(r.URL.Path, "/"), "/redfish/v1")
		if !ok || strings.Contains(rest, "..") {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rest), "index.json"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "http://", "redfish://", 1)
}

func pollMockup(t *testing.T, name string) map[string]collect.Reading {
	t.Helper()
	tg, err := ParseURL(serve(t, name), "admin:secret")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Poll(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]collect.Reading{}
	for _, r := range res.Readings {
		out[key(r)] = r
	}
	return out
}

func expect(t *testing.T, got map[string]collect.Reading, key string, want float64) {
	t.Helper()
	r, ok := got[key]
	if !ok || r.Missing || r.Value != want {
		t.Errorf("%s: %+v (present %v), want %v", key, r, ok, want)
	}
}

func expectMissing(t *testing.T, got map[string]collect.Reading, key, reason string) {
	t.Helper()
	if r, ok := got[key]; !ok || !r.Missing || !strings.Contains(r.Reason, reason) {
		t.Errorf("%s: %+v (present %v), want missing: %s", key, r, ok, reason)
	}
}

// The 1U server: EnvironmentMetrics, the Sensors collection, and the older Power and Thermal
// resources, with the values of the mockup's files.
func TestServerMockup(t *testing.T) {
	got := pollMockup(t, "public-rackmount1")
	expect(t, got, `server_power_watts{chassis="1U"}`, 374)
	expect(t, got, `server_temperature_celsius{chassis="1U"}`, 39)
	expect(t, got, `sensor_temperature_celsius{chassis="1U",context="Room",sensor="AmbientTemp"}`, 22.5)
	n := 0
	for k, r := range got {
		if strings.HasPrefix(k, "sensor_") && !r.Missing {
			n++
		}
	}
	if n < 15 {
		t.Errorf("only %d sensors read: %v", n, got)
	}
}

// The rack PDU: summary metrics, mains per line, branches, outlets; the summary power is above its
// apparent power (impossible) and its energy's sensor link does not resolve: both missing.
func TestPDUMockup(t *testing.T) {
	got := pollMockup(t, "public-pdu")
	expect(t, got, `pdu_outlet_power_watts{outlet="A1",pdu="1"}`, 197.4)
	expect(t, got, `pdu_outlet_current_amps{outlet="A1",pdu="1"}`, 1.68)
	expect(t, got, `pdu_outlet_voltage_volts{outlet="A1",pdu="1"}`, 117.5)
	expect(t, got, `pdu_outlet_energy_kwh_total{outlet="A1",pdu="1"}`, 36166)
	expect(t, got, `pdu_input_line_current_amps{circuit="AC1",line="Line1",pdu="1"}`, 8.02)
	expect(t, got, `pdu_input_line_current_amps{circuit="AC1",line="Line2",pdu="1"}`, 8.66)
	expect(t, got, `pdu_input_line_voltage_volts{circuit="AC1",line="Line1ToLine2",pdu="1"}`, 202.8)
	expectMissing(t, got, `pdu_power_watts{pdu="1"}`, "above apparent power")
	expectMissing(t, got, `pdu_energy_kwh_total{pdu="1"}`, "does not resolve")
	// Unauthorized without the password.
	tg, _ := ParseURL(serve(t, "public-pdu"), "admin:wrong")
	if _, err := Poll(context.Background(), tg); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := ParseURL("ftp://x", ""); err == nil {
		t.Error("ftp accepted")
	}
}

// key is a reading's series identity: its name and labels, in label order.
func key(r collect.Reading) string {
	keys := make([]string, 0, len(r.Labels))
	for k := range r.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(r.Name)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", k, r.Labels[k])
	}
	b.WriteByte('}')
	return b.String()
}
