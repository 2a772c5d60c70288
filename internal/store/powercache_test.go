package store_test

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
)

// countingStore counts the full reads of a site's power model.
type countingStore struct {
	*store.Store
	reads int
}

func (c *countingStore) PowerModel(ctx context.Context, site int64) (power.Model, error) {
	c.reads++
	return c.Store.PowerModel(ctx, site)
}

// TestPowerChainUpdatedInPlace: after devices are placed, plugged, unplugged, moved and removed, the
// cached chain is updated from the changes (no full read) and equals a chain read afresh.
func TestPowerChainUpdatedInPlace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, st); err != nil {
			t.Fatal(err)
		}
		site := must(st.Sites().List(ctx, dcim.ListQuery{Limit: 1})).Results[0]
		src := &countingStore{Store: st}
		svc := power.NewService(src, nil)
		if _, err := svc.Site(ctx, site.ID); err != nil {
			t.Fatal(err)
		}
		byName := func(name string) dcim.Device {
			return must(st.Devices().List(ctx, dcim.ListQuery{Filters: map[string][]string{"name": {name}}})).Results[0]
		}
		// A new server in B05, plugged into free outlets of its PDUs as it is created.
		pduA, pduB := byName("B05-PDU-A"), byName("B05-PDU-B")
		free := must(st.FreeOutlets(ctx, []int64{pduA.ID, pduB.ID}))
		var oa, ob int64
		for _, o := range free {
			switch {
			case o.DeviceID == pduA.ID && oa == 0:
				oa = o.ID
			case o.DeviceID == pduB.ID && ob == 0:
				ob = o.ID
			}
		}
		srv := byName("B05-SRV07")
		must(st.Devices().Create(ctx, dcim.Device{Name: "B05-NEW", DeviceTypeID: srv.DeviceTypeID, RackID: srv.RackID, Position: ptr(25.0),
			Face: "front", PowerFeeds: []dcim.PowerFeed{{OutletID: &oa}, {OutletID: &ob}}}))
		// Unplug one supply of another server; make a third need both its supplies; remove a fourth.
		port := must(st.PowerPorts().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"device_id": {idStr(byName("A01-SRV01").ID)}}})).Results[0]
		port.OutletID = nil
		must(st.PowerPorts().Update(ctx, port.ID, port))
		d := byName("C03-SRV02")
		d.PowerRedundant = ptr(false)
		must(st.Devices().Update(ctx, d.ID, d))
		if err := st.Devices().Delete(ctx, byName("E01-SRV05").ID); err != nil {
			t.Fatal(err)
		}
		updated, err := svc.Site(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		if src.reads != 1 {
			t.Errorf("the model was read %d times, want once (then updated in place)", src.reads)
		}
		fresh, err := power.BuildSite(must(st.PowerModel(ctx, site.ID)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(updated.Model.Devices, fresh.Model.Devices) {
			t.Fatal("the updated devices differ from those read afresh")
		}
		a, b := updated.Base(power.Allocated), fresh.Base(power.Allocated)
		for _, n := range fresh.Graph.Nodes() {
			if !sameLoad(a.Load(n.ID), b.Load(n.ID)) {
				t.Errorf("%s: updated %+v, afresh %+v", n.Name, a.Load(n.ID), b.Load(n.ID))
			}
		}
		// A change to the chain itself is read afresh.
		ups := must(st.PowerNodes().List(ctx, dcim.ListQuery{Filters: map[string][]string{"name": {"UPS-A"}}})).Results[0]
		ups.Description = "renamed"
		must(st.PowerNodes().Update(ctx, ups.ID, ups))
		if _, err := svc.Site(ctx, site.ID); err != nil || src.reads != 2 {
			t.Errorf("after a node changed: %v, %d reads", err, src.reads)
		}
	})
}

// sameLoad reports whether two loads agree but for rounding: the update carries the flow forward
// by differences, so the last bits may differ from a flow computed afresh.
func sameLoad(a, b power.Load) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(y)) }
	return a.Alive == b.Alive && near(a.Watts, b.Watts) && near(a.VA, b.VA) &&
		near(a.Amps[0], b.Amps[0]) && near(a.Amps[1], b.Amps[1]) && near(a.Amps[2], b.Amps[2])
}

// countingCapacity counts the full reads of a site's racks.
type countingCapacity struct {
	*store.Store
	reads int
}

func (c *countingCapacity) CapacitySite(ctx context.Context, site int64) (capacity.Site, error) {
	c.reads++
	return c.Store.CapacitySite(ctx, site)
}

// TestCapacityUpdatedInPlace: after devices are placed (plugged in as they are created), moved and
// removed, a supply unplugged, and reservations made and dropped, capacity's racks and outlets are updated from the
// changes (no full read) and equal those read afresh.
func TestCapacityUpdatedInPlace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, st); err != nil {
			t.Fatal(err)
		}
		site := must(st.Sites().List(ctx, dcim.ListQuery{Limit: 1})).Results[0]
		src := &countingCapacity{Store: st}
		svc := capacity.NewService(src)
		if _, _, err := svc.Site(ctx, site.ID); err != nil {
			t.Fatal(err)
		}
		byName := func(name string) dcim.Device {
			return must(st.Devices().List(ctx, dcim.ListQuery{Filters: map[string][]string{"name": {name}}})).Results[0]
		}
		// A server in B05 plugged into A01's PDUs (a long cord), one moved from C02 to C03, one removed.
		pduA, pduB := byName("A01-PDU-A"), byName("A01-PDU-B")
		free := must(st.FreeOutlets(ctx, []int64{pduA.ID, pduB.ID}))
		var oa, ob int64
		for _, o := range free {
			switch {
			case o.DeviceID == pduA.ID && oa == 0:
				oa = o.ID
			case o.DeviceID == pduB.ID && ob == 0:
				ob = o.ID
			}
		}
		srv := byName("B05-SRV07")
		must(st.Devices().Create(ctx, dcim.Device{Name: "B05-NEW", DeviceTypeID: srv.DeviceTypeID, RackID: srv.RackID, Position: ptr(25.0),
			Face: "front", PowerFeeds: []dcim.PowerFeed{{OutletID: &oa}, {OutletID: &ob}}}))
		moved := byName("C02-SRV12")
		c3 := must(st.Racks().List(ctx, dcim.ListQuery{Filters: map[string][]string{"name": {"C03"}}})).Results[0]
		moved.RackID, moved.Position = &c3.ID, ptr(30.0)
		must(st.Devices().Update(ctx, moved.ID, moved))
		if err := st.Devices().Delete(ctx, byName("E01-SRV05").ID); err != nil {
			t.Fatal(err)
		}
		res := must(st.RackReservations().Create(ctx, dcim.RackReservation{RackID: c3.ID, Units: []int{35, 36}, Description: "hold"}))
		d07 := must(st.Racks().List(ctx, dcim.ListQuery{Filters: map[string][]string{"name": {"D07"}}})).Results[0]
		old := must(st.RackReservations().List(ctx, dcim.ListQuery{Filters: map[string][]string{"rack_id": {idStr(d07.ID)}}})).Results[0]
		if err := st.RackReservations().Delete(ctx, old.ID); err != nil {
			t.Fatal(err)
		}
		_ = res
		// A supply unplugged from its PDU: the outlet is free again.
		port := must(st.PowerPorts().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"device_id": {idStr(byName("A02-SRV03").ID)}}})).Results[0]
		if port.OutletID == nil {
			t.Fatal("A02-SRV03's first supply is not plugged in")
		}
		port.OutletID = nil
		must(st.PowerPorts().Update(ctx, port.ID, port))
		got, gotOutlets, err := svc.Site(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		if src.reads != 1 {
			t.Errorf("racks read afresh %d times, want once (then updated in place)", src.reads)
		}
		want := must(st.CapacitySite(ctx, site.ID))
		wantOutlets := must(st.FreeOutletsByRack(ctx, site.ID))
		if !reflect.DeepEqual(got.Racks, want.Racks) {
			for i := range want.Racks {
				if !reflect.DeepEqual(got.Racks[i], want.Racks[i]) {
					t.Errorf("rack %s: updated %+v\nafresh %+v", want.Racks[i].Rack.Name, got.Racks[i], want.Racks[i])
				}
			}
		}
		if !reflect.DeepEqual(gotOutlets, wantOutlets) {
			t.Errorf("free outlets differ from those read afresh")
		}
	})
}
