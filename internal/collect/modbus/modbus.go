// Package modbus polls power meters over Modbus TCP through register-map profiles: which
// registers, of which type and word order, scaled how, and which raw values mean "no reading".
package modbus

import (
	"context"
	"embed"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	mb "github.com/simonvetter/modbus"

	"github.com/plenum-dcim/plenum/internal/collect"
)

// Profile is one meter family's register map.
type Profile struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description"`
	WordOrder   string     `yaml:"word_order"` // high_first (default) or low_first, for registers over 16 bits
	Registers   []Register `yaml:"registers"`
}

// Register is one value: where it is and how to read it.
type Register struct {
	Name    string            `yaml:"name"`
	Unit    string            `yaml:"unit"`
	Table   string            `yaml:"table"`   // holding (function 3, default) or input (function 4)
	Address uint16            `yaml:"address"` // zero-based, as on the wire
	Type    string            `yaml:"type"`    // int16, uint16, int32, uint32, int64, uint64, float32
	Scale   float64           `yaml:"scale"`   // value = raw × scale (default 1)
	Labels  map[string]string `yaml:"labels"`
	// Missing lists raw values that mean "no reading"; the type's "not available" codes (all
	// bits set, or the largest positive value for signed types) may be given as "all_ones"/"max".
	Missing []string `yaml:"missing"`
	Min     *float64 `yaml:"min"`
	Max     *float64 `yaml:"max"`
}

var words = map[string]uint16{"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2, "int64": 4, "uint64": 4}

//go:embed profiles/*.yaml
var embedded embed.FS

// Profiles is a set of register maps by name.
type Profiles struct{ byName map[string]*Profile }

// LoadProfiles reads the embedded register maps, then those in dir, which replace embedded ones of
// the same name.
func LoadProfiles(dir string) (*Profiles, error) {
	ps := &Profiles{byName: map[string]*Profile{}}
	err := collect.ProfileFiles(embedded, dir, func(p *Profile) error {
		if err := p.check(); err != nil {
			return err
		}
		ps.byName[p.Name] = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ps, nil
}

// check fills the defaults of a decoded register map and refuses what cannot be read.
func (p *Profile) check() error {
	if p.Name == "" {
		return fmt.Errorf("name: missing")
	}
	switch p.WordOrder {
	case "":
		p.WordOrder = "high_first"
	case "high_first", "low_first":
	default:
		return fmt.Errorf("word_order %q: want high_first or low_first", p.WordOrder)
	}
	for i := range p.Registers {
		r := &p.Registers[i]
		switch {
		case r.Name == "" || r.Unit == "":
			return fmt.Errorf("registers[%d]: name and unit are needed", i)
		case words[r.Type] == 0:
			return fmt.Errorf("registers[%d] (%s).type %q: want int16, uint16, int32, uint32, int64, uint64 or float32", i, r.Name, r.Type)
		}
		switch r.Table {
		case "":
			r.Table = "holding"
		case "holding", "input":
		default:
			return fmt.Errorf("registers[%d] (%s).table %q: want holding or input", i, r.Name, r.Table)
		}
		if r.Scale == 0 {
			r.Scale = 1
		}
	}
	return nil
}

// Names lists the profiles.
func (ps *Profiles) Names() []string {
	var out []string
	for n := range ps.byName {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Target is a Modbus TCP device: modbus://HOST[:PORT]?profile=NAME&unit=N.
type Target struct {
	Host    string
	Port    int
	Unit    uint8
	Profile string
	Timeout time.Duration
}

// ParseURL reads modbus://HOST[:PORT][?profile=NAME][&unit=N] (port 502, unit 1 by default); a
// poll needs the profile, from the URL or given to Poll.
func ParseURL(s string) (Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, fmt.Errorf("%q: %w", s, err)
	}
	if u.Scheme != "modbus" {
		return Target{}, fmt.Errorf("%q: want modbus://HOST[:PORT]?profile=NAME&unit=N", s)
	}
	t := Target{Host: u.Hostname(), Port: 502, Unit: 1, Profile: u.Query().Get("profile"), Timeout: 2 * time.Second}
	if p := u.Port(); p != "" {
		if t.Port, err = strconv.Atoi(p); err != nil || t.Port <= 0 || t.Port > 65535 {
			return Target{}, fmt.Errorf("%q: port %q", s, p)
		}
	}
	if v := u.Query().Get("unit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 247 {
			return Target{}, fmt.Errorf("%q: unit %q: want 0 to 247", s, v)
		}
		t.Unit = uint8(n)
	}
	if t.Host == "" {
		return Target{}, fmt.Errorf("%q: no host", s)
	}
	return t, nil
}

// Poll reads every register of the target's profile. A register the meter refuses (an exception)
// is a missing reading with the exception; a connection failure fails the poll.
func (ps *Profiles) Poll(ctx context.Context, t Target, profile string) (collect.Result, error) {
	if profile == "" {
		profile = t.Profile
	}
	if profile == "" {
		return collect.Result{}, fmt.Errorf("modbus %s: name the register map (?profile=NAME; have %s)", t.Host, strings.Join(ps.Names(), ", "))
	}
	p := ps.byName[profile]
	if p == nil {
		return collect.Result{}, fmt.Errorf("no Modbus profile %q (have %s)", profile, strings.Join(ps.Names(), ", "))
	}
	timeout := t.Timeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = time.Until(d)
	}
	c, err := mb.NewClient(&mb.ClientConfiguration{URL: "tcp://" + net.JoinHostPort(t.Host, strconv.Itoa(t.Port)), Timeout: timeout})
	if err != nil {
		return collect.Result{}, err
	}
	if err := c.Open(); err != nil {
		return collect.Result{Profile: p.Name}, fmt.Errorf("modbus %s:%d: %w", t.Host, t.Port, err)
	}
	defer c.Close()
	if err := c.SetUnitId(t.Unit); err != nil {
		return collect.Result{}, err
	}
	res := collect.Result{Profile: p.Name}
	for i := range p.Registers {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		r := &p.Registers[i]
		table := mb.HOLDING_REGISTER
		if r.Table == "input" {
			table = mb.INPUT_REGISTER
		}
		regs, err := c.ReadRegisters(r.Address, words[r.Type], table)
		rd := collect.Reading{Name: r.Name, Unit: r.Unit, Labels: map[string]string{}, Source: fmt.Sprintf("%s:%d", r.Table, r.Address)}
		for k, v := range r.Labels {
			rd.Labels[k] = v
		}
		if err != nil {
			var ne net.Error
			if isNetErr(err, &ne) {
				return res, fmt.Errorf("modbus %s:%d: %w", t.Host, t.Port, err)
			}
			rd.Missing, rd.Reason = true, err.Error()
			res.Readings = append(res.Readings, rd)
			continue
		}
		val, reason := r.decode(regs, p.WordOrder)
		if reason != "" {
			rd.Missing, rd.Reason = true, reason
		} else {
			rd.Value = val
		}
		res.Readings = append(res.Readings, rd)
	}
	return res, nil
}

func isNetErr(err error, ne *net.Error) bool {
	if e, ok := err.(net.Error); ok {
		*ne = e
		return true
	}
	return err == mb.ErrRequestTimedOut || strings.Contains(err.Error(), "connection")
}

// decode turns registers into the value, or says why there is none.
func (r *Register) decode(regs []uint16, order string) (float64, string) {
	if order == "low_first" {
		regs = slices.Clone(regs)
		slices.Reverse(regs)
	}
	var b [8]byte
	for i, w := range regs {
		binary.BigEndian.PutUint16(b[2*i:], w)
	}
	n := len(regs) * 2
	var raw float64
	var bits uint64
	for i := 0; i < n; i++ {
		bits = bits<<8 | uint64(b[i])
	}
	allOnes := bits == (uint64(1)<<(8*n))-1 || (n == 8 && bits == math.MaxUint64)
	signedMax := bits == (uint64(1)<<(8*n-1))-1
	for _, m := range r.Missing {
		switch m {
		case "all_ones":
			if allOnes {
				return 0, fmt.Sprintf("the meter's not-available code 0x%X", bits)
			}
		case "max":
			if signedMax {
				return 0, fmt.Sprintf("the meter's not-available code 0x%X", bits)
			}
		}
	}
	switch r.Type {
	case "int16":
		raw = float64(int16(bits))
	case "uint16":
		raw = float64(uint16(bits))
	case "int32":
		raw = float64(int32(bits))
	case "uint32":
		raw = float64(uint32(bits))
	case "int64":
		raw = float64(int64(bits))
	case "uint64":
		raw = float64(bits)
	case "float32":
		raw = float64(math.Float32frombits(uint32(bits)))
		if math.IsNaN(raw) || math.IsInf(raw, 0) {
			return 0, "not a number (NaN or infinite float)"
		}
	}
	for _, m := range r.Missing {
		if v, err := strconv.ParseFloat(m, 64); err == nil && v == raw {
			return 0, fmt.Sprintf("the meter's no-reading value %v", raw)
		}
	}
	val := raw * r.Scale
	if (r.Min != nil && val < *r.Min) || (r.Max != nil && val > *r.Max) {
		return 0, fmt.Sprintf("%v %s is out of range", val, r.Unit)
	}
	return val, ""
}
