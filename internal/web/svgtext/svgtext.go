// Package svgtext is what the SVG drawings (floor plans, power chains, charts) share: escaping
// text for XML, keeping links safe, the WCAG contrast their colors are checked against, and the
// inks and stepped ratio scale that must mean the same in every drawing.
package svgtext

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Esc escapes s for XML text and attribute values. Line breaks and tabs become character
// references (so they survive in attributes); characters XML cannot carry become U+FFFD.
func Esc(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' {
			return escSlow(s)
		}
	}
	return s
}

func escSlow(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\n':
			b.WriteString("&#xA;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\t':
			b.WriteString("&#x9;")
		case r < 0x20 || r >= 0xd800 && r < 0xe000 || r == 0xfffe || r == 0xffff:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SafeHref lets through relative references and http, https and mailto links; anything else
// (javascript:, data:) becomes a link that goes nowhere, as html/template does.
func SafeHref(h string) string {
	i := strings.IndexAny(h, ":/?#")
	if i < 0 || h[i] != ':' {
		return h
	}
	switch strings.ToLower(h[:i]) {
	case "http", "https", "mailto":
		return h
	}
	return "#ZgotmplZ"
}

// Luminance is the WCAG 2 relative luminance of "#rrggbb".
func Luminance(hex string) (float64, error) {
	if len(hex) != 7 || hex[0] != '#' {
		return 0, fmt.Errorf("not #rrggbb: %q", hex)
	}
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return 0, fmt.Errorf("not #rrggbb: %q", hex)
	}
	lin := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(v>>16&0xff) + 0.7152*lin(v>>8&0xff) + 0.0722*lin(v&0xff), nil
}

// Contrast is the WCAG 2 contrast ratio of two "#rrggbb" colors, 1 to 21.
func Contrast(a, b string) (float64, error) {
	la, err := Luminance(a)
	if err != nil {
		return 0, err
	}
	lb, err := Luminance(b)
	if err != nil {
		return 0, err
	}
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05), nil
}

// Scope prefixes every selector of a compact stylesheet (rules of "selectors{body}") with scope,
// so that the drawing's style, linked by a page that inlines the drawing, reaches nothing else.
func Scope(style, scope string) string {
	var b strings.Builder
	for _, rule := range strings.Split(style, "}") {
		sel, body, ok := strings.Cut(strings.TrimSpace(rule), "{")
		if !ok {
			continue
		}
		for i, one := range strings.Split(sel, ",") {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(scope + " " + strings.TrimSpace(one))
		}
		b.WriteString("{" + body + "}\n")
	}
	return b.String()
}

// Inks: the text colors of the drawings' fills.
const (
	InkDark  = "#111111" // text on light fills
	InkLight = "#ffffff" // text on dark fills
)

// Step is one step of a stepped color scale: its fill, the ink that reads on it, its label.
type Step struct{ Fill, Ink, Label string }

// RatioScale is the stepped scale of a ratio (a load against its budget, units used), shared by
// the floor plan and the power chain so that a color means the same in both: Okabe–Ito colors
// (and a light blue), cool to hot, each readable with dark text.
var RatioScale = []Step{
	{"#b8dcf4", InkDark, "0–50 %"},
	{"#56b4e9", InkDark, "50–70 %"},
	{"#f0e442", InkDark, "70–85 %"},
	{"#e69f00", InkDark, "85–100 %"},
	{"#d55e00", InkDark, "> 100 %"},
}

// RatioStep is the index in RatioScale of a ratio, or -1 when there is none. 1 (exactly full) is
// in the 85–100 % step; only above it is over.
func RatioStep(v *float64) int {
	if v == nil || math.IsNaN(*v) {
		return -1
	}
	switch x := *v; {
	case x < 0.5:
		return 0
	case x < 0.7:
		return 1
	case x < 0.85:
		return 2
	case x <= 1:
		return 3
	default:
		return 4
	}
}
