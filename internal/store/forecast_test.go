package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// TestRoomITPeaks: a room's daily peak is the highest hour of the sum of its IT meters of one
// role: the floor PDUs' outputs (A and B summed hour by hour) rather than the rack PDUs' inputs
// measuring the same energy further down; a room with rack-PDU meters only reads those.
func TestRoomITPeaks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFacility(t, st)
		hall2 := must(st.Rooms().Create(ctx, dcim.Room{SiteID: f.site.ID, Name: "Hall 2"}))
		meter := func(name, role string, room int64) int64 {
			return must(st.Meters().Create(ctx, dcim.Meter{Name: name, Role: role, RoomID: &room, Source: "manual"})).ID
		}
		a, b := meter("PDU-A out", "pdu-output", f.room.ID), meter("PDU-B out", "pdu-output", f.room.ID)
		rack := meter("RPDU in", "it-input", f.room.ID)
		only := meter("Hall 2 RPDU in", "it-input", hall2.ID)
		day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		put := func(id int64, vals map[int]float64) {
			var hs []dcim.MeterHour
			for h, v := range vals {
				hs = append(hs, dcim.MeterHour{MeterID: id, Hour: day.Add(time.Duration(h) * time.Hour), Value: v})
			}
			if err := st.SaveMeterHours(ctx, id, hs); err != nil {
				t.Fatal(err)
			}
		}
		// Day 1: A peaks at 10:00, B at 14:00; their sum peaks at 14:00 (30 + 45 = 75 kW).
		put(a, map[int]float64{10: 40, 14: 30, 24 + 9: 20})
		put(b, map[int]float64{10: 30, 14: 45, 24 + 9: 25})
		put(rack, map[int]float64{10: 999, 14: 999})
		put(only, map[int]float64{3: 12, 4: 13})
		got, err := st.RoomITPeaks(ctx, f.site.ID, day, day.AddDate(0, 0, 3))
		if err != nil {
			t.Fatal(err)
		}
		h1 := got[f.room.ID]
		if len(h1) != 2 || h1[0].V != 75 || !h1[0].Day.Equal(day) || h1[1].V != 45 || !h1[1].Day.Equal(day.AddDate(0, 0, 1)) {
			t.Errorf("Hall 1: %+v", h1)
		}
		if h2 := got[hall2.ID]; len(h2) != 1 || h2[0].V != 13 {
			t.Errorf("Hall 2: %+v", h2)
		}
	})
}
