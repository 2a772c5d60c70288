package dcim

import (
	"math"
	"regexp"
)

// PowerNode is one element of the power chain, from utility incomer to rack PDU. Kind says which; the
// chain itself is the PowerEdges between nodes. Ratings are in the unit they name (kW for real power,
// kVA for apparent power, A per line) and are compared with loads after derating.
type PowerNode struct {
	Meta
	SiteID int64  `json:"site_id"`
	RoomID *int64 `json:"room_id" required:"false" nullable:"true" doc:"the room the node stands in (a data hall for rack PDUs and circuits, an electrical room for a UPS)"`
	Name   string `json:"name" minLength:"1" maxLength:"100"`
	Kind   string `json:"kind" enum:"utility,generator,transformer,switchgear,ats,sts,ups,pdu,rpp,panel,circuit,rack-pdu"`
	Status string `json:"status" required:"false" enum:"planned,active,offline,decommissioning" default:"active"`
	Side   string `json:"side" required:"false" enum:",A,B" doc:"the feed the node belongs to in a redundant (2N) chain"`
	Phases int    `json:"phases" required:"false" enum:"1,3" default:"3"`
	// Voltage is line to line for a three-phase node, across the load for a single-phase one.
	Voltage          float64  `json:"voltage" required:"false" minimum:"0" doc:"nominal volts: line to line when three phase, across the load when single phase; default: the site's supply voltage"`
	Lines            string   `json:"lines" required:"false" doc:"single phase: the conductors of its three-phase supply it is across, L1, L2, L3 (to neutral) or L1-L2, L2-L3, L3-L1"`
	OutletWiring     string   `json:"outlet_wiring" required:"false" enum:",ln,ll" doc:"three-phase rack PDU: outlets line to neutral (ln: 230 V on 400 V) or line to line (ll: 208 V in North America); default ln"`
	PrimaryVoltage   *float64 `json:"primary_voltage" required:"false" nullable:"true" minimum:"0" doc:"transformer: input line-to-line volts"`
	RatedKW          *float64 `json:"rated_kw" required:"false" nullable:"true" minimum:"0" doc:"real power rating, kW"`
	RatedKVA         *float64 `json:"rated_kva" required:"false" nullable:"true" minimum:"0" doc:"apparent power rating, kVA"`
	RatedAmps        *float64 `json:"rated_amps" required:"false" nullable:"true" minimum:"0" doc:"current rating per line, A (a circuit's breaker)"`
	PowerFactor      float64  `json:"power_factor" required:"false" minimum:"0" maximum:"1" doc:"of the load attached here, to turn watts into amperes; default 0.95"`
	Derating         float64  `json:"derating" required:"false" minimum:"0" maximum:"1" doc:"share of the ratings usable for continuous load (a policy: IEC 60364 has no 80% rule); default 0.8"`
	Modules          *int     `json:"modules" required:"false" nullable:"true" minimum:"0" doc:"UPS: power modules installed"`
	ModuleKW         *float64 `json:"module_kw" required:"false" nullable:"true" minimum:"0" doc:"UPS: kW of one module"`
	RedundantModules int      `json:"redundant_modules" required:"false" minimum:"0" doc:"UPS: modules held back for redundancy (1 for N+1)"`
	Inlets           int      `json:"inlets" required:"false" minimum:"0" doc:"rack PDU: its inlets, each fed from one circuit; default 1"`
	DeviceID         *int64   `json:"device_id" required:"false" nullable:"true" doc:"rack PDU: the device whose power outlets this node is"`
	Description      string   `json:"description" required:"false" maxLength:"200"`
	Comments         string   `json:"comments" required:"false"`
	Tags             []string `json:"tags" required:"false" nullable:"true"`
}

// PowerEdge says that one node feeds another.
type PowerEdge struct {
	Meta
	FromID      int64    `json:"from_id" doc:"the upstream node, which feeds"`
	ToID        int64    `json:"to_id" doc:"the downstream node, fed"`
	Priority    int      `json:"priority" required:"false" minimum:"0" doc:"0 carries the load; a higher number stands by until the lower ones are dead (a generator behind the utility)"`
	Description string   `json:"description" required:"false" maxLength:"200"`
	Tags        []string `json:"tags" required:"false" nullable:"true"`
}

// CoolingZone is the space some cooling units serve together: a room, or a set of its racks (a
// contained aisle, a row with in-row coolers). Its units' capacity is counted with the zone's
// redundancy held back.
type CoolingZone struct {
	Meta
	SiteID      int64    `json:"site_id" readOnly:"true" required:"false"`
	RoomID      int64    `json:"room_id"`
	Name        string   `json:"name" minLength:"1" maxLength:"100"`
	Redundancy  string   `json:"redundancy" required:"false" enum:"N,N+1,N+2,2N" default:"N+1"`
	RackIDs     []int64  `json:"rack_ids" required:"false" nullable:"true" doc:"the racks the zone cools; empty: the whole room"`
	Description string   `json:"description" required:"false" maxLength:"200"`
	Tags        []string `json:"tags" required:"false" nullable:"true"`
}

// CoolingUnit is a CRAH, CRAC, in-row cooler, rear-door heat exchanger or coolant distribution unit.
type CoolingUnit struct {
	Meta
	SiteID      int64    `json:"site_id" readOnly:"true" required:"false"`
	RoomID      int64    `json:"room_id"`
	ZoneID      *int64   `json:"zone_id" required:"false" nullable:"true" doc:"the cooling zone it serves"`
	Name        string   `json:"name" minLength:"1" maxLength:"100"`
	Kind        string   `json:"kind" enum:"crah,crac,in-row,rear-door,cdu"`
	Status      string   `json:"status" required:"false" enum:"planned,active,offline,decommissioning" default:"active"`
	CapacityKW  float64  `json:"capacity_kw" minimum:"0" doc:"net sensible cooling capacity, kW"`
	PowerNodeID *int64   `json:"power_node_id" required:"false" nullable:"true" doc:"the power node that feeds it: it stops when that node does"`
	RackID      *int64   `json:"rack_id" required:"false" nullable:"true" doc:"in-row and rear-door units: the rack it stands beside or on"`
	Description string   `json:"description" required:"false" maxLength:"200"`
	Tags        []string `json:"tags" required:"false" nullable:"true"`
}

// SensorPoint is a place a reading comes from (a rack's inlet at the top, a unit's return air), an
// object of the model so that readings attach to it.
type SensorPoint struct {
	Meta
	SiteID        int64    `json:"site_id" readOnly:"true" required:"false"`
	RoomID        int64    `json:"room_id"`
	RackID        *int64   `json:"rack_id" required:"false" nullable:"true"`
	CoolingUnitID *int64   `json:"cooling_unit_id" required:"false" nullable:"true"`
	Name          string   `json:"name" minLength:"1" maxLength:"100"`
	Kind          string   `json:"kind" enum:"inlet-bottom,inlet-middle,inlet-top,exhaust,room,supply-air,return-air"`
	Quantity      string   `json:"quantity" required:"false" enum:"temperature,humidity,dew-point,pressure,airflow" default:"temperature"`
	Description   string   `json:"description" required:"false" maxLength:"200"`
	Tags          []string `json:"tags" required:"false" nullable:"true"`
}

var (
	powerKinds    = []string{"utility", "generator", "transformer", "switchgear", "ats", "sts", "ups", "pdu", "rpp", "panel", "circuit", "rack-pdu"}
	nodeStatuses  = []string{"planned", "active", "offline", "decommissioning"}
	linesPattern  = regexp.MustCompile(`^(L[123]|L1-L2|L2-L3|L3-L1|L2-L1|L3-L2|L1-L3)$`)
	coolingKinds  = []string{"crah", "crac", "in-row", "rear-door", "cdu"}
	sensorKinds   = []string{"inlet-bottom", "inlet-middle", "inlet-top", "exhaust", "room", "supply-air", "return-air"}
	sensorQuants  = []string{"temperature", "humidity", "dew-point", "pressure", "airflow"}
	redundancies  = []string{"N", "N+1", "N+2", "2N"}
	defaultPF     = 0.95
	defaultDerate = 0.8
)

// Normalize fills defaults and checks the node on its own; its voltage defaults to the site's supply,
// which the store fills in.
func (n *PowerNode) Normalize() error {
	var p Problems
	required(&p, "name", n.Name)
	oneOf(&p, "kind", n.Kind, powerKinds...)
	if n.Status == "" {
		n.Status = "active"
	}
	oneOf(&p, "status", n.Status, nodeStatuses...)
	oneOf(&p, "side", n.Side, "", "A", "B")
	if n.Phases == 0 {
		n.Phases = 3
	}
	if n.Phases != 1 && n.Phases != 3 {
		p.Add("phases", "must be 1 or 3, not %d", n.Phases)
	}
	switch {
	case n.Phases == 1 && n.Lines != "" && !linesPattern.MatchString(n.Lines):
		p.Add("lines", "%q is not L1, L2, L3 or a pair such as L1-L2", n.Lines)
	case n.Phases == 3 && n.Lines != "":
		p.Add("lines", "a three-phase node takes all three lines; lines is for single-phase nodes")
	}
	if n.Kind == "rack-pdu" && n.Phases == 3 && n.OutletWiring == "" {
		n.OutletWiring = "ln"
	}
	oneOf(&p, "outlet_wiring", n.OutletWiring, "", "ln", "ll")
	if n.OutletWiring != "" && n.Kind != "rack-pdu" {
		p.Add("outlet_wiring", "only a rack PDU has outlets")
	}
	if n.Voltage < 0 || math.IsNaN(n.Voltage) || math.IsInf(n.Voltage, 0) {
		p.Add("voltage", "must be a finite number > 0")
	}
	if n.Kind == "transformer" && (n.PrimaryVoltage == nil || *n.PrimaryVoltage <= 0) {
		p.Add("primary_voltage", "a transformer needs its primary (input) voltage")
	}
	if n.Kind != "transformer" && n.PrimaryVoltage != nil {
		p.Add("primary_voltage", "only a transformer has a primary voltage")
	}
	for f, v := range map[string]*float64{"rated_kw": n.RatedKW, "rated_kva": n.RatedKVA, "rated_amps": n.RatedAmps, "module_kw": n.ModuleKW} {
		nonNegative(&p, f, v)
	}
	if n.PowerFactor == 0 {
		n.PowerFactor = defaultPF
	}
	if n.PowerFactor < 0 || n.PowerFactor > 1 {
		p.Add("power_factor", "must be within 0..1")
	}
	if n.Derating == 0 {
		n.Derating = defaultDerate
	}
	if n.Derating < 0 || n.Derating > 1 {
		p.Add("derating", "must be within 0..1")
	}
	if n.Modules != nil && *n.Modules < 0 {
		p.Add("modules", "must be ≥ 0")
	}
	if (n.Modules != nil || n.ModuleKW != nil || n.RedundantModules != 0) && n.Kind != "ups" {
		p.Add("modules", "only a UPS has power modules")
	}
	if n.Modules != nil && n.RedundantModules >= *n.Modules && *n.Modules > 0 {
		p.Add("redundant_modules", "%d redundant of %d modules leaves none to carry the load", n.RedundantModules, *n.Modules)
	}
	if n.RedundantModules < 0 {
		p.Add("redundant_modules", "must be ≥ 0")
	}
	if n.Kind == "rack-pdu" && n.Inlets == 0 {
		n.Inlets = 1
	}
	if n.Inlets != 0 && n.Kind != "rack-pdu" {
		p.Add("inlets", "only a rack PDU has inlets")
	}
	if n.DeviceID != nil && n.Kind != "rack-pdu" {
		p.Add("device_id", "only a rack PDU is a device")
	}
	tags(&p, n.Tags)
	return p.Err()
}

// Normalize checks the edge on its own.
func (e *PowerEdge) Normalize() error {
	var p Problems
	if e.FromID == e.ToID && e.FromID != 0 {
		p.Add("to_id", "a node cannot feed itself")
	}
	if e.Priority < 0 {
		p.Add("priority", "must be ≥ 0")
	}
	tags(&p, e.Tags)
	return p.Err()
}

// Normalize fills defaults and checks the zone on its own.
func (z *CoolingZone) Normalize() error {
	var p Problems
	required(&p, "name", z.Name)
	if z.Redundancy == "" {
		z.Redundancy = "N+1"
	}
	oneOf(&p, "redundancy", z.Redundancy, redundancies...)
	if z.RackIDs == nil {
		z.RackIDs = []int64{}
	}
	seen := map[int64]bool{}
	for _, id := range z.RackIDs {
		if seen[id] {
			p.Add("rack_ids", "rack %d is listed twice", id)
		}
		seen[id] = true
	}
	tags(&p, z.Tags)
	return p.Err()
}

// Normalize fills defaults and checks the unit on its own.
func (u *CoolingUnit) Normalize() error {
	var p Problems
	required(&p, "name", u.Name)
	oneOf(&p, "kind", u.Kind, coolingKinds...)
	if u.Status == "" {
		u.Status = "active"
	}
	oneOf(&p, "status", u.Status, nodeStatuses...)
	if u.CapacityKW < 0 || math.IsNaN(u.CapacityKW) || math.IsInf(u.CapacityKW, 0) {
		p.Add("capacity_kw", "must be a finite number ≥ 0")
	}
	tags(&p, u.Tags)
	return p.Err()
}

// Normalize fills defaults and checks the sensor point on its own.
func (s *SensorPoint) Normalize() error {
	var p Problems
	required(&p, "name", s.Name)
	oneOf(&p, "kind", s.Kind, sensorKinds...)
	if s.Quantity == "" {
		s.Quantity = "temperature"
	}
	oneOf(&p, "quantity", s.Quantity, sensorQuants...)
	if (s.Kind == "inlet-bottom" || s.Kind == "inlet-middle" || s.Kind == "inlet-top" || s.Kind == "exhaust") && s.RackID == nil {
		p.Add("rack_id", "a %s point belongs to a rack", s.Kind)
	}
	if (s.Kind == "supply-air" || s.Kind == "return-air") && s.CoolingUnitID == nil {
		p.Add("cooling_unit_id", "a %s point belongs to a cooling unit", s.Kind)
	}
	tags(&p, s.Tags)
	return p.Err()
}

// ZoneCapacityKW is the cooling a zone can count on: its units' capacity with the zone's redundancy
// held back (N+1: less the largest unit; N+2: less the two largest; 2N: half).
func ZoneCapacityKW(redundancy string, units []float64) float64 {
	total, largest, second := 0.0, 0.0, 0.0
	for _, c := range units {
		total += c
		switch {
		case c > largest:
			largest, second = c, largest
		case c > second:
			second = c
		}
	}
	switch redundancy {
	case "N+1":
		return total - largest
	case "N+2":
		return total - largest - second
	case "2N":
		return total / 2
	}
	return total
}

var portLinesPattern = regexp.MustCompile(`^(L[123]|L1-L2|L2-L3|L3-L1|L2-L1|L3-L2|L1-L3|L1-L2-L3)$`)

// Normalize checks the changeable fields of a power port on its own.
func (p *PowerPort) Normalize() error {
	var pr Problems
	if p.MaximumDraw != nil && *p.MaximumDraw < 0 {
		pr.Add("maximum_draw", "must be ≥ 0")
	}
	if p.AllocatedDraw != nil && *p.AllocatedDraw < 0 {
		pr.Add("allocated_draw", "must be ≥ 0")
	}
	if p.Lines != "" && !portLinesPattern.MatchString(p.Lines) {
		pr.Add("lines", "%q is not L1, L2, L3, a pair such as L1-L2, or L1-L2-L3", p.Lines)
	}
	nonNegative(&pr, "voltage", p.Voltage)
	if p.OutletID != nil && p.PowerNodeID != nil {
		pr.Add("power_node_id", "a power port is plugged into an outlet or wired to a node, not both")
	}
	return pr.Err()
}
