package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// password reads a password from the command's standard input (its first line) with
// --password-stdin, or makes one (printed once) without it.
func password(cmd *cli.Command) (pw string, made bool, err error) {
	if cmd.Bool("password-stdin") {
		line, err := bufio.NewReader(cmd.Reader).ReadString('\n')
		if err != nil && line == "" {
			return "", false, fmt.Errorf("no password on standard input")
		}
		return strings.TrimRight(line, "\r\n"), false, nil
	}
	raw := make([]byte, 15)
	if _, err := rand.Read(raw); err != nil {
		return "", false, err
	}
	return strings.ToLower(base32.StdEncoding.EncodeToString(raw)), true, nil
}

func userCommand() *cli.Command {
	pwFlag := &cli.BoolFlag{Name: "password-stdin", Usage: "read the password from standard input (else one is made and printed once)"}
	return &cli.Command{
		Name:  "user",
		Usage: "manage the people who sign in (works on the database directly)",
		Commands: []*cli.Command{
			{
				Name:  "create",
				Usage: "create a user: admin, operator, viewer, or tenant (with --tenant)",
				Flags: append(dataFlags(),
					&cli.StringFlag{Name: "name", Usage: "login name", Required: true},
					&cli.StringFlag{Name: "role", Usage: "admin, operator, viewer or tenant", Required: true},
					&cli.StringFlag{Name: "tenant", Usage: "a tenant user's tenant (name or id)"},
					pwFlag,
				),
				Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
					u := dcim.User{Name: cmd.String("name"), Role: cmd.String("role")}
					if arg := cmd.String("tenant"); arg != "" {
						t, err := findTenant(ctx, st, arg)
						if err != nil {
							return fmt.Errorf("user create: %w", err)
						}
						u.TenantID = &t.ID
					}
					pw, made, err := password(cmd)
					if err != nil {
						return err
					}
					if u, err = st.CreateUser(ctx, u, pw); err != nil {
						return fmt.Errorf("user create: %w", err)
					}
					fmt.Fprintf(cmd.Writer, "user %q (%s) created\n", u.Name, u.Role)
					if made {
						fmt.Fprintf(cmd.Writer, "Password: %s\n", pw)
					}
					return nil
				}),
			},
			{
				Name:  "list",
				Usage: "list users (never their passwords)",
				Flags: dataFlags(),
				Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
					users, err := st.Users(ctx)
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.Writer, "%-5s %-24s %-9s %-7s %-9s %s\n", "ID", "NAME", "ROLE", "TENANT", "DISABLED", "LAST LOGIN")
					for _, u := range users {
						tenant, last := "-", "never"
						if u.TenantID != nil {
							tenant = fmt.Sprint(*u.TenantID)
						}
						if u.LastLogin != nil {
							last = u.LastLogin.Format(time.RFC3339)
						}
						fmt.Fprintf(cmd.Writer, "%-5d %-24s %-9s %-7s %-9v %s\n", u.ID, u.Name, u.Role, tenant, u.Disabled, last)
					}
					return nil
				}),
			},
			{
				Name:      "disable",
				Usage:     "stop a user from signing in",
				ArgsUsage: "NAME",
				Flags:     dataFlags(),
				Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
					if err := st.DisableUser(ctx, cmd.Args().First()); err != nil {
						return fmt.Errorf("user disable: %w", err)
					}
					fmt.Fprintf(cmd.Writer, "user %q disabled\n", cmd.Args().First())
					return nil
				}),
			},
			{
				Name:      "reset-password",
				Usage:     "give a user a new password",
				ArgsUsage: "NAME",
				Flags:     append(dataFlags(), pwFlag),
				Action: withStore(func(ctx context.Context, cmd *cli.Command, st *store.Store) error {
					pw, made, err := password(cmd)
					if err != nil {
						return err
					}
					if err := st.SetPassword(ctx, cmd.Args().First(), pw); err != nil {
						return fmt.Errorf("user reset-password: %w", err)
					}
					fmt.Fprintf(cmd.Writer, "password of %q changed\n", cmd.Args().First())
					if made {
						fmt.Fprintf(cmd.Writer, "Password: %s\n", pw)
					}
					return nil
				}),
			},
		},
	}
}
