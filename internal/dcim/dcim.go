// Package dcim owns Plenum's domain model: the facility's objects (sites, rooms, rows, racks,
// reservations, manufacturers, device types, devices, tenants, tags), the rules that keep the model
// possible (placement, weight, floor load, names), and the coded error type. It does no I/O: storage
// and presentation call into it.
//
// Names and semantics follow NetBox where NetBox has the concept, so its users feel at home.
package dcim

import (
	"context"
	"time"
)

// Object types, as recorded in the change log and in errors.
const (
	TypeSite            = "site"
	TypeRoom            = "room"
	TypeRow             = "row"
	TypeRack            = "rack"
	TypeRackReservation = "rack-reservation"
	TypeManufacturer    = "manufacturer"
	TypeDeviceType      = "device-type"
	TypeDevice          = "device"
	TypeTenant          = "tenant"
	TypeTag             = "tag"
	TypePowerPort       = "power-port"
	TypePowerOutlet     = "power-outlet"
	TypeToken           = "token"
	TypePowerNode       = "power-node"
	TypePowerEdge       = "power-edge"
	TypeCoolingUnit     = "cooling-unit"
	TypeCoolingZone     = "cooling-zone"
	TypeSensorPoint     = "sensor-point"
)

// Meta is what every stored object carries.
type Meta struct {
	ID          int64     `json:"id" readOnly:"true" required:"false"`
	Created     time.Time `json:"created" readOnly:"true" required:"false"`
	LastUpdated time.Time `json:"last_updated" readOnly:"true" required:"false"`
}

// GetMeta returns the object's metadata; every model type has it through embedding.
func (m *Meta) GetMeta() *Meta { return m }

// Site is a campus or building: the top of the location tree, with the facts energy and power need.
type Site struct {
	Meta
	Name            string   `json:"name" minLength:"1" maxLength:"100"`
	Slug            string   `json:"slug" required:"false" maxLength:"100" doc:"URL-friendly name; derived from name when empty"`
	Status          string   `json:"status" required:"false" enum:"planned,staging,active,decommissioning,retired" default:"active"`
	Facility        string   `json:"facility" required:"false" maxLength:"50"`
	TenantID        *int64   `json:"tenant_id" required:"false" nullable:"true"`
	TimeZone        string   `json:"time_zone" required:"false" doc:"IANA time zone, e.g. Asia/Kuala_Lumpur"`
	PhysicalAddress string   `json:"physical_address" required:"false" maxLength:"200"`
	Latitude        *float64 `json:"latitude" required:"false" nullable:"true" minimum:"-90" maximum:"90"`
	Longitude       *float64 `json:"longitude" required:"false" nullable:"true" minimum:"-180" maximum:"180"`
	// The grid the site draws from and its emission factor, with source and year: the factor changes.
	GridRegion           string   `json:"grid_region" required:"false" doc:"e.g. MY-Peninsular"`
	EmissionFactor       *float64 `json:"emission_factor" required:"false" nullable:"true" minimum:"0" doc:"grid emission factor, kgCO2e/kWh"`
	EmissionFactorSource string   `json:"emission_factor_source" required:"false"`
	EmissionFactorYear   *int     `json:"emission_factor_year" required:"false" nullable:"true"`
	SupplyVoltageLN      *float64 `json:"supply_voltage_ln" required:"false" nullable:"true" minimum:"0" doc:"line-to-neutral volts, e.g. 230"`
	SupplyVoltageLL      *float64 `json:"supply_voltage_ll" required:"false" nullable:"true" minimum:"0" doc:"line-to-line volts, e.g. 400"`
	SupplyFrequency      *float64 `json:"supply_frequency" required:"false" nullable:"true" minimum:"0" doc:"Hz, e.g. 50"`
	AllocatedFraction    *float64 `json:"allocated_fraction" required:"false" nullable:"true" minimum:"0" maximum:"1" doc:"share of a power port's maximum_draw taken as allocated where allocated_draw is empty; default 0.6"`
	Description          string   `json:"description" required:"false" maxLength:"200"`
	Comments             string   `json:"comments" required:"false"`
	Tags                 []string `json:"tags" required:"false" nullable:"true"`
}

// Room is a data hall or other space in a site, with a floor grid of tiles.
type Room struct {
	Meta
	SiteID          int64    `json:"site_id"`
	Name            string   `json:"name" minLength:"1" maxLength:"100"`
	Kind            string   `json:"kind" required:"false" enum:"data-hall,electrical,mechanical,meet-me,office,storage,other" default:"data-hall"`
	Status          string   `json:"status" required:"false" enum:"planned,staging,active,decommissioning,retired" default:"active"`
	TileSize        float64  `json:"tile_size" required:"false" minimum:"0" doc:"floor tile edge, mm (default 600)"`
	GridRows        int      `json:"grid_rows" required:"false" minimum:"0" doc:"tiles along the room's depth"`
	GridColumns     int      `json:"grid_columns" required:"false" minimum:"0" doc:"tiles along the room's width"`
	FloorLoadRating *float64 `json:"floor_load_rating" required:"false" nullable:"true" minimum:"0" doc:"kg/m²"`
	ThermalClass    string   `json:"thermal_class" required:"false" maxLength:"20" default:"A1" doc:"the thermal class (see /thermal-classes) whose envelope the room's IT inlets are held to"`
	TenantID        *int64   `json:"tenant_id" required:"false" nullable:"true"`
	Description     string   `json:"description" required:"false" maxLength:"200"`
	Tags            []string `json:"tags" required:"false" nullable:"true"`
}

// Row is a row of racks in a room, usually facing a hot or cold aisle.
type Row struct {
	Meta
	RoomID      int64    `json:"room_id"`
	SiteID      int64    `json:"site_id" readOnly:"true" required:"false"`
	Name        string   `json:"name" minLength:"1" maxLength:"100"`
	Aisle       string   `json:"aisle" required:"false" enum:",hot,cold" doc:"the aisle the rack fronts face"`
	Description string   `json:"description" required:"false" maxLength:"200"`
	Tags        []string `json:"tags" required:"false" nullable:"true"`
}

// Rack is a cabinet of mounting units.
type Rack struct {
	Meta
	Name         string   `json:"name" minLength:"1" maxLength:"100"`
	FacilityID   *string  `json:"facility_id" required:"false" nullable:"true" maxLength:"50" doc:"the facility's own identifier, unique in the site"`
	SiteID       int64    `json:"site_id" readOnly:"true" required:"false"`
	RoomID       int64    `json:"room_id"`
	RowID        *int64   `json:"row_id" required:"false" nullable:"true"`
	TenantID     *int64   `json:"tenant_id" required:"false" nullable:"true"`
	Status       string   `json:"status" required:"false" enum:"reserved,available,planned,active,deprecated" default:"active"`
	Role         string   `json:"role" required:"false" maxLength:"50"`
	Serial       string   `json:"serial" required:"false" maxLength:"50"`
	AssetTag     *string  `json:"asset_tag" required:"false" nullable:"true" maxLength:"50"`
	UHeight      int      `json:"u_height" required:"false" minimum:"1" maximum:"100" default:"42"`
	StartingUnit int      `json:"starting_unit" required:"false" minimum:"1" default:"1"`
	DescUnits    bool     `json:"desc_units" required:"false" doc:"units numbered top to bottom"`
	Width        int      `json:"width" required:"false" enum:"10,19,21,23" default:"19" doc:"rail-to-rail width, inches"`
	OuterWidth   *float64 `json:"outer_width" required:"false" nullable:"true" minimum:"0"`
	OuterDepth   *float64 `json:"outer_depth" required:"false" nullable:"true" minimum:"0"`
	OuterHeight  *float64 `json:"outer_height" required:"false" nullable:"true" minimum:"0"`
	OuterUnit    string   `json:"outer_unit" required:"false" enum:",mm,in"`
	Weight       *float64 `json:"weight" required:"false" nullable:"true" minimum:"0" doc:"the empty rack's own weight"`
	MaxWeight    *float64 `json:"max_weight" required:"false" nullable:"true" minimum:"0" doc:"maximum load of equipment"`
	WeightUnit   string   `json:"weight_unit" required:"false" enum:",kg,g,lb,oz"`
	Airflow      string   `json:"airflow" required:"false" enum:",front-to-rear,rear-to-front"`
	GridRow      *int     `json:"grid_row" required:"false" nullable:"true" minimum:"0" doc:"tile row of the rack on the room's floor grid"`
	GridColumn   *int     `json:"grid_column" required:"false" nullable:"true" minimum:"0" doc:"tile column of the rack on the room's floor grid"`
	Description  string   `json:"description" required:"false" maxLength:"200"`
	Comments     string   `json:"comments" required:"false"`
	Tags         []string `json:"tags" required:"false" nullable:"true"`
}

// RackReservation holds units of a rack for a tenant, optionally until it expires.
type RackReservation struct {
	Meta
	RackID      int64      `json:"rack_id"`
	Units       []int      `json:"units" minItems:"1"`
	TenantID    *int64     `json:"tenant_id" required:"false" nullable:"true"`
	Description string     `json:"description" minLength:"1" maxLength:"200"`
	Expires     *time.Time `json:"expires" required:"false" nullable:"true"`
	Tags        []string   `json:"tags" required:"false" nullable:"true"`
}

// Manufacturer makes device types.
type Manufacturer struct {
	Meta
	Name        string   `json:"name" minLength:"1" maxLength:"100"`
	Slug        string   `json:"slug" required:"false" maxLength:"100"`
	Description string   `json:"description" required:"false" maxLength:"200"`
	Tags        []string `json:"tags" required:"false" nullable:"true"`
}

// PowerPortTemplate is a power inlet every device of a type has.
type PowerPortTemplate struct {
	Name          string `json:"name" minLength:"1" maxLength:"64"`
	Type          string `json:"type" required:"false" maxLength:"50"`
	MaximumDraw   *int   `json:"maximum_draw" required:"false" nullable:"true" minimum:"0" doc:"watts"`
	AllocatedDraw *int   `json:"allocated_draw" required:"false" nullable:"true" minimum:"0" doc:"watts"`
}

// PowerOutletTemplate is a power outlet every device of a type has, on a feed leg, hanging from a port.
type PowerOutletTemplate struct {
	Name      string `json:"name" minLength:"1" maxLength:"64"`
	Type      string `json:"type" required:"false" maxLength:"50"`
	PowerPort string `json:"power_port" required:"false" doc:"name of the power port template that feeds it"`
	FeedLeg   string `json:"feed_leg" required:"false" enum:",A,B,C"`
}

// DeviceType is a make and model: its height, depth, weight, airflow and power ports.
type DeviceType struct {
	Meta
	ManufacturerID int64                 `json:"manufacturer_id"`
	Model          string                `json:"model" minLength:"1" maxLength:"100"`
	Slug           string                `json:"slug" required:"false" maxLength:"100"`
	PartNumber     string                `json:"part_number" required:"false" maxLength:"50"`
	UHeight        float64               `json:"u_height" required:"false" minimum:"0" maximum:"100" default:"1" doc:"in multiples of 0.5; 0 for 0-U"`
	IsFullDepth    bool                  `json:"is_full_depth" required:"false" default:"true"`
	Airflow        string                `json:"airflow" required:"false" enum:",front-to-rear,rear-to-front,left-to-right,right-to-left,side-to-rear,rear-to-side,bottom-to-top,top-to-bottom,passive,mixed"`
	Weight         *float64              `json:"weight" required:"false" nullable:"true" minimum:"0"`
	WeightUnit     string                `json:"weight_unit" required:"false" enum:",kg,g,lb,oz"`
	SubdeviceRole  string                `json:"subdevice_role" required:"false" enum:",parent,child"`
	Description    string                `json:"description" required:"false" maxLength:"200"`
	Comments       string                `json:"comments" required:"false"`
	PowerPorts     []PowerPortTemplate   `json:"power_ports" required:"false" nullable:"true"`
	PowerOutlets   []PowerOutletTemplate `json:"power_outlets" required:"false" nullable:"true"`
	Tags           []string              `json:"tags" required:"false" nullable:"true"`
}

// Device is one piece of equipment, mounted in a rack unit, on a 0-U side mount, or not racked.
type Device struct {
	Meta
	Name           string      `json:"name" minLength:"1" maxLength:"64"`
	DeviceTypeID   int64       `json:"device_type_id"`
	Role           string      `json:"role" required:"false" maxLength:"50" doc:"e.g. server, switch, storage, pdu, patch-panel"`
	Status         string      `json:"status" required:"false" enum:"offline,active,planned,staged,failed,inventory,decommissioning" default:"active"`
	TenantID       *int64      `json:"tenant_id" required:"false" nullable:"true"`
	Serial         string      `json:"serial" required:"false" maxLength:"50"`
	AssetTag       *string     `json:"asset_tag" required:"false" nullable:"true" maxLength:"50"`
	SiteID         int64       `json:"site_id" required:"false" doc:"derived from the rack when the device is racked"`
	RackID         *int64      `json:"rack_id" required:"false" nullable:"true"`
	Position       *float64    `json:"position" required:"false" nullable:"true" minimum:"0.5" doc:"lowest unit the device occupies, in multiples of 0.5"`
	Face           string      `json:"face" required:"false" enum:",front,rear"`
	MountSide      string      `json:"mount_side" required:"false" enum:",left,right" doc:"side of the rack a 0-U device hangs on"`
	PowerRedundant *bool       `json:"power_redundant" required:"false" nullable:"true" doc:"whether any one of its power supplies carries it (1+1); empty: yes when it has two or more"`
	PowerSplit     string      `json:"power_split" required:"false" enum:",shared,primary" doc:"how a redundant device shares its load among its live supplies: shared equally (empty: the default) or primary: its first live supply carries it all, the others stand by (hot spare)"`
	PowerFeeds     []PowerFeed `json:"power_feeds,omitempty" required:"false" nullable:"true" writeOnly:"true" doc:"on create only: where the power ports of its type are plugged in, in their order; later, change the power ports"`
	Airflow        string      `json:"airflow" required:"false" enum:",front-to-rear,rear-to-front,left-to-right,right-to-left,side-to-rear,rear-to-side,bottom-to-top,top-to-bottom,passive,mixed"`
	Description    string      `json:"description" required:"false" maxLength:"200"`
	Comments       string      `json:"comments" required:"false"`
	Tags           []string    `json:"tags" required:"false" nullable:"true"`
}

// PowerPort is a power inlet of a device, instantiated from its type.
type PowerPort struct {
	Meta
	DeviceID      int64  `json:"device_id" readOnly:"true" required:"false"`
	Name          string `json:"name" readOnly:"true" required:"false"`
	Type          string `json:"type" readOnly:"true" required:"false"`
	MaximumDraw   *int   `json:"maximum_draw" required:"false" nullable:"true" minimum:"0" doc:"watts the power supply can draw (from the device type; may be changed)"`
	AllocatedDraw *int   `json:"allocated_draw" required:"false" nullable:"true" minimum:"0" doc:"watts planned for it; empty: the site's allocated_fraction of maximum_draw"`
	// Where the port is plugged in: a rack PDU's outlet, or straight onto a circuit.
	OutletID    *int64   `json:"outlet_id" required:"false" nullable:"true" doc:"the power outlet (of a rack PDU) it is plugged into"`
	PowerNodeID *int64   `json:"power_node_id" required:"false" nullable:"true" doc:"or the circuit it is wired to directly"`
	Lines       string   `json:"lines" required:"false" doc:"with power_node_id on a three-phase circuit: L1, L2, L3, a pair such as L1-L2, or L1-L2-L3"`
	Voltage     *float64 `json:"voltage" required:"false" nullable:"true" minimum:"0" doc:"the power supply's rated input volts, checked against what it is plugged into"`
}

// PowerFeed says where one power port of a new device is plugged in: a rack PDU's outlet, or a
// circuit (across lines of it).
type PowerFeed struct {
	OutletID    *int64   `json:"outlet_id" required:"false" nullable:"true"`
	PowerNodeID *int64   `json:"power_node_id" required:"false" nullable:"true"`
	Lines       string   `json:"lines" required:"false"`
	Voltage     *float64 `json:"voltage" required:"false" nullable:"true" minimum:"0"`
}

// PowerOutlet is a power outlet of a device (a rack PDU), instantiated from its type.
type PowerOutlet struct {
	Meta
	DeviceID    int64  `json:"device_id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	PowerPortID *int64 `json:"power_port_id" nullable:"true"`
	FeedLeg     string `json:"feed_leg"`
}

// Tenant is a customer of the facility.
type Tenant struct {
	Meta
	Name        string   `json:"name" minLength:"1" maxLength:"100"`
	Slug        string   `json:"slug" required:"false" maxLength:"100"`
	Description string   `json:"description" required:"false" maxLength:"200"`
	Comments    string   `json:"comments" required:"false"`
	Tags        []string `json:"tags" required:"false" nullable:"true"`
}

// Tag labels any object. Objects name their tags by slug; an unknown slug creates the tag.
type Tag struct {
	Meta
	Name        string `json:"name" minLength:"1" maxLength:"100"`
	Slug        string `json:"slug" required:"false" maxLength:"100"`
	Color       string `json:"color" required:"false" pattern:"^([0-9a-f]{6})?$" doc:"RGB hex, e.g. 9e9e9e"`
	Description string `json:"description" required:"false" maxLength:"200"`
}

// Change is one row of the change log: who changed which object when, and the object before and after.
type Change struct {
	ID         int64     `json:"id"`
	Time       time.Time `json:"time"`
	Actor      string    `json:"actor"`
	RequestID  string    `json:"request_id"`
	Action     string    `json:"action" enum:"create,update,delete,login,login-failed,logout,token-use,token-refused"`
	ObjectType string    `json:"object_type"`
	ObjectID   int64     `json:"object_id"`
	ObjectRepr string    `json:"object_repr"`
	PreChange  any       `json:"pre_change"`
	PostChange any       `json:"post_change"`
}

// Token is an API token as stored: the secret itself is never kept, only its hash. A token acts
// for its user with that user's role, limited to reading unless its scope is write; a token with no
// user is a built-in admin token (made by the CLI, which has the database, so admin power, already).
type Token struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Prefix       string     `json:"prefix" doc:"the first characters of the secret, to recognise it"`
	UserID       *int64     `json:"user_id" doc:"the user it acts for; null: the built-in admin"`
	User         string     `json:"user" doc:"that user's name; empty for the built-in admin"`
	WriteEnabled bool       `json:"write_enabled" doc:"scope write; false: read only"`
	Networks     []string   `json:"networks" doc:"the source networks (CIDR) it is accepted from; empty: any"`
	Created      time.Time  `json:"created"`
	Expires      *time.Time `json:"expires"`
	LastUsed     *time.Time `json:"last_used"`
}

// Roles, from most to least power. A tenant user is not below a viewer but beside: it reads only
// its own tenant's objects.
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
	RoleViewer   = "viewer"
	RoleTenant   = "tenant"
)

// Actor is who makes a request or a change: a user (through a session or one of its tokens) or a
// built-in admin token, with the role and the tenant scope that decide what it may see and do.
type Actor struct {
	Name      string
	UserID    int64 // 0: no user (built-in admin token, the CLI, the server itself)
	TokenID   int64 // 0: a session, or no token
	Role      string
	TenantID  int64 // the tenant a tenant user sees; 0 otherwise
	CanWrite  bool  // the token's scope (a session may write what its role allows)
	RequestID string
	Remote    string // the client's address, for the audit of sign-ins
}

// Tenant returns the tenant whose objects alone the actor may see, and whether it is so limited.
func (a Actor) Tenant() (int64, bool) { return a.TenantID, a.Role == RoleTenant }

type actorKey struct{}

// WithActor returns ctx carrying the actor whose request it is.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx. Without one the caller is Plenum itself (the CLI, the
// pollers, the roll-ups), which acts as "system" with admin power.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Name: "system", Role: RoleAdmin, CanWrite: true}
}

// DefaultLimit and MaxLimit bound the page size of lists.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// ListQuery selects and pages a list: Filters maps a filter name to the values any of which may match.
type ListQuery struct {
	Limit    int
	Offset   int
	Q        string
	Ordering string
	Filters  map[string][]string
}

// Page is one page of a list and the count of all matches.
type Page[T any] struct {
	Count   int
	Results []T
}
