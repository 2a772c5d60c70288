package testpeer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const modbusHint = "pymodbus 3.0 is needed: run `make test-deps` (apt-get install python3-pymodbus python3-serial python3-serial-asyncio)"

// modbusServer is a pymodbus TCP server holding the registers it is given (zero-based addresses).
const modbusServer = `import sys, json
from pymodbus.server import StartTcpServer
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusSlaveContext, ModbusServerContext
port, spec = int(sys.argv[1]), json.load(open(sys.argv[2]))
def block(regs):
    data = [0] * 65536
    for addr, val in regs.items():
        data[int(addr)] = val
    return ModbusSequentialDataBlock(0, data)
units = {int(u): ModbusSlaveContext(hr=block(t.get("holding", {})), ir=block(t.get("input", {})), zero_mode=True) for u, t in spec.items()}
print("listening", flush=True)
StartTcpServer(context=ModbusServerContext(slaves=units, single=False), address=("127.0.0.1", port))
`

// ModbusRegisters are a unit's registers: table ("holding", "input") → address → 16-bit word.
type ModbusRegisters map[string]map[int]uint16

// Modbus starts Debian's pymodbus as a Modbus TCP server holding units' registers, on a port of its
// own, and returns "127.0.0.1:PORT". It is stopped when tb ends.
func Modbus(tb testing.TB, units map[int]ModbusRegisters) string {
	tb.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import pymodbus.server, serial_asyncio").Run(); err != nil {
		missing(tb, "%s: %v", modbusHint, err)
	}
	dir := tb.TempDir()
	script, spec := filepath.Join(dir, "server.py"), filepath.Join(dir, "registers.json")
	if err := os.WriteFile(script, []byte(modbusServer), 0o644); err != nil {
		tb.Fatal(err)
	}
	b, err := json.Marshal(units)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(spec, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(py, script, fmt.Sprint(port), spec)
	out, _ := cmd.StdoutPipe()
	var logs lockedBuffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start pymodbus: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "listening\n" {
		tb.Fatalf("pymodbus: %q\n%s", line, logs.String())
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("pymodbus not listening after 20 s:\n%s", logs.String())
	return ""
}
