package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

var tariffTable = &table[dcim.Tariff]{
	name: "tariffs", objType: dcim.TypeTariff,
	columns: []column[dcim.Tariff]{
		col("name", func(v *dcim.Tariff) any { return &v.Name }),
		col("effective_from", func(v *dcim.Tariff) any { return &v.EffectiveFrom }),
		col("currency", func(v *dcim.Tariff) any { return &v.Currency }),
		col("energy_sen_per_kwh", func(v *dcim.Tariff) any { return &v.EnergySenPerKWh }),
		col("capacity_rm_per_kw", func(v *dcim.Tariff) any { return &v.CapacityRMPerKW }),
		col("network_rm_per_kw", func(v *dcim.Tariff) any { return &v.NetworkRMPerKW }),
		col("retail_rm_per_month", func(v *dcim.Tariff) any { return &v.RetailRMPerMonth }),
		col("demand_window_minutes", func(v *dcim.Tariff) any { return &v.DemandWindowMinutes }),
		col("overhead", func(v *dcim.Tariff) any { return &v.Overhead }),
		col("description", func(v *dcim.Tariff) any { return &v.Description }),
	},
	meta:      func(v *dcim.Tariff) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.Tariff) *[]string { return &v.Tags },
	repr:      func(v *dcim.Tariff) string { return v.Name + " from " + v.EffectiveFrom.Format("2006-01-02") },
	normalize: (*dcim.Tariff).Normalize,
	filters:   map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}},
	search:    []string{"name", "description"},
	orderings: []string{"name", "effective_from", "created"},
	uniques:   []unique{{"effective_from", []string{"name", "effective_from"}}},
}

var contractTable = &table[dcim.Contract]{
	name: "contracts", objType: dcim.TypeContract, nameColumn: "tariff",
	columns: []column[dcim.Contract]{
		col("tenant_id", func(v *dcim.Contract) any { return &v.TenantID }),
		col("site_id", func(v *dcim.Contract) any { return &v.SiteID }),
		col("tariff", func(v *dcim.Contract) any { return &v.Tariff }),
		col("contracted_kw", func(v *dcim.Contract) any { return &v.ContractedKW }),
		col("start_date", func(v *dcim.Contract) any { return &v.Start }),
		col("end_date", func(v *dcim.Contract) any { return &v.End }),
		col("description", func(v *dcim.Contract) any { return &v.Description }),
	},
	meta:      func(v *dcim.Contract) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.Contract) *[]string { return &v.Tags },
	repr:      func(v *dcim.Contract) string { return fmt.Sprintf("%s, %g kW", v.Tariff, v.ContractedKW) },
	normalize: (*dcim.Contract).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "tenant_id": {"tenant_id", filterInt}, "site_id": {"site_id", filterInt},
		"tariff": {"tariff", filterString}},
	orderings: []string{"start_date", "tenant_id", "created"},
	refs:      []ref{{"tenant_id", "tenant_id", "tenants", dcim.TypeTenant}, {"site_id", "site_id", "sites", dcim.TypeSite}},
}

func init() {
	contractTable.check = checkContract
}

// Tariffs returns the tariff operations.
func (s *Store) Tariffs() Resource[dcim.Tariff] { return Resource[dcim.Tariff]{s, tariffTable} }

// Contracts returns the tenant contract operations.
func (s *Store) Contracts() Resource[dcim.Contract] { return Resource[dcim.Contract]{s, contractTable} }

// checkContract wants the tariff to exist, and no other contract of the tenant at the site to
// overlap it.
func checkContract(ctx context.Context, t *tx, _, c *dcim.Contract) error {
	var n int
	if err := t.QueryRowContext(ctx, "SELECT COUNT(*) FROM tariffs WHERE name = $1", c.Tariff).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return dcim.Invalid("tariff", "no tariff named %q", c.Tariff)
	}
	end := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if c.End != nil {
		end = *c.End
	}
	var other int64
	err := t.QueryRowContext(ctx, `SELECT id FROM contracts WHERE tenant_id = $1 AND site_id = $2 AND id <> $3 AND start_date < $4
		AND (end_date IS NULL OR end_date > $5) LIMIT 1`, c.TenantID, c.SiteID, c.ID, end, c.Start).Scan(&other)
	switch {
	case err == nil:
		return dcim.Conflict("start", dcim.ObjectRef{Type: dcim.TypeContract, ID: other}, "the tenant's contract %d at this site overlaps it", other)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	return nil
}

// TariffAt is the version of tariff name in effect at t (the newest that took effect by then).
func (s *Store) TariffAt(ctx context.Context, name string, at time.Time) (dcim.Tariff, error) {
	page, err := s.Tariffs().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: map[string][]string{"name": {name}}, Ordering: "-effective_from"})
	if err != nil {
		return dcim.Tariff{}, err
	}
	for _, v := range page.Results {
		if !v.EffectiveFrom.After(at) {
			return v, nil
		}
	}
	return dcim.Tariff{}, dcim.Invalid("tariff", "tariff %q has no version in effect on %s", name, at.Format("2006-01-02"))
}

// ContractAt is the tenant's contract at site in effect at t.
func (s *Store) ContractAt(ctx context.Context, tenantID, siteID int64, at time.Time) (dcim.Contract, error) {
	page, err := s.Contracts().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: map[string][]string{
		"tenant_id": {fmt.Sprint(tenantID)}, "site_id": {fmt.Sprint(siteID)}}, Ordering: "-start_date"})
	if err != nil {
		return dcim.Contract{}, err
	}
	for _, c := range page.Results {
		if !c.Start.After(at) && (c.End == nil || c.End.After(at)) {
			return c, nil
		}
	}
	return dcim.Contract{}, dcim.Invalid("tenant", "the tenant has no contract at the site on %s", at.Format("2006-01-02"))
}

// StoredBill is an issued bill: its key, and the bill as issued (a JSON document, never changed).
type StoredBill struct {
	ID       int64
	TenantID int64
	SiteID   int64
	Month    string
	Version  int
	Issued   time.Time
	Reason   string
	Total    float64
	Document json.RawMessage
}

// IssueBill stores a bill for the tenant, site and month as the next version. A first issue needs
// no reason; a re-issue does, and changes nothing of the versions before. Issue is called with
// the version it will get, to put it in the document.
func (s *Store) IssueBill(ctx context.Context, tenantID, siteID int64, month, reason string, issue func(version int, at time.Time) (total float64, doc []byte, err error)) (StoredBill, error) {
	var out StoredBill
	err := s.write(ctx, func(t *tx) error {
		var last sql.NullInt64
		if err := t.QueryRowContext(ctx, "SELECT MAX(version) FROM bills WHERE tenant_id = $1 AND site_id = $2 AND month = $3",
			tenantID, siteID, month).Scan(&last); err != nil {
			return err
		}
		if last.Valid && reason == "" {
			return &dcim.Error{Code: dcim.EConflict, Message: "conflict", Fields: []dcim.FieldError{{Field: "reason",
				Message: fmt.Sprintf("the bill of %s is issued (version %d): a re-issue needs the reason", month, last.Int64)}}}
		}
		version := int(last.Int64) + 1
		at := s.now()
		total, doc, err := issue(version, at)
		if err != nil {
			return err
		}
		out = StoredBill{TenantID: tenantID, SiteID: siteID, Month: month, Version: version, Issued: at, Reason: reason, Total: total, Document: doc}
		q := `INSERT INTO bills (tenant_id, site_id, month, version, issued, reason, total, document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`
		if err := t.QueryRowContext(ctx, q, tenantID, siteID, month, version, at, reason, total, string(doc)).Scan(&out.ID); err != nil {
			return fmt.Errorf("issue bill: %w", err)
		}
		return t.logChange(ctx, "create", dcim.TypeBill, out.ID, fmt.Sprintf("%s v%d", month, version), nil, json.RawMessage(doc))
	})
	return out, err
}

// Bills lists the issued bills, newest version first, of a tenant (0: all), month ("" all).
func (s *Store) Bills(ctx context.Context, tenantID int64, month string) ([]StoredBill, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, tenant_id, site_id, month, version, issued, reason, total, document FROM bills
		WHERE ($1 = 0 OR tenant_id = $1) AND ($2 = '' OR month = $2) ORDER BY month DESC, tenant_id, site_id, version DESC`, tenantID, month)
	if err != nil {
		return nil, fmt.Errorf("bills: %w", err)
	}
	defer rows.Close()
	var out []StoredBill
	for rows.Next() {
		var b StoredBill
		var doc string
		if err := rows.Scan(&b.ID, &b.TenantID, &b.SiteID, &b.Month, &b.Version, &b.Issued, &b.Reason, &b.Total, &doc); err != nil {
			return nil, err
		}
		b.Issued, b.Document = b.Issued.UTC(), json.RawMessage(doc)
		out = append(out, b)
	}
	return out, rows.Err()
}

// Bill reads one issued bill.
func (s *Store) Bill(ctx context.Context, id int64) (StoredBill, error) {
	var b StoredBill
	var doc string
	err := s.db.QueryRowContext(ctx, `SELECT id, tenant_id, site_id, month, version, issued, reason, total, document FROM bills WHERE id = $1`, id).
		Scan(&b.ID, &b.TenantID, &b.SiteID, &b.Month, &b.Version, &b.Issued, &b.Reason, &b.Total, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return b, dcim.NotFound(dcim.TypeBill, id)
	}
	b.Issued, b.Document = b.Issued.UTC(), json.RawMessage(doc)
	return b, err
}
