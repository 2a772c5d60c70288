package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Resource is the set of operations on one model type, each write one transaction.
type Resource[T any] struct {
	s  *Store
	tb *table[T]
}

// ObjectType names the model type ("site", "rack", …).
func (r Resource[T]) ObjectType() string { return r.tb.objType }

// Filters lists the filter names a list accepts besides limit, offset, q and ordering.
func (r Resource[T]) Filters() []string { return r.tb.filterNames() }

// ReadOnly reports whether the type is written by Plenum itself only.
func (r Resource[T]) ReadOnly() bool { return r.tb.readOnly }

// Updatable reports whether objects of a read-only type may still be changed.
func (r Resource[T]) Updatable() bool { return !r.tb.readOnly || r.tb.updatable }

// List returns one page of the objects matching lq.
func (r Resource[T]) List(ctx context.Context, lq dcim.ListQuery) (dcim.Page[T], error) {
	if lq.Limit > dcim.MaxLimit {
		return dcim.Page[T]{}, dcim.Invalid("limit", "at most %d", dcim.MaxLimit)
	}
	if lq.Limit < 0 || lq.Offset < 0 {
		return dcim.Page[T]{}, dcim.Invalid("limit", "limit and offset must be ≥ 0")
	}
	return r.tb.list(ctx, r.s.db, lq)
}

// Get returns one object.
func (r Resource[T]) Get(ctx context.Context, id int64) (T, error) {
	var zero T
	if err := r.tb.visible(ctx, r.s.db, id); err != nil {
		return zero, err
	}
	v, err := r.tb.get(ctx, r.s.db, r.s.dialect, id, false)
	if err != nil {
		return zero, err
	}
	return *v, nil
}

// Create checks and stores a new object.
func (r Resource[T]) Create(ctx context.Context, v T) (T, error) {
	out, err := r.BulkCreate(ctx, []T{v})
	if err != nil {
		var zero T
		return zero, unprefix(err)
	}
	return out[0], nil
}

// Update replaces the writable fields of object id with those of v.
func (r Resource[T]) Update(ctx context.Context, id int64, v T) (T, error) {
	r.tb.meta(&v).ID = id
	var out T
	err := r.s.write(ctx, func(t *tx) error {
		res, err := r.updateTx(ctx, t, v)
		out = res
		return err
	})
	return out, err
}

// Patch applies a JSON merge patch (RFC 7386) to object id: keys present replace, null clears.
func (r Resource[T]) Patch(ctx context.Context, id int64, patch map[string]json.RawMessage) (T, error) {
	var out T
	err := r.s.write(ctx, func(t *tx) error {
		res, err := r.patchTx(ctx, t, id, patch)
		out = res
		return err
	})
	return out, err
}

// Delete removes object id, refusing when other objects depend on it.
func (r Resource[T]) Delete(ctx context.Context, id int64) error {
	return unprefix(r.BulkDelete(ctx, []int64{id}))
}

// BulkCreate creates all objects in one transaction, or none.
func (r Resource[T]) BulkCreate(ctx context.Context, vs []T) ([]T, error) {
	if err := r.writable(false); err != nil {
		return nil, err
	}
	out := make([]T, len(vs))
	err := r.s.write(ctx, func(t *tx) error {
		for i, v := range vs {
			res, err := r.createTx(ctx, t, v)
			if err != nil {
				return dcim.Prefix(err, fmt.Sprintf("[%d]", i))
			}
			out[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BulkPatch applies merge patches, each naming its object by "id", in one transaction, or none.
func (r Resource[T]) BulkPatch(ctx context.Context, patches []map[string]json.RawMessage) ([]T, error) {
	if err := r.writable(true); err != nil {
		return nil, err
	}
	out := make([]T, len(patches))
	err := r.s.write(ctx, func(t *tx) error {
		for i, p := range patches {
			var id int64
			if err := json.Unmarshal(p["id"], &id); err != nil || id <= 0 {
				return dcim.Invalid(fmt.Sprintf("[%d].id", i), "each item needs the id of the object to change")
			}
			res, err := r.patchTx(ctx, t, id, p)
			if err != nil {
				return dcim.Prefix(err, fmt.Sprintf("[%d]", i))
			}
			out[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BulkDelete deletes all objects in one transaction, or none.
func (r Resource[T]) BulkDelete(ctx context.Context, ids []int64) error {
	if err := r.writable(false); err != nil {
		return err
	}
	return r.s.write(ctx, func(t *tx) error {
		for i, id := range ids {
			if err := r.deleteTx(ctx, t, id); err != nil {
				return dcim.Prefix(err, fmt.Sprintf("[%d]", i))
			}
		}
		return nil
	})
}

// normalize checks v on its own and puts its tags in canonical order.
func (r Resource[T]) normalize(v *T) error {
	if err := dcim.CheckText(v); err != nil {
		return err
	}
	if r.tb.tags != nil {
		p := r.tb.tags(v)
		*p = append([]string{}, *p...)
		slices.Sort(*p)
		*p = slices.Compact(*p)
	}
	return r.tb.normalize(v)
}

func (r Resource[T]) writable(update bool) error {
	if r.tb.readOnly && !(update && r.tb.updatable) {
		return dcim.Errorf(dcim.EInvalid, "%s objects are created and removed with their device", r.tb.objType)
	}
	return nil
}

// unprefix drops the "[0]" item prefix from the error of a one-item bulk call.
func unprefix(err error) error {
	e := dcim.AsError(err)
	if e == nil {
		return err
	}
	out := *e
	out.Message = strings.TrimPrefix(out.Message, "[0]: ")
	out.Fields = make([]dcim.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = strings.TrimPrefix(f.Field, "[0].")
		out.Fields[i] = f
	}
	return &out
}

func (r Resource[T]) createTx(ctx context.Context, t *tx, v T) (T, error) {
	tb := r.tb
	*tb.meta(&v) = dcim.Meta{}
	// A new object changes nothing the transaction has read, but for two views it keeps: a new
	// reservation adds to its rack's, a new power node may be some device's rack PDU. (New devices
	// keep the rack contents current themselves.)
	switch tb.objType {
	case dcim.TypeRackReservation:
		t.resv = nil
	case dcim.TypePowerNode:
		t.pduNodes = nil
	}
	if err := r.normalize(&v); err != nil {
		return v, err
	}
	if tb.check != nil {
		if err := tb.check(ctx, t, nil, &v); err != nil {
			return v, err
		}
	}
	if err := tb.checkGeneric(ctx, t, &v); err != nil {
		return v, err
	}
	if err := tb.insert(ctx, t, &v); err != nil {
		return v, err
	}
	if err := r.afterWrite(ctx, t, nil, &v); err != nil {
		return v, err
	}
	if err := tb.stayVisible(ctx, t, tb.meta(&v).ID); err != nil {
		return v, err
	}
	return v, t.logChange(ctx, "create", tb.objType, tb.meta(&v).ID, tb.repr(&v), nil, &v)
}

func (r Resource[T]) updateTx(ctx context.Context, t *tx, v T) (T, error) {
	tb := r.tb
	if err := r.writable(true); err != nil {
		return v, err
	}
	t.forget()
	id := tb.meta(&v).ID
	if err := tb.visible(ctx, t, id); err != nil {
		return v, err
	}
	old, err := tb.get(ctx, t, t.s.dialect, id, true)
	if err != nil {
		return v, err
	}
	m := tb.meta(&v)
	m.Created = tb.meta(old).Created
	if err := r.normalize(&v); err != nil {
		return v, err
	}
	if tb.check != nil {
		if err := tb.check(ctx, t, old, &v); err != nil {
			return v, err
		}
	}
	if err := tb.checkGeneric(ctx, t, &v); err != nil {
		return v, err
	}
	if same, err := r.unchanged(old, &v); err != nil || same {
		// Writing nothing keeps re-imports and repeated PUTs out of the change log.
		return *old, err
	}
	if err := tb.update(ctx, t, &v); err != nil {
		return v, err
	}
	if err := r.afterWrite(ctx, t, old, &v); err != nil {
		return v, err
	}
	if err := tb.stayVisible(ctx, t, id); err != nil {
		return v, err
	}
	return v, t.logChange(ctx, "update", tb.objType, id, tb.repr(&v), old, &v)
}

// unchanged reports whether v holds the same data as old, metadata aside.
func (r Resource[T]) unchanged(old, v *T) (bool, error) {
	a, b := *old, *v
	*r.tb.meta(&a), *r.tb.meta(&b) = dcim.Meta{}, dcim.Meta{}
	ja, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(b)
	return bytes.Equal(ja, jb), err
}

func (r Resource[T]) patchTx(ctx context.Context, t *tx, id int64, patch map[string]json.RawMessage) (T, error) {
	var zero T
	if err := r.tb.visible(ctx, t, id); err != nil {
		return zero, err
	}
	old, err := r.tb.get(ctx, t, t.s.dialect, id, true)
	if err != nil {
		return zero, err
	}
	cur, err := json.Marshal(old)
	if err != nil {
		return zero, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(cur, &doc); err != nil {
		return zero, err
	}
	for k, v := range patch {
		if k == "id" || k == "created" || k == "last_updated" {
			continue
		}
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			doc[k] = json.RawMessage("null")
			continue
		}
		doc[k] = v
	}
	merged, err := json.Marshal(doc)
	if err != nil {
		return zero, err
	}
	var v T
	if err := DecodeStrict(bytes.NewReader(merged), &v); err != nil {
		return zero, err
	}
	r.tb.meta(&v).ID = id
	return r.updateTx(ctx, t, v)
}

func (r Resource[T]) deleteTx(ctx context.Context, t *tx, id int64) error {
	tb := r.tb
	t.forget()
	t.seen = nil
	if err := tb.visible(ctx, t, id); err != nil {
		return err
	}
	old, err := tb.get(ctx, t, t.s.dialect, id, true)
	if err != nil {
		return err
	}
	deps, err := tb.dependents(ctx, t, id)
	if err != nil {
		return err
	}
	if len(deps) > 0 {
		return &dcim.Error{Code: dcim.EConflict, Message: fmt.Sprintf("%s %d (%q) is in use: delete or move its dependents first", tb.objType, id, tb.repr(old)), Dependents: deps}
	}
	if _, err := t.ExecContext(ctx, "DELETE FROM tagged_items WHERE object_type = $1 AND object_id = $2", tb.objType, id); err != nil {
		return fmt.Errorf("delete tags of %s %d: %w", tb.objType, id, err)
	}
	if _, err := t.ExecContext(ctx, "DELETE FROM "+tb.name+" WHERE id = $1", id); err != nil {
		return fmt.Errorf("delete %s %d: %w", tb.objType, id, err)
	}
	if tb.deleted != nil {
		if err := tb.deleted(ctx, t, old); err != nil {
			return err
		}
	}
	return t.logChange(ctx, "delete", tb.objType, id, tb.repr(old), old, nil)
}

func (r Resource[T]) afterWrite(ctx context.Context, t *tx, old, cur *T) error {
	if r.tb.tags != nil && (old == nil || !slices.Equal(*r.tb.tags(old), *r.tb.tags(cur))) {
		if err := setTags(ctx, t, r.tb.objType, r.tb.meta(cur).ID, *r.tb.tags(cur), old == nil); err != nil {
			return err
		}
	}
	if r.tb.after != nil {
		return r.tb.after(ctx, t, old, cur)
	}
	return nil
}

// DecodeStrict decodes JSON into v, refusing unknown fields and trailing data, with errors that
// name the field.
func DecodeStrict(rd io.Reader, v any) error {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return dcim.Errorf(dcim.EInvalid, "unexpected data after the JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return dcim.Invalid(te.Field, "expected %s, got JSON %s", te.Type, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return dcim.Errorf(dcim.EInvalid, "malformed JSON at byte %d: %v", se.Offset, se)
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		f := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return dcim.Invalid(f, "unknown field")
	}
	return dcim.Errorf(dcim.EInvalid, "malformed JSON: %v", err)
}
