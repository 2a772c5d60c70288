package modbus

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

func TestMain(m *testing.M) { testpeer.Main(m) }

// TestMeters polls three meters served by pymodbus with known registers and checks every value
// against the worked decoding: IEEE 754 words (230.0 V is 0x4366 0x0000), Schneider's INT64 Wh,
// ABB's 0.01 kWh and 0.1 V counts, and the not-available codes (a float NaN, ABB's all-ones)
// reported missing with their reason.
func TestMeters(t *testing.T) {
	agent := testpeer.Modbus(t, map[int]testpeer.ModbusRegisters{
		1: {"input": { // Eastron SDM630
			0: 0x4366, 1: 0x0000, // L1 230.0 V
			2: 0x4367, 3: 0x8000, // L2 231.5 V
			4: 0x4365, 5: 0xC000, // L3 229.75 V
			6: 0x40A0, 7: 0x0000, // L1 5.0 A
			8: 0x4088, 9: 0x0000, // L2 4.25 A
			10: 0x7FC0, 11: 0x0000, // L3 NaN: not available
			12: 0x448F, 13: 0xC000, // L1 1150.0 W
			52: 0x448F, 53: 0xC000, // total 1150.0 W
			70: 0x4248, 71: 0x0000, // 50.0 Hz
			72: 0x4640, 73: 0xE600, // 12345.5 kWh imported
			342: 0x4640, 343: 0xE600,
		}},
		2: {"holding": { // Schneider PM5000: float32 kW, INT64 Wh
			2999: 0x4148, 3000: 0x0000, // I a 12.5 A
			3027: 0x4366, 3028: 0x0000, // V a-n 230.0 V
			3059: 0x3F66, 3060: 0x6666, // 0.9 kW
			3109: 0x4248, 3110: 0x0000, // 50.0 Hz
			3203: 0x0000, 3204: 0x0000, 3205: 0x075B, 3206: 0xCD15, // 123456789 Wh
			3001: 0xFFC0, 3002: 0x0000, // I b NaN: not available
		}},
		3: {"holding": { // ABB B23
			20480: 0, 20481: 0, 20482: 0x00BC, 20483: 0x614E, // 12345678 × 0.01 kWh
			23296: 0, 23297: 2301, // L1 230.1 V
			23300: 0xFFFF, 23301: 0xFFFF, // L3 invalid
			23308: 0, 23309: 1234, // L1 12.34 A
			23316: 0x0003, 23317: 0xD090, // 250000 × 0.01 W = 2500 W
			23340: 4998, // 49.98 Hz
		}},
	})
	ps, err := LoadProfiles("")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(agent, ":")
	poll := func(unit, profile string) map[string]collect.Reading {
		t.Helper()
		tg, err := ParseURL("modbus://" + host + ":" + port + "?profile=" + profile + "&unit=" + unit)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ps.Poll(context.Background(), tg, "")
		if err != nil {
			t.Fatalf("%s: %v", profile, err)
		}
		out := map[string]collect.Reading{}
		for _, r := range res.Readings {
			out[r.Name+"/"+r.Labels["phase"]] = r
		}
		return out
	}
	check := func(got map[string]collect.Reading, key string, want float64) {
		t.Helper()
		r, ok := got[key]
		if !ok || r.Missing || math.Abs(r.Value-want) > 1e-9*math.Max(1, want) {
			t.Errorf("%s: %+v, want %v", key, r, want)
		}
	}
	missing := func(got map[string]collect.Reading, key, reason string) {
		t.Helper()
		if r := got[key]; !r.Missing || !strings.Contains(r.Reason, reason) {
			t.Errorf("%s: %+v, want missing (%s)", key, r, reason)
		}
	}
	sdm := poll("1", "eastron-sdm630")
	check(sdm, "meter_voltage_volts/L1", 230)
	check(sdm, "meter_voltage_volts/L2", 231.5)
	check(sdm, "meter_voltage_volts/L3", 229.75)
	check(sdm, "meter_current_amps/L1", 5)
	check(sdm, "meter_current_amps/L2", 4.25)
	missing(sdm, "meter_current_amps/L3", "not a number")
	check(sdm, "meter_phase_power_watts/L1", 1150)
	check(sdm, "meter_power_watts/", 1150)
	check(sdm, "meter_frequency_hertz/", 50)
	check(sdm, "meter_import_energy_kwh_total/", 12345.5)
	pm := poll("2", "schneider-pm5000")
	check(pm, "meter_current_amps/L1", 12.5)
	missing(pm, "meter_current_amps/L2", "not a number")
	check(pm, "meter_voltage_volts/L1", 230)
	check(pm, "meter_power_watts/", float64(float32(0.9))*1000)
	check(pm, "meter_energy_kwh_total/", 123456.789)
	abb := poll("3", "abb-b23")
	check(abb, "meter_import_energy_kwh_total/", 123456.78)
	check(abb, "meter_voltage_volts/L1", 230.1)
	missing(abb, "meter_voltage_volts/L3", "not-available code")
	check(abb, "meter_current_amps/L1", 12.34)
	check(abb, "meter_power_watts/", 2500)
	check(abb, "meter_frequency_hertz/", 49.98)
	// A meter that is not there fails the poll, naming it; a bad URL is refused.
	dead, _ := ParseURL("modbus://127.0.0.1:9?profile=abb-b23")
	dead.Timeout = 300 * time.Millisecond
	if _, err := ps.Poll(context.Background(), dead, ""); err == nil || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("dead meter: %v", err)
	}
	for _, bad := range []string{"modbus://x?profile=p&unit=300", "tcp://x?profile=p", "modbus://?profile=p"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	// A meter with no register map named, in its URL or by its target, is not polled.
	bare, err := ParseURL("modbus://" + agent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Poll(context.Background(), bare, ""); err == nil || !strings.Contains(err.Error(), "name the register map") {
		t.Errorf("no profile: %v", err)
	}
}
