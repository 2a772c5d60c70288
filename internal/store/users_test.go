package store_test

import (
	"context"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// Users on both engines: a tenant user needs an existing tenant; the password checks; a
// duplicate name, a short password and a role that does not exist are refused by field.
func TestUsers(t *testing.T) {
	for _, eng := range testpeer.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, eng.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			acme := must(st.Tenants().Create(ctx, dcim.Tenant{Name: "Acme"}))
			u, err := st.CreateUser(ctx, dcim.User{Name: "acme.ops", Role: "tenant", TenantID: &acme.ID}, "twelve chars!")
			if err != nil || u.ID == 0 {
				t.Fatal(u, err)
			}
			got, err := st.CheckPassword(ctx, "acme.ops", "twelve chars!")
			if err != nil || got.TenantID == nil || *got.TenantID != acme.ID || got.LastLogin == nil {
				t.Errorf("check: %+v %v", got, err)
			}
			missing := int64(99999)
			for _, c := range []struct {
				u     dcim.User
				pw    string
				field string
			}{
				{dcim.User{Name: "acme.ops", Role: "viewer"}, "twelve chars!", "name"},
				{dcim.User{Name: "v", Role: "viewer"}, "short", "password"},
				{dcim.User{Name: "v", Role: "root"}, "twelve chars!", "role"},
				{dcim.User{Name: "v", Role: "tenant", TenantID: &missing}, "twelve chars!", "tenant_id"},
				{dcim.User{Name: "-v", Role: "viewer"}, "twelve chars!", "name"},
			} {
				_, err := st.CreateUser(ctx, c.u, c.pw)
				if e := dcim.AsError(err); e == nil || len(e.Fields) == 0 || e.Fields[0].Field != c.field {
					t.Errorf("%+v: %v, want an error on %s", c.u, err, c.field)
				}
			}
			if users, err := st.Users(ctx); err != nil || len(users) != 1 {
				t.Errorf("users: %v %v", users, err)
			}
		})
	}
}
