package svgtree

import "testing"

// TestParse: elements, attributes, text and classes read back; a drawing that is not well-formed
// or not one <svg> is an error.
func TestParse(t *testing.T) {
	root, err := Parse([]byte(`<svg viewBox="0 0 10 10"><g class="rack hot" id="r1"><text>A01</text><rect/></g><text>B</text></svg>`))
	if err != nil {
		t.Fatal(err)
	}
	g := root.Child("g")
	if g == nil || g.Attr["id"] != "r1" || !g.HasClass("hot") || g.HasClass("ho") || g.Parent != root {
		t.Fatalf("g: %+v", g)
	}
	if got := root.Texts(); got != "A01|B" {
		t.Errorf("texts %q", got)
	}
	if cs := root.Class("rack"); len(cs) != 1 || cs[0] != g {
		t.Errorf("class rack: %v", cs)
	}
	if n := len(root.All(func(n *Node) bool { return n.Name == "text" })); n != 2 {
		t.Errorf("%d texts", n)
	}
	for _, bad := range []string{`<svg><g></svg>`, `<g/>`, `<svg/><svg/>`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
