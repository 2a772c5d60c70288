package svgtext

import (
	"math"
	"testing"
)

// TestContrast: WCAG 2's own reference points: black on white is 21:1, a color on itself 1:1, and
// #767676 on white 4.54:1 (the lightest grey that passes AA for body text).
func TestContrast(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{{"#000000", "#ffffff", 21}, {"#777777", "#777777", 1}, {"#767676", "#ffffff", 4.54}} {
		got, err := Contrast(c.a, c.b)
		if err != nil || math.Abs(got-c.want) > 0.01 {
			t.Errorf("%s on %s: %.3f (%v), want %.2f", c.a, c.b, got, err, c.want)
		}
	}
	if _, err := Contrast("red", "#ffffff"); err == nil {
		t.Error("a name, not #rrggbb, is accepted")
	}
}

func TestEscAndHref(t *testing.T) {
	if got := Esc("a<b & \"c\"\n'd'\x01"); got != "a&lt;b &amp; &#34;c&#34;&#xA;&#39;d&#39;\uFFFD" {
		t.Errorf("Esc: %q", got)
	}
	for in, want := range map[string]string{"/racks/1": "/racks/1", "https://x/y": "https://x/y", "javascript:alert(1)": "#ZgotmplZ",
		"DATA:text/html,x": "#ZgotmplZ", "a:b/c": "#ZgotmplZ", "?q=a:b": "?q=a:b"} {
		if got := SafeHref(in); got != want {
			t.Errorf("SafeHref(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScope(t *testing.T) {
	got := Scope(".a{fill:red}.b,.c text{stroke:none}\n", "svg.x")
	if want := "svg.x .a{fill:red}\nsvg.x .b,svg.x .c text{stroke:none}\n"; got != want {
		t.Errorf("Scope: %q, want %q", got, want)
	}
}

func ptr(v float64) *float64 { return &v }

// TestRatioStep: the steps of the ratio scale, at and around their bounds; none without a value.
func TestRatioStep(t *testing.T) {
	for _, tt := range []struct {
		v    *float64
		want int
	}{
		{nil, -1}, {ptr(math.NaN()), -1}, {ptr(-0.1), 0}, {ptr(0.0), 0}, {ptr(0.3), 0}, {ptr(0.4999), 0}, {ptr(0.5), 1},
		{ptr(0.7), 2}, {ptr(0.85), 3}, {ptr(0.9), 3}, {ptr(1.0), 3}, {ptr(1.0001), 4}, {ptr(1.2), 4}, {ptr(math.Inf(1)), 4},
	} {
		if got := RatioStep(tt.v); got != tt.want {
			t.Errorf("RatioStep(%v) = %d, want %d", tt.v, got, tt.want)
		}
	}
}
