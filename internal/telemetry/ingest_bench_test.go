package telemetry

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// The ingest benchmark of issue #4: series of a data center (rack PDU outlet power and current,
// phase current and voltage, inlet temperature and humidity, with site/room/rack/pdu/outlet
// labels), each with `samples` samples 15 s apart ending now; one sample per series per request
// entry, 2,000 samples per request, 4 concurrent senders each owning a quarter of the series (so
// each series' samples arrive in order), every payload encoded before the clock starts. The same
// payload goes to Plenum and to Debian's Prometheus 2.42, each a process of its own, whose CPU time
// and peak memory are read from /proc.
//
//	PLENUM_BENCH_SERIES=100000 go test ./internal/telemetry -run '^$' -bench Ingest -benchtime 1x -timeout 30m

const (
	perRequest = 2000
	senders    = 4
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// dcLabels is the label set of series i: 16 series a rack PDU (4 outlets × power and current,
// 3 phases × current and voltage, ...), 2 PDUs a rack, 20 racks a row of a room.
func dcLabels(i int) []prompb.Label {
	pdu, k := i/16, i%16
	rack := pdu / 2
	l := []prompb.Label{
		{Name: "__name__"},
		{Name: "pdu", Value: fmt.Sprintf("R%05d-%c", rack, 'A'+byte(pdu%2))},
		{Name: "rack", Value: fmt.Sprintf("R%05d", rack)},
		{Name: "room", Value: fmt.Sprintf("hall-%d", rack/500+1)},
		{Name: "site", Value: "cyberjaya-dc1"},
	}
	switch {
	case k < 8:
		l[0].Value = []string{"pdu_outlet_power_watts", "pdu_outlet_current_amps"}[k%2]
		l = append(l, prompb.Label{Name: "outlet", Value: strconv.Itoa(k/2 + 1)})
	case k < 14:
		l[0].Value = []string{"pdu_phase_current_amps", "pdu_phase_voltage_volts"}[k%2]
		l = append(l, prompb.Label{Name: "phase", Value: "L" + strconv.Itoa((k-8)/2+1)})
	default:
		l[0].Value = []string{"inlet_temperature_celsius", "inlet_humidity_percent"}[k-14]
	}
	return l
}

func dcValue(i, step int) float64 {
	return float64(100+i%400) + float64(step%7)*0.5
}

// payloads encodes the workload with encode (rwBody or lpBody): per sender, its requests in order.
// Only the one format a benchmark sends is held: at 1,000,000 series of 100 samples the
// remote-write bodies take about 1.2 GB, the line protocol about 11 GB.
func payloads(series, samples int, end time.Time, encode func(batch []int, step int, ts int64) []byte) (bodies [senders][][]byte) {
	for s := 0; s < senders; s++ {
		var mine []int
		for i := s; i < series; i += senders {
			mine = append(mine, i)
		}
		for step := 0; step < samples; step++ {
			ts := end.Add(-time.Duration(samples-1-step) * 15 * time.Second).UnixMilli()
			for lo := 0; lo < len(mine); lo += perRequest {
				bodies[s] = append(bodies[s], encode(mine[lo:min(lo+perRequest, len(mine))], step, ts))
			}
		}
	}
	return bodies
}

// rwBody is one snappy-compressed remote-write 1.0 request: one entry per series of the batch.
func rwBody(batch []int, step int, ts int64) []byte {
	req := prompb.WriteRequest{}
	for _, i := range batch {
		req.Timeseries = append(req.Timeseries, prompb.TimeSeries{Labels: dcLabels(i), Samples: []prompb.Sample{{Value: dcValue(i, step), Timestamp: ts}}})
	}
	raw, err := req.Marshal()
	if err != nil {
		panic(err)
	}
	// Encode returns a slice of a buffer of the worst-case length, 13 times what snappy makes of
	// these bodies: holding the buffers would take 164 bytes a sample instead of 12.
	return bytes.Clone(snappy.Encode(nil, raw))
}

// lpBody is one line-protocol request: one line per series of the batch.
func lpBody(batch []int, step int, ts int64) []byte {
	var buf bytes.Buffer
	for _, i := range batch {
		l := dcLabels(i)
		buf.WriteString(l[0].Value)
		for _, lb := range l[1:] {
			buf.WriteString("," + lb.Name + "=" + lb.Value)
		}
		fmt.Fprintf(&buf, " value=%g %d\n", dcValue(i, step), ts)
	}
	return bytes.Clone(buf.Bytes())
}

// startChild runs the test binary as a bare ingest server (see TestMain) and returns its URL and
// process; closing its stdin stops it.
func startChild(b *testing.B) (string, *os.Process, func()) {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PLENUM_BENCH_CHILD="+b.TempDir())
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("child: %v", err)
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, "listening "))
	return url, cmd.Process, func() {
		stdin.Close()
		_ = cmd.Wait()
	}
}

// send posts every sender's requests concurrently and returns the elapsed time.
func send(b *testing.B, url, contentType, encoding string, bodies [senders][][]byte) time.Duration {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for _, body := range bodies[s] {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", contentType)
				if encoding != "" {
					req.Header.Set("Content-Encoding", encoding)
				}
				req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					errs <- fmt.Errorf("%s: %s %s", url, resp.Status, msg)
					return
				}
			}
		}(s)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

type ingestRun struct {
	perSec, cpuPerM, rssPerSeries float64
}

func measure(b *testing.B, url string, proc *os.Process, contentType, encoding string, bodies [senders][][]byte, total, series int) ingestRun {
	b.Helper()
	cpu0, _, err := testpeer.ProcStats(proc.Pid)
	if err != nil {
		b.Fatal(err)
	}
	took := send(b, url, contentType, encoding, bodies)
	cpu1, rss, err := testpeer.ProcStats(proc.Pid)
	if err != nil {
		b.Fatal(err)
	}
	return ingestRun{perSec: float64(total) / took.Seconds(), cpuPerM: (cpu1 - cpu0) / float64(total) * 1e6, rssPerSeries: float64(rss) / float64(series)}
}

func BenchmarkIngestRemoteWrite(b *testing.B) {
	series, samples := envInt("PLENUM_BENCH_SERIES", 10000), envInt("PLENUM_BENCH_SAMPLES", 100)
	total := series * samples
	for b.Loop() {
		b.StopTimer()
		rw := payloads(series, samples, time.Now().Truncate(time.Second), rwBody)
		url, proc, stop := startChild(b)
		plenum := measure(b, url+"/api/v1/write", proc, "application/x-protobuf", "snappy", rw, total, series)
		stop()
		purl, pproc := testpeer.PrometheusProcess(b)
		prom := measure(b, purl+"/api/v1/write", pproc, "application/x-protobuf", "snappy", rw, total, series)
		b.ReportMetric(plenum.perSec, "plenum-samples/s")
		b.ReportMetric(prom.perSec, "prometheus-samples/s")
		b.ReportMetric(plenum.perSec/prom.perSec, "ratio")
		b.ReportMetric(plenum.cpuPerM, "plenum-cpu-s/M")
		b.ReportMetric(prom.cpuPerM, "prometheus-cpu-s/M")
		b.ReportMetric(plenum.rssPerSeries, "plenum-rss-B/series")
		b.ReportMetric(prom.rssPerSeries, "prometheus-rss-B/series")
		b.StartTimer()
	}
}

func BenchmarkIngestLineProtocol(b *testing.B) {
	series, samples := envInt("PLENUM_BENCH_SERIES", 10000), envInt("PLENUM_BENCH_SAMPLES", 100)
	total := series * samples
	for b.Loop() {
		b.StopTimer()
		lp := payloads(series, samples, time.Now().Truncate(time.Second), lpBody)
		url, proc, stop := startChild(b)
		plenum := measure(b, url+"/write?precision=ms", proc, "text/plain", "", lp, total, series)
		stop()
		iurl, iproc := testpeer.InfluxProcess(b, "bench")
		influx := measure(b, iurl+"/write?db=bench&precision=ms", iproc, "text/plain", "", lp, total, series)
		b.ReportMetric(plenum.perSec, "plenum-samples/s")
		b.ReportMetric(influx.perSec, "influxdb-samples/s")
		b.ReportMetric(plenum.perSec/influx.perSec, "ratio")
		b.ReportMetric(plenum.cpuPerM, "plenum-cpu-s/M")
		b.ReportMetric(influx.cpuPerM, "influxdb-cpu-s/M")
		b.ReportMetric(plenum.rssPerSeries, "plenum-rss-B/series")
		b.ReportMetric(influx.rssPerSeries, "influxdb-rss-B/series")
		b.StartTimer()
	}
}
