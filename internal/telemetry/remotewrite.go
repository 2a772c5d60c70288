package telemetry

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/golang/snappy"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// Limits bound what one push may carry; a request past them is refused whole (413 or 400).
type Limits struct {
	MaxBodyBytes      int64 // compressed or not, as sent
	MaxDecodedBytes   int   // a remote-write body once decompressed
	MaxSeries         int   // series per request
	MaxLabels         int   // labels per series, the name included
	MaxLabelNameBytes int
	MaxLabelValBytes  int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = 32 << 20
	}
	def(&l.MaxDecodedBytes, 128<<20)
	def(&l.MaxSeries, 200_000)
	def(&l.MaxLabels, 64)
	def(&l.MaxLabelNameBytes, 256)
	def(&l.MaxLabelValBytes, 4096)
	return l
}

// Limits returns the limits the store ingests under.
func (s *Store) Limits() Limits { return s.limits }

// InputError is a push refused for what it carries: Status is the HTTP status to answer (400 or
// 413), Line the line of a line-protocol body it concerns (0: none).
type InputError struct {
	Status  int
	Line    int
	Message string
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

func badInput(format string, args ...any) *InputError {
	return &InputError{Status: 400, Message: fmt.Sprintf(format, args...)}
}

// checkLabels refuses a label set Prometheus would not hold: no metric name, a name not of
// [a-zA-Z_:][a-zA-Z0-9_:]* (label names: no colon), a value not UTF-8, a name twice, or past the
// limits. The labels must be sorted by name.
func (l *Limits) checkLabels(ls labels.Labels) error {
	if ls.Len() > l.MaxLabels {
		return badInput("%d labels on a series, more than the limit of %d", ls.Len(), l.MaxLabels)
	}
	var prev string
	var err error
	i := 0
	ls.Range(func(lb labels.Label) {
		if err != nil {
			return
		}
		switch {
		case len(lb.Name) > l.MaxLabelNameBytes:
			err = badInput("label name %.40q… is %d bytes, more than the limit of %d", lb.Name, len(lb.Name), l.MaxLabelNameBytes)
		case len(lb.Value) > l.MaxLabelValBytes:
			err = badInput("label %s: value of %d bytes, more than the limit of %d", lb.Name, len(lb.Value), l.MaxLabelValBytes)
		case lb.Name == model.MetricNameLabel && !validMetricName(lb.Value):
			err = badInput("metric name %q: want [a-zA-Z_:][a-zA-Z0-9_:]*", lb.Value)
		case lb.Name != model.MetricNameLabel && !validLabelName(lb.Name):
			err = badInput("label name %q: want [a-zA-Z_][a-zA-Z0-9_]*", lb.Name)
		case !utf8.ValidString(lb.Value):
			err = badInput("label %s: value is not UTF-8", lb.Name)
		case i > 0 && lb.Name == prev:
			err = badInput("label %s given twice", lb.Name)
		}
		prev = lb.Name
		i++
	})
	if err != nil {
		return err
	}
	if ls.Get(model.MetricNameLabel) == "" {
		return badInput("a series without a metric name (__name__): %s", ls.String())
	}
	return nil
}

func validMetricName(s string) bool { return validName(s, true) }

func validLabelName(s string) bool { return validName(s, false) }

// validName reports whether s is a Prometheus name: [a-zA-Z_][a-zA-Z0-9_]*, colons allowed in a
// metric name.
func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || colon && c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// WriteResult is what a push stored.
type WriteResult struct {
	Series, Samples int
	Rejected        Rejected
}

// RemoteWrite stores a Prometheus remote-write 1.0 body (a snappy-compressed WriteRequest). A body
// that cannot be read, or a series with bad labels, refuses the whole request and stores nothing;
// samples the store refuses one by one (out of order, duplicates) are counted in the result and the
// others stored.
func (s *Store) RemoteWrite(ctx context.Context, body io.Reader) (WriteResult, error) {
	var res WriteResult
	r := rwPool.Get().(*rwRequest)
	defer rwPool.Put(r)
	raw, err := readInto(r.body[:0], body, s.limits.MaxBodyBytes)
	r.body = raw
	if err != nil {
		return res, err
	}
	n, err := snappy.DecodedLen(raw)
	if err != nil {
		return res, badInput("not a snappy block: %v", err)
	}
	if n > s.limits.MaxDecodedBytes {
		return res, &InputError{Status: 413, Message: fmt.Sprintf("decompressed body of %d bytes, over the limit of %d", n, s.limits.MaxDecodedBytes)}
	}
	if cap(r.snappy) < n {
		r.snappy = make([]byte, n)
	}
	buf, err := snappy.Decode(r.snappy[:n], raw)
	if err != nil {
		return res, badInput("not a snappy block: %v", err)
	}
	if err := decodeWriteRequest(buf, r); err != nil {
		return res, badInput("not a remote-write WriteRequest: %v", err)
	}
	if len(r.series) > s.limits.MaxSeries {
		return res, &InputError{Status: 413, Message: fmt.Sprintf("%d series in one request, more than the limit of %d", len(r.series), s.limits.MaxSeries)}
	}
	// Check every series not seen before, before storing any: a bad one refuses the request whole.
	b := labels.NewScratchBuilder(16)
	for i := range r.series {
		se := &r.series[i]
		se.lset = labels.EmptyLabels()
		if se.ref = s.cache.get(se.key); se.ref != 0 {
			continue
		}
		lset, err := buildLabels(se.labels, &b)
		if err != nil {
			return res, badInput("series %d: labels: %v", i, err)
		}
		if err := s.limits.checkLabels(lset); err != nil {
			e := err.(*InputError)
			e.Message = fmt.Sprintf("series %d: %s", i, e.Message)
			return res, e
		}
		se.lset = lset
	}
	w := s.writer(ctx)
	for i := range r.series {
		se := &r.series[i]
		if err := w.addSeries(s.cache, se.key, se.ref, se.lset, se.labels, r.samples[se.first:se.first+se.n], &b); err != nil {
			_ = w.rollback()
			return WriteResult{}, fmt.Errorf("store: %w", err)
		}
		res.Series++
		res.Samples += se.n
	}
	if err := w.commit(); err != nil {
		return WriteResult{}, fmt.Errorf("store: %w", err)
	}
	res.Rejected = w.rejected
	res.Samples -= res.Rejected.Total()
	return res, nil
}

// readInto reads at most limit bytes of r into buf (reused); more is a 413.
func readInto(buf []byte, r io.Reader, limit int64) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, &InputError{Status: 413, Message: fmt.Sprintf("body over the limit of %d bytes", limit)}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, badInput("reading the body: %v", err)
		}
	}
}

// sanitizeName turns s into a Prometheus metric (colon allowed) or label name: characters outside
// the set become '_', and a leading digit gets a '_' before it.
func sanitizeName(s string, colon bool) string {
	var b strings.Builder
	for i, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || colon && r == ':'
		if i == 0 && r >= '0' && r <= '9' {
			b.WriteByte('_')
		}
		if ok {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
