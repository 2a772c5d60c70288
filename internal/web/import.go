package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/catalog"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// The bulk import page: NetBox device-type YAML files, through the catalogue import the API's POST
// /api/v1/device-types/import uses, and a CSV of devices, created all or none with the store's bulk
// create. The post reads the upload and starts a background job (importjob.go); the job's page
// shows how far it is, then what it did and how long it took.

const (
	maxUpload    = 32 << 20 // bytes of one upload, all files together
	maxUploadMem = 8 << 20  // held in memory while reading; the rest goes to temporary files
	maxCSVRows   = 10000    // devices of one CSV, as the API's bulk create
	maxRowChecks = 20       // rows the store refuses that one import names, at most
	maxRecent    = 10       // the reader's recent imports listed under the forms
)

// importData is the import page: its forms and the reader's recent imports, or one import's page:
// its progress and, once it is done, the report.
type importData struct {
	MaxMiB  int
	MaxRows int
	Error   string
	Elapsed string
	YAML    *yamlReport
	CSV     *csvReport
	Job     *importStatus  // an import's page
	Recent  []importStatus // the form page
}

type yamlReport struct {
	Files, Created, Updated, Unchanged int
	Split                              bool // updated and unchanged told apart (through the change log)
	Problems, Warnings                 []catalog.FileProblem
}

type csvReport struct {
	Rows, Created int
	Problems      []rowProblem
	More          bool // the store was asked about maxRowChecks bad rows and stopped there
	Devices       string
}

// rowProblem is what is wrong with one row: its line in the file, the column, and the object it
// collides with if any.
type rowProblem struct {
	Line     int
	Column   string
	Message  string
	Conflict *link
}

func (u *UI) importPage(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	d := &importData{MaxMiB: maxUpload >> 20, MaxRows: maxCSVRows}
	v.Title, v.Crumbs, v.Data = "Import", []crumb{{"Sites", "/"}, {"Device types", "/inventory/device-types"}}, d
	for _, j := range u.imports.visible(v.Actor) {
		if len(d.Recent) == maxRecent {
			break
		}
		d.Recent = append(d.Recent, j.status())
	}
	if r.Method != http.MethodPost {
		return "import", nil
	}
	in, status := readImport(w, r, d)
	if status == 0 {
		j, err := u.imports.start(r.Context(), in, u.runImport)
		if err == nil {
			http.Redirect(w, r, "/import/"+j.id, http.StatusSeeOther)
			return "", nil
		}
		if !errors.Is(err, errImportsBusy) {
			return "", err
		}
		d.Error = fmt.Sprintf("%d imports are queued or running: try again when one is done.", importWaiting)
		w.Header().Set("Retry-After", "30")
		status = http.StatusServiceUnavailable
	}
	u.render(w, status, "import", v)
	return "", nil
}

// readImport reads the upload and what it asks for: "kind" is device-types (YAML files in
// "files") or devices (a CSV in "csv", or pasted in "csv_text"). What is wrong with the upload
// itself (too large, no file, a bad or repeated file name) is answered at once: a status, with
// d.Error saying why.
func readImport(w http.ResponseWriter, r *http.Request, d *importData) (importInput, int) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(maxUploadMem); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			d.Error = fmt.Sprintf("The upload is larger than %d MiB: import the files in parts.", maxUpload>>20)
			return importInput{}, http.StatusRequestEntityTooLarge
		}
		d.Error = "Cannot read the upload: " + err.Error()
		return importInput{}, http.StatusBadRequest
	}
	// A session's post was read before (for its CSRF token) under the server's own limit.
	size := 0
	for _, fhs := range r.MultipartForm.File {
		for _, fh := range fhs {
			size += int(fh.Size)
		}
	}
	for _, vals := range r.MultipartForm.Value {
		for _, s := range vals {
			size += len(s)
		}
	}
	if size > maxUpload {
		d.Error = fmt.Sprintf("The upload is larger than %d MiB: import the files in parts.", maxUpload>>20)
		return importInput{}, http.StatusRequestEntityTooLarge
	}
	switch kind := r.PostForm.Get("kind"); kind {
	case "device-types":
		return readDeviceTypes(r.MultipartForm.File["files"], d)
	case "devices":
		in := importInput{kind: kind, name: "pasted devices (CSV)"}
		if fhs := r.MultipartForm.File["csv"]; len(fhs) > 0 {
			var err error
			if in.csv, err = readUpload(fhs[0]); err != nil {
				d.Error = "Cannot read " + fhs[0].Filename + ": " + err.Error()
				return importInput{}, http.StatusBadRequest
			}
			in.name = fhs[0].Filename + " (devices)"
		}
		if len(bytes.TrimSpace(in.csv)) == 0 {
			in.csv, in.name = []byte(r.PostForm.Get("csv_text")), "pasted devices (CSV)"
		}
		if len(bytes.TrimSpace(in.csv)) == 0 {
			d.Error = "Choose a CSV file, or paste the CSV."
			return importInput{}, http.StatusBadRequest
		}
		return in, 0
	}
	d.Error = "Choose what to import: device types or devices."
	return importInput{}, http.StatusBadRequest
}

func readUpload(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxUpload+1))
}

// readDeviceTypes reads NetBox device-type files as the API does: each file's name is checked as
// the API checks a path, and the same name twice refuses the upload.
func readDeviceTypes(fhs []*multipart.FileHeader, d *importData) (importInput, int) {
	if len(fhs) == 0 {
		d.Error = "Choose one or more device-type YAML files."
		return importInput{}, http.StatusBadRequest
	}
	in := importInput{kind: "device-types", files: make(map[string][]byte, len(fhs)), name: fhs[0].Filename}
	if len(fhs) > 1 {
		in.name = fmt.Sprintf("%d device-type files", len(fhs))
	}
	for _, fh := range fhs {
		if err := catalog.CheckPath(fh.Filename); err != nil {
			d.Error = fmt.Sprintf("%q: %v. Nothing was imported.", fh.Filename, err)
			return importInput{}, http.StatusBadRequest
		}
		if _, dup := in.files[fh.Filename]; dup {
			d.Error = fmt.Sprintf("%q is given twice. Nothing was imported.", fh.Filename)
			return importInput{}, http.StatusBadRequest
		}
		data, err := readUpload(fh)
		if err != nil {
			d.Error = fmt.Sprintf("Cannot read %q: %v. Nothing was imported.", fh.Filename, err)
			return importInput{}, http.StatusBadRequest
		}
		in.files[fh.Filename] = data
	}
	return in, 0
}

// runImport is an import's job: it runs the import the upload asks for and returns its report, and
// whether anything was imported. An error of the server's (not of the files) is logged here and
// told on the page.
func (u *UI) runImport(ctx context.Context, j *importJob) (d *importData, ok bool) {
	d = &importData{MaxMiB: maxUpload >> 20, MaxRows: maxCSVRows}
	start := time.Now()
	in := j.input()
	defer func() {
		if p := recover(); p != nil { // in the request, net/http caught this; a job must itself
			u.log.Error("import", "import", j.id, "panic", p)
			d.Error, ok = "The import stopped: something went wrong; it is in the server's log.", false
		}
		d.Elapsed = "less than 1ms"
		if took := time.Since(start); took >= time.Millisecond {
			d.Elapsed = took.Round(time.Millisecond).String()
		}
	}()
	var err error
	switch in.kind {
	case "device-types":
		d.YAML, err = u.importDeviceTypes(ctx, in.files, j)
	default:
		d.CSV, err = u.importDevices(ctx, in.csv, j)
	}
	if err != nil {
		u.log.Error("import", "import", j.id, "kind", in.kind, "error", err)
		d.Error = "The import stopped: something went wrong; it is in the server's log."
		if errors.Is(err, context.DeadlineExceeded) {
			d.Error = fmt.Sprintf("The import stopped: it took longer than %v.", importTimeout)
		}
		if in.kind == "devices" {
			d.Error += " No device was created."
		}
		return d, false
	}
	switch {
	case d.CSV != nil:
		ok = d.CSV.Created > 0
	case d.YAML != nil:
		ok = d.YAML.Created+d.YAML.Updated > 0 || len(d.YAML.Problems) == 0
	}
	return d, ok
}

// importDevicesTypes imports NetBox device-type files as the API does: catalog.ImportFiles stores
// what fits and names every file that does not. j counts the files as the store takes them.
func (u *UI) importDeviceTypes(ctx context.Context, files map[string][]byte, j *importJob) (*yamlReport, error) {
	rep, err := catalog.ImportFiles(ctx, countingSink{Sink: u.store, job: j}, files)
	if err != nil {
		return nil, err
	}
	y := &yamlReport{Files: rep.Files, Created: rep.Created, Updated: rep.Updated, Problems: rep.Problems, Warnings: rep.Warnings}
	// The catalogue counts a type it rewrote unchanged as updated; the change log, which only
	// records real changes, tells the two apart.
	if id := dcim.ActorFrom(ctx).RequestID; id != "" {
		y.Split = true
		if rep.Updated > 0 {
			ch, err := u.store.Changes(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{
				"request_id": {id}, "object_type": {dcim.TypeDeviceType}, "action": {"update"}}})
			if err != nil {
				return nil, err
			}
			y.Updated, y.Unchanged = ch.Count, rep.Updated-ch.Count
		}
	}
	return y, nil
}

// csvColumns are the columns a device CSV may have, by their header; csvAliases are other headers
// for them. name and device_type are required; the store says what else a row needs.
var (
	csvColumns = []string{"name", "device_type", "site", "rack", "position", "face", "tenant", "serial", "asset_tag", "status",
		"role", "description"}
	csvAliases = map[string]string{"type": "device_type", "model": "device_type", "devicetype": "device_type",
		"asset": "asset_tag", "assettag": "asset_tag", "serial_number": "serial", "u": "position", "unit": "position"}
	// storeColumns name the CSV column of a field the store objects to.
	storeColumns = map[string]string{"device_type_id": "device_type", "site_id": "site", "rack_id": "rack", "tenant_id": "tenant"}
)

// csvRow is one device row, resolved.
type csvRow struct {
	line   int
	fields map[string]string
	dev    dcim.Device
	bad    bool
}

// importDevices reads a device CSV, resolves its names to ids, and creates the devices all or
// none. Every problem is reported with its line: names that resolve to nothing (from here) and what
// the store refuses (from its bulk create). Nothing is written while any row is bad.
func (u *UI) importDevices(ctx context.Context, data []byte, j *importJob) (*csvReport, error) {
	rep := &csvReport{}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	rd := csv.NewReader(bytes.NewReader(data))
	rd.FieldsPerRecord, rd.TrimLeadingSpace = -1, true
	if first, _, _ := bytes.Cut(data, []byte("\n")); !bytes.Contains(first, []byte(",")) {
		switch {
		case bytes.Contains(first, []byte(";")):
			rd.Comma = ';'
		case bytes.Contains(first, []byte("\t")):
			rd.Comma = '\t'
		}
	}
	header, err := rd.Read()
	if err != nil {
		rep.Problems = append(rep.Problems, rowProblem{Line: 1, Message: "cannot read the header row: " + err.Error()})
		return rep, nil
	}
	cols := make([]string, len(header))
	for i, h := range header {
		c := strings.ToLower(strings.TrimSpace(h))
		c = strings.NewReplacer(" ", "_", "-", "_").Replace(c)
		if a, ok := csvAliases[strings.ReplaceAll(c, "_", "")]; ok {
			c = a
		} else if a, ok := csvAliases[c]; ok {
			c = a
		}
		switch {
		case !slices.Contains(csvColumns, c):
			rep.Problems = append(rep.Problems, rowProblem{Line: 1, Column: h,
				Message: "unknown column; the columns are " + strings.Join(csvColumns, ", ")})
		case slices.Contains(cols[:i], c):
			rep.Problems = append(rep.Problems, rowProblem{Line: 1, Column: h, Message: "the column is given twice"})
		}
		cols[i] = c
	}
	for _, need := range []string{"name", "device_type"} {
		if !slices.Contains(cols, need) {
			rep.Problems = append(rep.Problems, rowProblem{Line: 1, Column: need, Message: "the column is missing"})
		}
	}
	if len(rep.Problems) > 0 {
		return rep, nil
	}
	var rows []*csvRow
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := rd.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			rep.Problems = append(rep.Problems, rowProblem{Line: line, Message: "cannot read the row: " + err.Error()})
			return rep, nil
		}
		if len(rows) == maxCSVRows {
			rep.Problems = append(rep.Problems, rowProblem{Line: line, Message: fmt.Sprintf("more than %d rows: import the file in parts", maxCSVRows)})
			return rep, nil
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue // an empty row (separators only)
		}
		if len(rec) != len(cols) {
			rep.Problems = append(rep.Problems, rowProblem{Line: line, Message: fmt.Sprintf("has %d fields; the header has %d", len(rec), len(cols))})
			rows = append(rows, &csvRow{line: line, bad: true})
			continue
		}
		row := &csvRow{line: line, fields: map[string]string{}}
		for i, c := range cols {
			row.fields[c] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, row)
	}
	rep.Rows = len(rows)
	if len(rows) == 0 {
		rep.Problems = append(rep.Problems, rowProblem{Line: 2, Message: "no device rows under the header"})
		return rep, nil
	}
	j.rows(0, len(rows))
	res, err := u.newResolver(ctx, rows)
	if err != nil {
		return nil, err
	}
	for i, row := range rows {
		if i%100 == 0 {
			j.rows(i, len(rows))
		}
		if row.bad {
			continue
		}
		for _, p := range res.resolve(row) {
			p.Line = row.line
			rep.Problems = append(rep.Problems, p)
			row.bad = true
		}
	}
	j.rows(len(rows), len(rows))
	if err := u.createRows(ctx, rows, rep, j); err != nil {
		return nil, err
	}
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Line < rep.Problems[j].Line })
	return rep, nil
}

// createRows hands the good rows to the store's bulk create. With no bad row it is the import:
// all are created or none. Otherwise, and after the store refuses a row, it goes on only to find
// the other rows the store refuses: a row that can never be valid (no name, no type) ends each such
// batch, so the transaction always rolls back and nothing is written.
//
// j sees the batch that writes as the writing phase; the store creates its rows in one
// transaction, so they are counted when it commits.
func (u *UI) createRows(ctx context.Context, rows []*csvRow, rep *csvReport, j *importJob) error {
	var good []*csvRow
	for _, row := range rows {
		if !row.bad {
			good = append(good, row)
		}
	}
	write := len(good) == len(rows)
	lineOf := map[string]int{} // the rows' names, to name a row another row collides with
	for _, row := range good {
		if _, ok := lineOf[row.dev.Name]; !ok {
			lineOf[row.dev.Name] = row.line
		}
	}
	for refused := 0; len(good) > 0; refused++ {
		if refused == maxRowChecks {
			rep.More = true
			return nil
		}
		batch := make([]dcim.Device, 0, len(good)+1)
		for _, row := range good {
			batch = append(batch, row.dev)
		}
		if write {
			j.setPhase(phaseWriting)
		} else {
			batch = append(batch, dcim.Device{}) // never valid: the batch rolls back
		}
		out, err := u.store.Devices().BulkCreate(ctx, batch)
		if err == nil {
			if !write {
				return fmt.Errorf("device import: a check batch was written")
			}
			j.written(len(out))
			rep.Created = len(out)
			rep.Devices = "/inventory/devices?ordering=-created"
			return nil
		}
		e := dcim.AsError(err)
		if e == nil {
			return err
		}
		item, fields := bulkItem(e)
		if item < 0 { // not one row's fault
			rep.Problems = append(rep.Problems, rowProblem{Message: e.Error()})
			return nil
		}
		if item >= len(good) { // only the closing row failed: the others pass
			return nil
		}
		row := good[item]
		for _, fe := range fields {
			p := rowProblem{Line: row.line, Column: fe.Field, Message: fe.Message}
			if c, ok := storeColumns[fe.Field]; ok {
				p.Column = c
			}
			if fe.Conflict != nil {
				if l, ok := lineOf[fe.Conflict.Name]; ok && fe.Conflict.Type == dcim.TypeDevice && l != row.line {
					p.Conflict = &link{Text: fmt.Sprintf("the device on line %d", l)}
				} else {
					p.Conflict = u.objectLink(*fe.Conflict)
				}
			}
			rep.Problems = append(rep.Problems, p)
		}
		row.bad = true
		good = slices.Delete(good, item, item+1)
		if write {
			j.setPhase(phaseChecking) // the store refused a row: the rest is looking for others
		}
		write = false
	}
	return nil
}

// bulkItem finds the item a bulk error is about ("[3].position", or "[3]: message" without fields)
// and its field errors without the prefix; -1 when it names no item.
func bulkItem(e *dcim.Error) (int, []dcim.FieldError) {
	index := func(s string) (int, string, bool) {
		rest, ok := strings.CutPrefix(s, "[")
		if !ok {
			return 0, "", false
		}
		n, after, ok := strings.Cut(rest, "]")
		i, err := strconv.Atoi(n)
		if !ok || err != nil {
			return 0, "", false
		}
		return i, after, true
	}
	if len(e.Fields) == 0 {
		i, after, ok := index(e.Message)
		if !ok {
			return -1, nil
		}
		return i, []dcim.FieldError{{Message: strings.TrimPrefix(after, ": ")}}
	}
	item := -1
	var out []dcim.FieldError
	for _, f := range e.Fields {
		i, after, ok := index(f.Field)
		if !ok || (item >= 0 && i != item) {
			return -1, nil
		}
		item = i
		f.Field = strings.TrimPrefix(after, ".")
		out = append(out, f)
	}
	return item, out
}

// resolver turns the names of a CSV into ids: device types by model or slug, sites and tenants by
// name or slug, racks by name or facility id within the row's site.
type resolver struct {
	types, sites, tenants nameIndex
	racks                 nameIndex
	rackSite              map[int64]int64
	rackLabel             map[int64]string
}

// nameIndex finds ids by a name, exactly or else ignoring case.
type nameIndex struct{ exact, fold map[string][]int64 }

func (x *nameIndex) add(id int64, names ...string) {
	if x.exact == nil {
		x.exact, x.fold = map[string][]int64{}, map[string][]int64{}
	}
	for _, n := range names {
		if n == "" {
			continue
		}
		if !slices.Contains(x.exact[n], id) {
			x.exact[n] = append(x.exact[n], id)
		}
		f := strings.ToLower(n)
		if !slices.Contains(x.fold[f], id) {
			x.fold[f] = append(x.fold[f], id)
		}
	}
}

func (x *nameIndex) find(name string, keep func(int64) bool) []int64 {
	for _, ids := range [][]int64{x.exact[name], x.fold[strings.ToLower(name)]} {
		var out []int64
		for _, id := range ids {
			if keep == nil || keep(id) {
				out = append(out, id)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// listAll reads every object of a list, page by page.
func listAll[T any](ctx context.Context, res store.Resource[T], filters map[string][]string) ([]T, error) {
	var out []T
	for offset := 0; ; offset += dcim.MaxLimit {
		p, err := res.List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Offset: offset, Filters: filters})
		if err != nil {
			return nil, err
		}
		out = append(out, p.Results...)
		if len(p.Results) < dcim.MaxLimit || len(out) >= p.Count {
			return out, nil
		}
	}
}

func (u *UI) newResolver(ctx context.Context, rows []*csvRow) (*resolver, error) {
	res := &resolver{rackSite: map[int64]int64{}, rackLabel: map[int64]string{}}
	types, err := listAll(ctx, u.store.DeviceTypes(), nil)
	if err != nil {
		return nil, err
	}
	for _, t := range types {
		res.types.add(t.ID, t.Model, t.Slug)
	}
	sites, err := listAll(ctx, u.store.Sites(), nil)
	if err != nil {
		return nil, err
	}
	for _, s := range sites {
		res.sites.add(s.ID, s.Name, s.Slug)
	}
	tenants, err := listAll(ctx, u.store.Tenants(), nil)
	if err != nil {
		return nil, err
	}
	for _, t := range tenants {
		res.tenants.add(t.ID, t.Name, t.Slug)
	}
	// Racks: only those the file names, by name or facility id.
	var names []string
	for _, row := range rows {
		if n := row.fields["rack"]; n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for len(names) > 0 {
		n := min(len(names), 200)
		chunk := names[:n]
		names = names[n:]
		for _, f := range []string{"name", "facility_id"} {
			racks, err := listAll(ctx, u.store.Racks(), map[string][]string{f: chunk})
			if err != nil {
				return nil, err
			}
			for _, rk := range racks {
				res.racks.add(rk.ID, rk.Name, sptr(rk.FacilityID))
				res.rackSite[rk.ID] = rk.SiteID
				res.rackLabel[rk.ID] = rk.Name
				if rk.FacilityID != nil {
					res.rackLabel[rk.ID] += " (" + *rk.FacilityID + ")"
				}
			}
		}
	}
	return res, nil
}

// resolve fills row.dev from its fields, and says what does not resolve.
func (res *resolver) resolve(row *csvRow) []rowProblem {
	var out []rowProblem
	f := row.fields
	d := dcim.Device{Name: f["name"], Face: f["face"], Status: f["status"], Serial: f["serial"], Role: f["role"], Description: f["description"]}
	one := func(col, what string, ids []int64) (int64, bool) {
		switch len(ids) {
		case 0:
			out = append(out, rowProblem{Column: col, Message: fmt.Sprintf("unknown %s %q", what, f[col])})
		case 1:
			return ids[0], true
		default:
			out = append(out, rowProblem{Column: col, Message: fmt.Sprintf("%q names %d %ss: use the slug", f[col], len(ids), what)})
		}
		return 0, false
	}
	if s := f["device_type"]; s != "" {
		d.DeviceTypeID, _ = one("device_type", "device type", res.types.find(s, nil))
	} else {
		out = append(out, rowProblem{Column: "device_type", Message: "is required"})
	}
	if s := f["site"]; s != "" {
		d.SiteID, _ = one("site", "site", res.sites.find(s, nil))
	}
	if s := f["tenant"]; s != "" {
		if id, ok := one("tenant", "tenant", res.tenants.find(s, nil)); ok {
			d.TenantID = &id
		}
	}
	if s := f["rack"]; s != "" {
		var keep func(int64) bool
		if d.SiteID != 0 {
			keep = func(id int64) bool { return res.rackSite[id] == d.SiteID }
		}
		switch ids := res.racks.find(s, keep); len(ids) {
		case 0:
			msg := fmt.Sprintf("unknown rack %q", s)
			if d.SiteID != 0 {
				msg += " in site " + strconv.Quote(f["site"])
			}
			out = append(out, rowProblem{Column: "rack", Message: msg})
		case 1:
			d.RackID = &ids[0]
		default:
			labels := make([]string, len(ids))
			for i, id := range ids {
				labels[i] = res.rackLabel[id]
			}
			out = append(out, rowProblem{Column: "rack", Message: fmt.Sprintf("%q names %d racks (%s): give the site, or the rack's facility id",
				s, len(ids), strings.Join(labels, ", "))})
		}
	}
	if s := f["position"]; s != "" {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			out = append(out, rowProblem{Column: "position", Message: fmt.Sprintf("%q is not a number", s)})
		} else {
			d.Position = &x
		}
	}
	if s := f["asset_tag"]; s != "" {
		d.AssetTag = &s
	}
	row.dev = d
	return out
}
