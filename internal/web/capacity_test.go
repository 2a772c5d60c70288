package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/httpapi"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/web"
)

// TestCapacitySpaceTrend: the demo facility as it stood ten days ago, and since then a new 42U
// rack in Data Hall 1 taking one 2U server a day. The capacity page draws the hall's units used day
// by day (replayed from the change log) and forecasts, at 2 U a day, when its racks are full:
// (units − used now) / 2 days, with the units and the units used read from the capacity roll-up.
// Data Hall 2, unchanged, is not filling up. The hall's measured power comes from its floor PDU
// meters (as the alert's does): 236 kW on the last day, rising 4 kW a day.
func TestCapacitySpaceTrend(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/p.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -10).Add(2 * time.Hour)
	clock := start
	st.SetClock(func() time.Time { return clock })
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	actx := dcim.WithActor(ctx, dcim.Actor{Name: "test", Role: dcim.RoleAdmin, CanWrite: true})
	hall := one(st.Rooms().List(actx, byName("Data Hall 1")))
	rack, err := st.Racks().Create(actx, dcim.Rack{RoomID: hall.ID, Name: "Z99", UHeight: 42})
	if err != nil {
		t.Fatal(err)
	}
	mfr, err := st.Manufacturers().Create(actx, dcim.Manufacturer{Name: "Trend Co"})
	if err != nil {
		t.Fatal(err)
	}
	dt, err := st.DeviceTypes().Create(actx, dcim.DeviceType{ManufacturerID: mfr.ID, Model: "T2", UHeight: 2, IsFullDepth: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		clock = start.AddDate(0, 0, i)
		pos := float64(1 + 2*(i-1))
		if _, err := st.Devices().Create(actx, dcim.Device{Name: fmt.Sprintf("trend-%02d", i), DeviceTypeID: dt.ID, RackID: &rack.ID, Position: &pos, Face: "front"}); err != nil {
			t.Fatal(err)
		}
	}
	// Data Hall 1's floor PDU meters, rolled up: their summed peak hour rises 4 kW a day, from 200 kW.
	meters := map[string]int64{}
	ms, err := st.SiteMeters(actx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		meters[m.Name] = m.ID
	}
	for _, name := range []string{"EM-PDU-H1-A", "EM-PDU-H1-B"} {
		var hours []dcim.MeterHour
		for i := 0; i < 10; i++ {
			noon := start.Truncate(24*time.Hour).AddDate(0, 0, i+1).Add(12 * time.Hour)
			hours = append(hours, dcim.MeterHour{MeterID: meters[name], Hour: noon, Value: 100 + 2*float64(i)})
		}
		if err := st.SaveMeterHours(actx, meters[name], hours); err != nil {
			t.Fatal(err)
		}
	}
	st.SetClock(time.Now)

	site := one(st.Sites().List(actx, dcim.ListQuery{Limit: 1}))
	chains := power.NewService(st, power.NoMeasurements{})
	cs, _, err := capacity.NewService(st).Site(actx, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := chains.Site(actx, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := capacity.Summarize(cs, ps, capacity.Scope{Type: dcim.TypeRoom, ID: hall.ID}, power.Allocated, time.Now())
	used := max(now.Space.Used["front"], now.Space.Used["rear"])
	want := fmt.Sprintf("%.0f U used of %.0f; at +2.0 U a day, the racks are full in %.0f days", used, now.Space.Units, (now.Space.Units-used)/2)

	_, token, err := st.CreateToken(ctx, "t", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ui, err := web.New(st, chains, "test", log)
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(httpapi.Config{Store: st, Power: chains, Logger: log, Pages: func(r httpapi.PageRouter) { ui.Register(r) }})
	req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/sites/%d/capacity", site.ID), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	page := html.UnescapeString(rec.Body.String())
	// The captions as text: tags out, white space collapsed.
	text := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, " ")), " ")
	if rec.Code != http.StatusOK || !strings.Contains(page, `id="space-trends"`) {
		t.Fatalf("capacity page: %d\n%s", rec.Code, page)
	}
	if !strings.Contains(text, "Data Hall 1: "+want+" .") {
		t.Errorf("no %q in\n%s", want, text)
	}
	// The power trend reads the same meters as the CapacityForecast alert: 236 kW on the last day.
	if !regexp.MustCompile(`Data Hall 1: 236\.0 kW now (of [\d.]+ kW budget)?; at \+4\.00 kW a day`).MatchString(text) {
		t.Errorf("no metered power trend for Data Hall 1:\n%s", text)
	}
	if !regexp.MustCompile(`Data Hall 2: \d+ U used of \d+; \+0\.0 U a day: not filling up`).MatchString(text) {
		t.Errorf("Data Hall 2 not flat:\n%s", text)
	}
}
