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

// Prometheus starts Debian's Prometheus for tb on a port of its own, as a remote-write receiver
// with an empty configuration and its own storage, and returns its base URL. It is stopped when tb
// ends.
func Prometheus(tb testing.TB) string {
	tb.Helper()
	url, _ := PrometheusProcess(tb)
	return url
}

// PrometheusProcess is Prometheus, also returning its process (for measuring its CPU and memory).
func PrometheusProcess(tb testing.TB) (string, *os.Process) {
	tb.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		missing(tb, "%s: %v", prometheusHint, err)
	}
	dir := tb.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1h\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--web.enable-remote-write-receiver", "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start prometheus: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, cmd.Process
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("prometheus not ready after 30 s:\n%s", logs.String())
	return "", nil
}
