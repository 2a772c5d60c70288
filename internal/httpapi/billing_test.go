package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// A month's bill by hand. Tenant Acme has two dual-corded racks, each rack PDU metered (a kWh
// counter read every 5 minutes). Each side draws 2.4 kW (0.2 kWh every 5 minutes), except rack 1
// from 14:00 to 14:30 on 15 October (Kuala Lumpur), when it draws 12 kW (6 kW a side).
//
//	energy:   4 × 2.4 kW × 744 h = 7,142.4 kWh, plus 2 × 3.6 kW × 0.5 h = 3.6: 7,146.0 kWh
//	          × 45.40 sen = RM 3,244.28 (3,244.284)
//	overhead: site PUE 1.4 (utility 10,004.4 kWh over the racks' 7,146.0): 2,858.4 kWh × 45.40 sen
//	          = RM 1,297.71 (1,297.7136)
//	demand:   the 14:00 window: rack 1 12 kW + rack 2 4.8 kW = 16.8 kW (4.8 over the 12 contracted)
//	capacity: 16.8 × RM 30.30 = RM 509.04;  network: 16.8 × RM 12.00 = RM 201.60;  retail RM 200.00
//	total:    RM 5,452.63
func TestTenantBill(t *testing.T) {
	for _, eng := range testpeer.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, eng.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ts, err := telemetry.Open(telemetry.Options{Dir: t.TempDir(), OutOfOrder: telemetry.DefaultOutOfOrder})
			if err != nil {
				t.Fatal(err)
			}
			defer ts.Close()
			_, tok, err := st.CreateToken(ctx, "tester", true, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, h := build(Config{Store: st, Telemetry: ts, Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			e := &apiEnv{engine: eng.Name, st: st, h: h, token: tok}

			site := e.create(t, "sites", obj{"name": "DC1", "time_zone": "Asia/Kuala_Lumpur"})
			hall := e.create(t, "rooms", obj{"site_id": site, "name": "Hall 1"})
			acme := e.create(t, "tenants", obj{"name": "Acme"})
			start := time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC) // 1 October in Kuala Lumpur
			end := start.Add(744 * time.Hour)                      // 1 November there
			spike := time.Date(2026, 10, 15, 6, 0, 0, 0, time.UTC) // 14:00 there
			var pts []telemetry.Point
			for _, name := range []string{"R1-A", "R1-B", "R2-A", "R2-B"} {
				node := e.create(t, "power-nodes", obj{"site_id": site, "room_id": hall, "name": name, "kind": "rack-pdu", "voltage": 400})
				e.create(t, "meters", obj{"name": name + " in", "role": "it-input", "power_node_id": node, "tenant_id": acme,
					"series": fmt.Sprintf(`pdu_energy_kwh_total{meter=%q}`, name)})
				v := 1000.0
				for at := start.Add(-time.Hour); !at.After(end); at = at.Add(5 * time.Minute) {
					if at.After(start.Add(-time.Hour)) {
						step := 0.2
						if strings.HasPrefix(name, "R1") && at.After(spike) && !at.After(spike.Add(30*time.Minute)) {
							step = 0.5
						}
						v += step
					}
					pts = append(pts, telemetry.Point{Name: "pdu_energy_kwh_total", Labels: map[string]string{"meter": name}, T: at.UnixMilli(), V: v})
				}
			}
			if _, err := ts.Append(ctx, pts); err != nil {
				t.Fatal(err)
			}
			if err := (&energy.Roller{Meters: st, Series: ts}).Roll(ctx, site, end.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			msb := e.create(t, "meters", obj{"name": "MSB", "role": "utility", "site_id": site, "source": "manual"})
			var hs []dcim.MeterHour
			for h := 0; h < 744; h++ {
				hs = append(hs, dcim.MeterHour{Hour: start.Add(time.Duration(h) * time.Hour), Value: 10004.4 / 744})
			}
			if err := st.SaveMeterHours(ctx, msb, hs); err != nil {
				t.Fatal(err)
			}
			e.create(t, "tariffs", obj{"name": "Colo", "effective_from": "2025-01-01T00:00:00Z", "energy_sen_per_kwh": 40})
			tariff := e.create(t, "tariffs", obj{"name": "Colo", "effective_from": "2026-01-01T00:00:00Z", "energy_sen_per_kwh": 45.40,
				"capacity_rm_per_kw": 30.30, "network_rm_per_kw": 12, "retail_rm_per_month": 200, "overhead": "pue"})
			e.refuse(t, http.MethodPost, Prefix+"/contracts", obj{"tenant_id": acme, "site_id": site, "tariff": "Nope", "contracted_kw": 12, "start": "2026-01-01T00:00:00Z"},
				want{status: http.StatusBadRequest, field: "tariff"})
			e.create(t, "contracts", obj{"tenant_id": acme, "site_id": site, "tariff": "Colo", "contracted_kw": 12, "start": "2026-01-01T00:00:00Z"})
			e.refuse(t, http.MethodPost, Prefix+"/contracts", obj{"tenant_id": acme, "site_id": site, "tariff": "Colo", "contracted_kw": 20, "start": "2026-06-01T00:00:00Z"},
				want{status: http.StatusConflict, field: "start"})

			q := fmt.Sprintf("?tenant=%d&site=%d&month=2026-10", acme, site)
			draft := e.expect(t, http.StatusOK, http.MethodGet, Prefix+"/bills/draft"+q, nil)
			near := func(what string, got any, want float64) {
				t.Helper()
				if f, ok := got.(float64); !ok || math.Abs(f-want) > 1e-6 {
					t.Errorf("%s: %v, want %v", what, got, want)
				}
			}
			near("kWh", draft["kwh"], 7146.0)
			near("maximum demand", draft["max_demand_kw"], 16.8)
			near("over contract", draft["over_contract_kw"], 4.8)
			near("PUE", draft["pue"], 1.4)
			if at, _ := time.Parse(time.RFC3339, draft["max_demand_at"].(string)); !at.Equal(spike) {
				t.Errorf("maximum demand at %v, want %v", draft["max_demand_at"], spike)
			}
			want := []struct {
				item   string
				amount float64
			}{{"energy", 3244.28}, {"overhead", 1297.71}, {"capacity", 509.04}, {"network", 201.60}, {"retail", 200}}
			lines := draft["lines"].([]any)
			if len(lines) != len(want) {
				t.Fatalf("lines: %v", lines)
			}
			for i, w := range want {
				l := lines[i].(map[string]any)
				if l["item"] != w.item || math.Abs(l["amount"].(float64)-w.amount) > 1e-9 {
					t.Errorf("line %d: %v, want %s %.2f", i, l, w.item, w.amount)
				}
			}
			near("total", draft["total"], 5452.63)
			if draft["draft"] != true || draft["skipped_windows"].(float64) != 0 || draft["tariff"].(map[string]any)["id"].(float64) != float64(tariff) {
				t.Errorf("draft: %v", draft)
			}

			// Issued, it does not change; issuing again needs a reason and makes version 2.
			issue := obj{"tenant_id": acme, "site_id": site, "month": "2026-10"}
			v1 := e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/bills", issue)
			if v1["version"].(float64) != 1 || v1["draft"] != false || v1["total"].(float64) != 5452.63 {
				t.Errorf("issued: %v", v1)
			}
			e.refuse(t, http.MethodPost, Prefix+"/bills", issue, want2(http.StatusConflict, "reason"))
			e.expect(t, http.StatusOK, http.MethodPatch, itemPath("tariffs", tariff), obj{"retail_rm_per_month": 250})
			list := e.expect(t, http.StatusOK, http.MethodGet, Prefix+"/bills?month=2026-10", nil)
			first := list["results"].([]any)[0].(map[string]any)
			if list["count"].(float64) != 1 || first["total"].(float64) != 5452.63 {
				t.Errorf("the issued bill changed with the tariff: %v", list)
			}
			issue["reason"] = "retail charge corrected"
			v2 := e.expect(t, http.StatusCreated, http.MethodPost, Prefix+"/bills", issue)
			if v2["version"].(float64) != 2 || v2["total"].(float64) != 5502.63 || v2["reason"] != "retail charge corrected" {
				t.Errorf("re-issued: %v", v2)
			}
			list = e.expect(t, http.StatusOK, http.MethodGet, fmt.Sprintf("%s/bills?tenant=%d", Prefix, acme), nil)
			if list["count"].(float64) != 2 {
				t.Fatalf("versions: %v", list)
			}
			stored, err := st.Bills(ctx, acme, "2026-10")
			if err != nil || len(stored) != 2 {
				t.Fatal(err)
			}
			r := e.do(t, http.MethodGet, fmt.Sprintf("%s/bills/%d?format=csv", Prefix, stored[1].ID), nil)
			if r.code != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(string(r.body), fmt.Sprintf("%d,%d,2026-10,1,capacity,16.8,kW,30.3,RM/kW,509.04,MYR", acme, site)) ||
				!strings.Contains(string(r.body), "energy,7146,kWh,45.4,sen/kWh,3244.28,MYR") || !strings.Contains(string(r.body), "overhead,2858.4,kWh") ||
				!strings.Contains(string(r.body), "total,,,,,5452.63,MYR") {
				t.Errorf("CSV: %d %s", r.code, r.body)
			}
			e.expect(t, http.StatusBadRequest, http.MethodGet, fmt.Sprintf("%s/bills/draft?tenant=%d&site=%d&month=2026-1", Prefix, acme, site), nil)
			other := e.create(t, "tenants", obj{"name": "Other"})
			e.expect(t, http.StatusBadRequest, http.MethodGet, fmt.Sprintf("%s/bills/draft?tenant=%d&site=%d&month=2026-10", Prefix, other, site), nil)
		})
	}
}

func want2(status int, field string) want { return want{status: status, field: field} }
