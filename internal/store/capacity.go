package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

var _ capacity.Source = (*Store)(nil)

// CapacitySite reads a site's rooms, rows and racks with what sits in each, in one read transaction
// and a fixed number of queries.
func (s *Store) CapacitySite(ctx context.Context, siteID int64) (capacity.Site, error) {
	var out capacity.Site
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: s.dialect == postgresDialect})
	if err != nil {
		return out, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	if _, err := siteTable.peek(ctx, tx, s.dialect, siteID, false); err != nil {
		return out, err
	}
	rows, err := tx.QueryContext(ctx, roomTable.selectSQL()+" WHERE site_id = $1 ORDER BY id", siteID)
	if err != nil {
		return out, fmt.Errorf("rooms: %w", err)
	}
	if out.Rooms, err = roomTable.scanAll(rows); err != nil {
		return out, err
	}
	rows, err = tx.QueryContext(ctx, rowTable.selectSQL()+" WHERE site_id = $1 ORDER BY id", siteID)
	if err != nil {
		return out, fmt.Errorf("rows: %w", err)
	}
	if out.Rows, err = rowTable.scanAll(rows); err != nil {
		return out, err
	}
	rows, err = tx.QueryContext(ctx, rackTable.selectSQL()+" WHERE site_id = $1 ORDER BY id", siteID)
	if err != nil {
		return out, fmt.Errorf("racks: %w", err)
	}
	racks, err := rackTable.scanAll(rows)
	if err != nil {
		return out, err
	}
	index := make(map[int64]int, len(racks))
	out.Racks = make([]capacity.Rack, len(racks))
	for i, r := range racks {
		out.Racks[i].Rack = r
		index[r.ID] = i
	}
	rows, err = tx.QueryContext(ctx, `SELECT d.id, d.name, d.rack_id, d.position, d.face, d.tenant_id, dt.u_height, dt.is_full_depth, dt.weight, dt.weight_unit
		FROM devices d JOIN device_types dt ON dt.id = d.device_type_id WHERE d.site_id = $1 AND d.rack_id IS NOT NULL`, siteID)
	if err != nil {
		return out, fmt.Errorf("devices: %w", err)
	}
	for rows.Next() {
		var (
			o       dcim.Occupant
			rack    int64
			pos, wt sql.NullFloat64
			tenant  sql.NullInt64
			unit    string
		)
		o.Ref.Type = dcim.TypeDevice
		if err := rows.Scan(&o.Ref.ID, &o.Ref.Name, &rack, &pos, &o.Face, &tenant, &o.Height, &o.FullDepth, &wt, &unit); err != nil {
			rows.Close()
			return out, err
		}
		i, ok := index[rack]
		if !ok {
			continue
		}
		if tenant.Valid {
			o.TenantID = &tenant.Int64
		}
		if wt.Valid {
			out.Racks[i].LoadKg += dcim.Kilograms(wt.Float64, unit)
		}
		if pos.Valid && o.Height > 0 {
			o.Position = pos.Float64
			out.Racks[i].Occupants = append(out.Racks[i].Occupants, o)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	rows, err = tx.QueryContext(ctx, reservationTable.selectSQL()+" WHERE rack_id IN (SELECT id FROM racks WHERE site_id = $1) ORDER BY id", siteID)
	if err != nil {
		return out, fmt.Errorf("reservations: %w", err)
	}
	res, err := reservationTable.scanAll(rows)
	if err != nil {
		return out, err
	}
	for _, r := range res {
		if i, ok := index[r.RackID]; ok {
			out.Racks[i].Reservations = append(out.Racks[i].Reservations, r)
		}
	}
	return out, nil
}

// FreeOutletsByRack lists the free outlets of the PDUs in each rack of a site, by the side of the
// chain the PDU is on ("" where it is not a node of the chain).
func (s *Store) FreeOutletsByRack(ctx context.Context, siteID int64) (capacity.Outlets, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.rack_id, COALESCE(n.side, ''), o.id, o.name, o.feed_leg
		FROM power_outlets o JOIN devices d ON d.id = o.device_id
		LEFT JOIN power_nodes n ON n.device_id = d.id
		LEFT JOIN power_ports p ON p.outlet_id = o.id
		WHERE d.site_id = $1 AND d.rack_id IS NOT NULL AND p.id IS NULL
		ORDER BY o.id`, siteID)
	if err != nil {
		return nil, fmt.Errorf("free outlets: %w", err)
	}
	defer rows.Close()
	out := capacity.Outlets{}
	for rows.Next() {
		var rack int64
		var o capacity.FreeOutlet
		if err := rows.Scan(&rack, &o.Side, &o.ID, &o.Name, &o.Leg); err != nil {
			return nil, err
		}
		if out[rack] == nil {
			out[rack] = map[string][]capacity.FreeOutlet{}
		}
		out[rack][o.Side] = append(out[rack][o.Side], o)
	}
	return out, rows.Err()
}
