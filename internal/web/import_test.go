package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/web"
)

// refreshMeta is what a running import's page has in its head: it reloads itself.
const refreshMeta = `<meta http-equiv="refresh" content="2">`

// startImport posts an import as token: the address of its page, where the post redirects.
func (e *invEnv) startImport(token string, fields map[string]string, files ...upload) string {
	e.t.Helper()
	rec := e.do(multipartRequest(e.t, fields, files...), token)
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !regexp.MustCompile(`^/import/[A-Z2-7]{26}$`).MatchString(loc) {
		e.t.Fatalf("import post: %d, Location %q, want 303 to the import's page:\n%s", rec.Code, loc, rec.Body)
	}
	return loc
}

// imported posts an import as token and waits for it: the page of the finished import.
func (e *invEnv) imported(token string, fields map[string]string, files ...upload) string {
	e.t.Helper()
	loc := e.startImport(token, fields, files...)
	return waitImport(e.t, func() (int, string) {
		rec := e.do(httptest.NewRequest(http.MethodGet, loc, nil), token)
		return rec.Code, html.UnescapeString(rec.Body.String())
	})
}

// waitImport reads an import's page until it stops reloading itself (the import is done or failed).
func waitImport(t testing.TB, get func() (int, string)) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		code, page := get()
		if code != http.StatusOK {
			t.Fatalf("import page: %d:\n%s", code, page)
		}
		if !strings.Contains(page, refreshMeta) {
			return page
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not finish in 30 s:\n%s", page)
		}
	}
}

var (
	phaseRE    = regexp.MustCompile(`id="phase">([a-z]+)<`)
	progressRE = regexp.MustCompile(`<progress id="import-progress"[^>]*>[^<]*</progress>`)
)

// TestImportProgress: imports run in the background, two at a time; while one runs or waits its
// page reloads itself and shows its phase and a progress bar with its text; too many waiting are
// refused; when they are done each page shows its report.
func TestImportProgress(t *testing.T) {
	e := newInvEnv(t)
	release := make(chan struct{})
	started := make(chan struct{}, 2*web.ImportWaiting)
	e.ui.SetImportHook(func() {
		started <- struct{}{}
		<-release
	})
	csv := map[string]string{"kind": "devices", "csv_text": "name,device_type\nP-1,No Such Model\nP-2,No Such Model\n"}
	var pages []string
	for range web.ImportWaiting {
		pages = append(pages, e.startImport(e.admin, csv))
	}
	for range web.ImportWorkers {
		<-started
	}
	phases := map[string]int{}
	for _, loc := range pages {
		code, page := e.get(loc)
		m := phaseRE.FindStringSubmatch(page)
		if code != http.StatusOK || m == nil || !strings.Contains(page, refreshMeta) {
			t.Fatalf("%s: %d, want a page that reloads itself and names its phase:\n%s", loc, code, page)
		}
		phases[m[1]]++
		bar := progressRE.FindString(page)
		switch m[1] {
		case "checking":
			if bar == "" || !strings.Contains(page, `<label for="import-progress">Rows read</label>`) {
				t.Errorf("running import's progress: %q\n%s", bar, page)
			}
		case "queued":
			// Nothing to count yet: an indeterminate bar, its text saying so.
			if bar != `<progress id="import-progress">not known yet</progress>` || !strings.Contains(page, "Waiting for a free worker") {
				t.Errorf("queued import's progress: %q", bar)
			}
		}
	}
	if phases["checking"] != web.ImportWorkers || phases["queued"] != web.ImportWaiting-web.ImportWorkers {
		t.Errorf("phases %v, want %d checking and the others queued", phases, web.ImportWorkers)
	}
	// One more is refused while so many wait; the form says why.
	code, page := e.upload(csv)
	if code != http.StatusServiceUnavailable || !strings.Contains(page, "imports are queued or running") {
		t.Errorf("one import too many: %d:\n%s", code, page)
	}
	// The form page lists them.
	if _, page := e.get("/import"); strings.Count(page, `<a href="/import/`) != web.ImportWaiting {
		t.Errorf("recent imports: %d links, want %d", strings.Count(page, `<a href="/import/`), web.ImportWaiting)
	}
	close(release)
	for _, loc := range pages {
		page := waitImport(t, func() (int, string) { return e.get(loc) })
		if !strings.Contains(page, `id="phase">failed<`) || !strings.Contains(page, `unknown device type "No Such Model"`) ||
			!strings.Contains(page, `<progress id="import-progress" max="1" value="1">1 of 1</progress>`) {
			t.Errorf("%s when done:\n%s", loc, page)
		}
	}
}

// TestImportOwner: an import's page is its starter's, and the admins'; another operator does not
// find it, nor sees it among the recent imports.
func TestImportOwner(t *testing.T) {
	e := newInvEnv(t)
	tokens := map[string]string{}
	for _, name := range []string{"olga", "oscar"} {
		if _, err := e.st.CreateUser(e.ctx, dcim.User{Name: name, Role: dcim.RoleOperator}, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		_, secret, err := e.st.IssueToken(e.ctx, store.TokenSpec{Name: name + "-cli", User: name, Write: true})
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = secret
	}
	yaml := upload{"files", "gizmo.yaml", "manufacturer: Acme\nmodel: Gizmo\nu_height: 1\n"}
	loc := e.startImport(tokens["olga"], map[string]string{"kind": "device-types"}, yaml)
	get := func(token, path string) (int, string) {
		rec := e.do(httptest.NewRequest(http.MethodGet, path, nil), token)
		return rec.Code, html.UnescapeString(rec.Body.String())
	}
	page := waitImport(t, func() (int, string) { return get(tokens["olga"], loc) })
	if !strings.Contains(page, "1 created") {
		t.Fatalf("olga's import:\n%s", page)
	}
	if code, page := get(tokens["oscar"], loc); code != http.StatusNotFound || strings.Contains(page, "Gizmo") || strings.Contains(page, "gizmo") {
		t.Errorf("oscar opens olga's import: %d, want 404:\n%s", code, page)
	}
	if code, _ := get(e.admin, loc); code != http.StatusOK {
		t.Errorf("an admin opens olga's import: %d, want 200", code)
	}
	if _, page := get(tokens["oscar"], "/import"); strings.Contains(page, loc) {
		t.Errorf("oscar's import page lists olga's import")
	}
	if _, page := get(tokens["olga"], "/import"); !strings.Contains(page, `<a href="`+loc+`">gizmo.yaml</a>`) {
		t.Errorf("olga's import page does not list her import:\n%s", page)
	}
	if code, _ := get(tokens["olga"], "/import/NOSUCHIMPORT"); code != http.StatusNotFound {
		t.Errorf("no such import: %d", code)
	}
}
