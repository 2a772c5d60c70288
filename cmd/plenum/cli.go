package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// The flags that say where the data lives are shared by every command that opens the database.
func dataFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "data", Value: "./plenum-data", Usage: "data directory (SQLite database, time series)", Sources: cli.EnvVars("PLENUM_DATA")},
		&cli.StringFlag{Name: "database", Usage: "PostgreSQL URL (postgres://…); empty: SQLite in the data directory", Sources: cli.EnvVars("PLENUM_DATABASE")},
	}
}

func configFrom(cmd *cli.Command) Config {
	c := NewMain().Config
	c.DataDir = cmd.String("data")
	c.Database = cmd.String("database")
	return c
}

func openStore(ctx context.Context, cmd *cli.Command) (*store.Store, error) {
	return store.Open(ctx, configFrom(cmd).DatabaseURL())
}

func newApp() *cli.Command {
	return &cli.Command{
		Name:  "plenum",
		Usage: "data center infrastructure management: source of truth, live telemetry, energy and capacity",
		Commands: []*cli.Command{
			serveCommand(),
			migrateCommand(),
			tokenCommand(),
			userCommand(),
			importCommand(),
			demoCommand(),
			capacityCommand(),
			whatIfCommand(),
			pollCommand(),
			energyCommand(),
			billCommand(),
			{
				Name:  "version",
				Usage: "print the version",
				Action: func(_ context.Context, cmd *cli.Command) error {
					fmt.Fprintln(cmd.Writer, "plenum", version)
					return nil
				},
			},
		},
	}
}

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the server",
		Flags: append(dataFlags(),
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "listen address", Sources: cli.EnvVars("PLENUM_ADDR")},
			&cli.BoolFlag{Name: "demo", Usage: "seed the demo facility into an empty database and print an admin token", Sources: cli.EnvVars("PLENUM_DEMO")},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error", Sources: cli.EnvVars("PLENUM_LOG_LEVEL")},
			&cli.DurationFlag{Name: "retention", Value: telemetry.DefaultRetention, Usage: "how long time series are kept", Sources: cli.EnvVars("PLENUM_RETENTION")},
			&cli.Int64Flag{Name: "retention-bytes", Usage: "the most disk the time series may take, bytes (0: no cap; the oldest go first)", Sources: cli.EnvVars("PLENUM_RETENTION_BYTES")},
			&cli.StringFlag{Name: "forward-url", Usage: "also send every sample by remote-write to this Prometheus-compatible store (…/api/v1/write, Mimir's …/api/v1/push)", Sources: cli.EnvVars("PLENUM_FORWARD_URL")},
			&cli.StringFlag{Name: "forward-token", Usage: "bearer token for --forward-url", Sources: cli.EnvVars("PLENUM_FORWARD_TOKEN")},
			&cli.StringFlag{Name: "query-url", Usage: "answer the Prometheus query API from this store's API (its base URL) instead of the embedded one", Sources: cli.EnvVars("PLENUM_QUERY_URL")},
			&cli.StringFlag{Name: "query-token", Usage: "bearer token for --query-url", Sources: cli.EnvVars("PLENUM_QUERY_TOKEN")},
			&cli.StringFlag{Name: "profiles", Usage: "a directory of device profiles, added to (and replacing) the embedded ones", Sources: cli.EnvVars("PLENUM_PROFILES")},
			&cli.IntFlag{Name: "poll-concurrency", Value: 64, Usage: "the most polls at once", Sources: cli.EnvVars("PLENUM_POLL_CONCURRENCY")},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			m := NewMain()
			m.Config = configFrom(cmd)
			m.Config.Addr = cmd.String("addr")
			m.Config.Demo = cmd.Bool("demo")
			m.Config.Retention, m.Config.RetentionBytes = cmd.Duration("retention"), cmd.Int64("retention-bytes")
			m.Config.Forward = telemetry.Forward{URL: cmd.String("forward-url"), Token: cmd.String("forward-token")}
			m.Config.Query = telemetry.External{URL: cmd.String("query-url"), Token: cmd.String("query-token")}
			m.Config.Profiles, m.Config.PollConcurrency = cmd.String("profiles"), cmd.Int("poll-concurrency")
			lvl, err := parseLevel(cmd.String("log-level"))
			if err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			m.Config.LogLevel = lvl
			if err := m.Run(ctx); err != nil {
				m.Close()
				return err
			}
			if m.Config.Demo {
				_, secret, err := m.Store.CreateToken(ctx, "demo-admin", true, nil)
				if err != nil {
					m.Close()
					return err
				}
				fmt.Fprintf(cmd.Writer, "\nPlenum demo is serving at %s\nAdmin token: %s\nTry: curl -H 'Authorization: Bearer %s' %s/api/v1/racks\n\n",
					m.URL(), secret, secret, m.URL())
			}
			<-ctx.Done()
			m.Logger.Info("shutting down")
			return m.Close()
		},
	}
}

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "apply pending database migrations (serve does this too) and list them",
		Flags: dataFlags(),
		Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
			lines, err := st.MigrationStatus(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.Writer, "%s database is up to date:\n", st.Dialect())
			for _, l := range lines {
				fmt.Fprintln(cmd.Writer, " ", l)
			}
			return nil
		}),
	}
}

// parseExpiry reads a duration such as 90m, 12h or 30d.
func parseExpiry(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--expires %q: want a duration such as 12h or 30d", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d <= 0 {
			return nil, fmt.Errorf("--expires %q: want a duration such as 12h or 30d", s)
		}
	}
	t := time.Now().Add(d).UTC()
	return &t, nil
}

func tokenCommand() *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "manage API tokens (works on the database directly, server up or not)",
		Commands: []*cli.Command{
			{
				Name:  "create",
				Usage: "create a token and print it; it is shown only this once",
				Flags: append(dataFlags(),
					&cli.StringFlag{Name: "name", Usage: "what the token is for", Required: true},
					&cli.BoolFlag{Name: "read-only", Usage: "refuse writes made with this token"},
					&cli.StringFlag{Name: "expires", Usage: "lifetime, e.g. 12h or 30d (default: never)"},
				),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					exp, err := parseExpiry(cmd.String("expires"))
					if err != nil {
						return err
					}
					st, err := openStore(ctx, cmd)
					if err != nil {
						return err
					}
					defer st.Close()
					_, secret, err := st.CreateToken(ctx, cmd.String("name"), !cmd.Bool("read-only"), exp)
					if err != nil {
						return err
					}
					fmt.Fprintln(cmd.Writer, secret)
					return nil
				},
			},
			{
				Name:  "list",
				Usage: "list tokens (never their secrets)",
				Flags: dataFlags(),
				Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
					toks, err := st.Tokens(ctx)
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.Writer, "%-5s %-20s %-12s %-6s %-25s %s\n", "ID", "NAME", "PREFIX", "WRITE", "EXPIRES", "LAST USED")
					for _, t := range toks {
						exp, used := "never", "never"
						if t.Expires != nil {
							exp = t.Expires.Format(time.RFC3339)
						}
						if t.LastUsed != nil {
							used = t.LastUsed.Format(time.RFC3339)
						}
						fmt.Fprintf(cmd.Writer, "%-5d %-20s %-12s %-6v %-25s %s\n", t.ID, t.Name, t.Prefix+"…", t.WriteEnabled, exp, used)
					}
					return nil
				}),
			},
			{
				Name:      "revoke",
				Usage:     "delete a token by id",
				ArgsUsage: "ID",
				Flags:     dataFlags(),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					id, err := strconv.ParseInt(cmd.Args().First(), 10, 64)
					if err != nil {
						return fmt.Errorf("token revoke: want a token id, got %q", cmd.Args().First())
					}
					st, err := openStore(ctx, cmd)
					if err != nil {
						return err
					}
					defer st.Close()
					return st.RevokeToken(ctx, id)
				},
			},
		},
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// withStore is a command action on the database: it opens the store for fn and closes it after.
func withStore(fn func(ctx context.Context, cmd *cli.Command, st *store.Store) error) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		st, err := openStore(ctx, cmd)
		if err != nil {
			return err
		}
		defer st.Close()
		return fn(ctx, cmd, st)
	}
}
