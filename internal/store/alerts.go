package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// SaveAlert records an alert's state: the open episode of its fingerprint is updated (or a new one
// started); a resolved alert closes its episode. The history of every episode is kept.
func (s *Store) SaveAlert(ctx context.Context, a dcim.Alert) (int64, error) {
	labels, err := json.Marshal(a.Labels)
	if err != nil {
		return 0, err
	}
	ann, err := json.Marshal(a.Annotations)
	if err != nil {
		return 0, err
	}
	var objType string
	var objID *int64
	if a.Object != nil {
		objType, objID = a.Object.Type, &a.Object.ID
	}
	var id int64
	err = s.db.QueryRowContext(ctx, "SELECT id FROM alerts WHERE fingerprint = $1 AND resolved_at IS NULL ORDER BY id DESC LIMIT 1", a.Fingerprint).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = s.db.QueryRowContext(ctx, `INSERT INTO alerts (fingerprint, rule, severity, labels, annotations, state, active_at, fired_at,
			resolved_at, last_value, flapping, object_type, object_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			a.Fingerprint, a.Name, a.Severity, string(labels), string(ann), a.State, a.Since.UTC(), utcPtr(a.FiredAt), utcPtr(a.ResolvedAt),
			a.Value, a.Flapping, objType, objID).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("save alert: %w", err)
		}
		return id, nil
	case err != nil:
		return 0, fmt.Errorf("save alert: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `UPDATE alerts SET severity = $1, labels = $2, annotations = $3, state = $4, fired_at = $5,
		resolved_at = $6, last_value = $7, flapping = $8, object_type = $9, object_id = $10 WHERE id = $11`,
		a.Severity, string(labels), string(ann), a.State, utcPtr(a.FiredAt), utcPtr(a.ResolvedAt), a.Value, a.Flapping, objType, objID, id)
	if err != nil {
		return 0, fmt.Errorf("save alert: %w", err)
	}
	return id, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// AlertFilters are the filters of an alert list.
var AlertFilters = []string{"state", "severity", "name", "object_type", "object_id", "acked"}

const alertColumns = `id, fingerprint, rule, severity, labels, annotations, state, active_at, fired_at, resolved_at, last_value,
	flapping, object_type, object_id, acked_by, acked_at, ack_comment`

func scanAlert(r interface{ Scan(...any) error }) (dcim.Alert, error) {
	var a dcim.Alert
	var labels, ann, objType, ackBy, ackComment string
	var fired, resolved, acked sql.NullTime
	var value sql.NullFloat64
	var objID sql.NullInt64
	if err := r.Scan(&a.ID, &a.Fingerprint, &a.Name, &a.Severity, &labels, &ann, &a.State, &a.Since, &fired, &resolved, &value,
		&a.Flapping, &objType, &objID, &ackBy, &acked, &ackComment); err != nil {
		return a, err
	}
	a.Since = a.Since.UTC()
	if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
		return a, fmt.Errorf("alert %d labels: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(ann), &a.Annotations); err != nil {
		return a, fmt.Errorf("alert %d annotations: %w", a.ID, err)
	}
	if fired.Valid {
		t := fired.Time.UTC()
		a.FiredAt = &t
	}
	if resolved.Valid {
		t := resolved.Time.UTC()
		a.ResolvedAt = &t
	}
	if value.Valid {
		a.Value = &value.Float64
	}
	if objType != "" && objID.Valid {
		a.Object = &dcim.ObjectRef{Type: objType, ID: objID.Int64}
	}
	if acked.Valid {
		a.Ack = &dcim.AlertAck{By: ackBy, At: acked.Time.UTC(), Comment: ackComment}
	}
	return a, nil
}

// Alerts lists alert episodes, newest first: filters state (pending, firing, resolved, or "active"
// for the first two), severity, name, object_type and object_id, acked (true/false).
func (s *Store) Alerts(ctx context.Context, lq dcim.ListQuery) (dcim.Page[dcim.Alert], error) {
	var page dcim.Page[dcim.Alert]
	if lq.Limit > dcim.MaxLimit || lq.Limit < 0 || lq.Offset < 0 {
		return page, dcim.Invalid("limit", "0 to %d, and offset ≥ 0", dcim.MaxLimit)
	}
	if lq.Q != "" || lq.Ordering != "" {
		return page, dcim.Invalid("q", "alerts are listed newest first; filter by %s", strings.Join(AlertFilters, ", "))
	}
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for k, vals := range lq.Filters {
		var ors []string
		for _, v := range vals {
			switch k {
			case "state":
				if v == "active" {
					ors = append(ors, "state IN ('pending', 'firing')")
				} else {
					ors = append(ors, "state = "+arg(v))
				}
			case "severity", "object_type":
				ors = append(ors, k+" = "+arg(v))
			case "name":
				ors = append(ors, "rule = "+arg(v))
			case "object_id":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return page, dcim.Invalid(k, "%q is not an id", v)
				}
				ors = append(ors, "object_id = "+arg(n))
			case "acked":
				b, err := strconv.ParseBool(v)
				if err != nil {
					return page, dcim.Invalid(k, "%q is not true or false", v)
				}
				if b {
					ors = append(ors, "acked_at IS NOT NULL")
				} else {
					ors = append(ors, "acked_at IS NULL")
				}
			default:
				return page, dcim.Invalid(k, "unknown filter %q; filters of alerts: %s", k, strings.Join(AlertFilters, ", "))
			}
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	scope, err := tenantScope(ctx, "alerts", &args)
	if err != nil {
		return page, err
	}
	if scope != "" {
		conds = append(conds, scope)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM alerts"+where, args...).Scan(&page.Count); err != nil {
		return page, fmt.Errorf("count alerts: %w", err)
	}
	limit := lq.Limit
	if limit == 0 {
		limit = dcim.DefaultLimit
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+alertColumns+" FROM alerts"+where+
		fmt.Sprintf(" ORDER BY active_at DESC, id DESC LIMIT %d OFFSET %d", limit, lq.Offset), args...)
	if err != nil {
		return page, fmt.Errorf("list alerts: %w", err)
	}
	defer rows.Close()
	page.Results = []dcim.Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return page, err
		}
		page.Results = append(page.Results, a)
	}
	return page, rows.Err()
}

// Alert returns one alert episode (to a tenant user, one on its own objects only).
func (s *Store) Alert(ctx context.Context, id int64) (dcim.Alert, error) {
	if ok, err := inScope(ctx, s.db, "alerts", id); err != nil || !ok {
		if err == nil {
			err = dcim.NotFound("alert", id)
		}
		return dcim.Alert{}, err
	}
	a, err := scanAlert(s.db.QueryRowContext(ctx, "SELECT "+alertColumns+" FROM alerts WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, dcim.NotFound("alert", id)
	}
	return a, err
}

// AckAlert acknowledges an alert episode as the context's actor, with why; the change log has it.
func (s *Store) AckAlert(ctx context.Context, id int64, comment string) (dcim.Alert, error) {
	if strings.TrimSpace(comment) == "" {
		return dcim.Alert{}, dcim.Invalid("comment", "say why: what is being done about it")
	}
	before, err := s.Alert(ctx, id)
	if err != nil {
		return before, err
	}
	err = s.write(ctx, func(t *tx) error {
		if _, err := t.ExecContext(ctx, "UPDATE alerts SET acked_by = $1, acked_at = $2, ack_comment = $3 WHERE id = $4",
			t.actor.Name, t.now, comment, id); err != nil {
			return err
		}
		return t.logChange(ctx, "update", "alert", id, before.Name+": acknowledged", nil, map[string]string{"comment": comment})
	})
	if err != nil {
		return before, err
	}
	return s.Alert(ctx, id)
}

// CreateSilence stores a silence as the context's actor.
func (s *Store) CreateSilence(ctx context.Context, sl dcim.Silence) (dcim.Silence, error) {
	if err := sl.Normalize(); err != nil {
		return sl, err
	}
	m, err := json.Marshal(sl.Matchers)
	if err != nil {
		return sl, err
	}
	err = s.write(ctx, func(t *tx) error {
		sl.CreatedBy, sl.Created = t.actor.Name, t.now
		if err := t.QueryRowContext(ctx, `INSERT INTO silences (matchers, starts, ends, created_by, comment, created)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, string(m), sl.Starts.UTC(), sl.Ends.UTC(), sl.CreatedBy, sl.Comment, t.now).Scan(&sl.ID); err != nil {
			return fmt.Errorf("create silence: %w", err)
		}
		return t.logChange(ctx, "create", "silence", sl.ID, sl.Comment, nil, sl)
	})
	return sl, err
}

// Silences lists the silences that have not ended by now (all when now is zero), newest first.
func (s *Store) Silences(ctx context.Context, now time.Time) ([]dcim.Silence, error) {
	q, args := "SELECT id, matchers, starts, ends, created_by, comment, created FROM silences", []any{}
	if !now.IsZero() {
		q, args = q+" WHERE ends > $1", append(args, now.UTC())
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY id DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("silences: %w", err)
	}
	defer rows.Close()
	out := []dcim.Silence{}
	for rows.Next() {
		var sl dcim.Silence
		var m string
		if err := rows.Scan(&sl.ID, &m, &sl.Starts, &sl.Ends, &sl.CreatedBy, &sl.Comment, &sl.Created); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(m), &sl.Matchers); err != nil {
			return nil, fmt.Errorf("silence %d: %w", sl.ID, err)
		}
		sl.Starts, sl.Ends, sl.Created = sl.Starts.UTC(), sl.Ends.UTC(), sl.Created.UTC()
		out = append(out, sl)
	}
	return out, rows.Err()
}

// ExpireSilence ends a silence now.
func (s *Store) ExpireSilence(ctx context.Context, id int64) error {
	return s.write(ctx, func(t *tx) error {
		res, err := t.ExecContext(ctx, "UPDATE silences SET ends = $1 WHERE id = $2 AND ends > $1", t.now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return dcim.NotFound("silence", id)
		}
		return t.logChange(ctx, "update", "silence", id, "expired", nil, nil)
	})
}

// AlertObject is the inventory object an alert's labels name: its device (site and device), else
// its power node (site and power_node), else its rack (site, room when given, and rack), else its
// room (site and room); nil when they name none.
func (s *Store) AlertObject(ctx context.Context, labels map[string]string) *dcim.ObjectRef {
	site := labels["site"]
	if site == "" {
		return nil
	}
	try := func(typ, q string, args ...any) *dcim.ObjectRef {
		var id int64
		if err := s.db.QueryRowContext(ctx, q, args...).Scan(&id); err != nil {
			return nil
		}
		return &dcim.ObjectRef{Type: typ, ID: id}
	}
	if d := labels["device"]; d != "" {
		return try(dcim.TypeDevice, "SELECT d.id FROM devices d JOIN sites s ON s.id = d.site_id WHERE s.name = $1 AND d.name = $2", site, d)
	}
	if n := labels["power_node"]; n != "" {
		return try(dcim.TypePowerNode, "SELECT n.id FROM power_nodes n JOIN sites s ON s.id = n.site_id WHERE s.name = $1 AND n.name = $2", site, n)
	}
	if r := labels["rack"]; r != "" {
		if room := labels["room"]; room != "" {
			return try(dcim.TypeRack, `SELECT r.id FROM racks r JOIN sites s ON s.id = r.site_id JOIN rooms m ON m.id = r.room_id
				WHERE s.name = $1 AND m.name = $2 AND r.name = $3`, site, room, r)
		}
		return try(dcim.TypeRack, "SELECT r.id FROM racks r JOIN sites s ON s.id = r.site_id WHERE s.name = $1 AND r.name = $2 ORDER BY r.id LIMIT 1", site, r)
	}
	if room := labels["room"]; room != "" {
		return try(dcim.TypeRoom, "SELECT m.id FROM rooms m JOIN sites s ON s.id = m.site_id WHERE s.name = $1 AND m.name = $2", site, room)
	}
	return nil
}
