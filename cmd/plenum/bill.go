package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

func billCommand() *cli.Command {
	return &cli.Command{
		Name:  "bill",
		Usage: "a tenant's bill for a month: the issued one (its latest version), or a draft from the readings",
		Flags: append(dataFlags(),
			&cli.StringFlag{Name: "tenant", Usage: "the tenant (name or id)", Required: true},
			&cli.StringFlag{Name: "month", Usage: "YYYY-MM, in the site's time zone", Required: true},
			&cli.StringFlag{Name: "site", Usage: "the site (name or id); needed when the tenant has contracts at several"},
			&cli.BoolFlag{Name: "draft", Usage: "compute from the readings even when the month is issued"},
			&cli.BoolFlag{Name: "json", Usage: "print the bill as JSON"},
		),
		Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
			tenant, err := findTenant(ctx, st, cmd.String("tenant"))
			if err != nil {
				return fmt.Errorf("bill: %w", err)
			}
			var site dcim.Site
			if arg := cmd.String("site"); arg != "" {
				if site, err = findSite(ctx, st, arg); err != nil {
					return fmt.Errorf("bill: %w", err)
				}
			} else {
				cs, err := st.Contracts().List(ctx, dcim.ListQuery{Limit: 100, Filters: map[string][]string{"tenant_id": {strconv.FormatInt(tenant.ID, 10)}}})
				if err != nil {
					return err
				}
				ids := map[int64]bool{}
				for _, c := range cs.Results {
					ids[c.SiteID] = true
				}
				if len(ids) != 1 {
					return fmt.Errorf("bill: the tenant has contracts at %d sites: name one with --site", len(ids))
				}
				if site, err = st.Sites().Get(ctx, cs.Results[0].SiteID); err != nil {
					return err
				}
			}
			var b *energy.Bill
			if !cmd.Bool("draft") {
				issued, err := st.Bills(ctx, tenant.ID, cmd.String("month"))
				if err != nil {
					return err
				}
				for _, sb := range issued {
					if sb.SiteID == site.ID {
						b = &energy.Bill{}
						if err := json.Unmarshal(sb.Document, b); err != nil {
							return err
						}
						break
					}
				}
			}
			if b == nil {
				// The maximum demand needs the readings; the server holds the time series while it runs.
				var samples energy.SampleSource
				ts, err := telemetry.Open(telemetry.Options{Dir: filepath.Join(cmd.String("data"), "tsdb")})
				if err == nil {
					defer ts.Close()
					samples = ts
				}
				if b, err = energy.TenantBill(ctx, st, samples, &site, tenant.ID, cmd.String("month"), time.Now()); err != nil {
					return fmt.Errorf("bill: %w", err)
				}
			}
			if cmd.Bool("json") {
				enc := json.NewEncoder(cmd.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(b)
			}
			state := "DRAFT, not issued"
			if !b.Draft && b.Issued != nil {
				state = fmt.Sprintf("issued %s, version %d", b.Issued.Format("2006-01-02"), b.Version)
			}
			w := tabwriter.NewWriter(cmd.Writer, 0, 2, 2, ' ', 0)
			fmt.Fprintf(w, "%s at %s, %s (%s)\n", tenant.Name, site.Name, b.Month, state)
			fmt.Fprintf(w, "tariff %s from %s; contracted %.1f kW\n\n", b.Tariff.Name, b.Tariff.EffectiveFrom.Format("2006-01-02"), b.ContractedKW)
			fmt.Fprintln(w, "ITEM\tQUANTITY\tRATE\tAMOUNT\t")
			for _, l := range b.Lines {
				fmt.Fprintf(w, "%s\t%.3f %s\t%g %s\t%.2f %s\t\n", l.Item, l.Quantity, l.Unit, l.Rate, l.RateUnit, l.Amount, b.Currency)
			}
			fmt.Fprintf(w, "total\t\t\t%.2f %s\t\n", b.Total, b.Currency)
			for _, n := range b.Notes {
				fmt.Fprintf(w, "note: %s\n", n)
			}
			return w.Flush()
		}),
	}
}
