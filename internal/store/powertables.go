package store

import "github.com/plenum-dcim/plenum/internal/dcim"

// The power chain, cooling and sensor points. Their rules are in powerchecks.go.

var powerNodeTable = &table[dcim.PowerNode]{
	name: "power_nodes", objType: dcim.TypePowerNode,
	columns: []column[dcim.PowerNode]{
		col("site_id", func(v *dcim.PowerNode) any { return &v.SiteID }),
		col("room_id", func(v *dcim.PowerNode) any { return &v.RoomID }),
		col("name", func(v *dcim.PowerNode) any { return &v.Name }),
		col("kind", func(v *dcim.PowerNode) any { return &v.Kind }),
		col("status", func(v *dcim.PowerNode) any { return &v.Status }),
		col("side", func(v *dcim.PowerNode) any { return &v.Side }),
		col("phases", func(v *dcim.PowerNode) any { return &v.Phases }),
		col("voltage", func(v *dcim.PowerNode) any { return &v.Voltage }),
		col("lines", func(v *dcim.PowerNode) any { return &v.Lines }),
		col("outlet_wiring", func(v *dcim.PowerNode) any { return &v.OutletWiring }),
		col("primary_voltage", func(v *dcim.PowerNode) any { return &v.PrimaryVoltage }),
		col("rated_kw", func(v *dcim.PowerNode) any { return &v.RatedKW }),
		col("rated_kva", func(v *dcim.PowerNode) any { return &v.RatedKVA }),
		col("rated_amps", func(v *dcim.PowerNode) any { return &v.RatedAmps }),
		col("power_factor", func(v *dcim.PowerNode) any { return &v.PowerFactor }),
		col("derating", func(v *dcim.PowerNode) any { return &v.Derating }),
		col("modules", func(v *dcim.PowerNode) any { return &v.Modules }),
		col("module_kw", func(v *dcim.PowerNode) any { return &v.ModuleKW }),
		col("redundant_modules", func(v *dcim.PowerNode) any { return &v.RedundantModules }),
		col("inlets", func(v *dcim.PowerNode) any { return &v.Inlets }),
		col("device_id", func(v *dcim.PowerNode) any { return &v.DeviceID }),
		col("description", func(v *dcim.PowerNode) any { return &v.Description }),
		col("comments", func(v *dcim.PowerNode) any { return &v.Comments }),
	},
	meta:      func(v *dcim.PowerNode) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.PowerNode) *[]string { return &v.Tags },
	repr:      func(v *dcim.PowerNode) string { return v.Name },
	normalize: (*dcim.PowerNode).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "site_id": {"site_id", filterInt},
		"room_id": {"room_id", filterInt}, "kind": {"kind", filterString}, "side": {"side", filterString},
		"status": {"status", filterString}, "phases": {"phases", filterInt}, "device_id": {"device_id", filterInt}},
	search:    []string{"name", "description"},
	orderings: []string{"name", "kind", "side", "site_id", "room_id", "created", "last_updated"},
	uniques:   []unique{{"name", []string{"site_id", "name"}}, {"device_id", []string{"device_id"}}},
	refs: []ref{{"site_id", "site_id", "sites", dcim.TypeSite}, {"room_id", "room_id", "rooms", dcim.TypeRoom},
		{"device_id", "device_id", "devices", dcim.TypeDevice}},
	deps: []dependent{
		{table: "power_edges", column: "from_id", objType: dcim.TypePowerEdge, nameExpr: "description"},
		{table: "power_edges", column: "to_id", objType: dcim.TypePowerEdge, nameExpr: "description"},
		{"power_ports", "power_node_id", dcim.TypePowerPort, "name", ""},
		{"cooling_units", "power_node_id", dcim.TypeCoolingUnit, "name", ""},
		{"poll_targets", "power_node_id", dcim.TypePollTarget, "name", ""},
		{"meters", "power_node_id", dcim.TypeMeter, "name", ""},
	},
}

var powerEdgeTable = &table[dcim.PowerEdge]{
	name: "power_edges", objType: dcim.TypePowerEdge, nameColumn: "description",
	columns: []column[dcim.PowerEdge]{
		col("from_id", func(v *dcim.PowerEdge) any { return &v.FromID }),
		col("to_id", func(v *dcim.PowerEdge) any { return &v.ToID }),
		col("priority", func(v *dcim.PowerEdge) any { return &v.Priority }),
		col("description", func(v *dcim.PowerEdge) any { return &v.Description }),
	},
	meta:      func(v *dcim.PowerEdge) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.PowerEdge) *[]string { return &v.Tags },
	repr:      func(v *dcim.PowerEdge) string { return v.Description },
	normalize: (*dcim.PowerEdge).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "from_id": {"from_id", filterInt}, "to_id": {"to_id", filterInt},
		"priority": {"priority", filterInt}},
	search:    []string{"description"},
	orderings: []string{"from_id", "to_id", "priority", "created"},
	uniques:   []unique{{"to_id", []string{"from_id", "to_id"}}},
	refs:      []ref{{"from_id", "from_id", "power_nodes", dcim.TypePowerNode}, {"to_id", "to_id", "power_nodes", dcim.TypePowerNode}},
}

var coolingZoneTable = &table[dcim.CoolingZone]{
	name: "cooling_zones", objType: dcim.TypeCoolingZone,
	columns: []column[dcim.CoolingZone]{
		col("site_id", func(v *dcim.CoolingZone) any { return &v.SiteID }),
		col("room_id", func(v *dcim.CoolingZone) any { return &v.RoomID }),
		col("name", func(v *dcim.CoolingZone) any { return &v.Name }),
		col("redundancy", func(v *dcim.CoolingZone) any { return &v.Redundancy }),
		col("rack_ids", func(v *dcim.CoolingZone) any { return &jsonColumn{&v.RackIDs} }),
		col("description", func(v *dcim.CoolingZone) any { return &v.Description }),
	},
	meta:      func(v *dcim.CoolingZone) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.CoolingZone) *[]string { return &v.Tags },
	repr:      func(v *dcim.CoolingZone) string { return v.Name },
	normalize: (*dcim.CoolingZone).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "site_id": {"site_id", filterInt},
		"room_id": {"room_id", filterInt}, "redundancy": {"redundancy", filterString}},
	search:    []string{"name", "description"},
	orderings: []string{"name", "room_id", "created"},
	uniques:   []unique{{"name", []string{"room_id", "name"}}},
	refs:      []ref{{"room_id", "room_id", "rooms", dcim.TypeRoom}},
	deps:      []dependent{{"cooling_units", "zone_id", dcim.TypeCoolingUnit, "name", ""}},
}

var coolingUnitTable = &table[dcim.CoolingUnit]{
	name: "cooling_units", objType: dcim.TypeCoolingUnit,
	columns: []column[dcim.CoolingUnit]{
		col("site_id", func(v *dcim.CoolingUnit) any { return &v.SiteID }),
		col("room_id", func(v *dcim.CoolingUnit) any { return &v.RoomID }),
		col("zone_id", func(v *dcim.CoolingUnit) any { return &v.ZoneID }),
		col("name", func(v *dcim.CoolingUnit) any { return &v.Name }),
		col("kind", func(v *dcim.CoolingUnit) any { return &v.Kind }),
		col("status", func(v *dcim.CoolingUnit) any { return &v.Status }),
		col("capacity_kw", func(v *dcim.CoolingUnit) any { return &v.CapacityKW }),
		col("power_node_id", func(v *dcim.CoolingUnit) any { return &v.PowerNodeID }),
		col("rack_id", func(v *dcim.CoolingUnit) any { return &v.RackID }),
		col("description", func(v *dcim.CoolingUnit) any { return &v.Description }),
	},
	meta:      func(v *dcim.CoolingUnit) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.CoolingUnit) *[]string { return &v.Tags },
	repr:      func(v *dcim.CoolingUnit) string { return v.Name },
	normalize: (*dcim.CoolingUnit).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "site_id": {"site_id", filterInt},
		"room_id": {"room_id", filterInt}, "zone_id": {"zone_id", filterInt}, "kind": {"kind", filterString},
		"status": {"status", filterString}, "power_node_id": {"power_node_id", filterInt}, "rack_id": {"rack_id", filterInt}},
	search:    []string{"name", "description"},
	orderings: []string{"name", "kind", "room_id", "zone_id", "capacity_kw", "created"},
	uniques:   []unique{{"name", []string{"site_id", "name"}}},
	refs: []ref{{"room_id", "room_id", "rooms", dcim.TypeRoom}, {"zone_id", "zone_id", "cooling_zones", dcim.TypeCoolingZone},
		{"power_node_id", "power_node_id", "power_nodes", dcim.TypePowerNode}, {"rack_id", "rack_id", "racks", dcim.TypeRack}},
	deps: []dependent{{"sensor_points", "cooling_unit_id", dcim.TypeSensorPoint, "name", ""},
		{"poll_targets", "cooling_unit_id", dcim.TypePollTarget, "name", ""},
		{"meters", "cooling_unit_id", dcim.TypeMeter, "name", ""}},
}

var sensorPointTable = &table[dcim.SensorPoint]{
	name: "sensor_points", objType: dcim.TypeSensorPoint,
	columns: []column[dcim.SensorPoint]{
		col("site_id", func(v *dcim.SensorPoint) any { return &v.SiteID }),
		col("room_id", func(v *dcim.SensorPoint) any { return &v.RoomID }),
		col("rack_id", func(v *dcim.SensorPoint) any { return &v.RackID }),
		col("cooling_unit_id", func(v *dcim.SensorPoint) any { return &v.CoolingUnitID }),
		col("name", func(v *dcim.SensorPoint) any { return &v.Name }),
		col("kind", func(v *dcim.SensorPoint) any { return &v.Kind }),
		col("quantity", func(v *dcim.SensorPoint) any { return &v.Quantity }),
		col("description", func(v *dcim.SensorPoint) any { return &v.Description }),
	},
	meta:      func(v *dcim.SensorPoint) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.SensorPoint) *[]string { return &v.Tags },
	repr:      func(v *dcim.SensorPoint) string { return v.Name },
	normalize: (*dcim.SensorPoint).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "site_id": {"site_id", filterInt},
		"room_id": {"room_id", filterInt}, "rack_id": {"rack_id", filterInt}, "cooling_unit_id": {"cooling_unit_id", filterInt},
		"kind": {"kind", filterString}, "quantity": {"quantity", filterString}},
	search:    []string{"name", "description"},
	orderings: []string{"name", "kind", "rack_id", "created"},
	uniques:   []unique{{"name", []string{"site_id", "name"}}},
	refs: []ref{{"room_id", "room_id", "rooms", dcim.TypeRoom}, {"rack_id", "rack_id", "racks", dcim.TypeRack},
		{"cooling_unit_id", "cooling_unit_id", "cooling_units", dcim.TypeCoolingUnit}},
	deps: []dependent{{"poll_targets", "sensor_point_id", dcim.TypePollTarget, "name", ""}},
}

// PowerNodes returns the power-node operations.
func (s *Store) PowerNodes() Resource[dcim.PowerNode] {
	return Resource[dcim.PowerNode]{s, powerNodeTable}
}

// PowerEdges returns the power-edge operations.
func (s *Store) PowerEdges() Resource[dcim.PowerEdge] {
	return Resource[dcim.PowerEdge]{s, powerEdgeTable}
}

// CoolingZones returns the cooling-zone operations.
func (s *Store) CoolingZones() Resource[dcim.CoolingZone] {
	return Resource[dcim.CoolingZone]{s, coolingZoneTable}
}

// CoolingUnits returns the cooling-unit operations.
func (s *Store) CoolingUnits() Resource[dcim.CoolingUnit] {
	return Resource[dcim.CoolingUnit]{s, coolingUnitTable}
}

// SensorPoints returns the sensor-point operations.
func (s *Store) SensorPoints() Resource[dcim.SensorPoint] {
	return Resource[dcim.SensorPoint]{s, sensorPointTable}
}
