package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/prometheus/prometheus/storage"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// InfluxDB line protocol (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/):
//
//	measurement[,tag=value...] field=value[,field=value...] [timestamp]
//
// Each numeric field becomes a series named measurement_field (the measurement alone for a field
// named "value", as Telegraf's Prometheus output names them), its tags the labels. Integers and
// unsigned integers are stored as floats, booleans as 1 and 0; string fields have no place in a
// numeric store and are skipped. A line that cannot be parsed is reported by its number and the
// others are stored, as InfluxDB does.

// precisions maps the precision parameter of /write (v1: n, u, ms, s, m, h) and /api/v2/write
// (ns, us, ms, s) to nanoseconds per unit.
var precisions = map[string]int64{
	"": 1, "n": 1, "ns": 1, "u": 1e3, "us": 1e3, "µ": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9,
}

// Precision checks a precision parameter: nanoseconds per unit of the timestamps.
func Precision(p string) (int64, error) {
	ns, ok := precisions[p]
	if !ok {
		return 0, badInput("precision %q: want ns, us, ms or s (or n, u, m, h)", p)
	}
	return ns, nil
}

// field is one field of a line.
type field struct {
	key   string
	value float64
	kind  byte // 'f' float, 'i' integer, 'u' unsigned, 'b' boolean, 's' string
}

// point is one parsed line.
type point struct {
	measurement string
	tags        [][2]string
	fields      []field
	ts          int64 // in the request's precision
	hasTS       bool
}

// LineProtocol stores a line-protocol body. Lines that do not parse are returned as errors with
// their numbers, and the rest is stored; err is a failure of the body as a whole (too big) or of
// the store.
func (s *Store) LineProtocol(ctx context.Context, body io.Reader, precisionNS int64, now time.Time) (res WriteResult, bad []*InputError, err error) {
	lb := lpPool.Get().(*lpBuffers)
	defer lpPool.Put(lb)
	raw, err := readInto(lb.body[:0], body, s.limits.MaxBodyBytes)
	lb.body = raw
	if err != nil {
		return res, nil, err
	}
	w := s.writer(ctx)
	b := labels.NewScratchBuilder(16)
	series := 0
	one := make([]Sample, 1)
	lineNo := 0
	for len(raw) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			line, raw = raw, nil
		}
		line = bytes.TrimRight(line, "\r")
		trimmed := bytes.TrimLeft(line, " \t")
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		// The fast path: every field of a series seen before, appended by reference.
		if n, ok := s.fastLine(w, trimmed, precisionNS, now, lb); ok {
			series += n
			continue
		}
		p, perr := parseLine(trimmed)
		if perr != nil {
			bad = append(bad, &InputError{Status: 400, Line: lineNo, Message: perr.Error()})
			continue
		}
		tsMS, terr := timestampMS(p.ts, p.hasTS, precisionNS, now)
		if terr != nil {
			bad = append(bad, &InputError{Status: 400, Line: lineNo, Message: terr.Error()})
			continue
		}
		var lineErr error
		sets := make([]labels.Labels, 0, len(p.fields))
		vals := make([]float64, 0, len(p.fields))
		keys := make([]seriesKey, 0, len(p.fields))
		seriesRaw, fieldKeys := lineKeys(trimmed)
		for fi, f := range p.fields {
			if f.kind == 's' {
				continue
			}
			name := p.measurement + "_" + f.key
			if f.key == "value" {
				name = p.measurement
			}
			b.Reset()
			b.Add(model.MetricNameLabel, sanitizeName(name, true))
			for _, t := range p.tags {
				b.Add(sanitizeName(t[0], false), t[1])
			}
			b.Sort()
			ls := b.Labels()
			if err := s.limits.checkLabels(ls); err != nil {
				lineErr = err
				break
			}
			if ls.Len() != len(p.tags)+1 {
				lineErr = badInput("two tags become the same label once made Prometheus names")
				break
			}
			sets = append(sets, ls)
			vals = append(vals, f.value)
			var k seriesKey
			if fi < len(fieldKeys) {
				k = fieldKey(seriesRaw, fieldKeys[fi])
			}
			keys = append(keys, k)
		}
		if lineErr != nil {
			bad = append(bad, &InputError{Status: 400, Line: lineNo, Message: lineErr.(*InputError).Message})
			continue
		}
		for i, ls := range sets {
			one[0] = Sample{T: tsMS, V: vals[i]}
			if err := w.addSeries(s.cache, keys[i], 0, ls, nil, one, &b); err != nil {
				_ = w.rollback()
				return WriteResult{}, bad, fmt.Errorf("store: %w", err)
			}
			series++
		}
	}
	if err := w.commit(); err != nil {
		return WriteResult{}, bad, fmt.Errorf("store: %w", err)
	}
	res.Series, res.Samples, res.Rejected = series, series-w.rejected.Total(), w.rejected
	return res, bad, nil
}

type lpBuffers struct {
	body   []byte
	fields []lpField
}

var lpPool = sync.Pool{New: func() any { return &lpBuffers{} }}

// lpField is a field of a line as found: its key and value bytes.
type lpField struct{ key, value []byte }

// timestampMS is a line's timestamp (in units of precisionNS nanoseconds) in milliseconds, or now.
func timestampMS(ts int64, has bool, precisionNS int64, now time.Time) (int64, error) {
	if !has {
		return now.UnixMilli(), nil
	}
	ns, ok := mulNoOverflow(ts, precisionNS)
	if !ok {
		return 0, fmt.Errorf("timestamp %d out of range", ts)
	}
	return floorDiv(ns, 1e6), nil
}

// fieldKey is the cache key of one field of a series: its raw series bytes and field key.
func fieldKey(seriesRaw, key []byte) seriesKey {
	var h1, h2 maphash.Hash
	h1.SetSeed(seedA)
	h2.SetSeed(seedB)
	for _, h := range []*maphash.Hash{&h1, &h2} {
		h.Write(seriesRaw)
		h.WriteByte(0xff)
		h.Write(key)
	}
	return seriesKey{h1.Sum64(), h2.Sum64()}
}

// scanLine splits a line into its series part (measurement and tags, as sent), its fields and its
// timestamp, without unescaping anything. ok is false when the line is not plainly well formed:
// the full parser then says what is wrong.
func scanLine(line []byte, fields []lpField) (seriesRaw []byte, out []lpField, ts []byte, ok bool) {
	i := 0
	for i < len(line) && line[i] != ' ' {
		if line[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(line) || i == 0 {
		return nil, nil, nil, false
	}
	seriesRaw = line[:i]
	for i < len(line) && line[i] == ' ' {
		i++
	}
	out = fields[:0]
	for {
		k := i
		for i < len(line) && line[i] != '=' && line[i] != ' ' && line[i] != ',' {
			if line[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(line) || line[i] != '=' || i == k {
			return nil, nil, nil, false
		}
		key := line[k:i]
		i++
		v := i
		if i < len(line) && line[i] == '"' {
			i++
			for i < len(line) && line[i] != '"' {
				if line[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(line) {
				return nil, nil, nil, false
			}
			i++
		} else {
			for i < len(line) && line[i] != ',' && line[i] != ' ' {
				i++
			}
		}
		out = append(out, lpField{key: key, value: line[v:i]})
		if i < len(line) && line[i] == ',' {
			i++
			continue
		}
		break
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	return seriesRaw, out, line[i:], true
}

// lineKeys is a line's series part and raw field keys, for caching the series the slow path made.
func lineKeys(line []byte) ([]byte, [][]byte) {
	seriesRaw, fields, _, ok := scanLine(line, nil)
	if !ok {
		return nil, nil
	}
	keys := make([][]byte, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	return seriesRaw, keys
}

// fastLine appends a line whose every numeric field is a series in the cache, by reference; it
// returns how many samples it appended, and false (having appended nothing) when the line needs
// the full parser.
func (s *Store) fastLine(w *writer, line []byte, precisionNS int64, now time.Time, lb *lpBuffers) (int, bool) {
	seriesRaw, fields, tsRaw, ok := scanLine(line, lb.fields)
	lb.fields = fields
	if !ok {
		return 0, false
	}
	var ts int64
	has := len(tsRaw) > 0
	if has {
		v, err := strconv.ParseInt(unsafeString(tsRaw), 10, 64)
		if err != nil {
			return 0, false
		}
		ts = v
	}
	tsMS, err := timestampMS(ts, has, precisionNS, now)
	if err != nil {
		return 0, false
	}
	type hit struct {
		ref storage.SeriesRef
		key seriesKey
		v   float64
	}
	var hits [16]hit
	n := 0
	for _, f := range fields {
		if len(f.value) > 0 && f.value[0] == '"' {
			continue // a string: no series
		}
		if n == len(hits) {
			return 0, false
		}
		v, kind, err := parseFieldValue(unsafeString(f.value))
		if err != nil || kind == 0 {
			return 0, false
		}
		k := fieldKey(seriesRaw, f.key)
		ref := s.cache.get(k)
		if ref == 0 {
			return 0, false
		}
		hits[n] = hit{ref, k, v}
		n++
	}
	one := [1]Sample{}
	for _, h := range hits[:n] {
		one[0] = Sample{T: tsMS, V: h.v}
		if err := w.addSeries(s.cache, h.key, h.ref, labels.EmptyLabels(), nil, one[:], nil); err != nil {
			// The series left the store's memory: the full parser appends the line by its labels
			// (fields already appended come again with the same value, which the store ignores).
			return 0, false
		}
	}
	return n, true
}

// unsafeString views b as a string for parsing; the string must not outlive b.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func mulNoOverflow(a, b int64) (int64, bool) {
	if a == 0 || b == 1 {
		return a * b, true
	}
	c := a * b
	return c, c/b == a
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// parseLine parses one line (no newline, not a comment).
func parseLine(line []byte) (point, error) {
	var p point
	i := 0
	// Measurement: up to an unescaped comma or space.
	m, n := scanToken(line, i, func(c byte) bool { return c == ',' || c == ' ' })
	if m == "" {
		return p, fmt.Errorf("missing measurement")
	}
	p.measurement = m
	i = n
	// Tags.
	for i < len(line) && line[i] == ',' {
		i++
		k, n := scanToken(line, i, func(c byte) bool { return c == '=' || c == ',' || c == ' ' })
		if k == "" {
			return p, fmt.Errorf("missing tag key at column %d", i+1)
		}
		if n >= len(line) || line[n] != '=' {
			return p, fmt.Errorf("tag %s: missing '='", k)
		}
		v, n2 := scanToken(line, n+1, func(c byte) bool { return c == ',' || c == ' ' || c == '=' })
		if n2 < len(line) && line[n2] == '=' {
			return p, fmt.Errorf("tag %s: unescaped '=' in its value", k)
		}
		if v == "" {
			return p, fmt.Errorf("tag %s: missing value", k)
		}
		p.tags = append(p.tags, [2]string{k, v})
		i = n2
	}
	if i >= len(line) || line[i] != ' ' {
		return p, fmt.Errorf("missing fields")
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	// Fields.
	for {
		k, n := scanToken(line, i, func(c byte) bool { return c == '=' || c == ',' || c == ' ' })
		if k == "" {
			return p, fmt.Errorf("missing field key at column %d", i+1)
		}
		if n >= len(line) || line[n] != '=' {
			return p, fmt.Errorf("field %s: missing '=' and value", k)
		}
		i = n + 1
		f := field{key: k}
		if i < len(line) && line[i] == '"' {
			end, err := scanString(line, i)
			if err != nil {
				return p, fmt.Errorf("field %s: %w", k, err)
			}
			f.kind, i = 's', end
		} else {
			j := i
			for j < len(line) && line[j] != ',' && line[j] != ' ' {
				j++
			}
			v, kind, err := parseFieldValue(string(line[i:j]))
			if err != nil {
				return p, fmt.Errorf("field %s: %w", k, err)
			}
			f.value, f.kind, i = v, kind, j
		}
		p.fields = append(p.fields, f)
		if i < len(line) && line[i] == ',' {
			i++
			continue
		}
		break
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i < len(line) {
		ts, err := strconv.ParseInt(string(line[i:]), 10, 64)
		if err != nil {
			return p, fmt.Errorf("timestamp %q: want an integer", line[i:])
		}
		p.ts, p.hasTS = ts, true
	}
	return p, nil
}

// scanToken reads from line[i] up to the first unescaped byte for which stop is true, unescaping
// backslash escapes (of comma, space, equals sign and backslash), and returns the token and where it
// stopped. A backslash before anything else is kept as it is.
func scanToken(line []byte, i int, stop func(byte) bool) (string, int) {
	var out []byte
	start := i
	for i < len(line) {
		c := line[i]
		if c == '\\' && i+1 < len(line) {
			if e := line[i+1]; e == ',' || e == ' ' || e == '=' || e == '\\' {
				if out == nil {
					out = make([]byte, 0, 32)
				}
				out = append(out, line[start:i]...)
				out = append(out, e)
				i += 2
				start = i
				continue
			}
		}
		if stop(c) {
			break
		}
		i++
	}
	if out == nil {
		return string(line[start:i]), i
	}
	return string(append(out, line[start:i]...)), i
}

// scanString skips a double-quoted string starting at line[i] and returns the index after it.
func scanString(line []byte, i int) (int, error) {
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated string")
}

// parseFieldValue reads a float (1, 1.5, -2e3), an integer (12i), an unsigned integer (12u) or a
// boolean (t, true, f, false in any of their InfluxDB spellings).
func parseFieldValue(s string) (float64, byte, error) {
	switch s {
	case "t", "T", "true", "True", "TRUE":
		return 1, 'b', nil
	case "f", "F", "false", "False", "FALSE":
		return 0, 'b', nil
	case "":
		return 0, 0, fmt.Errorf("missing value")
	}
	switch s[len(s)-1] {
	case 'i':
		v, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("integer %q: %w", s, numErr(err))
		}
		return float64(v), 'i', nil
	case 'u':
		v, err := strconv.ParseUint(s[:len(s)-1], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("unsigned integer %q: %w", s, numErr(err))
		}
		return float64(v), 'u', nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, 0, fmt.Errorf("%q is not a number (floats as 1.5, integers as 12i, booleans as t/f, strings in double quotes)", s)
	}
	return v, 'f', nil
}

func numErr(err error) error {
	if ne, ok := err.(*strconv.NumError); ok {
		return ne.Err
	}
	return err
}
