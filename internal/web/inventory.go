package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// The inventory pages: a list of every type with search, filters, ordering and pages, and create
// and edit forms for the types people change by hand. Each type is one spec below (its columns,
// and its form fields); the pages are the same code for all of them, over store.Resource[T]. The
// rules stay in the store: a page reads the form, calls the resource, and shows what it answers.

// pageSize is the rows of a list page.
const pageSize = 50

// registerInventory adds the inventory lists, forms and the bulk import.
func (u *UI) registerInventory(r Router) {
	r.Handle("GET /inventory/{type}", u.page(u.inventoryList))
	r.Handle("GET /inventory/{type}/new", u.page(u.inventoryForm))
	r.Handle("POST /inventory/{type}", u.page(u.inventoryForm))
	r.Handle("GET /inventory/{type}/{id}/edit", u.page(u.inventoryForm))
	r.Handle("POST /inventory/{type}/{id}", u.page(u.inventoryForm))
	r.Handle("GET /import", u.page(u.importPage))
	r.Handle("POST /import", u.page(u.importPage))
}

// kindInfo is what the pages say of an inventory type.
type kindInfo struct {
	Slug     string // in the path: "racks", "device-types"
	Title    string // "Racks"
	Singular string // "rack"
	Page     string // the object's own page, "/racks/%d"; "" where it has none
	API      string // its collection in the JSON API
}

// kind is one inventory type to the pages, whatever its Go type (spec[T] is the one implementation).
type kind interface {
	info() kindInfo
	hasForm() bool
	formFields() []fieldSpec
	field(name string) (fieldInfo, bool)
	filterNames(st *store.Store) []string
	objectType(st *store.Store) string
	headers() []column0
	table(ctx context.Context, st *store.Store, lq dcim.ListQuery) (int, []listRow, error)
	names(ctx context.Context, st *store.Store, ids []int64) (map[int64]string, error)
	options(ctx context.Context, st *store.Store, filters map[string][]string) ([]option, bool, error)
	values(ctx context.Context, st *store.Store, id int64) (map[string]string, string, error)
	create(ctx context.Context, st *store.Store, body map[string]json.RawMessage) (int64, error)
	patch(ctx context.Context, st *store.Store, id int64, body map[string]json.RawMessage) (int64, error)
}

// column0 is a column's heading: its text, the store's ordering key ("" where the store cannot
// order by it), and whether it holds numbers.
type column0 struct {
	Header, Order string
	Num           bool
}

// column is one column of a type's list: a text of the object, or a reference to another object
// (shown by name, linked to its page).
type column[T any] struct {
	column0
	Text func(*T) string
	Ref  string          // the kind a reference points to
	ID   func(*T) *int64 // the reference
}

func textCol[T any](header, order string, f func(*T) string) column[T] {
	return column[T]{column0: column0{Header: header, Order: order}, Text: f}
}

func numCol[T any](header, order string, f func(*T) string) column[T] {
	return column[T]{column0: column0{Header: header, Order: order, Num: true}, Text: f}
}

func refCol[T any](header, order, kind string, id func(*T) *int64) column[T] {
	return column[T]{column0: column0{Header: header, Order: order}, Ref: kind, ID: id}
}

// fieldSpec is a field of a type's form: its JSON name, label and, where reflection on the model
// does not say it, its widget, the kind its select lists, and the fields that narrow that list.
type fieldSpec struct {
	Name, Label string
	Widget      string   // "": from the model (text, number, select, checkbox); "textarea"
	Ref         string   // an id chosen from this kind's objects
	Narrow      []string // other fields whose values filter the choices (the racks of the site)
	Step        string   // a number's step; default "any" for decimals, 1 for whole numbers
	Help        string   // default: the model's doc
}

// fieldInfo is what the model's struct says of a field: its JSON type, whether it takes null, its
// allowed values, its doc and bounds.
type fieldInfo struct {
	Type     string // "string", "int", "float", "bool", "id"
	Nullable bool
	Enum     []string
	Default  string
	Doc      string
	Required bool
	Min, Max string
}

// fieldsOf reads the fieldInfo of every JSON field of the model type t.
func fieldsOf(t reflect.Type) map[string]fieldInfo {
	out := map[string]fieldInfo{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous || name == "" || name == "-" {
			continue
		}
		fi := fieldInfo{Doc: f.Tag.Get("doc"), Default: f.Tag.Get("default"), Min: f.Tag.Get("minimum"), Max: f.Tag.Get("maximum"),
			Required: f.Tag.Get("required") != "false" && f.Tag.Get("readOnly") != "true"}
		if e, ok := f.Tag.Lookup("enum"); ok {
			fi.Enum = strings.Split(e, ",")
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			fi.Nullable, ft = true, ft.Elem()
		}
		switch ft.Kind() {
		case reflect.String:
			fi.Type = "string"
		case reflect.Int, reflect.Int32:
			fi.Type = "int"
		case reflect.Int64:
			fi.Type = "id"
		case reflect.Float64:
			fi.Type = "float"
		case reflect.Bool:
			fi.Type = "bool"
		default:
			continue // lists and objects: not in forms
		}
		out[name] = fi
	}
	return out
}

// spec is one inventory type.
type spec[T any] struct {
	kindInfo
	res      func(*store.Store) store.Resource[T]
	name     func(*T) string
	order    string          // the ordering of its choices in selects
	label    func(*T) string // a choice's label; nil: its name
	parent   string          // the kind whose name follows a choice's label ("A01 — Data Hall 1")
	parentID func(*T) *int64
	cols     []column[T] // the first is the name, linked to the object
	form     []fieldSpec // nil: no form here, the JSON API
	once     sync.Once
	fields   map[string]fieldInfo
}

func (k *spec[T]) info() kindInfo          { return k.kindInfo }
func (k *spec[T]) hasForm() bool           { return k.form != nil }
func (k *spec[T]) formFields() []fieldSpec { return k.form }

func (k *spec[T]) field(name string) (fieldInfo, bool) {
	k.once.Do(func() { k.fields = fieldsOf(reflect.TypeFor[T]()) })
	fi, ok := k.fields[name]
	return fi, ok
}

func (k *spec[T]) filterNames(st *store.Store) []string { return k.res(st).Filters() }
func (k *spec[T]) objectType(st *store.Store) string    { return k.res(st).ObjectType() }

func (k *spec[T]) headers() []column0 {
	out := make([]column0, len(k.cols))
	for i, c := range k.cols {
		out[i] = c.column0
	}
	return out
}

// metaOf is the metadata every model type embeds.
func metaOf[T any](v *T) *dcim.Meta {
	return any(v).(interface{ GetMeta() *dcim.Meta }).GetMeta()
}

// listRow is one object of a list page, its cells ready to show.
type listRow struct {
	ID    int64
	Cells []cell
}

type cell struct {
	Text, Href string
	Num        bool
}

// table lists one page and turns it into cells, naming the objects its rows refer to (one query per
// referenced type). A reference the reader may not see shows as its id.
func (k *spec[T]) table(ctx context.Context, st *store.Store, lq dcim.ListQuery) (int, []listRow, error) {
	page, err := k.res(st).List(ctx, lq)
	if err != nil {
		return 0, nil, err
	}
	refs := map[string][]int64{}
	for _, c := range k.cols {
		if c.Ref == "" {
			continue
		}
		for i := range page.Results {
			if id := c.ID(&page.Results[i]); id != nil && !slices.Contains(refs[c.Ref], *id) {
				refs[c.Ref] = append(refs[c.Ref], *id)
			}
		}
	}
	names := map[string]map[int64]string{}
	for ref, ids := range refs {
		n, err := kinds[ref].names(ctx, st, ids)
		if dcim.ErrorCode(err) == dcim.EForbidden {
			continue
		} else if err != nil {
			return 0, nil, err
		}
		names[ref] = n
	}
	rows := make([]listRow, len(page.Results))
	for i := range page.Results {
		v := &page.Results[i]
		row := listRow{ID: metaOf(v).ID, Cells: make([]cell, len(k.cols))}
		for j, c := range k.cols {
			cl := cell{Num: c.Num}
			switch {
			case c.Ref != "":
				if id := c.ID(v); id != nil {
					if n, ok := names[c.Ref][*id]; ok {
						cl.Text = n
						if p := kinds[c.Ref].info().Page; p != "" {
							cl.Href = fmt.Sprintf(p, *id)
						}
					} else {
						cl.Text = "#" + strconv.FormatInt(*id, 10)
					}
				}
			default:
				cl.Text = c.Text(v)
			}
			row.Cells[j] = cl
		}
		rows[i] = row
	}
	return page.Count, rows, nil
}

// names maps ids to the objects' names, for those the reader may see.
func (k *spec[T]) names(ctx context.Context, st *store.Store, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		strs := make([]string, n)
		for i, id := range ids[:n] {
			strs[i] = strconv.FormatInt(id, 10)
		}
		ids = ids[n:]
		p, err := k.res(st).List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: map[string][]string{"id": strs}})
		if err != nil {
			return nil, err
		}
		for i := range p.Results {
			out[metaOf(&p.Results[i]).ID] = k.name(&p.Results[i])
		}
	}
	return out, nil
}

// options are the objects to choose from in a select, filtered; complete is false when there are
// more than a list may hold (the page then asks for the id instead).
func (k *spec[T]) options(ctx context.Context, st *store.Store, filters map[string][]string) ([]option, bool, error) {
	p, err := k.res(st).List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Ordering: k.order, Filters: filters})
	if err != nil {
		return nil, false, err
	}
	var parents map[int64]string
	if k.parent != "" {
		var ids []int64
		for i := range p.Results {
			if id := k.parentID(&p.Results[i]); id != nil && !slices.Contains(ids, *id) {
				ids = append(ids, *id)
			}
		}
		if parents, err = kinds[k.parent].names(ctx, st, ids); err != nil && dcim.ErrorCode(err) != dcim.EForbidden {
			return nil, false, err
		}
	}
	out := make([]option, 0, len(p.Results))
	for i := range p.Results {
		v := &p.Results[i]
		label := k.name(v)
		if k.label != nil {
			label = k.label(v)
		}
		if k.parentID != nil {
			if id := k.parentID(v); id != nil && parents[*id] != "" {
				label += " — " + parents[*id]
			}
		}
		out = append(out, option{Value: strconv.FormatInt(metaOf(v).ID, 10), Label: label})
	}
	return out, p.Count <= len(p.Results), nil
}

// values reads object id as form values, with its name.
func (k *spec[T]) values(ctx context.Context, st *store.Store, id int64) (map[string]string, string, error) {
	v, err := k.res(st).Get(ctx, id)
	if err != nil {
		return nil, "", err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, "", err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, "", err
	}
	out := make(map[string]string, len(doc))
	for name, r := range doc {
		s := strings.TrimSpace(string(r))
		switch {
		case s == "null":
		case strings.HasPrefix(s, `"`):
			var str string
			if json.Unmarshal(r, &str) == nil {
				out[name] = str
			}
		default:
			out[name] = s
		}
	}
	return out, k.name(&v), nil
}

// create decodes the form's JSON as the API decodes a body, and creates the object.
func (k *spec[T]) create(ctx context.Context, st *store.Store, body map[string]json.RawMessage) (int64, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	var v T
	if err := store.DecodeStrict(bytes.NewReader(raw), &v); err != nil {
		return 0, err
	}
	out, err := k.res(st).Create(ctx, v)
	if err != nil {
		return 0, err
	}
	return metaOf(&out).ID, nil
}

// patch changes the form's fields of object id and keeps the others (a JSON merge patch).
func (k *spec[T]) patch(ctx context.Context, st *store.Store, id int64, body map[string]json.RawMessage) (int64, error) {
	out, err := k.res(st).Patch(ctx, id, body)
	if err != nil {
		return 0, err
	}
	return metaOf(&out).ID, nil
}

// Cell formats.
func fnum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func fptr(v *float64) string {
	if v == nil {
		return ""
	}
	return fnum(*v)
}

func sptr(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

// kinds are the inventory types by their path name; kindOrder is their order in the page's menu.
var (
	kinds     map[string]kind
	kindOrder = []string{"sites", "rooms", "rows", "racks", "devices", "device-types", "manufacturers", "tenants",
		"power-nodes", "cooling-units", "sensor-points", "meters"}
)

func init() {
	kinds = map[string]kind{
		"sites": &spec[dcim.Site]{
			kindInfo: kindInfo{"sites", "Sites", "site", "/sites/%d", "/api/v1/sites"},
			res:      (*store.Store).Sites, name: func(v *dcim.Site) string { return v.Name }, order: "name",
			cols: []column[dcim.Site]{
				textCol("Name", "name", func(v *dcim.Site) string { return v.Name }),
				textCol("Status", "status", func(v *dcim.Site) string { return v.Status }),
				textCol("Facility", "", func(v *dcim.Site) string { return v.Facility }),
				refCol("Tenant", "", "tenants", func(v *dcim.Site) *int64 { return v.TenantID }),
				textCol("Time zone", "", func(v *dcim.Site) string { return v.TimeZone }),
				textCol("Grid region", "", func(v *dcim.Site) string { return v.GridRegion }),
			},
			form: []fieldSpec{
				{Name: "name", Label: "Name"}, {Name: "slug", Label: "Slug"}, {Name: "status", Label: "Status"},
				{Name: "facility", Label: "Facility code"}, {Name: "tenant_id", Label: "Tenant", Ref: "tenants"},
				{Name: "time_zone", Label: "Time zone"}, {Name: "physical_address", Label: "Address"},
				{Name: "latitude", Label: "Latitude"}, {Name: "longitude", Label: "Longitude"},
				{Name: "grid_region", Label: "Grid region"}, {Name: "emission_factor", Label: "Emission factor (kgCO₂e/kWh)"},
				{Name: "emission_factor_source", Label: "Emission factor source"}, {Name: "emission_factor_year", Label: "Emission factor year"},
				{Name: "supply_voltage_ln", Label: "Supply voltage L–N (V)"}, {Name: "supply_voltage_ll", Label: "Supply voltage L–L (V)"},
				{Name: "supply_frequency", Label: "Supply frequency (Hz)"}, {Name: "allocated_fraction", Label: "Allocated fraction"},
				{Name: "description", Label: "Description"}, {Name: "comments", Label: "Comments", Widget: "textarea"},
			},
		},
		"rooms": &spec[dcim.Room]{
			kindInfo: kindInfo{"rooms", "Rooms", "room", "/rooms/%d", "/api/v1/rooms"},
			res:      (*store.Store).Rooms, name: func(v *dcim.Room) string { return v.Name }, order: "name",
			parent: "sites", parentID: func(v *dcim.Room) *int64 { return &v.SiteID },
			cols: []column[dcim.Room]{
				textCol("Name", "name", func(v *dcim.Room) string { return v.Name }),
				refCol("Site", "site_id", "sites", func(v *dcim.Room) *int64 { return &v.SiteID }),
				textCol("Kind", "", func(v *dcim.Room) string { return v.Kind }),
				textCol("Status", "", func(v *dcim.Room) string { return v.Status }),
				numCol("Grid (tiles)", "", func(v *dcim.Room) string {
					if v.GridRows == 0 && v.GridColumns == 0 {
						return ""
					}
					return fmt.Sprintf("%d × %d", v.GridRows, v.GridColumns)
				}),
				refCol("Tenant", "", "tenants", func(v *dcim.Room) *int64 { return v.TenantID }),
			},
			form: []fieldSpec{
				{Name: "site_id", Label: "Site", Ref: "sites"}, {Name: "name", Label: "Name"}, {Name: "kind", Label: "Kind"},
				{Name: "status", Label: "Status"}, {Name: "tile_size", Label: "Tile size (mm)"},
				{Name: "grid_rows", Label: "Grid rows"}, {Name: "grid_columns", Label: "Grid columns"},
				{Name: "floor_load_rating", Label: "Floor load rating (kg/m²)"}, {Name: "tenant_id", Label: "Tenant", Ref: "tenants"},
				{Name: "description", Label: "Description"},
			},
		},
		"rows": &spec[dcim.Row]{
			kindInfo: kindInfo{"rows", "Rows", "row", "", "/api/v1/rows"},
			res:      (*store.Store).Rows, name: func(v *dcim.Row) string { return v.Name }, order: "name",
			parent: "rooms", parentID: func(v *dcim.Row) *int64 { return &v.RoomID },
			cols: []column[dcim.Row]{
				textCol("Name", "name", func(v *dcim.Row) string { return v.Name }),
				refCol("Room", "room_id", "rooms", func(v *dcim.Row) *int64 { return &v.RoomID }),
				refCol("Site", "", "sites", func(v *dcim.Row) *int64 { return &v.SiteID }),
				textCol("Aisle", "", func(v *dcim.Row) string { return v.Aisle }),
				textCol("Description", "", func(v *dcim.Row) string { return v.Description }),
			},
			form: []fieldSpec{
				{Name: "room_id", Label: "Room", Ref: "rooms"}, {Name: "name", Label: "Name"}, {Name: "aisle", Label: "Aisle the fronts face"},
				{Name: "description", Label: "Description"},
			},
		},
		"racks": &spec[dcim.Rack]{
			kindInfo: kindInfo{"racks", "Racks", "rack", "/racks/%d", "/api/v1/racks"},
			res:      (*store.Store).Racks, name: func(v *dcim.Rack) string { return v.Name }, order: "name",
			parent: "rooms", parentID: func(v *dcim.Rack) *int64 { return &v.RoomID },
			cols: []column[dcim.Rack]{
				textCol("Name", "name", func(v *dcim.Rack) string { return v.Name }),
				textCol("Facility id", "facility_id", func(v *dcim.Rack) string { return sptr(v.FacilityID) }),
				refCol("Room", "room_id", "rooms", func(v *dcim.Rack) *int64 { return &v.RoomID }),
				refCol("Row", "row_id", "rows", func(v *dcim.Rack) *int64 { return v.RowID }),
				refCol("Tenant", "", "tenants", func(v *dcim.Rack) *int64 { return v.TenantID }),
				textCol("Status", "status", func(v *dcim.Rack) string { return v.Status }),
				numCol("Height (U)", "", func(v *dcim.Rack) string { return strconv.Itoa(v.UHeight) }),
				textCol("Role", "", func(v *dcim.Rack) string { return v.Role }),
			},
			form: []fieldSpec{
				{Name: "name", Label: "Name"}, {Name: "room_id", Label: "Room", Ref: "rooms"},
				{Name: "row_id", Label: "Row", Ref: "rows", Narrow: []string{"room_id"}},
				{Name: "facility_id", Label: "Facility id"}, {Name: "tenant_id", Label: "Tenant", Ref: "tenants"},
				{Name: "status", Label: "Status"}, {Name: "role", Label: "Role"}, {Name: "serial", Label: "Serial number"},
				{Name: "asset_tag", Label: "Asset tag"}, {Name: "u_height", Label: "Height (U)"},
				{Name: "starting_unit", Label: "Starting unit"}, {Name: "desc_units", Label: "Units numbered top to bottom"},
				{Name: "width", Label: "Rail width (in)"}, {Name: "weight", Label: "Own weight"},
				{Name: "max_weight", Label: "Maximum load"}, {Name: "weight_unit", Label: "Weight unit"},
				{Name: "airflow", Label: "Airflow"}, {Name: "grid_row", Label: "Floor grid row"},
				{Name: "grid_column", Label: "Floor grid column"}, {Name: "description", Label: "Description"},
				{Name: "comments", Label: "Comments", Widget: "textarea"},
			},
		},
		"devices": &spec[dcim.Device]{
			kindInfo: kindInfo{"devices", "Devices", "device", "/devices/%d", "/api/v1/devices"},
			res:      (*store.Store).Devices, name: func(v *dcim.Device) string { return v.Name }, order: "name",
			cols: []column[dcim.Device]{
				textCol("Name", "name", func(v *dcim.Device) string { return v.Name }),
				refCol("Type", "", "device-types", func(v *dcim.Device) *int64 { return &v.DeviceTypeID }),
				refCol("Rack", "rack_id", "racks", func(v *dcim.Device) *int64 { return v.RackID }),
				numCol("Position", "position", func(v *dcim.Device) string { return fptr(v.Position) }),
				textCol("Face", "", func(v *dcim.Device) string { return v.Face }),
				textCol("Status", "status", func(v *dcim.Device) string { return v.Status }),
				textCol("Role", "role", func(v *dcim.Device) string { return v.Role }),
				refCol("Tenant", "", "tenants", func(v *dcim.Device) *int64 { return v.TenantID }),
				textCol("Serial", "", func(v *dcim.Device) string { return v.Serial }),
				textCol("Asset tag", "", func(v *dcim.Device) string { return sptr(v.AssetTag) }),
			},
			form: []fieldSpec{
				{Name: "name", Label: "Name"}, {Name: "device_type_id", Label: "Device type", Ref: "device-types"},
				{Name: "site_id", Label: "Site", Ref: "sites"},
				{Name: "rack_id", Label: "Rack", Ref: "racks", Narrow: []string{"site_id"}},
				{Name: "position", Label: "Position (lowest unit)", Step: "0.5"}, {Name: "face", Label: "Face"},
				{Name: "mount_side", Label: "0-U mount side"}, {Name: "status", Label: "Status"}, {Name: "role", Label: "Role"},
				{Name: "tenant_id", Label: "Tenant", Ref: "tenants"}, {Name: "serial", Label: "Serial number"},
				{Name: "asset_tag", Label: "Asset tag"}, {Name: "airflow", Label: "Airflow"},
				{Name: "power_redundant", Label: "Power redundant (1+1)"},
				{Name: "description", Label: "Description"}, {Name: "comments", Label: "Comments", Widget: "textarea"},
			},
		},
		"device-types": &spec[dcim.DeviceType]{
			kindInfo: kindInfo{"device-types", "Device types", "device type", "", "/api/v1/device-types"},
			res:      (*store.Store).DeviceTypes, name: func(v *dcim.DeviceType) string { return v.Model }, order: "model",
			label: func(v *dcim.DeviceType) string { return v.Model + " (" + fnum(v.UHeight) + " U)" },
			cols: []column[dcim.DeviceType]{
				textCol("Model", "model", func(v *dcim.DeviceType) string { return v.Model }),
				refCol("Manufacturer", "manufacturer_id", "manufacturers", func(v *dcim.DeviceType) *int64 { return &v.ManufacturerID }),
				textCol("Slug", "slug", func(v *dcim.DeviceType) string { return v.Slug }),
				textCol("Part number", "", func(v *dcim.DeviceType) string { return v.PartNumber }),
				numCol("Height (U)", "u_height", func(v *dcim.DeviceType) string { return fnum(v.UHeight) }),
				textCol("Full depth", "", func(v *dcim.DeviceType) string {
					if v.IsFullDepth {
						return "yes"
					}
					return "no"
				}),
				numCol("Power ports", "", func(v *dcim.DeviceType) string { return strconv.Itoa(len(v.PowerPorts)) }),
			},
		},
		"manufacturers": &spec[dcim.Manufacturer]{
			kindInfo: kindInfo{"manufacturers", "Manufacturers", "manufacturer", "", "/api/v1/manufacturers"},
			res:      (*store.Store).Manufacturers, name: func(v *dcim.Manufacturer) string { return v.Name }, order: "name",
			cols: []column[dcim.Manufacturer]{
				textCol("Name", "name", func(v *dcim.Manufacturer) string { return v.Name }),
				textCol("Slug", "slug", func(v *dcim.Manufacturer) string { return v.Slug }),
				textCol("Description", "", func(v *dcim.Manufacturer) string { return v.Description }),
			},
		},
		"tenants": &spec[dcim.Tenant]{
			kindInfo: kindInfo{"tenants", "Tenants", "tenant", "", "/api/v1/tenants"},
			res:      (*store.Store).Tenants, name: func(v *dcim.Tenant) string { return v.Name }, order: "name",
			cols: []column[dcim.Tenant]{
				textCol("Name", "name", func(v *dcim.Tenant) string { return v.Name }),
				textCol("Slug", "slug", func(v *dcim.Tenant) string { return v.Slug }),
				textCol("Description", "", func(v *dcim.Tenant) string { return v.Description }),
			},
			form: []fieldSpec{
				{Name: "name", Label: "Name"}, {Name: "slug", Label: "Slug"}, {Name: "description", Label: "Description"},
				{Name: "comments", Label: "Comments", Widget: "textarea"},
			},
		},
		"power-nodes": &spec[dcim.PowerNode]{
			kindInfo: kindInfo{"power-nodes", "Power nodes", "power node", "", "/api/v1/power-nodes"},
			res:      (*store.Store).PowerNodes, name: func(v *dcim.PowerNode) string { return v.Name }, order: "name",
			cols: []column[dcim.PowerNode]{
				textCol("Name", "name", func(v *dcim.PowerNode) string { return v.Name }),
				textCol("Kind", "kind", func(v *dcim.PowerNode) string { return v.Kind }),
				textCol("Side", "side", func(v *dcim.PowerNode) string { return v.Side }),
				textCol("Status", "", func(v *dcim.PowerNode) string { return v.Status }),
				refCol("Site", "site_id", "sites", func(v *dcim.PowerNode) *int64 { return &v.SiteID }),
				refCol("Room", "room_id", "rooms", func(v *dcim.PowerNode) *int64 { return v.RoomID }),
				numCol("Rating", "", func(v *dcim.PowerNode) string {
					var parts []string
					if v.RatedKW != nil {
						parts = append(parts, fnum(*v.RatedKW)+" kW")
					}
					if v.RatedKVA != nil {
						parts = append(parts, fnum(*v.RatedKVA)+" kVA")
					}
					if v.RatedAmps != nil {
						parts = append(parts, fnum(*v.RatedAmps)+" A")
					}
					return strings.Join(parts, " · ")
				}),
			},
		},
		"cooling-units": &spec[dcim.CoolingUnit]{
			kindInfo: kindInfo{"cooling-units", "Cooling units", "cooling unit", "", "/api/v1/cooling-units"},
			res:      (*store.Store).CoolingUnits, name: func(v *dcim.CoolingUnit) string { return v.Name }, order: "name",
			cols: []column[dcim.CoolingUnit]{
				textCol("Name", "name", func(v *dcim.CoolingUnit) string { return v.Name }),
				textCol("Kind", "kind", func(v *dcim.CoolingUnit) string { return v.Kind }),
				textCol("Status", "", func(v *dcim.CoolingUnit) string { return v.Status }),
				refCol("Room", "room_id", "rooms", func(v *dcim.CoolingUnit) *int64 { return &v.RoomID }),
				numCol("Capacity (kW)", "capacity_kw", func(v *dcim.CoolingUnit) string { return fnum(v.CapacityKW) }),
				refCol("Rack", "", "racks", func(v *dcim.CoolingUnit) *int64 { return v.RackID }),
			},
		},
		"sensor-points": &spec[dcim.SensorPoint]{
			kindInfo: kindInfo{"sensor-points", "Sensor points", "sensor point", "", "/api/v1/sensor-points"},
			res:      (*store.Store).SensorPoints, name: func(v *dcim.SensorPoint) string { return v.Name }, order: "name",
			cols: []column[dcim.SensorPoint]{
				textCol("Name", "name", func(v *dcim.SensorPoint) string { return v.Name }),
				textCol("Kind", "kind", func(v *dcim.SensorPoint) string { return v.Kind }),
				textCol("Quantity", "", func(v *dcim.SensorPoint) string { return v.Quantity }),
				refCol("Room", "", "rooms", func(v *dcim.SensorPoint) *int64 { return &v.RoomID }),
				refCol("Rack", "rack_id", "racks", func(v *dcim.SensorPoint) *int64 { return v.RackID }),
			},
		},
		"meters": &spec[dcim.Meter]{
			kindInfo: kindInfo{"meters", "Meters", "meter", "", "/api/v1/meters"},
			res:      (*store.Store).Meters, name: func(v *dcim.Meter) string { return v.Name }, order: "name",
			cols: []column[dcim.Meter]{
				textCol("Name", "name", func(v *dcim.Meter) string { return v.Name }),
				textCol("Role", "role", func(v *dcim.Meter) string { return v.Role }),
				textCol("Source", "", func(v *dcim.Meter) string { return v.Source }),
				textCol("Quantity", "", func(v *dcim.Meter) string { return v.Quantity }),
				refCol("Site", "site_id", "sites", func(v *dcim.Meter) *int64 { return &v.SiteID }),
				refCol("Tenant", "", "tenants", func(v *dcim.Meter) *int64 { return v.TenantID }),
			},
		},
	}
}

// kindOf is the kind named by the path; an unknown one is not found.
func kindOf(r *http.Request) (kind, error) {
	if k, ok := kinds[r.PathValue("type")]; ok {
		return k, nil
	}
	return nil, dcim.Errorf(dcim.ENotFound, "no inventory of %q", r.PathValue("type"))
}

// mainFilters are the filters a list offers as fields, in this order, where its type has them;
// refFilters are those chosen from another kind's objects.
var (
	mainFilters = []string{"site_id", "room_id", "row_id", "rack_id", "manufacturer_id", "device_type_id", "tenant_id",
		"status", "kind", "role", "side", "face", "aisle", "source", "quantity"}
	refFilters = map[string]string{"site_id": "sites", "room_id": "rooms", "row_id": "rows", "rack_id": "racks",
		"manufacturer_id": "manufacturers", "device_type_id": "device-types", "tenant_id": "tenants"}
	filterLabels = map[string]string{"site_id": "Site", "room_id": "Room", "row_id": "Row", "rack_id": "Rack",
		"manufacturer_id": "Manufacturer", "device_type_id": "Device type", "tenant_id": "Tenant", "status": "Status",
		"kind": "Kind", "role": "Role", "side": "Side", "face": "Face", "aisle": "Aisle", "source": "Source", "quantity": "Quantity"}
	// narrowing: a choice list of rooms follows the site chosen, of racks the room and row too.
	narrowers = []string{"site_id", "room_id", "row_id"}
)

// listData is a list page.
type listData struct {
	Kind       kindInfo
	Kinds      []kindLink
	Q          string
	Filters    []filterView
	Hidden     []param // the query's other filters, kept by the filter form
	Headers    []headerView
	Rows       []listRow
	Showing    string
	Prev, Next string
	Error      string // the store's answer to a query it refuses (a bad ordering or filter)
	Edit       bool   // operators: an edit link on each row
	New        string // operators: the create form
	Import     bool   // device types: the import page
	APIHref    string
}

type kindLink struct {
	Slug, Title string
	Current     bool
}

type filterView struct {
	Name, Label, Value string
	Options            []option // a select; nil: a text input
	Number             bool     // an id typed in (too many objects to list)
}

type option struct {
	Value, Label string
	Selected     bool
}

type param struct{ Name, Value string }

type headerView struct {
	Text, Href, Sort, Arrow string
	Num                     bool
}

func (u *UI) inventoryList(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	k, err := kindOf(r)
	if err != nil {
		return "", err
	}
	ctx := r.Context()
	info := k.info()
	q := r.URL.Query()
	lq := dcim.ListQuery{Limit: pageSize, Q: strings.TrimSpace(q.Get("q")), Ordering: strings.TrimSpace(q.Get("ordering")),
		Filters: map[string][]string{}}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n <= dcim.MaxLimit {
		lq.Limit = n
	}
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		lq.Offset = n
	}
	known := k.filterNames(u.store)
	for _, f := range known {
		for _, val := range q[f] {
			if val = strings.TrimSpace(val); val != "" {
				lq.Filters[f] = append(lq.Filters[f], val)
			}
		}
	}
	// The query as links keep it: search, filters, ordering, page size.
	base := url.Values{}
	if lq.Q != "" {
		base.Set("q", lq.Q)
	}
	for f, vals := range lq.Filters {
		base[f] = vals
	}
	if lq.Limit != pageSize {
		base.Set("limit", strconv.Itoa(lq.Limit))
	}
	link := func(ordering string, offset int) string {
		p := url.Values{}
		for k, v := range base {
			p[k] = v
		}
		if ordering != "" {
			p.Set("ordering", ordering)
		}
		if offset > 0 {
			p.Set("offset", strconv.Itoa(offset))
		}
		if len(p) == 0 {
			return "/inventory/" + info.Slug
		}
		return "/inventory/" + info.Slug + "?" + p.Encode()
	}

	editor := v.Actor.Role == dcim.RoleAdmin || v.Actor.Role == dcim.RoleOperator
	d := listData{Kind: info, Q: lq.Q, APIHref: info.API, Import: editor && info.Slug == "device-types"}
	if editor && k.hasForm() {
		d.New, d.Edit = "/inventory/"+info.Slug+"/new", true
	}
	for _, s := range kindOrder {
		d.Kinds = append(d.Kinds, kindLink{Slug: s, Title: kinds[s].info().Title, Current: s == info.Slug})
	}
	status := http.StatusOK
	count, rows, err := k.table(ctx, u.store, lq)
	if e := dcim.AsError(err); e != nil && e.Code == dcim.EInvalid {
		d.Error, status = e.Error(), http.StatusBadRequest
		if slices.ContainsFunc(e.Fields, func(f dcim.FieldError) bool { return f.Field == "ordering" }) {
			lq.Ordering = "" // the filter form and the links drop it
		}
	} else if err != nil {
		return "", err
	}
	d.Rows = rows
	for i := range d.Rows {
		if info.Page != "" {
			d.Rows[i].Cells[0].Href = fmt.Sprintf(info.Page, d.Rows[i].ID)
		} else if d.Edit {
			d.Rows[i].Cells[0].Href = fmt.Sprintf("/inventory/%s/%d/edit", info.Slug, d.Rows[i].ID)
		}
	}
	for _, h := range k.headers() {
		hv := headerView{Text: h.Header, Num: h.Num}
		if h.Order != "" {
			next := h.Order
			switch lq.Ordering {
			case h.Order:
				hv.Sort, hv.Arrow, next = "ascending", " ▲", "-"+h.Order
			case "-" + h.Order:
				hv.Sort, hv.Arrow = "descending", " ▼"
			}
			hv.Href = link(next, 0)
		}
		d.Headers = append(d.Headers, hv)
	}
	switch {
	case d.Error != "":
	case count == 0 && (lq.Q != "" || len(lq.Filters) > 0):
		d.Showing = "Nothing matches."
	case count == 0:
		d.Showing = "None yet."
	case len(rows) == 0:
		d.Showing = fmt.Sprintf("No rows on this page; %d in all.", count)
	default:
		d.Showing = fmt.Sprintf("Showing %d–%d of %d", lq.Offset+1, lq.Offset+len(rows), count)
	}
	if lq.Offset > 0 && d.Error == "" {
		d.Prev = link(lq.Ordering, max(0, lq.Offset-lq.Limit))
	}
	if len(rows) > 0 && lq.Offset+len(rows) < count {
		d.Next = link(lq.Ordering, lq.Offset+lq.Limit)
	}
	if d.Filters, err = u.filterViews(ctx, k, known, lq.Filters); err != nil {
		return "", err
	}
	shown := map[string]bool{}
	for _, f := range d.Filters {
		shown[f.Name] = true
	}
	for _, f := range known {
		for _, val := range lq.Filters[f] {
			if !shown[f] {
				d.Hidden = append(d.Hidden, param{f, val})
			}
		}
	}
	if lq.Ordering != "" {
		d.Hidden = append(d.Hidden, param{"ordering", lq.Ordering})
	}
	if lq.Limit != pageSize {
		d.Hidden = append(d.Hidden, param{"limit", strconv.Itoa(lq.Limit)})
	}
	v.Title, v.Crumbs, v.Data = info.Title, []crumb{{"Sites", "/"}}, d
	if status != http.StatusOK {
		u.render(w, status, "inventory", v)
		return "", nil
	}
	return "inventory", nil
}

// filterViews are the list's filter fields: the main filters its type has, a select of the objects
// (narrowed by the site, room or row chosen) or of the allowed values, else a text field.
func (u *UI) filterViews(ctx context.Context, k kind, known []string, active map[string][]string) ([]filterView, error) {
	var out []filterView
	for _, name := range mainFilters {
		if !slices.Contains(known, name) {
			continue
		}
		cur := ""
		if vals := active[name]; len(vals) > 0 {
			cur = vals[0]
		}
		fv := filterView{Name: name, Label: filterLabels[name], Value: cur}
		fi, _ := k.field(name)
		if ref, ok := refFilters[name]; ok {
			rk := kinds[ref]
			narrow := map[string][]string{}
			rknown := rk.filterNames(u.store)
			for _, n := range narrowers {
				if n != name && len(active[n]) > 0 && slices.Contains(rknown, n) {
					narrow[n] = active[n]
				}
			}
			opts, complete, err := rk.options(ctx, u.store, narrow)
			if dcim.ErrorCode(err) == dcim.EForbidden {
				continue
			} else if err != nil {
				return nil, err
			}
			if !complete {
				fv.Label += " id"
				fv.Number = true
				out = append(out, fv)
				continue
			}
			fv.Options = append([]option{{Value: "", Label: "any"}}, opts...)
			if fi.Nullable {
				fv.Options = append(fv.Options, option{Value: "null", Label: "(none)"})
			}
		} else if len(fi.Enum) > 0 {
			fv.Options = []option{{Value: "", Label: "any"}}
			for _, e := range fi.Enum {
				if e != "" {
					fv.Options = append(fv.Options, option{Value: e, Label: e})
				}
			}
		}
		found := cur == ""
		for i := range fv.Options {
			if fv.Options[i].Value == cur {
				fv.Options[i].Selected, found = true, true
			}
		}
		if !found { // a value from a link that the choices lack: keep it
			fv.Options = append(fv.Options, option{Value: cur, Label: cur, Selected: true})
		}
		out = append(out, fv)
	}
	return out, nil
}

// formData is a create or edit form, or the note that a type has none yet.
type formData struct {
	Kind    kindInfo
	Action  string
	Cancel  string
	Fields  []formField
	Message string        // the summary's heading when the store refused the form
	Errors  []summaryItem // each problem, linked to its field
	NoForm  bool
	Import  bool // device types: the import page
}

type formField struct {
	ID, Name, Label, Help, Widget string
	Value                         string
	Checked                       bool
	Options                       []option
	Required                      bool
	Step, Min, Max, InputMode     string
	Error                         string
	Conflict                      *link
	DescribedBy                   string
}

type summaryItem struct {
	Href, Label, Message string
	Conflict             *link
}

type link struct{ Text, Href string }

// inventoryForm serves the four form routes: GET new and edit show the form, POST creates (no id)
// or patches (an id) and shows the form again with the store's objections, or goes on to the object.
func (u *UI) inventoryForm(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	k, err := kindOf(r)
	if err != nil {
		return "", err
	}
	ctx := r.Context()
	info := k.info()
	var id int64
	if r.PathValue("id") != "" {
		if id, err = pathID(r); err != nil {
			return "", err
		}
	}
	d := formData{Kind: info, Action: "/inventory/" + info.Slug, Cancel: "/inventory/" + info.Slug, Import: info.Slug == "device-types"}
	v.Crumbs = []crumb{{"Sites", "/"}, {info.Title, "/inventory/" + info.Slug}}
	if id > 0 {
		d.Action += "/" + strconv.FormatInt(id, 10)
		v.Title = "Edit " + info.Singular
		if info.Page != "" {
			d.Cancel = fmt.Sprintf(info.Page, id)
		}
	} else {
		v.Title = "New " + info.Singular
	}
	v.Data = &d
	if !k.hasForm() {
		if r.Method == http.MethodPost {
			return "", dcim.Errorf(dcim.EInvalid, "%s have no form here yet: use the JSON API, %s", info.Title, info.API)
		}
		d.NoForm = true
		return "form", nil
	}
	// What the form shows: the object as it is, or for a new one what the query fills in (the rack
	// of a "new device here" link); over that, what was posted.
	vals := map[string]string{}
	if id > 0 {
		cur, name, err := k.values(ctx, u.store, id)
		if err != nil {
			return "", err
		}
		vals = cur
		v.Title = "Edit " + info.Singular + " " + name
	} else if r.Method != http.MethodPost {
		for _, f := range k.formFields() {
			vals[f.Name] = r.URL.Query().Get(f.Name)
		}
	}
	var bad map[string]string // number fields that do not parse
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			return "", dcim.Invalid("form", "cannot read the form: %v", err)
		}
		// Only the fields posted are written: an edit patches them and keeps the rest. A checkbox
		// posts a hidden "false" before it, and "true" after it when ticked: the last one counts.
		posted := map[string]string{}
		for _, f := range k.formFields() {
			if vs, ok := r.PostForm[f.Name]; ok && len(vs) > 0 {
				posted[f.Name] = vs[len(vs)-1]
				vals[f.Name] = posted[f.Name]
			}
		}
		body, problems := formBody(k, posted)
		if len(problems) == 0 {
			var newID int64
			if id > 0 {
				newID, err = k.patch(ctx, u.store, id, body)
			} else {
				newID, err = k.create(ctx, u.store, body)
			}
			if err == nil {
				to := fmt.Sprintf("/inventory/%s?id=%d", info.Slug, newID)
				if info.Page != "" {
					to = fmt.Sprintf(info.Page, newID)
				}
				http.Redirect(w, r, to, http.StatusSeeOther)
				return "", nil
			}
		} else {
			err = &dcim.Error{Code: dcim.EInvalid, Message: "invalid input", Fields: problems}
			bad = map[string]string{}
			for _, p := range problems {
				bad[p.Field] = p.Message
			}
		}
		e := dcim.AsError(err)
		if e == nil || (e.Code != dcim.EInvalid && e.Code != dcim.EConflict) {
			return "", err
		}
		if d.Fields, err = u.formFields(ctx, k, vals, bad); err != nil {
			return "", err
		}
		u.explain(&d, k, e)
		status := http.StatusBadRequest
		if e.Code == dcim.EConflict {
			status = http.StatusConflict
		}
		u.render(w, status, "form", v)
		return "", nil
	}
	if d.Fields, err = u.formFields(ctx, k, vals, nil); err != nil {
		return "", err
	}
	describe(d.Fields)
	return "form", nil
}

// formBody turns the posted values into the JSON fields of the model, by each field's type: an
// empty value is null where the field takes null, else the type's zero (which the store defaults).
// Numbers that do not parse are field problems.
func formBody(k kind, vals map[string]string) (map[string]json.RawMessage, []dcim.FieldError) {
	body := map[string]json.RawMessage{}
	var problems []dcim.FieldError
	for _, f := range k.formFields() {
		fi, ok := k.field(f.Name)
		s, posted := vals[f.Name]
		if !ok || !posted {
			continue
		}
		if f.Widget != "textarea" {
			s = strings.TrimSpace(s)
		}
		var raw json.RawMessage
		switch {
		case fi.Type == "bool" && !fi.Nullable: // a checkbox: absent is false
			raw = json.RawMessage(strconv.FormatBool(s != "" && s != "false"))
		case s == "" && fi.Nullable:
			raw = json.RawMessage("null")
		case fi.Type == "bool":
			b, err := strconv.ParseBool(s)
			if err != nil {
				problems = append(problems, dcim.FieldError{Field: f.Name, Message: "choose yes, no or nothing"})
				continue
			}
			raw = json.RawMessage(strconv.FormatBool(b))
		case fi.Type == "string":
			raw, _ = json.Marshal(s)
		case s == "":
			raw = json.RawMessage("0")
		case fi.Type == "int", fi.Type == "id":
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				msg := "a whole number, got " + strconv.Quote(s)
				if fi.Type == "id" {
					msg = "choose one from the list, or give its id number"
				}
				problems = append(problems, dcim.FieldError{Field: f.Name, Message: msg})
				continue
			}
			raw = json.RawMessage(strconv.FormatInt(n, 10))
		case fi.Type == "float":
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				problems = append(problems, dcim.FieldError{Field: f.Name, Message: "a number, got " + strconv.Quote(s)})
				continue
			}
			raw = json.RawMessage(strconv.FormatFloat(x, 'f', -1, 64))
		default:
			continue
		}
		body[f.Name] = raw
	}
	return body, problems
}

// formFields are the form's fields with the values shown and the choices of its selects.
func (u *UI) formFields(ctx context.Context, k kind, vals, bad map[string]string) ([]formField, error) {
	out := make([]formField, 0, len(k.formFields()))
	for _, f := range k.formFields() {
		fi, ok := k.field(f.Name)
		if !ok {
			continue
		}
		ff := formField{ID: "f-" + f.Name, Name: f.Name, Label: f.Label, Help: f.Help, Widget: f.Widget, Value: vals[f.Name],
			Required: fi.Required, Min: fi.Min, Max: fi.Max, Step: f.Step}
		if ff.Help == "" {
			ff.Help = fi.Doc
		}
		if ff.Widget == "" {
			switch {
			case fi.Type == "bool" && !fi.Nullable:
				ff.Widget, ff.Checked = "checkbox", ff.Value == "true" || ff.Value == "on"
			case fi.Type == "bool":
				ff.Widget = "select"
				ff.Options = []option{{Value: "", Label: "(not set)"}, {Value: "true", Label: "yes"}, {Value: "false", Label: "no"}}
			case f.Ref != "":
				ff.Widget = "select"
			case len(fi.Enum) > 0:
				ff.Widget = "select"
				if !slices.Contains(fi.Enum, "") {
					first := "(choose)"
					if !fi.Required {
						first = "(default)"
						if fi.Default != "" {
							first = "(default: " + fi.Default + ")"
						}
					}
					ff.Options = append(ff.Options, option{Value: "", Label: first})
				}
				for _, e := range fi.Enum {
					label := e
					if e == "" {
						label = "(none)"
					}
					ff.Options = append(ff.Options, option{Value: e, Label: label})
				}
			case fi.Type == "string":
				ff.Widget = "text"
			default:
				ff.Widget = "number"
				if ff.Step == "" {
					ff.Step = "any"
					if fi.Type != "float" {
						ff.Step = "1"
					}
				}
			}
		}
		if f.Ref != "" && ff.Widget == "select" {
			rk := kinds[f.Ref]
			narrow := map[string][]string{}
			rknown := rk.filterNames(u.store)
			for _, n := range f.Narrow {
				if vals[n] != "" && slices.Contains(rknown, n) {
					narrow[n] = []string{vals[n]}
				}
			}
			opts, complete, err := rk.options(ctx, u.store, narrow)
			if err != nil {
				return nil, err
			}
			if complete {
				first := "(none)"
				if fi.Required {
					first = "(choose)"
				}
				ff.Options = append([]option{{Value: "", Label: first}}, opts...)
			} else { // too many to list: the id
				ff.Widget, ff.Step, ff.Label = "number", "1", f.Label+" (id)"
			}
		}
		if ff.Widget == "select" {
			found := ff.Value == ""
			for i := range ff.Options {
				if ff.Options[i].Value == ff.Value {
					ff.Options[i].Selected, found = true, true
				}
			}
			if !found { // a value the choices lack (another site's rack): keep it
				ff.Options = append(ff.Options, option{Value: ff.Value, Label: "#" + ff.Value, Selected: true})
			}
		}
		if msg, ok := bad[f.Name]; ok && ff.Widget == "number" {
			// Shown as typed, which a number input would blank.
			ff.Widget, ff.Step, ff.InputMode, ff.Error = "text", "", "decimal", msg
		}
		out = append(out, ff)
	}
	return out, nil
}

// explain puts the store's objections next to their fields, and all of them in the summary.
func (u *UI) explain(d *formData, k kind, e *dcim.Error) {
	d.Message = e.Message
	if e.Message == "invalid input" || e.Message == "conflict" || e.Message == "" {
		d.Message = "The " + d.Kind.Singular + " was not saved: correct what is marked."
	}
	at := map[string]int{}
	for i, f := range d.Fields {
		at[f.Name] = i
	}
	for _, fe := range e.Fields {
		item := summaryItem{Label: fe.Field, Message: fe.Message}
		if fe.Conflict != nil {
			item.Conflict = u.objectLink(*fe.Conflict)
		}
		if i, ok := at[fe.Field]; ok {
			f := &d.Fields[i]
			item.Href, item.Label = "#"+f.ID, f.Label
			if f.Error != "" && f.Error != fe.Message {
				f.Error += "; " + fe.Message
			} else {
				f.Error = fe.Message
			}
			if item.Conflict != nil {
				f.Conflict = item.Conflict
			}
		}
		d.Errors = append(d.Errors, item)
	}
	if len(e.Fields) == 0 {
		d.Errors = append(d.Errors, summaryItem{Label: d.Kind.Singular, Message: e.Message})
	}
	describe(d.Fields)
}

// describe links each field to its error and help text (aria-describedby).
func describe(fields []formField) {
	for i := range fields {
		f := &fields[i]
		var ids []string
		if f.Error != "" {
			ids = append(ids, f.ID+"-error")
		}
		if f.Help != "" {
			ids = append(ids, f.ID+"-help")
		}
		f.DescribedBy = strings.Join(ids, " ")
	}
}

// objectLink links to an object an error names: its page, else its form, else the API.
func (u *UI) objectLink(ref dcim.ObjectRef) *link {
	text := ref.Type + " " + ref.Name
	if ref.Name == "" {
		text = fmt.Sprintf("%s %d", ref.Type, ref.ID)
	}
	for _, s := range kindOrder {
		k := kinds[s]
		if k.objectType(u.store) != ref.Type {
			continue
		}
		info := k.info()
		switch {
		case info.Page != "":
			return &link{text, fmt.Sprintf(info.Page, ref.ID)}
		case k.hasForm():
			return &link{text, fmt.Sprintf("/inventory/%s/%d/edit", info.Slug, ref.ID)}
		default:
			return &link{text, fmt.Sprintf("%s/%d", info.API, ref.ID)}
		}
	}
	return &link{Text: text}
}
