package snmp

import (
	"embed"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/plenum-dcim/plenum/internal/collect"
)

// A profile says what one family of devices exposes over SNMP: which OIDs, under which metric names
// and labels, scaled how, and which raw values mean "no reading". It is chosen by the device's
// sysObjectID (the longest matching prefix wins; sysDescr may narrow it). Profiles are YAML files:
// those embedded here, and any in a directory given at start, which replace embedded ones of the
// same name.

// Profile is one device family's map.
type Profile struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	SysObjectID []string `yaml:"sysobjectid"` // prefixes of the sysObjectID it applies to
	SysDescr    string   `yaml:"sysdescr"`    // optional regular expression the sysDescr must match
	// Probe lists OID subtrees: when no sysObjectID matches, an agent with anything in one of
	// them gets this profile (the standard UPS-MIB behind a generic net-snmp sysObjectID).
	Probe   []string `yaml:"probe"`
	Metrics []Metric `yaml:"metrics"`
	descr   *regexp.Regexp
}

// Metric is one value, or one column of a table (a value per row).
type Metric struct {
	Name string `yaml:"name"` // Prometheus-style metric name
	Unit string `yaml:"unit"` // SI unit of the scaled value
	OID  string `yaml:"oid"`  // a scalar's full OID (ending .0), or a table column's
	// Index names the labels the row index gives, one per index component (a two-part index
	// 1.3 with [tower, infeed] gives tower="1", infeed="3"); with one name for several components
	// the label is the whole index. Empty: a scalar.
	Index []string `yaml:"index"`
	// Labels are more labels: a fixed value, or, given as "oid:COLUMN", the value of another
	// column of the same table at the same row (an outlet's name).
	Labels map[string]string `yaml:"labels"`
	// Where keeps only the rows whose labels have these values (a sensor-type index component, a
	// type column). Labels whose names begin with "_" select rows but are not reported.
	Where      map[string]string `yaml:"where"`
	Multiplier float64           `yaml:"multiplier"` // value = raw × multiplier ÷ divisor (defaults 1)
	Divisor    float64           `yaml:"divisor"`
	// DecimalsOID is a column giving, per row, the number of decimal digits of the raw value
	// (Raritan PDU2-MIB): the value is then divided by 10^digits as well.
	DecimalsOID string `yaml:"decimals_oid"`
	// Missing lists raw values that mean "no reading" (-1, 65535, 2147483647, ...).
	Missing []float64 `yaml:"missing"`
	// Min and Max bound a plausible scaled value; outside them the reading is missing.
	Min *float64 `yaml:"min"`
	Max *float64 `yaml:"max"`
	// RawMin: a raw value below it means "no reading" (Sentry3: a negative temperature value).
	RawMin *float64 `yaml:"raw_min"`
	// Fahrenheit converts a value in °F to °C (after scaling); FahrenheitOID instead names a
	// column saying per row whether the value is in °F: FahrenheitValue there (default "1"); an
	// OID ending in .0 is one setting for the whole device.
	Fahrenheit      bool   `yaml:"fahrenheit"`
	FahrenheitOID   string `yaml:"fahrenheit_oid"`
	FahrenheitValue string `yaml:"fahrenheit_value"`
}

//go:embed profiles/*.yaml
var embedded embed.FS

// Profiles is a set of profiles.
type Profiles struct{ list []*Profile }

// LoadProfiles reads the embedded profiles, then those in dir (if not empty), which replace
// embedded ones of the same name. A file that does not read or check is an error naming it.
func LoadProfiles(dir string) (*Profiles, error) {
	ps := &Profiles{}
	byName := map[string]int{}
	err := collect.ProfileFiles(embedded, dir, func(p *Profile) error {
		if err := p.check(); err != nil {
			return err
		}
		if i, ok := byName[p.Name]; ok {
			ps.list[i] = p
			return nil
		}
		byName[p.Name] = len(ps.list)
		ps.list = append(ps.list, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ps, nil
}

// check fills the defaults of a decoded profile and refuses what cannot be read.
func (p *Profile) check() error {
	if p.Name == "" {
		return fmt.Errorf("name: missing")
	}
	if len(p.SysObjectID) == 0 && len(p.Probe) == 0 {
		return fmt.Errorf("sysobjectid: give at least one prefix (or a probe)")
	}
	for i, o := range p.Probe {
		p.Probe[i] = strings.TrimPrefix(o, ".")
	}
	for i, o := range p.SysObjectID {
		p.SysObjectID[i] = strings.TrimPrefix(o, ".")
	}
	if p.SysDescr != "" {
		re, err := regexp.Compile(p.SysDescr)
		if err != nil {
			return fmt.Errorf("sysdescr: %w", err)
		}
		p.descr = re
	}
	for i := range p.Metrics {
		m := &p.Metrics[i]
		m.OID = strings.TrimPrefix(m.OID, ".")
		m.DecimalsOID = strings.TrimPrefix(m.DecimalsOID, ".")
		m.FahrenheitOID = strings.TrimPrefix(m.FahrenheitOID, ".")
		if m.FahrenheitValue == "" {
			m.FahrenheitValue = "1"
		}
		switch {
		case m.Name == "":
			return fmt.Errorf("metrics[%d].name: missing", i)
		case m.OID == "":
			return fmt.Errorf("metrics[%d] (%s).oid: missing", i, m.Name)
		case m.Unit == "":
			return fmt.Errorf("metrics[%d] (%s).unit: missing", i, m.Name)
		}
		if m.Multiplier == 0 {
			m.Multiplier = 1
		}
		if m.Divisor == 0 {
			m.Divisor = 1
		}
		for k, v := range m.Labels {
			if col, ok := strings.CutPrefix(v, "oid:"); ok {
				if len(m.Index) == 0 {
					return fmt.Errorf("metrics[%d] (%s).labels.%s: a column label needs an indexed metric", i, m.Name, k)
				}
				m.Labels[k] = "oid:" + strings.TrimPrefix(col, ".")
			}
		}
	}
	return nil
}

// Match returns the profile for a device: the one with the longest sysObjectID prefix matching
// (whole arcs), whose sysDescr pattern, if any, matches too; nil when none does.
func (ps *Profiles) Match(sysObjectID, sysDescr string) *Profile {
	sysObjectID = strings.TrimPrefix(sysObjectID, ".")
	var best *Profile
	bestLen := -1
	for _, p := range ps.list {
		for _, pre := range p.SysObjectID {
			if sysObjectID != pre && !strings.HasPrefix(sysObjectID, pre+".") {
				continue
			}
			if p.descr != nil && !p.descr.MatchString(sysDescr) {
				continue
			}
			if len(pre) > bestLen {
				best, bestLen = p, len(pre)
			}
		}
	}
	return best
}

// probes lists the profiles that have probe OIDs, in load order.
func (ps *Profiles) probes() []*Profile {
	var out []*Profile
	for _, p := range ps.list {
		if len(p.Probe) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// ByName returns the profile called name.
func (ps *Profiles) ByName(name string) *Profile {
	i := slices.IndexFunc(ps.list, func(p *Profile) bool { return p.Name == name })
	if i < 0 {
		return nil
	}
	return ps.list[i]
}

// Names lists the profiles.
func (ps *Profiles) Names() []string {
	out := make([]string, len(ps.list))
	for i, p := range ps.list {
		out[i] = p.Name
	}
	return out
}
