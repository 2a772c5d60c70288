package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// dayClock sets the store's clock to a time of a day counted from the first of March 2025 in loc.
func dayClock(st *store.Store, loc *time.Location) func(day, hour, minute int) time.Time {
	return func(day, hour, minute int) time.Time {
		at := time.Date(2025, 3, 1+day, hour, minute, 0, 0, loc).UTC()
		st.SetClock(func() time.Time { return at })
		return at
	}
}

// spaceLines renders a history one line per room and day, for comparing whole histories.
func spaceLines(h []store.RoomSpaceDay) []string {
	out := make([]string, len(h))
	for i, d := range h {
		out[i] = fmt.Sprintf("%s %s racks=%d units=%g used=%g/%g", d.Day, d.Room, d.Racks, d.Units, d.Used["front"], d.Used["rear"])
	}
	return out
}

func checkLines(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSpaceHistory replays a week of placements, a move between rooms, deletions and new racks,
// with changes near midnight in the site's time zone (UTC+8), and checks every day of every room.
func TestSpaceHistory(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		kl, err := time.LoadLocation("Asia/Kuala_Lumpur")
		if err != nil {
			t.Fatal(err)
		}
		clock := dayClock(st, kl)
		devs := st.Devices()

		clock(0, 9, 0)
		site := must(st.Sites().Create(ctx, dcim.Site{Name: "KL1", TimeZone: "Asia/Kuala_Lumpur"}))
		hall1 := must(st.Rooms().Create(ctx, dcim.Room{SiteID: site.ID, Name: "Hall 1"}))
		hall2 := must(st.Rooms().Create(ctx, dcim.Room{SiteID: site.ID, Name: "Hall 2"}))
		a01 := must(st.Racks().Create(ctx, dcim.Rack{Name: "A01", RoomID: hall1.ID, UHeight: 42}))
		a02 := must(st.Racks().Create(ctx, dcim.Rack{Name: "A02", RoomID: hall1.ID, UHeight: 48}))
		b01 := must(st.Racks().Create(ctx, dcim.Rack{Name: "B01", RoomID: hall2.ID, UHeight: 42}))
		c01 := must(st.Racks().Create(ctx, dcim.Rack{Name: "C01", RoomID: hall2.ID, UHeight: 24}))
		m := must(st.Manufacturers().Create(ctx, dcim.Manufacturer{Name: "Dell"}))
		newType := func(model string, u float64, full bool) dcim.DeviceType {
			return must(st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: m.ID, Model: model, UHeight: u, IsFullDepth: full}))
		}
		t2, t1, t4, t0, t3 := newType("R750", 2, true), newType("R250", 1, false), newType("R940", 4, true), newType("PDU", 0, false), newType("Old 3U", 3, true)
		must(devs.Create(ctx, dcim.Device{Name: "spare", DeviceTypeID: t2.ID, SiteID: site.ID})) // not racked: no units

		clock(1, 10, 0) // a 2U and a 1U half-depth at the rear, a 0-U PDU; a 1U half-depth switch at the front of C01
		placed := must(devs.BulkCreate(ctx, []dcim.Device{
			{Name: "srv2", DeviceTypeID: t2.ID, RackID: &a01.ID, Position: ptr(1.0), Face: "front"},
			{Name: "srv1", DeviceTypeID: t1.ID, RackID: &a01.ID, Position: ptr(10.0), Face: "rear"},
			{Name: "pdu", DeviceTypeID: t0.ID, RackID: &a01.ID, MountSide: "left"},
			{Name: "sw1", DeviceTypeID: t1.ID, RackID: &c01.ID, Position: ptr(1.0), Face: "front"},
		}))
		srv2, srv1, sw1 := placed[0], placed[1], placed[3]

		clock(2, 8, 0) // C01 and its switch move to Hall 1
		must(st.Racks().Patch(ctx, c01.ID, map[string]json.RawMessage{"room_id": json.RawMessage(jsonNum(hall1.ID))}))
		clock(2, 12, 0)
		old3 := must(devs.Create(ctx, dcim.Device{Name: "old3", DeviceTypeID: t3.ID, RackID: &b01.ID, Position: ptr(1.0), Face: "front"}))

		clock(3, 12, 0) // gone with its type: the replay takes its size from the type's last snapshot
		if err := devs.Delete(ctx, old3.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.DeviceTypes().Delete(ctx, t3.ID); err != nil {
			t.Fatal(err)
		}
		clock(3, 23, 30) // 15:30 UTC: day 3 either way
		must(devs.Create(ctx, dcim.Device{Name: "srv4", DeviceTypeID: t4.ID, RackID: &a02.ID, Position: ptr(1.0), Face: "front"}))

		clock(4, 0, 30) // 16:30 UTC on day 3, but day 4 in Kuala Lumpur: the 1U moves to Hall 2
		srv1.RackID, srv1.Position = &b01.ID, ptr(20.0)
		must(devs.Update(ctx, srv1.ID, srv1))

		clock(5, 12, 0)
		if err := devs.BulkDelete(ctx, []int64{srv2.ID, sw1.ID}); err != nil {
			t.Fatal(err)
		}
		if err := st.Racks().Delete(ctx, c01.ID); err != nil {
			t.Fatal(err)
		}

		clock(6, 12, 0)
		must(st.Racks().Create(ctx, dcim.Rack{Name: "A03", RoomID: hall1.ID, UHeight: 42}))
		must(st.Rooms().Create(ctx, dcim.Room{SiteID: site.ID, Name: "Hall 3"}))

		now := clock(8, 12, 0)
		from, to := time.Date(2025, 3, 1, 0, 0, 0, 0, kl), time.Date(2025, 3, 8, 0, 0, 0, 0, kl)
		h, err := st.SpaceHistory(ctx, site.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		checkLines(t, spaceLines(h), []string{
			"2025-03-01 Hall 1 racks=2 units=90 used=0/0",
			"2025-03-01 Hall 2 racks=2 units=66 used=0/0",
			"2025-03-02 Hall 1 racks=2 units=90 used=2/3",
			"2025-03-02 Hall 2 racks=2 units=66 used=1/0",
			"2025-03-03 Hall 1 racks=3 units=114 used=3/3",
			"2025-03-03 Hall 2 racks=1 units=42 used=3/3",
			"2025-03-04 Hall 1 racks=3 units=114 used=7/7",
			"2025-03-04 Hall 2 racks=1 units=42 used=0/0",
			"2025-03-05 Hall 1 racks=3 units=114 used=7/6",
			"2025-03-05 Hall 2 racks=1 units=42 used=0/1",
			"2025-03-06 Hall 1 racks=2 units=90 used=4/4",
			"2025-03-06 Hall 2 racks=1 units=42 used=0/1",
			"2025-03-07 Hall 1 racks=3 units=132 used=4/4",
			"2025-03-07 Hall 2 racks=1 units=42 used=0/1",
			"2025-03-07 Hall 3 racks=0 units=0 used=0/0",
			"2025-03-08 Hall 1 racks=3 units=132 used=4/4",
			"2025-03-08 Hall 2 racks=1 units=42 used=0/1",
			"2025-03-08 Hall 3 racks=0 units=0 used=0/0",
		})
		if want := time.Date(2025, 3, 2, 0, 0, 0, 0, kl); len(h) == 0 || !h[0].At.Equal(want) || h[0].RoomID != hall1.ID {
			t.Errorf("first row %+v: want the end of 1 March in Kuala Lumpur (%s), Hall 1", h[0], want.UTC())
		}

		// Days after today are left out; today's figures hold now.
		h, err = st.SpaceHistory(ctx, site.ID, now.Add(-24*time.Hour), now.AddDate(0, 1, 0))
		if err != nil {
			t.Fatal(err)
		}
		checkLines(t, spaceLines(h), []string{
			"2025-03-08 Hall 1 racks=3 units=132 used=4/4",
			"2025-03-08 Hall 2 racks=1 units=42 used=0/1",
			"2025-03-08 Hall 3 racks=0 units=0 used=0/0",
			"2025-03-09 Hall 1 racks=3 units=132 used=4/4",
			"2025-03-09 Hall 2 racks=1 units=42 used=0/1",
			"2025-03-09 Hall 3 racks=0 units=0 used=0/0",
		})
		if last := h[len(h)-1]; !last.At.Equal(now) {
			t.Errorf("today's figures at %s, want now (%s)", last.At, now)
		}
	})
}

// TestSpaceHistoryFlat: a site nothing changed in during the range has, every day, the space
// capacity reads now, whatever happens meanwhile in another site.
func TestSpaceHistoryFlat(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := dayClock(st, time.UTC)
		clock(0, 12, 0)
		f := newFacility(t, st)
		hall2 := must(st.Rooms().Create(ctx, dcim.Room{SiteID: f.site.ID, Name: "Hall 2"}))
		half := must(st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: f.server.ManufacturerID, Model: "half", UHeight: 1}))
		b01 := must(st.Racks().Create(ctx, dcim.Rack{Name: "B01", RoomID: hall2.ID, UHeight: 42}))
		must(st.Devices().BulkCreate(ctx, []dcim.Device{
			{Name: "s1", DeviceTypeID: f.server.ID, RackID: &f.rack.ID, Position: ptr(1.0), Face: "front"},
			{Name: "s2", DeviceTypeID: f.server.ID, RackID: &b01.ID, Position: ptr(5.0), Face: "rear"},
			{Name: "h1", DeviceTypeID: half.ID, RackID: &b01.ID, Position: ptr(1.0), Face: "rear"},
			{Name: "pdu", DeviceTypeID: f.pdu.ID, RackID: &b01.ID, MountSide: "right"},
		}))
		// Another site, busy during the range; its ids and its rooms stay out of this one's history.
		other := must(st.Sites().Create(ctx, dcim.Site{Name: "Other"}))
		oroom := must(st.Rooms().Create(ctx, dcim.Room{SiteID: other.ID, Name: "O1"}))
		for day := 3; day <= 5; day++ {
			clock(day, 12, 0)
			r := must(st.Racks().Create(ctx, dcim.Rack{Name: fmt.Sprintf("O%d", day), RoomID: oroom.ID, UHeight: 42}))
			must(st.Devices().Create(ctx, dcim.Device{Name: fmt.Sprintf("o%d", day), DeviceTypeID: f.server.ID, RackID: &r.ID, Position: ptr(1.0), Face: "front"}))
		}
		clock(10, 12, 0)
		// The site is in Kuala Lumpur (UTC+8): these are 08:00 on 2 March and 20:00 on 6 March there.
		h, err := st.SpaceHistory(ctx, f.site.ID, time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 6, 12, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		// What capacity reads now, room by room: rack heights and occupants per face.
		cs := must(st.CapacitySite(ctx, f.site.ID))
		var want []string
		for _, day := range []string{"2025-03-02", "2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06"} {
			for _, room := range cs.Rooms {
				var racks int
				var units, front, rear float64
				for _, r := range cs.Racks {
					if r.Rack.RoomID != room.ID {
						continue
					}
					racks++
					units += float64(r.Rack.UHeight)
					for _, o := range r.Occupants {
						if o.FullDepth || o.Face == "front" {
							front += o.Height
						}
						if o.FullDepth || o.Face == "rear" {
							rear += o.Height
						}
					}
				}
				want = append(want, fmt.Sprintf("%s %s racks=%d units=%g used=%g/%g", day, room.Name, racks, units, front, rear))
			}
		}
		got := spaceLines(h)
		checkLines(t, got, want)
		// And the figures themselves, lest capacity and history agree on a wrong count.
		if len(got) < 2 || got[0] != "2025-03-02 Hall 1 racks=1 units=48 used=2/2" || got[1] != "2025-03-02 Hall 2 racks=1 units=42 used=2/3" {
			t.Errorf("first day %v", got[:min(2, len(got))])
		}
	})
}

func TestSpaceHistoryErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFacility(t, st)
		now := time.Now().UTC()
		tests := []struct {
			name     string
			ctx      context.Context
			site     int64
			from, to time.Time
			code     dcim.Code
			field    string
		}{
			{"from after to", ctx, f.site.ID, now, now.Add(-48 * time.Hour), dcim.EInvalid, "from"},
			{"from missing", ctx, f.site.ID, time.Time{}, now, dcim.EInvalid, "from"},
			{"from after today", ctx, f.site.ID, now.Add(72 * time.Hour), now.Add(96 * time.Hour), dcim.EInvalid, "from"},
			{"too long", ctx, f.site.ID, now.AddDate(-20, 0, 0), now, dcim.EInvalid, "from"},
			{"no such site", ctx, f.site.ID + 100, now.Add(-48 * time.Hour), now, dcim.ENotFound, ""},
			{"tenant user", dcim.WithActor(ctx, dcim.Actor{Name: "t", Role: dcim.RoleTenant, TenantID: f.tenant.ID}),
				f.site.ID, now.Add(-48 * time.Hour), now, dcim.EForbidden, ""},
		}
		for _, tt := range tests {
			h, err := st.SpaceHistory(tt.ctx, tt.site, tt.from, tt.to)
			e := dcim.AsError(err)
			if e == nil || e.Code != tt.code || h != nil {
				t.Errorf("%s: got %v, %d rows; want code %v", tt.name, err, len(h), tt.code)
				continue
			}
			if tt.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != tt.field) {
				t.Errorf("%s: fields %+v, want %q", tt.name, e.Fields, tt.field)
			}
		}
	})
}

// BenchmarkSpaceHistory replays 90 days of a room filling up: each day 40 1U servers are placed,
// 4 of the day before are taken out of their racks and 2 of those deleted, a day later.
func BenchmarkSpaceHistory(b *testing.B) {
	const days, perDay, racks = 90, 40, 90
	for _, e := range engines {
		b.Run(fmt.Sprintf("engine=%s/days=%d/devices=%d", e.Name, days, days*perDay), func(b *testing.B) {
			st := openStore(b, e.URL(b))
			ctx := context.Background()
			clock := dayClock(st, time.UTC)
			clock(-1, 12, 0)
			f := newFacility(b, st)
			hall2 := must(st.Rooms().Create(ctx, dcim.Room{SiteID: f.site.ID, Name: "Hall 2"}))
			one := must(st.DeviceTypes().Create(ctx, dcim.DeviceType{ManufacturerID: f.server.ManufacturerID, Model: "1U", UHeight: 1, IsFullDepth: true}))
			rs := make([]dcim.Rack, racks)
			for i := range rs {
				room := f.room.ID
				if i%2 == 1 {
					room = hall2.ID
				}
				rs[i] = dcim.Rack{Name: fmt.Sprintf("R%03d", i), RoomID: room, UHeight: 48}
			}
			rs = must(st.Racks().BulkCreate(ctx, rs))
			var prev, unracked []int64
			for day := 0; day < days; day++ {
				clock(day, 12, 0)
				devs := make([]dcim.Device, perDay)
				for i := range devs {
					rack := rs[day%racks].ID
					devs[i] = dcim.Device{Name: fmt.Sprintf("d%02d-%02d", day, i), DeviceTypeID: one.ID, RackID: &rack, Position: ptr(float64(i + 1)), Face: "front"}
				}
				created := must(st.Devices().BulkCreate(ctx, devs))
				if len(unracked) > 0 {
					if err := st.Devices().BulkDelete(ctx, unracked[:2]); err != nil {
						b.Fatal(err)
					}
				}
				unracked = unracked[:0]
				var patches []map[string]json.RawMessage
				for _, id := range prev[:min(4, len(prev))] {
					patches = append(patches, map[string]json.RawMessage{"id": json.RawMessage(jsonNum(id)),
						"rack_id": json.RawMessage("null"), "position": json.RawMessage("null"), "face": json.RawMessage(`""`)})
					unracked = append(unracked, id)
				}
				if len(patches) > 0 {
					must(st.Devices().BulkPatch(ctx, patches))
				}
				prev = prev[:0]
				for _, d := range created {
					prev = append(prev, d.ID)
				}
			}
			clock(days, 12, 0)
			from, to := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, days, 0, 0, 0, 0, time.UTC)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h, err := st.SpaceHistory(ctx, f.site.ID, from, to)
				if err != nil || len(h) != 2*days {
					b.Fatalf("%d rows, %v", len(h), err)
				}
			}
		})
	}
}
