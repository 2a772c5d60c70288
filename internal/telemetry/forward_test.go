package telemetry

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"

	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// TestForwardingSurvivesReceiverOutage forwards to Debian's Prometheus, kills it while readings
// keep coming in, starts it again on the same address and data, and checks that it ends up with
// every sample Plenum acknowledged, those of the outage included.
func TestForwardingSurvivesReceiverOutage(t *testing.T) {
	recv := testpeer.StartPrometheus(t, "", "")
	s, err := Open(Options{Dir: t.TempDir(), OutOfOrder: DefaultOutOfOrder, Forward: Forward{URL: recv.URL + "/api/v1/write"}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux, "/api/v1")
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer s.Close()
	// Samples are forwarded from the time forwarding started on.
	start := time.Now().Add(time.Second).Truncate(time.Second)
	const nSeries, perBatch = 20, 10
	batch := func(first int) []byte {
		var ts []prompb.TimeSeries
		for i := 0; i < nSeries; i++ {
			var smp []prompb.Sample
			for k := first; k < first+perBatch; k++ {
				smp = append(smp, prompb.Sample{Timestamp: start.Add(time.Duration(k) * time.Second).UnixMilli(), Value: float64(k)})
			}
			ts = append(ts, series("crah_supply_temp_celsius", map[string]string{"unit": fmt.Sprintf("CRAH-%02d", i)}, smp...))
		}
		return remoteWriteBody(t, ts)
	}
	received := func() float64 {
		got := query(t, recv.URL, "sum(count_over_time(crah_supply_temp_celsius[5m]))", start.Add(time.Minute))
		return got["map[]"]
	}
	waitFor := func(want float64) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if received() == want {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("the receiver has %v samples, want %v", received(), want)
	}
	time.Sleep(time.Until(start))
	if code, msg := post(t, srv.URL+"/api/v1/write", "application/x-protobuf", batch(0)); code != http.StatusNoContent {
		t.Fatalf("%d %s", code, msg)
	}
	waitFor(nSeries * perBatch)
	recv.Stop()
	for k := 1; k <= 3; k++ { // the outage: Plenum keeps acknowledging
		if code, msg := post(t, srv.URL+"/api/v1/write", "application/x-protobuf", batch(k*perBatch)); code != http.StatusNoContent {
			t.Fatalf("during the outage: %d %s", code, msg)
		}
	}
	time.Sleep(2 * time.Second) // the client fails and backs off meanwhile
	recv.Start(t)
	waitFor(4 * nSeries * perBatch)
}

// TestQueryExternal answers the query API from Debian's Prometheus instead of the embedded store:
// what only Prometheus holds comes back through Plenum, and its outage is a 502 in Prometheus' error
// shape.
func TestQueryExternal(t *testing.T) {
	recv := testpeer.StartPrometheus(t, "", "")
	now := time.Now().Truncate(time.Second)
	body := remoteWriteBody(t, []prompb.TimeSeries{series("ups_load_percent", map[string]string{"ups": "UPS-B"}, prompb.Sample{Timestamp: now.UnixMilli(), Value: 37})})
	if code, msg := post(t, recv.URL+"/api/v1/write", "application/x-protobuf", body); code != http.StatusNoContent {
		t.Fatalf("%d %s", code, msg)
	}
	s, err := Open(Options{Dir: t.TempDir(), Query: External{URL: recv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mux := http.NewServeMux()
	s.Register(mux, "/api/v1")
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if got := query(t, srv.URL, "ups_load_percent", now); got["map[__name__:ups_load_percent ups:UPS-B]"] != 37 {
		t.Errorf("through Plenum: %v", got)
	}
	code, b := fetch(t, http.MethodGet, srv.URL+"/api/v1/label/ups/values", nil)
	if code != http.StatusOK || string(b) != `{"status":"success","data":["UPS-B"]}` {
		t.Errorf("label values: %d %s", code, b)
	}
	recv.Stop()
	code, b = fetch(t, http.MethodPost, srv.URL+"/api/v1/query", map[string][]string{"query": {"up"}})
	if code != http.StatusBadGateway || !strings.Contains(string(b), `"errorType":"unavailable"`) {
		t.Errorf("receiver down: %d %s", code, b)
	}
	if _, err := Open(Options{Dir: t.TempDir(), Query: External{URL: "ftp://x"}}); err == nil || !strings.Contains(err.Error(), "query URL") {
		t.Errorf("bad query URL: %v", err)
	}
	if _, err := Open(Options{Dir: t.TempDir(), Forward: Forward{URL: "nope"}}); err == nil || !strings.Contains(err.Error(), "forward URL") {
		t.Errorf("bad forward URL: %v", err)
	}
}
