package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// MountedDevice is a device in a rack with what a drawing of the rack needs from its type and tenant.
type MountedDevice struct {
	Device       dcim.Device
	Manufacturer string
	Model        string
	UHeight      float64
	FullDepth    bool
	TenantName   string
}

// RackView is one rack with everything in it: devices (mounted or on the side), and reservations.
type RackView struct {
	Rack         dcim.Rack
	Devices      []MountedDevice
	Reservations []dcim.RackReservation
}

// RackView reads a rack and its contents in one read transaction, in five queries whatever the rack
// holds (rack elevations are drawn often; on PostgreSQL every round trip counts).
func (s *Store) RackView(ctx context.Context, rackID int64) (RackView, error) {
	var v RackView
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // on SQLite a deferred BEGIN: no write lock while it reads
	if err != nil {
		return v, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	rack, err := rackTable.peek(ctx, tx, s.dialect, rackID, false)
	if err != nil {
		return v, err
	}
	v.Rack = *rack
	if err := loadTags(ctx, tx, rackTable, []dcim.Rack{v.Rack}); err != nil {
		return v, err
	}
	rows, err := tx.QueryContext(ctx, deviceTable.selectSQL()+" WHERE rack_id = $1 ORDER BY position, name", rackID)
	if err != nil {
		return v, fmt.Errorf("rack %d devices: %w", rackID, err)
	}
	devs, err := deviceTable.scanAll(rows)
	if err != nil {
		return v, err
	}
	type typeInfo struct {
		maker, model string
		height       float64
		full         bool
	}
	types := map[int64]typeInfo{}
	rows, err = tx.QueryContext(ctx, `SELECT dt.id, m.name, dt.model, dt.u_height, dt.is_full_depth
		FROM device_types dt JOIN manufacturers m ON m.id = dt.manufacturer_id
		WHERE dt.id IN (SELECT device_type_id FROM devices WHERE rack_id = $1)`, rackID)
	if err != nil {
		return v, fmt.Errorf("rack %d device types: %w", rackID, err)
	}
	for rows.Next() {
		var id int64
		var ti typeInfo
		if err := rows.Scan(&id, &ti.maker, &ti.model, &ti.height, &ti.full); err != nil {
			rows.Close()
			return v, err
		}
		types[id] = ti
	}
	rows.Close()
	tenants := map[int64]string{}
	rows, err = tx.QueryContext(ctx, `SELECT id, name FROM tenants WHERE id IN (SELECT tenant_id FROM devices WHERE rack_id = $1)`, rackID)
	if err != nil {
		return v, fmt.Errorf("rack %d tenants: %w", rackID, err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return v, err
		}
		tenants[id] = name
	}
	rows.Close()
	for _, d := range devs {
		ti := types[d.DeviceTypeID]
		md := MountedDevice{Device: d, Manufacturer: ti.maker, Model: ti.model, UHeight: ti.height, FullDepth: ti.full}
		if d.TenantID != nil {
			md.TenantName = tenants[*d.TenantID]
		}
		v.Devices = append(v.Devices, md)
	}
	rows, err = tx.QueryContext(ctx, reservationTable.selectSQL()+" WHERE rack_id = $1 ORDER BY id", rackID)
	if err != nil {
		return v, fmt.Errorf("rack %d reservations: %w", rackID, err)
	}
	if v.Reservations, err = reservationTable.scanAll(rows); err != nil {
		return v, err
	}
	return v, rows.Err()
}
