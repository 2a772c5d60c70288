package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

var meterTable = &table[dcim.Meter]{
	name: "meters", objType: dcim.TypeMeter,
	columns: []column[dcim.Meter]{
		col("site_id", func(v *dcim.Meter) any { return &v.SiteID }),
		col("room_id", func(v *dcim.Meter) any { return &v.RoomID }),
		col("name", func(v *dcim.Meter) any { return &v.Name }),
		col("role", func(v *dcim.Meter) any { return &v.Role }),
		col("power_node_id", func(v *dcim.Meter) any { return &v.PowerNodeID }),
		col("device_id", func(v *dcim.Meter) any { return &v.DeviceID }),
		col("cooling_unit_id", func(v *dcim.Meter) any { return &v.CoolingUnitID }),
		col("tenant_id", func(v *dcim.Meter) any { return &v.TenantID }),
		col("source", func(v *dcim.Meter) any { return &v.Source }),
		col("series", func(v *dcim.Meter) any { return &v.Series }),
		col("quantity", func(v *dcim.Meter) any { return &v.Quantity }),
		col("multiplier", func(v *dcim.Meter) any { return &v.Multiplier }),
		col("counter_max", func(v *dcim.Meter) any { return &v.CounterMax }),
		col("description", func(v *dcim.Meter) any { return &v.Description }),
	},
	meta:      func(v *dcim.Meter) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.Meter) *[]string { return &v.Tags },
	repr:      func(v *dcim.Meter) string { return v.Name },
	normalize: (*dcim.Meter).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "site_id": {"site_id", filterInt},
		"room_id": {"room_id", filterInt}, "role": {"role", filterString}, "power_node_id": {"power_node_id", filterInt},
		"device_id": {"device_id", filterInt}, "cooling_unit_id": {"cooling_unit_id", filterInt},
		"tenant_id": {"tenant_id", filterInt}, "source": {"source", filterString}},
	search:    []string{"name", "series", "description"},
	orderings: []string{"name", "role", "site_id", "created", "last_updated"},
	uniques:   []unique{{"name", []string{"site_id", "name"}}},
	refs: []ref{{"site_id", "site_id", "sites", dcim.TypeSite}, {"room_id", "room_id", "rooms", dcim.TypeRoom},
		{"power_node_id", "power_node_id", "power_nodes", dcim.TypePowerNode}, {"device_id", "device_id", "devices", dcim.TypeDevice},
		{"cooling_unit_id", "cooling_unit_id", "cooling_units", dcim.TypeCoolingUnit}, {"tenant_id", "tenant_id", "tenants", dcim.TypeTenant}},
}

var meterReadingTable = &table[dcim.MeterReading]{
	name: "meter_readings", objType: dcim.TypeMeterReading, nameColumn: "note",
	columns: []column[dcim.MeterReading]{
		col("meter_id", func(v *dcim.MeterReading) any { return &v.MeterID }),
		col("at", func(v *dcim.MeterReading) any { return &v.At }),
		col("kind", func(v *dcim.MeterReading) any { return &v.Kind }),
		col("value", func(v *dcim.MeterReading) any { return &v.Value }),
		col("old_value", func(v *dcim.MeterReading) any { return &v.OldValue }),
		col("note", func(v *dcim.MeterReading) any { return &v.Note }),
	},
	meta: func(v *dcim.MeterReading) *dcim.Meta { return &v.Meta },
	repr: func(v *dcim.MeterReading) string {
		return fmt.Sprintf("%s %v", v.At.UTC().Format("2006-01-02T15:04:05Z"), v.Value)
	},
	normalize: (*dcim.MeterReading).Normalize,
	filters:   map[string]filter{"id": {"id", filterInt}, "meter_id": {"meter_id", filterInt}, "kind": {"kind", filterString}},
	orderings: []string{"at", "meter_id", "created"},
	uniques:   []unique{{"at", []string{"meter_id", "at"}}},
	refs:      []ref{{"meter_id", "meter_id", "meters", dcim.TypeMeter}},
}

var energyCertificateTable = &table[dcim.EnergyCertificate]{
	name: "energy_certificates", objType: dcim.TypeEnergyCertificate, nameColumn: "reference",
	columns: []column[dcim.EnergyCertificate]{
		col("site_id", func(v *dcim.EnergyCertificate) any { return &v.SiteID }),
		col("kind", func(v *dcim.EnergyCertificate) any { return &v.Kind }),
		col("period_start", func(v *dcim.EnergyCertificate) any { return &v.PeriodStart }),
		col("period_end", func(v *dcim.EnergyCertificate) any { return &v.PeriodEnd }),
		col("kwh", func(v *dcim.EnergyCertificate) any { return &v.KWh }),
		col("retired", func(v *dcim.EnergyCertificate) any { return &v.Retired }),
		col("reference", func(v *dcim.EnergyCertificate) any { return &v.Reference }),
		col("description", func(v *dcim.EnergyCertificate) any { return &v.Description }),
	},
	meta:      func(v *dcim.EnergyCertificate) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.EnergyCertificate) *[]string { return &v.Tags },
	repr:      func(v *dcim.EnergyCertificate) string { return v.Reference },
	normalize: (*dcim.EnergyCertificate).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "site_id": {"site_id", filterInt}, "kind": {"kind", filterString},
		"retired": {"retired", filterBool}},
	search:    []string{"reference", "description"},
	orderings: []string{"period_start", "site_id", "created"},
	refs:      []ref{{"site_id", "site_id", "sites", dcim.TypeSite}},
}

func init() {
	meterTable.check = checkMeter
	meterReadingTable.check = checkMeterReading
	meterReadingTable.after = afterMeterReading
	meterReadingTable.deleted = func(ctx context.Context, t *tx, old *dcim.MeterReading) error {
		return forgetHours(ctx, t, old.MeterID, &old.At)
	}
}

// Meters returns the meter operations.
func (s *Store) Meters() Resource[dcim.Meter] { return Resource[dcim.Meter]{s, meterTable} }

// MeterReadings returns the manual meter reading operations.
func (s *Store) MeterReadings() Resource[dcim.MeterReading] {
	return Resource[dcim.MeterReading]{s, meterReadingTable}
}

// EnergyCertificates returns the renewable certificate operations.
func (s *Store) EnergyCertificates() Resource[dcim.EnergyCertificate] {
	return Resource[dcim.EnergyCertificate]{s, energyCertificateTable}
}

// checkMeter takes the site (and the room, where not given) from what the meter is on, which
// must all be in one site; a manual meter may not be turned into a series one with readings
// left behind, nor the other way round.
func checkMeter(ctx context.Context, t *tx, old, m *dcim.Meter) error {
	type place struct {
		field, what string
		site        int64
		room        *int64
	}
	var at []place
	if m.RoomID != nil {
		r, err := mustGet(ctx, t, roomTable, *m.RoomID, "room_id", false)
		if err != nil {
			return err
		}
		at = append(at, place{"room_id", fmt.Sprintf("room %q", r.Name), r.SiteID, m.RoomID})
	}
	if m.PowerNodeID != nil {
		n, err := mustGet(ctx, t, powerNodeTable, *m.PowerNodeID, "power_node_id", false)
		if err != nil {
			return err
		}
		at = append(at, place{"power_node_id", fmt.Sprintf("power node %q", n.Name), n.SiteID, n.RoomID})
	}
	if m.DeviceID != nil {
		d, err := mustGet(ctx, t, deviceTable, *m.DeviceID, "device_id", false)
		if err != nil {
			return err
		}
		var room *int64
		if d.RackID != nil {
			rk, err := mustGet(ctx, t, rackTable, *d.RackID, "device_id", false)
			if err != nil {
				return err
			}
			room = &rk.RoomID
		}
		at = append(at, place{"device_id", fmt.Sprintf("device %q", d.Name), d.SiteID, room})
	}
	if m.CoolingUnitID != nil {
		u, err := mustGet(ctx, t, coolingUnitTable, *m.CoolingUnitID, "cooling_unit_id", false)
		if err != nil {
			return err
		}
		at = append(at, place{"cooling_unit_id", fmt.Sprintf("cooling unit %q", u.Name), u.SiteID, &u.RoomID})
	}
	if len(at) > 0 {
		for _, p := range at[1:] {
			if p.site != at[0].site {
				return dcim.Invalid(p.field, "%s is in another site than %s", p.what, at[0].what)
			}
		}
		if m.SiteID != 0 && m.SiteID != at[0].site {
			return dcim.Invalid("site_id", "%s is in another site", at[0].what)
		}
		m.SiteID = at[0].site
		for _, p := range at {
			if m.RoomID == nil && p.room != nil {
				room := *p.room
				m.RoomID = &room
			}
		}
	} else if m.SiteID == 0 {
		return dcim.Invalid("site_id", "give the site, or what the meter is on: room_id, power_node_id, device_id or cooling_unit_id")
	}
	if old != nil && old.Source != m.Source {
		var n int
		if err := t.QueryRowContext(ctx, "SELECT COUNT(*) FROM meter_readings WHERE meter_id = $1 AND kind = 'reading'", m.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 && m.Source == "series" {
			return dcim.Invalid("source", "the meter has %d manual readings: delete them first, or keep it manual", n)
		}
	}
	if old != nil && (old.Series != m.Series || old.Multiplier != m.Multiplier || !sameFloat(old.CounterMax, m.CounterMax) ||
		old.Quantity != m.Quantity || old.Source != m.Source) {
		return forgetHours(ctx, t, m.ID, nil) // what it read changed: roll it up again
	}
	return nil
}

func sameFloat(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// checkMeterReading: readings are for manual meters; a swap may be recorded for any meter.
func checkMeterReading(ctx context.Context, t *tx, old, r *dcim.MeterReading) error {
	m, err := mustGet(ctx, t, meterTable, r.MeterID, "meter_id", false)
	if err != nil {
		return err
	}
	if r.Kind == "reading" && m.Source != "manual" {
		return dcim.Invalid("meter_id", "meter %q reads its series: only a manual meter takes readings (a swap may be recorded for any)", m.Name)
	}
	if old != nil && old.MeterID != r.MeterID {
		return dcim.Invalid("meter_id", "a reading does not move to another meter: delete it and add it there")
	}
	return nil
}

// forgetHours drops the hourly energy of meter id from the hour of its reading before from on
// (all of it when from is nil), so that the roll-up computes it again.
func forgetHours(ctx context.Context, t *tx, id int64, from *time.Time) error {
	if from == nil {
		if _, err := t.ExecContext(ctx, "DELETE FROM meter_days WHERE meter_id = $1", id); err != nil {
			return err
		}
		_, err := t.ExecContext(ctx, "DELETE FROM meter_hours WHERE meter_id = $1", id)
		return err
	}
	start := *from
	var prev time.Time
	err := t.QueryRowContext(ctx, "SELECT at FROM meter_readings WHERE meter_id = $1 AND at < $2 ORDER BY at DESC LIMIT 1", id, *from).Scan(&prev)
	switch {
	case err == nil:
		start = prev
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("forget hours: %w", err)
	}
	// The day the forgotten hours start in goes too; it is summed again with them.
	if _, err = t.ExecContext(ctx, "DELETE FROM meter_days WHERE meter_id = $1 AND day >= $2", id, start.UTC().Truncate(24*time.Hour)); err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, "DELETE FROM meter_hours WHERE meter_id = $1 AND hour >= $2", id, start.UTC().Truncate(time.Hour))
	return err
}

// afterMeterReading forgets the meter's hourly energy from the reading before this one (or the
// one it replaced) on, so that it is rolled up again with it.
func afterMeterReading(ctx context.Context, t *tx, old, r *dcim.MeterReading) error {
	from := r.At
	if old != nil && old.At.Before(from) {
		from = old.At
	}
	return forgetHours(ctx, t, r.MeterID, &from)
}
