package dcim

import (
	"fmt"
	"slices"
	"time"
)

// Units of a rack are handled in half units (slots) so that 0.5 U devices and positions are exact:
// unit u is slots 2u (lower half) and 2u+1 (upper half).

// Occupant is a device as it sits in a rack, for placement checks.
type Occupant struct {
	Ref       ObjectRef
	Position  float64 // lowest unit
	Height    float64 // units, multiple of 0.5
	Face      string  // front or rear
	FullDepth bool
	TenantID  *int64
}

func (o Occupant) slots() (lo, hi int) {
	lo = int(o.Position * 2)
	return lo, lo + int(o.Height*2)
}

func (o Occupant) faces() []string {
	if o.FullDepth {
		return []string{"front", "rear"}
	}
	return []string{o.Face}
}

// Units returns the rack's unit numbers from bottom to top.
func (r *Rack) Units() []int {
	u := make([]int, r.UHeight)
	for i := range u {
		u[i] = r.StartingUnit + i
	}
	return u
}

// HasUnit reports whether u is a unit of the rack.
func (r *Rack) HasUnit(u int) bool { return u >= r.StartingUnit && u < r.StartingUnit+r.UHeight }

// Active reports whether the reservation is in force at t.
func (r *RackReservation) Active(t time.Time) bool { return r.Expires == nil || r.Expires.After(t) }

// CheckPlacement checks that dev can sit where it says in rack, next to the devices already there and
// the reservations of the rack: inside the rack's units, not on a unit and face another device takes
// (full-depth devices take both faces; half units count), and not in units reserved for another tenant.
func CheckPlacement(rack *Rack, dev Occupant, others []Occupant, reservations []RackReservation, now time.Time) error {
	if dev.Height == 0 {
		return Invalid("position", "a 0-U device type has no unit position; use mount_side instead")
	}
	lo, hi := dev.slots()
	rackLo, rackHi := rack.StartingUnit*2, (rack.StartingUnit+rack.UHeight)*2
	if lo < rackLo || hi > rackHi {
		return Invalid("position", "a %gU device at unit %g would reach from unit %d to unit %d, outside rack %q (units %d to %d)",
			dev.Height, dev.Position, lo/2, (hi-1)/2, rack.Name, rack.StartingUnit, rack.StartingUnit+rack.UHeight-1)
	}
	for _, o := range others {
		if o.Ref.ID == dev.Ref.ID && o.Ref.Type == dev.Ref.Type {
			continue
		}
		olo, ohi := o.slots()
		if olo >= hi || lo >= ohi {
			continue
		}
		for _, f := range dev.faces() {
			if slices.Contains(o.faces(), f) {
				return Conflict("position", o.Ref, "unit %s (%s face) of rack %q is taken by %s",
					fmtUnit(max(lo, olo)), f, rack.Name, o.Ref)
			}
		}
	}
	for i := range reservations {
		res := &reservations[i]
		if !res.Active(now) || (res.TenantID != nil && dev.TenantID != nil && *res.TenantID == *dev.TenantID) {
			continue
		}
		for _, u := range res.Units {
			if u*2+1 >= lo && u*2 < hi {
				return Conflict("position", ObjectRef{Type: TypeRackReservation, ID: res.ID, Name: res.Description},
					"unit %d of rack %q is reserved (%s) for another tenant", u, rack.Name, res.Description)
			}
		}
	}
	return nil
}

// CheckReservation checks that the units of res lie in the rack and overlap neither a device nor
// another reservation that is in force.
func CheckReservation(rack *Rack, res *RackReservation, occupants []Occupant, reservations []RackReservation, now time.Time) error {
	for _, u := range res.Units {
		if !rack.HasUnit(u) {
			return Invalid("units", "unit %d is outside rack %q (units %d to %d)", u, rack.Name, rack.StartingUnit, rack.StartingUnit+rack.UHeight-1)
		}
	}
	for _, o := range occupants {
		lo, hi := o.slots()
		for _, u := range res.Units {
			if u*2+1 >= lo && u*2 < hi {
				return Conflict("units", o.Ref, "unit %d of rack %q is occupied by %s", u, rack.Name, o.Ref)
			}
		}
	}
	for i := range reservations {
		other := &reservations[i]
		if other.ID == res.ID || !other.Active(now) {
			continue
		}
		for _, u := range res.Units {
			if slices.Contains(other.Units, u) {
				return Conflict("units", ObjectRef{Type: TypeRackReservation, ID: other.ID, Name: other.Description},
					"unit %d of rack %q is already reserved (%s)", u, rack.Name, other.Description)
			}
		}
	}
	return nil
}

func fmtUnit(slot int) string {
	if slot%2 == 0 {
		return fmt.Sprint(slot / 2)
	}
	return fmt.Sprintf("%d.5", slot/2)
}

// Kilograms converts a weight in unit to kg.
func Kilograms(w float64, unit string) float64 {
	switch unit {
	case "g":
		return w / 1000
	case "lb":
		return w * 0.45359237
	case "oz":
		return w * 0.028349523125
	default:
		return w
	}
}

// Millimetres converts a length in unit (mm or in) to mm.
func Millimetres(l float64, unit string) float64 {
	if unit == "in" {
		return l * 25.4
	}
	return l
}

// FloorArea is the rack's footprint in m²: its outer width × depth, or one floor tile of the room when
// the rack's dimensions are not known.
func FloorArea(rack *Rack, room *Room) float64 {
	if rack.OuterWidth != nil && rack.OuterDepth != nil && *rack.OuterWidth > 0 && *rack.OuterDepth > 0 {
		return Millimetres(*rack.OuterWidth, rack.OuterUnit) * Millimetres(*rack.OuterDepth, rack.OuterUnit) / 1e6
	}
	t := room.TileSize
	if t <= 0 {
		t = 600
	}
	return t * t / 1e6
}

// CheckWeight checks a rack's equipment load (kg) against its max_weight, and the rack's total weight
// per m² of its footprint against the room's floor load rating. field names the input that changed.
func CheckWeight(field string, rack *Rack, room *Room, loadKg float64, cause ObjectRef) error {
	if rack.MaxWeight != nil {
		maxKg := Kilograms(*rack.MaxWeight, rack.WeightUnit)
		if loadKg > maxKg+1e-9 {
			return Conflict(field, ObjectRef{Type: TypeRack, ID: rack.ID, Name: rack.Name},
				"rack %q would carry %.1f kg of equipment, over its max_weight of %.1f kg (%s)", rack.Name, loadKg, maxKg, cause)
		}
	}
	if room.FloorLoadRating != nil {
		total := loadKg
		if rack.Weight != nil {
			total += Kilograms(*rack.Weight, rack.WeightUnit)
		}
		area := FloorArea(rack, room)
		if perM2 := total / area; perM2 > *room.FloorLoadRating+1e-9 {
			return Conflict(field, ObjectRef{Type: TypeRoom, ID: room.ID, Name: room.Name},
				"rack %q would load the floor with %.0f kg/m² (%.1f kg on %.2f m²), over the rating of room %q (%.0f kg/m²)",
				rack.Name, perM2, total, area, room.Name, *room.FloorLoadRating)
		}
	}
	return nil
}
