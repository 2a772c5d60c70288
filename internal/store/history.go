package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

// RoomSpaceDay is one room's rack space at the end of one day, replayed from the change log: the
// series capacity trends and forecasts are drawn from (issues #7 and #8).
type RoomSpaceDay struct {
	Day    string    `json:"day"` // YYYY-MM-DD in the site's time zone
	At     time.Time `json:"at"`  // the instant the figures hold: the end of the day, or now for today
	RoomID int64     `json:"room_id"`
	Room   string    `json:"room"` // the room's name now, or the last it had if it is gone
	Racks  int       `json:"racks"`
	Units  float64   `json:"units"` // rack units of the room's racks
	// Used is per face (front, rear) the units taken by mounted devices, as capacity.Space counts
	// them: a full-depth device takes both faces, a half-depth one its own; 0-U and unracked
	// devices take none.
	Used map[string]float64 `json:"used"`
}

// MaxHistoryDays bounds the days one SpaceHistory call replays.
const MaxHistoryDays = 3660

// SpaceHistory gives, for each day from the date of from to the date of to (in the site's time
// zone, both included; days after today are left out) and each room the site had at the end of
// that day, the rack units available and used then. Rows are ordered by day, then room id.
//
// It starts from the site's rack space now and replays the change log backwards to the end of the
// first day, in one pass over the device, rack and room changes, newest first: what a change made
// is taken away, what it replaced is put back. A device counts with its device type's size now
// (the change log keeps the device, not its type; a type since deleted counts with its size when
// deleted). Everything is read in one snapshot, so a write meanwhile cannot be counted twice.
func (s *Store) SpaceHistory(ctx context.Context, siteID int64, from, to time.Time) ([]RoomSpaceDay, error) {
	switch {
	case from.IsZero():
		return nil, dcim.Invalid("from", "is required")
	case to.IsZero():
		return nil, dcim.Invalid("to", "is required")
	case from.After(to):
		return nil, dcim.Invalid("from", "%s is after to (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if _, tenant := dcim.ActorFrom(ctx).Tenant(); tenant {
		// The rooms' totals count every tenant's equipment.
		return nil, dcim.Errorf(dcim.EForbidden, "a tenant user cannot see a site's space history")
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == postgresDialect {
		// The state now and the change log must come from one snapshot; SQLite's read transaction
		// (deferred: it takes no write lock) already is one.
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	site, err := siteTable.peek(ctx, tx, s.dialect, siteID, false)
	if err != nil {
		return nil, err
	}
	loc := time.UTC
	if site.TimeZone != "" {
		if l, err := time.LoadLocation(site.TimeZone); err == nil {
			loc = l
		}
	}
	now := s.now()
	days, err := historyDays(from, to, now, loc)
	if err != nil {
		return nil, err
	}
	h, err := loadSpaceNow(ctx, tx, siteID)
	if err != nil {
		return nil, err
	}
	out := make([]RoomSpaceDay, 0, len(days)*max(len(h.rooms), 1))
	// Days are emitted last first, each once the replay has undone every change made at or after
	// its end: before a change made at t is undone, the days ending after t are final.
	k := len(days) - 1
	emit := func(t time.Time) {
		for ; k >= 0 && t.Before(days[k].end); k-- {
			out = h.appendDay(out, siteID, days[k], now)
		}
	}
	// Rows in id order are in commit order for any one object (its writes are serialized), which
	// the replay needs; their times only place them in days. The LIKE is a cheap prefilter on the
	// snapshots' site_id (encoding/json writes it as "site_id":N, in these types); replay checks
	// the decoded value.
	rows, err := tx.QueryContext(ctx, `SELECT object_type, object_id, time, pre_change, post_change FROM changes
		WHERE time >= $1 AND (object_type IN ('device', 'rack', 'room') AND (pre_change LIKE $2 OR post_change LIKE $2)
			OR object_type = 'device-type' AND action = 'delete')
		ORDER BY id DESC`, days[0].end.UTC(), `%"site_id":`+strconv.FormatInt(siteID, 10)+`,%`)
	if err != nil {
		return nil, fmt.Errorf("space history changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.objType, &c.id, &c.time, &c.pre, &c.post); err != nil {
			return nil, fmt.Errorf("scan change: %w", err)
		}
		emit(c.time)
		if err := h.undo(&c, siteID); err != nil {
			return nil, fmt.Errorf("change of %s %d at %s: %w", c.objType, c.id, c.time.Format(time.RFC3339), err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("space history changes: %w", err)
	}
	emit(time.Time{}) // the rest: nothing in the window changed before their ends
	// Emitted last day first, each day's rooms by descending id: reversed, both ascend.
	slices.Reverse(out)
	return out, nil
}

// historyDay is one calendar day of the site: its name and when it ends.
type historyDay struct {
	name string
	end  time.Time
}

// historyDays lists the site's days from from to to, up to today.
func historyDays(from, to, now time.Time, loc *time.Location) ([]historyDay, error) {
	first := from.In(loc)
	last := to.In(loc)
	if today := now.In(loc); last.After(today) {
		last = today
	}
	y, m, d := first.Date()
	ly, lm, ld := last.Date()
	lastDay := time.Date(ly, lm, ld, 0, 0, 0, 0, loc)
	if time.Date(y, m, d, 0, 0, 0, 0, loc).After(lastDay) {
		return nil, dcim.Invalid("from", "%s is after today (%s)", first.Format("2006-01-02"), lastDay.Format("2006-01-02"))
	}
	var days []historyDay
	for i := 0; ; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		if day.After(lastDay) {
			return days, nil
		}
		if len(days) == MaxHistoryDays {
			return nil, dcim.Invalid("from", "at most %d days at a time", MaxHistoryDays)
		}
		days = append(days, historyDay{name: day.Format("2006-01-02"), end: time.Date(y, m, d+i+1, 0, 0, 0, 0, loc)})
	}
}

// change is one change-log row as the replay reads it. Its snapshots are decoded only where the
// replay needs them: decoding is most of its cost.
type change struct {
	objType   string
	id        int64
	time      time.Time
	pre, post sql.NullString // null: the object did not exist before (create) or after (delete)
}

// snapshot holds the fields of a logged device, rack, room or device type that the replay needs.
type snapshot struct {
	SiteID       int64    `json:"site_id"`
	RoomID       int64    `json:"room_id"`
	RackID       *int64   `json:"rack_id"`
	Position     *float64 `json:"position"`
	Face         string   `json:"face"`
	DeviceTypeID int64    `json:"device_type_id"`
	UHeight      float64  `json:"u_height"`
	IsFullDepth  bool     `json:"is_full_depth"`
	Name         string   `json:"name"`
}

// decodeSnapshot decodes a logged object; nil for a null snapshot, the object's absence.
func decodeSnapshot(s sql.NullString) (*snapshot, error) {
	if !s.Valid {
		return nil, nil
	}
	var v snapshot
	if err := json.Unmarshal([]byte(s.String), &v); err != nil {
		return nil, fmt.Errorf("decode snapshot: %w", err)
	}
	return &v, nil
}

// typeSize is what a device type takes in a rack.
type typeSize struct {
	height    float64
	fullDepth bool
}

// units is what a device of the type at face takes, per face.
func (t typeSize) units(face string) [2]float64 {
	var u [2]float64
	if t.fullDepth || face == "front" {
		u[0] = t.height
	}
	if t.fullDepth || face == "rear" {
		u[1] = t.height
	}
	return u
}

// roomSpace is a room's state at the replay point.
type roomSpace struct {
	site  int64 // 0: the room does not exist then
	name  string
	racks int
	units float64
	used  [2]float64
}

// rackSpace is a rack's place and size at the replay point.
type rackSpace struct {
	room  int64
	units float64
}

// mounted is a device's state at the replay point: the rack it takes units of (0: none).
type mounted struct {
	rack int64
	used [2]float64
}

// spaceReplay is a site's rack space at one point of the replay. Only devices a replayed change
// touched are tracked one by one; the others are in their racks' totals, read at the start.
type spaceReplay struct {
	types   map[int64]typeSize
	rooms   map[int64]*roomSpace
	racks   map[int64]rackSpace   // racks that exist at the replay point
	used    map[int64]*[2]float64 // rack id → units taken per face, whether the rack exists or not
	devices map[int64]mounted     // devices whose state a replayed change set
}

// loadSpaceNow reads the site's rack space now, with the sizes of all device types.
func loadSpaceNow(ctx context.Context, q querier, siteID int64) (*spaceReplay, error) {
	h := &spaceReplay{types: map[int64]typeSize{}, rooms: map[int64]*roomSpace{}, racks: map[int64]rackSpace{},
		used: map[int64]*[2]float64{}, devices: map[int64]mounted{}}
	rows, err := q.QueryContext(ctx, "SELECT id, u_height, is_full_depth FROM device_types")
	if err != nil {
		return nil, fmt.Errorf("device types: %w", err)
	}
	for rows.Next() {
		var id int64
		var t typeSize
		if err := rows.Scan(&id, &t.height, &t.fullDepth); err != nil {
			rows.Close()
			return nil, err
		}
		h.types[id] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, "SELECT id, name FROM rooms WHERE site_id = $1", siteID)
	if err != nil {
		return nil, fmt.Errorf("rooms: %w", err)
	}
	for rows.Next() {
		r := &roomSpace{site: siteID}
		var id int64
		if err := rows.Scan(&id, &r.name); err != nil {
			rows.Close()
			return nil, err
		}
		h.rooms[id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, "SELECT id, room_id, u_height FROM racks WHERE site_id = $1", siteID)
	if err != nil {
		return nil, fmt.Errorf("racks: %w", err)
	}
	for rows.Next() {
		var id int64
		var r rackSpace
		if err := rows.Scan(&id, &r.room, &r.units); err != nil {
			rows.Close()
			return nil, err
		}
		h.setRack(id, &snapshot{SiteID: siteID, RoomID: r.room, UHeight: r.units})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Summed in SQL: a campus has hundreds of thousands of devices, and only the few a change
	// touched need a state of their own.
	rows, err = q.QueryContext(ctx, `SELECT d.rack_id, d.face, dt.is_full_depth, SUM(dt.u_height)
		FROM devices d JOIN device_types dt ON dt.id = d.device_type_id
		WHERE d.rack_id IN (SELECT id FROM racks WHERE site_id = $1) AND d.position IS NOT NULL AND dt.u_height > 0
		GROUP BY d.rack_id, d.face, dt.is_full_depth`, siteID)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			rack int64
			face string
			t    typeSize
		)
		if err := rows.Scan(&rack, &face, &t.fullDepth, &t.height); err != nil {
			return nil, err
		}
		h.addUsed(rack, t.units(face), 1)
	}
	return h, rows.Err()
}

// room returns the state of room id, created (as not existing) when first named.
func (h *spaceReplay) room(id int64) *roomSpace {
	r := h.rooms[id]
	if r == nil {
		r = &roomSpace{}
		h.rooms[id] = r
	}
	return r
}

// addUsed adds (sign 1) or takes away (-1) units taken in a rack, and in its room if the rack exists.
func (h *spaceReplay) addUsed(rack int64, u [2]float64, sign float64) {
	ru := h.used[rack]
	if ru == nil {
		ru = new([2]float64)
		h.used[rack] = ru
	}
	var room *roomSpace
	if r, ok := h.racks[rack]; ok {
		room = h.room(r.room)
	}
	for i := range u {
		ru[i] += sign * u[i]
		if room != nil {
			room.used[i] += sign * u[i]
		}
	}
}

// setDevice sets a device's state to snap (nil: it does not exist), moving its units.
func (h *spaceReplay) setDevice(id int64, snap *snapshot) {
	if old, ok := h.devices[id]; ok && old.rack != 0 {
		h.addUsed(old.rack, old.used, -1)
	}
	var m mounted
	if snap != nil && snap.RackID != nil && snap.Position != nil {
		if t := h.types[snap.DeviceTypeID]; t.height > 0 {
			m = mounted{rack: *snap.RackID, used: t.units(snap.Face)}
			h.addUsed(m.rack, m.used, 1)
		}
	}
	h.devices[id] = m
}

// setRack sets a rack's state to snap (nil: it does not exist), moving its units and what its
// devices take.
func (h *spaceReplay) setRack(id int64, snap *snapshot) {
	used := h.used[id]
	if used == nil {
		used = new([2]float64)
		h.used[id] = used
	}
	if old, ok := h.racks[id]; ok {
		r := h.room(old.room)
		r.racks--
		r.units -= old.units
		r.used[0] -= used[0]
		r.used[1] -= used[1]
		delete(h.racks, id)
	}
	if snap == nil {
		return
	}
	h.racks[id] = rackSpace{room: snap.RoomID, units: snap.UHeight}
	r := h.room(snap.RoomID)
	if r.site == 0 && snap.SiteID != 0 {
		// A rack stands in a room that exists; its room's own changes say more when replayed.
		r.site = snap.SiteID
	}
	r.racks++
	r.units += snap.UHeight
	r.used[0] += used[0]
	r.used[1] += used[1]
}

// undo takes a change back: the object returns to its state before it.
func (h *spaceReplay) undo(c *change, siteID int64) error {
	pre, err := decodeSnapshot(c.pre)
	if err != nil {
		return err
	}
	switch c.objType {
	case dcim.TypeDevice:
		if _, ok := h.devices[c.id]; !ok && c.post.Valid {
			// Untracked until now: the device is as this, its latest change, left it, and in the
			// totals read at the start as such.
			post, err := decodeSnapshot(c.post)
			if err != nil {
				return err
			}
			h.devices[c.id] = mounted{}
			if post.RackID != nil && post.Position != nil && post.SiteID == siteID {
				if t := h.types[post.DeviceTypeID]; t.height > 0 {
					h.devices[c.id] = mounted{rack: *post.RackID, used: t.units(post.Face)}
				}
			}
		}
		h.setDevice(c.id, pre)
	case dcim.TypeRack:
		h.setRack(c.id, pre)
	case dcim.TypeRoom:
		r := h.room(c.id)
		if r.name == "" {
			// The room's latest name: the one it has now, or had when deleted.
			last := pre
			if c.post.Valid {
				if last, err = decodeSnapshot(c.post); err != nil {
					return err
				}
			}
			if last != nil {
				r.name = last.Name
			}
		}
		r.site = 0
		if pre != nil {
			r.site = pre.SiteID
		}
	case dcim.TypeDeviceType:
		// Deleted since: its devices count with the size it had then.
		if _, ok := h.types[c.id]; !ok && pre != nil {
			h.types[c.id] = typeSize{height: pre.UHeight, fullDepth: pre.IsFullDepth}
		}
	}
	return nil
}

// appendDay appends the site's rooms at the replay point as day's rows.
func (h *spaceReplay) appendDay(out []RoomSpaceDay, siteID int64, day historyDay, now time.Time) []RoomSpaceDay {
	at := day.end.UTC()
	if now.Before(at) {
		at = now
	}
	start := len(out)
	for id, r := range h.rooms {
		if r.site != siteID {
			continue
		}
		out = append(out, RoomSpaceDay{Day: day.name, At: at, RoomID: id, Room: r.name, Racks: r.racks, Units: r.units,
			Used: map[string]float64{"front": r.used[0], "rear": r.used[1]}})
	}
	// Descending here: the caller reverses the whole list.
	slices.SortFunc(out[start:], func(a, b RoomSpaceDay) int { return cmp.Compare(b.RoomID, a.RoomID) })
	return out
}

// UsedDays is each room's units used day by day (the tighter face: a room is full when either is),
// by room id, in day order: the history a capacity forecast draws its line through.
func UsedDays(hist []RoomSpaceDay) (map[int64][]capacity.DayValue, error) {
	out := map[int64][]capacity.DayValue{}
	for _, h := range hist {
		day, err := time.Parse(time.DateOnly, h.Day)
		if err != nil {
			return nil, fmt.Errorf("space history: day %q: %w", h.Day, err)
		}
		out[h.RoomID] = append(out[h.RoomID], capacity.DayValue{Day: day, V: max(h.Used["front"], h.Used["rear"])})
	}
	return out, nil
}
