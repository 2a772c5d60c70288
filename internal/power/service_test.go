package power

import (
	"context"
	"slices"
	"testing"
	"time"
)

// fakeSource is a Source holding one model, counting how often it is read.
type fakeSource struct {
	model   Model
	version int64
	changed []string // object types written since the model was read
	reads   int
}

func (f *fakeSource) PowerModel(context.Context, int64) (Model, error) {
	f.reads++
	f.model.Version = f.version
	return f.model, nil
}

func (f *fakeSource) ModelVersion(context.Context) (int64, error) { return f.version, nil }

func (f *fakeSource) ChangedSince(_ context.Context, _ int64, types []string) (bool, error) {
	for _, c := range f.changed {
		if slices.Contains(types, c) {
			return true, nil
		}
	}
	return false, nil
}

// The built chain is kept until something it is built from changes: a tenant or a reservation
// written since does not rebuild it, a device does.
func TestServiceKeepsTheChain(t *testing.T) {
	ctx := context.Background()
	src := &fakeSource{model: Model{SiteID: 1}, version: 10}
	svc := NewService(src, nil)
	first, err := svc.Site(ctx, 1)
	if err != nil || src.reads != 1 {
		t.Fatalf("first: %v, %d reads", err, src.reads)
	}
	src.version, src.changed = 11, []string{"tenant", "rack-reservation"}
	if again, _ := svc.Site(ctx, 1); again != first || src.reads != 1 {
		t.Errorf("rebuilt after a tenant and a reservation changed (%d reads)", src.reads)
	}
	src.version, src.changed = 12, []string{"device"}
	if again, _ := svc.Site(ctx, 1); again == first || src.reads != 2 {
		t.Errorf("not rebuilt after a device changed (%d reads)", src.reads)
	}
}

// fakeLoads is a LoadSource whose readings the test changes.
type fakeLoads struct{ m map[int64]Measurement }

func (f *fakeLoads) MeasuredLoads(context.Context, int64) (map[int64]Measurement, error) {
	return f.m, nil
}

// Measurements are read again once they are older than MeasureEvery, and the chain rebuilt with
// them, though the inventory did not change.
func TestServiceRemeasures(t *testing.T) {
	ctx := context.Background()
	m := modelOf(newFacility2N())
	w := 1000
	a, b := m.Nodes[6].ID, m.Nodes[13].ID // the two rack PDUs
	m.Devices = append(m.Devices, ModelDevice{ID: 1001, Name: "srv", RackID: 1,
		Ports: []ModelPort{{ID: 1, MaximumDraw: &w, Node: a}, {ID: 2, MaximumDraw: &w, Node: b}}})
	src := &fakeSource{model: m, version: 5}
	loads := &fakeLoads{}
	svc := NewService(src, loads)
	svc.MeasureEvery = time.Hour
	first, err := svc.Site(ctx, 1)
	if err != nil || first.Measured() != 0 {
		t.Fatalf("first: %v, %d measured", err, first.Measured())
	}
	loads.m = map[int64]Measurement{1001: {PeakW: 420, P95W: 400}}
	if again, _ := svc.Site(ctx, 1); again != first {
		t.Error("re-measured before MeasureEvery")
	}
	svc.MeasureEvery = 0
	now, err := svc.Site(ctx, 1)
	if err != nil || now == first || now.Measured() != 1 || src.reads != 1 {
		t.Fatalf("after the readings changed: %v, %d measured, %d model reads", err, now.Measured(), src.reads)
	}
	// The measured peak is the device's load on the measured basis: 210 W on each side. The
	// allocated basis keeps the allocation.
	if got := now.Base(Measured).Load(a).Watts; got != 210 {
		t.Errorf("rack PDU A carries %v W measured, want 210", got)
	}
	if got, was := now.Base(Allocated).Load(a).Watts, first.Base(Allocated).Load(a).Watts; got != was || got == 210 {
		t.Errorf("rack PDU A carries %v W allocated, was %v before the measurement", got, was)
	}
}

// fakeNodeLoads also measures nodes.
type fakeNodeLoads struct {
	fakeLoads
	nodes map[int64]Measurement
}

func (f *fakeNodeLoads) MeasuredNodeLoads(context.Context, int64) (map[int64]Measurement, error) {
	return f.nodes, nil
}

// A node's own measured power is shown beside its computed load.
func TestNodeMeasurements(t *testing.T) {
	m := modelOf(newFacility2N())
	ups := m.Nodes[3].ID // UPS-A
	src := &fakeSource{model: m, version: 5}
	loads := &fakeNodeLoads{nodes: map[int64]Measurement{ups: {PeakW: 41500, P95W: 39000}}}
	site, err := NewService(src, loads).Site(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range site.Loads(Allocated, "ups") {
		switch {
		case n.Node.ID == ups && (n.MeasuredPeakKW == nil || *n.MeasuredPeakKW != 41.5 || *n.MeasuredP95KW != 39):
			t.Errorf("UPS-A: %+v", n)
		case n.Node.ID != ups && n.MeasuredPeakKW != nil:
			t.Errorf("%s measured: %v", n.Node.Name, *n.MeasuredPeakKW)
		}
	}
}
