package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/collect/modbus"
	"github.com/plenum-dcim/plenum/internal/collect/redfish"
	"github.com/plenum-dcim/plenum/internal/collect/snmp"
)

// pollCommand runs one poll of a device and prints what it read: for commissioning a new device.
func pollCommand() *cli.Command {
	return &cli.Command{
		Name:      "poll",
		Usage:     "poll a device once and print what it read (snmp://COMMUNITY@HOST:PORT, snmpv3://USER:AUTHKEY:PRIVKEY@HOST:PORT, modbus://HOST:PORT?profile=NAME&unit=N, redfish://USER:PASSWORD@HOST:PORT, https://…)",
		ArgsUsage: "URL",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array of {name, labels, value, unit} (missing values with missing and reason)"},
			&cli.StringFlag{Name: "profile", Usage: "use this profile instead of choosing by sysObjectID"},
			&cli.StringFlag{Name: "profiles", Usage: "a directory of profile files, added to (and replacing) the embedded ones", Sources: cli.EnvVars("PLENUM_PROFILES")},
			&cli.DurationFlag{Name: "timeout", Value: 5 * time.Second, Usage: "per request"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			raw := cmd.Args().First()
			if raw == "" {
				return fmt.Errorf("poll: give the device's URL, e.g. snmp://public@10.0.0.5:161")
			}
			var res collect.Result
			switch {
			case strings.HasPrefix(raw, "snmp://"), strings.HasPrefix(raw, "snmpv3://"):
				t, err := snmp.ParseURL(raw, "")
				if err != nil {
					return fmt.Errorf("poll: %w", err)
				}
				t.Timeout = cmd.Duration("timeout")
				ps, err := snmp.LoadProfiles(cmd.String("profiles"))
				if err != nil {
					return fmt.Errorf("poll: %w", err)
				}
				if res, err = ps.Poll(ctx, t, cmd.String("profile")); err != nil {
					return fmt.Errorf("poll: %w", err)
				}
			case strings.HasPrefix(raw, "modbus://"):
				t, err := modbus.ParseURL(raw)
				if err != nil {
					return fmt.Errorf("poll: %w", err)
				}
				t.Timeout = cmd.Duration("timeout")
				ps, err := modbus.LoadProfiles(cmd.String("profiles"))
				if err != nil {
					return fmt.Errorf("poll: %w", err)
				}
				if res, err = ps.Poll(ctx, t, cmd.String("profile")); err != nil {
					return fmt.Errorf("poll: %w", err)
				}
			case strings.HasPrefix(raw, "redfish://"), strings.HasPrefix(raw, "https://"), strings.HasPrefix(raw, "http://"):
				t, err := redfish.ParseURL(raw, "")
				if err != nil {
					return fmt.Errorf("poll: %w", err)
				}
				t.Timeout = cmd.Duration("timeout")
				if res, err = redfish.Poll(ctx, t); err != nil {
					return fmt.Errorf("poll: %w", err)
				}
			default:
				return fmt.Errorf("poll: %q: want snmp://, snmpv3://, modbus://, redfish:// or https://", raw)
			}
			missing := 0
			for _, r := range res.Readings {
				if r.Missing {
					missing++
				}
			}
			fmt.Fprintf(cmd.ErrWriter, "profile %s: %d readings, %d missing\n", res.Profile, len(res.Readings), missing)
			if cmd.Bool("json") {
				if res.Readings == nil {
					res.Readings = []collect.Reading{}
				}
				enc := json.NewEncoder(cmd.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(res.Readings)
			}
			w := tabwriter.NewWriter(cmd.Writer, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tLABELS\tVALUE\tUNIT\tSOURCE")
			for _, r := range res.Readings {
				keys := make([]string, 0, len(r.Labels))
				for k := range r.Labels {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				var lbls []string
				for _, k := range keys {
					lbls = append(lbls, k+"="+r.Labels[k])
				}
				val := fmt.Sprintf("%g", r.Value)
				if r.Missing {
					val = "missing: " + r.Reason
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Name, strings.Join(lbls, ","), val, r.Unit, r.Source)
			}
			return w.Flush()
		},
	}
}
