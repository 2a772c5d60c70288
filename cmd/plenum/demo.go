package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/demo"
	"github.com/plenum-dcim/plenum/internal/store"
)

func seedDemo(ctx context.Context, st *store.Store, log *slog.Logger) error {
	seeded, err := demo.Seed(ctx, st)
	if err != nil {
		return err
	}
	if seeded {
		log.Info("demo facility seeded", "site", demo.SiteName)
	} else {
		log.Info("database already holds a site; demo facility not seeded")
	}
	return nil
}

// progressBar returns a progress callback drawing on stderr when it is a terminal, or nil.
func progressBar(description string) func(done, total int) {
	if !isTerminal(os.Stderr) {
		return nil
	}
	var bar *progressbar.ProgressBar
	return func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr),
				progressbar.OptionSetDescription(description), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		}
		_ = bar.Set(done)
	}
}

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "the demo facility and the synthetic campus generator",
		Commands: []*cli.Command{
			{
				Name:  "seed",
				Usage: "seed the demo facility (Cyberjaya DC1) into a database that holds no site yet",
				Flags: dataFlags(),
				Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
					seeded, err := demo.Seed(ctx, st)
					if err != nil {
						return err
					}
					if !seeded {
						return fmt.Errorf("demo seed: the database already holds a site; the demo goes only into an empty one")
					}
					fmt.Fprintf(cmd.Writer, "seeded the demo facility %q\n", demo.SiteName)
					return nil
				}),
			},
			{
				Name:  "generate",
				Usage: "build a synthetic campus of fully populated racks (10,000 racks is the 100 MW case: 300,000 devices)",
				Flags: append(dataFlags(),
					&cli.IntFlag{Name: "racks", Value: 1000, Usage: "number of racks"},
					&cli.StringFlag{Name: "site", Value: "Synthetic Campus", Usage: "name of the new site"},
				),
				Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
					s, err := demo.Generate(ctx, st, demo.Options{Racks: int(cmd.Int("racks")), Site: cmd.String("site")}, progressBar("racks"))
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.Writer, "site %q (id %d): %d halls, %d racks, %d devices in %.1f s (%s)\n",
						s.SiteName, s.SiteID, s.Rooms, s.Racks, s.Devices, s.Elapsed.Seconds(), st.Dialect())
					return nil
				}),
			},
		},
	}
}
