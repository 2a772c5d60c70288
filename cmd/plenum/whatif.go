package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
)

func whatIfCommand() *cli.Command {
	return &cli.Command{
		Name:      "whatif",
		Usage:     "what breaks if these power nodes or cooling units go down (or, with --n-1, each node in turn)",
		ArgsUsage: "NAME... (power nodes or cooling units of the site)",
		Flags: append(dataFlags(),
			&cli.StringFlag{Name: "site", Usage: "the site (name or id)", Required: true},
			&cli.BoolFlag{Name: "n-1", Usage: "fail every node of the site in turn and list the worst"},
			&cli.IntFlag{Name: "top", Value: 20, Usage: "with --n-1: how many to list"},
			&cli.StringFlag{Name: "basis", Value: "allocated", Usage: "allocated or nameplate"},
		),
		Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
			site, err := findSite(ctx, st, cmd.String("site"))
			if err != nil {
				return err
			}
			ps, err := power.NewService(st, nil).Site(ctx, site.ID)
			if err != nil {
				return err
			}
			basis, w := power.Basis(cmd.String("basis")), cmd.Writer
			if cmd.Bool("n-1") {
				sp := ps.SweepN1(basis)
				fmt.Fprintf(w, "%d of %d nodes darken devices or overload others when they fail alone; the worst:\n", len(sp), len(ps.Model.Nodes))
				for _, p := range sp[:min(len(sp), int(cmd.Int("top")))] {
					fmt.Fprintf(w, "  %-24s %5d dark  %6d on one feed  %3d overloads\n", p.Node.Name, p.LostPower, p.LostRedundancy, len(p.Overloaded))
				}
				return nil
			}
			if cmd.Args().Len() == 0 {
				return fmt.Errorf("whatif: name the power nodes or cooling units that go down, or give --n-1")
			}
			var nodes, units []int64
			for _, name := range cmd.Args().Slice() {
				by := map[string][]string{"name": {name}, "site_id": {strconv.FormatInt(site.ID, 10)}}
				if n, err := st.PowerNodes().List(ctx, dcim.ListQuery{Limit: 1, Filters: by}); err == nil && len(n.Results) == 1 {
					nodes = append(nodes, n.Results[0].ID)
					continue
				}
				if u, err := st.CoolingUnits().List(ctx, dcim.ListQuery{Limit: 1, Filters: by}); err == nil && len(u.Results) == 1 {
					units = append(units, u.Results[0].ID)
					continue
				}
				return fmt.Errorf("whatif: %q is no power node or cooling unit of site %q", name, site.Name)
			}
			res, err := ps.WhatIf(nodes, units, basis)
			if err != nil {
				return err
			}
			list := func(what string, refs []dcim.ObjectRef) {
				names := make([]string, len(refs))
				for i, r := range refs {
					names[i] = r.Name
				}
				more := ""
				if len(names) > 10 {
					names, more = names[:10], fmt.Sprintf(" and %d more", len(refs)-10)
				}
				fmt.Fprintf(w, "%s: %d %s%s\n", what, len(refs), strings.Join(names, ", "), more)
			}
			list("lost power", res.LostPower)
			list("lost redundancy", res.LostRedundancy)
			fmt.Fprintf(w, "overloaded after failover: %d\n", len(res.Overloaded))
			for _, o := range res.Overloaded[:min(len(res.Overloaded), 20)] {
				fmt.Fprintf(w, "  %-24s %-3s %-3s %8.2f of %8.2f (was %.2f)\n", o.Node.Name, o.Limit.Measure, o.Limit.Phase, o.Limit.Load, o.Limit.Limit, o.Before)
			}
			fmt.Fprintf(w, "cooling short: %d\n", len(res.CoolingShort))
			for _, c := range res.CoolingShort {
				fmt.Fprintf(w, "  %-24s heat %.1f kW, running units %.1f kW\n", c.Zone.Name, c.HeatLoadKW, c.CapacityKW)
			}
			fmt.Fprintf(w, "load basis: %s\n", res.Basis)
			return nil
		}),
	}
}

// findOne finds the one object of r named arg (or whose id it is), among those matching scope.
func findOne[T any](ctx context.Context, r store.Resource[T], what, arg string, scope map[string][]string) (T, error) {
	var zero T
	filters := map[string][]string{"name": {arg}}
	if _, err := strconv.ParseInt(arg, 10, 64); err == nil {
		filters = map[string][]string{"id": {arg}}
	}
	for k, v := range scope {
		filters[k] = v
	}
	page, err := r.List(ctx, dcim.ListQuery{Limit: 2, Filters: filters})
	if err != nil {
		return zero, err
	}
	if len(page.Results) != 1 {
		return zero, fmt.Errorf("no %s %q", what, arg)
	}
	return page.Results[0], nil
}

// findSite finds a site by name or id.
func findSite(ctx context.Context, st *store.Store, arg string) (dcim.Site, error) {
	return findOne(ctx, st.Sites(), "site", arg, nil)
}

// findRoom finds a room of site by name or id.
func findRoom(ctx context.Context, st *store.Store, siteID int64, arg string) (int64, error) {
	r, err := findOne(ctx, st.Rooms(), "room in the site", arg, map[string][]string{"site_id": {strconv.FormatInt(siteID, 10)}})
	return r.ID, err
}

// findTenant finds a tenant by name or id.
func findTenant(ctx context.Context, st *store.Store, arg string) (dcim.Tenant, error) {
	return findOne(ctx, st.Tenants(), "tenant", arg, nil)
}
