package power

import (
	"context"
	"slices"
	"testing"
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
