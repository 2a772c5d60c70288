package chain

import (
	"bufio"
	"fmt"
	"io"
	"testing"
)

// campus is a generated 2N hall chain of 1,058 nodes: per side one utility, two generators (each
// the stand-by input of two UPSs), two transformers, four UPSs, twenty floor PDUs (five per UPS)
// and 500 rack PDUs (25 per PDU): rack r has rack PDU A under PDU-A-k and rack PDU B under PDU-B-k.
// With whatIf, UPS-A1 has failed: its PDUs and their rack PDUs are lost, the B rack PDUs of those
// racks are on their last feed, and UPS-B1 and a few rack PDUs are overloaded.
func campus(whatIf bool) Input {
	in := Input{Site: "CJ1 Campus, Hall 1", Collapse: []string{"rack-pdu"}}
	id := int64(0)
	add := func(n Node) int64 {
		id++
		n.ID = id
		n.Href = fmt.Sprintf("/sites/1/power?fail=%d", id)
		in.Nodes = append(in.Nodes, n)
		return id
	}
	feed := func(from, to int64, standby bool) {
		in.Edges = append(in.Edges, Edge{From: from, To: to, Standby: standby})
	}
	ratio := func(k int64, lo, span float64) *float64 { v := lo + span*float64((k*37)%101)/100; return &v }
	const pdusPerUPS, racksPerPDU = 5, 25
	for _, s := range []string{"A", "B"} {
		util := add(Node{Name: "UTIL-" + s, Kind: "utility", Side: s, LoadKW: 1800})
		var gens, txs [2]int64
		for i := range 2 {
			gens[i] = add(Node{Name: fmt.Sprintf("GEN-%s%d", s, i+1), Kind: "generator", Side: s, RatedKW: ptr(2000.0), Load: ptr(0.0)})
			txs[i] = add(Node{Name: fmt.Sprintf("TX-%s%d", s, i+1), Kind: "transformer", Side: s, LoadKW: 900, RatedKW: ptr(2000.0), Load: ptr(0.5)})
			feed(util, txs[i], false)
		}
		for u := range 4 {
			name := fmt.Sprintf("UPS-%s%d", s, u+1)
			up := add(Node{Name: name, Kind: "ups", Side: s, LoadKW: 430, RatedKW: ptr(750.0), Load: ratio(int64(u), 0.5, 0.4)})
			feed(txs[u/2], up, false)
			feed(gens[u/2], up, true)
			for k := range pdusPerUPS {
				pk := u*pdusPerUPS + k + 1
				pdu := add(Node{Name: fmt.Sprintf("PDU-%s-%02d", s, pk), Kind: "pdu", Side: s, LoadKW: 86, RatedKW: ptr(150.0), Load: ratio(int64(pk), 0.3, 0.6)})
				feed(up, pdu, false)
				for r := range racksPerPDU {
					rack := (pk-1)*racksPerPDU + r + 1
					rp := add(Node{Name: fmt.Sprintf("RPDU-R%03d-%s", rack, s), Kind: "rack-pdu", Side: s, LoadKW: 3.4, RatedKW: ptr(11.0), Load: ratio(int64(rack), 0.1, 0.95)})
					if rack%53 == 0 {
						in.Nodes[len(in.Nodes)-1].Load = nil
					}
					feed(pdu, rp, false)
				}
			}
		}
	}
	if whatIf {
		state := map[string]string{"UPS-A1": "failed", "UPS-B1": "overloaded"}
		for k := 1; k <= pdusPerUPS; k++ {
			state[fmt.Sprintf("PDU-A-%02d", k)] = "lost"
			state[fmt.Sprintf("PDU-B-%02d", k)] = "last-feed"
			for r := 1; r <= racksPerPDU; r++ {
				rack := (k-1)*racksPerPDU + r
				state[fmt.Sprintf("RPDU-R%03d-A", rack)] = "lost"
				state[fmt.Sprintf("RPDU-R%03d-B", rack)] = "last-feed"
				if rack%17 == 0 {
					state[fmt.Sprintf("RPDU-R%03d-B", rack)] = "overloaded"
				}
			}
		}
		for i := range in.Nodes {
			in.Nodes[i].State = state[in.Nodes[i].Name]
		}
	}
	return in
}

// countWriter counts what passes through it.
type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func benchRender(b *testing.B, in Input) {
	var cw countWriter
	if err := Render(&cw, in); err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriter(io.Discard)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := Render(bw, in); err != nil {
			b.Fatal(err)
		}
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cw.n), "svg-bytes")
}

// BenchmarkChainCampus: the 1,058-node hall chain in a what-if, rack PDUs collapsed (88 boxes).
func BenchmarkChainCampus(b *testing.B) { benchRender(b, campus(true)) }

// BenchmarkChainCampusFlat: the same with nothing collapsed: 1,058 boxes.
func BenchmarkChainCampusFlat(b *testing.B) {
	in := campus(true)
	in.Collapse = nil
	benchRender(b, in)
}
