package testpeer

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const alertmanagerHint = "Alertmanager 0.25 is needed: run `make test-deps` (apt-get install prometheus-alertmanager)"

// alertmanagerConfig routes every alert to a receiver that sends nothing: the tests look at what
// Alertmanager holds, through its API.
const alertmanagerConfig = `route:
  receiver: "null"
receivers:
  - name: "null"
`

// Alertmanager starts Debian's prometheus-alertmanager (0.25) for tb, with a configuration whose
// only receiver does nothing, its storage in a temporary directory, clustering off, on a port of
// its own, and returns its base URL once /-/ready answers. It is stopped when tb ends. A missing
// binary fails the test (with how to install it): it is never skipped.
func Alertmanager(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("prometheus-alertmanager")
	if err != nil {
		tb.Fatalf("%s: %v", alertmanagerHint, err)
	}
	dir := tb.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfg, []byte(alertmanagerConfig), 0o644); err != nil {
		tb.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	logs := &SyncBuffer{}
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start alertmanager: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			tb.Fatalf("alertmanager exited before it was ready (%v):\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(url + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("alertmanager not ready after 30 s:\n%s", logs.String())
	return ""
}
