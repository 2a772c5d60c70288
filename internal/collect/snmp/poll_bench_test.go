package snmp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// exporterConfig has snmp_exporter read what the apc-rpdu2 profile reads from an AP8853: the
// same ten columns, the same seven values.
const exporterConfig = `apc_pdu:
  version: 2
  auth:
    community: public
  walk:
    - 1.3.6.1.4.1.318.1.1.26.4.3.1.5
    - 1.3.6.1.4.1.318.1.1.26.4.3.1.6
    - 1.3.6.1.4.1.318.1.1.26.4.3.1.9
    - 1.3.6.1.4.1.318.1.1.26.6.3.1.3
    - 1.3.6.1.4.1.318.1.1.26.6.3.1.5
    - 1.3.6.1.4.1.318.1.1.26.6.3.1.6
    - 1.3.6.1.4.1.318.1.1.26.6.3.1.7
    - 1.3.6.1.4.1.318.1.1.12.2.3.1.1.2
    - 1.3.6.1.4.1.318.1.1.12.2.3.1.1.4
    - 1.3.6.1.4.1.318.1.1.12.2.3.1.1.5
  metrics:
%s`

func exporterMetrics() string {
	var b strings.Builder
	for _, m := range []struct{ name, oid, index string }{
		{"pdu_power", "1.3.6.1.4.1.318.1.1.26.4.3.1.5", "device"}, {"pdu_apparent_power", "1.3.6.1.4.1.318.1.1.26.4.3.1.6", "device"},
		{"pdu_energy", "1.3.6.1.4.1.318.1.1.26.4.3.1.9", "device"}, {"pdu_phase_number", "1.3.6.1.4.1.318.1.1.26.6.3.1.3", "phase_row"},
		{"pdu_phase_current", "1.3.6.1.4.1.318.1.1.26.6.3.1.5", "phase_row"}, {"pdu_phase_voltage", "1.3.6.1.4.1.318.1.1.26.6.3.1.6", "phase_row"},
		{"pdu_phase_power", "1.3.6.1.4.1.318.1.1.26.6.3.1.7", "phase_row"}, {"pdu_load", "1.3.6.1.4.1.318.1.1.12.2.3.1.1.2", "load"},
		{"pdu_load_phase", "1.3.6.1.4.1.318.1.1.12.2.3.1.1.4", "load"}, {"pdu_load_bank", "1.3.6.1.4.1.318.1.1.12.2.3.1.1.5", "load"},
	} {
		fmt.Fprintf(&b, "    - name: %s\n      oid: %s\n      type: gauge\n      indexes:\n        - labelname: %s\n          type: gauge\n", m.name, m.oid, m.index)
	}
	return b.String()
}

// BenchmarkPolling polls one rack PDU (the AP8853 recording, served by a fast in-process agent) as
// many times as a campus would, 64 at a time, with Plenum's SNMP driver and with Debian's
// prometheus-snmp-exporter reading the same OIDs, and reports polls per minute and the ratio.
//
//	go test ./internal/collect/snmp -run '^$' -bench Polling -benchtime 1x
func BenchmarkPolling(b *testing.B) {
	polls := 20000
	const concurrency = 64
	agent := testpeer.StartSNMPAgent(b, filepath.Join(recordings, "apc_ap8853.snmprec"), 4)
	ps, err := LoadProfiles("")
	if err != nil {
		b.Fatal(err)
	}
	host, port, _ := strings.Cut(agent.Addr, ":")
	tg, err := ParseURL("snmp://public@"+host+":"+port, "")
	if err != nil {
		b.Fatal(err)
	}
	tg.Timeout, tg.Retries = 5*time.Second, 1
	exporter, _ := testpeer.SNMPExporter(b, fmt.Sprintf(exporterConfig, exporterMetrics()))
	run := func(poll func() error) float64 {
		var next atomic.Int64
		var wg sync.WaitGroup
		var firstErr atomic.Value
		start := time.Now()
		for w := 0; w < concurrency; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(polls) {
					if err := poll(); err != nil {
						firstErr.CompareAndSwap(nil, err)
					}
				}
			}()
		}
		wg.Wait()
		if err, _ := firstErr.Load().(error); err != nil {
			b.Fatal(err)
		}
		return float64(polls) / time.Since(start).Minutes()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	exporterURL := exporter + "/snmp?module=apc_pdu&target=" + agent.Addr
	for b.Loop() {
		b.StopTimer()
		plenum := run(func() error {
			res, err := ps.Poll(context.Background(), tg, "apc-rpdu2")
			if err == nil && len(res.Readings) != 9 {
				err = fmt.Errorf("%d readings", len(res.Readings))
			}
			return err
		})
		peer := run(func() error {
			resp, err := client.Get(exporterURL)
			if err != nil {
				return err
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "pdu_power{device=\"1\"} 114") {
				return fmt.Errorf("snmp_exporter: %s %.200s", resp.Status, body)
			}
			return nil
		})
		b.ReportMetric(plenum, "plenum-polls/min")
		b.ReportMetric(peer, "snmp_exporter-polls/min")
		b.ReportMetric(plenum/peer, "ratio")
		b.StartTimer()
	}
}
