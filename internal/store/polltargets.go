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
		col("power_node_id", func(v *dcim.PollTarget) any { return &v.PowerNodeID }),
		col("cooling_unit_id", func(v *dcim.PollTarget) any { return &v.CoolingUnitID }),
		col("sensor_point_id", func(v *dcim.PollTarget) any { return &v.SensorPointID }),
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
		"device_id": {"device_id", filterInt}, "power_node_id": {"power_node_id", filterInt},
		"cooling_unit_id": {"cooling_unit_id", filterInt}, "sensor_point_id": {"sensor_point_id", filterInt},
		"enabled": {"enabled", filterBool}, "profile": {"profile", filterString}},
	search:    []string{"name", "url", "description"},
	orderings: []string{"name", "url", "created", "last_updated"},
	uniques:   []unique{{"name", []string{"name"}}},
	refs: []ref{{"device_id", "device_id", "devices", dcim.TypeDevice},
		{"power_node_id", "power_node_id", "power_nodes", dcim.TypePowerNode},
		{"cooling_unit_id", "cooling_unit_id", "cooling_units", dcim.TypeCoolingUnit},
		{"sensor_point_id", "sensor_point_id", "sensor_points", dcim.TypeSensorPoint}},
}

func init() {
	pollTargetTable.check = checkPollTarget
	pollTargetTable.after = afterPollTarget
}

// PollTargets returns the poll-target operations.
func (s *Store) PollTargets() Resource[dcim.PollTarget] {
	return Resource[dcim.PollTarget]{s, pollTargetTable}
}

// checkPollTarget takes the site from what the target is (its device, power node, cooling unit or
// sensor point), which must all be in one site, and wants credentials for a new target whose
// protocol cannot do without.
func checkPollTarget(ctx context.Context, t *tx, old, p *dcim.PollTarget) error {
	type object struct {
		field, what string
		site        int64
	}
	var objs []object
	if p.DeviceID != nil {
		d, err := mustGet(ctx, t, deviceTable, *p.DeviceID, "device_id", false)
		if err != nil {
			return err
		}
		objs = append(objs, object{"device_id", fmt.Sprintf("device %q", d.Name), d.SiteID})
	}
	if p.PowerNodeID != nil {
		n, err := mustGet(ctx, t, powerNodeTable, *p.PowerNodeID, "power_node_id", false)
		if err != nil {
			return err
		}
		objs = append(objs, object{"power_node_id", fmt.Sprintf("power node %q", n.Name), n.SiteID})
	}
	if p.CoolingUnitID != nil {
		u, err := mustGet(ctx, t, coolingUnitTable, *p.CoolingUnitID, "cooling_unit_id", false)
		if err != nil {
			return err
		}
		objs = append(objs, object{"cooling_unit_id", fmt.Sprintf("cooling unit %q", u.Name), u.SiteID})
	}
	if p.SensorPointID != nil {
		sp, err := mustGet(ctx, t, sensorPointTable, *p.SensorPointID, "sensor_point_id", false)
		if err != nil {
			return err
		}
		objs = append(objs, object{"sensor_point_id", fmt.Sprintf("sensor point %q", sp.Name), sp.SiteID})
	}
	switch {
	case len(objs) > 0:
		for _, o := range objs[1:] {
			if o.site != objs[0].site {
				return dcim.Invalid(o.field, "%s is in another site than %s", o.what, objs[0].what)
			}
		}
		if p.SiteID != 0 && p.SiteID != objs[0].site {
			return dcim.Invalid("site_id", "%s is in another site", objs[0].what)
		}
		p.SiteID = objs[0].site
	case p.SiteID == 0:
		return dcim.Invalid("site_id", "give the site, or what the target is: device_id, power_node_id, cooling_unit_id or sensor_point_id")
	default:
		if _, err := mustGet(ctx, t, siteTable, p.SiteID, "site_id", false); err != nil {
			return err
		}
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
// measures: the names of its site, and of the device, power node, cooling unit or sensor point it
// is, with the room and rack they stand in.
type PlannedTarget struct {
	Target      dcim.PollTarget
	Credentials string
	Labels      map[string]string
}

// PollPlan lists the enabled poll targets, for the pollers. The room and rack come from the
// device, else the sensor point, else the cooling unit, else the power node; the power node is the
// one named, else the rack-PDU node the device is.
func (s *Store) PollPlan(ctx context.Context) ([]PlannedTarget, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.name, p.url, p.profile, p.interval_seconds, p.timeout_seconds, p.retries,
		COALESCE(c.credentials, ''), s.name, d.id, d.name,
		COALESCE(pn.name, (SELECT MIN(dn.name) FROM power_nodes dn WHERE dn.device_id = d.id)),
		cu.name, sp.name,
		COALESCE(rk.name, sprk.name, curk.name),
		COALESCE(rm.name, sprm.name, curm.name, pnrm.name)
		FROM poll_targets p JOIN sites s ON s.id = p.site_id
		LEFT JOIN poll_target_credentials c ON c.target_id = p.id
		LEFT JOIN devices d ON d.id = p.device_id
		LEFT JOIN racks rk ON rk.id = d.rack_id
		LEFT JOIN rooms rm ON rm.id = rk.room_id
		LEFT JOIN power_nodes pn ON pn.id = p.power_node_id
		LEFT JOIN rooms pnrm ON pnrm.id = pn.room_id
		LEFT JOIN cooling_units cu ON cu.id = p.cooling_unit_id
		LEFT JOIN racks curk ON curk.id = cu.rack_id
		LEFT JOIN rooms curm ON curm.id = cu.room_id
		LEFT JOIN sensor_points sp ON sp.id = p.sensor_point_id
		LEFT JOIN racks sprk ON sprk.id = sp.rack_id
		LEFT JOIN rooms sprm ON sprm.id = sp.room_id
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
		var dev, node, unit, point, rack, room sql.NullString
		p := &pt.Target
		if err := rows.Scan(&p.ID, &p.Name, &p.URL, &p.Profile, &p.IntervalSeconds, &p.TimeoutSeconds, &p.Retries,
			&pt.Credentials, &site, &devID, &dev, &node, &unit, &point, &rack, &room); err != nil {
			return nil, err
		}
		if devID.Valid {
			p.DeviceID = &devID.Int64
		}
		pt.Labels = map[string]string{"site": site, "target": p.Name}
		for name, v := range map[string]sql.NullString{"device": dev, "power_node": node, "cooling_unit": unit,
			"sensor_point": point, "rack": rack, "room": room} {
			if v.Valid {
				pt.Labels[name] = v.String
			}
		}
		out = append(out, pt)
	}
	return out, rows.Err()
}
