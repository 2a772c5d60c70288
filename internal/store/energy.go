package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Energy roll-ups: each meter's energy per hour, kept in SQL so that a year of reports reads
// 8,760 rows a meter instead of the raw samples.

// LastMeterHour is the newest hour rolled up for meter id that some reading covered (energy
// attributed, or time covered): the hours after it are gaps the next round may fill. ok is false
// when there is none.
func (s *Store) LastMeterHour(ctx context.Context, id int64) (hour time.Time, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT hour FROM meter_hours WHERE meter_id = $1 AND (gap_ms < 3600000 OR value <> 0 OR estimated)
		ORDER BY hour DESC LIMIT 1`, id).Scan(&hour)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("last hour of meter %d: %w", id, err)
	}
	return hour.UTC(), true, nil
}

// SaveMeterHours writes hours of one meter, replacing what it had for the same hours.
func (s *Store) SaveMeterHours(ctx context.Context, id int64, hours []dcim.MeterHour) error {
	if len(hours) == 0 {
		return nil
	}
	first, last := hours[0].Hour, hours[0].Hour
	for _, h := range hours {
		first, last = minTime(first, h.Hour), maxTime(last, h.Hour)
	}
	return s.write(ctx, func(t *tx) error {
		if _, err := t.ExecContext(ctx, "DELETE FROM meter_hours WHERE meter_id = $1 AND hour >= $2 AND hour <= $3", id, first.UTC(), last.UTC()); err != nil {
			return fmt.Errorf("meter %d hours: %w", id, err)
		}
		const batch = 200 // rows per INSERT, 6 parameters each
		for lo := 0; lo < len(hours); lo += batch {
			part := hours[lo:min(lo+batch, len(hours))]
			var sb strings.Builder
			args := make([]any, 0, 6*len(part))
			sb.WriteString("INSERT INTO meter_hours (meter_id, hour, value, estimated, gap_ms, resets) VALUES ")
			for i, h := range part {
				if i > 0 {
					sb.WriteString(", ")
				}
				n := len(args)
				fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6)
				args = append(args, id, h.Hour.UTC(), h.Value, h.Estimated, h.GapMS, h.Resets)
			}
			if _, err := t.ExecContext(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("meter %d hours: %w", id, err)
			}
		}
		return sumDays(ctx, t, id, first.UTC().Truncate(24*time.Hour), last.UTC().Truncate(24*time.Hour).Add(24*time.Hour))
	})
}

// sumDays sums meter id's hours into its days from from to to (UTC midnights).
func sumDays(ctx context.Context, t *tx, id int64, from, to time.Time) error {
	rows, err := t.QueryContext(ctx, `SELECT hour, value, estimated, gap_ms, resets FROM meter_hours
		WHERE meter_id = $1 AND hour >= $2 AND hour < $3 ORDER BY hour`, id, from, to)
	if err != nil {
		return fmt.Errorf("meter %d days: %w", id, err)
	}
	type daySum struct {
		day time.Time
		dcim.MeterTotal
	}
	var days []daySum
	for rows.Next() {
		var h time.Time
		var v float64
		var est bool
		var gap int64
		var resets int
		if err := rows.Scan(&h, &v, &est, &gap, &resets); err != nil {
			rows.Close()
			return err
		}
		d := h.UTC().Truncate(24 * time.Hour)
		if len(days) == 0 || !days[len(days)-1].day.Equal(d) {
			days = append(days, daySum{day: d})
		}
		s := &days[len(days)-1]
		s.Value += v
		if est {
			s.Estimated += v
		}
		s.Hours++
		s.GapMS += gap
		s.Resets += resets
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, "DELETE FROM meter_days WHERE meter_id = $1 AND day >= $2 AND day < $3", id, from, to); err != nil {
		return fmt.Errorf("meter %d days: %w", id, err)
	}
	for _, d := range days {
		if _, err := t.ExecContext(ctx, `INSERT INTO meter_days (meter_id, day, value, estimated, hours, gap_ms, resets)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, d.day, d.Value, d.Estimated, d.Hours, d.GapMS, d.Resets); err != nil {
			return fmt.Errorf("meter %d days: %w", id, err)
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// MeterEvents are the manual readings and swaps of meter id from the last one before from up to
// the first one after to, in time order: what the roll-up of [from, to) needs.
func (s *Store) MeterEvents(ctx context.Context, id int64, from, to time.Time) ([]dcim.MeterReading, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, kind, value, old_value FROM meter_readings WHERE meter_id = $1 AND
		at >= COALESCE((SELECT at FROM meter_readings WHERE meter_id = $1 AND at < $2 ORDER BY at DESC LIMIT 1), $2) AND
		at <= COALESCE((SELECT at FROM meter_readings WHERE meter_id = $1 AND at > $3 ORDER BY at LIMIT 1), $3)
		ORDER BY at`, id, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("readings of meter %d: %w", id, err)
	}
	defer rows.Close()
	var out []dcim.MeterReading
	for rows.Next() {
		r := dcim.MeterReading{MeterID: id}
		if err := rows.Scan(&r.ID, &r.At, &r.Kind, &r.Value, &r.OldValue); err != nil {
			return nil, err
		}
		r.At = r.At.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// MeterTotals sums the rolled-up energy of every meter of site in [from, to) (hour aligned), by
// meter id: the whole UTC days from their sums, the hours at the ends from the hours.
func (s *Store) MeterTotals(ctx context.Context, siteID int64, from, to time.Time) (map[int64]dcim.MeterTotal, error) {
	from, to = from.UTC(), to.UTC()
	out := map[int64]dcim.MeterTotal{}
	firstDay := from.Truncate(24 * time.Hour)
	if firstDay.Before(from) {
		firstDay = firstDay.Add(24 * time.Hour)
	}
	lastDay := to.Truncate(24 * time.Hour)
	hourSpans := [][2]time.Time{{from, to}}
	if firstDay.Before(lastDay) {
		hourSpans = [][2]time.Time{{from, firstDay}, {lastDay, to}}
		if err := s.addTotals(ctx, out, `SELECT d.meter_id, SUM(d.value), SUM(d.estimated), SUM(d.hours), SUM(d.gap_ms), SUM(d.resets)
			FROM meter_days d JOIN meters m ON m.id = d.meter_id WHERE m.site_id = $1 AND d.day >= $2 AND d.day < $3 GROUP BY d.meter_id`,
			siteID, firstDay, lastDay); err != nil {
			return nil, err
		}
	}
	for _, sp := range hourSpans {
		if !sp[0].Before(sp[1]) {
			continue
		}
		if err := s.addTotals(ctx, out, `SELECT h.meter_id, SUM(h.value), SUM(CASE WHEN h.estimated THEN h.value ELSE 0 END), COUNT(*),
			SUM(h.gap_ms), SUM(h.resets) FROM meter_hours h JOIN meters m ON m.id = h.meter_id
			WHERE m.site_id = $1 AND h.hour >= $2 AND h.hour < $3 GROUP BY h.meter_id`, siteID, sp[0], sp[1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// addTotals adds the per-meter sums query returns to out.
func (s *Store) addTotals(ctx context.Context, out map[int64]dcim.MeterTotal, query string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("meter totals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t dcim.MeterTotal
		if err := rows.Scan(&id, &t.Value, &t.Estimated, &t.Hours, &t.GapMS, &t.Resets); err != nil {
			return err
		}
		o := out[id]
		o.Value += t.Value
		o.Estimated += t.Estimated
		o.Hours += t.Hours
		o.GapMS += t.GapMS
		o.Resets += t.Resets
		out[id] = o
	}
	return rows.Err()
}

// SiteMeters lists the meters of a site (all sites when siteID is 0).
func (s *Store) SiteMeters(ctx context.Context, siteID int64) ([]dcim.Meter, error) {
	q := dcim.ListQuery{Limit: dcim.MaxLimit, Filters: map[string][]string{}, Ordering: "id"}
	if siteID != 0 {
		q.Filters["site_id"] = []string{fmt.Sprint(siteID)}
	}
	var out []dcim.Meter
	for {
		page, err := s.Meters().List(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Results...)
		if len(page.Results) < q.Limit {
			return out, nil
		}
		q.Offset += q.Limit
	}
}

// MeterHours gives the rolled-up hours of meter id in [from, to), in time order.
func (s *Store) MeterHours(ctx context.Context, id int64, from, to time.Time) ([]dcim.MeterHour, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT hour, value, estimated, gap_ms, resets FROM meter_hours
		WHERE meter_id = $1 AND hour >= $2 AND hour < $3 ORDER BY hour`, id, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("hours of meter %d: %w", id, err)
	}
	defer rows.Close()
	var out []dcim.MeterHour
	for rows.Next() {
		h := dcim.MeterHour{MeterID: id}
		if err := rows.Scan(&h.Hour, &h.Value, &h.Estimated, &h.GapMS, &h.Resets); err != nil {
			return nil, err
		}
		h.Hour = h.Hour.UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}

// ActiveNodes lists the ids of the active power nodes of the given kinds at site (in room, when
// not nil), by kind.
func (s *Store) ActiveNodes(ctx context.Context, siteID int64, room *int64, kinds ...string) (map[string][]int64, error) {
	in, args := inList(2, kinds)
	q := "SELECT id, kind FROM power_nodes WHERE site_id = $1 AND status = 'active' AND ($2 = 0 OR room_id = $2) AND kind IN " + in
	var r int64
	if room != nil {
		r = *room
	}
	rows, err := s.db.QueryContext(ctx, q, append([]any{siteID, r}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("active nodes: %w", err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return nil, err
		}
		out[kind] = append(out[kind], id)
	}
	return out, rows.Err()
}

// Certificates lists the certificates of site whose period overlaps [from, to).
func (s *Store) Certificates(ctx context.Context, siteID int64, from, to time.Time) ([]dcim.EnergyCertificate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, period_start, period_end, kwh, retired, reference FROM energy_certificates
		WHERE site_id = $1 AND period_start < $3 AND period_end > $2 ORDER BY period_start, id`, siteID, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	defer rows.Close()
	var out []dcim.EnergyCertificate
	for rows.Next() {
		c := dcim.EnergyCertificate{SiteID: siteID}
		if err := rows.Scan(&c.ID, &c.Kind, &c.PeriodStart, &c.PeriodEnd, &c.KWh, &c.Retired, &c.Reference); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
