package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// The rules that need other objects. Each runs inside the write's transaction; the pure rules
// themselves (placement, weight, floor load) live in dcim.

// mustGet reads a referenced object, turning "not found" into an error on the referencing field.
// Within a transaction that has only created objects so far, an object read once (and locked, when
// lock is set) is served again from memory.
func mustGet[T any](ctx context.Context, t *tx, tb *table[T], id int64, field string, lock bool) (*T, error) {
	key := tb.name + "/" + strconv.FormatInt(id, 10)
	if c, ok := t.objs[key]; ok && (c.locked || !lock) {
		return c.v.(*T), nil
	}
	// To a tenant user, an object it does not see does not exist (its name, its contents, its
	// conflicts stay hidden).
	if _, tenant := t.actor.Tenant(); tenant {
		if ok, err := inScope(ctx, t, tb.name, id); !ok && (err == nil || dcim.ErrorCode(err) == dcim.EForbidden) {
			return nil, dcim.Invalid(field, "%s %d does not exist", tb.objType, id)
		} else if err != nil {
			return nil, err
		}
	}
	v, err := tb.peek(ctx, t, t.s.dialect, id, lock)
	if dcim.ErrorCode(err) == dcim.ENotFound {
		return nil, dcim.Invalid(field, "%s %d does not exist", tb.objType, id)
	}
	if err == nil {
		if t.objs == nil {
			t.objs = map[string]readObj{}
		}
		t.objs[key] = readObj{v, lock}
		if t.seen == nil {
			t.seen = map[string]bool{}
		}
		t.seen[key] = true // the generic reference check need not look again
	}
	return v, err
}

// deviceType reads a device type once per transaction.
func (t *tx) deviceType(ctx context.Context, id int64, field string) (*dcim.DeviceType, error) {
	if dt, ok := t.types[id]; ok {
		return dt, nil
	}
	dt, err := mustGet(ctx, t, deviceTypeTable, id, field, false)
	if err != nil {
		return nil, err
	}
	if t.types == nil {
		t.types = map[int64]*dcim.DeviceType{}
	}
	t.types[id] = dt
	return dt, nil
}

// rackContents returns the devices mounted in units of a rack, and the weight (kg) of all devices in
// the rack, mounted or not.
func (t *tx) rackContents(ctx context.Context, rackID int64) ([]dcim.Occupant, float64, error) {
	if c, ok := t.contents[rackID]; ok {
		return c.occ, c.load, nil
	}
	occ, load, err := t.readRackContents(ctx, rackID)
	if err == nil {
		if t.contents == nil {
			t.contents = map[int64]*rackLoad{}
		}
		t.contents[rackID] = &rackLoad{occ: occ, load: load}
	}
	return occ, load, err
}

// addToRack records a device just created in a rack in the transaction's view of the rack.
func (t *tx) addToRack(d *dcim.Device, dt *dcim.DeviceType) {
	c, ok := t.contents[*d.RackID]
	if !ok {
		return
	}
	if dt.Weight != nil {
		c.load += dcim.Kilograms(*dt.Weight, dt.WeightUnit)
	}
	if d.Position != nil && dt.UHeight > 0 {
		c.occ = append(c.occ, dcim.Occupant{Ref: dcim.ObjectRef{Type: dcim.TypeDevice, ID: d.ID, Name: d.Name},
			Position: *d.Position, Height: dt.UHeight, Face: d.Face, FullDepth: dt.IsFullDepth, TenantID: d.TenantID})
	}
}

func (t *tx) readRackContents(ctx context.Context, rackID int64) ([]dcim.Occupant, float64, error) {
	rows, err := t.QueryContext(ctx, `SELECT d.id, d.name, d.position, d.face, d.tenant_id, dt.u_height, dt.is_full_depth, dt.weight, dt.weight_unit
		FROM devices d JOIN device_types dt ON dt.id = d.device_type_id WHERE d.rack_id = $1`, rackID)
	if err != nil {
		return nil, 0, fmt.Errorf("rack %d contents: %w", rackID, err)
	}
	defer rows.Close()
	var (
		occ  []dcim.Occupant
		load float64
	)
	for rows.Next() {
		var (
			o        dcim.Occupant
			pos, wt  sql.NullFloat64
			tenant   sql.NullInt64
			unit     string
			fullDeep bool
		)
		o.Ref.Type = dcim.TypeDevice
		if err := rows.Scan(&o.Ref.ID, &o.Ref.Name, &pos, &o.Face, &tenant, &o.Height, &fullDeep, &wt, &unit); err != nil {
			return nil, 0, err
		}
		o.FullDepth = fullDeep
		if tenant.Valid {
			o.TenantID = &tenant.Int64
		}
		if wt.Valid {
			load += dcim.Kilograms(wt.Float64, unit)
		}
		if pos.Valid && o.Height > 0 {
			o.Position = pos.Float64
			occ = append(occ, o)
		}
	}
	return occ, load, rows.Err()
}

func (t *tx) reservations(ctx context.Context, rackID int64) ([]dcim.RackReservation, error) {
	if r, ok := t.resv[rackID]; ok {
		return r, nil
	}
	rows, err := t.QueryContext(ctx, reservationTable.selectSQL()+" WHERE rack_id = $1", rackID)
	if err != nil {
		return nil, fmt.Errorf("reservations of rack %d: %w", rackID, err)
	}
	r, err := reservationTable.scanAll(rows)
	if err == nil {
		if t.resv == nil {
			t.resv = map[int64][]dcim.RackReservation{}
		}
		t.resv[rackID] = r
	}
	return r, err
}

// rackFields names, for a re-check of a rack's contents, the input that changed for each kind of
// failure: a device or reservation no longer fitting the units, the rack's own weight limit, the
// room's floor rating.
type rackFields struct{ place, weight, floor string }

// sameField is rackFields with one field for every kind of failure.
func sameField(f string) rackFields { return rackFields{f, f, f} }

// checkRackContents re-checks everything in a rack after a change to the rack itself, its room or
// a device type in it: every device inside the units and clear of the others, every reservation
// clear, weight and floor load within limits. Errors are reported on the input that changed, and
// name the object that no longer fits.
func checkRackContents(ctx context.Context, t *tx, rackID int64, fields rackFields) error {
	rack, err := rackTable.peek(ctx, t, t.s.dialect, rackID, false)
	if err != nil {
		return err
	}
	room, err := roomTable.peek(ctx, t, t.s.dialect, rack.RoomID, false)
	if err != nil {
		return err
	}
	occ, load, err := t.rackContents(ctx, rackID)
	if err != nil {
		return err
	}
	res, err := t.reservations(ctx, rackID)
	if err != nil {
		return err
	}
	// refield moves err onto field; where err names no other object, the one checked (who) is the
	// conflicting one.
	refield := func(err error, field string, who *dcim.ObjectRef) error {
		if e := dcim.AsError(err); e != nil {
			out := *e
			out.Fields = make([]dcim.FieldError, len(e.Fields))
			for i, f := range e.Fields {
				if !strings.Contains(f.Message, strconv.Quote(rack.Name)) {
					f.Message = fmt.Sprintf("rack %q: %s", rack.Name, f.Message)
				}
				if f.Conflict == nil && who != nil {
					f.Message = fmt.Sprintf("rack %q: %s %d (%q) would no longer fit: %s", rack.Name, who.Type, who.ID, who.Name, e.Fields[i].Message)
					f.Conflict = who
				}
				f.Field = field
				out.Fields[i] = f
			}
			return &out
		}
		return err
	}
	for i, o := range occ {
		if err := dcim.CheckPlacement(rack, o, occ[:i], nil, t.now); err != nil {
			return refield(err, fields.place, &o.Ref)
		}
	}
	for i := range res {
		if err := dcim.CheckReservation(rack, &res[i], occ, res, t.now); err != nil {
			return refield(err, fields.place, &dcim.ObjectRef{Type: dcim.TypeRackReservation, ID: res[i].ID, Name: res[i].Description})
		}
	}
	err = dcim.CheckWeight(fields.weight, rack, room, load, dcim.ObjectRef{Type: dcim.TypeRack, ID: rack.ID, Name: rack.Name})
	if e := dcim.AsError(err); e != nil && len(e.Fields) > 0 && e.Fields[0].Conflict != nil && e.Fields[0].Conflict.Type == dcim.TypeRoom {
		return refield(err, fields.floor, nil)
	}
	return refield(err, fields.weight, nil)
}

func checkRoom(ctx context.Context, t *tx, old, r *dcim.Room) error {
	if old == nil || old.ThermalClass != r.ThermalClass {
		var n int
		if err := t.QueryRowContext(ctx, "SELECT COUNT(*) FROM thermal_classes WHERE name = $1", r.ThermalClass).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return dcim.Invalid("thermal_class", "thermal class %q does not exist (see /thermal-classes)", r.ThermalClass)
		}
	}
	if old != nil && old.SiteID != r.SiteID {
		var n int
		if err := t.QueryRowContext(ctx, "SELECT COUNT(*) FROM racks WHERE room_id = $1", r.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return dcim.Invalid("site_id", "room %q holds %d racks; a room with racks cannot move to another site", r.Name, n)
		}
	}
	return nil
}

// afterRoom re-checks the racks of a room whose grid or floor rating changed.
func afterRoom(ctx context.Context, t *tx, old, r *dcim.Room) error {
	if old == nil {
		return nil
	}
	rows, err := t.QueryContext(ctx, "SELECT id, name, grid_row, grid_column FROM racks WHERE room_id = $1", r.ID)
	if err != nil {
		return err
	}
	type rk struct {
		id        int64
		name      string
		row, colm sql.NullInt64
	}
	var racks []rk
	for rows.Next() {
		var x rk
		if err := rows.Scan(&x.id, &x.name, &x.row, &x.colm); err != nil {
			rows.Close()
			return err
		}
		racks = append(racks, x)
	}
	rows.Close()
	for _, x := range racks {
		ref := dcim.ObjectRef{Type: dcim.TypeRack, ID: x.id, Name: x.name}
		if x.row.Valid && r.GridRows > 0 && int(x.row.Int64) >= r.GridRows {
			return dcim.Conflict("grid_rows", ref, "rack %q stands on tile row %d, outside %d rows", x.name, x.row.Int64, r.GridRows)
		}
		if x.colm.Valid && r.GridColumns > 0 && int(x.colm.Int64) >= r.GridColumns {
			return dcim.Conflict("grid_columns", ref, "rack %q stands on tile column %d, outside %d columns", x.name, x.colm.Int64, r.GridColumns)
		}
		if err := checkRackContents(ctx, t, x.id, sameField("floor_load_rating")); err != nil {
			return err
		}
	}
	return nil
}

func checkRow(ctx context.Context, t *tx, old, r *dcim.Row) error {
	room, err := mustGet(ctx, t, roomTable, r.RoomID, "room_id", false)
	if err != nil {
		return err
	}
	r.SiteID = room.SiteID
	if old != nil && old.RoomID != r.RoomID {
		var n int
		if err := t.QueryRowContext(ctx, "SELECT COUNT(*) FROM racks WHERE row_id = $1", r.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return dcim.Invalid("room_id", "row %q holds %d racks; move them before moving the row to another room", r.Name, n)
		}
	}
	return nil
}

func checkRack(ctx context.Context, t *tx, old, r *dcim.Rack) error {
	room, err := mustGet(ctx, t, roomTable, r.RoomID, "room_id", false)
	if err != nil {
		return err
	}
	r.SiteID = room.SiteID
	if old != nil && old.SiteID != r.SiteID {
		var n int
		if err := t.QueryRowContext(ctx, "SELECT COUNT(*) FROM devices WHERE rack_id = $1", r.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return dcim.Invalid("room_id", "rack %q holds %d devices; a rack with devices cannot move to another site", r.Name, n)
		}
	}
	if r.RowID != nil {
		row, err := mustGet(ctx, t, rowTable, *r.RowID, "row_id", false)
		if err != nil {
			return err
		}
		if row.RoomID != r.RoomID {
			return dcim.Invalid("row_id", "row %q is in room %d, not in the rack's room %q", row.Name, row.RoomID, room.Name)
		}
	}
	if r.GridRow != nil {
		if room.GridRows > 0 && *r.GridRow >= room.GridRows {
			return dcim.Invalid("grid_row", "room %q has tile rows 0 to %d", room.Name, room.GridRows-1)
		}
		if room.GridColumns > 0 && *r.GridColumn >= room.GridColumns {
			return dcim.Invalid("grid_column", "room %q has tile columns 0 to %d", room.Name, room.GridColumns-1)
		}
		var other dcim.ObjectRef
		err := t.QueryRowContext(ctx, "SELECT id, name FROM racks WHERE room_id = $1 AND grid_row = $2 AND grid_column = $3 AND id <> $4",
			r.RoomID, *r.GridRow, *r.GridColumn, r.ID).Scan(&other.ID, &other.Name)
		if err == nil {
			other.Type = dcim.TypeRack
			return dcim.Conflict("grid_row", other, "tile (%d, %d) of room %q is taken by rack %q", *r.GridRow, *r.GridColumn, room.Name, other.Name)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if old == nil {
		// An empty rack still loads the floor with its own weight.
		return dcim.CheckWeight("weight", r, room, 0, dcim.ObjectRef{Type: dcim.TypeRack, Name: r.Name})
	}
	return nil
}

// afterRack re-checks the contents of a rack whose geometry or limits changed.
func afterRack(ctx context.Context, t *tx, old, r *dcim.Rack) error {
	if old == nil {
		return nil
	}
	f := rackFields{place: "u_height", weight: "max_weight", floor: "weight"}
	if old.StartingUnit != r.StartingUnit {
		f.place = "starting_unit"
	}
	switch {
	case ptrDiffers(old.MaxWeight, r.MaxWeight):
	case old.WeightUnit != r.WeightUnit:
		f.weight = "weight_unit"
	}
	// The floor load changes with the rack's own weight, its footprint or the room it stands in.
	for _, c := range []struct {
		changed bool
		field   string
	}{
		{old.RoomID != r.RoomID, "room_id"},
		{ptrDiffers(old.OuterDepth, r.OuterDepth), "outer_depth"},
		{ptrDiffers(old.OuterWidth, r.OuterWidth), "outer_width"},
		{old.OuterUnit != r.OuterUnit, "outer_unit"},
		{ptrDiffers(old.Weight, r.Weight), "weight"},
		{old.WeightUnit != r.WeightUnit, "weight_unit"},
	} {
		if c.changed {
			f.floor = c.field
			break
		}
	}
	return checkRackContents(ctx, t, r.ID, f)
}

func ptrDiffers[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a != b
	}
	return *a != *b
}

func checkReservation(ctx context.Context, t *tx, _ *dcim.RackReservation, r *dcim.RackReservation) error {
	rack, err := mustGet(ctx, t, rackTable, r.RackID, "rack_id", true)
	if err != nil {
		return err
	}
	occ, _, err := t.rackContents(ctx, rack.ID)
	if err != nil {
		return err
	}
	res, err := t.reservations(ctx, rack.ID)
	if err != nil {
		return err
	}
	return dcim.CheckReservation(rack, r, occ, res, t.now)
}

// afterDeviceType re-checks the racks that hold devices of a type whose size or weight changed.
func afterDeviceType(ctx context.Context, t *tx, old, dt *dcim.DeviceType) error {
	delete(t.types, dt.ID)
	if old == nil || (old.UHeight == dt.UHeight && old.IsFullDepth == dt.IsFullDepth &&
		!ptrDiffers(old.Weight, dt.Weight) && old.WeightUnit == dt.WeightUnit) {
		return nil
	}
	if dt.UHeight == 0 && old.UHeight != 0 {
		var n int
		if err := t.QueryRowContext(ctx, "SELECT COUNT(*) FROM devices WHERE device_type_id = $1 AND position IS NOT NULL", dt.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return dcim.Invalid("u_height", "%d devices of this type sit in rack units; a 0-U type cannot", n)
		}
	}
	rows, err := t.QueryContext(ctx, "SELECT DISTINCT rack_id FROM devices WHERE device_type_id = $1 AND rack_id IS NOT NULL", dt.ID)
	if err != nil {
		return err
	}
	var racks []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		racks = append(racks, id)
	}
	rows.Close()
	field := "u_height"
	if ptrDiffers(old.Weight, dt.Weight) || old.WeightUnit != dt.WeightUnit {
		field = "weight"
	}
	for _, id := range racks {
		if err := checkRackContents(ctx, t, id, sameField(field)); err != nil {
			return err
		}
	}
	return nil
}

func checkDevice(ctx context.Context, t *tx, old, d *dcim.Device) error {
	dt, err := t.deviceType(ctx, d.DeviceTypeID, "device_type_id")
	if err != nil {
		return err
	}
	if old != nil && old.DeviceTypeID != d.DeviceTypeID {
		return dcim.Invalid("device_type_id", "a device's type cannot change (its power ports come from it); create a new device instead")
	}
	if d.RackID == nil {
		if d.SiteID == 0 {
			return dcim.Invalid("site_id", "a device needs a site, or a rack to take the site from")
		}
		return nil
	}
	rack, err := mustGet(ctx, t, rackTable, *d.RackID, "rack_id", true)
	if err != nil {
		return err
	}
	d.SiteID = rack.SiteID
	switch {
	case dt.UHeight == 0 && d.Position != nil:
		return dcim.Invalid("position", "device type %q is 0-U: it takes no rack unit; set mount_side instead", dt.Model)
	case dt.UHeight > 0 && d.MountSide != "":
		return dcim.Invalid("mount_side", "device type %q is %gU: only 0-U devices hang on the rack's side", dt.Model, dt.UHeight)
	}
	occ, load, err := t.rackContents(ctx, rack.ID)
	if err != nil {
		return err
	}
	self := dcim.ObjectRef{Type: dcim.TypeDevice, ID: d.ID, Name: d.Name}
	if d.Position != nil {
		res, err := t.reservations(ctx, rack.ID)
		if err != nil {
			return err
		}
		me := dcim.Occupant{Ref: self, Position: *d.Position, Height: dt.UHeight, Face: d.Face, FullDepth: dt.IsFullDepth, TenantID: d.TenantID}
		if err := dcim.CheckPlacement(rack, me, occ, res, t.now); err != nil {
			return err
		}
	}
	if dt.Weight == nil {
		return nil
	}
	mine := dcim.Kilograms(*dt.Weight, dt.WeightUnit)
	if old != nil && old.RackID != nil && *old.RackID == rack.ID {
		load -= mine // already counted in the rack
	}
	room, err := mustGet(ctx, t, roomTable, rack.RoomID, "rack_id", false)
	if err != nil {
		return err
	}
	return dcim.CheckWeight("rack_id", rack, room, load+mine, self)
}

// feeds checks where a new device's power ports are to be plugged in and returns, for every port
// of its type, the connection (with the lines of the supply filled in), or none.
func (t *tx) feeds(ctx context.Context, d *dcim.Device, dt *dcim.DeviceType) ([]dcim.PowerFeed, error) {
	out := make([]dcim.PowerFeed, len(dt.PowerPorts))
	if len(d.PowerFeeds) == 0 {
		return out, nil
	}
	if len(d.PowerFeeds) > len(dt.PowerPorts) {
		return nil, dcim.Invalid("power_feeds", "device type %q has %d power port(s), not %d", dt.Model, len(dt.PowerPorts), len(d.PowerFeeds))
	}
	var ids []int64
	used := map[int64]int{}
	for i, f := range d.PowerFeeds {
		if f.OutletID != nil {
			if j, dup := used[*f.OutletID]; dup {
				return nil, dcim.Invalid(fmt.Sprintf("power_feeds[%d].outlet_id", i), "outlet %d is already given to port %d of this device", *f.OutletID, j)
			}
			used[*f.OutletID] = i
			ids = append(ids, *f.OutletID)
		}
	}
	var outlets map[int64]outletInfo
	if len(ids) > 0 {
		var err error
		if outlets, err = t.outletsInfo(ctx, ids); err != nil {
			return nil, err
		}
	}
	for i, f := range d.PowerFeeds {
		lines, err := t.plug(ctx, d, 0, f, outlets, fmt.Sprintf("power_feeds[%d].", i))
		if err != nil {
			return nil, err
		}
		f.Lines = lines
		out[i] = f
	}
	d.PowerFeeds = nil // recorded on the ports: the device itself does not keep them
	return out, nil
}

// outletBatch is the most outlets one INSERT writes.
const outletBatch = 64

// afterDevice gives a new device the power ports and outlets of its type.
func afterDevice(ctx context.Context, t *tx, old, d *dcim.Device) error {
	if old != nil {
		return nil
	}
	dt, err := t.deviceType(ctx, d.DeviceTypeID, "device_type_id")
	if err != nil {
		return err
	}
	if d.RackID != nil {
		t.addToRack(d, dt)
	}
	feeds, err := t.feeds(ctx, d, dt)
	if err != nil {
		return err
	}
	portIDs := make(map[string]int64, len(dt.PowerPorts))
	if len(dt.PowerPorts) > 0 {
		// One statement for all ports; port names are unique in a type, so RETURNING name says which id is whose.
		rows := make([][]any, len(dt.PowerPorts))
		for i, pt := range dt.PowerPorts {
			f := feeds[i]
			rows[i] = []any{d.ID, pt.Name, pt.Type, pt.MaximumDraw, pt.AllocatedDraw, f.OutletID, f.PowerNodeID, f.Lines, f.Voltage, t.now, t.now}
		}
		values, args := t.s.dialect.valuesList(rows)
		q := "INSERT INTO power_ports (device_id, name, type, maximum_draw, allocated_draw, outlet_id, power_node_id, lines, voltage, created, last_updated) VALUES " +
			values + " RETURNING id, name"
		res, err := t.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("power ports of device %q: %w", d.Name, err)
		}
		for res.Next() {
			var id int64
			var name string
			if err := res.Scan(&id, &name); err != nil {
				res.Close()
				return fmt.Errorf("power ports of device %q: %w", d.Name, err)
			}
			portIDs[name] = id
		}
		for i, pt := range dt.PowerPorts {
			if feeds[i].OutletID != nil {
				t.pluggedIn(*feeds[i].OutletID, portIDs[pt.Name], pt.Name)
			}
		}
		res.Close()
		if err := res.Err(); err != nil {
			return fmt.Errorf("power ports of device %q: %w", d.Name, err)
		}
	}
	// Outlets in statements of up to outletBatch rows: a rack PDU has dozens.
	for lo := 0; lo < len(dt.PowerOutlets); lo += outletBatch {
		batch := dt.PowerOutlets[lo:min(lo+outletBatch, len(dt.PowerOutlets))]
		rows := make([][]any, len(batch))
		for i, ot := range batch {
			var port *int64
			if id, ok := portIDs[ot.PowerPort]; ok {
				port = &id
			}
			rows[i] = []any{d.ID, ot.Name, ot.Type, port, ot.FeedLeg, t.now, t.now}
		}
		values, args := t.s.dialect.valuesList(rows)
		q := "INSERT INTO power_outlets (device_id, name, type, power_port_id, feed_leg, created, last_updated) VALUES " + values
		if _, err := t.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("power outlets of device %q: %w", d.Name, err)
		}
	}
	return nil
}
