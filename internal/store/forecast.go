package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/plenum-dcim/plenum/internal/capacity"
)

// itRoles are the meter roles that measure IT energy, in the order a room's power is read from:
// the floor PDUs' outputs (all of the room's IT load), else the IT inputs (rack PDUs), else the
// UPS outputs of the room. One role only: they measure the same energy at different points.
var itRoles = []string{"pdu-output", "it-input", "ups-output"}

// RoomITPeaks gives each room of a site its IT power's daily peak over [from, to): the highest hour
// of the day (UTC) of the summed rolled-up energy of the room's IT meters of one role (see itRoles;
// kWh in an hour is the hour's mean kW), by room id, in day order. Rooms with no IT meter of their
// own are absent; hours with no roll-up count for nothing, so a day is only as complete as its
// meters.
func (s *Store) RoomITPeaks(ctx context.Context, siteID int64, from, to time.Time) (map[int64][]capacity.DayValue, error) {
	in, args := inList(3, itRoles)
	rows, err := s.db.QueryContext(ctx, `SELECT m.room_id, m.role, mh.hour, SUM(mh.value) FROM meter_hours mh JOIN meters m ON m.id = mh.meter_id
		WHERE m.site_id = $1 AND m.room_id IS NOT NULL AND mh.hour >= $2 AND mh.hour < $3 AND m.role IN `+in+`
		GROUP BY m.room_id, m.role, mh.hour ORDER BY m.room_id, m.role, mh.hour`, append([]any{siteID, from.UTC(), to.UTC()}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("room IT peaks: %w", err)
	}
	defer rows.Close()
	type key struct {
		room int64
		role string
	}
	byRole := map[key][]capacity.DayValue{}
	for rows.Next() {
		var k key
		var hour time.Time
		var kwh float64
		if err := rows.Scan(&k.room, &k.role, &hour, &kwh); err != nil {
			return nil, err
		}
		day := hour.UTC().Truncate(24 * time.Hour)
		ds := byRole[k]
		if n := len(ds); n > 0 && ds[n-1].Day.Equal(day) {
			ds[n-1].V = max(ds[n-1].V, kwh)
		} else {
			byRole[k] = append(ds, capacity.DayValue{Day: day, V: kwh})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[int64][]capacity.DayValue{}
	for _, role := range itRoles { // the preferred role first
		for k, ds := range byRole {
			if _, done := out[k.room]; done || k.role != role {
				continue
			}
			slices.SortFunc(ds, func(a, b capacity.DayValue) int { return a.Day.Compare(b.Day) })
			out[k.room] = ds
		}
	}
	return out, nil
}
