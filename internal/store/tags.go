package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// setTags makes the object's tags exactly slugs, creating tags that do not exist yet.
func setTags(ctx context.Context, t *tx, objType string, id int64, slugs []string, isNew bool) error {
	if isNew && len(slugs) == 0 {
		return nil
	}
	if _, err := t.ExecContext(ctx, "DELETE FROM tagged_items WHERE object_type = $1 AND object_id = $2", objType, id); err != nil {
		return fmt.Errorf("clear tags: %w", err)
	}
	seen := map[string]bool{}
	for _, slug := range slugs {
		if seen[slug] {
			continue
		}
		seen[slug] = true
		var tagID int64
		err := t.QueryRowContext(ctx, "SELECT id FROM tags WHERE slug = $1", slug).Scan(&tagID)
		if errors.Is(err, sql.ErrNoRows) {
			tag := dcim.Tag{Name: slug, Slug: slug}
			if err := tagTable.insert(ctx, t, &tag); err != nil {
				return err
			}
			if err := t.logChange(ctx, "create", dcim.TypeTag, tag.ID, tag.Name, nil, &tag); err != nil {
				return err
			}
			tagID = tag.ID
		} else if err != nil {
			return fmt.Errorf("find tag %q: %w", slug, err)
		}
		if _, err := t.ExecContext(ctx, "INSERT INTO tagged_items (object_type, object_id, tag_id) VALUES ($1, $2, $3)", objType, id, tagID); err != nil {
			return fmt.Errorf("tag %s %d: %w", objType, id, err)
		}
	}
	return nil
}

// loadTags fills the tags of a page of objects with one query.
func loadTags[T any](ctx context.Context, q querier, tb *table[T], objs []T) error {
	if tb.tags == nil || len(objs) == 0 {
		return nil
	}
	index := make(map[int64]int, len(objs))
	args := []any{tb.objType}
	ph := make([]string, 0, len(objs))
	for i := range objs {
		id := tb.meta(&objs[i]).ID
		index[id] = i
		*tb.tags(&objs[i]) = []string{}
		args = append(args, id)
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := q.QueryContext(ctx, "SELECT ti.object_id, tg.slug FROM tagged_items ti JOIN tags tg ON tg.id = ti.tag_id WHERE ti.object_type = $1 AND ti.object_id IN ("+
		strings.Join(ph, ", ")+")", args...)
	if err != nil {
		return fmt.Errorf("load tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var slug string
		if err := rows.Scan(&id, &slug); err != nil {
			return err
		}
		if i, ok := index[id]; ok {
			p := tb.tags(&objs[i])
			*p = append(*p, slug)
		}
	}
	for i := range objs {
		slices.Sort(*tb.tags(&objs[i]))
	}
	return rows.Err()
}
