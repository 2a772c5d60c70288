// Package httpapi serves Plenum's JSON API under /api/v1 and its OpenAPI 3.1 document. Handlers only
// translate between HTTP and the services; the rules live in dcim and the services that call it.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/plenum-dcim/plenum/internal/auth"
	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Config is what the API is built from.
type Config struct {
	Store *store.Store
	Power *power.Service // default: one on Store without measurements
	// Telemetry is the time-series store behind the push endpoints and the Prometheus query API;
	// nil: those routes are not served.
	Telemetry *telemetry.Store
	// Pollers report the health of every poll target; nil: /poll-status is not served.
	Pollers interface{ Health() []collect.Health }
	// Metrics serves Plenum's own metrics at /metrics (behind the same tokens); nil: not served.
	Metrics http.Handler
	Version string
	Logger  *slog.Logger
	// TLS says the server is reached over HTTPS: session cookies are then Secure, and HSTS is sent.
	TLS bool
	// OIDC, when set, offers single sign-on through an external identity provider.
	OIDC *auth.OIDC
	// Pages, when set, registers the web UI's pages behind the same guard.
	Pages func(PageRouter)
	// AlertRules is the alert engine's rule set: /alert-rules/effective lists what it runs, and it
	// is nudged when a rule managed through the API changes. nil: the list holds the API's rules.
	AlertRules RuleSet
}

// New returns the API handler: every route under /api/v1, behind the guard (tokens, sessions,
// roles, tenant scope) and the security headers.
func New(cfg Config) http.Handler {
	_, h := build(cfg)
	return h
}

func build(cfg Config) (huma.API, http.Handler) {
	api, _, h := buildRouted(cfg)
	return api, h
}

// buildRouted builds the API and returns its router too (the matrix test walks its routes).
func buildRouted(cfg Config) (huma.API, *router, http.Handler) {
	mux := newRouter()
	api := newAPI(mux, cfg.Version)
	s := cfg.Store
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	g := newGuard(s, mux, logger, cfg.TLS)
	registerAuth(api, s, g, cfg.OIDC)
	registerUsers(api, s)
	register(api, Prefix+"/sites", "sites", s.Sites())
	register(api, Prefix+"/rooms", "rooms", s.Rooms())
	register(api, Prefix+"/rows", "rows", s.Rows())
	register(api, Prefix+"/racks", "racks", s.Racks())
	register(api, Prefix+"/rack-reservations", "rack-reservations", s.RackReservations())
	register(api, Prefix+"/manufacturers", "manufacturers", s.Manufacturers())
	register(api, Prefix+"/device-types", "device-types", s.DeviceTypes())
	register(api, Prefix+"/devices", "devices", s.Devices())
	register(api, Prefix+"/power-ports", "power-ports", s.PowerPorts())
	register(api, Prefix+"/power-outlets", "power-outlets", s.PowerOutlets())
	register(api, Prefix+"/tenants", "tenants", s.Tenants())
	register(api, Prefix+"/tags", "tags", s.Tags())
	register(api, Prefix+"/power-nodes", "power-nodes", s.PowerNodes())
	register(api, Prefix+"/power-edges", "power-edges", s.PowerEdges())
	register(api, Prefix+"/cooling-zones", "cooling-zones", s.CoolingZones())
	register(api, Prefix+"/cooling-units", "cooling-units", s.CoolingUnits())
	register(api, Prefix+"/sensor-points", "sensor-points", s.SensorPoints())
	register(api, Prefix+"/meters", "meters", s.Meters())
	register(api, Prefix+"/meter-readings", "meter-readings", s.MeterReadings())
	registerReadingsImport(api, s)
	register(api, Prefix+"/energy-certificates", "energy-certificates", s.EnergyCertificates())
	register(api, Prefix+"/poll-targets", "poll-targets", s.PollTargets())
	registerCatalog(api, s)
	registerElevation(api, s)
	svc := cfg.Power
	if svc == nil {
		svc = power.NewService(s, nil)
	}
	registerPower(api, s, svc)
	registerLoads(api, s, svc)
	registerEnergy(api, s)
	registerEnergyReports(api, s)
	register(api, Prefix+"/tariffs", "tariffs", s.Tariffs())
	register(api, Prefix+"/thermal-classes", "thermal-classes", s.ThermalClasses())
	register(api, Prefix+"/contracts", "contracts", s.Contracts())
	if cfg.Telemetry != nil {
		registerBilling(api, s, cfg.Telemetry)
	} else {
		registerBilling(api, s, nil)
	}
	caps := capacity.NewService(s)
	registerCapacity(api, s, svc, caps)
	registerPlacement(api, s, svc, caps)
	registerChanges(api, s)
	registerAlerts(api, s)
	registerAlertRules(api, s, cfg.AlertRules)
	registerStatus(api, s, cfg.Version)
	if cfg.Telemetry != nil {
		registerTelemetry(mux, cfg.Telemetry)
		registerUnbound(api, s, cfg.Telemetry)
	}
	if cfg.Pollers != nil {
		registerPollStatus(api, cfg.Pollers)
	}
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", cfg.Metrics)
	}
	if cfg.Pages != nil {
		cfg.Pages(pageRouter{g})
	}
	mux.checkRules()
	return api, mux, SecurityHeaders(cfg.TLS, g)
}

// newAPI configures huma: OpenAPI at /api/v1/openapi.json, no docs page (it would load scripts from
// a CDN, and halls are air-gapped), no $schema links in bodies.
func newAPI(mux humago.Mux, version string) huma.API {
	cfg := huma.DefaultConfig("Plenum", version)
	cfg.Info.Description = "Plenum DCIM: the facility's source of truth. List responses are {count, next, previous, results}; " +
		"errors are application/problem+json naming each wrong field."
	cfg.OpenAPIPath = Prefix + "/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"token": {Type: "http", Scheme: "bearer", Description: "an API token from `plenum token create` or POST /api/v1/tokens"},
		"session": {Type: "apiKey", In: "cookie", Name: sessionCookie,
			Description: "a browser session from POST /api/v1/auth/login; changes also need the " + csrfHeader + " header"},
	}
	cfg.Security = []map[string][]string{{"token": {}}, {"session": {}}}
	return humago.New(mux, cfg)
}

func reflectType(v any) reflect.Type { return reflect.TypeOf(v).Elem() }

type changesOutput struct {
	Body ListBody[dcim.Change]
}

func registerChanges(api huma.API, s *store.Store) {
	var params []*huma.Param
	for _, f := range store.ChangeFilters {
		params = append(params, &huma.Param{Name: f, In: "query", Schema: &huma.Schema{Type: "string"}})
	}
	huma.Register(api, huma.Operation{
		OperationID: "list-changes", Method: http.MethodGet, Path: Prefix + "/changes", Tags: []string{"changes"},
		Summary: "The change log, newest first", Parameters: params,
	}, func(ctx context.Context, in *listInput) (*changesOutput, error) {
		page, err := s.Changes(ctx, in.query())
		if err != nil {
			return nil, problem(err)
		}
		out := &changesOutput{Body: ListBody[dcim.Change]{Count: page.Count, Results: page.Results}}
		out.Body.Next, out.Body.Previous = in.pageLinks(page.Count)
		return out, nil
	})
}

// StatusBody says what is serving.
type StatusBody struct {
	Version  string `json:"version"`
	Database string `json:"database"`
	Actor    string `json:"actor"`
}

func registerStatus(api huma.API, s *store.Store, version string) {
	huma.Register(api, huma.Operation{
		OperationID: "status", Method: http.MethodGet, Path: Prefix + "/status", Tags: []string{"status"}, Summary: "Server status",
	}, func(ctx context.Context, _ *struct{}) (*bodyOutput[StatusBody], error) {
		return &bodyOutput[StatusBody]{Body: StatusBody{Version: version, Database: s.Dialect(), Actor: dcim.ActorFrom(ctx).Name}}, nil
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func writeProblem(w http.ResponseWriter, p huma.StatusError) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.GetStatus())
	_ = jsonEncode(w, p)
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
