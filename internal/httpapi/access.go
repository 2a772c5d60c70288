package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Who may use which route (issue #6), decided in one place for every route the server registers.
// A route without a rule is refused at start (build panics), and the authorization matrix test
// walks every registered route with every role.
//
// Roles: admin (everything, users), operator (change the inventory, run what-ifs, push readings),
// viewer (read everything), tenant (only its own tenant's objects: the store and the handlers
// below keep it to them; a route a tenant may not use at all says tenant: false).

// level is the least role a route needs; tenant users are outside this order.
type level int

const (
	public   level = iota // no sign-in: login and the single sign-on redirects
	signedIn              // anyone signed in, tenant users too: who am I, my password, my tokens
	viewer
	operator
	admin
)

var roleLevel = map[string]level{dcim.RoleViewer: viewer, dcim.RoleOperator: operator, dcim.RoleAdmin: admin}

// rule is what one route needs.
type rule struct {
	level  level
	tenant bool // a tenant user may use it; what it sees there is limited to its tenant
	read   bool // a read though not a GET (a query posted as a form, a what-if): read-only tokens may use it
}

// allows says whether an actor may use a route with this rule, and why not.
func (r rule) allows(a dcim.Actor, method string) (bool, string) {
	if r.level == public {
		return true, ""
	}
	if a.Role == dcim.RoleTenant {
		if !r.tenant && r.level != signedIn {
			return false, "a tenant user cannot use this"
		}
	} else if roleLevel[a.Role] < r.level {
		return false, "needs the " + levelName(r.level) + " role"
	}
	if !a.CanWrite && !r.read && method != http.MethodGet && method != http.MethodHead {
		return false, "this token is read-only"
	}
	return true, ""
}

func levelName(l level) string {
	switch l {
	case admin:
		return "admin"
	case operator:
		return "operator (or admin)"
	default:
		return "viewer (or above)"
	}
}

// resourceRules are the generic resources: read by viewers, written by operators; tenant says
// whether tenant users read them (their own rows only) and tenantWrite whether they write them.
var resourceRules = map[string]struct{ tenant, tenantWrite bool }{
	"sites": {tenant: true}, "rooms": {tenant: true}, "rows": {tenant: true}, "racks": {tenant: true},
	"rack-reservations": {tenant: true, tenantWrite: true},
	"manufacturers":     {tenant: true}, "device-types": {tenant: true}, "devices": {tenant: true},
	"power-ports": {tenant: true}, "power-outlets": {tenant: true}, "tenants": {tenant: true}, "tags": {},
	"power-nodes": {}, "power-edges": {}, "cooling-zones": {}, "cooling-units": {}, "sensor-points": {tenant: true},
	"meters": {tenant: true}, "meter-readings": {tenant: true}, "energy-certificates": {}, "poll-targets": {},
	"tariffs": {tenant: true}, "contracts": {tenant: true}, "thermal-classes": {}, "alert-rules": {},
}

// routeRules are every other route, by its registered pattern.
var routeRules = map[string]rule{
	"GET " + Prefix + "/status":                   {level: signedIn},
	"GET " + Prefix + "/openapi.json":             {level: signedIn},
	"GET " + Prefix + "/openapi.yaml":             {level: signedIn},
	"GET " + Prefix + "/openapi-3.0.json":         {level: signedIn},
	"GET " + Prefix + "/openapi-3.0.yaml":         {level: signedIn},
	"POST " + Prefix + "/auth/login":              {level: public},
	"POST " + Prefix + "/auth/logout":             {level: signedIn},
	"GET " + Prefix + "/auth/me":                  {level: signedIn},
	"POST " + Prefix + "/auth/password":           {level: signedIn},
	"GET " + Prefix + "/auth/oidc/login":          {level: public},
	"GET " + Prefix + "/auth/oidc/callback":       {level: public},
	"GET " + Prefix + "/tokens":                   {level: signedIn},
	"POST " + Prefix + "/tokens":                  {level: signedIn},
	"DELETE " + Prefix + "/tokens/{id}":           {level: signedIn},
	"GET " + Prefix + "/users":                    {level: admin},
	"POST " + Prefix + "/users":                   {level: admin},
	"PATCH " + Prefix + "/users/{name}":           {level: admin},
	"POST " + Prefix + "/users/{name}/password":   {level: admin},
	"GET " + Prefix + "/alerts":                   {level: viewer, tenant: true},
	"GET " + Prefix + "/alerts/{id}":              {level: viewer, tenant: true},
	"POST " + Prefix + "/alerts/{id}/ack":         {level: operator},
	"GET " + Prefix + "/silences":                 {level: viewer},
	"POST " + Prefix + "/silences":                {level: operator},
	"DELETE " + Prefix + "/silences/{id}":         {level: operator},
	"GET " + Prefix + "/alert-rules/effective":    {level: viewer},
	"GET " + Prefix + "/changes":                  {level: viewer},
	"GET " + Prefix + "/bills/draft":              {level: viewer, tenant: true},
	"POST " + Prefix + "/bills":                   {level: operator},
	"GET " + Prefix + "/bills":                    {level: viewer, tenant: true},
	"GET " + Prefix + "/bills/{id}":               {level: viewer, tenant: true},
	"GET " + Prefix + "/capacity":                 {level: viewer},
	"POST " + Prefix + "/placement":               {level: operator, tenant: true},
	"POST " + Prefix + "/device-types/import":     {level: operator},
	"GET " + Prefix + "/racks/{id}/elevation.svg": {level: viewer, tenant: true},
	"GET " + Prefix + "/energy/kpis":              {level: viewer},
	"GET " + Prefix + "/energy/targets":           {level: viewer},
	"GET " + Prefix + "/energy/eu-kpis":           {level: viewer},
	"GET " + Prefix + "/energy/annual-report":     {level: viewer},
	"POST " + Prefix + "/whatif":                  {level: operator, read: true},
	"GET " + Prefix + "/whatif/n-1":               {level: operator},
	"GET " + Prefix + "/power-loads":              {level: viewer, tenant: true},
	"POST " + Prefix + "/meters/{id}/readings":    {level: operator},
	"GET " + Prefix + "/poll-status":              {level: viewer},
	"GET " + Prefix + "/unbound-series":           {level: viewer},
	"GET /metrics":                                {level: viewer},
	"POST " + Prefix + "/write":                   {level: operator},
	"POST /write":                                 {level: operator},
	"POST /api/v2/write":                          {level: operator},
	"GET " + Prefix + "/label/{name}/values":      {level: viewer, tenant: true},
}

// pageRules are the web UI's pages (internal/web). Pages read as the signed-in user, so a tenant
// user's pages hold only its own objects; the sign-in page and the stylesheet and script are open.
var pageRules = map[string]rule{
	"GET /static/{file}":     {level: public},
	"GET /login":             {level: public},
	"POST /login":            {level: public},
	"POST /logout":           {level: signedIn},
	"GET /{$}":               {level: viewer, tenant: true},
	"GET /search":            {level: viewer, tenant: true},
	"GET /sites/{id}":        {level: viewer, tenant: true},
	"GET /rooms/{id}":        {level: viewer, tenant: true},
	"GET /racks/{id}":        {level: viewer, tenant: true},
	"GET /devices/{id}":      {level: viewer, tenant: true},
	"GET /placement":         {level: operator, tenant: true, read: true},
	"GET /sites/{id}/energy": {level: viewer},
	"GET /sites/{id}/power":  {level: viewer},
	"GET /sites/{id}/whatif": {level: operator},
	// Inventory lists and forms; the store decides what a tenant user sees (lists of what it may
	// not see at all are refused there).
	"GET /inventory/{type}":           {level: viewer, tenant: true},
	"GET /inventory/{type}/new":       {level: operator},
	"POST /inventory/{type}":          {level: operator},
	"GET /inventory/{type}/{id}/edit": {level: operator},
	"POST /inventory/{type}/{id}":     {level: operator},
	"GET /import":                     {level: operator},
	"POST /import":                    {level: operator},
	"GET /import/{id}":                {level: operator}, // the import's page: its starter's (and admins')
	"GET /sites/{id}/capacity":        {level: viewer},
	"GET /live":                       {level: viewer},
	"POST /alerts/{id}/ack":           {level: operator},
	"GET /silences":                   {level: viewer},
	"POST /silences":                  {level: operator},
	"POST /silences/{id}/expire":      {level: operator},
	"GET /bills":                      {level: viewer, tenant: true},
	"POST /placement":                 {level: operator, tenant: true},
}

// The Prometheus query API: reads, for tenants too (their series only), by GET or form POST.
func init() {
	for p, r := range pageRules {
		routeRules[p] = r
	}
	for _, p := range []string{"/query", "/query_range", "/series", "/labels"} {
		for _, m := range []string{"GET ", "POST "} {
			routeRules[m+Prefix+p] = rule{level: viewer, tenant: true, read: true}
		}
	}
}

// ruleOf returns the rule of a registered route pattern ("METHOD /path").
func ruleOf(pattern string) (rule, bool) {
	if r, ok := routeRules[pattern]; ok {
		return r, true
	}
	method, path, _ := strings.Cut(pattern, " ")
	rest, ok := strings.CutPrefix(path, Prefix+"/")
	if !ok {
		return rule{}, false
	}
	name, sub, _ := strings.Cut(rest, "/")
	rr, ok := resourceRules[name]
	if !ok || !slices.Contains([]string{"", "{id}", "bulk"}, sub) {
		return rule{}, false
	}
	if method == http.MethodGet {
		return rule{level: viewer, tenant: rr.tenant}, true
	}
	return rule{level: operator, tenant: rr.tenantWrite}, true
}

// router is the server's mux, remembering every pattern registered so that each can be checked
// against the rules (at build, and by the matrix test).
type router struct {
	*http.ServeMux
	patterns []string
}

func newRouter() *router { return &router{ServeMux: http.NewServeMux()} }

func (r *router) Handle(pattern string, h http.Handler) {
	r.patterns = append(r.patterns, pattern)
	r.ServeMux.Handle(pattern, h)
}

func (r *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	r.Handle(pattern, http.HandlerFunc(h))
}

// checkRules panics on a registered route without a rule: a new route must say who may use it.
func (r *router) checkRules() {
	for _, p := range r.patterns {
		if _, ok := ruleOf(p); !ok {
			panic("httpapi: route " + p + " has no access rule; add it to access.go")
		}
	}
}
