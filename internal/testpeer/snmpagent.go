package testpeer

import (
	"bufio"
	"encoding/hex"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// SNMPAgent is a fast in-process SNMP v2c agent serving one recording (snmprec format) to any
// community: GET, GETNEXT and GETBULK. It is for benchmarks, where snmpsim (Python) would be the
// bottleneck; conformance runs against snmpsim.
type SNMPAgent struct {
	Addr string
	oids []oidValue // in OID order
	conn net.PacketConn
}

type oidValue struct {
	oid  string
	arcs []uint32
	pdu  gosnmp.SnmpPDU
}

// StartSNMPAgent serves recording on a UDP port of its own with `workers` goroutines reading
// requests, until tb ends.
func StartSNMPAgent(tb testing.TB, recording string, workers int) *SNMPAgent {
	tb.Helper()
	f, err := os.Open(recording)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	a := &SNMPAgent{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 {
			continue
		}
		pdu, ok := recordValue(parts[0], parts[1], parts[2])
		if !ok {
			continue
		}
		a.oids = append(a.oids, oidValue{oid: parts[0], arcs: arcsOf(parts[0]), pdu: pdu})
	}
	sort.Slice(a.oids, func(i, j int) bool { return lessArcs(a.oids[i].arcs, a.oids[j].arcs) })
	a.conn, err = net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	a.Addr = a.conn.LocalAddr().String()
	for w := 0; w < max(workers, 1); w++ {
		go a.serve()
	}
	tb.Cleanup(func() { a.conn.Close() })
	return a
}

func recordValue(oid, tag, val string) (gosnmp.SnmpPDU, bool) {
	hexed := strings.HasSuffix(tag, "x")
	tag = strings.TrimSuffix(tag, "x")
	raw := []byte(val)
	if hexed {
		b, err := hex.DecodeString(val)
		if err != nil {
			return gosnmp.SnmpPDU{}, false
		}
		raw = b
	}
	p := gosnmp.SnmpPDU{Name: "." + oid}
	n, _ := strconv.ParseInt(string(raw), 10, 64)
	switch tag {
	case "2":
		p.Type, p.Value = gosnmp.Integer, int(n)
	case "4":
		p.Type, p.Value = gosnmp.OctetString, raw
	case "6":
		p.Type, p.Value = gosnmp.ObjectIdentifier, string(raw)
	case "64":
		p.Type, p.Value = gosnmp.IPAddress, string(raw)
	case "65":
		p.Type, p.Value = gosnmp.Counter32, uint32(n)
	case "66":
		p.Type, p.Value = gosnmp.Gauge32, uint32(n)
	case "67":
		p.Type, p.Value = gosnmp.TimeTicks, uint32(n)
	case "70":
		u, _ := strconv.ParseUint(string(raw), 10, 64)
		p.Type, p.Value = gosnmp.Counter64, u
	default:
		return p, false
	}
	return p, true
}

func arcsOf(oid string) []uint32 {
	parts := strings.Split(strings.TrimPrefix(oid, "."), ".")
	out := make([]uint32, len(parts))
	for i, p := range parts {
		n, _ := strconv.ParseUint(p, 10, 32)
		out[i] = uint32(n)
	}
	return out
}

func lessArcs(a, b []uint32) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// next is the index of the first OID after arcs.
func (a *SNMPAgent) next(arcs []uint32) int {
	return sort.Search(len(a.oids), func(i int) bool { return lessArcs(arcs, a.oids[i].arcs) })
}

func (a *SNMPAgent) serve() {
	buf := make([]byte, 65536)
	dec := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: "x", Logger: gosnmp.Default.Logger}
	for {
		n, from, err := a.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		req, err := dec.SnmpDecodePacket(buf[:n])
		if err != nil {
			continue
		}
		resp := &gosnmp.SnmpPacket{Version: req.Version, Community: req.Community, PDUType: gosnmp.GetResponse, RequestID: req.RequestID}
		switch req.PDUType {
		case gosnmp.GetRequest:
			for _, v := range req.Variables {
				arcs := arcsOf(v.Name)
				i := sort.Search(len(a.oids), func(i int) bool { return !lessArcs(a.oids[i].arcs, arcs) })
				if i < len(a.oids) && !lessArcs(arcs, a.oids[i].arcs) {
					resp.Variables = append(resp.Variables, a.oids[i].pdu)
				} else {
					resp.Variables = append(resp.Variables, gosnmp.SnmpPDU{Name: v.Name, Type: gosnmp.NoSuchInstance})
				}
			}
		case gosnmp.GetNextRequest, gosnmp.GetBulkRequest:
			reps := 1
			if req.PDUType == gosnmp.GetBulkRequest {
				reps = int(req.MaxRepetitions)
			}
			for _, v := range req.Variables {
				i := a.next(arcsOf(v.Name))
				for k := 0; k < reps; k++ {
					if i+k >= len(a.oids) {
						resp.Variables = append(resp.Variables, gosnmp.SnmpPDU{Name: v.Name, Type: gosnmp.EndOfMibView})
						break
					}
					resp.Variables = append(resp.Variables, a.oids[i+k].pdu)
				}
			}
		default:
			continue
		}
		out, err := resp.MarshalMsg()
		if err != nil {
			continue
		}
		_, _ = a.conn.WriteTo(out, from)
	}
}
