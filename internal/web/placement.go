package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/planning"
)

// placementData is the wizard: its choices, what was asked, and the answer.
type placementData struct {
	Sites   []dcim.Site
	Types   []dcim.DeviceType
	Tenants []dcim.Tenant
	Form    placementForm
	Asked   bool
	Result  *planning.Placement
	Error   string
	Fields  map[string]string // field → what is wrong with it
	Query   string            // the form as a query string, for the reserve post
}

type placementForm struct {
	Site, DeviceType, Tenant int64
	Count, MaxPerRack        int
	Redundancy               string
	KeepTogether             bool
}

// readPlacementForm reads the wizard's fields from a query or a posted form.
func readPlacementForm(vals url.Values) (placementForm, map[string]string) {
	f := placementForm{Count: 1, Redundancy: "A+B"}
	bad := map[string]string{}
	num := func(name string, dst *int64) {
		if s := vals.Get(name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				bad[name] = "choose one from the list"
				return
			}
			*dst = n
		}
	}
	num("site", &f.Site)
	num("device_type", &f.DeviceType)
	num("tenant", &f.Tenant)
	if s := vals.Get("count"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			bad["count"] = "a whole number from 1 to 10,000"
		} else {
			f.Count = n
		}
	}
	if s := vals.Get("max_per_rack"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			bad["max_per_rack"] = "a whole number, 0 for no limit"
		} else {
			f.MaxPerRack = n
		}
	}
	if r := vals.Get("redundancy"); r == "single" || r == "A+B" {
		f.Redundancy = r
	} else if r != "" {
		bad["redundancy"] = "single or A+B"
	}
	f.KeepTogether = vals.Get("keep_together") == "on"
	return f, bad
}

func (f placementForm) values() url.Values {
	v := url.Values{}
	v.Set("site", strconv.FormatInt(f.Site, 10))
	v.Set("device_type", strconv.FormatInt(f.DeviceType, 10))
	v.Set("count", strconv.Itoa(f.Count))
	v.Set("redundancy", f.Redundancy)
	if f.Tenant > 0 {
		v.Set("tenant", strconv.FormatInt(f.Tenant, 10))
	}
	if f.MaxPerRack > 0 {
		v.Set("max_per_rack", strconv.Itoa(f.MaxPerRack))
	}
	if f.KeepTogether {
		v.Set("keep_together", "on")
	}
	return v
}

// placement is the wizard: device type, count, redundancy and constraints in; ranked racks out;
// a post reserves them.
func (u *UI) placement(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	vals := r.URL.Query()
	reserve := r.Method == http.MethodPost
	if reserve {
		if err := r.ParseForm(); err != nil {
			return "", dcim.Invalid("form", "cannot read the form")
		}
		vals = r.PostForm
	}
	d := placementData{}
	var err error
	sites, err := u.store.Sites().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Ordering: "name"})
	if err != nil {
		return "", err
	}
	types, err := u.store.DeviceTypes().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Ordering: "model"})
	if err != nil {
		return "", err
	}
	d.Sites, d.Types = sites.Results, types.Results
	if !v.Tenant {
		tenants, err := u.store.Tenants().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Ordering: "name"})
		if err != nil {
			return "", err
		}
		d.Tenants = tenants.Results
	}
	d.Form, d.Fields = readPlacementForm(vals)
	if len(d.Sites) == 1 && d.Form.Site == 0 {
		d.Form.Site = d.Sites[0].ID
	}
	d.Asked = vals.Get("device_type") != ""
	if d.Asked && len(d.Fields) == 0 {
		req := planning.PlaceRequest{DeviceType: d.Form.DeviceType, Count: d.Form.Count, Redundancy: d.Form.Redundancy,
			Site: d.Form.Site, KeepTogether: d.Form.KeepTogether, MaxPerRack: d.Form.MaxPerRack, Reserve: reserve}
		if d.Form.Tenant > 0 {
			req.Tenant = &d.Form.Tenant
		}
		res, err := u.planner.Place(ctx, req)
		if e := dcim.AsError(err); e != nil && e.Code == dcim.EInvalid {
			d.Error = e.Message
			d.Fields = map[string]string{}
			for _, fe := range e.Fields {
				d.Fields[fe.Field] = fe.Message
			}
		} else if err != nil {
			return "", err
		} else {
			d.Result = &res
		}
	}
	d.Query = d.Form.values().Encode()
	v.Title, v.Crumbs, v.Data = "Place equipment", []crumb{{"Sites", "/"}}, d
	return "placement", nil
}
