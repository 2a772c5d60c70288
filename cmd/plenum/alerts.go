package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

func alertsCommand() *cli.Command {
	return &cli.Command{
		Name:  "alerts",
		Usage: "list the alerts (pending and firing; --all: their history too), acknowledge one (works on the database directly)",
		Flags: append(dataFlags(),
			&cli.BoolFlag{Name: "all", Usage: "every episode, resolved ones too"},
			&cli.StringFlag{Name: "severity", Usage: "only this severity"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		),
		Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
			f := map[string][]string{}
			if !cmd.Bool("all") {
				f["state"] = []string{"active"}
			}
			if s := cmd.String("severity"); s != "" {
				f["severity"] = []string{s}
			}
			page, err := st.Alerts(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: f})
			if err != nil {
				return fmt.Errorf("alerts: %w", err)
			}
			if cmd.Bool("json") {
				enc := json.NewEncoder(cmd.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(page.Results)
			}
			fmt.Fprintf(cmd.Writer, "%-6s %-9s %-9s %-28s %-20s %s\n", "ID", "SEVERITY", "STATE", "ALERT", "SINCE", "SUMMARY")
			for _, a := range page.Results {
				name := a.Name
				if a.Ack != nil {
					name += " (ack)"
				}
				fmt.Fprintf(cmd.Writer, "%-6d %-9s %-9s %-28s %-20s %s\n", a.ID, a.Severity, a.State, name,
					a.Since.Local().Format(time.DateTime), a.Annotations["summary"])
			}
			fmt.Fprintf(cmd.Writer, "%d alert(s)\n", page.Count)
			return nil
		}),
		Commands: []*cli.Command{{
			Name:      "ack",
			Usage:     "acknowledge an alert: say who is on it and what is being done",
			ArgsUsage: "ID",
			Flags: append(dataFlags(),
				&cli.StringFlag{Name: "comment", Usage: "why", Required: true},
				&cli.StringFlag{Name: "as", Value: "cli", Usage: "who acknowledges (recorded in the change log)"},
			),
			Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
				id, err := strconv.ParseInt(cmd.Args().First(), 10, 64)
				if err != nil {
					return fmt.Errorf("alerts ack: want an alert id, got %q", cmd.Args().First())
				}
				ctx = dcim.WithActor(ctx, dcim.Actor{Name: "cli:" + cmd.String("as"), Role: dcim.RoleAdmin, CanWrite: true})
				a, err := st.AckAlert(ctx, id, cmd.String("comment"))
				if err != nil {
					return fmt.Errorf("alerts ack: %w", err)
				}
				fmt.Fprintf(cmd.Writer, "alert %d (%s) acknowledged by %s\n", a.ID, a.Name, a.Ack.By)
				return nil
			}),
		}, alertRulesCommand()},
	}
}
