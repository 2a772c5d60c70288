package catalog

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

func TestLoadTestdata(t *testing.T) {
	entries, problems, err := Load(filepath.Join("testdata", "lib"), nil)
	if err != nil {
		t.Fatal(err)
	}
	byModel := map[string]Entry{}
	for _, e := range entries {
		byModel[e.Type.Model] = e
	}
	if len(entries) != 4 {
		t.Errorf("%d entries, want 4: %v", len(entries), entries)
	}
	srv := byModel["Server 2U"].Type
	if srv.UHeight != 2 || !srv.IsFullDepth || *srv.Weight != 25.5 || len(srv.PowerPorts) != 2 || *srv.PowerPorts[1].AllocatedDraw != 450 || srv.Slug != "acme-server-2u" {
		t.Errorf("server %+v", srv)
	}
	pdu := byModel["PDU 0U"].Type
	if pdu.UHeight != 0 || pdu.IsFullDepth || len(pdu.PowerOutlets) != 3 || pdu.PowerOutlets[2].FeedLeg != "C" || pdu.Slug != "pdu-0u" {
		t.Errorf("pdu %+v", pdu)
	}
	if byModel["Half Switch"].Type.UHeight != 0.5 {
		t.Errorf("half %+v", byModel["Half Switch"])
	}
	m := byModel["Misspelt"]
	if d := m.Type.PowerPorts[0].MaximumDraw; d == nil || *d != 180 {
		t.Errorf("misspelt draw: %v (the first spelling found is used)", d)
	}
	w := strings.Join(m.Warnings, "\n")
	for _, want := range []string{`unknown key "colour" ignored`, `unknown key "maximum-draw", did you mean maximum_draw?`, `"maxium_draw", did you mean maximum_draw?`} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	wantProblems := map[string]string{
		"bad-height.yaml":   `u_height (line 3): expected a number, got "abc"`,
		"broken.yaml":       "not valid YAML",
		"dangling.yaml":     `power_outlets[0].power_port: no power port named "Nowhere"`,
		"no-model.yaml":     "model: is required",
		"third.yaml":        "u_height: must be a multiple of 0.5",
		"zz-duplicate.yaml": "duplicate of testdata/lib/Acme/server-2u.yaml",
	}
	if len(problems) != len(wantProblems) {
		t.Errorf("%d problems, want %d: %v", len(problems), len(wantProblems), problems)
	}
	for _, p := range problems {
		want, ok := wantProblems[filepath.Base(p.Path)]
		if !ok || !strings.Contains(p.Reason, want) {
			t.Errorf("%s: reason %q, want it to contain %q", p.Path, p.Reason, want)
		}
	}
}

// memSink is an in-memory Sink keyed by manufacturer and model.
type memSink struct {
	types  map[string]dcim.DeviceType
	refuse string
}

func (s *memSink) UpsertDeviceType(_ context.Context, manufacturer string, dt dcim.DeviceType) (bool, error) {
	if dt.Model == s.refuse {
		return false, dcim.Invalid("model", "refused by the store")
	}
	key := manufacturer + "/" + dt.Model
	_, existed := s.types[key]
	s.types[key] = dt
	return !existed, nil
}

func TestImportIdempotent(t *testing.T) {
	ctx := context.Background()
	sink := &memSink{types: map[string]dcim.DeviceType{}, refuse: "Half Switch"}
	var calls int
	r, err := Import(ctx, sink, filepath.Join("testdata", "lib"), func(done, total int) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if r.Files != 10 || r.Created != 3 || r.Updated != 0 || len(r.Problems) != 7 || calls != 4 {
		t.Fatalf("first import %+v, %d progress calls", r, calls)
	}
	if !strings.Contains(r.Problems[2].Reason+r.Problems[3].Reason, "refused by the store") {
		t.Errorf("store refusal not reported: %v", r.Problems)
	}
	r, err = Import(ctx, sink, filepath.Join("testdata", "lib"), nil)
	if err != nil || r.Created != 0 || r.Updated != 3 {
		t.Fatalf("second import %+v %v", r, err)
	}
	r, err = ImportFiles(ctx, sink, map[string][]byte{"x.yaml": []byte("manufacturer: Acme\nmodel: New\nu_height: 1\n"), "y.yaml": []byte(":")})
	if err != nil || r.Created != 1 || len(r.Problems) != 1 || r.Problems[0].Path != "y.yaml" {
		t.Fatalf("files import %+v %v", r, err)
	}
}
