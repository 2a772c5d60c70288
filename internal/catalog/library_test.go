package catalog

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// library is the shared NetBox device-type library (CC0), read in place.
func library(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "data", "devicetype-library")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the shared device-type library is missing at %s (CI needs ../shared beside the repo)", dir)
		}
		t.Skipf("no shared library at %s", dir)
	}
	return dir
}

func TestWholeLibrary(t *testing.T) {
	entries, problems, err := Load(library(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(entries) + len(problems); got != 4449 {
		t.Fatalf("%d entries + %d problems = %d files, want 4449", len(entries), len(problems), got)
	}
	kinds := map[string]int{}
	for _, p := range problems {
		k := p.Reason
		if i := strings.IndexAny(k, ":("); i > 0 {
			k = k[:i]
		}
		kinds[k]++
	}
	t.Logf("%d device types, %d files refused: %v", len(entries), len(problems), kinds)
	for i, p := range problems {
		if i < 15 {
			t.Logf("  %s: %s", p.Path, p.Reason)
		}
	}
	var warned []string
	byModel := map[string]Entry{}
	for _, e := range entries {
		byModel[e.Manufacturer+"/"+e.Type.Model] = e
		for _, w := range e.Warnings {
			warned = append(warned, e.Path+": "+w)
		}
	}
	sort.Strings(warned)
	t.Logf("%d warnings, e.g. %v", len(warned), warned[:min(5, len(warned))])

	pdu, ok := byModel["APC/AP8632"]
	if !ok {
		t.Fatal("APC AP8632 not imported")
	}
	if pdu.Type.UHeight != 0 || len(pdu.Type.PowerOutlets) != 24 || pdu.Type.IsFullDepth {
		t.Fatalf("AP8632: %gU, %d outlets, full depth %v", pdu.Type.UHeight, len(pdu.Type.PowerOutlets), pdu.Type.IsFullDepth)
	}
	for _, o := range pdu.Type.PowerOutlets {
		if o.FeedLeg != "A" || o.PowerPort != "Power Port 1" || o.Type != "nema-5-20r" {
			t.Fatalf("AP8632 outlet %+v", o)
		}
	}
	// The library misspells maximum_draw; the value is kept and the file warned about.
	ms01, ok := byModel["Minisforum/MS-01"]
	if !ok {
		t.Fatal("Minisforum MS-01 not imported")
	}
	if len(ms01.Type.PowerPorts) == 0 || ms01.Type.PowerPorts[0].MaximumDraw == nil || !strings.Contains(strings.Join(ms01.Warnings, "\n"), "did you mean maximum_draw") {
		t.Fatalf("MS-01: ports %+v warnings %v", ms01.Type.PowerPorts, ms01.Warnings)
	}
}
