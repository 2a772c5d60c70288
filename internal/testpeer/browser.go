package testpeer

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const chromiumHint = "Chromium is needed for the browser tests: run `make test-deps` (apt-get install chromium)"

// Browser is Debian's Chromium, headless, driven by chromedp for one test. It records what a page
// must never do: log errors to the console (CSP violations included), throw, or request anything
// from outside the server under test.
type Browser struct {
	// Ctx is the tab's chromedp context: pass it to chromedp.Do, chromedp.Run and chromedp.Call.
	Ctx context.Context

	mu       sync.Mutex
	errors   []string
	requests []string
}

// NewBrowser starts Chromium for tb; it is closed when tb ends. A missing Chromium fails the test:
// the browser tests are part of the suite, never skipped.
func NewBrowser(tb testing.TB) *Browser {
	tb.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		tb.Fatal(chromiumHint)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], // headless among them
		chromedp.ExecPath(bin), chromedp.DisableGPU, chromedp.WindowSize(1400, 1000),
		chromedp.UserDataDir(tb.TempDir()))
	if os.Geteuid() == 0 { // Chromium refuses to run as root with its sandbox
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &Browser{}
	// The listener is on the tab before its first command, so it sees every event; the tab calls it
	// in the loop that reads the browser's messages, so an event that came before a command's reply
	// is recorded by the time that command returns.
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(b.record))
	b.Ctx = ctx
	// Cleanups run last first: the browser goes (and the allocator waits for its process) before
	// the profile directory is removed.
	tb.Cleanup(func() { cancel(); cancelAlloc() })
	start := time.Now()
	if err := chromedp.Do(ctx); err != nil { // starts Chromium and opens the tab (Log and Network enabled)
		tb.Fatalf("start chromium %s: %v", bin, err)
	}
	tb.Logf("chromium up in %v", time.Since(start).Round(time.Millisecond))
	return b
}

// record keeps the events that matter; it runs in the tab's read loop, so it only appends.
func (b *Browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			b.errors = append(b.errors, fmt.Sprintf("console.%s: %s", ev.Type, argsText(ev.Args)))
		}
	case *runtime.EventExceptionThrown:
		b.errors = append(b.errors, "exception: "+exceptionText(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		if e := ev.Entry; e != nil && e.Level == log.EntryLevelError {
			s := fmt.Sprintf("log (%s): %s", e.Source, e.Text)
			if e.URL != "" {
				s += " [" + e.URL + "]"
			}
			b.errors = append(b.errors, s)
		}
	case *network.EventRequestWillBeSent:
		if ev.Request != nil {
			b.requests = append(b.requests, ev.Request.URL)
		}
	}
}

// argsText renders console arguments: strings as they are, other values by their description.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		switch {
		case a == nil:
			continue
		case len(a.Value) > 0 && json.Unmarshal(a.Value, &s) == nil:
		case a.Description != "":
			s = a.Description
		case len(a.Value) > 0:
			s = string(a.Value)
		default:
			s = string(a.Type)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// exceptionText is an uncaught exception's message and where it was thrown.
func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		desc, _, _ := strings.Cut(d.Exception.Description, "\n")
		s += " " + desc
	}
	url := d.URL
	if url == "" && d.StackTrace != nil && len(d.StackTrace.CallFrames) > 0 {
		url = d.StackTrace.CallFrames[0].URL
	}
	if url != "" {
		s += fmt.Sprintf(" at %s:%d:%d", url, d.LineNumber+1, d.ColumnNumber+1)
	}
	return s
}

// Errors returns the console errors and failed assertions, the uncaught exceptions and the error
// entries of the browser's log (a CSP violation, a failed load) so far.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// Outside returns the requests made so far to anywhere but base (and data: URLs).
func (b *Browser) Outside(base string) []string {
	base = strings.TrimSuffix(base, "/")
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, u := range b.requests {
		if !strings.HasPrefix(u, base+"/") && u != base && !strings.HasPrefix(u, "data:") {
			out = append(out, u)
		}
	}
	return out
}

// Screenshot saves a full-page PNG of the current page as a test artifact, in $PLENUM_ARTIFACTS
// when set, else in plenum-artifacts under the system's temporary directory, and logs where.
func (b *Browser) Screenshot(tb testing.TB, name string) {
	tb.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100)) // 100: lossless PNG
	if err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv("PLENUM_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "plenum-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.png", strings.ReplaceAll(tb.Name(), "/", "_"), name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("screenshot %s", path)
}
