package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/httpapi"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/web"
)

// BenchmarkRoomPage: the floor plan page of a 1,000-rack hall (20 rows of 50 fully populated racks,
// 30,000 devices, a 2N chain), served whole through the router and guard as an operator: the
// inventory and capacity read, every rack's figures, the SVG and the page. The target is 300 ms.
func BenchmarkRoomPage(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+b.TempDir()+"/plenum.db")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	stats, err := demo.Generate(ctx, st, demo.Options{Racks: 1000, RacksPerRow: 50, RowsPerHall: 20, Site: "Bench Campus"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	rooms, err := st.Rooms().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"site_id": {strconv.FormatInt(stats.SiteID, 10)}}})
	if err != nil || rooms.Count != 1 {
		b.Fatalf("rooms %d: %v", rooms.Count, err)
	}
	_, token, err := st.CreateToken(ctx, "bench", false, nil)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ui, err := web.New(st, nil, "bench", log)
	if err != nil {
		b.Fatal(err)
	}
	h := httpapi.New(httpapi.Config{Store: st, Version: "bench", Logger: log, Pages: func(r httpapi.PageRouter) { ui.Register(r) }})
	for _, layer := range []string{"power", "tenant"} {
		b.Run(layer, func(b *testing.B) {
			path := "/rooms/" + strconv.FormatInt(rooms.Results[0].ID, 10) + "?layer=" + layer
			var size int
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), "data-rack-id=") != 1000 {
					b.Fatalf("%d, %d racks", rec.Code, strings.Count(rec.Body.String(), "data-rack-id="))
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "page-bytes")
		})
	}
}
