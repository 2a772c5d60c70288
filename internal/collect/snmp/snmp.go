// Package snmp polls SNMP agents (v2c, and v3 with authPriv SHA/AES) through device profiles.
package snmp

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/plenum-dcim/plenum/internal/collect"
)

// Target is an SNMP agent and how to talk to it.
type Target struct {
	Host      string
	Port      uint16
	Version   string // "2c" or "3"
	Community string // v2c
	// v3, authPriv: user, SHA authentication key, AES privacy key; Context is the context name.
	User, AuthKey, PrivKey, Context string
	Timeout                         time.Duration
	Retries                         int
}

// ParseURL reads snmp://COMMUNITY@HOST[:PORT] (v2c) or snmpv3://USER:AUTHKEY:PRIVKEY@HOST[:PORT]
// (authPriv with SHA and AES), with an optional ?context=NAME. credentials, when not empty, stand
// for the URL's user part (a poll target keeps them apart): the community, or USER:AUTHKEY:PRIVKEY.
func ParseURL(s, credentials string) (Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, fmt.Errorf("%q: %w", s, err)
	}
	t := Target{Port: 161, Timeout: 2 * time.Second, Retries: 1, Context: u.Query().Get("context"), Host: u.Host}
	if h, p, err := net.SplitHostPort(u.Host); err == nil {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return Target{}, fmt.Errorf("%q: port %q", s, p)
		}
		t.Host, t.Port = h, uint16(n)
	}
	if t.Host == "" {
		return Target{}, fmt.Errorf("%q: no host", s)
	}
	if credentials == "" && u.User != nil {
		credentials = u.User.String() // user, or user:password, as written
		if un, err := url.PathUnescape(credentials); err == nil {
			credentials = un
		}
	}
	switch u.Scheme {
	case "snmp":
		if credentials == "" {
			return Target{}, fmt.Errorf("%q: give the community: snmp://COMMUNITY@HOST:PORT", s)
		}
		t.Version, t.Community = "2c", credentials
	case "snmpv3":
		parts := strings.Split(credentials, ":")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return Target{}, fmt.Errorf("%q: give the user and keys: snmpv3://USER:AUTHKEY:PRIVKEY@HOST:PORT", s)
		}
		t.Version, t.User, t.AuthKey, t.PrivKey = "3", parts[0], parts[1], parts[2]
	default:
		return Target{}, fmt.Errorf("%q: scheme %q: want snmp:// (v2c) or snmpv3://", s, u.Scheme)
	}
	return t, nil
}

func (t Target) client(ctx context.Context) *gosnmp.GoSNMP {
	g := &gosnmp.GoSNMP{Target: t.Host, Port: t.Port, Timeout: t.Timeout, Retries: t.Retries, MaxRepetitions: 25,
		MaxOids: 32, Context: ctx, ExponentialTimeout: false}
	if t.Version == "3" {
		g.Version = gosnmp.Version3
		g.SecurityModel = gosnmp.UserSecurityModel
		g.MsgFlags = gosnmp.AuthPriv
		g.ContextName = t.Context
		g.SecurityParameters = &gosnmp.UsmSecurityParameters{UserName: t.User,
			AuthenticationProtocol: gosnmp.SHA, AuthenticationPassphrase: t.AuthKey,
			PrivacyProtocol: gosnmp.AES, PrivacyPassphrase: t.PrivKey}
	} else {
		g.Version = gosnmp.Version2c
		g.Community = t.Community
	}
	return g
}

const (
	oidSysDescr    = "1.3.6.1.2.1.1.1.0"
	oidSysObjectID = "1.3.6.1.2.1.1.2.0"
)

// Poll reads a device: its sysObjectID picks the profile (or profile names one), then every
// metric of the profile is read, table columns by GETBULK walks.
func (ps *Profiles) Poll(ctx context.Context, t Target, profile string) (collect.Result, error) {
	g := t.client(ctx)
	if err := g.Connect(); err != nil {
		return collect.Result{}, fmt.Errorf("snmp %s:%d: %w", t.Host, t.Port, err)
	}
	defer g.Conn.Close()
	var p *Profile
	if profile != "" {
		if p = ps.ByName(profile); p == nil {
			return collect.Result{}, fmt.Errorf("no profile %q (have %s)", profile, strings.Join(ps.Names(), ", "))
		}
	} else {
		pkt, err := g.Get([]string{oidSysObjectID, oidSysDescr})
		if err != nil {
			return collect.Result{}, fmt.Errorf("snmp %s:%d: %w", t.Host, t.Port, err)
		}
		var oid, descr string
		for _, v := range pkt.Variables {
			switch strings.TrimPrefix(v.Name, ".") {
			case oidSysObjectID:
				oid, _ = v.Value.(string)
			case oidSysDescr:
				b, _ := v.Value.([]byte)
				descr = string(b)
			}
		}
		if p = ps.Match(oid, descr); p == nil {
			if p, err = ps.probe(g); err != nil {
				return collect.Result{}, fmt.Errorf("snmp %s:%d: %w", t.Host, t.Port, err)
			}
		}
		if p == nil {
			return collect.Result{}, fmt.Errorf("no profile for sysObjectID %s (%.60s)", oid, descr)
		}
	}
	data, err := read(g, p)
	if err != nil {
		return collect.Result{Profile: p.Name}, fmt.Errorf("snmp %s:%d: %w", t.Host, t.Port, err)
	}
	return collect.Result{Profile: p.Name, Readings: p.readings(data)}, nil
}

// probe picks the first profile one of whose probe subtrees the agent has something in.
func (ps *Profiles) probe(g *gosnmp.GoSNMP) (*Profile, error) {
	for _, p := range ps.probes() {
		for _, tree := range p.Probe {
			pkt, err := g.GetNext([]string{tree})
			if err != nil {
				return nil, err
			}
			for _, v := range pkt.Variables {
				if strings.HasPrefix(strings.TrimPrefix(v.Name, "."), tree+".") && v.Type != gosnmp.EndOfMibView {
					return p, nil
				}
			}
		}
	}
	return nil, nil
}

// agentData is what was read: scalars by OID, columns by OID then row index.
type agentData struct {
	scalars map[string]gosnmp.SnmpPDU
	columns map[string]map[string]gosnmp.SnmpPDU
}

// read fetches every OID profile p needs: scalars by GET (in batches), columns by walking them.
func read(g *gosnmp.GoSNMP, p *Profile) (agentData, error) {
	d := agentData{scalars: map[string]gosnmp.SnmpPDU{}, columns: map[string]map[string]gosnmp.SnmpPDU{}}
	var scalars, columns []string
	for _, m := range p.Metrics {
		if len(m.Index) == 0 {
			scalars = append(scalars, m.OID)
			continue
		}
		columns = append(columns, m.OID)
		if m.DecimalsOID != "" {
			columns = append(columns, m.DecimalsOID)
		}
		if m.FahrenheitOID != "" {
			if strings.HasSuffix(m.FahrenheitOID, ".0") { // one setting for the whole device
				scalars = append(scalars, m.FahrenheitOID)
			} else {
				columns = append(columns, m.FahrenheitOID)
			}
		}
		for _, v := range m.Labels {
			if col, ok := strings.CutPrefix(v, "oid:"); ok {
				columns = append(columns, col)
			}
		}
	}
	slices.Sort(scalars)
	scalars = slices.Compact(scalars)
	for lo := 0; lo < len(scalars); lo += 16 {
		pkt, err := g.Get(scalars[lo:min(lo+16, len(scalars))])
		if err != nil {
			return d, err
		}
		for _, v := range pkt.Variables {
			d.scalars[strings.TrimPrefix(v.Name, ".")] = v
		}
	}
	slices.Sort(columns)
	columns = slices.Compact(columns)
	for _, col := range columns {
		rows := map[string]gosnmp.SnmpPDU{}
		pdus, err := g.BulkWalkAll(col)
		if err != nil {
			return d, fmt.Errorf("walk %s: %w", col, err)
		}
		for _, v := range pdus {
			if idx, ok := strings.CutPrefix(strings.TrimPrefix(v.Name, "."), col+"."); ok {
				rows[idx] = v
			}
		}
		d.columns[col] = rows
	}
	return d, nil
}

// readings turns what was read into readings: scaled, labelled, sentinels and implausible values
// marked missing.
func (p *Profile) readings(d agentData) []collect.Reading {
	var out []collect.Reading
	for _, m := range p.Metrics {
		if len(m.Index) == 0 {
			v, ok := d.scalars[m.OID]
			if !ok {
				continue // the agent did not answer for it at all
			}
			r := m.reading(v, nil, "", m.Fahrenheit)
			if r.Missing && r.Reason == "no such object" {
				continue // the device has no such value: nothing to report
			}
			out = append(out, r)
			continue
		}
		rows := d.columns[m.OID]
		idxs := make([]string, 0, len(rows))
		for idx := range rows {
			idxs = append(idxs, idx)
		}
		sort.Slice(idxs, func(i, j int) bool { return lessOID(idxs[i], idxs[j]) })
		for _, idx := range idxs {
			labels := map[string]string{}
			parts := strings.Split(idx, ".")
			if len(m.Index) == len(parts) {
				for i, name := range m.Index {
					labels[name] = parts[i]
				}
			} else {
				labels[m.Index[0]] = idx
			}
			for k, v := range m.Labels {
				if col, ok := strings.CutPrefix(v, "oid:"); ok {
					if lv, ok := d.columns[col][idx]; ok {
						v = text(lv)
					} else {
						continue
					}
				}
				labels[k] = v
			}
			keep := true
			for k, v := range m.Where {
				if labels[k] != v {
					keep = false
				}
			}
			if !keep {
				continue
			}
			for k := range labels {
				if strings.HasPrefix(k, "_") {
					delete(labels, k)
				}
			}
			decimals := ""
			if m.DecimalsOID != "" {
				if dv, ok := d.columns[m.DecimalsOID][idx]; ok {
					decimals = text(dv)
				}
			}
			fahrenheit := m.Fahrenheit
			if m.FahrenheitOID != "" {
				fv, ok := d.columns[m.FahrenheitOID][idx]
				if !ok {
					fv, ok = d.scalars[m.FahrenheitOID]
				}
				fahrenheit = ok && text(fv) == m.FahrenheitValue
			}
			out = append(out, m.reading(rows[idx], labels, decimals, fahrenheit))
		}
	}
	return out
}

// reading scales one value.
func (m *Metric) reading(v gosnmp.SnmpPDU, labels map[string]string, decimals string, fahrenheit bool) collect.Reading {
	if labels == nil {
		labels = map[string]string{}
		for k, val := range m.Labels {
			labels[k] = val
		}
	}
	r := collect.Reading{Name: m.Name, Labels: labels, Unit: m.Unit, Source: strings.TrimPrefix(v.Name, ".")}
	miss := func(reason string) collect.Reading {
		r.Missing, r.Reason, r.Value = true, reason, 0
		return r
	}
	raw, reason := numeric(v)
	if reason != "" {
		return miss(reason)
	}
	if slices.Contains(m.Missing, raw) || (m.RawMin != nil && raw < *m.RawMin) {
		return miss(fmt.Sprintf("the device's no-reading value %v", raw))
	}
	val := raw * m.Multiplier / m.Divisor
	if decimals != "" {
		n, err := strconv.Atoi(decimals)
		if err != nil || n < 0 || n > 9 {
			return miss(fmt.Sprintf("decimal digits %q", decimals))
		}
		val /= math.Pow10(n)
	}
	if fahrenheit {
		val = (val - 32) * 5 / 9
	}
	if (m.Min != nil && val < *m.Min) || (m.Max != nil && val > *m.Max) {
		return miss(fmt.Sprintf("%v %s is out of range", val, m.Unit))
	}
	r.Value = val
	return r
}

// numeric is the number an SNMP value holds, or why it holds none.
func numeric(v gosnmp.SnmpPDU) (float64, string) {
	switch v.Type {
	case gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView:
		return 0, "no such object"
	case gosnmp.Null:
		return 0, "null"
	}
	switch x := v.Value.(type) {
	case int:
		return float64(x), ""
	case uint:
		return float64(x), ""
	case uint32:
		return float64(x), ""
	case uint64:
		return float64(x), ""
	case int64:
		return float64(x), ""
	case []byte:
		s := strings.TrimSpace(string(x))
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Sprintf("%q is not a number", s)
		}
		return f, ""
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Sprintf("%q is not a number", x)
		}
		return f, ""
	}
	return 0, fmt.Sprintf("%v value", v.Type)
}

// text is an SNMP value as a label value.
func text(v gosnmp.SnmpPDU) string {
	switch x := v.Value.(type) {
	case []byte:
		return strings.TrimSpace(string(x))
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v.Value)
}

// lessOID orders OID suffixes arc by arc.
func lessOID(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}
