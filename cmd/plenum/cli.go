package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/auth"
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
			alertsCommand(),
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

// smtpURLs undoes the flag library's split of slice values at commas, which would cut an
// --alert-email URL's "to=a@example.com,b@example.com" in two: every URL starts with smtp:// or
// smtps://, so a piece that does not belongs to the one before it.
func smtpURLs(pieces []string) []string {
	var out []string
	for _, p := range pieces {
		if scheme, _, _ := strings.Cut(strings.ToLower(p), "://"); len(out) > 0 && scheme != "smtp" && scheme != "smtps" {
			out[len(out)-1] += "," + p
			continue
		}
		out = append(out, p)
	}
	return out
}

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the server",
		Flags: append(dataFlags(),
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "listen address", Sources: cli.EnvVars("PLENUM_ADDR")},
			&cli.BoolFlag{Name: "demo", Usage: "seed the demo facility into an empty database; print an admin token and the demo users (default passwords on a loopback address only)", Sources: cli.EnvVars("PLENUM_DEMO")},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error", Sources: cli.EnvVars("PLENUM_LOG_LEVEL")},
			&cli.DurationFlag{Name: "retention", Value: telemetry.DefaultRetention, Usage: "how long time series are kept", Sources: cli.EnvVars("PLENUM_RETENTION")},
			&cli.Int64Flag{Name: "retention-bytes", Usage: "the most disk the time series may take, bytes (0: no cap; the oldest go first)", Sources: cli.EnvVars("PLENUM_RETENTION_BYTES")},
			&cli.StringFlag{Name: "forward-url", Usage: "also send every sample by remote-write to this Prometheus-compatible store (…/api/v1/write, Mimir's …/api/v1/push)", Sources: cli.EnvVars("PLENUM_FORWARD_URL")},
			&cli.StringFlag{Name: "forward-token", Usage: "bearer token for --forward-url", Sources: cli.EnvVars("PLENUM_FORWARD_TOKEN")},
			&cli.StringFlag{Name: "query-url", Usage: "answer the Prometheus query API from this store's API (its base URL) instead of the embedded one", Sources: cli.EnvVars("PLENUM_QUERY_URL")},
			&cli.StringFlag{Name: "query-token", Usage: "bearer token for --query-url", Sources: cli.EnvVars("PLENUM_QUERY_TOKEN")},
			&cli.StringFlag{Name: "profiles", Usage: "a directory of device profiles, added to (and replacing) the embedded ones", Sources: cli.EnvVars("PLENUM_PROFILES")},
			&cli.IntFlag{Name: "poll-concurrency", Value: 64, Usage: "the most polls at once", Sources: cli.EnvVars("PLENUM_POLL_CONCURRENCY")},
			&cli.StringSliceFlag{Name: "rules", Usage: "Prometheus alerting rule files (paths or globs); repeat for several", Sources: cli.EnvVars("PLENUM_RULES")},
			&cli.StringSliceFlag{Name: "alert-webhook", Usage: "POST alerts to this URL (JSON, signed with --alert-webhook-secret); repeat for several", Sources: cli.EnvVars("PLENUM_ALERT_WEBHOOK")},
			&cli.StringFlag{Name: "alert-webhook-secret", Usage: "the HMAC-SHA256 key the webhooks' X-Plenum-Signature is made with (prefer the environment variable)", Sources: cli.EnvVars("PLENUM_ALERT_WEBHOOK_SECRET")},
			&cli.StringSliceFlag{Name: "alertmanager-url", Usage: "send alerts to this Prometheus Alertmanager (its v2 API), so its routing, grouping and inhibition apply; repeat for several", Sources: cli.EnvVars("PLENUM_ALERTMANAGER_URL")},
			&cli.StringSliceFlag{Name: "alert-email", Usage: "e-mail alerts through this SMTP server: smtp://[USER@]HOST[:PORT]?from=ADDR&to=ADDR[&to=…][&starttls=require|opportunistic|never], or smtps://…; repeat for several", Sources: cli.EnvVars("PLENUM_ALERT_EMAIL")},
			&cli.StringFlag{Name: "alert-email-password", Usage: "the SMTP password of an --alert-email URL that names a user without one (prefer the environment variable)", Sources: cli.EnvVars("PLENUM_ALERT_EMAIL_PASSWORD")},
			&cli.DurationFlag{Name: "alert-interval", Value: 15 * time.Second, Usage: "how often the alert rules are evaluated", Sources: cli.EnvVars("PLENUM_ALERT_INTERVAL")},
			&cli.IntFlag{Name: "alert-forecast-days", Value: 60, Usage: "the built-in CapacityForecast alerts on a room whose space, power or cooling runs out within this many days", Sources: cli.EnvVars("PLENUM_ALERT_FORECAST_DAYS")},
			&cli.DurationFlag{Name: "alert-stale-after", Value: 10 * time.Minute, Usage: "the built-in StaleSeries alerts on series that stopped this long ago while their target answers", Sources: cli.EnvVars("PLENUM_ALERT_STALE_AFTER")},
			&cli.StringFlag{Name: "tls-cert", Usage: "serve HTTPS with this certificate (PEM, chain included)", Sources: cli.EnvVars("PLENUM_TLS_CERT")},
			&cli.StringFlag{Name: "tls-key", Usage: "the private key of --tls-cert (PEM)", Sources: cli.EnvVars("PLENUM_TLS_KEY")},
			&cli.StringFlag{Name: "oidc-issuer", Usage: "single sign-on: the OpenID Connect provider's issuer URL", Sources: cli.EnvVars("PLENUM_OIDC_ISSUER")},
			&cli.StringFlag{Name: "oidc-client-id", Usage: "single sign-on: Plenum's client id at the provider", Sources: cli.EnvVars("PLENUM_OIDC_CLIENT_ID")},
			&cli.StringFlag{Name: "oidc-client-secret", Usage: "single sign-on: the client secret (prefer the environment variable)", Sources: cli.EnvVars("PLENUM_OIDC_CLIENT_SECRET")},
			&cli.StringFlag{Name: "oidc-redirect-url", Usage: "single sign-on: https://plenum.example/api/v1/auth/oidc/callback", Sources: cli.EnvVars("PLENUM_OIDC_REDIRECT_URL")},
			&cli.StringFlag{Name: "oidc-role-claim", Value: "groups", Usage: "single sign-on: the claim holding the user's groups", Sources: cli.EnvVars("PLENUM_OIDC_ROLE_CLAIM")},
			&cli.StringFlag{Name: "oidc-roles", Usage: "single sign-on: group=role pairs, e.g. noc-admins=admin,noc=operator,staff=viewer,customers=tenant", Sources: cli.EnvVars("PLENUM_OIDC_ROLES")},
			&cli.StringFlag{Name: "oidc-tenant-claim", Value: "tenant", Usage: "single sign-on: the claim naming a tenant user's tenant (its slug)", Sources: cli.EnvVars("PLENUM_OIDC_TENANT_CLAIM")},
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
			m.Config.TLSCert, m.Config.TLSKey = cmd.String("tls-cert"), cmd.String("tls-key")
			m.Config.Rules, m.Config.AlertInterval = cmd.StringSlice("rules"), cmd.Duration("alert-interval")
			if d := cmd.Int("alert-forecast-days"); d < 1 || d > 3650 {
				return fmt.Errorf("--alert-forecast-days %d: want 1 to 3650", d)
			}
			if d := cmd.Duration("alert-stale-after"); d < time.Minute {
				return fmt.Errorf("--alert-stale-after %s: want a minute or more", d)
			}
			m.Config.ForecastDays, m.Config.StaleAfter = int(cmd.Int("alert-forecast-days")), cmd.Duration("alert-stale-after")
			m.Config.Webhooks, m.Config.WebhookSecret = cmd.StringSlice("alert-webhook"), cmd.String("alert-webhook-secret")
			m.Config.Alertmanagers = cmd.StringSlice("alertmanager-url")
			for _, u := range smtpURLs(cmd.StringSlice("alert-email")) {
				e, err := alert.ParseEmail(u, cmd.String("alert-email-password"))
				if err != nil {
					return fmt.Errorf("--alert-email: %w", err)
				}
				m.Config.Emails = append(m.Config.Emails, e)
			}
			if issuer := cmd.String("oidc-issuer"); issuer != "" {
				roles, err := auth.ParseRoleMap(cmd.String("oidc-roles"))
				if err != nil {
					return fmt.Errorf("--oidc-roles: %w", err)
				}
				m.Config.OIDC = auth.OIDCConfig{Issuer: issuer, ClientID: cmd.String("oidc-client-id"), ClientSecret: cmd.String("oidc-client-secret"),
					RedirectURL: cmd.String("oidc-redirect-url"), RoleClaim: cmd.String("oidc-role-claim"), RoleMap: roles,
					TenantClaim: cmd.String("oidc-tenant-claim")}
			}
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
				fmt.Fprintf(cmd.Writer, "\nPlenum demo is serving at %s\nAdmin token: %s\nTry: curl -H 'Authorization: Bearer %s' %s/api/v1/racks\n",
					m.URL(), secret, secret, m.URL())
				fmt.Fprintln(cmd.Writer, "Demo users (sign in: POST /api/v1/auth/login {\"name\", \"password\"}):")
				for _, c := range m.DemoUsers {
					pw := c.Password
					if pw == "" {
						pw = "(changed; not the demo's)"
					}
					fmt.Fprintf(cmd.Writer, "  %-9s %-9s %-22s %s\n", c.Name, c.Role, c.Tenant, pw)
				}
				fmt.Fprintln(cmd.Writer)
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

func tokenCommand() *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "manage API tokens (works on the database directly, server up or not)",
		Commands: []*cli.Command{
			{
				Name: "create",
				Usage: "create a token and print it; it is shown only this once. With --user it acts for that user, with its role; " +
					"without, it is a built-in admin token",
				Flags: append(dataFlags(),
					&cli.StringFlag{Name: "name", Value: "cli", Usage: "what the token is for"},
					&cli.StringFlag{Name: "user", Usage: "the user it acts for (default: none, a built-in admin token)"},
					&cli.StringFlag{Name: "scope", Usage: "read or write (default: write for a built-in admin token, read for a user's)"},
					&cli.BoolFlag{Name: "read-only", Usage: "the same as --scope read"},
					&cli.StringFlag{Name: "expires", Usage: "lifetime (12h, 30d) or a time (2027-01-31); default: never"},
					&cli.StringSliceFlag{Name: "network", Usage: "accept it only from this network (CIDR); repeat for several"},
				),
				Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
					exp, err := auth.ParseExpiry(cmd.String("expires"), time.Now())
					if err != nil {
						return fmt.Errorf("token create: --expires %w", err)
					}
					write := cmd.String("user") == ""
					switch scope := cmd.String("scope"); scope {
					case "":
					case "read", "write":
						write = scope == "write"
					default:
						return fmt.Errorf("token create: --scope %q: want read or write", scope)
					}
					if cmd.Bool("read-only") {
						write = false
					}
					_, secret, err := st.IssueToken(ctx, store.TokenSpec{Name: cmd.String("name"), User: cmd.String("user"), Write: write,
						Expires: exp, Networks: cmd.StringSlice("network")})
					if err != nil {
						return fmt.Errorf("token create: %w", err)
					}
					fmt.Fprintln(cmd.Writer, secret)
					return nil
				}),
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
					fmt.Fprintf(cmd.Writer, "%-5s %-20s %-16s %-12s %-6s %-25s %-25s %s\n", "ID", "NAME", "USER", "PREFIX", "SCOPE", "EXPIRES", "LAST USED", "NETWORKS")
					for _, t := range toks {
						exp, used, user, scope, nets := "never", "never", t.User, "read", "any"
						if t.Expires != nil {
							exp = t.Expires.Format(time.RFC3339)
						}
						if t.LastUsed != nil {
							used = t.LastUsed.Format(time.RFC3339)
						}
						if user == "" {
							user = "(built-in admin)"
						}
						if t.WriteEnabled {
							scope = "write"
						}
						if len(t.Networks) > 0 {
							nets = strings.Join(t.Networks, ",")
						}
						fmt.Fprintf(cmd.Writer, "%-5d %-20s %-16s %-12s %-6s %-25s %-25s %s\n", t.ID, t.Name, user, t.Prefix+"…", scope, exp, used, nets)
					}
					return nil
				}),
			},
			{
				Name:      "revoke",
				Usage:     "delete a token by id; it is refused from then on",
				ArgsUsage: "ID",
				Flags:     dataFlags(),
				Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
					id, err := strconv.ParseInt(cmd.Args().First(), 10, 64)
					if err != nil {
						return fmt.Errorf("token revoke: want a token id, got %q", cmd.Args().First())
					}
					if err := st.RevokeToken(ctx, id); err != nil {
						return fmt.Errorf("token revoke: %w", err)
					}
					fmt.Fprintf(cmd.Writer, "token %d revoked\n", id)
					return nil
				}),
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
