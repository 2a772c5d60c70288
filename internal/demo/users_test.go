package demo_test

import (
	"context"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/store"
)

// TestDemoUsers: the demo's people, and the portal's view of the demo facility for a tenant user:
// Kopi Cloud's racks and devices, none of the bank's or the media company's.
func TestDemoUsers(t *testing.T) {
	st := openStore(t, engines[0].URL(t))
	ctx := context.Background()
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	creds, err := demo.Users(ctx, st, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 5 {
		t.Fatalf("credentials %+v", creds)
	}
	for _, c := range creds {
		if c.Password != demo.DefaultPassword(c.Name) {
			t.Errorf("%s on loopback: password %q", c.Name, c.Password)
		}
	}
	kopi, err := st.CheckPassword(ctx, "kopi", demo.DefaultPassword("kopi"))
	if err != nil || kopi.Role != dcim.RoleTenant || kopi.TenantID == nil {
		t.Fatalf("kopi: %+v %v", kopi, err)
	}
	tenant := dcim.WithActor(ctx, dcim.Actor{Name: "user:kopi", UserID: kopi.ID, Role: dcim.RoleTenant, TenantID: *kopi.TenantID, CanWrite: true})
	all, err := st.Racks().List(ctx, dcim.ListQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var kopiRacks int
	for _, r := range all.Results {
		if r.TenantID != nil && *r.TenantID == *kopi.TenantID {
			kopiRacks++
		}
	}
	seen, err := st.Racks().List(tenant, dcim.ListQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if seen.Count != kopiRacks || kopiRacks == 0 || kopiRacks == all.Count {
		t.Errorf("kopi sees %d racks; it has %d of %d", seen.Count, kopiRacks, all.Count)
	}
	for _, r := range seen.Results {
		if r.TenantID == nil || *r.TenantID != *kopi.TenantID {
			t.Errorf("kopi sees rack %q of tenant %v", r.Name, r.TenantID)
		}
	}
	devs, err := st.Devices().List(tenant, dcim.ListQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs.Results {
		if d.TenantID != nil && *d.TenantID != *kopi.TenantID {
			t.Errorf("kopi sees device %q of tenant %d", d.Name, *d.TenantID)
		}
	}
	if devs.Count == 0 {
		t.Error("kopi sees no device")
	}
	// Served publicly, no default password survives.
	creds, err = demo.Users(ctx, st, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range creds {
		if c.Password == "" || c.Password == demo.DefaultPassword(c.Name) {
			t.Errorf("%s off loopback: password %q", c.Name, c.Password)
		}
		if ok, err := st.PasswordIs(ctx, c.Name, demo.DefaultPassword(c.Name)); ok || err != nil {
			t.Errorf("%s still has its default password (%v)", c.Name, err)
		}
	}
	var _ *store.Store = st
}
