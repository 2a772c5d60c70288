package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/energy"
	"github.com/plenum-dcim/plenum/internal/store"
)

func energyCommand() *cli.Command {
	return &cli.Command{
		Name:  "energy",
		Usage: "energy KPIs from the meters' hourly roll-ups (the server rolls them up)",
		Commands: []*cli.Command{{
			Name:  "pue",
			Usage: "PUE and its category, DCiE, ERF, ERE, REF, WUE and CUE of a site (or a room's pPUE) over a period",
			Flags: append(dataFlags(),
				&cli.StringFlag{Name: "site", Usage: "the site (name or id)", Required: true},
				&cli.StringFlag{Name: "room", Usage: "a room whose boundary is metered (name or id): its pPUE"},
				&cli.StringFlag{Name: "period", Usage: "YYYY, YYYY-MM, YYYY-MM-DD (in the site's time zone) or rolling-12m (the default)"},
				&cli.StringFlag{Name: "from", Usage: "instead of --period: an RFC 3339 time or YYYY-MM-DD"},
				&cli.StringFlag{Name: "to", Usage: "with --from: the end (exclusive)"},
				&cli.BoolFlag{Name: "json", Usage: "print the report as JSON, as GET /api/v1/energy/kpis gives it"},
			),
			Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
				site, err := findSite(ctx, st, cmd.String("site"))
				if err != nil {
					return fmt.Errorf("energy pue: %w", err)
				}
				var room *int64
				if arg := cmd.String("room"); arg != "" {
					id, err := findRoom(ctx, st, site.ID, arg)
					if err != nil {
						return fmt.Errorf("energy pue: %w", err)
					}
					room = &id
				}
				from, to, err := energy.ReportPeriod(&site, cmd.String("period"), cmd.String("from"), cmd.String("to"), time.Now())
				if err != nil {
					return fmt.Errorf("energy pue: %w", err)
				}
				r, err := energy.SiteReport(ctx, st, &site, room, from, to)
				if err != nil {
					return err
				}
				if cmd.Bool("json") {
					enc := json.NewEncoder(cmd.Writer)
					enc.SetIndent("", "  ")
					return enc.Encode(r)
				}
				num := func(v *float64, format string) string {
					if v == nil {
						return "-"
					}
					return fmt.Sprintf(format, *v)
				}
				cat := "-"
				if r.PUECategory != nil {
					cat = strconv.Itoa(*r.PUECategory)
				}
				w := tabwriter.NewWriter(cmd.Writer, 0, 2, 2, ' ', 0)
				fmt.Fprintf(w, "%s\t%s to %s\n", site.Name, r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
				fmt.Fprintf(w, "PUE\t%s (category %s)\n", num(r.PUE, "%.3f"), cat)
				fmt.Fprintf(w, "DCiE\t%s\n", num(r.DCiE, "%.3f"))
				fmt.Fprintf(w, "ERF / ERE\t%s / %s\n", num(r.ERF, "%.3f"), num(r.ERE, "%.3f"))
				fmt.Fprintf(w, "REF\t%s\n", num(r.REF, "%.3f"))
				fmt.Fprintf(w, "WUE\t%s L/kWh\n", num(r.WUE, "%.2f"))
				fmt.Fprintf(w, "CUE\t%s kgCO2e/kWh (grid %.3f, %s)\n", num(r.CUE, "%.3f"), r.Factor.KgPerKWh, r.Factor.Source)
				fmt.Fprintf(w, "E_DC\t%.0f kWh (%s)\n", r.EDCkWh, r.EDCBasis)
				fmt.Fprintf(w, "E_IT\t%.0f kWh\n", r.EITkWh)
				fmt.Fprintf(w, "coverage\t%s\n", num(r.Coverage, "%.3f"))
				for _, n := range r.Notes {
					fmt.Fprintf(w, "note\t%s\n", n)
				}
				return w.Flush()
			}),
		}},
	}
}
