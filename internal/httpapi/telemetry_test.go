package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// The telemetry routes sit behind the same authentication as the rest: InfluxDB clients' ways of
// sending the token work, a read-only token may query (by GET or by form POST, as Grafana does) but
// not push, and no token gets a 401.
func TestTelemetryAuth(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "plenum.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts, err := telemetry.Open(telemetry.Options{Dir: filepath.Join(dir, "tsdb")})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
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
