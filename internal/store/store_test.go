package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

func TestMain(m *testing.M) { testpeer.Main(m) }

// engines are SQLite and PostgreSQL, each giving a fresh database.
var engines = testpeer.Engines()

func forEachEngine(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) {
			fn(t, openStore(t, e.URL(t)))
		})
	}
}

func openStore(tb testing.TB, url string) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// must unwraps the result of a fixture write; a failure there is a broken test setup, and the
// panic fails the test with its stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// facility is a small site with one rack and a 2U full-depth server type.
type facility struct {
	site   dcim.Site
	room   dcim.Room
	rack   dcim.Rack
	server dcim.DeviceType
	pdu    dcim.DeviceType
	tenant dcim.Tenant
}

func newFacility(t testing.TB, st *store.Store) facility {
	ctx := context.Background()
	var f facility
	f.tenant = must(st.Tenants().Create(ctx, dcim.Tenant{Name: "Acme"}))
	f.site = must(st.Sites().Create(ctx, dcim.Site{Name: "Cyberjaya DC1", TimeZone: "Asia/Kuala_Lumpur", SupplyVoltageLN: ptr(230.0)}))
	f.room = must(st.Rooms().Create(ctx, dcim.Room{SiteID: f.site.ID, Name: "Hall 1", GridRows: 20, GridColumns: 30, FloorLoadRating: ptr(1500.0)}))
	f.rack = must(st.Racks().Create(ctx, dcim.Rack{Name: "A01", RoomID: f.room.ID, UHeight: 48, MaxWeight: ptr(1200.0),
		OuterWidth: ptr(600.0), OuterDepth: ptr(1200.0), GridRow: ptr(1), GridColumn: ptr(1)}))
	m := must(st.Manufacturers().Create(ctx, dcim.Manufacturer{Name: "Dell"}))
	f.server = must(st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: m.ID, Model: "PowerEdge R750", UHeight: 2, IsFullDepth: true,
		Weight: ptr(28.0), WeightUnit: "kg",
		PowerPorts: []dcim.PowerPortTemplate{{Name: "PSU1", Type: "iec-60320-c14", MaximumDraw: ptr(1400), AllocatedDraw: ptr(600)},
			{Name: "PSU2", Type: "iec-60320-c14", MaximumDraw: ptr(1400), AllocatedDraw: ptr(600)}}}))
	apc := must(st.Manufacturers().Create(ctx, dcim.Manufacturer{Name: "APC"}))
	f.pdu = must(st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: apc.ID, Model: "AP8653", UHeight: 0, IsFullDepth: false,
		PowerPorts:   []dcim.PowerPortTemplate{{Name: "Input", Type: "iec-60309-3p-n-e-6h"}},
		PowerOutlets: []dcim.PowerOutletTemplate{{Name: "1", Type: "iec-60320-c13", PowerPort: "Input", FeedLeg: "A"}, {Name: "2", Type: "iec-60320-c13", PowerPort: "Input", FeedLeg: "B"}, {Name: "3", Type: "iec-60320-c19", PowerPort: "Input", FeedLeg: "C"}}}))
	return f
}

func TestDeviceLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := dcim.WithActor(context.Background(), dcim.Actor{Name: "tester", RequestID: "r1"})
		f := newFacility(t, st)
		srv := must(st.Devices().Create(ctx, dcim.Device{Name: "srv01", DeviceTypeID: f.server.ID, RackID: &f.rack.ID,
			Position: ptr(10.0), Face: "front", TenantID: &f.tenant.ID, Tags: []string{"gpu", "critical", "gpu"}}))
		if srv.SiteID != f.site.ID {
			t.Errorf("site derived from rack: got %d, want %d", srv.SiteID, f.site.ID)
		}
		got := must(st.Devices().Get(ctx, srv.ID))
		if len(got.Tags) != 2 || got.Tags[0] != "critical" || got.Tags[1] != "gpu" {
			t.Errorf("tags %v", got.Tags)
		}
		if !got.Created.Equal(srv.Created) || got.Created.IsZero() {
			t.Errorf("created %v vs %v", got.Created, srv.Created)
		}
		ports := must(st.PowerPorts().List(ctx, dcim.ListQuery{Filters: map[string][]string{"device_id": {jsonNum(srv.ID)}}}))
		if ports.Count != 2 || *ports.Results[0].MaximumDraw != 1400 || *ports.Results[1].AllocatedDraw != 600 {
			t.Errorf("ports %+v", ports)
		}
		pdu := must(st.Devices().Create(ctx, dcim.Device{Name: "pdu-a", DeviceTypeID: f.pdu.ID, RackID: &f.rack.ID, MountSide: "left"}))
		outlets := must(st.PowerOutlets().List(ctx, dcim.ListQuery{Filters: map[string][]string{"device_id": {jsonNum(pdu.ID)}}, Ordering: "name"}))
		if outlets.Count != 3 || outlets.Results[2].FeedLeg != "C" || outlets.Results[0].PowerPortID == nil {
			t.Errorf("outlets %+v", outlets)
		}
		// Move the server up two units: the check must not collide with itself.
		moved := must(st.Devices().Patch(ctx, srv.ID, map[string]json.RawMessage{"position": json.RawMessage("11"), "tenant_id": json.RawMessage("null")}))
		if *moved.Position != 11 || moved.TenantID != nil || moved.Name != "srv01" {
			t.Errorf("patched %+v", moved)
		}
		// The change log has the create and the update with before and after.
		ch := must(st.Changes(ctx, dcim.ListQuery{Filters: map[string][]string{"object_type": {"device"}, "object_id": {jsonNum(srv.ID)}}}))
		if ch.Count != 2 || ch.Results[0].Action != "update" || ch.Results[1].Action != "create" || ch.Results[0].Actor != "tester" || ch.Results[0].RequestID != "r1" {
			t.Fatalf("changes %+v", ch)
		}
		var pre, post dcim.Device
		json.Unmarshal(ch.Results[0].PreChange.(json.RawMessage), &pre)
		json.Unmarshal(ch.Results[0].PostChange.(json.RawMessage), &post)
		if *pre.Position != 10 || *post.Position != 11 || pre.TenantID == nil || post.TenantID != nil {
			t.Errorf("pre %+v post %+v", pre, post)
		}
		if err := st.Devices().Delete(ctx, pdu.ID); err != nil {
			t.Fatal(err)
		}
		outlets = must(st.PowerOutlets().List(ctx, dcim.ListQuery{Filters: map[string][]string{"device_id": {jsonNum(pdu.ID)}}}))
		if outlets.Count != 0 {
			t.Errorf("outlets left after delete: %d", outlets.Count)
		}
	})
}

func jsonNum(id int64) string { b, _ := json.Marshal(id); return string(b) }

func TestNothingWrittenOnFailure(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFacility(t, st)
		before := must(st.Changes(ctx, dcim.ListQuery{Limit: 1}))
		// The third device collides with the first: none of the three is stored, no tag is created.
		_, err := st.Devices().BulkCreate(ctx, []dcim.Device{
			{Name: "a", DeviceTypeID: f.server.ID, RackID: &f.rack.ID, Position: ptr(1.0), Face: "front", Tags: []string{"new-tag"}},
			{Name: "b", DeviceTypeID: f.server.ID, RackID: &f.rack.ID, Position: ptr(3.0), Face: "front"},
			{Name: "c", DeviceTypeID: f.server.ID, RackID: &f.rack.ID, Position: ptr(2.0), Face: "rear"},
		})
		e := dcim.AsError(err)
		if e == nil || e.Code != dcim.EConflict || e.Fields[0].Field != "[2].position" || e.Fields[0].Conflict.Name != "a" {
			t.Fatalf("got %v", err)
		}
		devs := must(st.Devices().List(ctx, dcim.ListQuery{}))
		tags := must(st.Tags().List(ctx, dcim.ListQuery{}))
		after := must(st.Changes(ctx, dcim.ListQuery{Limit: 1}))
		if devs.Count != 0 || tags.Count != 0 || after.Count != before.Count {
			t.Fatalf("half-written: %d devices, %d tags, %d→%d changes", devs.Count, tags.Count, before.Count, after.Count)
		}
	})
}

func TestReservationExpiry(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFacility(t, st)
		past := time.Now().Add(-time.Hour).UTC()
		must(st.RackReservations().Create(ctx, dcim.RackReservation{RackID: f.rack.ID, Units: []int{5, 6}, TenantID: &f.tenant.ID, Description: "old", Expires: &past}))
		// Expired: another reservation and a device may take the units.
		must(st.RackReservations().Create(ctx, dcim.RackReservation{RackID: f.rack.ID, Units: []int{5}, Description: "new"}))
		_, err := st.Devices().Create(ctx, dcim.Device{Name: "x", DeviceTypeID: f.server.ID, RackID: &f.rack.ID, Position: ptr(4.0), Face: "front"})
		if e := dcim.AsError(err); e == nil || e.Code != dcim.EConflict || e.Fields[0].Conflict.Type != dcim.TypeRackReservation {
			t.Fatalf("device in a reservation in force: %v", err)
		}
		must(st.Devices().Create(ctx, dcim.Device{Name: "x", DeviceTypeID: f.server.ID, RackID: &f.rack.ID, Position: ptr(6.0), Face: "front"}))
	})
}

func TestTokens(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tok, secret, err := st.CreateToken(ctx, "ci", false, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, got, err := st.Authenticate(ctx, secret)
		if err != nil || got.ID != tok.ID || got.WriteEnabled || got.LastUsed == nil {
			t.Fatalf("authenticate: %+v %v", got, err)
		}
		if _, _, err := st.Authenticate(ctx, secret+"x"); dcim.ErrorCode(err) != dcim.EUnauthorized {
			t.Fatalf("wrong secret: %v", err)
		}
		past := time.Now().Add(-time.Minute)
		if _, _, err := st.CreateToken(ctx, "old", true, &past); dcim.ErrorCode(err) != dcim.EInvalid {
			t.Fatalf("token expired at creation: %v", err)
		}
		soon := time.Now().Add(time.Hour)
		_, old, err := st.CreateToken(ctx, "old", true, &soon)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Authenticate(ctx, old); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		st.SetClock(func() time.Time { return soon.Add(time.Second).UTC() })
		if _, _, err := st.Authenticate(ctx, old); dcim.ErrorCode(err) != dcim.EUnauthorized {
			t.Fatalf("expired: %v", err)
		}
		st.SetClock(func() time.Time { return time.Now().UTC() })
		// Only the hash is stored.
		var n int
		if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM tokens WHERE key_hash = $1 OR prefix = $1", secret).Scan(&n); err != nil || n != 0 {
			t.Fatalf("secret stored in clear: %d %v", n, err)
		}
		if err := st.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Authenticate(ctx, secret); dcim.ErrorCode(err) != dcim.EUnauthorized {
			t.Fatalf("revoked: %v", err)
		}
	})
}
