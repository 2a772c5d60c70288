package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

var pollTargetTable = &table[dcim.PollTarget]{
	name: "poll_targets", objType: dcim.TypePollTarget,
	columns: []column[dcim.PollTarget]{
		col("site_id", func(v *dcim.PollTarget) any { return &v.SiteID }),
		col("device_id", func(v *dcim.PollTarget) any { return &v.DeviceID }),
		col("name", func(v *dcim.PollTarget) any { return &v.Name }),
		col("url", func(v *dcim.PollTarget) any { return &v.URL }),
		col("profile", func(v *dcim.PollTarget) any { return &v.Profile }),
		col("interval_seconds", func(v *dcim.PollTarget) any { return &v.IntervalSeconds }),
		col("timeout_seconds", func(v *dcim.PollTarget) any { return &v.TimeoutSeconds }),
		col("retries", func(v *dcim.PollTarget) any { return &v.Retries }),
		col("enabled", func(v *dcim.PollTarget) any { return &v.Enabled }),
		col("description", func(v *dcim.PollTarget) any { return &v.Description }),
	},
	meta:      func(v *dcim.PollTarget) *dcim.Meta { return &v.Meta },
	tags:      func(v *dcim.PollTarget) *[]string { return &v.Tags },
	repr:      func(v *dcim.PollTarget) string { return v.Name },
	normalize: (*dcim.PollTarget).Normalize,
	filters: map[string]filter{"id": {"id", filterInt}, "name": {"name", filterString}, "site_id": {"site_id", filterInt},
		"device_id": {"device_id", filterInt}, "enabled": {"enabled", filterBool}, "profile": {"profile", filterString}},
	search:    []string{"name", "url", "description"},
	orderings: []string{"name", "url", "created", "last_updated"},
	uniques:   []unique{{"name", []string{"name"}}},
	refs:      []ref{{"device_id", "device_id", "devices", dcim.TypeDevice}},
}

func init() {
	pollTargetTable.check = checkPollTarget
	pollTargetTable.after = afterPollTarget
}

// PollTargets returns the poll-target operations.
func (s *Store) PollTargets() Resource[dcim.PollTarget] {
	return Resource[dcim.PollTarget]{s, pollTargetTable}
}

// checkPollTarget takes the site from the device polled, and wants credentials for a new target
// whose protocol cannot do without.
func checkPollTarget(ctx context.Context, t *tx, old, p *dcim.PollTarget) error {
	if p.DeviceID != nil {
		d, err := mustGet(ctx, t, deviceTable, *p.DeviceID, "device_id", false)
		if err != nil {
			return err
		}
		if p.SiteID != 0 && p.SiteID != d.SiteID {
			return dcim.Invalid("site_id", "device %q is in another site", d.Name)
		}
		p.SiteID = d.SiteID
	} else if p.SiteID == 0 {
		return dcim.Invalid("site_id", "give the site, or the device polled")
	} else if _, err := mustGet(ctx, t, siteTable, p.SiteID, "site_id", false); err != nil {
		return err
	}
	if old == nil && p.Credentials == "" && p.NeedsCredentials() {
		return dcim.Invalid("credentials", "an SNMP target needs them: the community, or USER:AUTHKEY:PRIVKEY for v3")
	}
	return nil
}

// afterPollTarget stores new credentials apart, and keeps them out of what is returned.
func afterPollTarget(ctx context.Context, t *tx, _, p *dcim.PollTarget) error {
	if p.Credentials == "" {
		return nil
	}
	if _, err := t.ExecContext(ctx, "DELETE FROM poll_target_credentials WHERE target_id = $1", p.ID); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	if _, err := t.ExecContext(ctx, "INSERT INTO poll_target_credentials (target_id, credentials) VALUES ($1, $2)", p.ID, p.Credentials); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	p.Credentials = ""
	return nil
}

// PlannedTarget is an enabled poll target with its credentials and the identity of what it
// measures: the names of its site, and of its device's room and rack where it has a device, and of
// the power node the device is (a rack PDU).
type PlannedTarget struct {
	Target      dcim.PollTarget
	Credentials string
	Labels      map[string]string
}

// PollPlan lists the enabled poll targets, for the pollers.
func (s *Store) PollPlan(ctx context.Context) ([]PlannedTarget, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.name, p.url, p.profile, p.interval_seconds, p.timeout_seconds, p.retries,
		COALESCE(c.credentials, ''), COALESCE(ds.name, s.name), d.id, d.name, rk.name, rm.name,
		(SELECT MIN(pn.name) FROM power_nodes pn WHERE pn.device_id = d.id)
		FROM poll_targets p JOIN sites s ON s.id = p.site_id
		LEFT JOIN poll_target_credentials c ON c.target_id = p.id
		LEFT JOIN devices d ON d.id = p.device_id
		LEFT JOIN sites ds ON ds.id = d.site_id
		LEFT JOIN racks rk ON rk.id = d.rack_id
		LEFT JOIN rooms rm ON rm.id = rk.room_id
		WHERE p.enabled ORDER BY p.id`)
	if err != nil {
		return nil, fmt.Errorf("poll plan: %w", err)
	}
	defer rows.Close()
	var out []PlannedTarget
	for rows.Next() {
		var pt PlannedTarget
		var site string
		var devID sql.NullInt64
		var dev, rack, room, node sql.NullString
		p := &pt.Target
		if err := rows.Scan(&p.ID, &p.Name, &p.URL, &p.Profile, &p.IntervalSeconds, &p.TimeoutSeconds, &p.Retries,
			&pt.Credentials, &site, &devID, &dev, &rack, &room, &node); err != nil {
			return nil, err
		}
		pt.Labels = map[string]string{"site": site, "target": p.Name}
		if devID.Valid {
			p.DeviceID = &devID.Int64
			pt.Labels["device"] = dev.String
		}
		if rack.Valid {
			pt.Labels["rack"] = rack.String
		}
		if room.Valid {
			pt.Labels["room"] = room.String
		}
		if node.Valid { // the device is a rack PDU: its readings are that node's
			pt.Labels["power_node"] = node.String
		}
		out = append(out, pt)
	}
	return out, rows.Err()
}
