// Package elevation draws rack elevations as SVG.
package elevation

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Item is a device in the rack, with what the drawing needs of its type.
type Item struct {
	Device     dcim.Device
	TypeName   string // "Manufacturer Model"
	UHeight    float64
	FullDepth  bool
	TenantName string
}

// Input is one face of one rack.
type Input struct {
	Rack         dcim.Rack
	Face         string // front or rear
	Items        []Item
	Reservations []dcim.RackReservation
	Now          time.Time
}

// Geometry of the drawing, in SVG user units (pixels at 100%).
const (
	unitH    = 20.0  // one rack unit
	railW    = 34.0  // unit numbers on each side
	bayW     = 260.0 // the 19" mounting width
	sideW    = 26.0  // a 0-U side channel
	titleH   = 44.0
	margin   = 10.0
	fontSize = 11.0
)

// Render writes the SVG of one face of a rack. The output depends only on the input, so it can be
// compared byte for byte.
func Render(w io.Writer, in Input) error {
	face := in.Face
	if face == "" {
		face = "front"
	}
	r := in.Rack
	n := r.UHeight
	rackX := margin + sideW
	bayX := rackX + railW
	width := 2*margin + 2*sideW + 2*railW + bayW
	top := titleH
	height := top + float64(n)*unitH + 2*margin + 16

	// y of the top edge of half-unit slot s (unit u is slots 2u and 2u+1, bottom up).
	lo := r.StartingUnit * 2
	slotTop := func(slot int) float64 {
		idx := slot - lo // 0 = lowest half unit
		if r.DescUnits {
			return top + float64(idx)*unitH/2
		}
		return top + float64(n*2-idx-1)*unitH/2
	}
	// rectangle spanning slots [from, to)
	span := func(from, to int) (y, h float64) {
		a, b := slotTop(from), slotTop(to-1)
		if a > b {
			a, b = b, a
		}
		return a, b - a + unitH/2
	}

	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="DejaVu Sans, Arial, sans-serif" font-size="%g">`+"\n",
		width, height, width, height, fontSize)
	p(`<style>
.frame{fill:#2b2f36}.rail{fill:#3a3f48}.slot{fill:#f4f5f7;stroke:#d9dce1;stroke-width:.5}
.unum{fill:#d9dce1;font-size:9px;text-anchor:middle;dominant-baseline:central}
.dev rect{fill:#4f7cac;stroke:#1d3557;stroke-width:1}.dev.rear rect{fill:url(#behind);stroke:#7a8796;stroke-dasharray:3 2}
.dev text{fill:#fff;dominant-baseline:central}.dev.rear text{fill:#1d3557}
.reserved rect{fill:url(#hatch);stroke:#c77d00;stroke-width:1}.reserved text{fill:#7a4a00;dominant-baseline:central;font-style:italic}
.side rect{fill:#8d99ae;stroke:#2b2f36}.side text{fill:#fff;font-size:9px;dominant-baseline:central}
.title{font-size:14px;font-weight:bold;fill:#1d2733}.subtitle{fill:#5c6773}
</style>
<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fff4e0"/><line x1="0" y1="0" x2="0" y2="8" stroke="#f0b45a" stroke-width="3"/></pattern>
<pattern id="behind" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="6" height="6" fill="#dfe7f0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b7c6d8" stroke-width="2"/></pattern></defs>
`)
	p(`<text class="title" x="%g" y="18">%s</text>`+"\n", margin, esc(r.Name))
	sub := fmt.Sprintf("%s face · %dU", face, n)
	if r.FacilityID != nil && *r.FacilityID != "" {
		sub = *r.FacilityID + " · " + sub
	}
	p(`<text class="subtitle" x="%g" y="34">%s</text>`+"\n", margin, esc(sub))

	// Frame, rails and unit numbers.
	p(`<rect class="frame" x="%g" y="%g" width="%g" height="%g" rx="3"/>`+"\n", rackX-3, top-3, 2*railW+bayW+6, float64(n)*unitH+6)
	for i := 0; i < n; i++ {
		u := r.StartingUnit + i
		y, _ := span(u*2, u*2+2)
		p(`<rect class="slot" x="%g" y="%g" width="%g" height="%g"/>`, bayX, y, bayW, unitH)
		p(`<text class="unum" x="%g" y="%g">%d</text><text class="unum" x="%g" y="%g">%d</text>`+"\n",
			rackX+railW/2, y+unitH/2, u, bayX+bayW+railW/2, y+unitH/2, u)
	}

	// Devices seen on this face: mounted on it, or full-depth and mounted on the other.
	items := append([]Item(nil), in.Items...)
	sort.SliceStable(items, func(i, j int) bool { return items[i].Device.ID < items[j].Device.ID })
	taken := map[int]bool{}
	var left, right []Item
	for _, it := range items {
		d := it.Device
		if d.Position == nil || it.UHeight == 0 {
			switch d.MountSide {
			case "left":
				left = append(left, it)
			case "right":
				right = append(right, it)
			}
			continue
		}
		behind := d.Face != face
		if behind && !it.FullDepth {
			continue
		}
		from := int(*d.Position * 2)
		to := from + int(it.UHeight*2)
		for s := from; s < to; s++ {
			taken[s] = true
		}
		y, h := span(from, to)
		cls := "dev"
		if behind {
			cls += " rear"
		}
		label := d.Name
		if it.TypeName != "" && h >= unitH {
			label += " · " + it.TypeName
		}
		tip := d.Name + " (" + it.TypeName + ")"
		if it.TenantName != "" {
			tip += " · " + it.TenantName
		}
		if behind {
			tip += " · mounted on the " + d.Face
		}
		p(`<a href="/devices/%d"><g class="%s" data-device-id="%d"><title>%s</title><rect x="%g" y="%g" width="%g" height="%g" rx="2"/><text x="%g" y="%g">%s</text></g></a>`+"\n",
			d.ID, cls, d.ID, esc(tip), bayX+1, y+1, bayW-2, h-2, bayX+8, y+h/2, esc(fit(label, bayW-16)))
	}

	// Reservations in force, on the units no device covers.
	res := append([]dcim.RackReservation(nil), in.Reservations...)
	sort.SliceStable(res, func(i, j int) bool { return res[i].ID < res[j].ID })
	for _, rv := range res {
		if !rv.Active(in.Now) {
			continue
		}
		for _, run := range runs(rv.Units) {
			var free [][2]int // free slot ranges inside the run
			for s := run[0] * 2; s < (run[1]+1)*2; s++ {
				if taken[s] || !r.HasUnit(s/2) {
					continue
				}
				if len(free) > 0 && free[len(free)-1][1] == s {
					free[len(free)-1][1] = s + 1
				} else {
					free = append(free, [2]int{s, s + 1})
				}
			}
			for _, f := range free {
				y, h := span(f[0], f[1])
				p(`<g class="reserved" data-reservation-id="%d"><title>reserved: %s</title><rect x="%g" y="%g" width="%g" height="%g"/><text x="%g" y="%g">%s</text></g>`+"\n",
					rv.ID, esc(rv.Description), bayX+1, y+1, bayW-2, h-2, bayX+8, y+h/2, esc(fit("reserved: "+rv.Description, bayW-16)))
			}
		}
	}

	// 0-U devices in the side channels, stacked from the top.
	side := func(list []Item, x float64) {
		if len(list) == 0 {
			return
		}
		slice := float64(n) * unitH / float64(len(list))
		for i, it := range list {
			y := top + float64(i)*slice
			p(`<a href="/devices/%d"><g class="side" data-device-id="%d"><title>%s</title><rect x="%g" y="%g" width="%g" height="%g" rx="2"/><text transform="translate(%g %g) rotate(-90)" text-anchor="middle">%s</text></g></a>`+"\n",
				it.Device.ID, it.Device.ID, esc(it.Device.Name+" ("+it.TypeName+") · 0-U "+it.Device.MountSide), x, y+2, sideW-6, slice-4,
				x+(sideW-6)/2, y+slice/2, esc(fit(it.Device.Name, slice-10)))
		}
	}
	side(left, margin)
	side(right, bayX+bayW+railW+3+3)

	p(`<text class="subtitle" x="%g" y="%g">units %d–%d%s</text>`+"\n", margin, height-margin, r.StartingUnit, r.StartingUnit+n-1, map[bool]string{true: ", numbered top down", false: ""}[r.DescUnits])
	p("</svg>\n")
	return b.Flush()
}

// runs groups sorted unit numbers into consecutive [first, last] runs.
func runs(units []int) [][2]int {
	u := append([]int(nil), units...)
	sort.Ints(u)
	var out [][2]int
	for _, x := range u {
		if len(out) > 0 && out[len(out)-1][1]+1 == x {
			out[len(out)-1][1] = x
		} else {
			out = append(out, [2]int{x, x})
		}
	}
	return out
}

// fit shortens s with an ellipsis to about the width available (at ~6.2 px per character).
func fit(s string, width float64) string {
	max := int(width / 6.2)
	rs := []rune(s)
	if len(rs) <= max || max < 2 {
		return s
	}
	return strings.TrimSpace(string(rs[:max-1])) + "…"
}

func esc(s string) string { return html.EscapeString(s) }
