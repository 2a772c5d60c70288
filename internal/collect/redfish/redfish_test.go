package redfish

import (
	"context"
	"encoding/json"
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
	return pollURL(t, serve(t, name))
}

// pollURL polls a service and keys its readings by series.
func pollURL(t *testing.T, u string) map[string]collect.Reading {
	t.Helper()
	tg, err := ParseURL(u, "admin:secret")
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

// serveTree serves a service held as one JSON object of URI → resource.
func serveTree(t *testing.T, tree map[string]map[string]any) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := tree[strings.TrimSuffix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "http://", "redfish://", 1)
}

// cduTree is a fresh copy of testdata/cdu.json, a service of URI → resource.
func cduTree(t testing.TB) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cdu.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]map[string]any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	return tree
}

// A CDU under ThermalEquipment (testdata/cdu.json, values of our own): its metrics, two primary
// and two secondary connectors, two pumps and two leak detectors, and a cooling loop. Bad values
// are missing with their reason: a negative flow, a pump at 135 %, a supply temperature whose
// sensor link does not resolve, a reading that is not a number. A service without
// ThermalEquipment, or whose ThermalEquipment does not resolve, keeps its other readings.
func TestCoolingUnit(t *testing.T) {
	const cdu, pa, pb = `{cdu="1"}`, `{cdu="1",connector="A",loop="primary"}`, `{cdu="1",connector="B",loop="primary"}`
	const s12, s13 = `{cdu="1",connector="Rack12",loop="secondary"}`, `{cdu="1",connector="Rack13",loop="secondary"}`
	const p1, p2 = `{cdu="1",pump="1"}`, `{cdu="1",pump="2"}`
	cduValues := map[string]float64{
		"cdu_health" + cdu:              1,
		"cdu_temperature_celsius" + cdu: 27.25,
		"cdu_humidity_percent" + cdu:    44,
		"cdu_power_watts" + cdu:         4180,
		"cdu_energy_kwh_total" + cdu:    91234.5,

		"cdu_coolant_supply_temperature_celsius" + pa:  17.5,
		"cdu_coolant_return_temperature_celsius" + pa:  28,
		"cdu_coolant_delta_temperature_celsius" + pa:   10.5,
		"cdu_coolant_flow_liters_per_minute" + pa:      312.4,
		"cdu_coolant_supply_pressure_kpa" + pa:         255,
		"cdu_coolant_return_pressure_kpa" + pa:         205,
		"cdu_coolant_delta_pressure_kpa" + pa:          50,
		"cdu_coolant_supply_temperature_celsius" + pb:  17.75,
		"cdu_coolant_return_temperature_celsius" + pb:  27.5,
		"cdu_coolant_return_temperature_celsius" + s12: 42.5,
		"cdu_coolant_flow_liters_per_minute" + s12:     140.25,
		"cdu_coolant_delta_pressure_kpa" + s12:         95.5,
		"cdu_coolant_supply_temperature_celsius" + s13: 31.5,
		"cdu_coolant_flow_liters_per_minute" + s13:     0, // no flow is a value

		"cdu_pump_health" + p1:        0,
		"cdu_pump_speed_percent" + p1: 61.5,
		"cdu_pump_speed_rpm" + p1:     2950,
		"cdu_pump_health" + p2:        1,
		"cdu_pump_speed_rpm" + p2:     3600,

		`cdu_leak_detector_state{cdu="1",detector="DripTray"}`: 0,
		`cdu_leak_detector_state{cdu="1",detector="Manifold"}`: 2,

		`cooling_loop_coolant_level_percent{cooling_loop="RowC"}`: 88.5,
		`cooling_loop_coolant_level_health{cooling_loop="RowC"}`:  0,
	}
	cduMissing := map[string]string{
		"cdu_coolant_flow_liters_per_minute" + pb:      "-40 L/min below 0 L/min: impossible",
		"cdu_coolant_supply_temperature_celsius" + s12: "/redfish/v1/Chassis/CDU1/Sensors/Rack12SupplyTemp does not resolve",
		"cdu_coolant_delta_temperature_celsius" + s13:  "reading n/a: not a number",
		"cdu_pump_speed_percent" + p2:                  "135 % above 100 %: impossible",
	}
	for _, tc := range []struct {
		name    string
		edit    func(tree map[string]map[string]any)
		values  map[string]float64
		missing map[string]string
	}{
		{"cdu", func(map[string]map[string]any) {}, cduValues, cduMissing},
		{"no ThermalEquipment", func(tree map[string]map[string]any) { delete(tree["/redfish/v1"], "ThermalEquipment") }, nil, nil},
		{"ThermalEquipment does not resolve", func(tree map[string]map[string]any) { delete(tree, "/redfish/v1/ThermalEquipment") },
			nil, map[string]string{`redfish_resource{uri="/redfish/v1/ThermalEquipment"}`: "does not resolve"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree := cduTree(t)
			tc.edit(tree)
			got := pollURL(t, serveTree(t, tree))
			for k, v := range tc.values {
				expect(t, got, k, v)
			}
			for k, why := range tc.missing {
				expectMissing(t, got, k, why)
			}
			for k := range got {
				_, isValue := tc.values[k]
				_, isMissing := tc.missing[k]
				if !isValue && !isMissing && !strings.HasPrefix(k, "sensor_") {
					t.Errorf("unexpected reading %s: %+v", k, got[k])
				}
			}
			// The chassis' own sensors are read whatever ThermalEquipment holds.
			expect(t, got, `sensor_liquid_flow_lpm{chassis="CDU1",context="",sensor="PrimaryFlow"}`, 312.4)
		})
	}
	got := pollURL(t, serveTree(t, cduTree(t)))
	for k, unit := range map[string]string{"cdu_coolant_flow_liters_per_minute" + pa: "L/min", "cdu_coolant_supply_pressure_kpa" + pa: "kPa",
		"cdu_coolant_supply_temperature_celsius" + pa: "°C", "cdu_pump_speed_rpm" + p1: "rpm", "cdu_pump_speed_percent" + p1: "%"} {
		if got[k].Unit != unit {
			t.Errorf("%s: unit %q, want %q", k, got[k].Unit, unit)
		}
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
