package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
)

// The rules of the power chain and cooling that need other objects. The electrical rules themselves
// (what may feed what, at which voltage and phases) live in package power; these gather the objects
// they look at, inside the write's transaction.

// wiringError turns the power package's refusal into a domain error on field (or on the field it
// names itself when field is empty), naming the other node where there is one.
func wiringError(ctx context.Context, t *tx, err error, field string) error {
	var we *power.WiringError
	if !errors.As(err, &we) {
		return err
	}
	if field == "" {
		field = we.Field
	}
	if we.Other == 0 {
		return dcim.Invalid(field, "%s", we.Message)
	}
	ref := dcim.ObjectRef{Type: dcim.TypePowerNode, ID: we.Other}
	if n, err := mustGet(ctx, t, powerNodeTable, we.Other, field, false); err == nil {
		ref.Name = n.Name
	}
	return dcim.Conflict(field, ref, "%s", we.Message)
}

func checkPowerNode(ctx context.Context, t *tx, old, n *dcim.PowerNode) error {
	site, err := mustGet(ctx, t, siteTable, n.SiteID, "site_id", false)
	if err != nil {
		return err
	}
	if n.RoomID != nil {
		room, err := mustGet(ctx, t, roomTable, *n.RoomID, "room_id", false)
		if err != nil {
			return err
		}
		if room.SiteID != n.SiteID {
			return dcim.Invalid("room_id", "room %q is in another site", room.Name)
		}
	}
	if n.Voltage == 0 {
		// The site's supply: line to line for three phase and line-to-line single phase, line to
		// neutral otherwise.
		v := site.SupplyVoltageLL
		if n.Phases == 1 && (len(n.Lines) == 2 || n.Lines == "") {
			v = site.SupplyVoltageLN
		}
		if v == nil || *v <= 0 {
			return dcim.Invalid("voltage", "is required: site %q has no supply voltage to default to", site.Name)
		}
		n.Voltage = *v
	}
	if n.DeviceID != nil {
		dev, err := mustGet(ctx, t, deviceTable, *n.DeviceID, "device_id", false)
		if err != nil {
			return err
		}
		if dev.SiteID != n.SiteID {
			return dcim.Invalid("device_id", "device %q is in another site", dev.Name)
		}
	}
	pn := power.FromModel(n)
	if err := power.CheckNode(&pn); err != nil {
		return wiringError(ctx, t, err, "")
	}
	if old == nil {
		return nil
	}
	// A changed node must still fit the edges and ports it has.
	field := changedNodeField(old, n)
	ins, err := t.edgeEnds(ctx, "to_id", n.ID)
	if err != nil {
		return err
	}
	outs, err := t.edgeEnds(ctx, "from_id", n.ID)
	if err != nil {
		return err
	}
	if old.SiteID != n.SiteID && len(ins)+len(outs) > 0 {
		return dcim.Invalid("site_id", "power node %q is wired into the chain of its site; disconnect it before moving it", n.Name)
	}
	for i, id := range ins {
		up, err := mustGet(ctx, t, powerNodeTable, id, field, false)
		if err != nil {
			return err
		}
		u := power.FromModel(up)
		if err := power.CheckEdge(&u, &pn, i); err != nil {
			return dcim.Conflict(field, dcim.ObjectRef{Type: dcim.TypePowerNode, ID: up.ID, Name: up.Name}, "%s", err.Error())
		}
	}
	for _, id := range outs {
		down, err := mustGet(ctx, t, powerNodeTable, id, field, false)
		if err != nil {
			return err
		}
		d := power.FromModel(down)
		if err := power.CheckEdge(&pn, &d, 0); err != nil {
			return dcim.Conflict(field, dcim.ObjectRef{Type: dcim.TypePowerNode, ID: down.ID, Name: down.Name}, "%s", err.Error())
		}
	}
	return t.recheckPorts(ctx, &pn, n, field)
}

// changedNodeField names the electrical field of a node that changed, for errors about its wiring.
func changedNodeField(old, n *dcim.PowerNode) string {
	switch {
	case old.Kind != n.Kind:
		return "kind"
	case old.Phases != n.Phases:
		return "phases"
	case old.Voltage != n.Voltage:
		return "voltage"
	case old.Lines != n.Lines:
		return "lines"
	case old.Inlets != n.Inlets:
		return "inlets"
	case old.OutletWiring != n.OutletWiring:
		return "outlet_wiring"
	case ptrDiffers(old.PrimaryVoltage, n.PrimaryVoltage):
		return "primary_voltage"
	case ptrDiffers(old.DeviceID, n.DeviceID):
		return "device_id"
	}
	return "kind"
}

// edgeEnds lists the other ends of node id's edges: its inputs (column to_id) or its outputs
// (column from_id).
func (t *tx) edgeEnds(ctx context.Context, column string, id int64) ([]int64, error) {
	other := "from_id"
	if column == "from_id" {
		other = "to_id"
	}
	rows, err := t.QueryContext(ctx, "SELECT "+other+" FROM power_edges WHERE "+column+" = $1 ORDER BY priority, id", id)
	if err != nil {
		return nil, fmt.Errorf("edges of power node %d: %w", id, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// recheckPorts checks the device ports plugged into node n (directly, or into the outlets of its
// rack PDU device) against it after a change.
func (t *tx) recheckPorts(ctx context.Context, pn *power.Node, n *dcim.PowerNode, field string) error {
	q := "SELECT p.id, p.name, p.lines, p.voltage, '' FROM power_ports p WHERE p.power_node_id = $1"
	args := []any{n.ID}
	if n.DeviceID != nil {
		q += " UNION ALL SELECT p.id, p.name, p.lines, p.voltage, o.feed_leg FROM power_ports p JOIN power_outlets o ON o.id = p.outlet_id WHERE o.device_id = $2"
		args = append(args, *n.DeviceID)
	}
	rows, err := t.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("ports on power node %d: %w", n.ID, err)
	}
	type plugged struct {
		id          int64
		name, lines string
		volts       sql.NullFloat64
		leg         string
	}
	var ports []plugged
	for rows.Next() {
		var p plugged
		if err := rows.Scan(&p.id, &p.name, &p.lines, &p.volts, &p.leg); err != nil {
			rows.Close()
			return err
		}
		ports = append(ports, p)
	}
	rows.Close()
	for _, p := range ports {
		lines := pn.PortLines(p.leg)
		if p.leg == "" && p.lines != "" {
			if l, err := power.ParseLines(p.lines); err == nil {
				lines = l
			}
		}
		if err := power.CheckPort(pn, lines, p.volts.Float64); err != nil {
			return dcim.Conflict(field, dcim.ObjectRef{Type: dcim.TypePowerPort, ID: p.id, Name: p.name},
				"power port %d (%q) plugged into %s would no longer fit: %s", p.id, p.name, n.Name, err.Error())
		}
	}
	return nil
}

func checkPowerEdge(ctx context.Context, t *tx, _, e *dcim.PowerEdge) error {
	from, err := mustGet(ctx, t, powerNodeTable, e.FromID, "from_id", true)
	if err != nil {
		return err
	}
	to, err := mustGet(ctx, t, powerNodeTable, e.ToID, "to_id", true)
	if err != nil {
		return err
	}
	if from.SiteID != to.SiteID {
		return dcim.Conflict("to_id", dcim.ObjectRef{Type: dcim.TypePowerNode, ID: to.ID, Name: to.Name},
			"%s and %s are in different sites", from.Name, to.Name)
	}
	if e.Description == "" {
		e.Description = from.Name + " → " + to.Name
	}
	var inputs int
	if err := t.QueryRowContext(ctx, "SELECT COUNT(*) FROM power_edges WHERE to_id = $1 AND id <> $2", e.ToID, e.ID).Scan(&inputs); err != nil {
		return err
	}
	up, down := power.FromModel(from), power.FromModel(to)
	if err := power.CheckEdge(&up, &down, inputs); err != nil {
		var we *power.WiringError
		field := "to_id"
		if errors.As(err, &we) && we.Field == "from_id" {
			field = "from_id"
		}
		return wiringError(ctx, t, err, field)
	}
	// A loop: the upstream node is already downstream of the node it would feed.
	var loop int64
	err = t.QueryRowContext(ctx, `WITH RECURSIVE down(id) AS (
			SELECT to_id FROM power_edges WHERE from_id = $1 AND id <> $3
			UNION SELECT e.to_id FROM power_edges e JOIN down d ON e.from_id = d.id WHERE e.id <> $3)
		SELECT id FROM down WHERE id = $2 LIMIT 1`, e.ToID, e.FromID, e.ID).Scan(&loop)
	switch {
	case err == nil:
		return dcim.Conflict("from_id", dcim.ObjectRef{Type: dcim.TypePowerNode, ID: from.ID, Name: from.Name},
			"%s feeds %s through the chain already: this edge would close a loop", to.Name, from.Name)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("loop check: %w", err)
	}
	return nil
}

func checkPowerPort(ctx context.Context, t *tx, old, p *dcim.PowerPort) error {
	if old == nil {
		return dcim.Errorf(dcim.EInvalid, "power ports are created with their device")
	}
	switch {
	case p.DeviceID != old.DeviceID:
		return dcim.Invalid("device_id", "a power port belongs to its device for good")
	case p.Name != old.Name:
		return dcim.Invalid("name", "comes from the device type and cannot change")
	case p.Type != old.Type:
		return dcim.Invalid("type", "comes from the device type and cannot change")
	}
	dev, err := mustGet(ctx, t, deviceTable, p.DeviceID, "device_id", false)
	if err != nil {
		return err
	}
	feed := dcim.PowerFeed{OutletID: p.OutletID, PowerNodeID: p.PowerNodeID, Lines: p.Lines, Voltage: p.Voltage}
	var outlets map[int64]outletInfo
	if p.OutletID != nil {
		if outlets, err = t.outletsInfo(ctx, []int64{*p.OutletID}); err != nil {
			return err
		}
	}
	lines, err := t.plug(ctx, dev, p.ID, feed, outlets, "")
	p.Lines = lines
	return err
}

// outletInfo is what plugging into an outlet needs to know of it.
type outletInfo struct {
	id, device int64
	name, leg  string
	takenBy    int64 // the port plugged into it, or 0
	takenName  string
}

// outletsInfo reads outlets with the port plugged into each. While the transaction only creates,
// it keeps every outlet of the PDUs it has read (plugging a rack full of servers into two PDUs reads
// each PDU once) and notes the ports it plugs in.
func (t *tx) outletsInfo(ctx context.Context, ids []int64) (map[int64]outletInfo, error) {
	var missing []int64
	for _, id := range ids {
		if _, ok := t.outlets[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		in, args := inList(0, missing)
		rows, err := t.QueryContext(ctx, `SELECT o.id, o.device_id, o.name, o.feed_leg, COALESCE(p.id, 0), COALESCE(p.name, '')
			FROM power_outlets o LEFT JOIN power_ports p ON p.outlet_id = o.id
			WHERE o.device_id IN (SELECT device_id FROM power_outlets WHERE id IN `+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("outlets: %w", err)
		}
		defer rows.Close()
		if t.outlets == nil {
			t.outlets = map[int64]outletInfo{}
		}
		for rows.Next() {
			var o outletInfo
			if err := rows.Scan(&o.id, &o.device, &o.name, &o.leg, &o.takenBy, &o.takenName); err != nil {
				return nil, err
			}
			t.outlets[o.id] = o
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return t.outlets, nil
}

// pluggedIn notes in the transaction's view of outlets that port now takes outlet.
func (t *tx) pluggedIn(outlet, port int64, name string) {
	if o, ok := t.outlets[outlet]; ok {
		o.takenBy, o.takenName = port, name
		t.outlets[outlet] = o
	}
}

// plug checks plugging power port portID of device dev as feed says (outlets holds the outlet it
// names) and returns the lines of the supply the port is then across ("" where the chain does not
// know the outlet's PDU). Errors are on fields under prefix ("power_feeds[1]." for a new device).
func (t *tx) plug(ctx context.Context, dev *dcim.Device, portID int64, feed dcim.PowerFeed, outlets map[int64]outletInfo, prefix string) (string, error) {
	volts := 0.0
	if feed.Voltage != nil {
		volts = *feed.Voltage
	}
	switch {
	case feed.OutletID != nil:
		outlet, ok := outlets[*feed.OutletID]
		if !ok {
			return "", dcim.Invalid(prefix+"outlet_id", "power outlet %d does not exist", *feed.OutletID)
		}
		if outlet.device == dev.ID {
			return "", dcim.Invalid(prefix+"outlet_id", "device %q cannot power itself", dev.Name)
		}
		if outlet.takenBy != 0 && outlet.takenBy != portID {
			return "", dcim.Conflict(prefix+"outlet_id", dcim.ObjectRef{Type: dcim.TypePowerPort, ID: outlet.takenBy, Name: outlet.takenName},
				"outlet %q is taken by power port %d (%q)", outlet.name, outlet.takenBy, outlet.takenName)
		}
		pdu, err := mustGet(ctx, t, deviceTable, outlet.device, prefix+"outlet_id", false)
		if err != nil {
			return "", err
		}
		if pdu.SiteID != dev.SiteID {
			return "", dcim.Invalid(prefix+"outlet_id", "outlet %q is on device %q in another site", outlet.name, pdu.Name)
		}
		node, err := t.nodeOfDevice(ctx, outlet.device)
		if err != nil || node == nil {
			return "", err // a PDU not (yet) in the chain: nothing to check it against
		}
		pn := power.FromModel(node)
		lines := pn.PortLines(outlet.leg)
		if err := power.CheckPort(&pn, lines, volts); err != nil {
			return "", wiringError(ctx, t, err, prefix+"voltage")
		}
		return lines.String(), nil
	case feed.PowerNodeID != nil:
		node, err := mustGet(ctx, t, powerNodeTable, *feed.PowerNodeID, prefix+"power_node_id", false)
		if err != nil {
			return "", err
		}
		if node.SiteID != dev.SiteID {
			return "", dcim.Invalid(prefix+"power_node_id", "power node %q is in another site", node.Name)
		}
		pn := power.FromModel(node)
		lines := power.ThreePhase
		switch {
		case pn.Phases == 1:
			lines = power.Lines{A: 0, B: -1}
		case feed.Lines != "":
			if lines, err = power.ParseLines(feed.Lines); err != nil {
				return "", dcim.Invalid(prefix+"lines", "%s", err.Error())
			}
		}
		if err := power.CheckPort(&pn, lines, volts); err != nil {
			f := prefix + "power_node_id"
			var we *power.WiringError
			if errors.As(err, &we) && we.Field == "voltage" {
				f = prefix + "voltage"
			}
			return "", wiringError(ctx, t, err, f)
		}
		if pn.Phases == 1 {
			return "", nil
		}
		return lines.String(), nil
	}
	return "", nil
}

// nodeOfDevice is the rack-PDU power node that device id is, or nil; read once per transaction
// while it only creates.
func (t *tx) nodeOfDevice(ctx context.Context, deviceID int64) (*dcim.PowerNode, error) {
	if n, ok := t.pduNodes[deviceID]; ok {
		return n, nil
	}
	rows, err := t.QueryContext(ctx, powerNodeTable.selectSQL()+" WHERE device_id = $1", deviceID)
	if err != nil {
		return nil, fmt.Errorf("power node of device %d: %w", deviceID, err)
	}
	nodes, err := powerNodeTable.scanAll(rows)
	if err != nil {
		return nil, err
	}
	var n *dcim.PowerNode
	if len(nodes) > 0 {
		n = &nodes[0]
	}
	if t.pduNodes == nil {
		t.pduNodes = map[int64]*dcim.PowerNode{}
	}
	t.pduNodes[deviceID] = n
	return n, nil
}

func checkCoolingZone(ctx context.Context, t *tx, _, z *dcim.CoolingZone) error {
	room, err := mustGet(ctx, t, roomTable, z.RoomID, "room_id", false)
	if err != nil {
		return err
	}
	z.SiteID = room.SiteID
	for i, id := range z.RackIDs {
		field := fmt.Sprintf("rack_ids[%d]", i)
		rack, err := mustGet(ctx, t, rackTable, id, field, false)
		if err != nil {
			return err
		}
		if rack.RoomID != z.RoomID {
			return dcim.Invalid(field, "rack %q is in another room", rack.Name)
		}
	}
	return nil
}

func checkCoolingUnit(ctx context.Context, t *tx, _, u *dcim.CoolingUnit) error {
	room, err := mustGet(ctx, t, roomTable, u.RoomID, "room_id", false)
	if err != nil {
		return err
	}
	u.SiteID = room.SiteID
	if u.ZoneID != nil {
		z, err := mustGet(ctx, t, coolingZoneTable, *u.ZoneID, "zone_id", false)
		if err != nil {
			return err
		}
		if z.RoomID != u.RoomID {
			return dcim.Invalid("zone_id", "cooling zone %q is in another room", z.Name)
		}
	}
	if u.PowerNodeID != nil {
		n, err := mustGet(ctx, t, powerNodeTable, *u.PowerNodeID, "power_node_id", false)
		if err != nil {
			return err
		}
		if n.SiteID != u.SiteID {
			return dcim.Invalid("power_node_id", "power node %q is in another site", n.Name)
		}
	}
	if u.RackID != nil {
		r, err := mustGet(ctx, t, rackTable, *u.RackID, "rack_id", false)
		if err != nil {
			return err
		}
		if r.RoomID != u.RoomID {
			return dcim.Invalid("rack_id", "rack %q is in another room", r.Name)
		}
	}
	return nil
}

func checkSensorPoint(ctx context.Context, t *tx, _, s *dcim.SensorPoint) error {
	room, err := mustGet(ctx, t, roomTable, s.RoomID, "room_id", false)
	if err != nil {
		return err
	}
	s.SiteID = room.SiteID
	if s.RackID != nil {
		r, err := mustGet(ctx, t, rackTable, *s.RackID, "rack_id", false)
		if err != nil {
			return err
		}
		if r.RoomID != s.RoomID {
			return dcim.Invalid("rack_id", "rack %q is in another room", r.Name)
		}
	}
	if s.CoolingUnitID != nil {
		u, err := mustGet(ctx, t, coolingUnitTable, *s.CoolingUnitID, "cooling_unit_id", false)
		if err != nil {
			return err
		}
		if u.RoomID != s.RoomID {
			return dcim.Invalid("cooling_unit_id", "cooling unit %q is in another room", u.Name)
		}
	}
	return nil
}
