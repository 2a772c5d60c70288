package elevation

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

var update = flag.Bool("update", false, "rewrite golden files")

var now = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func item(id int64, name string, pos float64, h float64, face string, full bool) Item {
	return Item{Device: dcim.Device{Meta: dcim.Meta{ID: id}, Name: name, Position: &pos, Face: face}, TypeName: "Dell PowerEdge R750", UHeight: h, FullDepth: full}
}

// sample is a 42U rack with servers, a half-unit device, a device behind, 0-U PDUs and reservations.
func sample() Input {
	expired := now.Add(-time.Hour)
	return Input{
		Rack: dcim.Rack{Meta: dcim.Meta{ID: 1}, Name: "A01", FacilityID: ptr("CJ1-H1-A01"), UHeight: 42, StartingUnit: 1},
		Face: "front",
		Items: []Item{
			item(1, "srv-01", 1, 2, "front", true),
			item(2, "srv-02", 3, 2, "front", true),
			item(3, "patch-rear", 10, 1, "rear", false),
			item(4, "storage-rear", 12, 4, "rear", true),
			item(5, "tor-half", 20.5, 1.5, "front", false),
			item(6, `<evil & "x">`, 30, 1, "front", false),
			{Device: dcim.Device{Meta: dcim.Meta{ID: 7}, Name: "pdu-a", MountSide: "left"}, TypeName: "APC AP8653", UHeight: 0},
			{Device: dcim.Device{Meta: dcim.Meta{ID: 8}, Name: "pdu-b", MountSide: "right"}, TypeName: "APC AP8653", UHeight: 0},
		},
		Reservations: []dcim.RackReservation{
			{Meta: dcim.Meta{ID: 1}, Units: []int{38, 39, 40}, Description: "Acme growth"},
			{Meta: dcim.Meta{ID: 2}, Units: []int{35}, Description: "lapsed", Expires: &expired},
		},
		Now: now,
	}
}

type elem struct {
	class string
	id    string
	x, y  float64
	w, h  float64
	title string
}

// parse checks the SVG is well-formed XML and returns its groups with the geometry of their rect.
func parse(t *testing.T, svg []byte) []elem {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var (
		out   []elem
		cur   *elem
		inTtl bool
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range x.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch x.Name.Local {
			case "g":
				out = append(out, elem{class: attr["class"], id: attr["data-device-id"] + attr["data-reservation-id"]})
				cur = &out[len(out)-1]
			case "rect":
				if cur != nil && cur.h == 0 {
					cur.x, _ = strconv.ParseFloat(attr["x"], 64)
					cur.y, _ = strconv.ParseFloat(attr["y"], 64)
					cur.w, _ = strconv.ParseFloat(attr["width"], 64)
					cur.h, _ = strconv.ParseFloat(attr["height"], 64)
				}
			case "title":
				inTtl = true
			}
		case xml.CharData:
			if inTtl && cur != nil {
				cur.title += string(x)
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "g":
				cur = nil
			case "title":
				inTtl = false
			}
		}
	}
	return out
}

func find(es []elem, id string) *elem {
	for i := range es {
		if es[i].id == id {
			return &es[i]
		}
	}
	return nil
}

// unitTop is the y of the top edge of unit u in a rack of n units numbered bottom up.
func unitTop(n, start int, u float64) float64 {
	return titleH + (float64(n+start)-u-1)*unitH
}

func TestRenderGeometry(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	es := parse(t, buf.Bytes())
	tests := []struct {
		id       string
		class    string
		top      float64 // highest unit edge (unit number + height)
		height   float64 // in units
		drawn    bool
		titleHas string
	}{
		{"1", "dev", 3, 2, true, "srv-01"},
		{"2", "dev", 5, 2, true, "srv-02"},
		{"3", "", 0, 0, false, ""}, // half-depth on the rear: not seen from the front
		{"4", "dev rear", 16, 4, true, "mounted on the rear"},
		{"5", "dev", 22, 1.5, true, "tor-half"},
		{"6", "dev", 31, 1, true, `<evil & "x">`},
		{"7", "side", 0, 0, true, "0-U left"},
		{"8", "side", 0, 0, true, "0-U right"},
	}
	for _, tt := range tests {
		e := find(es, tt.id)
		if !tt.drawn {
			if e != nil {
				t.Errorf("device %s drawn on the front: %+v", tt.id, e)
			}
			continue
		}
		if e == nil {
			t.Fatalf("device %s not drawn", tt.id)
		}
		if e.class != tt.class || !strings.Contains(e.title, tt.titleHas) {
			t.Errorf("device %s: class %q title %q", tt.id, e.class, e.title)
		}
		if tt.height == 0 {
			continue
		}
		// rect is inset by 1 px on each side
		wantY := unitTop(42, 1, tt.top-1) + 1
		if diff(e.y, wantY) > 0.01 || diff(e.h, tt.height*unitH-2) > 0.01 {
			t.Errorf("device %s at y=%g h=%g, want y=%g h=%g", tt.id, e.y, e.h, wantY, tt.height*unitH-2)
		}
	}
	var reserved []elem
	for _, e := range es {
		if e.class == "reserved" {
			reserved = append(reserved, e)
		}
	}
	if len(reserved) != 1 || reserved[0].id != "1" || diff(reserved[0].h, 3*unitH-2) > 0.01 || diff(reserved[0].y, unitTop(42, 1, 40)+1) > 0.01 {
		t.Errorf("reservations drawn: %+v", reserved)
	}
	if !bytes.Contains(buf.Bytes(), []byte("&lt;evil &amp; &#34;x&#34;&gt;")) {
		t.Error("device name not escaped")
	}
}

func diff(a, b float64) float64 {
	if a > b {
		return a - b
	}
	return b - a
}

func TestRenderRearAndDescending(t *testing.T) {
	in := sample()
	in.Face = "rear"
	in.Rack.DescUnits = true
	in.Rack.StartingUnit = 1
	var buf bytes.Buffer
	if err := Render(&buf, in); err != nil {
		t.Fatal(err)
	}
	es := parse(t, buf.Bytes())
	// From the rear: the front full-depth servers are behind, the rear devices solid.
	if e := find(es, "1"); e == nil || e.class != "dev rear" {
		t.Errorf("front server seen from the rear: %+v", e)
	}
	if e := find(es, "3"); e == nil || e.class != "dev" {
		t.Errorf("rear patch panel: %+v", e)
	}
	if e := find(es, "6"); e != nil {
		t.Errorf("half-depth front device drawn on the rear: %+v", e)
	}
	// Descending units: unit 1 is at the top, so srv-01 (units 1-2) starts right under the title.
	if e := find(es, "1"); diff(e.y, titleH+1) > 0.01 {
		t.Errorf("desc_units: srv-01 at y=%g", e.y)
	}
	// The half-unit device at 20.5 (1.5U): top edge at 20.5 units from the top.
	if e := find(es, "5"); e != nil {
		t.Errorf("front half-depth device on rear: %+v", e)
	}
}

func TestRenderGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "a01-front.svg")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Fatalf("output differs from %s (run with -update if intended)", golden)
	}
}

func BenchmarkRender(b *testing.B) {
	in := Input{Rack: dcim.Rack{Name: "FULL", UHeight: 48, StartingUnit: 1}, Face: "front", Now: now}
	for u := 1; u <= 48; u++ {
		in.Items = append(in.Items, item(int64(u), "node-"+strconv.Itoa(u), float64(u), 1, "front", true))
	}
	b.Run("units=48", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := Render(io.Discard, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
