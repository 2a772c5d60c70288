package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// TestMain runs the tests; with PLENUM_BENCH_CHILD naming a directory, the test binary is instead a
// bare ingest server on a store there (no authentication), in a process of its own so that a
// benchmark measures its CPU and memory as it measures Prometheus'.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PLENUM_BENCH_CHILD"); dir != "" {
		serveChild(dir)
		return
	}
	testpeer.Main(m)
}

func serveChild(dir string) {
	s, err := Open(Options{Dir: dir, OutOfOrder: DefaultOutOfOrder})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	s.Register(mux, "/api/v1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	go func() { _ = http.Serve(ln, mux) }()
	_, _ = io.Copy(io.Discard, os.Stdin) // until the benchmark closes our stdin
	_ = s.Close()
	os.Exit(0)
}

// newServer is a store in a temporary directory behind its HTTP endpoints (no authentication).
func newServer(t *testing.T, limits Limits) (*Store, *httptest.Server) {
	t.Helper()
	s, err := Open(Options{Dir: t.TempDir(), OutOfOrder: DefaultOutOfOrder, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux, "/api/v1")
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, srv
}

func post(t *testing.T, u, contentType string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(u, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// query runs an instant query and returns the vector's values by their series' labels (as text).
func query(t *testing.T, base, expr string, at time.Time) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?" + url.Values{"query": {expr}, "time": {fmt.Sprint(at.Unix())}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil || body.Status != "success" {
		t.Fatalf("query %s: %d %s", expr, resp.StatusCode, b)
	}
	out := map[string]float64{}
	for _, r := range body.Data.Result {
		var v float64
		fmt.Sscan(r.Value[1].(string), &v)
		out[fmt.Sprint(r.Metric)] = v
	}
	return out
}

func TestParseLine(t *testing.T) {
	good := []struct {
		line  string
		check func(p point) bool
	}{
		{`pdu,rack=R01,phase=L1 current=4.6,power=1012i 1700000000000000000`, func(p point) bool {
			return p.measurement == "pdu" && len(p.tags) == 2 && p.tags[0] == [2]string{"rack", "R01"} &&
				len(p.fields) == 2 && p.fields[0].value == 4.6 && p.fields[1].value == 1012 && p.fields[1].kind == 'i' && p.ts == 1700000000000000000
		}},
		// Escaped comma and space in the measurement, equals sign in a tag value, space in a tag key.
		{`inlet\,temp,sensor\ id=a\=b,rack=R\ 2 value=21.5`, func(p point) bool {
			return p.measurement == "inlet,temp" && p.tags[0] == [2]string{"sensor id", "a=b"} && p.tags[1] == [2]string{"rack", "R 2"} && !p.hasTS
		}},
		// A string field with a comma, a quote and a space in it; a boolean; an unsigned integer.
		{`ups status="on \"line\", ok",online=t,load=42u -5`, func(p point) bool {
			return len(p.fields) == 3 && p.fields[0].kind == 's' && p.fields[1].value == 1 && p.fields[1].kind == 'b' &&
				p.fields[2].value == 42 && p.ts == -5
		}},
		{`m f=FALSE,g=-1.5e3`, func(p point) bool { return p.fields[0].value == 0 && p.fields[1].value == -1500 }},
	}
	for _, c := range good {
		p, err := parseLine([]byte(c.line))
		if err != nil || !c.check(p) {
			t.Errorf("%s: %+v, %v", c.line, p, err)
		}
	}
	bad := []struct{ line, want string }{
		{`,rack=R01 value=1`, "missing measurement"},
		{`pdu,rack value=1`, "tag rack: missing '='"},
		{`pdu,rack= value=1`, "tag rack: missing value"},
		{`pdu,rack=R01`, "missing fields"},
		{`pdu value=`, "field value: missing value"},
		{`pdu value=abc`, `"abc" is not a number`},
		{`pdu value=12x`, `"12x" is not a number`},
		{`pdu value=99999999999999999999i`, "integer"},
		{`pdu value="open`, "unterminated string"},
		{`pdu value=1 12:00`, "timestamp"},
		{`pdu =1`, "missing field key"},
	}
	for _, c := range bad {
		if _, err := parseLine([]byte(c.line)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.line, err, c.want)
		}
	}
}

// A batch with bad lines stores the good ones and names the bad ones by line number, as InfluxDB
// does; both write paths (1.x and 2.x) and the precisions put the samples at the same instant.
func TestLineProtocolPartialWrite(t *testing.T) {
	_, srv := newServer(t, Limits{})
	at := time.Now().Truncate(time.Second).Add(-time.Minute)
	body := strings.Join([]string{
		"# rack PDUs, hall 1",
		fmt.Sprintf("pdu,rack=R01,phase=L1 current=4.6,power=1012i %d", at.Unix()),
		"pdu,rack=R02 current=oops",
		"",
		fmt.Sprintf("pdu,rack=R02,phase=L1 current=6.3,note=\"fine\" %d", at.Unix()),
		"pdu rack=R03 current",
	}, "\n")
	code, msg := post(t, srv.URL+"/write?precision=s", "text/plain", []byte(body))
	var resp struct {
		Code       string
		Error      string
		Dropped    int
		LineErrors []struct {
			Line    int
			Message string
		} `json:"line_errors"`
	}
	if err := json.Unmarshal([]byte(msg), &resp); err != nil || code != http.StatusBadRequest || resp.Dropped != 2 || len(resp.LineErrors) != 2 ||
		resp.LineErrors[0].Line != 3 || resp.LineErrors[1].Line != 6 || !strings.Contains(resp.LineErrors[0].Message, `"oops" is not a number`) {
		t.Fatalf("partial write: %d %s", code, msg)
	}
	got := query(t, srv.URL, "pdu_current", at)
	if len(got) != 2 || got["map[__name__:pdu_current phase:L1 rack:R01]"] != 4.6 || got["map[__name__:pdu_current phase:L1 rack:R02]"] != 6.3 {
		t.Errorf("stored: %v", got)
	}
	if got := query(t, srv.URL, "pdu_power", at); got["map[__name__:pdu_power phase:L1 rack:R01]"] != 1012 {
		t.Errorf("integer field: %v", got)
	}
	// The 2.x path in milliseconds, a field named value (the measurement alone), gzip.
	var gz bytes.Buffer
	zw := gzipWriter(&gz)
	fmt.Fprintf(zw, "inlet_temp_celsius,rack=R01,pos=top value=24.5 %d\n", at.UnixMilli())
	zw.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v2/write?precision=ms&org=x&bucket=y", &gz)
	req.Header.Set("Content-Encoding", "gzip")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil || resp2.StatusCode != http.StatusNoContent {
		t.Fatalf("v2 write: %v %v", err, resp2.Status)
	}
	resp2.Body.Close()
	if got := query(t, srv.URL, `inlet_temp_celsius{pos="top"}`, at); got["map[__name__:inlet_temp_celsius pos:top rack:R01]"] != 24.5 {
		t.Errorf("v2: %v", got)
	}
	if code, msg := post(t, srv.URL+"/write?precision=fortnights", "text/plain", []byte("m value=1")); code != http.StatusBadRequest || !strings.Contains(msg, "precision") {
		t.Errorf("bad precision: %d %s", code, msg)
	}
}

func remoteWriteBody(t *testing.T, series []prompb.TimeSeries) []byte {
	t.Helper()
	req := prompb.WriteRequest{Timeseries: series}
	raw, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

func series(name string, lbls map[string]string, samples ...prompb.Sample) prompb.TimeSeries {
	ts := prompb.TimeSeries{Labels: []prompb.Label{{Name: "__name__", Value: name}}, Samples: samples}
	for k, v := range lbls {
		ts.Labels = append(ts.Labels, prompb.Label{Name: k, Value: v})
	}
	return ts
}

// A request with one bad series stores nothing; limits answer 413; samples out of order are
// refused one by one and the rest stored.
func TestRemoteWriteRefusals(t *testing.T) {
	_, srv := newServer(t, Limits{MaxSeries: 3, MaxLabelValBytes: 16})
	now := time.Now().Truncate(time.Second).UnixMilli()
	ok := series("pdu_power_watts", map[string]string{"rack": "R01"}, prompb.Sample{Timestamp: now, Value: 100})
	cases := []struct {
		name   string
		body   []byte
		status int
		want   string
	}{
		{"no name", remoteWriteBody(t, []prompb.TimeSeries{ok, {Labels: []prompb.Label{{Name: "rack", Value: "R1"}}}}), 400, "series 1: a series without a metric name"},
		{"bad label name", remoteWriteBody(t, []prompb.TimeSeries{ok, series("m", map[string]string{"1rack": "x"})}), 400, `label name "1rack"`},
		{"label twice", remoteWriteBody(t, []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "__name__", Value: "m"}, {Name: "a", Value: "1"}, {Name: "a", Value: "2"}}}}), 400, "label a given twice"},
		{"value too long", remoteWriteBody(t, []prompb.TimeSeries{series("m", map[string]string{"rack": strings.Repeat("x", 17)})}), 400, "more than the limit of 16"},
		{"too many series", remoteWriteBody(t, []prompb.TimeSeries{ok, ok, ok, ok}), 413, "4 series in one request"},
		{"not snappy", []byte("hello"), 400, "snappy"},
		{"not protobuf", snappy.Encode(nil, []byte("\xff\xff\xff")), 400, "WriteRequest"},
	}
	for _, c := range cases {
		code, msg := post(t, srv.URL+"/api/v1/write", "application/x-protobuf", c.body)
		if code != c.status || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %d %q, want %d %q", c.name, code, msg, c.status, c.want)
		}
	}
	if got := query(t, srv.URL, "pdu_power_watts", time.UnixMilli(now)); len(got) != 0 {
		t.Errorf("refused requests stored %v", got)
	}
	// In order, then one sample older than the out-of-order window among good ones.
	if code, msg := post(t, srv.URL+"/api/v1/write", "application/x-protobuf", remoteWriteBody(t, []prompb.TimeSeries{ok})); code != 204 {
		t.Fatalf("write: %d %s", code, msg)
	}
	late := series("pdu_power_watts", map[string]string{"rack": "R01"}, prompb.Sample{Timestamp: now - time.Hour.Milliseconds(), Value: 1})
	other := series("pdu_power_watts", map[string]string{"rack": "R02"}, prompb.Sample{Timestamp: now, Value: 200})
	code, msg := post(t, srv.URL+"/api/v1/write", "application/x-protobuf", remoteWriteBody(t, []prompb.TimeSeries{late, other}))
	if code != 400 || !strings.Contains(msg, "1 of 2 samples not stored") {
		t.Errorf("late sample: %d %s", code, msg)
	}
	got := query(t, srv.URL, "pdu_power_watts", time.UnixMilli(now))
	if got["map[__name__:pdu_power_watts rack:R01]"] != 100 || got["map[__name__:pdu_power_watts rack:R02]"] != 200 {
		t.Errorf("after the late sample: %v", got)
	}
}

// A campus-like data set: rack PDUs with power, current and an energy counter, 100 samples 15 s
// apart ending at end.
func campusSeries(end time.Time) []prompb.TimeSeries {
	var out []prompb.TimeSeries
	for r := 1; r <= 6; r++ {
		for _, side := range []string{"A", "B"} {
			lbls := map[string]string{"site": "cyberjaya", "room": fmt.Sprintf("H%d", 1+r%2), "rack": fmt.Sprintf("R%02d", r), "pdu": fmt.Sprintf("R%02d-%s", r, side)}
			var p, c, e []prompb.Sample
			energy := float64(r * 1000)
			for i := 0; i < 100; i++ {
				ts := end.Add(-time.Duration(99-i) * 15 * time.Second).UnixMilli()
				w := 200 + 40*float64(r) + 25*math.Sin(float64(i)/7+float64(r))
				if side == "B" {
					w *= 0.9
				}
				energy += w * 15 / 3600
				if r == 3 && i == 60 {
					energy = 0 // a counter reset: the PDU rebooted
				}
				p = append(p, prompb.Sample{Timestamp: ts, Value: math.Round(w*10) / 10})
				c = append(c, prompb.Sample{Timestamp: ts, Value: math.Round(w/230*1000) / 1000})
				e = append(e, prompb.Sample{Timestamp: ts, Value: math.Round(energy*100) / 100})
			}
			out = append(out, series("pdu_power_watts", lbls, p...), series("pdu_current_amps", lbls, c...), series("pdu_energy_wh_total", lbls, e...))
		}
	}
	return out
}

// normalize decodes an API answer and sorts vector and matrix results by their labels, so that two
// answers compare whatever order the series came in; informational annotations are dropped.
func normalize(t *testing.T, body []byte) any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	delete(v, "infos")
	if v["status"] == "error" {
		delete(v, "error") // the wording differs between versions; the type and status must not
		return v
	}
	if d, ok := v["data"].(map[string]any); ok {
		if res, ok := d["result"].([]any); ok {
			sortByMetric(res)
		}
	}
	return v
}

// sameJSON compares two decoded answers; sample values (numbers in strings) may differ in the last
// bits: Prometheus 3 sums with compensation (Kahan), 2.42 did not.
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !sameJSON(v, y[k]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		fx, err1 := strconv.ParseFloat(x, 64)
		fy, err2 := strconv.ParseFloat(y, 64)
		return err1 == nil && err2 == nil && math.Abs(fx-fy) <= 1e-12*math.Max(1, math.Abs(fy))
	}
	return a == b
}

func sortByMetric(res []any) {
	key := func(x any) string {
		m, _ := x.(map[string]any)
		b, _ := json.Marshal(m["metric"])
		return string(b)
	}
	for i := 1; i < len(res); i++ {
		for j := i; j > 0 && key(res[j]) < key(res[j-1]); j-- {
			res[j], res[j-1] = res[j-1], res[j]
		}
	}
}

func fetch(t *testing.T, method, u string, form url.Values) (int, []byte) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = http.PostForm(u, form)
	} else {
		resp, err = http.Get(u + "?" + form.Encode())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestQueryAPIMatchesPrometheus writes the same remote-write payload to Plenum and to Debian's
// Prometheus 2.42, then asks both the same questions through the HTTP API and checks the answers
// are the same JSON: instant and range queries (rates across a counter reset, aggregations,
// scalars, strings), series, label names and values, and the errors for bad input.
func TestQueryAPIMatchesPrometheus(t *testing.T) {
	prom := testpeer.Prometheus(t)
	_, srv := newServer(t, Limits{})
	// Samples 7 s off the minute, queries on it: no sample sits on the edge of a range, where
	// Prometheus 3 (Plenum's engine) leaves it out and 2.42 took it in.
	end := time.Now().Truncate(time.Minute)
	body := remoteWriteBody(t, campusSeries(end.Add(-7*time.Second)))
	for _, base := range []string{srv.URL, prom} {
		if code, msg := post(t, base+"/api/v1/write", "application/x-protobuf", body); code != http.StatusNoContent {
			t.Fatalf("%s: remote write: %d %s", base, code, msg)
		}
	}
	at := fmt.Sprint(end.Add(-5 * time.Minute).Unix())
	start, stop := fmt.Sprint(end.Add(-20*time.Minute).Unix()), fmt.Sprint(end.Unix())
	type ask struct {
		path string
		form url.Values
	}
	var asks []ask
	for _, q := range []string{
		`pdu_power_watts`,
		`sum by (rack) (pdu_power_watts)`,
		`sum by (room) (rate(pdu_energy_wh_total[5m])) * 3600`,
		`increase(pdu_energy_wh_total{rack="R03"}[10m])`,
		`max_over_time(pdu_current_amps[10m])`,
		`topk(3, pdu_power_watts)`,
		`pdu_power_watts{rack=~"R0[12]", pdu=~".*-A"} / 1000`,
		`scalar(sum(pdu_power_watts))`,
		`count(pdu_power_watts > 300)`,
		`absent(nothing_here)`,
		`quantile_over_time(0.95, pdu_power_watts[25m])`,
		`pdu_power_watts offset 10m`,
		`time()`,
		`"a string"`,
		`sum(`,                   // a syntax error
		`rate(pdu_power_watts)`,  // a range vector needed
		`pdu_power_watts{rack=}`, // a bad selector
	} {
		asks = append(asks, ask{"/api/v1/query", url.Values{"query": {q}, "time": {at}}})
	}
	for _, q := range []string{`sum(rate(pdu_energy_wh_total[5m]))`, `pdu_power_watts{rack="R01"}`, `avg by (room) (pdu_current_amps)`} {
		asks = append(asks, ask{"/api/v1/query_range", url.Values{"query": {q}, "start": {start}, "end": {stop}, "step": {"60"}}},
			ask{"/api/v1/query_range", url.Values{"query": {q}, "start": {start}, "end": {stop}, "step": {"15s"}}})
	}
	asks = append(asks,
		ask{"/api/v1/query_range", url.Values{"query": {"pdu_power_watts"}, "start": {start}, "end": {stop}, "step": {"0"}}},
		ask{"/api/v1/query_range", url.Values{"query": {"pdu_power_watts"}, "start": {stop}, "end": {start}, "step": {"60"}}},
		ask{"/api/v1/query_range", url.Values{"query": {"pdu_power_watts"}, "start": {"0"}, "end": {stop}, "step": {"1"}}},
		ask{"/api/v1/query", url.Values{"query": {"pdu_power_watts"}, "time": {"yesterday"}}},
		ask{"/api/v1/series", url.Values{"match[]": {`pdu_power_watts{rack="R01"}`, `pdu_current_amps{pdu="R02-B"}`}, "start": {start}, "end": {stop}}},
		ask{"/api/v1/series", url.Values{"match[]": {`{room="H2"}`}}},
		ask{"/api/v1/series", url.Values{}},
		ask{"/api/v1/labels", url.Values{}},
		ask{"/api/v1/labels", url.Values{"match[]": {`pdu_power_watts`}}},
		ask{"/api/v1/label/rack/values", url.Values{}},
		ask{"/api/v1/label/pdu/values", url.Values{"match[]": {`{rack="R04"}`}}},
		ask{"/api/v1/label/__name__/values", url.Values{}},
		ask{"/api/v1/label/nothing/values", url.Values{}},
	)
	answered := 0 // answers with data, not errors: the comparison must not be of errors alone
	for _, a := range asks {
		methods := []string{http.MethodGet}
		if !strings.HasPrefix(a.path, "/api/v1/label/") {
			methods = append(methods, http.MethodPost)
		}
		for _, m := range methods {
			wantCode, want := fetch(t, m, prom+a.path, a.form)
			gotCode, got := fetch(t, m, srv.URL+a.path, a.form)
			w, g := normalize(t, want), normalize(t, got)
			if m, _ := g.(map[string]any); m["status"] == "success" && fmt.Sprint(m["data"]) != "[]" {
				answered++
			}
			if gotCode != wantCode || !sameJSON(g, w) {
				t.Errorf("%s %s %v:\nPlenum     %d %s\nPrometheus %d %s", m, a.path, a.form, gotCode, got, wantCode, want)
			}
		}
	}
	if answered < 40 {
		t.Errorf("only %d answers carried data", answered)
	}
}

func gzipWriter(w io.Writer) *gzip.Writer { return gzip.NewWriter(w) }

// A series whose cached reference the store no longer knows (it left memory) is written by its
// labels again; the same series sent with its labels in another order is the same series.
func TestSeriesCache(t *testing.T) {
	s, srv := newServer(t, Limits{})
	now := time.Now().Truncate(time.Second).UnixMilli()
	one := series("ups_load_percent", map[string]string{"ups": "UPS-A"}, prompb.Sample{Timestamp: now - 30000, Value: 40})
	if code, msg := post(t, srv.URL+"/api/v1/write", "application/x-protobuf", remoteWriteBody(t, []prompb.TimeSeries{one})); code != 204 {
		t.Fatalf("%d %s", code, msg)
	}
	// Point the cached reference at a series that does not exist.
	n := 0
	for i := range s.cache.shards {
		for k := range s.cache.shards[i].m {
			s.cache.shards[i].m[k] = 1 << 40
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d series cached, want 1", n)
	}
	one.Samples = []prompb.Sample{{Timestamp: now - 15000, Value: 41}}
	if code, msg := post(t, srv.URL+"/api/v1/write", "application/x-protobuf", remoteWriteBody(t, []prompb.TimeSeries{one})); code != 204 {
		t.Fatalf("after a stale reference: %d %s", code, msg)
	}
	// The labels in reverse order.
	rev := prompb.TimeSeries{Labels: []prompb.Label{{Name: "ups", Value: "UPS-A"}, {Name: "__name__", Value: "ups_load_percent"}},
		Samples: []prompb.Sample{{Timestamp: now, Value: 42}}}
	if code, msg := post(t, srv.URL+"/api/v1/write", "application/x-protobuf", remoteWriteBody(t, []prompb.TimeSeries{rev})); code != 204 {
		t.Fatalf("reversed labels: %d %s", code, msg)
	}
	got := query(t, srv.URL, "count_over_time(ups_load_percent[1m])", time.UnixMilli(now))
	if len(got) != 1 || got["map[ups:UPS-A]"] != 3 {
		t.Errorf("samples of the series: %v", got)
	}
	// Line protocol: the second and third lines take the cached path, the third after the cache
	// went stale; the bad line in between is still named.
	lines := func(ts ...int64) []byte {
		var b bytes.Buffer
		for i, t := range ts {
			fmt.Fprintf(&b, "lp_test,rack=R\\ 1 a=%d,b=2i,s=\"x y\" %d\n", i, t)
		}
		return b.Bytes()
	}
	if code, msg := post(t, srv.URL+"/write?precision=ms", "text/plain", lines(now-20000)); code != 204 {
		t.Fatalf("%d %s", code, msg)
	}
	body := append(lines(now-10000), []byte("lp_test,rack=R\\ 1 a=zz\n")...)
	if code, msg := post(t, srv.URL+"/write?precision=ms", "text/plain", body); code != 400 || !strings.Contains(msg, `"line":2`) {
		t.Fatalf("cached line and a bad one: %d %s", code, msg)
	}
	for i := range s.cache.shards {
		for k := range s.cache.shards[i].m {
			s.cache.shards[i].m[k] = 1 << 41
		}
	}
	if code, msg := post(t, srv.URL+"/write?precision=ms", "text/plain", lines(now)); code != 204 {
		t.Fatalf("after a stale reference: %d %s", code, msg)
	}
	for _, name := range []string{"lp_test_a", "lp_test_b"} {
		got = query(t, srv.URL, "count_over_time("+name+"[1m])", time.UnixMilli(now))
		if len(got) != 1 || got["map[rack:R 1]"] != 3 {
			t.Errorf("line-protocol samples of %s: %v", name, got)
		}
	}
}

// DevicePowers: each device's peak and the 95th percentile of its hourly peaks over the week,
// under whichever of the measured-power names it comes (the highest where several), for the site
// asked only; kept up to date by reading only what arrived since, and forgetting what left the
// window.
func TestDevicePowers(t *testing.T) {
	s, _ := newServer(t, Limits{})
	ctx := context.Background()
	h := time.Now().Truncate(time.Hour) // on an hour, so that the hours below are exact
	var pts []Point
	for i := 0; i < 100; i++ {
		at := h.Add(-time.Duration(100-i) * time.Minute).UnixMilli()
		pts = append(pts,
			Point{Name: "device_power_watts", Labels: map[string]string{"site": "DC1", "device": "srv-a"}, T: at, V: 200},
			Point{Name: "device_power_watts", Labels: map[string]string{"site": "DC1", "device": "srv-b"}, T: at, V: float64(i + 1)},
			Point{Name: "device_power_watts", Labels: map[string]string{"site": "DC2", "device": "srv-c"}, T: at, V: 50})
	}
	pts = append(pts, Point{Name: "server_power_watts", Labels: map[string]string{"site": "DC1", "device": "srv-a"}, T: h.Add(-time.Minute).UnixMilli(), V: 300})
	if _, err := s.Append(ctx, pts); err != nil {
		t.Fatal(err)
	}
	check := func(at time.Time, want map[string]PowerPeak) {
		t.Helper()
		got, err := s.DevicePowers(ctx, "DC1", at)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("at %v: %+v, want %+v", at.Sub(h), got, want)
		}
		for name, w := range want {
			if g := got[name]; g.PeakW != w.PeakW || math.Abs(g.P95W-w.P95W) > 1e-9 {
				t.Errorf("at %v: %s %+v, want %+v", at.Sub(h), name, g, w)
			}
		}
	}
	// srv-b reads 1 to 41 in the hour before last (its peak 41 at 60 minutes before the hour),
	// and 42 to 100 in the last: hourly peaks 41 and 100, 95th percentile 41 + 0.95 × 59. srv-a:
	// 200, then 300 (its server_power_watts).
	check(h, map[string]PowerPeak{"srv-a": {300, 295}, "srv-b": {100, 97.05}})
	// Later readings are read on their own: 500 W in the hour in progress.
	var more []Point
	for m := 1; m <= 30; m++ {
		more = append(more, Point{Name: "device_power_watts", Labels: map[string]string{"site": "DC1", "device": "srv-b"}, T: h.Add(time.Duration(m) * time.Minute).UnixMilli(), V: 500})
	}
	if _, err := s.Append(ctx, more); err != nil {
		t.Fatal(err)
	}
	check(h.Add(30*time.Minute), map[string]PowerPeak{"srv-a": {300, 295}, "srv-b": {500, 0.1*100 + 0.9*500}})
	// A lower reading later in the same hour leaves its peak; the next hour has its own.
	more = []Point{
		{Name: "device_power_watts", Labels: map[string]string{"site": "DC1", "device": "srv-b"}, T: h.Add(45 * time.Minute).UnixMilli(), V: 50},
		{Name: "device_power_watts", Labels: map[string]string{"site": "DC1", "device": "srv-b"}, T: h.Add(70 * time.Minute).UnixMilli(), V: 60}}
	if _, err := s.Append(ctx, more); err != nil {
		t.Fatal(err)
	}
	// Hourly peaks 41, 100, 500, 60: sorted, the 95th percentile is 100 + 0.85 × 400.
	check(h.Add(80*time.Minute), map[string]PowerPeak{"srv-a": {300, 295}, "srv-b": {500, 100 + 0.85*400}})
	// A week on, all of it has left the window.
	check(h.Add(MeasureWindow+3*time.Hour), map[string]PowerPeak{})
}

// NodePowers: a UPS's output lines are summed at each minute before its hourly peaks are taken;
// a rack PDU's total is taken as it is.
func TestNodePowers(t *testing.T) {
	s, _ := newServer(t, Limits{})
	h := time.Now().Truncate(time.Hour)
	var pts []Point
	for i := 0; i < 100; i++ {
		at := h.Add(-time.Duration(100-i) * time.Minute).UnixMilli()
		for _, line := range []string{"1", "2", "3"} {
			pts = append(pts, Point{Name: "ups_output_power_watts", Labels: map[string]string{"site": "DC1", "power_node": "UPS-A", "line": line}, T: at, V: float64(1000 + i)})
		}
		pts = append(pts, Point{Name: "pdu_power_watts", Labels: map[string]string{"site": "DC1", "power_node": "RPDU-A01-A"}, T: at, V: 2000})
	}
	if _, err := s.Append(context.Background(), pts); err != nil {
		t.Fatal(err)
	}
	got, err := s.NodePowers(context.Background(), "DC1", h)
	if err != nil {
		t.Fatal(err)
	}
	// UPS-A: 3 × (1000 + i) at one-minute steps: hourly peaks 3 × 1040 = 3120 and 3 × 1099 = 3297.
	if len(got) != 2 || got["UPS-A"].PeakW != 3297 || math.Abs(got["UPS-A"].P95W-(3120+0.95*177)) > 1e-9 ||
		got["RPDU-A01-A"].PeakW != 2000 || got["RPDU-A01-A"].P95W != 2000 {
		t.Errorf("node powers: %+v", got)
	}
}

// The series cache forgets series not written for a generation: a series written since the last
// rotation stays, one not written over two rotations is gone; the store then finds it by its
// labels, as for a new series.
func TestSeriesCacheForgets(t *testing.T) {
	c := newSeriesCache()
	used, unused := keyOf([]byte("used")), keyOf([]byte("unused"))
	c.put(used, 1)
	c.put(unused, 2)
	rotateAll := func() {
		for i := range c.shards {
			c.shards[i].rotate(time.Now())
		}
	}
	rotateAll()
	if c.get(used) != 1 || c.len() != 2 {
		t.Fatalf("after one rotation: %d cached", c.len())
	}
	rotateAll()
	if c.get(used) != 1 || c.get(unused) != 0 || c.len() != 1 {
		t.Errorf("after two rotations: used %d, unused %d, %d cached", c.get(used), c.get(unused), c.len())
	}
	// Adding a series rotates its shard once cacheIdle has passed.
	c.idle = 0
	sh := &c.shards[used[0]%cacheShards]
	before := sh.rotated
	c.put(used, 3)
	if !sh.rotated.After(before) || c.get(used) != 3 {
		t.Errorf("put did not rotate its shard")
	}
}
