package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// column maps one SQL column to a field of T. The accessor returns a pointer to the field: it serves
// as the scan destination, and as the argument too, since database/sql dereferences pointers.
type column[T any] struct {
	name  string
	field func(*T) any
}

// filter is one query parameter of a list: it compares a column to the parameter's values (any of
// them matches).
type filter struct {
	column string
	kind   filterKind
}

type filterKind int

const (
	filterInt filterKind = iota
	filterString
	filterBool
	filterNull    // "true" → column IS NULL, "false" → IS NOT NULL
	filterNotNull // "true" → column IS NOT NULL, "false" → IS NULL
)

// unique is a set of columns whose values no two objects may share, reported on field.
type unique struct {
	field   string
	columns []string
}

// ref is a reference from a field to another table: the referenced object must exist.
type ref struct {
	field, column, table, objType string
}

// dependent is a table whose rows point at an object of this table and would be orphaned by its delete.
type dependent struct {
	table, column, objType, nameExpr, idExpr string
}

// table describes how one model type is stored, filtered, checked and logged.
type table[T any] struct {
	name    string // SQL table
	objType string // change-log and error name
	// nameColumn names an object in errors about it (default "name").
	nameColumn string
	columns    []column[T]
	meta       func(*T) *dcim.Meta
	tags       func(*T) *[]string // nil when the type has no tags
	repr       func(*T) string
	// normalize checks the object on its own (dcim rules without I/O).
	normalize func(*T) error
	filters   map[string]filter
	search    []string // columns that q searches
	orderings []string // columns a list may be ordered by
	uniques   []unique
	refs      []ref
	deps      []dependent
	// check runs inside the write transaction after the generic checks: the rules that need other
	// objects (placement, weight). old is nil on create.
	check func(ctx context.Context, t *tx, old, cur *T) error
	// after runs after the row is written, in the same transaction (components, templates).
	after func(ctx context.Context, t *tx, old, cur *T) error
	// deleted runs after the row is deleted, in the same transaction.
	deleted func(ctx context.Context, t *tx, old *T) error
	// readOnly tables are written by the store itself, never through create/update/delete; updatable
	// ones among them (components of a device) may still be changed.
	readOnly, updatable bool
}

func (tb *table[T]) columnNames() []string {
	names := make([]string, len(tb.columns))
	for i, c := range tb.columns {
		names[i] = c.name
	}
	return names
}

func (tb *table[T]) selectSQL() string {
	return "SELECT id, created, last_updated, " + strings.Join(tb.columnNames(), ", ") + " FROM " + tb.name
}

func (tb *table[T]) scanDest(v *T) []any {
	m := tb.meta(v)
	dest := make([]any, 0, len(tb.columns)+3)
	dest = append(dest, &m.ID, &m.Created, &m.LastUpdated)
	for _, c := range tb.columns {
		dest = append(dest, c.field(v))
	}
	return dest
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (tb *table[T]) scanAll(rows *sql.Rows) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(tb.scanDest(&v)...); err != nil {
			return nil, fmt.Errorf("scan %s: %w", tb.name, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// get reads one object by id with its tags; lock takes a row lock when called inside a write
// transaction.
func (tb *table[T]) get(ctx context.Context, q querier, d dialect, id int64, lock bool) (*T, error) {
	v, err := tb.peek(ctx, q, d, id, lock)
	if err != nil {
		return nil, err
	}
	objs := []T{*v}
	if err := loadTags(ctx, q, tb, objs); err != nil {
		return nil, err
	}
	return &objs[0], nil
}

// peek reads one object by id without its tags, for the checks of a write.
func (tb *table[T]) peek(ctx context.Context, q querier, d dialect, id int64, lock bool) (*T, error) {
	query := tb.selectSQL() + " WHERE id = $1"
	if lock {
		query += d.lock()
	}
	rows, err := q.QueryContext(ctx, query, id)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", tb.objType, err)
	}
	all, err := tb.scanAll(rows)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, dcim.NotFound(tb.objType, id)
	}
	return &all[0], nil
}

// where builds the WHERE clause of a list from its filters; args continue from $1.
func (tb *table[T]) where(lq dcim.ListQuery, args *[]any) (string, error) {
	if err := dcim.CheckQueryText(lq); err != nil {
		return "", err
	}
	var conds []string
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	keys := make([]string, 0, len(lq.Filters))
	for k := range lq.Filters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vals := lq.Filters[k]
		if k == "tag" {
			for _, v := range vals {
				conds = append(conds, "EXISTS (SELECT 1 FROM tagged_items ti JOIN tags tg ON tg.id = ti.tag_id WHERE ti.object_type = "+
					arg(tb.objType)+" AND ti.object_id = "+tb.name+".id AND tg.slug = "+arg(v)+")")
			}
			continue
		}
		f, ok := tb.filters[k]
		if !ok {
			return "", dcim.Invalid(k, "unknown filter %q; filters of %s: %s", k, tb.name, strings.Join(tb.filterNames(), ", "))
		}
		var ors []string
		for _, v := range vals {
			switch f.kind {
			case filterInt:
				if v == "null" {
					ors = append(ors, f.column+" IS NULL")
					continue
				}
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return "", dcim.Invalid(k, "%q is not an integer id", v)
				}
				ors = append(ors, f.column+" = "+arg(n))
			case filterBool:
				b, err := strconv.ParseBool(v)
				if err != nil {
					return "", dcim.Invalid(k, "%q is not true or false", v)
				}
				ors = append(ors, f.column+" = "+arg(b))
			case filterNull, filterNotNull:
				b, err := strconv.ParseBool(v)
				if err != nil {
					return "", dcim.Invalid(k, "%q is not true or false", v)
				}
				if b == (f.kind == filterNull) {
					ors = append(ors, f.column+" IS NULL")
				} else {
					ors = append(ors, f.column+" IS NOT NULL")
				}
			default:
				ors = append(ors, f.column+" = "+arg(v))
			}
		}
		if len(ors) > 0 {
			conds = append(conds, "("+strings.Join(ors, " OR ")+")")
		}
	}
	if q := strings.TrimSpace(lq.Q); q != "" && len(tb.search) > 0 {
		p := arg("%" + strings.ToLower(likeEscape(q)) + "%")
		var ors []string
		for _, c := range tb.search {
			ors = append(ors, "LOWER("+c+") LIKE "+p+" ESCAPE '\\'")
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (tb *table[T]) filterNames() []string {
	names := []string{"tag"}
	for k := range tb.filters {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func (tb *table[T]) orderBy(ordering string) (string, error) {
	if ordering == "" {
		return " ORDER BY id", nil
	}
	var parts []string
	for _, o := range strings.Split(ordering, ",") {
		desc := strings.HasPrefix(o, "-")
		c := strings.TrimPrefix(o, "-")
		if c != "id" && !slices.Contains(tb.orderings, c) {
			return "", dcim.Invalid("ordering", "cannot order %s by %q; allowed: id, %s", tb.name, c, strings.Join(tb.orderings, ", "))
		}
		if desc {
			c += " DESC"
		}
		parts = append(parts, c)
	}
	return " ORDER BY " + strings.Join(parts, ", ") + ", id", nil
}

func (tb *table[T]) list(ctx context.Context, q querier, lq dcim.ListQuery) (dcim.Page[T], error) {
	var args []any
	where, err := tb.where(lq, &args)
	if err != nil {
		return dcim.Page[T]{}, err
	}
	scope, err := tenantScope(ctx, tb.name, &args)
	if err != nil {
		return dcim.Page[T]{}, err
	}
	if scope != "" && where == "" {
		where = " WHERE " + scope
	} else if scope != "" {
		where += " AND " + scope
	}
	order, err := tb.orderBy(lq.Ordering)
	if err != nil {
		return dcim.Page[T]{}, err
	}
	var page dcim.Page[T]
	// The count runs beside the page: on PostgreSQL counting 300,000 rows costs as much as the page.
	countArgs := slices.Clone(args)
	counted := make(chan error, 1)
	go func() {
		err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tb.name+where, countArgs...).Scan(&page.Count)
		if err != nil {
			err = fmt.Errorf("count %s: %w", tb.name, err)
		}
		counted <- err
	}()
	limit := lq.Limit
	if limit <= 0 {
		limit = dcim.DefaultLimit
	}
	args = append(args, limit, lq.Offset)
	// A deferred join: the offset is walked over ids alone (PostgreSQL reads the narrow primary-key
	// index instead of whole rows), then only the page's rows are read.
	rows, err := q.QueryContext(ctx, tb.selectSQL()+" WHERE id IN (SELECT id FROM "+tb.name+where+order+
		fmt.Sprintf(" LIMIT $%d OFFSET $%d)", len(args)-1, len(args))+order, args...)
	if err != nil {
		<-counted
		return page, fmt.Errorf("list %s: %w", tb.name, err)
	}
	page.Results, err = tb.scanAll(rows)
	if cerr := <-counted; err == nil {
		err = cerr
	}
	if err != nil {
		return page, err
	}
	if page.Results == nil {
		page.Results = []T{}
	}
	return page, loadTags(ctx, q, tb, page.Results)
}

// checkGeneric runs the checks every table declares: references exist, unique values are free.
func (tb *table[T]) checkGeneric(ctx context.Context, t *tx, v *T) error {
	id := tb.meta(v).ID
	vals := map[string]any{}
	for _, c := range tb.columns {
		vals[c.name] = deref(c.field(v))
	}
	for _, r := range tb.refs {
		fk := vals[r.column]
		if fk == nil {
			continue
		}
		key := fmt.Sprint(r.table, "/", fk)
		if t.seen[key] {
			continue
		}
		// To a tenant user, another tenant's object does not exist.
		args := []any{fk}
		scope, err := tenantScope(ctx, r.table, &args)
		if dcim.ErrorCode(err) == dcim.EForbidden {
			return dcim.Invalid(r.field, "%s %v does not exist", r.objType, fk)
		} else if err != nil {
			return err
		}
		if scope != "" {
			scope = " AND " + scope
		}
		var one int
		err = t.QueryRowContext(ctx, "SELECT 1 FROM "+r.table+" WHERE id = $1"+scope, args...).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return dcim.Invalid(r.field, "%s %v does not exist", r.objType, fk)
		}
		if err != nil {
			return fmt.Errorf("check %s: %w", r.field, err)
		}
		if t.seen == nil {
			t.seen = map[string]bool{}
		}
		t.seen[key] = true
	}
	for _, u := range tb.uniques {
		var conds []string
		args := []any{id}
		skip := false
		for _, c := range u.columns {
			val := vals[c]
			if val == nil {
				skip = true // NULLs never collide
				break
			}
			args = append(args, val)
			conds = append(conds, c+" = $"+strconv.Itoa(len(args)))
		}
		if skip {
			continue
		}
		var otherID int64
		var otherName string
		nameCol := "name"
		if tb.nameColumn != "" {
			nameCol = tb.nameColumn
		}
		err := t.QueryRowContext(ctx, "SELECT id, "+nameCol+" FROM "+tb.name+" WHERE id <> $1 AND "+strings.Join(conds, " AND "), args...).Scan(&otherID, &otherName)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check unique %s: %w", u.field, err)
		}
		return dcim.Conflict(u.field, dcim.ObjectRef{Type: tb.objType, ID: otherID, Name: otherName},
			"%v is already used by %s %d (%q)", vals[u.columns[len(u.columns)-1]], tb.objType, otherID, otherName)
	}
	return nil
}

// deref returns the value a field accessor points at, nil for a nil pointer field.
func deref(p any) any {
	if v, ok := p.(driver.Valuer); ok {
		val, _ := v.Value()
		return val
	}
	switch x := p.(type) {
	case *string:
		return *x
	case *int:
		return *x
	case *int64:
		return *x
	case *float64:
		return *x
	case *bool:
		return *x
	case **int64:
		if *x == nil {
			return nil
		}
		return **x
	case **string:
		if *x == nil {
			return nil
		}
		return **x
	case **float64:
		if *x == nil {
			return nil
		}
		return **x
	case **int:
		if *x == nil {
			return nil
		}
		return **x
	}
	return p
}

func (tb *table[T]) insert(ctx context.Context, t *tx, v *T) error {
	m := tb.meta(v)
	m.Created, m.LastUpdated = t.now, t.now
	cols := tb.columnNames()
	args := []any{m.Created, m.LastUpdated}
	ph := []string{"$1", "$2"}
	for _, c := range tb.columns {
		args = append(args, c.field(v))
		ph = append(ph, "$"+strconv.Itoa(len(args)))
	}
	var id int64
	err := t.QueryRowContext(ctx, "INSERT INTO "+tb.name+" (created, last_updated, "+strings.Join(cols, ", ")+") VALUES ("+
		strings.Join(ph, ", ")+") RETURNING id", args...).Scan(&id)
	if err != nil {
		return fmt.Errorf("insert %s: %w", tb.objType, err)
	}
	m.ID = id
	return nil
}

func (tb *table[T]) update(ctx context.Context, t *tx, v *T) error {
	m := tb.meta(v)
	m.LastUpdated = t.now
	args := []any{m.ID, m.LastUpdated}
	sets := []string{"last_updated = $2"}
	for _, c := range tb.columns {
		args = append(args, c.field(v))
		sets = append(sets, c.name+" = $"+strconv.Itoa(len(args)))
	}
	if _, err := t.ExecContext(ctx, "UPDATE "+tb.name+" SET "+strings.Join(sets, ", ")+" WHERE id = $1", args...); err != nil {
		return fmt.Errorf("update %s %d: %w", tb.objType, m.ID, err)
	}
	return nil
}

// dependents lists up to limit objects per dependent table that point at id.
func (tb *table[T]) dependents(ctx context.Context, t *tx, id int64) ([]dcim.ObjectRef, error) {
	const limit = 20
	var out []dcim.ObjectRef
	for _, d := range tb.deps {
		idExpr := d.idExpr
		if idExpr == "" {
			idExpr = "id"
		}
		rows, err := t.QueryContext(ctx, fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s = $1 ORDER BY 1 LIMIT %d", idExpr, d.nameExpr, d.table, d.column, limit), id)
		if err != nil {
			return nil, fmt.Errorf("dependents of %s %d: %w", tb.objType, id, err)
		}
		for rows.Next() {
			var r dcim.ObjectRef
			if err := rows.Scan(&r.ID, &r.Name); err != nil {
				rows.Close()
				return nil, err
			}
			r.Type = d.objType
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// jsonColumn stores a Go value as JSON text in a column.
type jsonColumn struct{ v any }

func (j *jsonColumn) Value() (driver.Value, error) {
	b, err := json.Marshal(j.v)
	return string(b), err
}

func (j *jsonColumn) Scan(src any) error {
	var b []byte
	switch x := src.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	case nil:
		return nil
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	return json.Unmarshal(b, j.v)
}
