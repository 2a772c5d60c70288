package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// Resource is what the API needs of one model type's service.
type Resource[T any] interface {
	ObjectType() string
	Filters() []string
	ReadOnly() bool
	Updatable() bool
	List(ctx context.Context, lq dcim.ListQuery) (dcim.Page[T], error)
	Get(ctx context.Context, id int64) (T, error)
	Create(ctx context.Context, v T) (T, error)
	Update(ctx context.Context, id int64, v T) (T, error)
	Patch(ctx context.Context, id int64, patch map[string]json.RawMessage) (T, error)
	Delete(ctx context.Context, id int64) error
	BulkCreate(ctx context.Context, vs []T) ([]T, error)
	BulkPatch(ctx context.Context, patches []map[string]json.RawMessage) ([]T, error)
	BulkDelete(ctx context.Context, ids []int64) error
}

var _ Resource[dcim.Site] = store.Resource[dcim.Site]{}

const (
	maxBody     = 1 << 20
	maxBulkBody = 32 << 20
)

// ListBody is a page of a list, shaped as NetBox's.
type ListBody[T any] struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

type listOutput[T any] struct {
	Body ListBody[T]
}

// listInput reads limit, offset, q and ordering, and keeps every other query parameter as a filter
// for the store to check (it knows each type's filters, and names an unknown one in its error).
type listInput struct {
	Limit    int    `query:"limit" minimum:"0" maximum:"1000" doc:"page size (default 50, at most 1000)"`
	Offset   int    `query:"offset" minimum:"0"`
	Q        string `query:"q" doc:"text search"`
	Ordering string `query:"ordering" doc:"comma-separated fields, - for descending"`
	filters  map[string][]string
	url      url.URL
}

func (in *listInput) Resolve(ctx huma.Context) []error {
	in.url = ctx.URL()
	in.filters = map[string][]string{}
	for k, v := range in.url.Query() {
		switch k {
		case "limit", "offset", "q", "ordering":
		default:
			in.filters[k] = v
		}
	}
	return nil
}

func (in *listInput) query() dcim.ListQuery {
	return dcim.ListQuery{Limit: in.Limit, Offset: in.Offset, Q: in.Q, Ordering: in.Ordering, Filters: in.filters}
}

// pageLinks returns the next and previous URLs of a page, keeping the other parameters.
func (in *listInput) pageLinks(count int) (next, prev *string) {
	limit := in.Limit
	if limit <= 0 {
		limit = dcim.DefaultLimit
	}
	link := func(offset int) *string {
		u := in.url
		q := u.Query()
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(offset))
		u.RawQuery = q.Encode()
		s := u.RequestURI()
		return &s
	}
	if count-in.Offset > limit { // not in.Offset+limit < count: that overflows on a huge offset
		next = link(in.Offset + limit)
	}
	if in.Offset > 0 {
		prev = link(max(0, in.Offset-limit))
	}
	return next, prev
}

type idInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type bodyOutput[T any] struct {
	Body T
}

type createInput[T any] struct {
	Body writeBody[T]
}

type updateInput[T any] struct {
	ID   int64 `path:"id" minimum:"1"`
	Body writeBody[T]
}

// writeBody is a request body holding a T. huma sets the `default` of every field left at its zero
// value after decoding, so an explicit false or 0 (a half-depth or 0-U device type) would turn into
// the default. Hiding T's fields from huma and applying the defaults only to the fields the JSON
// leaves out keeps what the client said; the schema, and so the document and validation, stay T's.
type writeBody[T any] struct{ v T }

func (b *writeBody[T]) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[T](), true, "")
}

func (b *writeBody[T]) UnmarshalJSON(data []byte) error {
	var given map[string]json.RawMessage
	if err := json.Unmarshal(data, &given); err != nil {
		return err
	}
	var v T
	rv := reflect.ValueOf(&v).Elem()
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		def, ok := f.Tag.Lookup("default")
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if _, present := given[name]; !ok || name == "" || present {
			continue
		}
		if f.Type.Kind() == reflect.String {
			rv.Field(i).SetString(def)
		} else if err := json.Unmarshal([]byte(def), rv.Field(i).Addr().Interface()); err != nil {
			return fmt.Errorf("default of %s: %w", name, err)
		}
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	b.v = v
	return nil
}

type patchInput struct {
	ID      int64 `path:"id" minimum:"1"`
	RawBody []byte
}

type bulkPatchInput struct {
	RawBody []byte
}

type bulkCreateInput[T any] struct {
	Body []writeBody[T] `maxItems:"10000"`
}

// IDRef names an object in a bulk delete.
type IDRef struct {
	ID int64 `json:"id" minimum:"1"`
}

type bulkDeleteInput struct {
	Body []IDRef `maxItems:"10000"`
}

// register adds the list/get/create/update/patch/delete and bulk operations of one type at path.
func register[T any](api huma.API, path, tag string, r Resource[T]) {
	name := r.ObjectType()
	var filterParams []*huma.Param
	for _, f := range r.Filters() {
		filterParams = append(filterParams, &huma.Param{Name: f, In: "query", Description: "filter; repeat for any of several values",
			Schema: &huma.Schema{Type: "string"}})
	}
	huma.Register(api, huma.Operation{
		OperationID: "list-" + tag, Method: http.MethodGet, Path: path, Tags: []string{tag},
		Summary: "List " + tag, Parameters: filterParams,
	}, func(ctx context.Context, in *listInput) (*listOutput[T], error) {
		page, err := r.List(ctx, in.query())
		if err != nil {
			return nil, problem(err)
		}
		out := &listOutput[T]{Body: ListBody[T]{Count: page.Count, Results: page.Results}}
		out.Body.Next, out.Body.Previous = in.pageLinks(page.Count)
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "get-" + name, Method: http.MethodGet, Path: path + "/{id}", Tags: []string{tag}, Summary: "Get a " + name,
	}, func(ctx context.Context, in *idInput) (*bodyOutput[T], error) {
		v, err := r.Get(ctx, in.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[T]{Body: v}, nil
	})
	if r.ReadOnly() && !r.Updatable() {
		return
	}
	// Components (power ports) are created and removed with their device, but may be changed.
	creatable := !r.ReadOnly()
	if creatable {
		registerCreate(api, path, tag, r)
	}
	huma.Register(api, huma.Operation{
		OperationID: "update-" + name, Method: http.MethodPut, Path: path + "/{id}", Tags: []string{tag},
		Summary: "Replace a " + name, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *updateInput[T]) (*bodyOutput[T], error) {
		v, err := r.Update(ctx, in.ID, in.Body.v)
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[T]{Body: v}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "patch-" + name, Method: http.MethodPatch, Path: path + "/{id}", Tags: []string{tag},
		Summary: "Change fields of a " + name, Description: "A JSON merge patch (RFC 7386): fields present replace, null clears.",
		MaxBodyBytes: maxBody, RequestBody: mergePatchBody(api, new(T)), SkipValidateBody: true,
	}, func(ctx context.Context, in *patchInput) (*bodyOutput[T], error) {
		var patch map[string]json.RawMessage
		if err := store.DecodeStrict(bytes.NewReader(in.RawBody), &patch); err != nil {
			return nil, problem(err)
		}
		v, err := r.Patch(ctx, in.ID, patch)
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[T]{Body: v}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "bulk-patch-" + name, Method: http.MethodPatch, Path: path, Tags: []string{tag},
		Summary: "Change many " + tag + ", all or none", Description: "A list of JSON merge patches, each with the id of its object.",
		MaxBodyBytes: maxBulkBody, RequestBody: mergePatchListBody(api, new(T)), SkipValidateBody: true,
	}, func(ctx context.Context, in *bulkPatchInput) (*bodyOutput[[]T], error) {
		var patches []map[string]json.RawMessage
		if err := store.DecodeStrict(bytes.NewReader(in.RawBody), &patches); err != nil {
			return nil, problem(err)
		}
		vs, err := r.BulkPatch(ctx, patches)
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[[]T]{Body: vs}, nil
	})
	if creatable {
		registerRemove(api, path, tag, r)
	}
}

// mergePatchBody documents a merge patch of T. The store checks the merged object strictly (unknown
// fields, types, rules), so the schema here is documentation: any subset of T's writable fields.
func mergePatchBody(api huma.API, v any) *huma.RequestBody {
	ref := api.OpenAPI().Components.Schemas.Schema(reflectType(v), true, "")
	patch := &huma.Schema{Type: "object", Description: fmt.Sprintf("any subset of the writable fields of %s; null clears a field", ref.Ref)}
	return &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"application/merge-patch+json": {Schema: patch},
		"application/json":             {Schema: patch},
	}}
}

func mergePatchListBody(api huma.API, v any) *huma.RequestBody {
	ref := api.OpenAPI().Components.Schemas.Schema(reflectType(v), true, "")
	return &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"application/json": {Schema: &huma.Schema{Type: "array", Items: &huma.Schema{Type: "object",
			Description: fmt.Sprintf("the id of an object and any subset of the writable fields of %s", ref.Ref)}}},
	}}
}

// registerCreate adds the create operations of a type whose objects the API makes.
func registerCreate[T any](api huma.API, path, tag string, r Resource[T]) {
	name := r.ObjectType()
	huma.Register(api, huma.Operation{
		OperationID: "create-" + name, Method: http.MethodPost, Path: path, Tags: []string{tag}, Summary: "Create a " + name,
		DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *createInput[T]) (*bodyOutput[T], error) {
		v, err := r.Create(ctx, in.Body.v)
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[T]{Body: v}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "bulk-create-" + name, Method: http.MethodPost, Path: path + "/bulk", Tags: []string{tag},
		Summary: "Create many " + tag + ", all or none", DefaultStatus: http.StatusCreated, MaxBodyBytes: maxBulkBody,
	}, func(ctx context.Context, in *bulkCreateInput[T]) (*bodyOutput[[]T], error) {
		items := make([]T, len(in.Body))
		for i, b := range in.Body {
			items[i] = b.v
		}
		vs, err := r.BulkCreate(ctx, items)
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[[]T]{Body: vs}, nil
	})
}

// registerRemove adds the delete operations of a type whose objects the API removes.
func registerRemove[T any](api huma.API, path, tag string, r Resource[T]) {
	name := r.ObjectType()
	huma.Register(api, huma.Operation{
		OperationID: "delete-" + name, Method: http.MethodDelete, Path: path + "/{id}", Tags: []string{tag},
		Summary: "Delete a " + name, DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *idInput) (*struct{}, error) {
		return nil, problem(r.Delete(ctx, in.ID))
	})
	huma.Register(api, huma.Operation{
		OperationID: "bulk-delete-" + name, Method: http.MethodDelete, Path: path, Tags: []string{tag},
		Summary: "Delete many " + tag + ", all or none", DefaultStatus: http.StatusNoContent, MaxBodyBytes: maxBulkBody,
	}, func(ctx context.Context, in *bulkDeleteInput) (*struct{}, error) {
		ids := make([]int64, len(in.Body))
		for i, ref := range in.Body {
			ids[i] = ref.ID
		}
		return nil, problem(r.BulkDelete(ctx, ids))
	})
}
