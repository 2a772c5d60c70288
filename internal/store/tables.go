package store

import (
	"github.com/plenum-dcim/plenum/internal/dcim"
)

// The tables: columns, filters and the references and dependents the generic checks enforce. The
// rules that need other objects live in checks.go.

func col[T any](name string, field func(*T) any) column[T] {
	return column[T]{name: name, field: field}
}

var tenantTable = &table[dcim.Tenant]{
	name: "tenants", objType: dcim.TypeTenant,
	columns: []column[dcim.Tenant]{
		col("name", func(v *dcim.Tenant) any { return &v.Name }),
		col("slug", func(v *dcim.Tenant) any { return &v.Slug }),
		col("description", func(v *dcim.Tenant) any { return &v.Description }),
		col("comments", func(v *dcim.Tenant) any { return &v.Comments }),
	},
	meta:      func(v *dcim.Tenant) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.Tenant) *[]string { return &v.Tags },
	repr:      func(v *dcim.Tenant) string { return v.Name },
	normalize: (*dcim.Tenant).Normalize,
	filters:   map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "slug": {"slug", filterString}},
	search:    []string{"name", "slug", "description"},
	orderings: []string{"name", "slug", "created", "last_updated"},
	uniques:   []unique{{"name", []string{"name"}}, {"slug", []string{"slug"}}},
	deps: []dependent{
		{"sites", "tenant_id", dcim.TypeSite, "name", ""},
		{"rooms", "tenant_id", dcim.TypeRoom, "name", ""},
		{"racks", "tenant_id", dcim.TypeRack, "name", ""},
		{"rack_reservations", "tenant_id", dcim.TypeRackReservation, "description", ""},
		{"meters", "tenant_id", dcim.TypeMeter, "name", ""},
		{"devices", "tenant_id", dcim.TypeDevice, "name", ""},
	},
}

var tagTable = &table[dcim.Tag]{
	name: "tags", objType: dcim.TypeTag,
	columns: []column[dcim.Tag]{
		col("name", func(v *dcim.Tag) any { return &v.Name }),
		col("slug", func(v *dcim.Tag) any { return &v.Slug }),
		col("color", func(v *dcim.Tag) any { return &v.Color }),
		col("description", func(v *dcim.Tag) any { return &v.Description }),
	},
	meta:      func(v *dcim.Tag) *dcim.Meta { return &v.Meta },
	repr:      func(v *dcim.Tag) string { return v.Name },
	normalize: (*dcim.Tag).Normalize,
	filters:   map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "slug": {"slug", filterString}, "color": {"color", filterString}},
	search:    []string{"name", "slug", "description"},
	orderings: []string{"name", "slug"},
	uniques:   []unique{{"name", []string{"name"}}, {"slug", []string{"slug"}}},
	deps:      []dependent{{table: "tagged_items", column: "tag_id", objType: "tagged object", nameExpr: "object_type", idExpr: "object_id"}},
}

var siteTable = &table[dcim.Site]{
	name: "sites", objType: dcim.TypeSite,
	columns: []column[dcim.Site]{
		col("name", func(v *dcim.Site) any { return &v.Name }),
		col("slug", func(v *dcim.Site) any { return &v.Slug }),
		col("status", func(v *dcim.Site) any { return &v.Status }),
		col("facility", func(v *dcim.Site) any { return &v.Facility }),
		col("tenant_id", func(v *dcim.Site) any { return &v.TenantID }),
		col("time_zone", func(v *dcim.Site) any { return &v.TimeZone }),
		col("physical_address", func(v *dcim.Site) any { return &v.PhysicalAddress }),
		col("latitude", func(v *dcim.Site) any { return &v.Latitude }),
		col("longitude", func(v *dcim.Site) any { return &v.Longitude }),
		col("grid_region", func(v *dcim.Site) any { return &v.GridRegion }),
		col("emission_factor", func(v *dcim.Site) any { return &v.EmissionFactor }),
		col("emission_factor_source", func(v *dcim.Site) any { return &v.EmissionFactorSource }),
		col("emission_factor_year", func(v *dcim.Site) any { return &v.EmissionFactorYear }),
		col("supply_voltage_ln", func(v *dcim.Site) any { return &v.SupplyVoltageLN }),
		col("supply_voltage_ll", func(v *dcim.Site) any { return &v.SupplyVoltageLL }),
		col("supply_frequency", func(v *dcim.Site) any { return &v.SupplyFrequency }),
		col("allocated_fraction", func(v *dcim.Site) any { return &v.AllocatedFraction }),
		col("description", func(v *dcim.Site) any { return &v.Description }),
		col("comments", func(v *dcim.Site) any { return &v.Comments }),
	},
	meta:      func(v *dcim.Site) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.Site) *[]string { return &v.Tags },
	repr:      func(v *dcim.Site) string { return v.Name },
	normalize: (*dcim.Site).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "slug": {"slug", filterString},
		"status": {"status", filterString}, "tenant_id": {"tenant_id", filterInt}, "grid_region": {"grid_region", filterString}, "facility": {"facility", filterString}},
	search:    []string{"name", "slug", "facility", "physical_address", "description"},
	orderings: []string{"name", "status", "created", "last_updated"},
	uniques:   []unique{{"name", []string{"name"}}, {"slug", []string{"slug"}}},
	refs:      []ref{{"tenant_id", "tenant_id", "tenants", dcim.TypeTenant}},
	deps: []dependent{
		{"rooms", "site_id", dcim.TypeRoom, "name", ""},
		{"devices", "site_id", dcim.TypeDevice, "name", ""},
		{"power_nodes", "site_id", dcim.TypePowerNode, "name", ""},
		{"poll_targets", "site_id", dcim.TypePollTarget, "name", ""},
		{"meters", "site_id", dcim.TypeMeter, "name", ""},
		{"energy_certificates", "site_id", dcim.TypeEnergyCertificate, "reference", ""},
	},
}

var roomTable = &table[dcim.Room]{
	name: "rooms", objType: dcim.TypeRoom,
	columns: []column[dcim.Room]{
		col("site_id", func(v *dcim.Room) any { return &v.SiteID }),
		col("name", func(v *dcim.Room) any { return &v.Name }),
		col("kind", func(v *dcim.Room) any { return &v.Kind }),
		col("status", func(v *dcim.Room) any { return &v.Status }),
		col("tile_size", func(v *dcim.Room) any { return &v.TileSize }),
		col("grid_rows", func(v *dcim.Room) any { return &v.GridRows }),
		col("grid_columns", func(v *dcim.Room) any { return &v.GridColumns }),
		col("floor_load_rating", func(v *dcim.Room) any { return &v.FloorLoadRating }),
		col("thermal_class", func(v *dcim.Room) any { return &v.ThermalClass }),
		col("tenant_id", func(v *dcim.Room) any { return &v.TenantID }),
		col("description", func(v *dcim.Room) any { return &v.Description }),
	},
	meta:      func(v *dcim.Room) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.Room) *[]string { return &v.Tags },
	repr:      func(v *dcim.Room) string { return v.Name },
	normalize: (*dcim.Room).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "site_id": {"site_id", filterInt},
		"kind": {"kind", filterString}, "status": {"status", filterString}, "tenant_id": {"tenant_id", filterInt},
		"thermal_class": {"thermal_class", filterString}},
	search:    []string{"name", "description"},
	orderings: []string{"name", "site_id", "created", "last_updated"},
	uniques:   []unique{{"name", []string{"site_id", "name"}}},
	refs:      []ref{{"site_id", "site_id", "sites", dcim.TypeSite}, {"tenant_id", "tenant_id", "tenants", dcim.TypeTenant}},
	deps: []dependent{
		{"rack_rows", "room_id", dcim.TypeRow, "name", ""},
		{"racks", "room_id", dcim.TypeRack, "name", ""},
		{"power_nodes", "room_id", dcim.TypePowerNode, "name", ""},
		{"cooling_zones", "room_id", dcim.TypeCoolingZone, "name", ""},
		{"cooling_units", "room_id", dcim.TypeCoolingUnit, "name", ""},
		{"sensor_points", "room_id", dcim.TypeSensorPoint, "name", ""},
		{"meters", "room_id", dcim.TypeMeter, "name", ""},
	},
}

var rowTable = &table[dcim.Row]{
	name: "rack_rows", objType: dcim.TypeRow,
	columns: []column[dcim.Row]{
		col("room_id", func(v *dcim.Row) any { return &v.RoomID }),
		col("site_id", func(v *dcim.Row) any { return &v.SiteID }),
		col("name", func(v *dcim.Row) any { return &v.Name }),
		col("aisle", func(v *dcim.Row) any { return &v.Aisle }),
		col("description", func(v *dcim.Row) any { return &v.Description }),
	},
	meta:      func(v *dcim.Row) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.Row) *[]string { return &v.Tags },
	repr:      func(v *dcim.Row) string { return v.Name },
	normalize: (*dcim.Row).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "room_id": {"room_id", filterInt},
		"site_id": {"site_id", filterInt}, "aisle": {"aisle", filterString}},
	search:    []string{"name", "description"},
	orderings: []string{"name", "room_id"},
	uniques:   []unique{{"name", []string{"room_id", "name"}}},
	refs:      []ref{{"room_id", "room_id", "rooms", dcim.TypeRoom}},
	deps:      []dependent{{"racks", "row_id", dcim.TypeRack, "name", ""}},
}

var rackTable = &table[dcim.Rack]{
	name: "racks", objType: dcim.TypeRack,
	columns: []column[dcim.Rack]{
		col("name", func(v *dcim.Rack) any { return &v.Name }),
		col("facility_id", func(v *dcim.Rack) any { return &v.FacilityID }),
		col("site_id", func(v *dcim.Rack) any { return &v.SiteID }),
		col("room_id", func(v *dcim.Rack) any { return &v.RoomID }),
		col("row_id", func(v *dcim.Rack) any { return &v.RowID }),
		col("tenant_id", func(v *dcim.Rack) any { return &v.TenantID }),
		col("status", func(v *dcim.Rack) any { return &v.Status }),
		col("role", func(v *dcim.Rack) any { return &v.Role }),
		col("serial", func(v *dcim.Rack) any { return &v.Serial }),
		col("asset_tag", func(v *dcim.Rack) any { return &v.AssetTag }),
		col("u_height", func(v *dcim.Rack) any { return &v.UHeight }),
		col("starting_unit", func(v *dcim.Rack) any { return &v.StartingUnit }),
		col("desc_units", func(v *dcim.Rack) any { return &v.DescUnits }),
		col("width", func(v *dcim.Rack) any { return &v.Width }),
		col("outer_width", func(v *dcim.Rack) any { return &v.OuterWidth }),
		col("outer_depth", func(v *dcim.Rack) any { return &v.OuterDepth }),
		col("outer_height", func(v *dcim.Rack) any { return &v.OuterHeight }),
		col("outer_unit", func(v *dcim.Rack) any { return &v.OuterUnit }),
		col("weight", func(v *dcim.Rack) any { return &v.Weight }),
		col("max_weight", func(v *dcim.Rack) any { return &v.MaxWeight }),
		col("weight_unit", func(v *dcim.Rack) any { return &v.WeightUnit }),
		col("airflow", func(v *dcim.Rack) any { return &v.Airflow }),
		col("grid_row", func(v *dcim.Rack) any { return &v.GridRow }),
		col("grid_column", func(v *dcim.Rack) any { return &v.GridColumn }),
		col("description", func(v *dcim.Rack) any { return &v.Description }),
		col("comments", func(v *dcim.Rack) any { return &v.Comments }),
	},
	meta:      func(v *dcim.Rack) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.Rack) *[]string { return &v.Tags },
	repr:      func(v *dcim.Rack) string { return v.Name },
	normalize: (*dcim.Rack).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "facility_id": {"facility_id", filterString},
		"site_id": {"site_id", filterInt}, "room_id": {"room_id", filterInt}, "row_id": {"row_id", filterInt},
		"tenant_id": {"tenant_id", filterInt}, "status": {"status", filterString}, "role": {"role", filterString},
		"u_height": {"u_height", filterInt}, "serial": {"serial", filterString}, "asset_tag": {"asset_tag", filterString}},
	search:    []string{"name", "facility_id", "serial", "asset_tag", "description"},
	orderings: []string{"name", "facility_id", "room_id", "row_id", "status", "created", "last_updated"},
	uniques: []unique{{"name", []string{"room_id", "name"}}, {"facility_id", []string{"site_id", "facility_id"}},
		{"asset_tag", []string{"asset_tag"}}},
	refs: []ref{{"tenant_id", "tenant_id", "tenants", dcim.TypeTenant}},
	deps: []dependent{
		{"devices", "rack_id", dcim.TypeDevice, "name", ""},
		{"rack_reservations", "rack_id", dcim.TypeRackReservation, "description", ""},
		{"cooling_units", "rack_id", dcim.TypeCoolingUnit, "name", ""},
		{"sensor_points", "rack_id", dcim.TypeSensorPoint, "name", ""},
	},
}

var reservationTable = &table[dcim.RackReservation]{
	name: "rack_reservations", objType: dcim.TypeRackReservation, nameColumn: "description",
	columns: []column[dcim.RackReservation]{
		col("rack_id", func(v *dcim.RackReservation) any { return &v.RackID }),
		col("units", func(v *dcim.RackReservation) any { return &jsonColumn{&v.Units} }),
		col("tenant_id", func(v *dcim.RackReservation) any { return &v.TenantID }),
		col("description", func(v *dcim.RackReservation) any { return &v.Description }),
		col("expires", func(v *dcim.RackReservation) any { return &v.Expires }),
	},
	meta:      func(v *dcim.RackReservation) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.RackReservation) *[]string { return &v.Tags },
	repr:      func(v *dcim.RackReservation) string { return v.Description },
	normalize: (*dcim.RackReservation).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "rack_id": {"rack_id", filterInt}, "tenant_id": {"tenant_id", filterInt},
		"expires__isnull": {"expires", filterNull}},
	search:    []string{"description"},
	orderings: []string{"rack_id", "expires", "created"},
	refs:      []ref{{"tenant_id", "tenant_id", "tenants", dcim.TypeTenant}},
}

var manufacturerTable = &table[dcim.Manufacturer]{
	name: "manufacturers", objType: dcim.TypeManufacturer,
	columns: []column[dcim.Manufacturer]{
		col("name", func(v *dcim.Manufacturer) any { return &v.Name }),
		col("slug", func(v *dcim.Manufacturer) any { return &v.Slug }),
		col("description", func(v *dcim.Manufacturer) any { return &v.Description }),
	},
	meta:      func(v *dcim.Manufacturer) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.Manufacturer) *[]string { return &v.Tags },
	repr:      func(v *dcim.Manufacturer) string { return v.Name },
	normalize: (*dcim.Manufacturer).Normalize,
	filters:   map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "slug": {"slug", filterString}},
	search:    []string{"name", "slug", "description"},
	orderings: []string{"name", "slug"},
	uniques:   []unique{{"name", []string{"name"}}, {"slug", []string{"slug"}}},
	deps:      []dependent{{"device_types", "manufacturer_id", dcim.TypeDeviceType, "model", ""}},
}

var deviceTypeTable = &table[dcim.DeviceType]{
	name: "device_types", objType: dcim.TypeDeviceType, nameColumn: "model",
	columns: []column[dcim.DeviceType]{
		col("manufacturer_id", func(v *dcim.DeviceType) any { return &v.ManufacturerID }),
		col("model", func(v *dcim.DeviceType) any { return &v.Model }),
		col("slug", func(v *dcim.DeviceType) any { return &v.Slug }),
		col("part_number", func(v *dcim.DeviceType) any { return &v.PartNumber }),
		col("u_height", func(v *dcim.DeviceType) any { return &v.UHeight }),
		col("is_full_depth", func(v *dcim.DeviceType) any { return &v.IsFullDepth }),
		col("airflow", func(v *dcim.DeviceType) any { return &v.Airflow }),
		col("weight", func(v *dcim.DeviceType) any { return &v.Weight }),
		col("weight_unit", func(v *dcim.DeviceType) any { return &v.WeightUnit }),
		col("subdevice_role", func(v *dcim.DeviceType) any { return &v.SubdeviceRole }),
		col("description", func(v *dcim.DeviceType) any { return &v.Description }),
		col("comments", func(v *dcim.DeviceType) any { return &v.Comments }),
		col("power_ports", func(v *dcim.DeviceType) any { return &jsonColumn{&v.PowerPorts} }),
		col("power_outlets", func(v *dcim.DeviceType) any { return &jsonColumn{&v.PowerOutlets} }),
	},
	meta:      func(v *dcim.DeviceType) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.DeviceType) *[]string { return &v.Tags },
	repr:      func(v *dcim.DeviceType) string { return v.Model },
	normalize: (*dcim.DeviceType).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "manufacturer_id": {"manufacturer_id", filterInt}, "model": {"model", filterString},
		"slug": {"slug", filterString}, "part_number": {"part_number", filterString}, "is_full_depth": {"is_full_depth", filterBool},
		"airflow": {"airflow", filterString}, "subdevice_role": {"subdevice_role", filterString}},
	search:    []string{"model", "slug", "part_number", "description"},
	orderings: []string{"model", "manufacturer_id", "u_height", "slug"},
	uniques:   []unique{{"model", []string{"manufacturer_id", "model"}}, {"slug", []string{"manufacturer_id", "slug"}}},
	refs:      []ref{{"manufacturer_id", "manufacturer_id", "manufacturers", dcim.TypeManufacturer}},
	deps:      []dependent{{"devices", "device_type_id", dcim.TypeDevice, "name", ""}},
}

var deviceTable = &table[dcim.Device]{
	name: "devices", objType: dcim.TypeDevice,
	columns: []column[dcim.Device]{
		col("name", func(v *dcim.Device) any { return &v.Name }),
		col("device_type_id", func(v *dcim.Device) any { return &v.DeviceTypeID }),
		col("role", func(v *dcim.Device) any { return &v.Role }),
		col("status", func(v *dcim.Device) any { return &v.Status }),
		col("tenant_id", func(v *dcim.Device) any { return &v.TenantID }),
		col("serial", func(v *dcim.Device) any { return &v.Serial }),
		col("asset_tag", func(v *dcim.Device) any { return &v.AssetTag }),
		col("site_id", func(v *dcim.Device) any { return &v.SiteID }),
		col("rack_id", func(v *dcim.Device) any { return &v.RackID }),
		col("position", func(v *dcim.Device) any { return &v.Position }),
		col("face", func(v *dcim.Device) any { return &v.Face }),
		col("mount_side", func(v *dcim.Device) any { return &v.MountSide }),
		col("power_redundant", func(v *dcim.Device) any { return &v.PowerRedundant }),
		col("power_split", func(v *dcim.Device) any { return &v.PowerSplit }),
		col("airflow", func(v *dcim.Device) any { return &v.Airflow }),
		col("description", func(v *dcim.Device) any { return &v.Description }),
		col("comments", func(v *dcim.Device) any { return &v.Comments }),
	},
	meta:      func(v *dcim.Device) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.Device) *[]string { return &v.Tags },
	repr:      func(v *dcim.Device) string { return v.Name },
	normalize: (*dcim.Device).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "device_type_id": {"device_type_id", filterInt},
		"role": {"role", filterString}, "status": {"status", filterString}, "tenant_id": {"tenant_id", filterInt},
		"serial": {"serial", filterString}, "asset_tag": {"asset_tag", filterString}, "site_id": {"site_id", filterInt},
		"rack_id": {"rack_id", filterInt}, "face": {"face", filterString}, "position__isnull": {"position", filterNull}},
	search:    []string{"name", "serial", "asset_tag", "description"},
	orderings: []string{"name", "rack_id", "position", "status", "role", "created", "last_updated"},
	uniques:   []unique{{"name", []string{"site_id", "name"}}, {"asset_tag", []string{"asset_tag"}}},
	refs: []ref{{"device_type_id", "device_type_id", "device_types", dcim.TypeDeviceType}, {"site_id", "site_id", "sites", dcim.TypeSite},
		{"tenant_id", "tenant_id", "tenants", dcim.TypeTenant}},
	deps: []dependent{
		{"power_nodes", "device_id", dcim.TypePowerNode, "name", ""},
		{"poll_targets", "device_id", dcim.TypePollTarget, "name", ""},
		{"meters", "device_id", dcim.TypeMeter, "name", ""},
		{table: "power_ports p JOIN power_outlets o ON o.id = p.outlet_id", column: "o.device_id", objType: dcim.TypePowerPort,
			nameExpr: "p.name", idExpr: "p.id"},
	},
}

var powerPortTable = &table[dcim.PowerPort]{
	name: "power_ports", objType: dcim.TypePowerPort, readOnly: true, updatable: true,
	columns: []column[dcim.PowerPort]{
		col("device_id", func(v *dcim.PowerPort) any { return &v.DeviceID }),
		col("name", func(v *dcim.PowerPort) any { return &v.Name }),
		col("type", func(v *dcim.PowerPort) any { return &v.Type }),
		col("maximum_draw", func(v *dcim.PowerPort) any { return &v.MaximumDraw }),
		col("allocated_draw", func(v *dcim.PowerPort) any { return &v.AllocatedDraw }),
		col("outlet_id", func(v *dcim.PowerPort) any { return &v.OutletID }),
		col("power_node_id", func(v *dcim.PowerPort) any { return &v.PowerNodeID }),
		col("lines", func(v *dcim.PowerPort) any { return &v.Lines }),
		col("voltage", func(v *dcim.PowerPort) any { return &v.Voltage }),
	},
	meta:      func(v *dcim.PowerPort) *dcim.Meta { return &v.Meta },
	repr:      func(v *dcim.PowerPort) string { return v.Name },
	normalize: (*dcim.PowerPort).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "device_id": {"device_id", filterInt}, "name": {"name", filterString},
		"type": {"type", filterString}, "outlet_id": {"outlet_id", filterInt}, "power_node_id": {"power_node_id", filterInt},
		"connected": {"COALESCE(outlet_id, power_node_id)", filterNotNull}},
	search:    []string{"name"},
	orderings: []string{"device_id", "name"},
	refs: []ref{{"outlet_id", "outlet_id", "power_outlets", dcim.TypePowerOutlet},
		{"power_node_id", "power_node_id", "power_nodes", dcim.TypePowerNode}},
}

var powerOutletTable = &table[dcim.PowerOutlet]{
	name: "power_outlets", objType: dcim.TypePowerOutlet, readOnly: true,
	columns: []column[dcim.PowerOutlet]{
		col("device_id", func(v *dcim.PowerOutlet) any { return &v.DeviceID }),
		col("name", func(v *dcim.PowerOutlet) any { return &v.Name }),
		col("type", func(v *dcim.PowerOutlet) any { return &v.Type }),
		col("power_port_id", func(v *dcim.PowerOutlet) any { return &v.PowerPortID }),
		col("feed_leg", func(v *dcim.PowerOutlet) any { return &v.FeedLeg }),
	},
	meta:      func(v *dcim.PowerOutlet) *dcim.Meta { return &v.Meta },
	repr:      func(v *dcim.PowerOutlet) string { return v.Name },
	normalize: func(*dcim.PowerOutlet) error { return nil },
	filters: map[string]filter{"id": {"id", filterInt}, "device_id": {"device_id", filterInt}, "name": {"name", filterString},
		"power_port_id": {"power_port_id", filterInt}, "feed_leg": {"feed_leg", filterString}},
	search:    []string{"name"},
	orderings: []string{"device_id", "name"},
}

// The hooks refer back to the tables, so they are attached here rather than in the literals.
func init() {
	roomTable.check = checkRoom
	roomTable.after = afterRoom
	rowTable.check = checkRow
	rackTable.check = checkRack
	rackTable.after = afterRack
	reservationTable.check = checkReservation
	deviceTypeTable.after = afterDeviceType
	deviceTable.check = checkDevice
	deviceTable.after = afterDevice
	powerPortTable.check = checkPowerPort
	powerNodeTable.check = checkPowerNode
	powerEdgeTable.check = checkPowerEdge
	coolingZoneTable.check = checkCoolingZone
	coolingUnitTable.check = checkCoolingUnit
	sensorPointTable.check = checkSensorPoint
}

// Sites returns the site operations.
func (s *Store) Sites() Resource[dcim.Site] { return Resource[dcim.Site]{s, siteTable} }

// Rooms returns the room operations.
func (s *Store) Rooms() Resource[dcim.Room] { return Resource[dcim.Room]{s, roomTable} }

// Rows returns the row operations.
func (s *Store) Rows() Resource[dcim.Row] { return Resource[dcim.Row]{s, rowTable} }

// Racks returns the rack operations.
func (s *Store) Racks() Resource[dcim.Rack] { return Resource[dcim.Rack]{s, rackTable} }

// RackReservations returns the reservation operations.
func (s *Store) RackReservations() Resource[dcim.RackReservation] {
	return Resource[dcim.RackReservation]{s, reservationTable}
}

// Manufacturers returns the manufacturer operations.
func (s *Store) Manufacturers() Resource[dcim.Manufacturer] {
	return Resource[dcim.Manufacturer]{s, manufacturerTable}
}

// DeviceTypes returns the device-type operations.
func (s *Store) DeviceTypes() Resource[dcim.DeviceType] {
	return Resource[dcim.DeviceType]{s, deviceTypeTable}
}

// Devices returns the device operations.
func (s *Store) Devices() Resource[dcim.Device] { return Resource[dcim.Device]{s, deviceTable} }

// Tenants returns the tenant operations.
func (s *Store) Tenants() Resource[dcim.Tenant] { return Resource[dcim.Tenant]{s, tenantTable} }

// Tags returns the tag operations.
func (s *Store) Tags() Resource[dcim.Tag] { return Resource[dcim.Tag]{s, tagTable} }

// PowerPorts returns the (read-only) power-port operations.
func (s *Store) PowerPorts() Resource[dcim.PowerPort] {
	return Resource[dcim.PowerPort]{s, powerPortTable}
}

// PowerOutlets returns the (read-only) power-outlet operations.
func (s *Store) PowerOutlets() Resource[dcim.PowerOutlet] {
	return Resource[dcim.PowerOutlet]{s, powerOutletTable}
}
