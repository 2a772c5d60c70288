package testpeer

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const influxHint = "InfluxDB 1.6 is needed: run `make test-deps` (apt-get install influxdb)"

// InfluxProcess starts Debian's InfluxDB 1.x for tb on ports of its own, with database db created,
// and returns its base URL and process. It is stopped when tb ends.
func InfluxProcess(tb testing.TB, db string) (string, *os.Process) {
	tb.Helper()
	bin, err := exec.LookPath("influxd")
	if err != nil {
		missing(tb, "%s: %v", influxHint, err)
	}
	dir := tb.TempDir()
	httpPort, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	rpcPort, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	cfg := fmt.Sprintf(`reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = %q
[data]
  dir = %q
  wal-dir = %q
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:%d"
  auth-enabled = false
  log-enabled = false
  max-body-size = 0
[monitor]
  store-enabled = false
`, rpcPort, filepath.Join(dir, "meta"), filepath.Join(dir, "data"), filepath.Join(dir, "wal"), httpPort)
	path := filepath.Join(dir, "influxdb.conf")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-config", path)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start influxd: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/ping"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				resp, err := http.PostForm(base+"/query", url.Values{"q": {"CREATE DATABASE " + db}})
				if err != nil {
					tb.Fatal(err)
				}
				resp.Body.Close()
				return base, cmd.Process
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("influxd not ready after 30 s:\n%s", strings.TrimSpace(logs.String()))
	return "", nil
}
