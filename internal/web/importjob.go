package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/plenum-dcim/plenum/internal/catalog"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Imports run in the background (issue #7): POST /import reads the upload while the request lasts
// (the server removes its temporary files when it ends), starts a job and sends the browser to the
// job's page, which refreshes itself while the job runs and shows the report when it is done. A job
// runs as the user who started it, with the request's context values and without its deadline.
// Jobs live in this server's memory only: a restart forgets them, not what they wrote.

const (
	importWorkers = 2                // imports running at once
	importWaiting = 8                // imports queued or running at once; each holds its upload in memory
	importKeep    = 50               // finished imports remembered, at most
	importKeepFor = time.Hour        // and for how long
	importTimeout = 30 * time.Minute // an import still running then has failed
)

// The phases of an import.
const (
	phaseQueued   = "queued"
	phaseChecking = "checking"
	phaseWriting  = "writing"
	phaseDone     = "done"
	phaseFailed   = "failed"
)

// errImportsBusy refuses an import while importWaiting others are queued or running.
var errImportsBusy = errors.New("too many imports are queued")

// importJobs are the server's imports, the running and the recently finished. The zero value is
// ready to use.
type importJobs struct {
	mu    sync.Mutex
	jobs  []*importJob // oldest first
	slots chan struct{}
	hook  func() // tests: called as a job starts, before it reads anything
}

// importInput is what an import works on, read from the upload.
type importInput struct {
	kind  string            // device-types or devices
	files map[string][]byte // device-type YAML files by name
	csv   []byte            // the device CSV
	name  string            // what was uploaded, in words
}

// importJob is one import: who started it, and how far it is. Its counters are what the import
// code reports as it goes (importJob's methods are safe on a nil job: the code runs without one too).
type importJob struct {
	id, owner string
	kind      string
	name      string
	started   time.Time

	mu                       sync.Mutex
	in                       importInput // dropped when the job ends
	phase                    string
	filesDone, filesTotal    int
	rowsChecked, rowsWritten int
	rowsTotal                int
	finished                 time.Time
	data                     *importData // the report, once finished
}

// ownerOf is who an import belongs to: the user, or for a token without one (an admin's) the token.
func ownerOf(a dcim.Actor) string {
	if a.UserID != 0 {
		return fmt.Sprintf("user %d", a.UserID)
	}
	return fmt.Sprintf("token %d %s", a.TokenID, a.Name)
}

// start queues an import of in as the actor of ctx, and runs it when a worker is free.
func (js *importJobs) start(ctx context.Context, in importInput, run func(context.Context, *importJob) (*importData, bool)) (*importJob, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	now := time.Now()
	js.prune(now)
	waiting := 0
	for _, j := range js.jobs {
		if j.finished.IsZero() {
			waiting++
		}
	}
	if waiting >= importWaiting {
		return nil, errImportsBusy
	}
	if js.slots == nil {
		js.slots = make(chan struct{}, importWorkers)
	}
	j := &importJob{id: rand.Text(), owner: ownerOf(dcim.ActorFrom(ctx)), kind: in.kind, name: in.name, started: now, in: in, phase: phaseQueued}
	if in.kind == "device-types" {
		j.filesTotal = len(in.files)
	} else {
		j.filesTotal = 1
	}
	js.jobs = append(js.jobs, j)
	hook := js.hook
	// The job outlives the request: it keeps the request's values (the actor above all) but not its
	// cancellation, and has a deadline of its own.
	jctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), importTimeout)
	go func() {
		defer cancel()
		js.slots <- struct{}{}
		defer func() { <-js.slots }()
		j.setPhase(phaseChecking)
		if hook != nil {
			hook()
		}
		d, ok := run(jctx, j)
		j.finish(d, ok)
	}()
	return j, nil
}

// prune forgets finished jobs older than importKeepFor, and the oldest past importKeep.
func (js *importJobs) prune(now time.Time) {
	finished := 0
	js.jobs = slices.DeleteFunc(js.jobs, func(j *importJob) bool {
		j.mu.Lock()
		defer j.mu.Unlock()
		if j.finished.IsZero() {
			return false
		}
		if now.Sub(j.finished) > importKeepFor {
			return true
		}
		finished++
		return false
	})
	for i := 0; finished > importKeep && i < len(js.jobs); {
		j := js.jobs[i]
		j.mu.Lock()
		done := !j.finished.IsZero()
		j.mu.Unlock()
		if done {
			js.jobs = slices.Delete(js.jobs, i, i+1)
			finished--
			continue
		}
		i++
	}
}

// visible are the jobs a may see, newest first: its own, or all of them for an admin.
func (js *importJobs) visible(a dcim.Actor) []*importJob {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.prune(time.Now())
	var out []*importJob
	owner := ownerOf(a)
	for i := len(js.jobs) - 1; i >= 0; i-- {
		if j := js.jobs[i]; j.owner == owner || a.Role == dcim.RoleAdmin {
			out = append(out, j)
		}
	}
	return out
}

// get is the job id if a may see it, else nil.
func (js *importJobs) get(id string, a dcim.Actor) *importJob {
	for _, j := range js.visible(a) {
		if j.id == id {
			return j
		}
	}
	return nil
}

func (j *importJob) setPhase(p string) {
	if j == nil {
		return
	}
	j.mu.Lock()
	j.phase = p
	j.mu.Unlock()
}

// fileStored counts a device-type file the store has taken (or refused).
func (j *importJob) fileStored() {
	if j == nil {
		return
	}
	j.mu.Lock()
	j.filesDone = min(j.filesDone+1, j.filesTotal)
	j.mu.Unlock()
}

// rows says how many rows a CSV has, and how many of them have been checked.
func (j *importJob) rows(checked, total int) {
	if j == nil {
		return
	}
	j.mu.Lock()
	j.rowsChecked, j.rowsTotal = checked, total
	j.mu.Unlock()
}

// written counts rows the store has created (its bulk create commits them all at once).
func (j *importJob) written(n int) {
	if j == nil {
		return
	}
	j.mu.Lock()
	j.rowsWritten = n
	j.mu.Unlock()
}

func (j *importJob) finish(d *importData, ok bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.data, j.finished, j.in = d, time.Now(), importInput{}
	j.filesDone = j.filesTotal
	j.phase = phaseFailed
	if ok {
		j.phase = phaseDone
	}
}

// input is the job's upload, for the run.
func (j *importJob) input() importInput {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.in
}

// importStatus is a job as its page shows it.
type importStatus struct {
	ID, What, Phase, Note string
	Started, Finished     time.Time
	Running               bool
	FilesDone, FilesTotal int
	RowsChecked           int
	RowsWritten           int
	RowsTotal             int
	Bar                   string // what the progress bar counts
	Done, Total           int    // the bar; no total: it cannot tell yet
}

func (j *importJob) status() importStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := importStatus{ID: j.id, What: j.name, Phase: j.phase, Started: j.started, Finished: j.finished, Running: j.finished.IsZero(),
		FilesDone: j.filesDone, FilesTotal: j.filesTotal, RowsChecked: j.rowsChecked, RowsWritten: j.rowsWritten, RowsTotal: j.rowsTotal}
	csv := j.kind == "devices"
	switch {
	case j.phase == phaseQueued:
		s.Bar, s.Note = "Waiting", fmt.Sprintf("Waiting for a free worker: %d imports run at a time.", importWorkers)
	case j.phase == phaseChecking && !csv:
		s.Bar, s.Note = "Files checked", fmt.Sprintf("Reading and checking %d files.", j.filesTotal)
	case j.phase == phaseChecking && j.rowsTotal == 0:
		s.Bar, s.Note = "Rows read", "Reading the file."
	case j.phase == phaseChecking:
		s.Bar, s.Done, s.Total = "Rows checked", j.rowsChecked, j.rowsTotal
		s.Note = "Checking each row against the inventory; nothing is written while any row has a problem."
	case j.phase == phaseWriting && !csv:
		s.Bar, s.Done, s.Total = "Files stored", j.filesDone, j.filesTotal
		s.Note = "Storing the device types, file by file."
	case j.phase == phaseWriting:
		s.Bar, s.Done, s.Total = "Rows written", j.rowsWritten, j.rowsTotal
		s.Note = fmt.Sprintf("Creating %d devices in one transaction: all of them, or none.", j.rowsTotal)
	case j.phase == phaseDone:
		s.Bar, s.Note = "Done", "The import is done."
	default:
		s.Bar, s.Note = "Failed", "Nothing was imported, or not all of it: see below."
	}
	if !s.Running {
		s.Done, s.Total = 1, 1
	}
	return s
}

// countingSink is the store as the catalogue import sees it, counting the files it stores.
type countingSink struct {
	catalog.Sink
	job *importJob
}

var _ catalog.Sink = countingSink{}

func (s countingSink) UpsertDeviceType(ctx context.Context, manufacturer string, dt dcim.DeviceType) (bool, error) {
	s.job.setPhase(phaseWriting) // the catalogue has checked every file before it stores the first
	defer s.job.fileStored()
	return s.Sink.UpsertDeviceType(ctx, manufacturer, dt)
}

// importStatusPage is an import's page: its phase and progress, refreshing itself while it runs,
// and its report when it is done. Another user's import is not found.
func (u *UI) importStatusPage(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	j := u.imports.get(r.PathValue("id"), v.Actor)
	if j == nil {
		return "", dcim.Errorf(dcim.ENotFound, "no such import")
	}
	s := j.status()
	d := &importData{MaxMiB: maxUpload >> 20, MaxRows: maxCSVRows}
	if !s.Running {
		j.mu.Lock()
		if j.data != nil {
			d = j.data
		}
		j.mu.Unlock()
	}
	job := *d // the report is shared by every reader: each page gets its own copy to add the job to
	job.Job = &s
	if s.Running {
		v.Refresh = 2
	}
	v.Title, v.Crumbs, v.Data = "Import of "+s.What, []crumb{{"Sites", "/"}, {"Import", "/import"}}, &job
	return "import", nil
}
