package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
)

func capacityCommand() *cli.Command {
	return &cli.Command{
		Name:      "capacity",
		Usage:     "space, power after failover, cooling and weight left: the site, then each room",
		ArgsUsage: "SITE (name or id)",
		Flags: append(dataFlags(),
			&cli.StringFlag{Name: "basis", Value: "allocated", Usage: "allocated or nameplate"},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			arg := cmd.Args().First()
			if arg == "" {
				return fmt.Errorf("capacity: name the site (its name or id)")
			}
			st, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			site, err := findSite(ctx, st, arg)
			if err != nil {
				return fmt.Errorf("capacity: %w", err)
			}
			data, err := st.CapacitySite(ctx, site.ID)
			if err != nil {
				return err
			}
			ps, err := power.NewService(st, nil).Site(ctx, site.ID)
			if err != nil {
				return err
			}
			basis, now := power.Basis(cmd.String("basis")), time.Now()
			w := tabwriter.NewWriter(cmd.Writer, 0, 2, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(w, "SCOPE\tRACKS\tFREE U\tLARGEST\tRESERVED U\tBUDGET kW\tLOAD kW\tHEADROOM kW\tHEAT kW\tCOOLING kW\tWEIGHT kg\tWORST kg/m²\t")
			orDash := func(v *float64) string {
				if v == nil {
					return "-"
				}
				return fmt.Sprintf("%.1f", *v)
			}
			line := func(s capacity.Summary) {
				load := s.Power.AllocatedKW
				if basis == power.Nameplate {
					load = s.Power.NameplateKW
				}
				fmt.Fprintf(w, "%s\t%d\t%.0f\t%.0f\t%.0f\t%s\t%.1f\t%s\t%.1f\t%.1f\t%.0f\t%.0f\t\n", s.Scope.Name, s.Racks, s.Space.Free["front"],
					s.Space.LargestFreeBlock["front"], s.Space.Reserved, orDash(s.Power.BudgetKW), load, orDash(s.Power.HeadroomKW),
					s.Cooling.HeatLoadKW, s.Cooling.CapacityKW, s.Weight.LoadKg, s.Weight.WorstFloor)
			}
			sum := capacity.Summarize(data, ps, capacity.Scope{Type: dcim.TypeSite, ID: site.ID}, basis, now)
			sum.Scope.Name = site.Name
			line(sum)
			for _, r := range data.Rooms {
				line(capacity.Summarize(data, ps, capacity.Scope{Type: dcim.TypeRoom, ID: r.ID}, basis, now))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			// The site's rack feeds line by line: phase balance, and what each line carries with the
			// other side down against its derated ratings.
			fmt.Fprintln(cmd.Writer)
			w = tabwriter.NewWriter(cmd.Writer, 0, 2, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(w, "SIDE\tLINE\tFEEDS\tAMPS\tFAILOVER A\tLIMIT A\t")
			for _, p := range sum.Power.Phases {
				fmt.Fprintf(w, "%s\t%s\t%d\t%.0f\t%.0f\t%s\t\n", p.Side, p.Phase, p.Feeds, p.Amps, p.Failover, orDash(p.Limit))
			}
			return w.Flush()
		},
	}
}
