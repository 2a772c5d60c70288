package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// The KPIs of a month from the meters' hours, against the published worked examples: E_DC
// 950,000 kWh over E_IT 620,000 is a PUE of 1.53; E_DC 1,250,000, E_IT 820,000 and 210,000
// reused give ERE 1.27 and ERF 0.168; CUE is the grid factor times PUE when all energy is from
// the grid. The category follows where the IT meters sit, and only a complete level counts.
func TestEnergyKPIs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		site := e.create(t, "sites", obj{"name": "DC1", "time_zone": "Asia/Kuala_Lumpur"})
		hall := e.create(t, "rooms", obj{"site_id": site, "name": "Hall 1"})
		node := func(name, kind string) int64 {
			return e.create(t, "power-nodes", obj{"site_id": site, "room_id": hall, "name": name, "kind": kind, "voltage": 400})
		}
		upsA, upsB, rpduA, rpduB := node("UPS-A", "ups"), node("UPS-B", "ups"), node("RPDU-A", "rack-pdu"), node("RPDU-B", "rack-pdu")
		// October in Kuala Lumpur: 744 hours from 2026-09-30 16:00 UTC.
		start := time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC)
		meter := func(body obj, total float64, estimatedHours int) int64 {
			body["series"] = fmt.Sprintf(`meter_energy_kwh_total{meter=%q}`, body["name"])
			id := e.create(t, "meters", body)
			var hs []dcim.MeterHour
			for h := 0; h < 744; h++ {
				hs = append(hs, dcim.MeterHour{MeterID: id, Hour: start.Add(time.Duration(h) * time.Hour), Value: total / 744, Estimated: h < estimatedHours})
			}
			if err := e.st.SaveMeterHours(ctx, id, hs); err != nil {
				t.Fatal(err)
			}
			return id
		}
		kpis := func(query string) obj {
			t.Helper()
			return e.expect(t, http.StatusOK, http.MethodGet, Prefix+"/energy/kpis?site="+fmt.Sprint(site)+query, nil)
		}
		near := func(what string, got any, want float64) {
			t.Helper()
			if f, ok := got.(float64); !ok || math.Abs(f-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: %v, want %v", what, got, want)
			}
		}
		meter(obj{"name": "MSB-1", "role": "utility", "site_id": site}, 950000, 0)
		meter(obj{"name": "UPS-A out", "role": "ups-output", "power_node_id": upsA}, 320000, 0)
		meter(obj{"name": "UPS-B out", "role": "ups-output", "power_node_id": upsB}, 300000, 186) // a quarter integrated from power
		got := kpis("&period=2026-10")
		near("PUE", got["pue"], 950000.0/620000)
		if math.Round(got["pue"].(float64)*100)/100 != 1.53 {
			t.Errorf("PUE %v does not round to 1.53", got["pue"])
		}
		near("DCiE", got["dcie"], 620000.0/950000)
		near("CUE", got["cue"], 0.758*950000/620000)
		near("CO2e", got["co2e_kg"], 0.758*950000)
		near("coverage", got["coverage"], 1-75000/(950000.0+620000))
		if got["pue_category"].(float64) != 1 || got["e_dc_basis"] != "metered" || got["wue"] != nil {
			t.Errorf("report: %v", got)
		}
		if from, err := time.Parse(time.RFC3339, got["from"].(string)); err != nil || !from.Equal(start) {
			t.Errorf("October in Kuala Lumpur starts %v, want %v", got["from"], start)
		}
		// One rack PDU of two metered at the IT input: level 3 is incomplete, the UPS outputs stay.
		meter(obj{"name": "RPDU-A in", "role": "it-input", "power_node_id": rpduA}, 290000, 0)
		got = kpis("&period=2026-10")
		levels := got["it_levels"].([]any)
		if got["pue_category"].(float64) != 1 || len(levels) != 2 || levels[0].(map[string]any)["complete"] != false ||
			levels[0].(map[string]any)["metered_nodes"].(float64) != 1 || levels[1].(map[string]any)["used"] != true {
			t.Errorf("one rack PDU metered: %v", got)
		}
		meter(obj{"name": "RPDU-B in", "role": "it-input", "power_node_id": rpduB}, 290000, 0)
		got = kpis("&period=2026-10")
		near("PUE at the IT input", got["pue"], 950000.0/580000)
		if got["pue_category"].(float64) != 3 {
			t.Errorf("both rack PDUs metered: category %v", got["pue_category"])
		}
		// Water, reuse and renewables.
		meter(obj{"name": "Water main", "role": "water", "site_id": site}, 1276000, 0)
		meter(obj{"name": "Heat export", "role": "reuse", "site_id": site}, 159600, 0)
		e.create(t, "energy-certificates", obj{"site_id": site, "period_start": "2026-09-30T16:00:00Z", "period_end": "2026-10-31T16:00:00Z",
			"kwh": 380000, "retired": true, "reference": "I-REC MY 0001"})
		e.create(t, "energy-certificates", obj{"site_id": site, "period_start": "2026-09-30T16:00:00Z", "period_end": "2026-10-31T16:00:00Z",
			"kwh": 100000, "retired": false, "reference": "not retired"})
		e.create(t, "energy-certificates", obj{"site_id": site, "kind": "ppa", "period_start": "2026-09-30T16:00:00Z",
			"period_end": "2026-11-30T16:00:00Z", "kwh": 61000, "reference": "PPA Oct-Nov"})
		got = kpis("&period=2026-10")
		near("WUE", got["wue"], 1276000.0/580000)
		near("ERF", got["erf"], 159600.0/950000)
		near("ERE", got["ere"], (950000.0-159600)/580000)
		near("REF", got["ref"], (380000+61000*31.0/61)/950000)

		// The second worked example, for ERE and ERF, in a site of its own.
		site2 := e.create(t, "sites", obj{"name": "DC2"})
		for _, m := range []struct {
			name, role string
			kwh        float64
		}{{"In", "utility", 1250000}, {"IT", "it-input", 820000}, {"Reuse", "reuse", 210000}} {
			meter(obj{"name": m.name, "role": m.role, "site_id": site2}, m.kwh, 0)
		}
		got = e.expect(t, http.StatusOK, http.MethodGet, Prefix+"/energy/kpis?site="+fmt.Sprint(site2)+"&from=2026-09-30T16:00:00Z&to=2026-10-31T16:00:00Z", nil)
		near("ERE", got["ere"], 1040000.0/820000)
		near("ERF", got["erf"], 0.168)
		if math.Round(got["ere"].(float64)*100)/100 != 1.27 {
			t.Errorf("ERE %v does not round to 1.27", got["ere"])
		}
		// No utility meter in a room: its pPUE is the sum of its loads over its IT.
		got = kpis(fmt.Sprintf("&room=%d&period=2026-10", hall))
		if got["e_dc_basis"] != "sum-of-loads" || got["pue_category"].(float64) != 3 {
			t.Errorf("room: %v", got)
		}
		near("pPUE", got["pue"], 1)
		for _, q := range []string{"&period=2026-13", "&period=last-week", "&from=2026-10-01", "&from=2026-10-02&to=2026-10-01",
			"&period=2026-10&from=2026-10-01&to=2026-10-02", "&room=999999"} {
			e.expect(t, http.StatusBadRequest, http.MethodGet, Prefix+"/energy/kpis?site="+fmt.Sprint(site)+q, nil)
		}
	})
}
