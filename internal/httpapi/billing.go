package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/store"
)

type draftInput struct {
	Tenant int64  `query:"tenant" required:"true" minimum:"1"`
	Site   int64  `query:"site" required:"true" minimum:"1"`
	Month  string `query:"month" required:"true" doc:"YYYY-MM, in the site's time zone"`
}

type billOutput struct{ Body *energy.Bill }

type issueInput struct {
	Body struct {
		TenantID int64  `json:"tenant_id" minimum:"1"`
		SiteID   int64  `json:"site_id" minimum:"1"`
		Month    string `json:"month" doc:"YYYY-MM, in the site's time zone"`
		Reason   string `json:"reason" required:"false" maxLength:"500" doc:"required to issue a month again: a new version, the earlier ones unchanged"`
	}
}

type billsInput struct {
	Tenant int64  `query:"tenant" minimum:"0"`
	Month  string `query:"month"`
}

type billsOutput struct {
	Body struct {
		Count   int            `json:"count"`
		Results []*energy.Bill `json:"results"`
	}
}

type billInput struct {
	ID     int64  `path:"id" minimum:"1"`
	Format string `query:"format" enum:"json,csv" default:"json"`
}

// fileOutput is a body served as it is, JSON included, so that one route can answer in several
// formats (JSON, CSV, HTML) with their own Content-Type.
type fileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func registerBilling(api huma.API, s *store.Store, samples energy.SampleSource) {
	bill := func(ctx context.Context, tenant, siteID int64, month string) (*energy.Bill, error) {
		site, err := s.Sites().Get(ctx, siteID)
		if err != nil {
			return nil, asInvalid(err, "site")
		}
		if _, err := s.Tenants().Get(ctx, tenant); err != nil {
			return nil, asInvalid(err, "tenant")
		}
		return energy.TenantBill(ctx, s, samples, &site, tenant, month, time.Now())
	}
	huma.Register(api, huma.Operation{
		OperationID: "bill-draft", Method: http.MethodGet, Path: Prefix + "/bills/draft", Tags: []string{"billing"},
		Summary: "A tenant's bill for a month, computed now from the readings, not issued",
	}, func(ctx context.Context, in *draftInput) (*billOutput, error) {
		b, err := bill(ctx, in.Tenant, in.Site, in.Month)
		if err != nil {
			return nil, problem(err)
		}
		return &billOutput{Body: b}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "issue-bill", Method: http.MethodPost, Path: Prefix + "/bills", Tags: []string{"billing"}, DefaultStatus: http.StatusCreated,
		Summary: "Issue a tenant's bill for a month: stored as computed, never changed; issuing the month again needs a reason and makes a new version",
	}, func(ctx context.Context, in *issueInput) (*billOutput, error) {
		b, err := bill(ctx, in.Body.TenantID, in.Body.SiteID, in.Body.Month)
		if err != nil {
			return nil, problem(err)
		}
		stored, err := s.IssueBill(ctx, b.TenantID, b.SiteID, b.Month, in.Body.Reason, func(version int, at time.Time) (float64, []byte, error) {
			b.Draft, b.Version, b.Issued, b.Reason = false, version, &at, in.Body.Reason
			doc, err := json.Marshal(b)
			return b.Total, doc, err
		})
		if err != nil {
			return nil, problem(err)
		}
		b.ID = stored.ID
		return &billOutput{Body: b}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "list-bills", Method: http.MethodGet, Path: Prefix + "/bills", Tags: []string{"billing"},
		Summary: "Issued bills, every version, newest month first",
	}, func(ctx context.Context, in *billsInput) (*billsOutput, error) {
		if tenant, ok := dcim.ActorFrom(ctx).Tenant(); ok { // a tenant user's own bills only
			if in.Tenant != 0 && in.Tenant != tenant {
				return &billsOutput{Body: struct {
					Count   int            `json:"count"`
					Results []*energy.Bill `json:"results"`
				}{Results: []*energy.Bill{}}}, nil
			}
			in.Tenant = tenant
		}
		list, err := s.Bills(ctx, in.Tenant, in.Month)
		if err != nil {
			return nil, problem(err)
		}
		out := &billsOutput{}
		out.Body.Results = []*energy.Bill{}
		for _, sb := range list {
			b, err := decodeBill(sb)
			if err != nil {
				return nil, problem(err)
			}
			out.Body.Results = append(out.Body.Results, b)
		}
		out.Body.Count = len(out.Body.Results)
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "get-bill", Method: http.MethodGet, Path: Prefix + "/bills/{id}", Tags: []string{"billing"},
		Summary: "An issued bill as issued, as JSON or CSV (one row per line)",
		Responses: map[string]*huma.Response{"200": {Description: "the bill", Content: map[string]*huma.MediaType{
			"application/json": {Schema: &huma.Schema{Ref: "#/components/schemas/Bill"}},
			"text/csv":         {Schema: &huma.Schema{Type: "string"}}}}},
	}, func(ctx context.Context, in *billInput) (*fileOutput, error) {
		sb, err := s.Bill(ctx, in.ID)
		if err != nil {
			return nil, problem(err)
		}
		if tenant, ok := dcim.ActorFrom(ctx).Tenant(); ok && sb.TenantID != tenant {
			return nil, problem(dcim.NotFound("bill", in.ID)) // another tenant's bill does not exist
		}
		b, err := decodeBill(sb)
		if err != nil {
			return nil, problem(err)
		}
		if in.Format == "json" {
			doc, err := json.Marshal(b)
			if err != nil {
				return nil, problem(err)
			}
			return &fileOutput{ContentType: "application/json", Body: doc}, nil
		}
		var buf bytes.Buffer
		if err := energy.WriteBillCSV(&buf, b); err != nil {
			return nil, problem(err)
		}
		return &fileOutput{ContentType: "text/csv; charset=utf-8", Body: buf.Bytes(),
			ContentDisposition: fmt.Sprintf(`attachment; filename="bill-%d-%s-v%d.csv"`, b.TenantID, b.Month, b.Version)}, nil
	})
}

func decodeBill(sb store.StoredBill) (*energy.Bill, error) {
	var b energy.Bill
	if err := json.Unmarshal(sb.Document, &b); err != nil {
		return nil, fmt.Errorf("bill %d: %w", sb.ID, err)
	}
	b.ID = sb.ID
	return &b, nil
}
