package testpeer

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const prometheusHint = "Prometheus 2.42 is needed: run `make test-deps` (apt-get install prometheus)"

// PrometheusServer is Debian's Prometheus run for a test: a remote-write receiver with an empty
// configuration and storage of its own.
type PrometheusServer struct {
	URL  string
	Proc *os.Process
	addr string
	dir  string
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

// Prometheus starts a Prometheus for tb on a port of its own and returns its base URL. It is
// stopped when tb ends.
func Prometheus(tb testing.TB) string {
	tb.Helper()
	return StartPrometheus(tb, "", "").URL
}

// PrometheusProcess is Prometheus, also returning its process (for measuring its CPU and memory).
func PrometheusProcess(tb testing.TB) (string, *os.Process) {
	tb.Helper()
	p := StartPrometheus(tb, "", "")
	return p.URL, p.Proc
}

// StartPrometheus starts a Prometheus keeping its data in dir and listening on addr (empty: a
// temporary directory, a free port). Stop and Start again on the same ones model an outage.
func StartPrometheus(tb testing.TB, dir, addr string) *PrometheusServer {
	tb.Helper()
	if dir == "" {
		dir = tb.TempDir()
	}
	if addr == "" {
		port, err := freePort()
		if err != nil {
			tb.Fatal(err)
		}
		addr = fmt.Sprintf("127.0.0.1:%d", port)
	}
	p := &PrometheusServer{addr: addr, dir: dir, URL: "http://" + addr}
	p.Start(tb)
	tb.Cleanup(p.Stop)
	return p
}

// Start starts the server (again) and waits until it is ready.
func (p *PrometheusServer) Start(tb testing.TB) {
	tb.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		missing(tb, "%s: %v", prometheusHint, err)
	}
	cfg := filepath.Join(p.dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1h\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	p.logs = &bytes.Buffer{}
	p.cmd = exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(p.dir, "data"),
		"--web.listen-address="+p.addr, "--web.enable-remote-write-receiver", "--log.level=warn")
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("start prometheus: %v", err)
	}
	p.Proc = p.cmd.Process
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.URL + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("prometheus not ready after 30 s:\n%s", p.logs.String())
}

// Stop kills the server (an outage, as far as its clients can tell).
func (p *PrometheusServer) Stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		p.cmd = nil
	}
}
