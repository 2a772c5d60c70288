package snmp

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

func TestMain(m *testing.M) { testpeer.Main(m) }

// recordings are the SNMP recordings of real devices in ../shared (GPL data, read in place).
var recordings = filepath.Join("..", "..", "..", "..", "shared", "data", "snmprec")

// profileOf is the profile each recording's device must get.
var profileOf = map[string]string{
	"apc_ap7900b":               "apc-rpdu",
	"apc_ap8853":                "apc-rpdu2",
	"apc_ap8959eu3":             "apc-rpdu2",
	"generex-ups_cs141":         "ups-mib",
	"netvision-rfc":             "ups-mib", // a generic net-snmp sysObjectID: found by probing
	"deltaups_rfc1628string":    "delta-ups",
	"raritan-pdu":               "raritan-pdu",
	"raritan-pdu_px2":           "raritan-pdu2",
	"raritan-pdu_px2-temp":      "raritan-pdu2",
	"sentry3":                   "sentry3",
	"sentry3_3phase":            "sentry3",
	"sentry4":                   "sentry4",
	"apc_smt750x-nmc2":          "apc-ups",
	"apc_smtl1000-nmc3":         "apc-ups",
	"apc_surt3000xl":            "apc-ups",
	"apc_environmental-manager": "apc-environment",
	"apc-netbotz_netbotz750":    "netbotz",
	"hwg-poseidon":              "hwg-poseidon",
	"avtech_roomalert12e":       "avtech-roomalert",
	"eatonpdu_2":                "eaton-epdu",
	"vertiv-pdu_mg02e4w1":       "vertiv-geist",
	"liebert":                   "liebert", // a Liebert MPH PDU whose sysDescr names a GXT2 UPS
	"liebert_apm":               "liebert",
	"poweralert_ups":            "tripplite-ups",
}

// corrections are the values where Plenum deliberately reads a device otherwise than LibreNMS, by
// recording and OID, with the value Plenum must give.
var corrections = map[string]map[string]float64{
	// The Delta Mini-SNMP card gives AC volts in tenths (2300 for 230.0 V); LibreNMS shows 2300 V.
	"deltaups_rfc1628string": {
		"1.3.6.1.2.1.33.1.3.3.1.3.1": 236, "1.3.6.1.2.1.33.1.4.4.1.2.1": 230, "1.3.6.1.2.1.33.1.5.3.1.2.1": 235,
	},
}

// implausible says whether a value LibreNMS keeps is no reading at all: a device's sentinel
// (-1, 65535, 6553.5 once scaled, absolute zero) or a value no such sensor gives. Plenum must
// mark those missing rather than store them.
func implausible(class string, v float64) bool {
	switch class {
	case "temperature":
		return v < -50 || v > 150
	case "humidity":
		return v < 0 || v > 100
	case "current":
		return v < 0 || v >= 6553.5
	case "power", "voltage", "power_consumed":
		return v < 0 || v >= 65535
	}
	return false
}

// pending are the recordings no profile covers yet: the test fails when one of them gets a profile
// without being moved to profileOf, or one not listed has none.
var pending = []string{}

// classes are the LibreNMS sensor classes the conformance covers.
var classes = []string{"power", "current", "voltage", "temperature", "humidity", "power_consumed"}

type expectedSensor struct {
	Class   string  `json:"sensor_class"`
	OID     string  `json:"sensor_oid"`
	Descr   string  `json:"sensor_descr"`
	Current float64 `json:"sensor_current"`
}

// expected reads LibreNMS's expected sensors for a recording: the poller section where it has
// one (values as polled), the discovery section otherwise.
func expected(t *testing.T, name string) []expectedSensor {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(recordings, "expected-librenms", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sensors struct {
			Discovery *struct{ Sensors []expectedSensor } `json:"discovery"`
			Poller    json.RawMessage                     `json:"poller"` // or a string: "matches discovery"
		} `json:"sensors"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	src := doc.Sensors.Discovery
	var poller struct{ Sensors []expectedSensor }
	if json.Unmarshal(doc.Sensors.Poller, &poller) == nil && len(poller.Sensors) > 0 {
		src = &poller
	}
	var out []expectedSensor
	if src != nil {
		for _, s := range src.Sensors {
			if slices.Contains(classes, s.Class) {
				s.OID = strings.TrimPrefix(s.OID, ".")
				out = append(out, s)
			}
		}
	}
	return out
}

// TestConformance polls every recording served by snmpsim, over SNMP v2c and over SNMPv3
// (authPriv, SHA and AES), and checks, file by file, that the profile the device gets reads every
// power, energy, current, voltage, temperature and humidity value LibreNMS expects, with the same
// value after scaling — or marks it missing where the device gives its "no reading" value.
func TestConformance(t *testing.T) {
	if _, err := os.Stat(recordings); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the shared SNMP recordings are missing at %s (CI needs ../shared beside the repo)", recordings)
		}
		t.Skipf("no shared recordings at %s", recordings)
	}
	files, _ := filepath.Glob(filepath.Join(recordings, "expected-librenms", "*.json"))
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	for _, n := range names {
		if _, ok := profileOf[n]; ok == slices.Contains(pending, n) {
			t.Errorf("%s: list it in exactly one of profileOf and pending", n)
		}
	}
	ps, err := LoadProfiles("")
	if err != nil {
		t.Fatal(err)
	}
	agent := testpeer.SNMPSim(t, recordings)
	host, port, _ := strings.Cut(agent, ":")
	for _, name := range names {
		want, ok := profileOf[name]
		if !ok {
			continue
		}
		for _, version := range []string{"2c", "3"} {
			t.Run(name+"/v"+version, func(t *testing.T) {
				tg := Target{Host: host, Version: version, Community: name, Context: name, Timeout: 5 * time.Second, Retries: 1,
					User: testpeer.SNMPv3User, AuthKey: testpeer.SNMPv3AuthKey, PrivKey: testpeer.SNMPv3PrivKey}
				var p uint64
				for _, c := range port {
					p = p*10 + uint64(c-'0')
				}
				tg.Port = uint16(p)
				res, err := ps.Poll(context.Background(), tg, "")
				if err != nil {
					t.Fatal(err)
				}
				if res.Profile != want {
					t.Fatalf("profile %s, want %s", res.Profile, want)
				}
				bySource := map[string]collect.Reading{}
				for _, r := range res.Readings {
					bySource[r.Source] = r
				}
				sensors := expected(t, name)
				if len(sensors) == 0 {
					t.Fatal("no expected sensors")
				}
				missing := 0
				for _, s := range sensors {
					want, corrected := corrections[name][s.OID]
					if !corrected {
						want = s.Current
					}
					r, ok := bySource[s.OID]
					switch {
					case !ok:
						t.Errorf("%s %q (%s): not read; LibreNMS has %v", s.Class, s.Descr, s.OID, s.Current)
					case r.Missing:
						missing++
						// Only a no-reading value may be missing; LibreNMS keeps it as it is.
						if !implausible(s.Class, s.Current) {
							t.Errorf("%s %q (%s): missing (%s); LibreNMS has %v", s.Class, s.Descr, s.OID, r.Reason, s.Current)
						}
					case implausible(s.Class, s.Current) && !corrected:
						t.Errorf("%s %q (%s): stored %v %s, a value no such sensor gives", s.Class, s.Descr, s.OID, r.Value, r.Unit)
					case math.Abs(r.Value-want) > math.Max(1e-6*math.Abs(want), 0.005): // LibreNMS rounds to 2 decimals
						t.Errorf("%s %q (%s): %v %s, want %v (LibreNMS %v)", s.Class, s.Descr, s.OID, r.Value, r.Unit, want, s.Current)
					}
				}
				t.Logf("%d of LibreNMS's values read, %d of them marked missing", len(sensors), missing)
			})
		}
	}
}
