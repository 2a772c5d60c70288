package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"
)

// The Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/): the same
// paths, parameters (query string or form body) and JSON, so that Grafana's Prometheus data source
// and promtool work against Plenum.

// DefaultQueryTimeout bounds a query that names no timeout, as Prometheus's --query.timeout.
const DefaultQueryTimeout = 2 * time.Minute

// maxPoints is the most points a range query may return per series, as Prometheus.
const maxPoints = 11000

// apiError is an answer of status "error".
type apiError struct {
	status int
	kind   string // bad_data, execution, timeout, canceled, internal
	err    error
}

func badData(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "bad_data", fmt.Errorf(format, args...)}
}

// parseTime reads a Prometheus time parameter: RFC 3339 or Unix seconds, with decimals.
func parseTime(s string) (time.Time, error) {
	if t, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
		}
		sec, frac := math.Modf(t)
		return time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
}

// parseDuration reads a step or timeout: seconds with decimals, or a Prometheus duration (5m, 1h30m).
func parseDuration(s string) (time.Duration, error) {
	if d, err := strconv.ParseFloat(s, 64); err == nil {
		ts := d * float64(time.Second)
		if ts > float64(math.MaxInt64) || ts < float64(math.MinInt64) {
			return 0, fmt.Errorf("cannot parse %q to a valid duration. It overflows int64", s)
		}
		return time.Duration(ts), nil
	}
	if d, err := parseModelDuration(s); err == nil {
		return d, nil
	}
	return 0, fmt.Errorf("cannot parse %q to a valid duration", s)
}

func parseModelDuration(s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	return time.Duration(d), err
}

// promParser parses selectors as the engine parses queries.
var promParser = parser.NewParser(parser.Options{})

// timeParam reads a time parameter, def when absent.
func timeParam(r *http.Request, name string, def time.Time) (time.Time, *apiError) {
	v := r.Form.Get(name)
	if v == "" {
		return def, nil
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, badData("invalid parameter %q: %v", name, err)
	}
	return t, nil
}

var (
	minTime = time.Unix(math.MinInt64/1000+62135596801, 0).UTC()
	maxTime = time.Unix(math.MaxInt64/1000-62135596801, 999999999).UTC()
)

// API serves the Prometheus query API over the store.
type API struct{ s *Store }

// QueryAPI returns the Prometheus query API over the store.
func (s *Store) QueryAPI() *API { return &API{s: s} }

func (a *API) form(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		writeError(w, badData("error parsing form values: %v", err))
		return false
	}
	return true
}

// Query is /api/v1/query.
func (a *API) Query(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	ts, e := timeParam(r, "time", time.Now())
	if e != nil {
		writeError(w, e)
		return
	}
	ctx, cancel, e := withTimeout(r)
	if e != nil {
		writeError(w, e)
		return
	}
	defer cancel()
	q, err := a.s.engine.NewInstantQuery(ctx, a.s.queryable(r.Context()), promql.NewPrometheusQueryOpts(false, 0, nil), r.Form.Get("query"), ts)
	if err != nil {
		writeError(w, &apiError{http.StatusBadRequest, "bad_data", err})
		return
	}
	defer q.Close()
	writeResult(w, q.Exec(ctx))
}

// QueryRange is /api/v1/query_range.
func (a *API) QueryRange(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	start, e := timeParam(r, "start", time.Time{})
	if e == nil && r.Form.Get("start") == "" {
		e = badData(`invalid parameter "start": cannot parse "" to a valid timestamp`)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	end, e := timeParam(r, "end", time.Time{})
	if e == nil && r.Form.Get("end") == "" {
		e = badData(`invalid parameter "end": cannot parse "" to a valid timestamp`)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	if end.Before(start) {
		writeError(w, badData("end timestamp must not be before start time"))
		return
	}
	step, err := parseDuration(r.Form.Get("step"))
	if err != nil {
		writeError(w, badData("invalid parameter \"step\": %v", err))
		return
	}
	if step <= 0 {
		writeError(w, badData("zero or negative query resolution step widths are not accepted. Try a positive integer"))
		return
	}
	if end.Sub(start)/step > maxPoints {
		writeError(w, badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"))
		return
	}
	ctx, cancel, e := withTimeout(r)
	if e != nil {
		writeError(w, e)
		return
	}
	defer cancel()
	q, err := a.s.engine.NewRangeQuery(ctx, a.s.queryable(r.Context()), promql.NewPrometheusQueryOpts(false, 0, nil), r.Form.Get("query"), start, end, step)
	if err != nil {
		writeError(w, &apiError{http.StatusBadRequest, "bad_data", err})
		return
	}
	defer q.Close()
	writeResult(w, q.Exec(ctx))
}

func withTimeout(r *http.Request) (context.Context, context.CancelFunc, *apiError) {
	ctx := r.Context()
	if t := r.Form.Get("timeout"); t != "" {
		d, err := parseDuration(t)
		if err != nil {
			return nil, nil, badData("invalid parameter \"timeout\": %v", err)
		}
		c, cancel := context.WithTimeout(ctx, d)
		return c, cancel, nil
	}
	c, cancel := context.WithTimeout(ctx, DefaultQueryTimeout)
	return c, cancel, nil
}

// matchersParam reads the match[] selectors; required says whether at least one is needed.
func matchersParam(r *http.Request, required bool) ([][]*labels.Matcher, *apiError) {
	sel := r.Form["match[]"]
	if len(sel) == 0 && required {
		return nil, badData("no match[] parameter provided")
	}
	var out [][]*labels.Matcher
	for _, s := range sel {
		ms, err := promParser.ParseMetricSelector(s)
		if err != nil {
			return nil, badData("%v", err)
		}
		out = append(out, ms)
	}
	return out, nil
}

func (a *API) querier(r *http.Request) (storage.Querier, int64, int64, *apiError) {
	start, e := timeParam(r, "start", minTime)
	if e != nil {
		return nil, 0, 0, e
	}
	end, e := timeParam(r, "end", maxTime)
	if e != nil {
		return nil, 0, 0, e
	}
	q, err := a.s.queryable(r.Context()).Querier(start.UnixMilli(), end.UnixMilli())
	if err != nil {
		return nil, 0, 0, &apiError{http.StatusInternalServerError, "internal", err}
	}
	return q, start.UnixMilli(), end.UnixMilli(), nil
}

func limitParam(r *http.Request) (int, *apiError) {
	s := r.Form.Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badData("limit must be a non-negative number")
	}
	return n, nil
}

// metadata is what a series or labels request asks for: its match[] selectors, its limit, and a
// querier over its start and end.
type metadata struct {
	sets       [][]*labels.Matcher
	limit      int
	q          storage.Querier
	start, end int64
}

// metadataRequest reads the parameters of /series (needMatch: at least one match[]) and of the
// label endpoints, answering the error itself; the caller closes the querier.
func (a *API) metadataRequest(w http.ResponseWriter, r *http.Request, needMatch bool) (metadata, bool) {
	var m metadata
	if !a.form(w, r) {
		return m, false
	}
	var e *apiError
	if m.sets, e = matchersParam(r, needMatch); e == nil {
		if m.limit, e = limitParam(r); e == nil {
			m.q, m.start, m.end, e = a.querier(r)
		}
	}
	if e != nil {
		writeError(w, e)
		return m, false
	}
	return m, true
}

// Series is /api/v1/series.
func (a *API) Series(w http.ResponseWriter, r *http.Request) {
	m, ok := a.metadataRequest(w, r, true)
	if !ok {
		return
	}
	defer m.q.Close()
	sets, limit, q := m.sets, m.limit, m.q
	hints := &storage.SelectHints{Start: m.start, End: m.end, Func: "series"}
	var all []labels.Labels
	seen := map[string]bool{}
	var warnings annotations.Annotations
	for _, ms := range sets {
		ss := q.Select(r.Context(), true, hints, ms...)
		for ss.Next() {
			l := ss.At().Labels()
			if k := l.String(); !seen[k] {
				seen[k] = true
				all = append(all, l)
			}
		}
		if err := ss.Err(); err != nil {
			writeError(w, &apiError{http.StatusUnprocessableEntity, "execution", err})
			return
		}
		warnings.Merge(ss.Warnings())
	}
	slices.SortFunc(all, labels.Compare)
	if limit > 0 && len(all) > limit {
		all = all[:limit]
		warnings.Add(errors.New("results truncated due to limit"))
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, l := range all {
		if i > 0 {
			b.WriteByte(',')
		}
		writeLabels(&b, l)
	}
	b.WriteByte(']')
	writeData(w, b.Bytes(), warnings)
}

// Labels is /api/v1/labels.
func (a *API) Labels(w http.ResponseWriter, r *http.Request) {
	a.labelList(w, r, "")
}

// LabelValues is /api/v1/label/{name}/values.
func (a *API) LabelValues(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if strings.HasPrefix(name, "U__") { // UTF-8 names escaped as Prometheus clients do
		name = unescapeLabelName(name)
	}
	if name == "" {
		writeError(w, badData("invalid label name: %q", r.PathValue("name")))
		return
	}
	a.labelList(w, r, name)
}

// labelList answers the label names (name empty) or the values of label name.
func (a *API) labelList(w http.ResponseWriter, r *http.Request, name string) {
	m, ok := a.metadataRequest(w, r, false)
	if !ok {
		return
	}
	defer m.q.Close()
	sets, limit, q := m.sets, m.limit, m.q
	get := func(ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
		if name == "" {
			return q.LabelNames(r.Context(), &storage.LabelHints{}, ms...)
		}
		return q.LabelValues(r.Context(), name, &storage.LabelHints{}, ms...)
	}
	var out []string
	var warnings annotations.Annotations
	if len(sets) == 0 {
		vals, ws, err := get()
		if err != nil {
			writeError(w, &apiError{http.StatusUnprocessableEntity, "execution", err})
			return
		}
		out, warnings = vals, ws
	} else {
		seen := map[string]bool{}
		for _, ms := range sets {
			vals, ws, err := get(ms...)
			if err != nil {
				writeError(w, &apiError{http.StatusUnprocessableEntity, "execution", err})
				return
			}
			warnings.Merge(ws)
			for _, v := range vals {
				if !seen[v] {
					seen[v] = true
					out = append(out, v)
				}
			}
		}
		slices.Sort(out)
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
		warnings.Add(errors.New("results truncated due to limit"))
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, v := range out {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(strconv.AppendQuote(nil, v))
	}
	b.WriteByte(']')
	writeData(w, b.Bytes(), warnings)
}

// unescapeLabelName undoes the U__ escaping of label names with characters outside [a-zA-Z0-9_]:
// _XX_ is the code point XX in hex, __ an underscore. An invalid escape gives "".
func unescapeLabelName(s string) string {
	s = strings.TrimPrefix(s, "U__")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '_' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '_' {
			b.WriteByte('_')
			i++
			continue
		}
		j := strings.IndexByte(s[i+1:], '_')
		if j < 0 {
			return ""
		}
		cp, err := strconv.ParseUint(s[i+1:i+1+j], 16, 32)
		if err != nil {
			return ""
		}
		b.WriteRune(rune(cp))
		i += j + 1
	}
	return b.String()
}

// writeResult writes a query's result or its error.
func writeResult(w http.ResponseWriter, res *promql.Result) {
	if res.Err != nil {
		var e *apiError
		switch {
		case errors.As(res.Err, new(promql.ErrQueryTimeout)), errors.Is(res.Err, context.DeadlineExceeded):
			e = &apiError{http.StatusServiceUnavailable, "timeout", res.Err}
		case errors.As(res.Err, new(promql.ErrQueryCanceled)), errors.Is(res.Err, context.Canceled):
			e = &apiError{http.StatusServiceUnavailable, "canceled", res.Err}
		case errors.As(res.Err, new(promql.ErrStorage)):
			e = &apiError{http.StatusInternalServerError, "internal", res.Err}
		default:
			e = &apiError{http.StatusUnprocessableEntity, "execution", res.Err}
		}
		writeError(w, e)
		return
	}
	var b bytes.Buffer
	b.WriteString(`{"resultType":"`)
	b.WriteString(string(res.Value.Type()))
	b.WriteString(`","result":`)
	switch v := res.Value.(type) {
	case promql.Vector:
		b.WriteByte('[')
		for i, s := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"metric":`)
			writeLabels(&b, s.Metric)
			b.WriteString(`,"value":`)
			writePoint(&b, s.T, s.F)
			b.WriteByte('}')
		}
		b.WriteByte(']')
	case promql.Matrix:
		b.WriteByte('[')
		for i, s := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"metric":`)
			writeLabels(&b, s.Metric)
			b.WriteString(`,"values":[`)
			for j, p := range s.Floats {
				if j > 0 {
					b.WriteByte(',')
				}
				writePoint(&b, p.T, p.F)
			}
			b.WriteString(`]}`)
		}
		b.WriteByte(']')
	case promql.Scalar:
		writePoint(&b, v.T, v.V)
	case promql.String:
		b.WriteByte('[')
		writeTimestamp(&b, v.T)
		b.WriteByte(',')
		b.Write(strconv.AppendQuote(nil, v.V))
		b.WriteByte(']')
	default:
		writeError(w, &apiError{http.StatusInternalServerError, "internal", fmt.Errorf("unexpected result type %T", res.Value)})
		return
	}
	b.WriteByte('}')
	writeData(w, b.Bytes(), res.Warnings)
}

// writeLabels writes a label set as a JSON object, in label order.
func writeLabels(b *bytes.Buffer, l labels.Labels) {
	b.WriteByte('{')
	i := 0
	l.Range(func(lb labels.Label) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(strconv.AppendQuote(nil, lb.Name))
		b.WriteByte(':')
		b.Write(jsonString(lb.Value))
		i++
	})
	b.WriteByte('}')
}

// jsonString quotes s for JSON (strconv's Go quoting differs for some characters).
func jsonString(s string) []byte {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.Bytes()
}

// writePoint writes [timestamp, "value"] as Prometheus does.
func writePoint(b *bytes.Buffer, t int64, v float64) {
	b.WriteByte('[')
	writeTimestamp(b, t)
	b.WriteString(`,"`)
	switch {
	case math.IsNaN(v):
		b.WriteString("NaN")
	case math.IsInf(v, 1):
		b.WriteString("+Inf")
	case math.IsInf(v, -1):
		b.WriteString("-Inf")
	default:
		b.Write(strconv.AppendFloat(nil, v, 'f', -1, 64))
	}
	b.WriteString(`"]`)
}

// writeTimestamp writes milliseconds t as seconds with three decimals where there are any.
func writeTimestamp(b *bytes.Buffer, t int64) {
	if t < 0 {
		b.WriteByte('-')
		t = -t
	}
	b.Write(strconv.AppendInt(nil, t/1000, 10))
	if f := t % 1000; f != 0 {
		fmt.Fprintf(b, ".%03d", f)
	}
}

func writeData(w http.ResponseWriter, data []byte, warnings annotations.Annotations) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{"status":"success","data":`))
	_, _ = w.Write(data)
	if len(warnings) > 0 {
		ws, infos := warnings.AsStrings("", 10, 10)
		writeStrings(w, "warnings", ws)
		writeStrings(w, "infos", infos)
	}
	_, _ = w.Write([]byte("}"))
}

func writeStrings(w http.ResponseWriter, key string, list []string) {
	if len(list) == 0 {
		return
	}
	_, _ = w.Write([]byte(`,"` + key + `":[`))
	for i, s := range list {
		if i > 0 {
			_, _ = w.Write([]byte(","))
		}
		_, _ = w.Write(jsonString(s))
	}
	_, _ = w.Write([]byte("]"))
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = fmt.Fprintf(w, `{"status":"error","errorType":"%s","error":%s}`, e.kind, jsonString(e.err.Error()))
}
