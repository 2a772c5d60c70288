package capacity

import (
	"slices"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// A 10U rack: a 2U full-depth server at U1, a half-depth 1U switch at the rear of U5, a 0.5U
// device at the front of U7.5, units 9–10 reserved for tenant 2.
func testRack() Rack {
	t2 := int64(2)
	return Rack{
		Rack: dcim.Rack{Meta: dcim.Meta{ID: 1}, Name: "X", UHeight: 10, StartingUnit: 1},
		Occupants: []dcim.Occupant{
			{Position: 1, Height: 2, Face: "front", FullDepth: true},
			{Position: 5, Height: 1, Face: "rear"},
			{Position: 7.5, Height: 0.5, Face: "front"},
		},
		Reservations: []dcim.RackReservation{{Units: []int{9, 10}, TenantID: &t2}},
	}
}

func TestSpace(t *testing.T) {
	var tally spaceTally
	r := testRack()
	tally.add(&r, time.Now())
	s := tally.Space()
	// Front: taken U1–2 and the upper half of U7; reserved U9–10; free U3–U6, the lower half of U7, U8.
	if s.Used["front"] != 2.5 || s.Free["front"] != 5.5 || s.LargestFreeBlock["front"] != 4.5 || s.Reserved != 2 {
		t.Errorf("front: %+v", s)
	}
	// Rear: taken U1–2 and U5; free U3–4 and U6–8.
	if s.Used["rear"] != 3 || s.Free["rear"] != 5 || s.LargestFreeBlock["rear"] != 3 {
		t.Errorf("rear: %+v", s)
	}
}

func TestFreePositions(t *testing.T) {
	r := testRack()
	one := dcim.DeviceType{UHeight: 1, IsFullDepth: true}
	t1, t2 := int64(1), int64(2)
	// Full depth: the rear switch at U5 blocks it too; the reserved units are someone else's.
	if got := freePositions(&r, one, "front", &t1, time.Now()); !slices.Equal(got, []float64{3, 4, 6, 8}) {
		t.Errorf("1U full depth for tenant 1: %v", got)
	}
	// For tenant 2 its own reserved units are free.
	if got := freePositions(&r, one, "front", &t2, time.Now()); !slices.Equal(got, []float64{3, 4, 6, 8, 9, 10}) {
		t.Errorf("1U full depth for tenant 2: %v", got)
	}
	// Half depth on the front: U5 is free there; half units pack.
	half := dcim.DeviceType{UHeight: 0.5}
	if got := freePositions(&r, half, "front", &t1, time.Now()); !slices.Equal(got, []float64{3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 8, 8.5}) {
		t.Errorf("0.5U front: %v", got)
	}
	// An expired reservation does not count.
	past := time.Now().Add(-time.Hour)
	r.Reservations[0].Expires = &past
	if got := freePositions(&r, one, "front", &t1, time.Now()); !slices.Contains(got, 9) {
		t.Errorf("expired reservation still blocks: %v", got)
	}
}
