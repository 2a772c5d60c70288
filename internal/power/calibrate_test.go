package power

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"
)

// calibrated builds the 2N facility with the measured basis at the allocation, calibrates it to
// meters (by node name) with the devices of pinned (id → own reading) kept, and returns the graph.
func calibrated(t *testing.T, meters map[string]float64, pinned map[int64]float64) (*Graph, *facility2N, map[int64]float64) {
	t.Helper()
	f := newFacility2N()
	for i := range f.devices {
		f.devices[i].MeasuredW = f.devices[i].AllocatedW
		if w, ok := pinned[f.devices[i].ID]; ok {
			f.devices[i].MeasuredW = w
		}
	}
	g := f.graph(t)
	ms := map[int64]Measurement{}
	for name, w := range meters {
		ms[f.id[name]] = Measurement{PeakW: w}
	}
	got := g.calibrate(nil, ms, func(id int64) bool { _, ok := pinned[id]; return ok })
	return g, f, got
}

func measuredLoad(g *Graph, f *facility2N, node string, failed ...string) float64 {
	down := map[int64]bool{}
	for _, n := range failed {
		down[f.id[n]] = true
	}
	return g.Compute(Scenario{Failed: down, Basis: Measured}).Load(f.id[node]).Watts
}

// Both UPS meters read twice what the allocations give (5,000 W against 2,500 W on A, 4,000
// against 2,000 on B): every device is doubled, and the what-if of UPS-A puts the doubled
// dual-corded load on UPS-B: srv1-3 2,000 W each and sw1 400 W; old1 (A only) and stor1 (needs
// both cords) go dark.
func TestCalibrateUniform(t *testing.T) {
	g, f, got := calibrated(t, map[string]float64{"UPS-A": 5000, "UPS-B": 4000}, nil)
	want := map[int64]float64{101: 2000, 102: 2000, 103: 2000, 104: 400, 105: 1000, 106: 1600}
	if len(got) != len(want) {
		t.Fatalf("calibrated %v", got)
	}
	for id, w := range want {
		if math.Abs(got[id]-w) > 1e-9 {
			t.Errorf("device %d: %v W, want %v", id, got[id], w)
		}
	}
	if a, b := measuredLoad(g, f, "UPS-A"), measuredLoad(g, f, "UPS-B"); math.Abs(a-5000) > 1e-6 || math.Abs(b-4000) > 1e-6 {
		t.Errorf("UPS-A %v W, UPS-B %v W after calibration", a, b)
	}
	if b := measuredLoad(g, f, "UPS-B", "UPS-A"); math.Abs(b-6400) > 1e-6 {
		t.Errorf("UPS-B carries %v W with UPS-A failed, want 6,400", b)
	}
}

// A rack PDU's meter governs its devices; a device with its own reading (srv1, 300 W, 150 on A)
// keeps it. RPDU-A1 reads 2,000 W: the others put 2,000 W there on their allocations, so they are
// scaled by (2,000 − 150) / 2,000 = 0.925. UPS-A reads 2,600 W, but every device below it is
// governed by the nearer meter or has its own reading: the 600 W gap (losses, loads not in the
// model) is left, not spread.
func TestCalibrateNearestMeterAndPinned(t *testing.T) {
	g, f, got := calibrated(t, map[string]float64{"RPDU-A1": 2000, "UPS-A": 2600}, map[int64]float64{101: 300})
	want := map[int64]float64{102: 925, 103: 925, 104: 185, 105: 462.5, 106: 740}
	if len(got) != len(want) {
		t.Fatalf("calibrated %v", got)
	}
	for id, w := range want {
		if math.Abs(got[id]-w) > 1e-9 {
			t.Errorf("device %d: %v W, want %v", id, got[id], w)
		}
	}
	if a := measuredLoad(g, f, "RPDU-A1"); math.Abs(a-2000) > 1e-6 {
		t.Errorf("RPDU-A1 %v W after calibration", a)
	}
	if a := measuredLoad(g, f, "UPS-A"); math.Abs(a-2000) > 1e-6 {
		t.Errorf("UPS-A %v W: the gap to its meter should stay", a)
	}
}

// Dual-corded devices under two meters that disagree in proportion (A reads 3,000 W against
// 2,500, B 2,400 against 2,000, but old1 is on A alone): the scaling is repeated until both agree.
func TestCalibrateTwoMeters(t *testing.T) {
	g, f, got := calibrated(t, map[string]float64{"RPDU-A1": 3100, "RPDU-B1": 2300}, nil)
	if len(got) != 6 {
		t.Fatalf("calibrated %v", got)
	}
	for node, w := range map[string]float64{"RPDU-A1": 3100, "RPDU-B1": 2300} {
		if got := measuredLoad(g, f, node); math.Abs(got-w)/w > 1e-3 {
			t.Errorf("%s: %v W after calibration, meter %v", node, got, w)
		}
	}
}

// Through the service: node meters calibrate the measured basis only; the allocated basis is
// untouched, the what-if says how many devices were calibrated, and a device change marks the
// calibration for renewal.
func TestServiceCalibrates(t *testing.T) {
	m := modelOf(newFacility2N())
	w := 1000
	a, b := m.Nodes[6].ID, m.Nodes[13].ID // the two rack PDUs
	m.Devices = append(m.Devices,
		ModelDevice{ID: 1001, Name: "srv", RackID: 1, Ports: []ModelPort{{ID: 1, MaximumDraw: &w, Node: a}, {ID: 2, MaximumDraw: &w, Node: b}}},
		ModelDevice{ID: 1002, Name: "single", RackID: 1, Ports: []ModelPort{{ID: 3, MaximumDraw: &w, Node: a}}})
	src := &fakeSource{model: m, version: 5}
	upsA, upsB := m.Nodes[3].ID, m.Nodes[10].ID
	first, err := NewService(src, &fakeNodeLoads{}).Site(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	a0, b0 := first.Base(Measured).Load(upsA).Watts, first.Base(Measured).Load(upsB).Watts
	if a0 == 0 || b0 == 0 {
		t.Fatalf("UPS-A %v W, UPS-B %v W before calibration", a0, b0)
	}
	loads := &fakeNodeLoads{nodes: map[int64]Measurement{upsA: {PeakW: 2 * a0}, upsB: {PeakW: 2 * b0}}}
	site, err := NewService(src, loads).Site(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if a := site.Base(Measured).Load(upsA).Watts; math.Abs(a-2*a0) > 1e-6 {
		t.Errorf("UPS-A measured basis %v W, meter %v", a, 2*a0)
	}
	if a := site.Base(Allocated).Load(upsA).Watts; a != a0 {
		t.Errorf("UPS-A allocated basis %v W, want %v as before", a, a0)
	}
	res, err := site.WhatIf([]int64{upsA}, nil, Measured)
	if err != nil || res.CalibratedDevices != 2 || res.MeasuredDevices != 0 || res.Basis != Measured {
		t.Errorf("what-if: %v, %d calibrated, %d measured, basis %s", err, res.CalibratedDevices, res.MeasuredDevices, res.Basis)
	}
	if site.recalibrate {
		t.Error("a fresh calibration is marked for renewal")
	}
	moved, err := site.withDevices(map[int64]bool{}, nil, 6)
	if err != nil || moved == nil || !moved.recalibrate {
		t.Errorf("after a device change: %v, recalibrate %v", err, moved != nil && moved.recalibrate)
	}
}

// lockedLoads is a LoadSource whose readings the test changes while Watch reads them.
type lockedLoads struct {
	mu    sync.Mutex
	m     map[int64]Measurement
	reads int
}

func (l *lockedLoads) MeasuredLoads(context.Context, int64) (map[int64]Measurement, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads++
	return l.m, nil
}

func (l *lockedLoads) set(m map[int64]Measurement) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m = m
}

// With Watch running, measurements are read in the background: a request never reads them (past
// the first build), and finds the new ones once Watch has been round.
func TestServiceWatch(t *testing.T) {
	m := modelOf(newFacility2N())
	w := 1000
	a, b := m.Nodes[6].ID, m.Nodes[13].ID
	m.Devices = append(m.Devices, ModelDevice{ID: 1001, Name: "srv", RackID: 1,
		Ports: []ModelPort{{ID: 1, MaximumDraw: &w, Node: a}, {ID: 2, MaximumDraw: &w, Node: b}}})
	loads := &lockedLoads{}
	svc := NewService(&fakeSource{model: m, version: 5}, loads)
	svc.MeasureEvery = 10 * time.Millisecond
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Watch(ctx, nil); close(done) }()
	defer func() { stop(); <-done }()
	if _, err := svc.Site(ctx, 1); err != nil {
		t.Fatal(err)
	}
	loads.set(map[int64]Measurement{1001: {PeakW: 420, P95W: 400}})
	deadline := time.Now().Add(5 * time.Second)
	for {
		site, err := svc.Site(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if site.Base(Measured).Load(a).Watts == 210 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Watch never brought the new measurement in")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Requests do not read: with Watch stopped, nothing does.
	stop()
	<-done
	loads.mu.Lock()
	reads := loads.reads
	loads.mu.Unlock()
	for range 5 {
		time.Sleep(15 * time.Millisecond)
		if _, err := svc.Site(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	loads.mu.Lock()
	defer loads.mu.Unlock()
	if loads.reads != reads || reads < 2 {
		t.Errorf("%d reads by Watch, %d by requests", reads, loads.reads-reads)
	}
}
