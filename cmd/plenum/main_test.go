package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// TestMain runs the tests; with PLENUM_TEST_RUN set, the test binary is the plenum command instead
// (its arguments separated by newlines), for tests that need a server in a process of its own.
func TestMain(m *testing.M) {
	if args := os.Getenv("PLENUM_TEST_RUN"); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		err := newApp().Run(ctx, append([]string{"plenum"}, strings.Split(args, "\n")...))
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "plenum:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	testpeer.Main(m)
}

// plenum runs one CLI command to completion and returns what it printed.
func plenum(t *testing.T, args ...string) string {
	t.Helper()
	var out testpeer.SyncBuffer
	app := newApp()
	app.Writer = &out
	if err := app.Run(context.Background(), append([]string{"plenum"}, args...)); err != nil {
		t.Fatalf("plenum %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// server is `plenum serve` running in the background, as make demo starts it.
type server struct {
	url, token string
	banner     string // what it printed up to and with the demo users
	stop       func() error
}

// demoBanner is what `serve --demo` prints once serving: the URL, an admin token, and the demo
// users, ending with a blank line.
var demoBanner = regexp.MustCompile(`serving at (http://\S+)\nAdmin token: (plm_\S+)\n[^\n]*\nDemo users[^\n]*\n(?:  [^\n]*\n)+\n`)

// serve runs `plenum serve` with args (on 127.0.0.1:0 unless they name --addr) until it has
// printed its demo banner.
func serve(t *testing.T, args ...string) server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out testpeer.SyncBuffer
	app := newApp()
	app.Writer = &out
	done := make(chan error, 1)
	cmd := []string{"plenum", "serve", "--log-level", "warn"}
	if !slices.Contains(args, "--addr") {
		cmd = append(cmd, "--addr", "127.0.0.1:0")
	}
	go func() { done <- app.Run(ctx, append(cmd, args...)) }()
	deadline := time.After(2 * time.Minute)
	for {
		if m := demoBanner.FindStringSubmatch(out.String()); m != nil {
			return server{url: m[1], token: m[2], banner: m[0], stop: func() error {
				cancel()
				select {
				case err := <-done:
					return err
				case <-time.After(30 * time.Second):
					t.Fatal("server did not shut down within 30 s")
					return nil
				}
			}}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited: %v\n%s", err, out.String())
		case <-deadline:
			cancel()
			t.Fatalf("no demo banner after 2 minutes:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func get(t *testing.T, url, token string) (int, string, string) {
	t.Helper()
	return request(t, http.MethodGet, url, token, "")
}

func request(t *testing.T, method, url, token, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestServeDemo is make demo end to end, on both engines: serve --demo seeds the facility and prints
// a working admin token; a token made with the CLI while the server runs works too; the server stops
// cleanly; a restart does not seed twice.
func TestServeDemo(t *testing.T) {
	engines := []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return []string{"--data", t.TempDir()} }},
		{"postgres", func(t *testing.T) []string {
			return []string{"--data", t.TempDir(), "--database", testpeer.Postgres(t)}
		}},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			args := e.args(t)
			s := serve(t, append([]string{"--demo"}, args...)...)
			code, _, body := get(t, s.url+"/api/v1/sites", s.token)
			if code != http.StatusOK || !strings.Contains(body, `"Cyberjaya DC1"`) || !strings.Contains(body, `"count":1`) {
				t.Fatalf("sites with the printed token: %d %s", code, body)
			}
			if code, _, _ := get(t, s.url+"/api/v1/sites", ""); code != http.StatusUnauthorized {
				t.Errorf("no token: %d", code)
			}
			if code, _, _ := get(t, s.url+"/api/v1/sites", "plm_wrong"); code != http.StatusUnauthorized {
				t.Errorf("wrong token: %d", code)
			}
			code, _, body = get(t, s.url+"/api/v1/racks?name=A01", s.token)
			id := regexp.MustCompile(`"id":(\d+)`).FindStringSubmatch(body)
			if code != http.StatusOK || id == nil {
				t.Fatalf("rack A01: %d %s", code, body)
			}
			code, ctype, svg := get(t, s.url+"/api/v1/racks/"+id[1]+"/elevation.svg?face=front", s.token)
			if code != http.StatusOK || ctype != "image/svg+xml" || !strings.Contains(svg, "A01-SRV01") {
				t.Errorf("elevation: %d %s %.200s", code, ctype, svg)
			}
			// The CLI works on the database while the server runs; a read-only token reads but cannot write.
			ro := strings.TrimSpace(plenum(t, append([]string{"token", "create", "--name", "viewer", "--read-only"}, args...)...))
			if code, _, _ := get(t, s.url+"/api/v1/devices?limit=5", ro); code != http.StatusOK {
				t.Errorf("read-only token reading: %d", code)
			}
			if code, _, body := request(t, http.MethodPost, s.url+"/api/v1/tenants", ro, `{"name":"X"}`); code != http.StatusForbidden {
				t.Errorf("read-only token writing: %d %s", code, body)
			}
			if list := plenum(t, append([]string{"token", "list"}, args...)...); !strings.Contains(list, "demo-admin") || strings.Contains(list, ro) {
				t.Errorf("token list:\n%s", list)
			}
			if err := s.stop(); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			// A second start finds the facility and leaves it alone.
			s = serve(t, append([]string{"--demo"}, args...)...)
			defer s.stop()
			if code, _, body := get(t, s.url+"/api/v1/sites", s.token); code != http.StatusOK || !strings.Contains(body, `"count":1`) {
				t.Errorf("after restart: %d %s", code, body)
			}
		})
	}
}

// TestCommands runs the other commands against one SQLite data directory.
func TestCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if out := plenum(t, "version"); !strings.HasPrefix(out, "plenum ") {
		t.Errorf("version: %q", out)
	}
	if out := plenum(t, "migrate", "--data", data); !strings.Contains(out, "sqlite database is up to date") || !strings.Contains(out, "00001") {
		t.Errorf("migrate: %q", out)
	}
	out := plenum(t, "import", "device-types", "--data", data, "../../internal/demo/devicetypes")
	if !strings.Contains(out, "9 files: 9 device types created, 0 updated, 0 skipped") {
		t.Errorf("import: %q", out)
	}
	out = plenum(t, "import", "device-types", "--data", data, "../../internal/demo/devicetypes")
	if !strings.Contains(out, "9 files: 0 device types created, 9 updated, 0 skipped") {
		t.Errorf("re-import: %q", out)
	}
	if out := plenum(t, "demo", "seed", "--data", data); !strings.Contains(out, "Cyberjaya DC1") {
		t.Errorf("demo seed: %q", out)
	}
	if out := plenum(t, "demo", "generate", "--data", data, "--racks", "3", "--site", "Tiny"); !strings.Contains(out, `site "Tiny"`) ||
		!strings.Contains(out, "1 halls, 3 racks, 90 devices") {
		t.Errorf("demo generate: %q", out)
	}
	if out := plenum(t, "capacity", "--data", data, "Cyberjaya DC1"); !strings.Contains(out, "Data Hall 1") || !strings.Contains(out, "HEADROOM kW") || !strings.Contains(out, "BUDGET kW") || !strings.Contains(out, "FAILOVER A") {
		t.Errorf("capacity: %q", out)
	}
	if out := plenum(t, "whatif", "--data", data, "--site", "Cyberjaya DC1", "UPS-A"); !strings.Contains(out, "lost power: 49 ") ||
		!strings.Contains(out, "RPDU-A01-B") {
		t.Errorf("whatif: %q", out)
	}
	if out := plenum(t, "whatif", "--data", data, "--site", "Cyberjaya DC1", "--n-1", "--top", "3"); !strings.Contains(out, "nodes darken devices") {
		t.Errorf("whatif --n-1: %q", out)
	}
	app := newApp()
	app.Writer, app.ErrWriter = io.Discard, io.Discard
	if err := app.Run(context.Background(), []string{"plenum", "demo", "seed", "--data", data}); err == nil || !strings.Contains(err.Error(), "already holds a site") {
		t.Errorf("second demo seed: %v", err)
	}
	for _, cmd := range [][]string{{"serve"}, {"migrate"}, {"token"}, {"token", "create"}, {"import", "device-types"}, {"demo"}, {"demo", "generate"}, {"capacity"}, {"whatif"}, {"poll"}, {"version"}} {
		if out := plenum(t, append(cmd, "--help")...); !strings.Contains(out, "USAGE") && !strings.Contains(out, "Usage") {
			t.Errorf("%v --help: %q", cmd, out)
		}
	}
}

// plenum energy pue: the KPIs of a month from the meters' hours, as text and as JSON.
func TestEnergyCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	plenum(t, "migrate", "--data", data)
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(data, "plenum.db"))
	if err != nil {
		t.Fatal(err)
	}
	site, err := st.Sites().Create(ctx, dcim.Site{Name: "DC1", TimeZone: "Asia/Kuala_Lumpur"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC) // October in Kuala Lumpur
	for _, m := range []struct {
		name, role string
		kwh        float64
	}{{"MSB-1", "utility", 950000}, {"UPS out", "ups-output", 620000}} {
		meter, err := st.Meters().Create(ctx, dcim.Meter{SiteID: site.ID, Name: m.name, Role: m.role, Series: "meter_energy_kwh_total"})
		if err != nil {
			t.Fatal(err)
		}
		var hs []dcim.MeterHour
		for h := 0; h < 744; h++ {
			hs = append(hs, dcim.MeterHour{Hour: start.Add(time.Duration(h) * time.Hour), Value: m.kwh / 744})
		}
		if err := st.SaveMeterHours(ctx, meter.ID, hs); err != nil {
			t.Fatal(err)
		}
	}
	// A tenant on the TNB 2025 template (45.40 sen/kWh), metered by hand: 1,000 kWh is RM 454.00.
	acme, err := st.Tenants().Create(ctx, dcim.Tenant{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Contracts().Create(ctx, dcim.Contract{TenantID: acme.ID, SiteID: site.ID, Tariff: "TNB 2025", ContractedKW: 10,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	cage, err := st.Meters().Create(ctx, dcim.Meter{SiteID: site.ID, Name: "Acme cage", Role: "other", Source: "manual", TenantID: &acme.ID})
	if err != nil {
		t.Fatal(err)
	}
	var hs []dcim.MeterHour
	for h := 0; h < 744; h++ {
		hs = append(hs, dcim.MeterHour{Hour: start.Add(time.Duration(h) * time.Hour), Value: 1000.0 / 744})
	}
	if err := st.SaveMeterHours(ctx, cage.ID, hs); err != nil {
		t.Fatal(err)
	}
	st.Close()
	bill := strings.Join(strings.Fields(plenum(t, "bill", "--data", data, "--tenant", "Acme", "--month", "2026-10")), " ")
	for _, want := range []string{"Acme at DC1, 2026-10 (DRAFT, not issued)", "energy 1000.000 kWh 45.4 sen/kWh 454.00 MYR", "total 454.00 MYR",
		"read by hand or measure power: no maximum demand"} {
		if !strings.Contains(bill, want) {
			t.Errorf("bill lacks %q:\n%s", want, bill)
		}
	}
	out := plenum(t, "energy", "pue", "--data", data, "--site", "DC1", "--period", "2026-10")
	words := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"PUE 1.532 (category 1)", "E_DC 950000 kWh (metered)", "CUE 1.161 kgCO2e/kWh (grid 0.758", "2026-10-01T00:00:00+08:00"} {
		if !strings.Contains(words, want) {
			t.Errorf("energy pue lacks %q:\n%s", want, out)
		}
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(plenum(t, "energy", "pue", "--data", data, "--site", "DC1", "--period", "2026-10", "--json")), &rep); err != nil ||
		math.Abs(rep["pue"].(float64)-950000.0/620000) > 1e-9 {
		t.Errorf("energy pue --json: %v %v", rep, err)
	}
}

// plenum user: create (a password made and printed once, or read from standard input), list,
// reset-password, disable; the password checks against the store, and stops working when
// disabled; no password or hash in the change log.
func TestUserCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	plenum(t, "migrate", "--data", data)
	out := plenum(t, "user", "create", "--data", data, "--name", "ops", "--role", "operator")
	m := regexp.MustCompile(`Password: (\S+)`).FindStringSubmatch(out)
	if !strings.Contains(out, `user "ops" (operator) created`) || m == nil {
		t.Fatalf("user create: %q", out)
	}
	made := m[1]
	ctx := context.Background()
	check := func(name, pw string) error {
		t.Helper()
		st, err := store.Open(ctx, "sqlite:"+filepath.Join(data, "plenum.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		_, err = st.CheckPassword(ctx, name, pw)
		return err
	}
	if err := check("ops", made); err != nil {
		t.Errorf("the printed password: %v", err)
	}
	if err := check("ops", made+"x"); dcim.ErrorCode(err) != dcim.EUnauthorized {
		t.Errorf("a wrong password: %v", err)
	}
	if err := check("nobody", made); dcim.ErrorCode(err) != dcim.EUnauthorized {
		t.Errorf("an unknown user: %v", err)
	}
	app := newApp()
	var buf testpeer.SyncBuffer
	app.Writer, app.Reader = &buf, strings.NewReader("a much longer passphrase\n")
	if err := app.Run(ctx, []string{"plenum", "user", "reset-password", "--data", data, "--password-stdin", "ops"}); err != nil || strings.Contains(buf.String(), "Password:") {
		t.Fatalf("reset-password: %v %q", err, buf.String())
	}
	if err := check("ops", "a much longer passphrase"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	app = newApp()
	app.Writer, app.Reader = &buf, strings.NewReader("short\n")
	if err := app.Run(ctx, []string{"plenum", "user", "create", "--data", data, "--name", "x", "--role", "viewer", "--password-stdin"}); err == nil ||
		!strings.Contains(err.Error(), "password") {
		t.Errorf("a short password: %v", err)
	}
	app = newApp()
	app.Writer = &buf
	if err := app.Run(ctx, []string{"plenum", "user", "create", "--data", data, "--name", "acme", "--role", "tenant"}); err == nil ||
		!strings.Contains(err.Error(), "tenant_id") {
		t.Errorf("a tenant user without a tenant: %v", err)
	}
	plenum(t, "user", "disable", "--data", data, "ops")
	if err := check("ops", "a much longer passphrase"); dcim.ErrorCode(err) != dcim.EUnauthorized {
		t.Errorf("a disabled user: %v", err)
	}
	if out := plenum(t, "user", "list", "--data", data); !strings.Contains(out, "ops") || !strings.Contains(out, "true") {
		t.Errorf("user list: %q", out)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(data, "plenum.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	page, err := st.Changes(ctx, dcim.ListQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Results {
		raw := fmt.Sprint(c.PreChange, c.PostChange)
		if strings.Contains(raw, "argon2") || strings.Contains(raw, made) {
			t.Errorf("the change log holds a password or its hash: %v", c)
		}
	}
}
