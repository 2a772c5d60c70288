package snmp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"
)

func TestParseURL(t *testing.T) {
	v2, err := ParseURL("snmp://public@10.0.0.5:1161", "")
	if err != nil || v2.Version != "2c" || v2.Community != "public" || v2.Host != "10.0.0.5" || v2.Port != 1161 {
		t.Errorf("v2c: %+v %v", v2, err)
	}
	v3, err := ParseURL("snmpv3://ops:authkey1:privkey1@pdu-a01.dc1?context=pdu", "")
	if err != nil || v3.Version != "3" || v3.User != "ops" || v3.AuthKey != "authkey1" || v3.PrivKey != "privkey1" || v3.Port != 161 || v3.Context != "pdu" {
		t.Errorf("v3: %+v %v", v3, err)
	}
	for _, bad := range []string{"snmp://10.0.0.5", "snmpv3://ops@host", "snmpv3://ops:onlyauth@host", "http://x@host", "snmp://c@host:99999", "snmp://c@"} {
		if _, err := ParseURL(bad, ""); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	// Credentials kept apart (a poll target's) stand for the URL's user part.
	kept, err := ParseURL("snmpv3://pdu-a01.dc1:1161", "ops:authkey1:privkey1")
	if err != nil || kept.User != "ops" || kept.AuthKey != "authkey1" || kept.PrivKey != "privkey1" || kept.Port != 1161 {
		t.Errorf("v3 with credentials apart: %+v %v", kept, err)
	}
}

func TestProfileFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A local file replaces the embedded profile of the same name.
	write("sentry3.yaml", "name: sentry3\nsysobjectid: [1.3.6.1.4.1.1718.3]\nmetrics:\n  - {name: only_this, unit: W, oid: 1.3.6.1.4.1.1718.3.1.6.0}\n")
	ps, err := LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p := ps.ByName("sentry3"); p == nil || len(p.Metrics) != 1 || p.Metrics[0].Name != "only_this" {
		t.Errorf("local sentry3: %+v", p)
	}
	// The longest sysObjectID prefix wins, by whole arcs.
	if p := ps.Match(".1.3.6.1.4.1.318.1.3.4.6", ""); p == nil || p.Name != "apc-rpdu2" {
		t.Errorf("AP88xx: %v", p)
	}
	if p := ps.Match("1.3.6.1.4.1.318.1.3.4.60", ""); p != nil {
		t.Errorf("a longer arc matched %s", p.Name)
	}
	for _, c := range []struct{ body, want string }{
		{"name: x\nsysobjectid: [1.2]\nmetrics:\n  - {name: m, oid: 1.2.3}\n", "unit: missing"},
		{"name: x\nsysobjectid: [1.2]\nmetrics:\n  - {name: m, unit: W, oid: 1.2.3, sclae: 2}\n", "sclae"},
		{"sysobjectid: [1.2]\n", "name: missing"},
		{"name: x\nmetrics: []\n", "sysobjectid"},
		{"name: x\nsysobjectid: [1.2]\nmetrics:\n  - {name: m, unit: W, oid: 1.2.3.0, labels: {a: \"oid:1.2.4\"}}\n", "needs an indexed metric"},
	} {
		bad := t.TempDir()
		if err := os.WriteFile(filepath.Join(bad, "broken.yaml"), []byte(c.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadProfiles(bad); err == nil || !strings.Contains(err.Error(), "broken.yaml") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want the file and %q", c.body, err, c.want)
		}
	}
}

// Garbage from a device is a missing reading with its reason, never a zero.
func TestReadingGarbage(t *testing.T) {
	min0 := 0.0
	m := Metric{Name: "pdu_power_watts", Unit: "W", Multiplier: 10, Divisor: 1, Missing: []float64{-1, 65535}, Min: &min0}
	cases := []struct {
		pdu    gosnmp.SnmpPDU
		want   float64
		reason string
	}{
		{gosnmp.SnmpPDU{Type: gosnmp.Integer, Value: 114}, 1140, ""},
		{gosnmp.SnmpPDU{Type: gosnmp.OctetString, Value: []byte(" 12.5 ")}, 125, ""},
		{gosnmp.SnmpPDU{Type: gosnmp.Integer, Value: -1}, 0, "no-reading value -1"},
		{gosnmp.SnmpPDU{Type: gosnmp.Gauge32, Value: uint(65535)}, 0, "no-reading value 65535"},
		{gosnmp.SnmpPDU{Type: gosnmp.Integer, Value: -4}, 0, "out of range"},
		{gosnmp.SnmpPDU{Type: gosnmp.OctetString, Value: []byte("N/A")}, 0, "not a number"},
		{gosnmp.SnmpPDU{Type: gosnmp.NoSuchInstance}, 0, "no such object"},
		{gosnmp.SnmpPDU{Type: gosnmp.Null}, 0, "null"},
	}
	for _, c := range cases {
		r := m.reading(c.pdu, nil, "", false)
		if r.Missing != (c.reason != "") || r.Value != c.want || !strings.Contains(r.Reason, c.reason) {
			t.Errorf("%v: %+v, want %v %q", c.pdu.Value, r, c.want, c.reason)
		}
	}
	// Decimal digits per row, and a row in °F.
	f := Metric{Name: "t", Unit: "°C", Multiplier: 1, Divisor: 1}
	r := f.reading(gosnmp.SnmpPDU{Type: gosnmp.Integer, Value: 770}, nil, "1", true)
	if r.Missing || r.Value != 25 {
		t.Errorf("77.0 °F: %+v", r)
	}
}
