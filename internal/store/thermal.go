package store

import (
	"context"
	"fmt"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Thermal classes: the envelope each room's IT inlets are held to (see dcim.ThermalClass). Rooms
// name their class, so a class in use keeps its name and cannot be deleted.

var thermalClassTable = &table[dcim.ThermalClass]{
	name: "thermal_classes", objType: dcim.TypeThermalClass,
	columns: []column[dcim.ThermalClass]{
		col("name", func(v *dcim.ThermalClass) any { return &v.Name }),
		col("edition", func(v *dcim.ThermalClass) any { return &v.Edition }),
		col("recommended_min_c", func(v *dcim.ThermalClass) any { return &v.RecommendedMinC }),
		col("recommended_max_c", func(v *dcim.ThermalClass) any { return &v.RecommendedMaxC }),
		col("allowable_min_c", func(v *dcim.ThermalClass) any { return &v.AllowableMinC }),
		col("allowable_max_c", func(v *dcim.ThermalClass) any { return &v.AllowableMaxC }),
		col("recommended_dew_point_min_c", func(v *dcim.ThermalClass) any { return &v.RecommendedDewPointMinC }),
		col("recommended_dew_point_max_c", func(v *dcim.ThermalClass) any { return &v.RecommendedDewPointMaxC }),
		col("recommended_rh_max", func(v *dcim.ThermalClass) any { return &v.RecommendedRHMax }),
		col("allowable_dew_point_min_c", func(v *dcim.ThermalClass) any { return &v.AllowableDewPointMinC }),
		col("allowable_dew_point_max_c", func(v *dcim.ThermalClass) any { return &v.AllowableDewPointMaxC }),
		col("allowable_rh_min", func(v *dcim.ThermalClass) any { return &v.AllowableRHMin }),
		col("allowable_rh_max", func(v *dcim.ThermalClass) any { return &v.AllowableRHMax }),
		col("description", func(v *dcim.ThermalClass) any { return &v.Description }),
	},
	meta:      func(v *dcim.ThermalClass) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.ThermalClass) *[]string { return &v.Tags },
	repr:      func(v *dcim.ThermalClass) string { return v.Name },
	normalize: (*dcim.ThermalClass).Normalize,
	filters:   map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}},
	search:    []string{"name", "edition", "description"},
	orderings: []string{"name", "created"},
	uniques:   []unique{{"name", []string{"name"}}},
}

func init() {
	thermalClassTable.check = func(ctx context.Context, t *tx, old, c *dcim.ThermalClass) error {
		if old == nil || old.Name == c.Name {
			return nil
		}
		return classInUse(ctx, t, old, "name", "renamed")
	}
	thermalClassTable.deleted = func(ctx context.Context, t *tx, old *dcim.ThermalClass) error {
		return classInUse(ctx, t, old, "", "deleted")
	}
}

// classInUse refuses to rename or delete class c while rooms name it.
func classInUse(ctx context.Context, t *tx, c *dcim.ThermalClass, field, what string) error {
	rows, err := t.QueryContext(ctx, "SELECT id, name FROM rooms WHERE thermal_class = $1 ORDER BY id LIMIT 20", c.Name)
	if err != nil {
		return err
	}
	defer rows.Close()
	var deps []dcim.ObjectRef
	for rows.Next() {
		r := dcim.ObjectRef{Type: dcim.TypeRoom}
		if err := rows.Scan(&r.ID, &r.Name); err != nil {
			return err
		}
		deps = append(deps, r)
	}
	if err := rows.Err(); err != nil || len(deps) == 0 {
		return err
	}
	e := &dcim.Error{Code: dcim.EConflict, Dependents: deps,
		Message: fmt.Sprintf("thermal class %q is the class of rooms and cannot be %s: give them another class first", c.Name, what)}
	if field != "" {
		e.Fields = []dcim.FieldError{{Field: field, Message: "in use by rooms"}}
	}
	return e
}

// ThermalClasses returns the thermal class operations.
func (s *Store) ThermalClasses() Resource[dcim.ThermalClass] {
	return Resource[dcim.ThermalClass]{s, thermalClassTable}
}

// ThermalPlaces lists every sensor point at an IT inlet with its site, room, rack and the room's
// class, and the classes by name: what the envelope alert rules need, in one read.
func (s *Store) ThermalPlaces(ctx context.Context) ([]dcim.ThermalPlace, map[string]dcim.ThermalClass, error) {
	page, err := s.ThermalClasses().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Ordering: "name"})
	if err != nil {
		return nil, nil, err
	}
	classes := make(map[string]dcim.ThermalClass, len(page.Results))
	for _, c := range page.Results {
		classes[c.Name] = c
	}
	rows, err := s.db.QueryContext(ctx, `SELECT s.name, rm.name, COALESCE(rk.name, ''), sp.name, sp.kind, rm.thermal_class
		FROM sensor_points sp JOIN rooms rm ON rm.id = sp.room_id JOIN sites s ON s.id = rm.site_id
		LEFT JOIN racks rk ON rk.id = sp.rack_id
		WHERE sp.kind IN ('inlet-bottom', 'inlet-middle', 'inlet-top') ORDER BY sp.id`)
	if err != nil {
		return nil, nil, fmt.Errorf("thermal places: %w", err)
	}
	defer rows.Close()
	var out []dcim.ThermalPlace
	for rows.Next() {
		var p dcim.ThermalPlace
		if err := rows.Scan(&p.Site, &p.Room, &p.Rack, &p.Point, &p.Kind, &p.Class); err != nil {
			return nil, nil, err
		}
		out = append(out, p)
	}
	return out, classes, rows.Err()
}
