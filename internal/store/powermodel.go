package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
)

var (
	_ power.Source  = (*Store)(nil)
	_ power.Updater = (*Store)(nil)
)

// ModelVersion changes with every write to the inventory: it is the newest change-log row, written
// in the same transaction as the change.
func (s *Store) ModelVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM changes").Scan(&v); err != nil {
		return 0, fmt.Errorf("model version: %w", err)
	}
	return v, nil
}

// modelDevices reads the devices matching where (on alias d, with args) and their power ports, each
// with the node feeding it: the circuit it is wired to, or the rack PDU whose outlet it is plugged
// into. Devices come in id order.
func modelDevices(ctx context.Context, q querier, where string, args ...any) ([]power.ModelDevice, error) {
	rows, err := q.QueryContext(ctx, "SELECT d.id, d.name, d.rack_id, d.power_redundant, d.power_split FROM devices d WHERE "+where+" ORDER BY d.id", args...)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	var out []power.ModelDevice
	index := map[int64]int{}
	for rows.Next() {
		var d power.ModelDevice
		var rack sql.NullInt64
		var red sql.NullBool
		if err := rows.Scan(&d.ID, &d.Name, &rack, &red, &d.Split); err != nil {
			rows.Close()
			return nil, err
		}
		d.RackID = rack.Int64
		if red.Valid {
			d.Redundant = &red.Bool
		}
		index[d.ID] = len(out)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT p.id, p.device_id, p.maximum_draw, p.allocated_draw, COALESCE(p.power_node_id, n.id), p.lines
		FROM power_ports p JOIN devices d ON d.id = p.device_id
		LEFT JOIN power_outlets o ON o.id = p.outlet_id
		LEFT JOIN power_nodes n ON n.device_id = o.device_id
		WHERE `+where+` ORDER BY p.device_id, p.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("power ports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p power.ModelPort
		var dev int64
		var maxW, allocW, node sql.NullInt64
		if err := rows.Scan(&p.ID, &dev, &maxW, &allocW, &node, &p.Lines); err != nil {
			return nil, err
		}
		if maxW.Valid {
			v := int(maxW.Int64)
			p.MaximumDraw = &v
		}
		if allocW.Valid {
			v := int(allocW.Int64)
			p.AllocatedDraw = &v
		}
		p.Node = node.Int64
		if i, ok := index[dev]; ok {
			out[i].Ports = append(out[i].Ports, p)
		}
	}
	return out, rows.Err()
}

// ModelDevices reads the given devices of a site as PowerModel does (those gone, or in another site,
// are not returned), for updating a built model after they changed.
func (s *Store) ModelDevices(ctx context.Context, siteID int64, ids []int64) ([]power.ModelDevice, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := inList(1, ids)
	return modelDevices(ctx, s.db, "d.site_id = $1 AND d.id IN "+in, append([]any{siteID}, args...)...)
}

// PortDevices maps the given power ports to their devices; ports gone are left out.
func (s *Store) PortDevices(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(0, ids)
	rows, err := s.db.QueryContext(ctx, "SELECT id, device_id FROM power_ports WHERE id IN "+in, args...)
	if err != nil {
		return nil, fmt.Errorf("power ports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var port, dev int64
		if err := rows.Scan(&port, &dev); err != nil {
			return nil, err
		}
		out[port] = dev
	}
	return out, rows.Err()
}

// ChangedObjects lists the objects written after version, oldest first, and the newest change id;
// more reports that there were more than limit.
func (s *Store) ChangedObjects(ctx context.Context, version int64, limit int) (objs []dcim.ObjectRef, newest int64, more bool, err error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, object_type, object_id FROM changes WHERE id > $1 ORDER BY id LIMIT $2", version, limit+1)
	if err != nil {
		return nil, 0, false, fmt.Errorf("changes since %d: %w", version, err)
	}
	defer rows.Close()
	newest = version
	for rows.Next() {
		var r dcim.ObjectRef
		var id int64
		if err := rows.Scan(&id, &r.Type, &r.ID); err != nil {
			return nil, 0, false, err
		}
		if len(objs) == limit {
			return objs, newest, true, nil
		}
		objs, newest = append(objs, r), id
	}
	return objs, newest, false, rows.Err()
}

// ChangedSince reports whether an object of one of the given types was written after version.
func (s *Store) ChangedSince(ctx context.Context, version int64, objectTypes []string) (bool, error) {
	in, args := inList(1, objectTypes)
	var one int
	// object_type || '' keeps SQLite off the (object_type, object_id) index, which for "device" would
	// walk every device ever written instead of the few changes after version.
	err := s.db.QueryRowContext(ctx, "SELECT 1 FROM changes WHERE id > $1 AND object_type || '' IN "+in+" LIMIT 1",
		append([]any{version}, args...)...).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("changes since %d: %w", version, err)
	}
	return true, nil
}

// PowerModel reads one site's power chain, the devices with their power supplies and where each is
// plugged in, and its cooling, in one read transaction.
func (s *Store) PowerModel(ctx context.Context, siteID int64) (power.Model, error) {
	m := power.Model{SiteID: siteID, RackRooms: map[int64]int64{}}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // on SQLite a deferred BEGIN: no write lock while it reads
	if err != nil {
		return m, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	site, err := siteTable.peek(ctx, tx, s.dialect, siteID, false)
	if err != nil {
		return m, err
	}
	if site.AllocatedFraction != nil {
		m.AllocatedFraction = *site.AllocatedFraction
	}
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM changes").Scan(&m.Version); err != nil {
		return m, err
	}
	rows, err := tx.QueryContext(ctx, powerNodeTable.selectSQL()+" WHERE site_id = $1 ORDER BY id", siteID)
	if err != nil {
		return m, fmt.Errorf("power nodes: %w", err)
	}
	if m.Nodes, err = powerNodeTable.scanAll(rows); err != nil {
		return m, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT e.id, e.from_id, e.to_id, e.priority FROM power_edges e
		JOIN power_nodes n ON n.id = e.to_id WHERE n.site_id = $1 ORDER BY e.id`, siteID)
	if err != nil {
		return m, fmt.Errorf("power edges: %w", err)
	}
	for rows.Next() {
		var e dcim.PowerEdge
		if err := rows.Scan(&e.ID, &e.FromID, &e.ToID, &e.Priority); err != nil {
			rows.Close()
			return m, err
		}
		m.Edges = append(m.Edges, e)
	}
	rows.Close()
	if m.Devices, err = modelDevices(ctx, tx, "d.site_id = $1", siteID); err != nil {
		return m, err
	}
	rows, err = tx.QueryContext(ctx, coolingZoneTable.selectSQL()+" WHERE site_id = $1 ORDER BY id", siteID)
	if err != nil {
		return m, fmt.Errorf("cooling zones: %w", err)
	}
	if m.Zones, err = coolingZoneTable.scanAll(rows); err != nil {
		return m, err
	}
	rows, err = tx.QueryContext(ctx, coolingUnitTable.selectSQL()+" WHERE site_id = $1 ORDER BY id", siteID)
	if err != nil {
		return m, fmt.Errorf("cooling units: %w", err)
	}
	if m.Units, err = coolingUnitTable.scanAll(rows); err != nil {
		return m, err
	}
	rows, err = tx.QueryContext(ctx, "SELECT id, room_id FROM racks WHERE site_id = $1", siteID)
	if err != nil {
		return m, fmt.Errorf("racks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, room int64
		if err := rows.Scan(&id, &room); err != nil {
			return m, err
		}
		m.RackRooms[id] = room
	}
	return m, rows.Err()
}

// FreeOutlets lists the outlets of the given devices (rack PDUs) that no power port is plugged
// into, by device and id: what placing and plugging in new equipment can use. Only their id, device,
// name, feed leg and inlet are read.
func (s *Store) FreeOutlets(ctx context.Context, deviceIDs []int64) ([]dcim.PowerOutlet, error) {
	if len(deviceIDs) == 0 {
		return nil, nil
	}
	in, args := inList(0, deviceIDs)
	rows, err := s.db.QueryContext(ctx, "SELECT o.id, o.device_id, o.name, o.feed_leg, o.power_port_id FROM power_outlets o"+
		" LEFT JOIN power_ports p ON p.outlet_id = o.id WHERE o.device_id IN "+in+" AND p.id IS NULL ORDER BY o.device_id, o.id", args...)
	if err != nil {
		return nil, fmt.Errorf("free outlets: %w", err)
	}
	defer rows.Close()
	var out []dcim.PowerOutlet
	for rows.Next() {
		var o dcim.PowerOutlet
		if err := rows.Scan(&o.ID, &o.DeviceID, &o.Name, &o.FeedLeg, &o.PowerPortID); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SiteIDsByName maps every site's name to its id.
func (s *Store) SiteIDsByName(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM sites")
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[name] = id
	}
	return out, rows.Err()
}

// NodeIDsByName maps the given power-node names of a site to their ids (names not found are left
// out): how series labelled with a node's name find it.
func (s *Store) NodeIDsByName(ctx context.Context, siteID int64, names []string) (map[string]int64, error) {
	return s.idsByName(ctx, "power_nodes", siteID, names)
}

// DeviceIDsByName maps the given device names of a site to their ids (names not found are left
// out): how series labelled with a device's name find it.
func (s *Store) DeviceIDsByName(ctx context.Context, siteID int64, names []string) (map[string]int64, error) {
	return s.idsByName(ctx, "devices", siteID, names)
}

func (s *Store) idsByName(ctx context.Context, table string, siteID int64, names []string) (map[string]int64, error) {
	out := map[string]int64{}
	for lo := 0; lo < len(names); lo += 500 {
		in, args := inList(1, names[lo:min(lo+500, len(names))])
		rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM "+table+" WHERE site_id = $1 AND name IN "+in, append([]any{siteID}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("%s by name: %w", table, err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			out[name] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RackNames gives the racks of a site by id, with their room's name: how alerts about a rack name it
// (site, room and rack labels).
func (s *Store) RackNames(ctx context.Context, siteID int64) (map[int64][2]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT rk.id, rm.name, rk.name FROM racks rk JOIN rooms rm ON rm.id = rk.room_id
		WHERE rm.site_id = $1`, siteID)
	if err != nil {
		return nil, fmt.Errorf("rack names: %w", err)
	}
	defer rows.Close()
	out := map[int64][2]string{}
	for rows.Next() {
		var id int64
		var room, rack string
		if err := rows.Scan(&id, &room, &rack); err != nil {
			return nil, err
		}
		out[id] = [2]string{room, rack}
	}
	return out, rows.Err()
}
