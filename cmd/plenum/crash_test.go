package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// child is `plenum serve --demo` in a process of its own (the test binary run as plenum).
type child struct {
	cmd        *exec.Cmd
	url, token string
}

func startChild(t *testing.T, data string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PLENUM_TEST_RUN="+strings.Join([]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "warn"}, "\n"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	found := make(chan []string, 1)
	go func() {
		var text strings.Builder
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			text.WriteString(sc.Text() + "\n")
			if m := demoBanner.FindStringSubmatch(text.String()); m != nil {
				found <- m
				_, _ = io.Copy(io.Discard, out)
				return
			}
		}
		close(found)
	}()
	select {
	case m, ok := <-found:
		if !ok {
			t.Fatal("the server exited before serving")
		}
		return &child{cmd: cmd, url: m[1], token: m[2]}
	case <-time.After(2 * time.Minute):
		t.Fatal("no demo banner after 2 minutes")
	}
	return nil
}

// TestWritesSurviveKill9: every line-protocol write the server acknowledged (204) before it was
// killed with SIGKILL, mid-stream, is there after a restart.
func TestWritesSurviveKill9(t *testing.T) {
	data := t.TempDir()
	srv := startChild(t, data)
	base := time.Now().Add(-time.Minute).UnixMilli()
	var mu sync.Mutex
	var acked []int
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		client := &http.Client{Timeout: 5 * time.Second}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			body := fmt.Sprintf("ack_test,batch=b%d value=%d %d\nack_test_twin,batch=b%d value=%d %d\n", i, i, base+int64(i), i, i, base+int64(i))
			req, _ := http.NewRequest(http.MethodPost, srv.url+"/write?precision=ms", strings.NewReader(body))
			req.Header.Set("Authorization", "Token "+srv.token)
			resp, err := client.Do(req)
			if err != nil {
				return // the server is gone
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				mu.Lock()
				acked = append(acked, i)
				mu.Unlock()
			}
		}
	}()
	// Kill it once a few hundred writes are in, while the writer keeps going.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = srv.cmd.Wait()
	close(stop)
	<-done
	mu.Lock()
	want := append([]int(nil), acked...)
	mu.Unlock()
	if len(want) < 100 {
		t.Fatalf("only %d writes acknowledged before the kill", len(want))
	}
	again := startChild(t, data)
	// Every acknowledged batch, both of its series, is there.
	req, _ := http.NewRequest(http.MethodGet, again.url+"/api/v1/query?"+url.Values{
		"query": {"count by (batch) ({__name__=~\"ack_test|ack_test_twin\"})"}}.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+again.token)
	resp, err := http.DefaultClient.Do(req)
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
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &body); err != nil || body.Status != "success" {
		t.Fatalf("%v: %s", err, raw)
	}
	present := map[string]string{}
	for _, r := range body.Data.Result {
		present[r.Metric["batch"]] = r.Value[1].(string)
	}
	var lost []int
	for _, i := range want {
		if present[fmt.Sprintf("b%d", i)] != "2" {
			lost = append(lost, i)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d acknowledged writes lost after kill -9, e.g. %v", len(lost), len(want), lost[:min(len(lost), 10)])
	}
	t.Logf("%d writes acknowledged before the kill, %d batches found after the restart", len(want), len(present))
}

// TestPollCommand is `plenum poll` against real recordings served by snmpsim: the JSON it prints,
// over v2c and v3, and its refusals.
func TestPollCommand(t *testing.T) {
	recordings := filepath.Join("..", "..", "..", "shared", "data", "snmprec")
	if _, err := os.Stat(recordings); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the shared SNMP recordings are missing at %s", recordings)
		}
		t.Skipf("no shared recordings at %s", recordings)
	}
	agent := testpeer.SNMPSim(t, recordings)
	for _, u := range []string{
		"snmp://apc_ap8853@" + agent,
		fmt.Sprintf("snmpv3://%s:%s:%s@%s?context=apc_ap8853", testpeer.SNMPv3User, testpeer.SNMPv3AuthKey, testpeer.SNMPv3PrivKey, agent),
	} {
		out := plenum(t, "poll", "--json", u)
		var readings []struct {
			Name    string
			Labels  map[string]string
			Value   float64
			Unit    string
			Missing bool
		}
		if err := json.Unmarshal([]byte(out), &readings); err != nil {
			t.Fatalf("%s: %v\n%s", u, err, out)
		}
		found := 0
		for _, r := range readings {
			switch {
			case r.Name == "pdu_power_watts" && r.Labels["device"] == "1":
				if r.Value != 1140 || r.Unit != "W" {
					t.Errorf("%s: power %+v", u, r)
				}
				found++
			case r.Name == "pdu_phase_voltage_volts":
				if r.Value != 242 || r.Labels["phase"] != "1" {
					t.Errorf("%s: phase voltage %+v", u, r)
				}
				found++
			case r.Name == "pdu_energy_kwh_total":
				if r.Value != 3512.8 || r.Unit != "kWh" {
					t.Errorf("%s: energy %+v", u, r)
				}
				found++
			}
		}
		if found != 3 {
			t.Errorf("%s: %d of the 3 readings looked for:\n%s", u, found, out)
		}
	}
	app := newApp()
	var out testpeer.SyncBuffer
	app.Writer, app.ErrWriter = &out, &out
	for _, bad := range []string{"modbus://10.0.0.1:502", "snmp://10.0.0.1"} {
		if err := app.Run(context.Background(), []string{"plenum", "poll", bad}); err == nil {
			t.Errorf("poll %s: no error", bad)
		}
	}
	// A device nobody answers for: an error naming it, after the timeout.
	if err := app.Run(context.Background(), []string{"plenum", "poll", "--timeout", "300ms", "snmp://nobody-here@127.0.0.1:9"}); err == nil || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("dead agent: %v", err)
	}
}

// TestPollingIntoTheStore: a poll target made through the API is polled by the server on its
// schedule; its readings land in the store with the identity of the site, queryable by PromQL, and
// its health shows in /poll-status; a dead target is down with its reason.
func TestPollingIntoTheStore(t *testing.T) {
	recordings := filepath.Join("..", "..", "..", "shared", "data", "snmprec")
	if _, err := os.Stat(recordings); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the shared SNMP recordings are missing at %s", recordings)
		}
		t.Skipf("no shared recordings at %s", recordings)
	}
	agentAddr := testpeer.SNMPSim(t, recordings)
	meter := testpeer.Modbus(t, map[int]testpeer.ModbusRegisters{1: {"holding": {20480: 0, 20481: 0, 20482: 0x00BC, 20483: 0x614E}}})
	srv := serve(t, "--demo", "--data", t.TempDir())
	defer srv.stop()
	code, _, body := get(t, srv.url+"/api/v1/sites", srv.token)
	var sites struct{ Results []struct{ ID int64 } }
	if err := json.Unmarshal([]byte(body), &sites); err != nil || code != 200 || len(sites.Results) == 0 {
		t.Fatalf("sites: %d %s", code, body)
	}
	site := sites.Results[0].ID
	for _, target := range []string{
		fmt.Sprintf(`{"name": "ap8853", "site_id": %d, "url": "snmp://%s", "credentials": "apc_ap8853", "interval_seconds": 5, "timeout_seconds": 2}`, site, agentAddr),
		fmt.Sprintf(`{"name": "nobody", "site_id": %d, "url": "snmp://127.0.0.1:9", "credentials": "x", "interval_seconds": 5, "timeout_seconds": 1, "retries": 0}`, site),
		fmt.Sprintf(`{"name": "meter-1", "site_id": %d, "url": "modbus://%s", "profile": "abb-b23", "interval_seconds": 5, "timeout_seconds": 2}`, site, meter),
	} {
		if code, _, body := request(t, http.MethodPost, srv.url+"/api/v1/poll-targets", srv.token, target); code != http.StatusCreated {
			t.Fatalf("poll target: %d %s", code, body)
		}
	}
	type health struct {
		Target    string
		Up        bool
		LastError string `json:"last_error"`
		Readings  int
		Polls     int
	}
	deadline := time.Now().Add(30 * time.Second)
	var status map[string]health
	for time.Now().Before(deadline) {
		_, _, body := get(t, srv.url+"/api/v1/poll-status", srv.token)
		var st struct{ Targets []health }
		_ = json.Unmarshal([]byte(body), &st)
		status = map[string]health{}
		for _, h := range st.Targets {
			status[h.Target] = h
		}
		if status["ap8853"].Up && status["nobody"].Polls > 0 && status["meter-1"].Up {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if h := status["ap8853"]; !h.Up || h.Readings != 9 {
		t.Fatalf("ap8853: %+v", h)
	}
	if h := status["nobody"]; h.Up || h.LastError == "" {
		t.Errorf("dead target: %+v", h)
	}
	q := srv.url + "/api/v1/query?" + url.Values{"query": {`pdu_power_watts{target="ap8853"}`}}.Encode()
	_, _, body = get(t, q, srv.token)
	if !strings.Contains(body, `"site":"Cyberjaya DC1"`) || !strings.Contains(body, `"1140"`) {
		t.Errorf("the polled power in the store: %s", body)
	}
	_, _, body = get(t, srv.url+"/api/v1/query?"+url.Values{"query": {`meter_import_energy_kwh_total`}}.Encode(), srv.token)
	if !strings.Contains(body, `"target":"meter-1"`) || !strings.Contains(body, `"123456.78"`) {
		t.Errorf("the metered energy in the store: %s", body)
	}
	// Plenum's own metrics: the polled samples counted, the TSDB's head, Go's runtime; behind a token.
	code, _, body = get(t, srv.url+"/metrics", srv.token)
	if code != http.StatusOK || !strings.Contains(body, `plenum_ingest_samples_total{protocol="poll"}`) ||
		!strings.Contains(body, "prometheus_tsdb_head_series ") || !strings.Contains(body, "go_goroutines ") ||
		!strings.Contains(body, `plenum_poll_targets{state="down"} 1`) || !strings.Contains(body, "plenum_polls_total ") {
		t.Errorf("/metrics: %d %.400s", code, body)
	}
	if code, _, _ := get(t, srv.url+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without a token: %d", code)
	}
	_, _, body = get(t, srv.url+"/api/v1/query?"+url.Values{"query": {`plenum_poll_up`}}.Encode(), srv.token)
	if !strings.Contains(body, `"target":"nobody"},"value":[`) || !strings.Contains(body, `"target":"ap8853"},"value":[`) {
		t.Errorf("plenum_poll_up: %s", body)
	}
}

// TestDemoReadings: `serve --demo` fills in the last day of readings and keeps them coming: every
// device's power at one-minute steps, the rack PDUs' phases, and inlet temperatures with a warm
// rack; the measured basis of the power chain then has every device on it.
func TestDemoReadings(t *testing.T) {
	srv := serve(t, "--demo", "--data", t.TempDir())
	defer srv.stop()
	query := func(expr string) []struct {
		Metric map[string]string
		Value  [2]any
	} {
		_, _, body := get(t, srv.url+"/api/v1/query?"+url.Values{"query": {expr}}.Encode(), srv.token)
		var res struct {
			Data struct {
				Result []struct {
					Metric map[string]string
					Value  [2]any
				}
			}
		}
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatalf("%s: %v %s", expr, err, body)
		}
		return res.Data.Result
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		r := query(`count_over_time(device_power_watts{device="A02-SRV03"}[1d])`)
		if len(r) == 1 && r[0].Value[1] == "1440" || len(r) == 1 && r[0].Value[1] == "1441" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no day of history after 90 s: %v", r)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if r := query(`count(pdu_phase_current_amps)`); len(r) != 1 || r[0].Value[1] == "0" {
		t.Errorf("rack PDU phases: %v", r)
	}
	warm := query(`max(inlet_temperature_celsius) > 27`)
	cool := query(`min(inlet_temperature_celsius) < 24`)
	if len(warm) != 1 || len(cool) != 1 {
		t.Errorf("inlet temperatures: warmest %v, coolest %v", warm, cool)
	}
	_, _, body := get(t, srv.url+"/api/v1/power-nodes?kind=ups&limit=1", srv.token)
	var ups struct{ Results []struct{ ID int64 } }
	_ = json.Unmarshal([]byte(body), &ups)
	if len(ups.Results) == 0 {
		t.Fatalf("no UPS: %s", body)
	}
	// The measured basis is read again every minute (power.Service.MeasureEvery): a chain built
	// while the history was still being written (the built-in alert rules build it as soon as
	// readings arrive) has every device measured within a minute or two.
	var res struct {
		Measured int `json:"measured_devices"`
	}
	for deadline := time.Now().Add(150 * time.Second); ; {
		_, _, body = request(t, http.MethodPost, srv.url+"/api/v1/whatif", srv.token, fmt.Sprintf(`{"failed": [%d], "basis": "measured"}`, ups.Results[0].ID))
		if err := json.Unmarshal([]byte(body), &res); err == nil && res.Measured >= 800 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if res.Measured < 800 {
		t.Errorf("measured devices: %.300s", body)
	}
	// The UPSes' own simulated output is shown beside their computed load.
	_, _, body = get(t, srv.url+"/api/v1/power-loads?site=1&kind=ups", srv.token)
	var loads struct {
		Nodes []struct {
			Node           struct{ Name string }
			KW             float64  `json:"kw"`
			MeasuredPeakKW *float64 `json:"measured_peak_kw"`
		}
	}
	if err := json.Unmarshal([]byte(body), &loads); err != nil || len(loads.Nodes) == 0 {
		t.Fatalf("power-loads: %.300s", body)
	}
	for _, n := range loads.Nodes {
		if n.KW > 0 && (n.MeasuredPeakKW == nil || *n.MeasuredPeakKW <= 0) {
			t.Errorf("%s: computed %v kW, measured %v", n.Node.Name, n.KW, n.MeasuredPeakKW)
		}
	}
}
