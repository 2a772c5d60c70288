package testpeer

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const snmpsimHint = "snmpsim 0.4.5 is needed: run `make test-deps` (apt-get install snmpsim)"

// SNMPv3 credentials SNMPSim serves (authPriv, SHA and AES); the context name is the recording's.
const (
	SNMPv3User    = "plenum"
	SNMPv3AuthKey = "plenum-auth-key"
	SNMPv3PrivKey = "plenum-priv-key"
)

// SNMPSim serves every NAME.snmprec of dataDir with Debian's snmpsimd on a UDP port of its own:
// as v2c community NAME, and as SNMPv3 context NAME for the user above. It returns "127.0.0.1:PORT"
// once the agent answers, and stops it when tb ends.
func SNMPSim(tb testing.TB, dataDir string) string {
	tb.Helper()
	bin, err := exec.LookPath("snmpsimd")
	if err != nil {
		missing(tb, "%s: %v", snmpsimHint, err)
	}
	if _, err := os.Stat(dataDir); err != nil {
		tb.Fatalf("recordings: %v", err)
	}
	// snmpsimd reads the recordings as nobody: serve a copy it can read, wherever the originals are.
	data := tb.TempDir()
	recs, _ := filepath.Glob(filepath.Join(dataDir, "*.snmprec"))
	for _, r := range recs {
		b, err := os.ReadFile(r)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(data, filepath.Base(r)), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	_ = os.Chmod(data, 0o755)
	_ = os.Chmod(filepath.Dir(data), 0o755)
	dataDir = data
	cache := tb.TempDir()
	if u, err := user.Lookup("nobody"); err == nil { // snmpsimd drops to nobody and writes its index there
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		_ = os.Chown(cache, uid, gid)
		_ = os.Chmod(filepath.Dir(cache), 0o755)
	}
	// Two processes can bind one UDP port silently: take a port nothing listens on, then check
	// the agent that answers is ours (it serves the recordings' sysObjectID).
	port, err := freeUDPPort()
	if err != nil {
		tb.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var logs lockedBuffer
	cmd := exec.Command(bin, "--data-dir="+dataDir, "--agent-udpv4-endpoint="+addr, "--cache-dir="+cache,
		"--process-user=nobody", "--process-group=nogroup",
		"--v3-user="+SNMPv3User, "--v3-auth-key="+SNMPv3AuthKey, "--v3-auth-proto=SHA",
		"--v3-priv-key="+SNMPv3PrivKey, "--v3-priv-proto=AES")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start snmpsimd: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(logs.String(), "Listening at UDP/IPv4 endpoint "+addr) {
			time.Sleep(200 * time.Millisecond)
			return addr
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("snmpsimd not listening after 60 s:\n%s", logs.String())
	return ""
}

// lockedBuffer is a log a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}
