package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// telemetryEnv is an inventory on SQLite and a time-series store, in a temporary directory.
func telemetryEnv(t *testing.T) (*store.Store, *telemetry.Store) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "plenum.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts, err := telemetry.Open(telemetry.Options{Dir: filepath.Join(dir, "tsdb")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	return st, ts
}

// The telemetry routes sit behind the same authentication as the rest: InfluxDB clients' ways of
// sending the token work, a read-only token may query (by GET or by form POST, as Grafana does) but
// not push, and no token gets a 401.
func TestTelemetryAuth(t *testing.T) {
	ctx := context.Background()
	st, ts := telemetryEnv(t)
	_, writer, _ := st.CreateToken(ctx, "gateway", true, nil)
	_, reader, _ := st.CreateToken(ctx, "grafana", false, nil)
	h := New(Config{Store: st, Telemetry: ts, Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	do := func(method, path, auth, contentType, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	basic := func(user, pw string) string {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth(user, pw)
		return req.Header.Get("Authorization")
	}
	line := "inlet_temp,rack=R01 value=23.5\n"
	cases := []struct {
		name, method, path, auth, ctype, body string
		want                                  int
	}{
		{"v2 Token header", http.MethodPost, "/api/v2/write", "Token " + writer, "text/plain", line, http.StatusNoContent},
		{"v1 basic auth", http.MethodPost, "/write", basic("gateway", writer), "text/plain", line, http.StatusNoContent},
		{"bearer", http.MethodPost, "/write", "Bearer " + writer, "text/plain", line, http.StatusNoContent},
		{"no token", http.MethodPost, "/write", "", "text/plain", line, http.StatusUnauthorized},
		{"wrong token", http.MethodPost, "/api/v2/write", "Token plm_nope", "text/plain", line, http.StatusUnauthorized},
		{"read-only pushes", http.MethodPost, "/write", "Bearer " + reader, "text/plain", line, http.StatusForbidden},
		{"read-only remote-writes", http.MethodPost, Prefix + "/write", "Bearer " + reader, "application/x-protobuf", "", http.StatusForbidden},
		{"read-only queries by GET", http.MethodGet, Prefix + "/query?query=inlet_temp", "Bearer " + reader, "", "", http.StatusOK},
		{"read-only queries by POST", http.MethodPost, Prefix + "/query", "Bearer " + reader, "application/x-www-form-urlencoded",
			url.Values{"query": {"inlet_temp"}}.Encode(), http.StatusOK},
		{"read-only lists labels by POST", http.MethodPost, Prefix + "/labels", "Bearer " + reader, "application/x-www-form-urlencoded", "", http.StatusOK},
		{"query without a token", http.MethodGet, Prefix + "/query?query=up", "", "", "", http.StatusUnauthorized},
	}
	for _, c := range cases {
		if code, body := do(c.method, c.path, c.auth, c.ctype, c.body); code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, body, c.want)
		}
	}
	if _, body := do(http.MethodGet, Prefix+"/query?query=inlet_temp", "Bearer "+reader, "", ""); !strings.Contains(body, `"value":[`) || !strings.Contains(body, `"23.5"`) {
		t.Errorf("the pushed reading: %s", body)
	}
}

// Series that name no site, or a site or device the inventory does not have, are listed with the
// reason; those that name what exists are not.
func TestUnboundSeries(t *testing.T) {
	ctx := context.Background()
	st, ts := telemetryEnv(t)
	site, err := st.Sites().Create(ctx, dcim.Site{Name: "DC1"})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := st.Manufacturers().Create(ctx, dcim.Manufacturer{Name: "Dell"})
	dt, _ := st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: m.ID, Model: "R750", UHeight: 2})
	if _, err := st.Devices().Create(ctx, dcim.Device{Name: "srv1", DeviceTypeID: dt.ID, SiteID: site.ID}); err != nil {
		t.Fatal(err)
	}
	_, tok, _ := st.CreateToken(ctx, "t", true, nil)
	h := New(Config{Store: st, Telemetry: ts, Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	body := "gateway_temp value=21\n" +
		"device_power_watts,site=Nowhere,device=srv1 value=300\n" +
		"device_power_watts,site=DC1,device=ghost value=200\n" +
		"device_power_watts,site=DC1,device=srv1 value=250\n"
	req := httptest.NewRequest(http.MethodPost, "/write", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("push: %d %s", rec.Code, rec.Body)
	}
	req = httptest.NewRequest(http.MethodGet, Prefix+"/unbound-series", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var got struct {
		Count   int
		Results []struct {
			Labels map[string]string
			Reason string
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Count != 3 {
		t.Fatalf("unbound: %d %s", rec.Code, rec.Body)
	}
	reasons := map[string]string{}
	for _, r := range got.Results {
		reasons[r.Labels["__name__"]+"/"+r.Labels["site"]+"/"+r.Labels["device"]] = r.Reason
	}
	if reasons["gateway_temp//"] != "no site label" || reasons["device_power_watts/Nowhere/srv1"] != `no site named "Nowhere"` ||
		reasons["device_power_watts/DC1/ghost"] != `no device named "ghost" in site "DC1"` {
		t.Errorf("reasons: %v", reasons)
	}
}
