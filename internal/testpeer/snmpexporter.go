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

const snmpExporterHint = "prometheus-snmp-exporter is needed for the polling benchmark: apt-get install prometheus-snmp-exporter"

// SNMPExporter starts Debian's prometheus-snmp-exporter (0.21) with config (its snmp.yml) on a
// port of its own, and returns its base URL and process. It is stopped when tb ends.
func SNMPExporter(tb testing.TB, config string) (string, *os.Process) {
	tb.Helper()
	bin, err := exec.LookPath("prometheus-snmp-exporter")
	if err != nil {
		missing(tb, "%s: %v", snmpExporterHint, err)
	}
	dir := tb.TempDir()
	path := filepath.Join(dir, "snmp.yml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		tb.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var logs lockedBuffer
	cmd := exec.Command(bin, "--config.file="+path, "--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start snmp_exporter: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url + "/"); err == nil {
			resp.Body.Close()
			return url, cmd.Process
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("snmp_exporter not ready after 20 s:\n%s", logs.String())
	return "", nil
}
