// Command plenum is the Plenum DCIM server and its command line. It only wires: configuration from
// flags and PLENUM_* environment variables, then the internal packages.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	_ "time/tzdata" // sites name IANA time zones; the binary must know them on any host

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/auth"
	"github.com/plenum-dcim/plenum/internal/collect/agent"
	"github.com/plenum-dcim/plenum/internal/collect/modbus"
	"github.com/plenum-dcim/plenum/internal/collect/snmp"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/httpapi"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
	"github.com/plenum-dcim/plenum/internal/web"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Config is everything the server is started with.
type Config struct {
	Addr     string // listen address; port 0 picks a free port
	DataDir  string
	Database string // postgres:// URL; empty means SQLite in DataDir
	Demo     bool   // seed the demo facility into an empty database
	LogLevel slog.Level
	// Time series: kept Retention long, and at most RetentionBytes on disk (0: no cap).
	Retention      time.Duration
	RetentionBytes int64
	// Forward sends every sample on to an external store; Query answers queries from one.
	Forward telemetry.Forward
	Query   telemetry.External
	// Profiles is a directory of device profiles beside the embedded ones; PollConcurrency bounds
	// the polls at once.
	Profiles        string
	PollConcurrency int
	// TLSCert and TLSKey, both set, serve HTTPS (session cookies then Secure, HSTS sent).
	TLSCert, TLSKey string
	// OIDC, with an issuer, offers single sign-on through that identity provider.
	OIDC auth.OIDCConfig
	// Rules are Prometheus alerting rule files (paths or globs), evaluated every AlertInterval.
	Rules         []string
	AlertInterval time.Duration
	// ForecastDays is CapacityForecast's horizon (default 60); StaleAfter is StaleSeries' delay
	// (default 10 minutes).
	ForecastDays int
	StaleAfter   time.Duration
	// Notifications: webhooks (signed with WebhookSecret), Alertmanagers (their v2 API) and e-mail.
	Webhooks      []string
	WebhookSecret string
	Alertmanagers []string
	Emails        []*alert.Email // from --alert-email, parsed (and so checked) before Run
}

// DatabaseURL is the store URL the configuration names.
func (c Config) DatabaseURL() string {
	if c.Database != "" {
		return c.Database
	}
	return "sqlite:" + filepath.Join(c.DataDir, "plenum.db")
}

// Main is a running Plenum server; tests start one on port 0.
type Main struct {
	Config    Config
	Store     *store.Store
	Telemetry *telemetry.Store
	Logger    *slog.Logger

	listener net.Listener
	server   *http.Server
	done     chan error
	stopPoll context.CancelFunc
	polled   chan struct{}
	simDone  chan struct{} // the demo's simulator, when running
	watched  chan struct{} // the power chain's measurement reader
	rolled   chan struct{} // the energy roll-up
	alerted  chan struct{} // the alert rules' evaluation
	// DemoUsers are the demo's sign-ins, made or checked at start (default passwords only on loopback).
	DemoUsers []demo.Credential
}

// NewMain returns a Main with defaults.
func NewMain() *Main {
	return &Main{Config: Config{Addr: "127.0.0.1:8080", DataDir: "./plenum-data"}}
}

// Run opens the database, seeds the demo if asked, and starts serving; it returns once listening.
func (m *Main) Run(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: m.Config.LogLevel}))
	}
	if (m.Config.TLSCert == "") != (m.Config.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	var certs []tls.Certificate // loaded now: a bad file is an error here, not a server that never answers
	if m.Config.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(m.Config.TLSCert, m.Config.TLSKey)
		if err != nil {
			return fmt.Errorf("--tls-cert, --tls-key: %w", err)
		}
		certs = []tls.Certificate{cert}
	}
	// Rule files are read before anything opens: a bad one stops the start at once.
	rules, err := loadRules(m.Config.Rules)
	if err != nil {
		return err
	}
	if m.Config.Demo && len(m.Config.Rules) == 0 { // the demo raises its own alerts
		if rules, err = alert.ParseRuleFile("demo alerts.yml", demo.AlertRules()); err != nil {
			return err
		}
	}
	st, err := store.Open(ctx, m.Config.DatabaseURL())
	if err != nil {
		return err
	}
	m.Store = st
	if m.Config.Demo {
		if err := seedDemo(ctx, st, m.Logger); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if m.Telemetry, err = telemetry.Open(telemetry.Options{Dir: filepath.Join(m.Config.DataDir, "tsdb"), Retention: m.Config.Retention, Registerer: reg,
		MaxBytes: m.Config.RetentionBytes, OutOfOrder: telemetry.DefaultOutOfOrder, Logger: m.Logger,
		Forward: m.Config.Forward, Query: m.Config.Query}); err != nil {
		return err
	}
	profiles, err := snmp.LoadProfiles(m.Config.Profiles)
	if err != nil {
		return err
	}
	meters, err := modbus.LoadProfiles(m.Config.Profiles)
	if err != nil {
		return err
	}
	pollers := agent.New(pollSource{st}, profiles, meters, m.Telemetry, m.Config.PollConcurrency, m.Logger)
	reg.MustRegister(pollers)
	pctx, stop := context.WithCancel(context.Background())
	m.stopPoll, m.polled = stop, make(chan struct{})
	go func() {
		pollers.Run(pctx)
		close(m.polled)
	}()
	// The alert rules start once the demo's history is written (at once without the demo).
	current := make(chan struct{})
	if m.Config.Demo {
		m.simDone = make(chan struct{})
		go func() {
			defer close(m.simDone)
			written := sync.OnceFunc(func() { close(current) })
			defer written()
			if err := demo.SimulateThen(pctx, st, m.Telemetry, m.Logger, written); err != nil && pctx.Err() == nil {
				m.Logger.Warn("demo readings stopped", "error", err)
			}
		}()
	} else {
		close(current)
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.listener = ln
	if m.Config.Demo {
		if m.DemoUsers, err = demo.Users(ctx, st, isLoopback(ln.Addr())); err != nil {
			return fmt.Errorf("demo users: %w", err)
		}
	}
	var provider *auth.OIDC
	if m.Config.OIDC.Issuer != "" {
		if provider, err = auth.NewOIDC(ctx, m.Config.OIDC); err != nil {
			return fmt.Errorf("single sign-on: %w", err)
		}
	}
	secure := certs != nil
	mux := http.NewServeMux()
	measured := power.NewService(st, measuredLoads{st: st, ts: m.Telemetry})
	m.rolled = make(chan struct{})
	go func() {
		defer close(m.rolled)
		roller := &energy.Roller{Meters: st, Series: m.Telemetry}
		roller.Run(pctx, energy.RollEvery, func(err error) { m.Logger.Warn("energy roll-up", "error", err) })
	}()
	rules = append(rules, builtinRules(st, m.Telemetry, measured, pollers.Health, m.Config.ForecastDays, m.Config.StaleAfter)...)
	runner := &alert.Runner{Engine: alert.NewEngine(rules, alert.FlapPolicy{Flaps: 3, Window: 10 * time.Minute}),
		Query: alert.TelemetryQuerier(m.Telemetry), Record: st, Resolve: st.AlertObject, Interval: m.Config.AlertInterval}
	// The rules managed through the API join these, now and whenever they change.
	alertRules, err := newRuleSet(ctx, runner.Engine, st, rules, m.Logger)
	if err != nil {
		return err
	}
	var receivers []alert.Receiver
	for _, u := range m.Config.Webhooks {
		receivers = append(receivers, &alert.Webhook{URL: u, Secret: m.Config.WebhookSecret})
	}
	for _, u := range m.Config.Alertmanagers {
		receivers = append(receivers, &alert.Alertmanager{URL: u, Interval: max(m.Config.AlertInterval, time.Minute)})
	}
	for _, e := range m.Config.Emails {
		receivers = append(receivers, e)
	}
	m.alerted = make(chan struct{})
	if len(receivers) > 0 {
		// Silences are read once a cycle; the notifier's senders consult that copy.
		var silences atomic.Pointer[[]dcim.Silence]
		notifier := alert.NewNotifier(receivers, func(l map[string]string) bool {
			p := silences.Load()
			return p != nil && slices.ContainsFunc(*p, func(s dcim.Silence) bool { return s.Matches(l, time.Now()) })
		}, m.Logger)
		runner.Notify = func(ts []alert.Transition) {
			if ss, err := st.Silences(pctx, time.Now()); err == nil {
				silences.Store(&ss)
			}
			notifier.Enqueue(ts)
		}
		go notifier.Run(pctx)
	}
	go func() {
		defer close(m.alerted)
		watching := alertRules.watch(pctx, m.Config.AlertInterval, func(err error) { m.Logger.Warn("alert rules of the API", "error", err) })
		select {
		case <-current:
			runner.Run(pctx, func(err error) { m.Logger.Warn("alert rules", "error", err) })
		case <-pctx.Done():
		}
		<-watching
	}()
	m.watched = make(chan struct{})
	go func() {
		defer close(m.watched)
		measured.Watch(pctx, func(site int64, err error) { m.Logger.Warn("measured loads", "site", site, "error", err) })
	}()
	ui, err := web.New(st, measured, version, m.Logger)
	if err != nil {
		return err
	}
	ui.SetLive(web.Live{Pollers: pollers, Telemetry: m.Telemetry})
	api := httpapi.New(httpapi.Config{Store: st, Power: measured, Telemetry: m.Telemetry, Pollers: pollers, Version: version, Logger: m.Logger,
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), TLS: secure, OIDC: provider, AlertRules: alertRules,
		Pages: func(r httpapi.PageRouter) { ui.Register(r) }})
	// One handler serves everything: the API, the push endpoints, /metrics and the web UI's pages.
	mux.Handle("/", api)
	// Timeouts bound every phase of a request, so that slow clients cannot hold connections open.
	m.server = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	m.done = make(chan error, 1)
	if secure {
		m.server.TLSConfig = &tls.Config{Certificates: certs}
		go func() { m.done <- m.server.ServeTLS(ln, "", "") }()
	} else {
		go func() { m.done <- m.server.Serve(ln) }()
	}
	m.Logger.Info("serving", "url", m.URL(), "database", st.Dialect(), "version", version)
	return nil
}

// URL is the server's base URL.
func (m *Main) URL() string {
	if m.listener == nil {
		return ""
	}
	if m.Config.TLSCert != "" {
		return "https://" + m.listener.Addr().String()
	}
	return "http://" + m.listener.Addr().String()
}

// Close shuts the server down gracefully and closes the database.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		if err := <-m.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	} else if m.listener != nil { // Run failed after listening: nothing serves it
		errs = append(errs, m.listener.Close())
	}
	if m.stopPoll != nil {
		m.stopPoll()
		<-m.polled
		if m.simDone != nil {
			<-m.simDone
		}
		if m.watched != nil {
			<-m.watched
		}
		if m.rolled != nil {
			<-m.rolled
		}
		if m.alerted != nil {
			<-m.alerted
		}
	}
	if m.Telemetry != nil {
		errs = append(errs, m.Telemetry.Close())
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

// measuredLoads gives the power chain measured power from the time series: peak and 95th
// percentile over the last seven days, of devices and of power nodes, found by name.
type measuredLoads struct {
	st *store.Store
	ts *telemetry.Store
}

func (l measuredLoads) MeasuredLoads(ctx context.Context, siteID int64) (map[int64]power.Measurement, error) {
	return l.byID(ctx, siteID, l.ts.DevicePowers, l.st.DeviceIDsByName)
}

func (l measuredLoads) MeasuredNodeLoads(ctx context.Context, siteID int64) (map[int64]power.Measurement, error) {
	return l.byID(ctx, siteID, l.ts.NodePowers, l.st.NodeIDsByName)
}

// byID reads the peaks of site's series by name and maps the names to the inventory's ids.
func (l measuredLoads) byID(ctx context.Context, siteID int64,
	peaks func(context.Context, string, time.Time) (map[string]telemetry.PowerPeak, error),
	ids func(context.Context, int64, []string) (map[string]int64, error)) (map[int64]power.Measurement, error) {
	site, err := l.st.Sites().Get(ctx, siteID)
	if err != nil {
		return nil, err
	}
	byName, err := peaks(ctx, site.Name, time.Now())
	if err != nil || len(byName) == 0 {
		return nil, err
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	byNameID, err := ids(ctx, siteID, names)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]power.Measurement, len(byNameID))
	for name, id := range byNameID {
		out[id] = power.Measurement{PeakW: byName[name].PeakW, P95W: byName[name].P95W}
	}
	return out, nil
}

// pollSource gives the pollers the inventory's poll targets.
type pollSource struct{ st *store.Store }

func (p pollSource) ModelVersion(ctx context.Context) (int64, error) { return p.st.ModelVersion(ctx) }

func (p pollSource) Plan(ctx context.Context) ([]agent.Planned, error) {
	plan, err := p.st.PollPlan(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]agent.Planned, len(plan))
	for i, pt := range plan {
		t := pt.Target
		out[i] = agent.Planned{Name: t.Name, URL: t.URL, Profile: t.Profile, Credentials: pt.Credentials, Labels: pt.Labels,
			Interval: time.Duration(t.IntervalSeconds) * time.Second, Timeout: time.Duration(t.TimeoutSeconds) * time.Second, Retries: t.Retries}
	}
	return out, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := newApp().Run(ctx, os.Args); err != nil {
		if e := dcim.AsError(err); e != nil {
			fmt.Fprintln(os.Stderr, "plenum:", e.Error())
		} else {
			fmt.Fprintln(os.Stderr, "plenum:", err)
		}
		os.Exit(1)
	}
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(strings.ToUpper(s)))
	return l, err
}

// isLoopback reports whether a listening address is reachable from this machine only.
func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// loadRules reads the alerting rule files the configuration names (paths or globs); a file that
// does not parse stops the start, naming the file, the group and the rule.
func loadRules(patterns []string) ([]alert.Rule, error) {
	var rules []alert.Rule
	for _, pat := range patterns {
		files, err := filepath.Glob(pat)
		if err != nil {
			return nil, fmt.Errorf("--rules %q: %w", pat, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("--rules %q: no such file", pat)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("--rules: %w", err)
			}
			rs, err := alert.ParseRuleFile(f, data)
			if err != nil {
				return nil, err
			}
			rules = append(rules, rs...)
		}
	}
	return rules, nil
}
