package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

var (
	_ capacity.Source  = (*Store)(nil)
	_ capacity.Updater = (*Store)(nil)
)

// CapacitySite reads a site's rooms, rows and racks with what sits in each, in one read transaction
// and a fixed number of queries.
func (s *Store) CapacitySite(ctx context.Context, siteID int64) (capacity.Site, error) {
	var out capacity.Site
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // on SQLite a deferred BEGIN: no write lock while it reads
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
	out.Racks, err = capacityRacks(ctx, tx, "site_id = $1", siteID)
	return out, err
}

// capacityRacks reads the racks matching where (a condition on racks, with args), with their
// mounted devices, load and reservations, in three queries.
func capacityRacks(ctx context.Context, q querier, where string, args ...any) ([]capacity.Rack, error) {
	rows, err := q.QueryContext(ctx, rackTable.selectSQL()+" WHERE "+where+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("racks: %w", err)
	}
	racks, err := rackTable.scanAll(rows)
	if err != nil {
		return nil, err
	}
	index := make(map[int64]int, len(racks))
	out := make([]capacity.Rack, len(racks))
	for i, r := range racks {
		out[i].Rack = r
		index[r.ID] = i
	}
	rows, err = q.QueryContext(ctx, `SELECT d.id, d.name, d.rack_id, d.position, d.face, d.tenant_id, dt.u_height, dt.is_full_depth, dt.weight, dt.weight_unit
		FROM devices d JOIN device_types dt ON dt.id = d.device_type_id WHERE d.rack_id IN (SELECT id FROM racks WHERE `+where+`) ORDER BY d.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
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
			return nil, err
		}
		i, ok := index[rack]
		if !ok {
			continue
		}
		if tenant.Valid {
			o.TenantID = &tenant.Int64
		}
		if wt.Valid {
			out[i].LoadKg += dcim.Kilograms(wt.Float64, unit)
		}
		if pos.Valid && o.Height > 0 {
			o.Position = pos.Float64
			out[i].Occupants = append(out[i].Occupants, o)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, reservationTable.selectSQL()+" WHERE rack_id IN (SELECT id FROM racks WHERE "+where+") ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("reservations: %w", err)
	}
	res, err := reservationTable.scanAll(rows)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		if i, ok := index[r.RackID]; ok {
			out[i].Reservations = append(out[i].Reservations, r)
		}
	}
	return out, nil
}

// CapacityRacks reads the given racks of a site as CapacitySite does, for updating what it read.
func (s *Store) CapacityRacks(ctx context.Context, siteID int64, rackIDs []int64) ([]capacity.Rack, error) {
	if len(rackIDs) == 0 {
		return nil, nil
	}
	in, args := inList(1, rackIDs)
	return capacityRacks(ctx, s.db, "site_id = $1 AND id IN "+in, append([]any{siteID}, args...)...)
}

// DeviceRacks maps devices of a site (all of them when ids is nil) to their rack (0: unracked),
// and to the racks of the PDUs their power ports are plugged into.
func (s *Store) DeviceRacks(ctx context.Context, siteID int64, ids []int64) (rack map[int64]int64, plugs map[int64][]int64, err error) {
	where, args := "d.site_id = $1", []any{siteID}
	if ids != nil {
		if len(ids) == 0 {
			return map[int64]int64{}, map[int64][]int64{}, nil
		}
		in, more := inList(1, ids)
		where += " AND d.id IN " + in
		args = append(args, more...)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT d.id, COALESCE(d.rack_id, 0) FROM devices d WHERE "+where, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("device racks: %w", err)
	}
	rack = map[int64]int64{}
	for rows.Next() {
		var id, r int64
		if err := rows.Scan(&id, &r); err != nil {
			rows.Close()
			return nil, nil, err
		}
		rack[id] = r
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT DISTINCT d.id, COALESCE(pd.rack_id, 0) FROM devices d JOIN power_ports p ON p.device_id = d.id
		JOIN power_outlets o ON o.id = p.outlet_id JOIN devices pd ON pd.id = o.device_id WHERE `+where, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("plugged racks: %w", err)
	}
	defer rows.Close()
	plugs = map[int64][]int64{}
	for rows.Next() {
		var id, r int64
		if err := rows.Scan(&id, &r); err != nil {
			return nil, nil, err
		}
		plugs[id] = append(plugs[id], r)
	}
	return rack, plugs, rows.Err()
}

// ReservationRacks maps reservations (those that still exist) to their rack.
func (s *Store) ReservationRacks(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(0, ids)
	rows, err := s.db.QueryContext(ctx, "SELECT id, rack_id FROM rack_reservations WHERE id IN "+in, args...)
	if err != nil {
		return nil, fmt.Errorf("reservation racks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, r int64
		if err := rows.Scan(&id, &r); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

// FreeOutletsByRack lists the free outlets of the PDUs in each rack of a site, by the side of the
// chain the PDU is on ("" where it is not a node of the chain).
func (s *Store) FreeOutletsByRack(ctx context.Context, siteID int64) (capacity.Outlets, error) {
	return s.freeOutlets(ctx, "d.site_id = $1", siteID)
}

// FreeOutletsOfRacks is FreeOutletsByRack for some racks of a site.
func (s *Store) FreeOutletsOfRacks(ctx context.Context, siteID int64, rackIDs []int64) (capacity.Outlets, error) {
	if len(rackIDs) == 0 {
		return capacity.Outlets{}, nil
	}
	in, args := inList(1, rackIDs)
	return s.freeOutlets(ctx, "d.site_id = $1 AND d.rack_id IN "+in, append([]any{siteID}, args...)...)
}

func (s *Store) freeOutlets(ctx context.Context, where string, args ...any) (capacity.Outlets, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.rack_id, COALESCE(n.side, ''), o.id, o.name, o.feed_leg
		FROM power_outlets o JOIN devices d ON d.id = o.device_id
		LEFT JOIN power_nodes n ON n.device_id = d.id
		LEFT JOIN power_ports p ON p.outlet_id = o.id
		WHERE `+where+` AND d.rack_id IS NOT NULL AND p.id IS NULL
		ORDER BY o.id`, args...)
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
