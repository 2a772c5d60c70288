package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// logChange writes a change-log row in the write's own transaction: who, when, which object, and the
// object before and after (nil on create and delete respectively).
// The rows are buffered and written changeBatch at a time, and the rest before the commit: a bulk
// write of thousands of objects then costs a few statements for its log, not one per object.
func (t *tx) logChange(ctx context.Context, action, objType string, id int64, repr string, before, after any) error {
	pre, err := jsonOrNull(before)
	if err != nil {
		return err
	}
	post, err := jsonOrNull(after)
	if err != nil {
		return err
	}
	t.changes = append(t.changes, []any{t.now, t.actor.Name, t.actor.RequestID, action, objType, id, repr, pre, post})
	if len(t.changes) >= changeBatch {
		return t.flushChanges(ctx)
	}
	return nil
}

// changeBatch is the most change rows one INSERT writes.
const changeBatch = 100

// flushChanges writes the buffered change rows.
func (t *tx) flushChanges(ctx context.Context) error {
	if len(t.changes) == 0 {
		return nil
	}
	values, args := t.s.dialect.valuesList(t.changes)
	q := "INSERT INTO changes (time, actor, request_id, action, object_type, object_id, object_repr, pre_change, post_change) VALUES " + values
	t.changes = t.changes[:0]
	if _, err := t.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	return nil
}

func jsonOrNull(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode change: %w", err)
	}
	s := string(b)
	return &s, nil
}

// ChangeFilters are the filters /changes accepts.
var ChangeFilters = []string{"action", "actor", "object_id", "object_type", "request_id", "since", "until"}

// Changes lists the change log, newest first.
func (s *Store) Changes(ctx context.Context, lq dcim.ListQuery) (dcim.Page[dcim.Change], error) {
	var (
		conds []string
		args  []any
		page  dcim.Page[dcim.Change]
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if err := dcim.CheckQueryText(lq); err != nil {
		return page, err
	}
	if lq.Q != "" {
		return page, dcim.Invalid("q", "the change log has no text search; filter by %s", strings.Join(ChangeFilters, ", "))
	}
	if lq.Ordering != "" {
		return page, dcim.Invalid("ordering", "the change log is always newest first")
	}
	for k, vals := range lq.Filters {
		var ors []string
		for _, v := range vals {
			switch k {
			case "action", "actor", "object_type", "request_id":
				ors = append(ors, k+" = "+arg(v))
			case "object_id":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return page, dcim.Invalid(k, "%q is not an integer id", v)
				}
				ors = append(ors, "object_id = "+arg(n))
			case "since", "until":
				ts, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return page, dcim.Invalid(k, "%q is not an RFC 3339 time", v)
				}
				op := ">="
				if k == "until" {
					op = "<"
				}
				ors = append(ors, "time "+op+" "+arg(ts.UTC()))
			default:
				return page, dcim.Invalid(k, "unknown filter %q; filters of changes: %s", k, strings.Join(ChangeFilters, ", "))
			}
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM changes"+where, args...).Scan(&page.Count); err != nil {
		return page, fmt.Errorf("count changes: %w", err)
	}
	limit := lq.Limit
	if limit <= 0 {
		limit = dcim.DefaultLimit
	}
	if limit > dcim.MaxLimit {
		return page, dcim.Invalid("limit", "at most %d", dcim.MaxLimit)
	}
	args = append(args, limit, lq.Offset)
	rows, err := s.db.QueryContext(ctx, `SELECT id, time, actor, request_id, action, object_type, object_id, object_repr, pre_change, post_change
		FROM changes`+where+fmt.Sprintf(" ORDER BY id DESC LIMIT $%d OFFSET $%d", len(args)-1, len(args)), args...)
	if err != nil {
		return page, fmt.Errorf("list changes: %w", err)
	}
	defer rows.Close()
	page.Results = []dcim.Change{}
	for rows.Next() {
		var c dcim.Change
		var pre, post sql.NullString
		if err := rows.Scan(&c.ID, &c.Time, &c.Actor, &c.RequestID, &c.Action, &c.ObjectType, &c.ObjectID, &c.ObjectRepr, &pre, &post); err != nil {
			return page, fmt.Errorf("scan change: %w", err)
		}
		c.Time = c.Time.UTC()
		if pre.Valid {
			c.PreChange = json.RawMessage(pre.String)
		}
		if post.Valid {
			c.PostChange = json.RawMessage(post.String)
		}
		page.Results = append(page.Results, c)
	}
	return page, rows.Err()
}
