package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// The browser journeys: the web UI driven by a real Chromium against one demo server, as a person
// would use it. Every page on the way is checked for console errors, CSP violations, requests
// leaving the server, and basic accessibility; each journey ends with a full-page screenshot.

// uiDemo is the demo server the journeys share (seeding takes seconds), and what the API says
// about it, read with an admin token.
type uiDemo struct {
	url, admin string
	site, hall int64                // Cyberjaya DC1 and its Data Hall 1
	tenants    map[string]int64     // tenant name → id
	racks      map[string]demoRack  // rack name → rack
	byTenant   map[int64][]demoRack // tenant id → its racks, from ?tenant_id=
}

type demoRack struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	RoomID   int64  `json:"room_id"`
	TenantID *int64 `json:"tenant_id"`
}

const (
	kopiCloud = "Kopi Cloud Sdn Bhd"
	bankName  = "Bank Petaling Berhad"
	mediaName = "Nusantara Media Sdn Bhd"
)

// TestBrowser walks the UI's journeys on one demo server, each in a browser of its own.
func TestBrowser(t *testing.T) {
	start := time.Now()
	m := startMain(t, Config{Demo: true}, nil)
	t.Logf("demo seeded and serving in %v", time.Since(start).Round(time.Millisecond))
	_, admin, err := m.Store.CreateToken(context.Background(), "browser journeys", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &uiDemo{url: m.URL(), admin: admin, tenants: map[string]int64{}, racks: map[string]demoRack{}, byTenant: map[int64][]demoRack{}}
	d.load(t)

	t.Run("OperatorFloorPlan", func(t *testing.T) { journeyOperator(t, d) })
	t.Run("Search", func(t *testing.T) { journeySearch(t, d) })
	t.Run("TenantKopi", func(t *testing.T) { journeyTenant(t, d) })
	t.Run("Placement", func(t *testing.T) { journeyPlacement(t, d) })
	t.Run("PowerWhatIf", func(t *testing.T) { journeyWhatIf(t, d) })
	t.Run("Energy", func(t *testing.T) { journeyEnergy(t, d) })
	t.Run("InletLayer", func(t *testing.T) { journeyInlet(t, d) })
	t.Run("EveryPage", func(t *testing.T) { journeyEveryPage(t, d) })
	t.Run("SignOut", func(t *testing.T) { journeySignOut(t, d) })
}

// load reads the ids the journeys need from the API.
func (d *uiDemo) load(t *testing.T) {
	t.Helper()
	var sites struct {
		Results []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"results"`
	}
	d.api(t, "/api/v1/sites?limit=1000", &sites)
	for _, s := range sites.Results {
		if s.Name == "Cyberjaya DC1" {
			d.site = s.ID
		}
	}
	var rooms struct {
		Results []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"results"`
	}
	d.api(t, fmt.Sprintf("/api/v1/rooms?site_id=%d&limit=1000", d.site), &rooms)
	for _, r := range rooms.Results {
		if r.Name == "Data Hall 1" {
			d.hall = r.ID
		}
	}
	var tenants struct {
		Results []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"results"`
	}
	d.api(t, "/api/v1/tenants?limit=1000", &tenants)
	for _, tn := range tenants.Results {
		d.tenants[tn.Name] = tn.ID
	}
	var racks struct {
		Results []demoRack `json:"results"`
	}
	d.api(t, "/api/v1/racks?limit=1000", &racks)
	for _, r := range racks.Results {
		d.racks[r.Name] = r
	}
	for _, name := range []string{kopiCloud, bankName} {
		id := d.tenants[name]
		var theirs struct {
			Results []demoRack `json:"results"`
		}
		d.api(t, fmt.Sprintf("/api/v1/racks?tenant_id=%d&limit=1000", id), &theirs)
		d.byTenant[id] = theirs.Results
	}
	if d.site == 0 || d.hall == 0 || len(d.tenants) < 3 || len(d.racks) < 40 || len(d.byTenant[d.tenants[kopiCloud]]) == 0 || len(d.byTenant[d.tenants[bankName]]) == 0 {
		t.Fatalf("the demo is not what the journeys expect: site %d, hall %d, tenants %v, %d racks, by tenant %v",
			d.site, d.hall, d.tenants, len(d.racks), d.byTenant)
	}
}

// api GETs path with the admin token and decodes the JSON answer into v.
func (d *uiDemo) api(t *testing.T, path string, v any) {
	t.Helper()
	resp, body := call(t, nil, http.MethodGet, d.url+path, "", bearer(d.admin))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// tab is one browser on the demo server, with the checks every page gets.
type tab struct {
	t       *testing.T
	b       *testpeer.Browser
	d       *uiDemo
	errors  int // how many of the browser's errors earlier pages accounted for
	outside int // and of its requests outside the server
	pages   []string
}

// step bounds each browser action: a query for an element that never comes fails the test in
// seconds rather than hanging it.
const step = 15 * time.Second

// run runs one action on the tab, within step; an error fails the test.
func run[T any](p *tab, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.b.Ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func newTab(t *testing.T, d *uiDemo) *tab {
	p := &tab{t: t, b: testpeer.NewBrowser(t), d: d}
	t.Cleanup(func() {
		if !t.Failed() {
			t.Logf("pages checked: %s", strings.Join(p.pages, ", "))
		}
	})
	return p
}

// open navigates to path and checks the page; it returns the main document's response.
func (p *tab) open(path string, allow ...*regexp.Regexp) *network.Response {
	p.t.Helper()
	resp := run(p, "open "+path, chromedp.NavigateResponse(p.d.url+path))
	p.check(allow...)
	return resp
}

// follow runs steps that load a new page (a click, a form's submit), waits for it, checks it, and
// returns its response.
func (p *tab) follow(what string, steps ...chromedp.Action[chromedp.Void]) *network.Response {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.b.Ctx, step)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	p.check()
	return resp
}

// a11y is the accessibility every page must have: a language, a title, one h1, alt text on every
// image and a label on every input a person fills in.
const a11y = `(() => {
  const bad = [];
  if (!document.documentElement.getAttribute("lang")) bad.push("no lang on <html>");
  const title = document.querySelector("head > title");
  if (!title || !title.textContent.trim()) bad.push("no <title>");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) bad.push(h1 + " <h1> elements");
  for (const img of document.querySelectorAll("img")) {
    if (!(img.getAttribute("alt") || "").trim()) bad.push("<img> without alt: " + img.getAttribute("src"));
  }
  for (const el of document.querySelectorAll("input")) {
    if (el.type === "hidden") continue;
    const label = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
    if (!label && !(el.getAttribute("aria-label") || "").trim()) bad.push("<input> without a label: " + el.outerHTML);
  }
  return bad;
})()`

// check is what every page gets: no new console error, exception or CSP violation (but those
// matching allow), nothing requested from outside the server, and the accessibility basics.
func (p *tab) check(allow ...*regexp.Regexp) {
	p.t.Helper()
	loc := p.location()
	p.pages = append(p.pages, strings.TrimPrefix(loc, p.d.url))
	for _, b := range run(p, loc+": accessibility check", chromedp.Evaluate[[]string](a11y)) {
		p.t.Errorf("%s: accessibility: %s", loc, b)
	}
	all := p.b.Errors()
	for _, e := range all[p.errors:] {
		if !slices.ContainsFunc(allow, func(re *regexp.Regexp) bool { return re.MatchString(e) }) {
			p.t.Errorf("%s: browser error: %s", loc, e)
		}
	}
	p.errors = len(all)
	if out := p.b.Outside(p.d.url); len(out) > p.outside {
		p.t.Errorf("%s: requests outside the server: %v", loc, out[p.outside:])
		p.outside = len(out)
	}
}

func (p *tab) location() string {
	p.t.Helper()
	return run(p, "location", chromedp.Location())
}

// path is the current page's path and query.
func (p *tab) path() string {
	p.t.Helper()
	u, err := url.Parse(p.location())
	if err != nil {
		p.t.Fatal(err)
	}
	return u.RequestURI()
}

// eval runs a JavaScript expression on the page and decodes its value.
func eval[T any](p *tab, js string) T {
	p.t.Helper()
	return run(p, js, chromedp.Evaluate[T](js))
}

// text is the visible text of the first element css selects.
func (p *tab) text(css string) string {
	p.t.Helper()
	return strings.TrimSpace(run(p, "text of "+css, chromedp.Text(chromedp.CSS(css))))
}

// signIn fills the login form as name and submits it; it returns where it landed.
func (p *tab) signIn(name string) *network.Response {
	p.t.Helper()
	if p.path() != "/login" && !strings.HasPrefix(p.path(), "/login?") {
		p.open("/login")
	}
	return p.follow("sign in as "+name,
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), "plenum-demo-"+name),
		chromedp.Click(chromedp.CSS(`section.login button[type=submit]`)))
}

// journeyOperator: the operator signs in, goes from the sites to Data Hall 1's floor plan, clicks
// a rack on the plan and finds its page whole; then colors the plan by tenant.
func journeyOperator(t *testing.T, d *uiDemo) {
	p := newTab(t, d)
	// Signed out, the home page sends to the sign-in form.
	p.open("/")
	if got := p.path(); got != "/login?next=%2F" {
		t.Fatalf("signed out, / lands on %s", got)
	}
	if h := p.text("h1"); h != "Sign in to Plenum" {
		t.Errorf("login h1 %q", h)
	}
	resp := p.signIn("operator")
	if got := p.path(); got != "/" || resp.Status != http.StatusOK {
		t.Fatalf("after sign-in: %s (%d)", got, resp.Status)
	}
	if who := p.text("header .who span"); who != "operator · operator" {
		t.Errorf("header says %q", who)
	}
	sites := eval[[]string](p, `Array.from(document.querySelectorAll("main table.list tbody tr td:first-child a"), a => a.textContent + " " + a.getAttribute("href"))`)
	if want := []string{fmt.Sprintf("Cyberjaya DC1 /sites/%d", d.site)}; !slices.Equal(sites, want) {
		t.Errorf("sites table: %q, want %q", sites, want)
	}

	// The site, and its rooms.
	p.follow("open the site", chromedp.Click(chromedp.CSS(`main a[href="/sites/`+itoa(d.site)+`"]`)))
	if got, h := p.path(), p.text("h1"); got != "/sites/"+itoa(d.site) || h != "Cyberjaya DC1" {
		t.Fatalf("site page: %s, h1 %q", got, h)
	}
	rooms := eval[[]string](p, `Array.from(document.querySelectorAll("main table.list tbody tr td:first-child a"), a => a.textContent)`)
	if !slices.Equal(rooms, []string{"Data Hall 1", "Data Hall 2"}) {
		t.Errorf("rooms: %q", rooms)
	}

	// Data Hall 1's floor plan: every rack on it, each a link to its page.
	p.follow("open Data Hall 1", chromedp.Click(chromedp.CSS(`main a[href="/rooms/`+itoa(d.hall)+`"]`)))
	if got, h := p.path(), p.text("h1"); got != "/rooms/"+itoa(d.hall) || h != "Data Hall 1" {
		t.Fatalf("room page: %s, h1 %q", got, h)
	}
	inHall := 0
	for _, r := range d.racks {
		if r.RoomID == d.hall {
			inHall++
		}
	}
	plan := eval[struct {
		SVG   bool `json:"svg"`
		Racks int  `json:"racks"`
		Links int  `json:"links"`
		Bad   int  `json:"bad"`
	}](p, `(() => {
	  const plan = document.querySelector("div#floor-plan");
	  const racks = plan ? plan.querySelectorAll("svg [id^=rack-][data-rack-id]") : [];
	  let links = 0, bad = 0;
	  for (const g of racks) {
	    const a = g.closest("a");
	    if (!a) continue;
	    links++;
	    if (a.getAttribute("href") !== "/racks/" + g.dataset.rackId || g.id !== "rack-" + g.dataset.rackId) bad++;
	  }
	  return {svg: !!(plan && plan.querySelector("svg")), racks: racks.length, links, bad};
	})()`)
	if !plan.SVG || plan.Racks <= 10 || plan.Racks != inHall || plan.Links != inHall || plan.Bad != 0 {
		t.Fatalf("floor plan: %+v, want an svg with %d linked racks", plan, inHall)
	}

	// Click a rack on the plan: its page, both elevations drawn, its devices listed.
	rack := d.racks["C03"]
	p.follow("click rack C03 on the plan", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#floor-plan a:has(> #rack-%d)`, rack.ID))))
	if got, h := p.path(), p.text("h1"); got != "/racks/"+itoa(rack.ID) || h != "Rack C03" {
		t.Fatalf("after the click: %s, h1 %q", got, h)
	}
	imgs := eval[[]struct {
		Src   string `json:"src"`
		Width int    `json:"width"`
	}](p, `Array.from(document.querySelectorAll("main img"), i => ({src: i.getAttribute("src"), width: i.complete ? i.naturalWidth : 0}))`)
	if len(imgs) != 2 {
		t.Errorf("rack page images: %+v", imgs)
	}
	for _, img := range imgs {
		if !strings.HasPrefix(img.Src, fmt.Sprintf("/api/v1/racks/%d/elevation.svg", rack.ID)) || img.Width <= 0 {
			t.Errorf("elevation %s: natural width %d", img.Src, img.Width)
		}
	}
	devices := eval[[]string](p, `Array.from(document.querySelectorAll("#rack-devices tbody tr td:first-child"), td => td.textContent.trim())`)
	// C03: management and two top-of-rack switches, a storage array and twelve servers (and its PDUs).
	for _, want := range []string{"C03-MGMT", "C03-TOR1", "C03-STOR1", "C03-SRV01", "C03-SRV12"} {
		if !slices.Contains(devices, want) {
			t.Errorf("rack devices %q lack %s", devices, want)
		}
	}
	if len(devices) < 16 {
		t.Errorf("rack C03 lists %d devices", len(devices))
	}
	crumbs := eval[[]string](p, `Array.from(document.querySelectorAll("nav.crumbs a"), a => a.textContent + " " + a.getAttribute("href"))`)
	if want := []string{"Sites /", "Cyberjaya DC1 /sites/" + itoa(d.site), "Data Hall 1 /rooms/" + itoa(d.hall)}; !slices.Equal(crumbs, want) {
		t.Errorf("breadcrumbs %q, want %q", crumbs, want)
	}
	p.b.Screenshot(t, "rack")

	// Back to the hall, colored by tenant: the legend names the tenants with racks there.
	p.follow("back to the hall", chromedp.Click(chromedp.CSS(`nav.crumbs a[href="/rooms/`+itoa(d.hall)+`"]`)))
	p.follow("tenant layer", chromedp.Click(chromedp.CSS(`nav.layers a[href$="?layer=tenant"]`)))
	if got := p.path(); got != "/rooms/"+itoa(d.hall)+"?layer=tenant" {
		t.Fatalf("layer link went to %s", got)
	}
	if cur := p.text(`nav.layers a[aria-current]`); cur != "Tenant" {
		t.Errorf("current layer %q", cur)
	}
	legend := eval[[]string](p, `Array.from(document.querySelectorAll("#floor-plan svg .legend .legend-item"), g => g.getAttribute("data-key"))`)
	for _, want := range []string{kopiCloud, bankName} {
		if !slices.Contains(legend, want) {
			t.Errorf("tenant legend %q lacks %s", legend, want)
		}
	}
	if slices.Contains(legend, mediaName) { // its racks are in Data Hall 2
		t.Errorf("tenant legend of Data Hall 1 names %s: %q", mediaName, legend)
	}
	// Each tenant's name is on the legend: written out, or cut short with an ellipsis and then
	// whole in the entry's tooltip.
	for _, want := range []string{kopiCloud, bankName} {
		item := eval[struct {
			Label string `json:"label"`
			Title string `json:"title"`
		}](p, `(() => {
		  const g = Array.from(document.querySelectorAll("#floor-plan svg .legend .legend-item")).find(g => g.getAttribute("data-key") === `+jsString(want)+`);
		  const t = g && g.querySelector("title");
		  return {label: g ? g.querySelector(".lbl").textContent : "", title: t ? t.textContent : ""};
		})()`)
		switch short, cut := strings.CutSuffix(item.Label, "…"); {
		case item.Label == want:
		case cut && strings.HasPrefix(want, short) && item.Title == want:
			t.Logf("the legend shortens %q to %q (whole in its tooltip)", want, item.Label)
		default:
			t.Errorf("tenant legend entry for %s: %+v", want, item)
		}
	}
	p.b.Screenshot(t, "tenant-layer")
}

// journeySearch: a device's name in the header's search box goes straight to that device.
func journeySearch(t *testing.T, d *uiDemo) {
	p := newTab(t, d)
	p.signIn("viewer")
	if p.path() != "/" {
		t.Fatalf("viewer landed on %s", p.path())
	}
	const name = "B02-SRV07"
	resp := p.follow("search "+name,
		chromedp.SendKeys(chromedp.ID("q"), name),
		chromedp.Submit(chromedp.ID("q")))
	if got := p.path(); !regexp.MustCompile(`^/devices/\d+$`).MatchString(got) || resp.Status != http.StatusOK {
		t.Fatalf("searching %s landed on %s (%d)", name, got, resp.Status)
	}
	if h := p.text("h1"); h != name {
		t.Errorf("device page h1 %q", h)
	}
	facts := p.text("dl.facts")
	if !strings.Contains(facts, "B02") || !strings.Contains(facts, "server") {
		t.Errorf("device facts: %q", facts)
	}
	if href := eval[string](p, `document.querySelector("dl.facts a").getAttribute("href")`); href != "/racks/"+itoa(d.racks["B02"].ID) {
		t.Errorf("device's rack link %q", href)
	}
	if ports := eval[int](p, `document.querySelectorAll("main table.list tbody tr").length`); ports == 0 {
		t.Errorf("device page has no power ports or history rows")
	}
	p.b.Screenshot(t, "device")
	// A broader search lists its hits.
	p.open("/search?q=" + url.QueryEscape("B02-SRV"))
	hits := eval[[]string](p, `Array.from(document.querySelectorAll("main ul.hits a"), a => a.textContent)`)
	if len(hits) != 12 || !slices.Contains(hits, name) {
		t.Errorf("search B02-SRV: %q", hits)
	}
	if found := p.text("main > p"); found != "12 found." {
		t.Errorf("search B02-SRV says %q", found)
	}
	p.b.Screenshot(t, "results")
}

// journeyTenant: a tenant user sees its own racks on the floor plan, the others only as anonymous
// tiles, no other tenant's name anywhere, and another tenant's rack is not found.
func journeyTenant(t *testing.T, d *uiDemo) {
	p := newTab(t, d)
	kopi, bank := d.tenants[kopiCloud], d.tenants[bankName]
	p.signIn("kopi")
	if p.path() != "/" {
		t.Fatalf("kopi landed on %s", p.path())
	}
	others := []string{bankName, mediaName, "Bank Petaling", "Nusantara"}
	noOthers := func(where string) {
		t.Helper()
		html := eval[string](p, `document.documentElement.outerHTML`)
		for _, o := range others {
			if strings.Contains(html, o) {
				t.Errorf("%s names %q", where, o)
			}
		}
	}
	noOthers("home")
	p.follow("open the site", chromedp.Click(chromedp.CSS(`main a[href="/sites/`+itoa(d.site)+`"]`)))
	noOthers("site page")
	p.follow("open Data Hall 1", chromedp.Click(chromedp.CSS(`main a[href="/rooms/`+itoa(d.hall)+`"]`)))
	if h := p.text("h1"); h != "Data Hall 1" {
		t.Fatalf("kopi's room page h1 %q", h)
	}
	var want []string
	for _, r := range d.byTenant[kopi] {
		if r.RoomID == d.hall {
			want = append(want, "/racks/"+itoa(r.ID))
		}
	}
	slices.Sort(want)
	plan := eval[struct {
		Links  []string `json:"links"`
		IDs    int      `json:"ids"`
		Hidden int      `json:"hidden"`
		Texts  []string `json:"texts"`
	}](p, `(() => {
	  const svg = document.querySelector("#floor-plan svg");
	  return {
	    links: Array.from(svg.querySelectorAll("a"), a => a.getAttribute("href") || a.getAttribute("xlink:href")).sort(),
	    ids: svg.querySelectorAll("[id^=rack-]").length,
	    hidden: svg.querySelectorAll(".floor .rack-hidden").length,
	    texts: Array.from(svg.querySelectorAll(".floor text"), t => t.textContent),
	  };
	})()`)
	if !slices.Equal(plan.Links, want) || plan.IDs != len(want) {
		t.Errorf("kopi's plan links %q (%d rack ids), want its own racks %q", plan.Links, plan.IDs, want)
	}
	inHall := 0
	for _, r := range d.racks {
		if r.RoomID == d.hall {
			inHall++
		}
	}
	if plan.Hidden != inHall-len(want) {
		t.Errorf("kopi's plan draws %d anonymous racks, want %d", plan.Hidden, inHall-len(want))
	}
	// The only names on the floor are Kopi's racks (and the aisles).
	for _, s := range plan.Texts {
		if !strings.HasPrefix(s, "A") && !strings.HasSuffix(s, "aisle") {
			t.Errorf("kopi's plan shows %q", s)
		}
	}
	noOthers("room page")
	p.follow("tenant layer", chromedp.Click(chromedp.CSS(`nav.layers a[href$="?layer=tenant"]`)))
	legend := eval[[]string](p, `Array.from(document.querySelectorAll("#floor-plan svg .legend .legend-item"), g => g.getAttribute("data-key"))`)
	if !slices.Contains(legend, kopiCloud) || slices.Contains(legend, bankName) {
		t.Errorf("kopi's tenant legend %q", legend)
	}
	noOthers("tenant layer")
	p.b.Screenshot(t, "floor-plan")

	// Its own rack opens; the bank's rack, asked for directly, is not found.
	own := d.byTenant[kopi][0]
	p.follow("click own rack", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#floor-plan a:has(> #rack-%d)`, own.ID))))
	if h := p.text("h1"); h != "Rack "+own.Name {
		t.Errorf("own rack h1 %q", h)
	}
	noOthers("own rack page")
	theirs := d.byTenant[bank][0]
	resp := p.open("/racks/"+itoa(theirs.ID), regexp.MustCompile(`status of 404 \(Not Found\)`))
	if resp.Status != http.StatusNotFound || p.text("h1") != "Not Found" {
		t.Errorf("the bank's rack %s for kopi: %d, h1 %q", theirs.Name, resp.Status, p.text("h1"))
	}
	if body := p.text("main"); strings.Contains(body, theirs.Name) || !strings.Contains(body, "not yours to see") {
		t.Errorf("the 404 page says %q", body)
	}
	noOthers("404 page")
	p.b.Screenshot(t, "not-found")
}

// journeySignOut: the header's sign-out form ends the session.
func journeySignOut(t *testing.T, d *uiDemo) {
	p := newTab(t, d)
	p.signIn("admin")
	if p.path() != "/" {
		t.Fatalf("admin landed on %s", p.path())
	}
	p.follow("sign out", chromedp.Click(chromedp.CSS(`header form[action="/logout"] button[type=submit]`)))
	if got := p.path(); got != "/login" {
		t.Fatalf("after sign-out: %s", got)
	}
	if n := eval[int](p, `document.querySelectorAll("header form[action='/logout'], #q").length`); n != 0 {
		t.Errorf("signed out, the header still has %d session controls", n)
	}
	p.open("/")
	if got := p.path(); got != "/login?next=%2F" {
		t.Errorf("signed out, / lands on %s", got)
	}
	p.b.Screenshot(t, "signed-out")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// journeyPlacement: the operator places 10 servers for Kopi Cloud with the wizard, A+B, and
// reserves the places; the reservations are in the racks the plan named, for that tenant.
func journeyPlacement(t *testing.T, d *uiDemo) {
	p := newTab(t, d)
	p.signIn("operator")
	p.follow("open the wizard", chromedp.Click(chromedp.CSS(`header nav a[href="/placement"]`)))
	if h := p.text("h1"); h != "Place equipment" {
		t.Fatalf("wizard h1 %q", h)
	}
	// The 1U server of the demo's library, by its option text.
	server := eval[string](p, `Array.from(document.querySelectorAll("#device_type option")).find(o => /\(1 U\)/.test(o.textContent) && /R6|DL3|SR6|1U|PowerEdge|ProLiant/i.test(o.textContent)).value`)
	kopi := itoa(d.tenants["Kopi Cloud Sdn Bhd"])
	p.follow("find places",
		chromedp.SetValue(chromedp.ID("device_type"), server),
		chromedp.SetValue(chromedp.ID("count"), "10"),
		chromedp.SetValue(chromedp.ID("redundancy"), "A+B"),
		chromedp.SetValue(chromedp.ID("tenant"), kopi),
		chromedp.Click(chromedp.CSS(`form.wizard button[type=submit]`)))
	if placed := p.text("#placed"); placed != "10 of 10 placed" {
		t.Fatalf("placed: %q", placed)
	}
	racks := eval[[]string](p, `Array.from(document.querySelectorAll("#candidates tbody tr td:nth-child(2) a"), a => a.textContent)`)
	if len(racks) != 10 {
		t.Fatalf("candidates %q", racks)
	}
	// Other tenants' racks are avoided: every candidate is Kopi Cloud's or no one's. (Kopi's own
	// racks, A01-A10, are full on power after failover in the demo: they are listed as rejected, why.)
	for _, name := range racks {
		if r := d.racks[name]; r.TenantID != nil && *r.TenantID != d.tenants["Kopi Cloud Sdn Bhd"] {
			t.Errorf("candidate %s belongs to tenant %d", name, *r.TenantID)
		}
	}
	rejected := p.text("main")
	if !strings.Contains(rejected, "Racks that cannot take it") || !strings.Contains(rejected, "left after failover") {
		t.Errorf("no rejected racks with their reasons")
	}
	p.b.Screenshot(t, "plan")
	p.follow("reserve", chromedp.Click(chromedp.ID("reserve")))
	if msg := p.text("#reserved"); !strings.HasPrefix(msg, "Reserved") {
		t.Fatalf("reserve: %q", msg)
	}
	p.b.Screenshot(t, "reserved")
	// The reservations are stored for Kopi Cloud, in the racks named.
	var res struct {
		Results []struct {
			RackID   int64  `json:"rack_id"`
			TenantID *int64 `json:"tenant_id"`
			Desc     string `json:"description"`
		} `json:"results"`
	}
	d.api(t, "/api/v1/rack-reservations?tenant_id="+kopi+"&limit=1000", &res)
	names := map[int64]string{}
	for _, r := range d.racks {
		names[r.ID] = r.Name
	}
	found := 0
	for _, r := range res.Results {
		if strings.HasPrefix(r.Desc, "placement: 10 ×") {
			found++
			if !slices.Contains(racks, names[r.RackID]) {
				t.Errorf("reservation in rack %s, not among the candidates %q", names[r.RackID], racks)
			}
		}
	}
	if found == 0 {
		t.Errorf("no placement reservation stored for Kopi Cloud: %+v", res.Results)
	}
}

// journeyWhatIf: from the site, the operator opens the power chain, clicks UPS-A on the diagram,
// and sees what its failure does: the node marked failed, the impact counted and listed.
func journeyWhatIf(t *testing.T, d *uiDemo) {
	p := newTab(t, d)
	p.signIn("operator")
	p.open("/sites/" + itoa(d.site))
	p.follow("open the power chain", chromedp.Click(chromedp.CSS(`a[href="/sites/`+itoa(d.site)+`/power"]`)))
	if h := p.text("h1"); h != "Power chain" {
		t.Fatalf("power chain h1 %q", h)
	}
	nodes := eval[int](p, `document.querySelectorAll("#power-chain [data-node-id]").length`)
	if nodes < 10 {
		t.Fatalf("%d nodes on the diagram", nodes)
	}
	p.b.Screenshot(t, "chain")
	// The first UPS on the diagram, by its kind, clicked through its link.
	ups := eval[string](p, `(() => { for (const g of document.querySelectorAll("#power-chain [data-node-id]")) {
	  if (/\bups\b/i.test(g.textContent)) return g.getAttribute("data-node-id"); } return ""; })()`)
	if ups == "" {
		t.Fatal("no UPS on the diagram")
	}
	p.follow("click the UPS", chromedp.Click(chromedp.CSS(`#power-chain a[href$="fail=`+ups+`"]`)))
	if got := p.path(); got != "/sites/"+itoa(d.site)+"/whatif?fail="+ups {
		t.Fatalf("what-if landed on %s", got)
	}
	if h := p.text("h1"); !strings.HasPrefix(h, "What if ") || !strings.HasSuffix(h, " fails") {
		t.Errorf("what-if h1 %q", h)
	}
	failed := eval[int](p, `document.querySelectorAll("#power-chain .state-failed").length`)
	if failed != 1 {
		t.Errorf("%d nodes marked failed", failed)
	}
	impact := p.text("#impact")
	if !strings.Contains(impact, "Devices on their last feed") {
		t.Errorf("impact tiles %q", impact)
	}
	// A 2N chain: one UPS down leaves the dual-corded devices on their last feed; the lists agree
	// with the tiles' counts.
	lastFeed := eval[int](p, `document.querySelectorAll("#last-feed li").length`)
	dark := eval[int](p, `document.querySelectorAll("#lost-power li").length`)
	tiles := strings.Join(strings.Fields(impact), " ")
	if lastFeed == 0 || !strings.Contains(tiles, "Devices on their last feed "+strconv.Itoa(lastFeed)) ||
		!strings.Contains(tiles, "Devices without power "+strconv.Itoa(dark)) {
		t.Errorf("UPS %s down: %d devices on their last feed, %d dark; tiles %q", ups, lastFeed, dark, impact)
	}
	p.b.Screenshot(t, "whatif")
	// A viewer may look at the chain but not run what-ifs.
	v := newTab(t, d)
	v.signIn("viewer")
	v.open("/sites/" + itoa(d.site) + "/power")
	resp := v.open("/sites/"+itoa(d.site)+"/whatif?fail="+ups, regexp.MustCompile(`403`))
	if resp.Status != http.StatusForbidden {
		t.Errorf("viewer's what-if: %d", resp.Status)
	}
}

// journeyEnergy: the PUE dashboard shows the rolling 12 months, the targets and three charts.
func journeyEnergy(t *testing.T, d *uiDemo) {
	p := newTab(t, d)
	p.signIn("viewer")
	p.open("/sites/" + itoa(d.site))
	p.follow("open the energy dashboard", chromedp.Click(chromedp.CSS(`a[href="/sites/`+itoa(d.site)+`/energy"]`)))
	// The server rolls the demo's meter history up as it starts: wait for the facility meters'.
	pue := regexp.MustCompile(`PUE\s+1\.\d\d`)
	kpis := p.text("#kpis")
	for deadline := time.Now().Add(90 * time.Second); !pue.MatchString(kpis) && time.Now().Before(deadline); kpis = p.text("#kpis") {
		time.Sleep(3 * time.Second)
		p.open("/sites/" + itoa(d.site) + "/energy")
	}
	if !pue.MatchString(kpis) {
		t.Errorf("KPI tiles %q: want a PUE of 1.xx", kpis)
	}
	if rows := eval[int](p, `document.querySelectorAll("#ppue tbody tr").length`); rows != 2 {
		t.Errorf("%d rooms with a pPUE row, want the demo's 2 halls", rows)
	}
	if rows := eval[int](p, `document.querySelectorAll("#targets tbody tr").length`); rows < 2 {
		t.Errorf("%d target rows", rows)
	}
	charts := eval[int](p, `document.querySelectorAll("figure.chart svg").length`)
	bars := eval[int](p, `document.querySelectorAll("figure.chart svg .ch-bar").length`)
	if charts != 3 || bars < 20 {
		t.Errorf("%d charts, %d bars", charts, bars)
	}
	p.b.Screenshot(t, "dashboard")
}

// journeyInlet: the floor plan colored by inlet temperature (the demo's simulated sensors), with
// ASHRAE A1's steps in the legend, and a rack page with its sensors' sparklines.
func journeyInlet(t *testing.T, d *uiDemo) {
	p := newTab(t, d)
	p.signIn("viewer")
	p.open("/rooms/" + itoa(d.hall) + "?layer=inlet")
	legend := eval[string](p, `document.querySelector("#floor-plan svg .legend").textContent`)
	for _, step := range []string{"< 18 °C", "18–27 °C", "27–32 °C", "> 32 °C"} {
		if !strings.Contains(legend, step) {
			t.Errorf("legend %q lacks %q", legend, step)
		}
	}
	// The demo writes its day of readings as it starts: wait for the latest to arrive.
	measured := 0
	for deadline := time.Now().Add(45 * time.Second); ; {
		measured = eval[int](p, `document.querySelectorAll("#floor-plan .rack:not(.nodata)").length`)
		if measured >= 10 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
		p.open("/rooms/" + itoa(d.hall) + "?layer=inlet")
	}
	if measured < 10 {
		t.Errorf("%d racks with an inlet reading", measured)
	}
	p.b.Screenshot(t, "inlet-layer")
	// The demo's warm racks raise its inlet alert (pending for its first 5 minutes): on the live
	// page, and on the floor plan's alert layer.
	alerts := ""
	for deadline := time.Now().Add(60 * time.Second); ; {
		p.open("/live")
		if alerts = p.text("main"); strings.Contains(alerts, "InletOutsideRecommended") || time.Now().After(deadline) {
			break
		}
		time.Sleep(3 * time.Second)
	}
	if !strings.Contains(alerts, "InletOutsideRecommended") || !strings.Contains(alerts, "outside class A1's recommended envelope (18–27 °C)") {
		t.Errorf("live page: no inlet alert: %.400q", alerts)
	}
	p.open("/rooms/" + itoa(d.hall) + "?layer=alerts")
	flagged := eval[int](p, `document.querySelectorAll('#floor-plan .rack rect[fill="#f0e442"], #floor-plan .rack rect[fill="#e69f00"]').length`)
	if flagged == 0 {
		t.Error("no rack flagged on the alert layer")
	}
	p.b.Screenshot(t, "alert-layer")
	p.open("/racks/" + itoa(d.racks["A01"].ID))
	sparks := eval[int](p, `document.querySelectorAll("#sensors td.spark svg").length`)
	if sparks == 0 {
		t.Errorf("rack A01 shows no sensor sparkline")
	}
}

// journeyEveryPage opens the pages no other journey walks, as an operator and as a tenant user,
// so that each is checked for console errors, outside requests and the accessibility basics, and
// holds what it should.
func journeyEveryPage(t *testing.T, d *uiDemo) {
	p := newTab(t, d)
	p.signIn("operator")
	site := itoa(d.site)
	for _, c := range []struct{ path, css, want string }{
		{"/inventory/racks", "main", "Showing 1–50 of"},
		{"/inventory/devices?q=SRV01", "main", "SRV01"},
		{"/inventory/racks/new", "main form", "Name"},
		{"/import", "main", "device"},
		{"/sites/" + site + "/capacity", "#rooms", "Data Hall 1"},
		{"/bills", "main h1", "Bills"},
		{"/live", "main h1", "Live state"},
		{"/sites/" + site, "main", "Power chain and what-if"},
	} {
		p.open(c.path)
		if got := p.text(c.css); !strings.Contains(got, c.want) {
			t.Errorf("%s: %s holds %.200q, want %q", c.path, c.css, got, c.want)
		}
	}
	// An import from the form goes on to its own page, which shows the report when it is done (a
	// CSV the import refuses: the demo stays as it is).
	p.open("/import")
	p.follow("import a CSV",
		chromedp.SetValue(chromedp.ID("csv_text"), "name,colour\nx,red\n"),
		chromedp.Click(chromedp.CSS(`form:has(#csv_text) button[type=submit]`)))
	if loc := p.path(); !regexp.MustCompile(`^/import/[A-Z2-7]+$`).MatchString(loc) {
		t.Errorf("the import post landed on %s", loc)
	} else {
		for deadline := time.Now().Add(20 * time.Second); p.text("#phase") != "failed" && time.Now().Before(deadline); {
			time.Sleep(500 * time.Millisecond)
			p.open(loc)
		}
		if phase, main := p.text("#phase"), p.text("main"); phase != "failed" || !strings.Contains(main, "unknown column") {
			t.Errorf("import page: phase %q, %.300q", phase, main)
		}
		if n := eval[int](p, `document.querySelectorAll("progress#import-progress").length`); n != 1 {
			t.Errorf("import page: %d progress bars", n)
		}
	}
	// Acknowledge an alert from the live page (the demo's warm racks raise them).
	p.open("/live")
	if forms := eval[int](p, `document.querySelectorAll("#alerts form.ack").length`); forms == 0 {
		t.Error("no alert to acknowledge on the live page")
	} else {
		id := eval[string](p, `document.querySelector("#alerts form.ack input[name=comment]").id`)
		p.follow("acknowledge",
			chromedp.SendKeys(chromedp.ID(id), "CRAH-2 filter being changed"),
			chromedp.Submit(chromedp.ID(id)))
		if got := p.text("#alerts"); !strings.Contains(got, "user:operator: CRAH-2 filter being changed") {
			t.Errorf("after acknowledging: %.300q", got)
		}
	}
	p.b.Screenshot(t, "live")
	// Silence an alert from the live page: the form comes filled in from it; the silence is listed.
	if links := eval[int](p, `document.querySelectorAll("#alerts a.silence").length`); links == 0 {
		t.Error("no silence link on the live page")
	} else {
		alert := eval[string](p, `document.querySelector("#alerts a.silence").closest("tr").children[1].textContent`)
		p.follow("silence an alert", chromedp.Click(chromedp.CSS(`#alerts a.silence`)))
		if got := p.text("#new-silence"); !strings.HasPrefix(got, "New silence for ") || !strings.Contains(alert, strings.TrimPrefix(got, "New silence for ")) {
			t.Errorf("silence form %q for the alert %q", got, alert)
		}
		if name := eval[string](p, `document.getElementById("m0-name").value`); name != "alertname" {
			t.Errorf("first matcher %q, want alertname", name)
		}
		p.follow("make the silence",
			chromedp.SendKeys(chromedp.ID("s-comment"), "CRAH-2 filter being changed, 2 hours"),
			chromedp.Click(chromedp.CSS(`#silence-form button[type=submit]`)))
		if got := p.path(); !strings.HasPrefix(got, "/silences?created=") {
			t.Errorf("after silencing: %s", got)
		}
		if got := p.text("#silence-list"); !strings.Contains(got, `alertname="`) || !strings.Contains(got, "user:operator") ||
			!strings.Contains(got, "CRAH-2 filter being changed, 2 hours") {
			t.Errorf("silences listed: %.300q", got)
		}
		p.b.Screenshot(t, "silences")
		p.open("/live")
		if n := eval[int](p, `document.querySelectorAll("#alerts .silenced").length`); n == 0 {
			t.Error("no alert marked silenced on the live page")
		}
	}
	tp := newTab(t, d)
	tp.signIn("kopi")
	tp.open("/bills")
	if got := tp.text("main"); !strings.Contains(got, "This month so far") || strings.Contains(got, "Bank Petaling") {
		t.Errorf("tenant bills page: %.300q", got)
	}
	tp.open("/inventory/racks")
	racks := eval[[]string](tp, `Array.from(document.querySelectorAll("main table tbody tr td:first-child a"), a => a.textContent)`)
	for _, name := range racks {
		if r := d.racks[name]; r.TenantID == nil || *r.TenantID != d.tenants["Kopi Cloud Sdn Bhd"] {
			t.Errorf("tenant's inventory lists rack %q", name)
		}
	}
	if len(racks) == 0 {
		t.Error("tenant's inventory lists no rack")
	}
	tp.b.Screenshot(t, "tenant-bills")
}
