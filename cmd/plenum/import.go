package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/catalog"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "import data into the database",
		Commands: []*cli.Command{
			{
				Name:      "device-types",
				Usage:     "import a NetBox devicetype-library tree (idempotent: keyed by manufacturer and model)",
				ArgsUsage: "DIR",
				Flags: append(dataFlags(),
					&cli.BoolFlag{Name: "quiet", Usage: "list refused files only, no warnings"},
				),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					dir := cmd.Args().First()
					if dir == "" {
						return fmt.Errorf("import device-types: name the library directory (its root, device-types/, or one manufacturer)")
					}
					st, err := openStore(ctx, cmd)
					if err != nil {
						return err
					}
					defer st.Close()
					r, err := catalog.Import(ctx, st, dir, progressBar("device types"))
					if err != nil {
						return err
					}
					w := cmd.Writer
					if !cmd.Bool("quiet") {
						for _, p := range r.Warnings {
							fmt.Fprintf(w, "warning: %s: %s\n", p.Path, p.Reason)
						}
					}
					for _, p := range r.Problems {
						fmt.Fprintf(w, "skipped: %s: %s\n", p.Path, p.Reason)
					}
					fmt.Fprintf(w, "%d files: %d device types created, %d updated, %d skipped, %d warnings\n",
						r.Files, r.Created, r.Updated, len(r.Problems), len(r.Warnings))
					return nil
				},
			},
		},
	}
}
