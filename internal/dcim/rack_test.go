package dcim

import (
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func dev(id int64, pos, height float64, face string, full bool) Occupant {
	return Occupant{Ref: ObjectRef{Type: TypeDevice, ID: id, Name: "d" + string(rune('0'+id))}, Position: pos, Height: height, Face: face, FullDepth: full}
}

func TestCheckPlacement(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	rack := &Rack{Name: "R1", UHeight: 42, StartingUnit: 1}
	others := []Occupant{
		dev(1, 10, 2, "front", true),   // units 10-11, both faces
		dev(2, 20, 1, "front", false),  // unit 20 front only
		dev(3, 30, 0.5, "rear", false), // lower half of unit 30, rear
	}
	tenant := int64(7)
	res := []RackReservation{
		{Meta: Meta{ID: 1}, Units: []int{40, 41}, TenantID: &tenant, Description: "tenant 7 expansion"},
		{Meta: Meta{ID: 2}, Units: []int{35}, Description: "expired", Expires: ptr(now.Add(-time.Hour))},
	}
	tests := []struct {
		name      string
		d         Occupant
		wantField string
		wantWith  int64 // conflicting object id, 0 for none
	}{
		{"free unit", dev(9, 1, 1, "front", true), "", 0},
		{"overlaps full-depth on rear", dev(9, 11, 1, "rear", false), "position", 1},
		{"half unit below a 2U device collides", dev(9, 9.5, 1, "front", false), "position", 1},
		{"half unit just below fits", dev(9, 9, 1, "front", false), "", 0},
		{"rear of a front-only device is free", dev(9, 20, 1, "rear", false), "", 0},
		{"full depth over a front-only device", dev(9, 20, 1, "front", true), "position", 2},
		{"upper half of a half-U device is free", dev(9, 30.5, 0.5, "rear", false), "", 0},
		{"lower half of a half-U device is taken", dev(9, 29.5, 1, "rear", false), "position", 3},
		{"top unit fits", dev(9, 42, 1, "front", false), "", 0},
		{"past the top", dev(9, 42, 2, "front", false), "position", 0},
		{"below the bottom", dev(9, 0.5, 1, "front", false), "position", 0},
		{"0-U has no position", dev(9, 5, 0, "front", false), "position", 0},
		{"another tenant's reservation", dev(9, 40, 1, "front", false), "position", 1},
		{"expired reservation does not block", dev(9, 35, 1, "front", false), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPlacement(rack, tt.d, others, res, now)
			assertFieldError(t, err, tt.wantField, tt.wantWith)
		})
	}
	t.Run("own tenant may use its reservation", func(t *testing.T) {
		d := dev(9, 40, 2, "front", false)
		d.TenantID = &tenant
		if err := CheckPlacement(rack, d, others, res, now); err != nil {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("starting unit and moving itself", func(t *testing.T) {
		r := &Rack{Name: "R2", UHeight: 10, StartingUnit: 5}
		assertFieldError(t, CheckPlacement(r, dev(9, 4, 1, "front", false), nil, nil, now), "position", 0)
		assertFieldError(t, CheckPlacement(r, dev(9, 14, 1, "front", false), nil, nil, now), "", 0)
		assertFieldError(t, CheckPlacement(r, dev(9, 14, 2, "front", false), nil, nil, now), "position", 0)
		// A device compared with its own old placement does not collide with itself.
		assertFieldError(t, CheckPlacement(r, dev(9, 6, 2, "front", true), []Occupant{dev(9, 5, 2, "front", true)}, nil, now), "", 0)
	})
}

func assertFieldError(t *testing.T, err error, field string, with int64) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("want no error, got %v", err)
		}
		return
	}
	e := AsError(err)
	if e == nil || len(e.Fields) == 0 {
		t.Fatalf("want an error on %s, got %v", field, err)
	}
	if e.Fields[0].Field != field {
		t.Fatalf("error names field %q, want %q (%v)", e.Fields[0].Field, field, err)
	}
	if with != 0 && (e.Fields[0].Conflict == nil || e.Fields[0].Conflict.ID != with) {
		t.Fatalf("error names conflict %+v, want id %d (%v)", e.Fields[0].Conflict, with, err)
	}
}

func TestCheckReservation(t *testing.T) {
	now := time.Now()
	rack := &Rack{Name: "R1", UHeight: 42, StartingUnit: 1}
	occ := []Occupant{dev(1, 10, 1.5, "front", false)} // 10 and lower half of 11
	others := []RackReservation{{Meta: Meta{ID: 4}, Units: []int{20, 21}, Description: "A"}}
	tests := []struct {
		units []int
		field string
		with  int64
	}{
		{[]int{1, 2}, "", 0},
		{[]int{11}, "units", 1}, // half-occupied unit
		{[]int{12}, "", 0},
		{[]int{21, 22}, "units", 4},
		{[]int{43}, "units", 0},
	}
	for _, tt := range tests {
		r := &RackReservation{Units: tt.units, Description: "x"}
		assertFieldError(t, CheckReservation(rack, r, occ, others, now), tt.field, tt.with)
	}
}

func TestCheckWeight(t *testing.T) {
	rack := &Rack{Meta: Meta{ID: 1}, Name: "R1", MaxWeight: ptr(1000.0), WeightUnit: "kg", Weight: ptr(150.0),
		OuterWidth: ptr(600.0), OuterDepth: ptr(1200.0), OuterUnit: "mm"}
	room := &Room{Meta: Meta{ID: 2}, Name: "Hall 1", TileSize: 600, FloorLoadRating: ptr(1200.0)}
	// Footprint 0.72 m²; rating 1200 kg/m² allows 864 kg in all, so 714 kg of equipment with the rack's own 150.
	if err := CheckWeight("rack_id", rack, room, 714, ObjectRef{}); err != nil {
		t.Fatalf("714 kg: %v", err)
	}
	assertFieldError(t, CheckWeight("rack_id", rack, room, 715, ObjectRef{}), "rack_id", 2)
	room.FloorLoadRating = nil
	assertFieldError(t, CheckWeight("rack_id", rack, room, 1000.5, ObjectRef{}), "rack_id", 1)
	// Pounds: 2,204.62 lb is 1,000 kg.
	rack.MaxWeight, rack.WeightUnit = ptr(2204.62), "lb"
	if err := CheckWeight("rack_id", rack, room, 999.99, ObjectRef{}); err != nil {
		t.Fatalf("lb: %v", err)
	}
	if got := Kilograms(16, "oz"); got < 0.4535 || got > 0.4536 {
		t.Fatalf("16 oz = %v kg", got)
	}
	// Without outer dimensions the rack stands on one tile of the room.
	r2 := &Rack{Name: "R2"}
	if a := FloorArea(r2, room); a != 0.36 {
		t.Fatalf("tile area %v", a)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		field string
	}{
		{"site time zone", (&Site{Name: "S", TimeZone: "Mars/Olympus"}).Normalize(), "time_zone"},
		{"site ok", (&Site{Name: "S", TimeZone: "Asia/Kuala_Lumpur"}).Normalize(), ""},
		{"rack width", (&Rack{Name: "R", Width: 20}).Normalize(), "width"},
		{"rack grid half set", (&Rack{Name: "R", GridRow: ptr(1)}).Normalize(), "grid_row"},
		{"type u_height third", (&DeviceType{Model: "M", UHeight: 1.3}).Normalize(), "u_height"},
		{"type outlet on unknown port", (&DeviceType{Model: "M", PowerOutlets: []PowerOutletTemplate{{Name: "o1", PowerPort: "nope"}}}).Normalize(), "power_outlets[0].power_port"},
		{"type allocated over maximum", (&DeviceType{Model: "M", PowerPorts: []PowerPortTemplate{{Name: "p", MaximumDraw: ptr(100), AllocatedDraw: ptr(200)}}}).Normalize(), "power_ports[0].allocated_draw"},
		{"device position without rack", (&Device{Name: "d", Position: ptr(1.0), Face: "front"}).Normalize(), "position"},
		{"device position without face", (&Device{Name: "d", RackID: ptr(int64(1)), Position: ptr(1.0)}).Normalize(), "face"},
		{"device third unit", (&Device{Name: "d", RackID: ptr(int64(1)), Position: ptr(1.25), Face: "front"}).Normalize(), "position"},
		{"device primary split, not redundant", (&Device{Name: "d", PowerSplit: "primary", PowerRedundant: ptr(false)}).Normalize(), "power_split"},
		{"device unknown split", (&Device{Name: "d", PowerSplit: "half"}).Normalize(), "power_split"},
		{"reservation duplicate unit", (&RackReservation{Units: []int{3, 3}, Description: "x"}).Normalize(), "units"},
		{"tag colour", (&Tag{Name: "t", Color: "red"}).Normalize(), "color"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertFieldError(t, tt.err, tt.field, 0) })
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Cyberjaya DC1":      "cyberjaya-dc1",
		"  Hall 2 / Row A  ": "hall-2-row-a",
		"PowerEdge R750xa":   "poweredge-r750xa",
		"ÜBER_rack":          "ber_rack",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	if !strings.Contains((&Error{Message: "m", Dependents: []ObjectRef{{Type: "rack", ID: 3, Name: "R3"}}}).Error(), `rack 3 ("R3")`) {
		t.Error("dependents missing from error text")
	}
}
