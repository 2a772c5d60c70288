package floorplan

import (
	"bufio"
	"fmt"
	"io"
	"testing"
)

// hall1000 is a generated hall of 1,000 racks: 20 rows of 50, laid out as the campus generator
// does (GridRow 2+4r, GridColumn 2+i, on 4*rows+2 by racks+4 tiles) with an aisle in front of
// each row, values spread over 0..1.3 and some racks without data.
func hall1000() Input {
	const rows, perRow = 20, 50
	in := Input{
		Room:        "CJ1 Hall 1",
		GridRows:    4*rows + 2,
		GridColumns: perRow + 4,
		TileMM:      600,
		Layer:       Layer{Name: "Power draw / budget", Kind: "ratio", Unit: "of budget"},
	}
	for r := 0; r < rows; r++ {
		kind := "cold"
		if r%2 == 1 {
			kind = "hot"
		}
		in.Aisles = append(in.Aisles, Aisle{Row: 1 + 4*r, Kind: kind, FromColumn: 2, ToColumn: 1 + perRow})
		for i := 0; i < perRow; i++ {
			id := int64(r*perRow + i + 1)
			v := float64((id*37)%131) / 100 // 0 .. 1.30
			name := fmt.Sprintf("CJ1-H1-%c%02d", 'A'+r, i+1)
			rk := Rack{
				ID: id, Name: name, Row: 2 + 4*r, Column: 2 + i, Value: &v,
				Title: fmt.Sprintf("%s · Acme Corp\npower %.1f of 8.0 kW (%.0f %%), 21 of 42 U free", name, v*8, v*100),
				Href:  fmt.Sprintf("/racks/%d", id),
			}
			if id%97 == 0 {
				rk.Value = nil
			}
			in.Racks = append(in.Racks, rk)
		}
	}
	return in
}

// countWriter counts what passes through it.
type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func BenchmarkFloorPlan1000(b *testing.B) {
	in := hall1000()
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
