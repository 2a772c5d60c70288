package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// What a tenant user sees (issue #6), in one place: for each table, the rows that are the tenant's,
// as an SQL condition on the table's columns with $T for the tenant id. A table not listed is not
// shown to tenants at all; an empty condition shows every row. Every list, get, search, filter,
// export and bulk operation of the generic resources goes through tenantScope, and every object a
// write names goes through it (mustGet, the reference checks), so no path reads around it.
//
// A tenant's racks are those assigned to it; its devices are those assigned to it and, in its
// racks, those assigned to no one (the rack PDUs that feed its equipment); its rooms, rows and
// sites are those holding its racks (or assigned to it). The device-type catalog is not anyone's.
var tenantScopes = map[string]string{
	"tenants":           "id = $T",
	"sites":             "tenant_id = $T OR id IN (SELECT site_id FROM racks WHERE tenant_id = $T)",
	"rooms":             "tenant_id = $T OR id IN (SELECT room_id FROM racks WHERE tenant_id = $T)",
	"rack_rows":         "id IN (SELECT row_id FROM racks WHERE tenant_id = $T)",
	"racks":             "tenant_id = $T",
	"rack_reservations": "tenant_id = $T AND rack_id IN (SELECT id FROM racks WHERE tenant_id = $T)",
	"manufacturers":     "", // all
	"device_types":      "",
	"devices":           tenantDevices,
	"power_ports":       "device_id IN (SELECT id FROM devices WHERE " + tenantDevices + ")",
	"power_outlets":     "device_id IN (SELECT id FROM devices WHERE " + tenantDevices + ")",
	"sensor_points":     "rack_id IN (SELECT id FROM racks WHERE tenant_id = $T)",
	"meters":            "tenant_id = $T",
	"meter_readings":    "meter_id IN (SELECT id FROM meters WHERE tenant_id = $T)",
	"contracts":         "tenant_id = $T",
	"tariffs":           "name IN (SELECT tariff FROM contracts WHERE tenant_id = $T)",
	// Alerts on the tenant's racks and devices (not on the shared chain above them).
	"alerts": "(object_type = 'rack' AND object_id IN (SELECT id FROM racks WHERE tenant_id = $T)) OR " +
		"(object_type = 'device' AND object_id IN (SELECT id FROM devices WHERE " + tenantDevices + "))",
}

const tenantDevices = "tenant_id = $T OR (tenant_id IS NULL AND rack_id IN (SELECT id FROM racks WHERE tenant_id = $T))"

// tenantScope returns the condition limiting a query on table to the actor's tenant, with its
// argument appended to args: "" for an actor that is not a tenant user, an EForbidden error for a
// table tenants do not see.
func tenantScope(ctx context.Context, table string, args *[]any) (string, error) {
	tenant, ok := dcim.ActorFrom(ctx).Tenant()
	if !ok {
		return "", nil
	}
	cond, ok := tenantScopes[table]
	if !ok {
		return "", dcim.Errorf(dcim.EForbidden, "a tenant user cannot see %s", strings.ReplaceAll(table, "_", " "))
	}
	if cond == "" {
		return "", nil
	}
	*args = append(*args, tenant)
	return "(" + strings.ReplaceAll(cond, "$T", "$"+strconv.Itoa(len(*args))) + ")", nil
}

// TenantSees reports whether the actor of ctx may see row id of table: always for an actor that is
// not a tenant user.
func (s *Store) TenantSees(ctx context.Context, table string, id int64) (bool, error) {
	return inScope(ctx, s.db, table, id)
}

func inScope(ctx context.Context, q querier, table string, id int64) (bool, error) {
	args := []any{id}
	cond, err := tenantScope(ctx, table, &args)
	if err != nil || cond == "" {
		return cond == "" && err == nil, err
	}
	var one int
	err = q.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE id = $1 AND "+cond, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("scope of %s: %w", table, err)
	}
	return true, nil
}

// visible returns a not-found error when the actor may not see object id: to a tenant, another
// tenant's object does not exist.
func (tb *table[T]) visible(ctx context.Context, q querier, id int64) error {
	ok, err := inScope(ctx, q, tb.name, id)
	if err != nil {
		return err
	}
	if !ok {
		return dcim.NotFound(tb.objType, id)
	}
	return nil
}

// stayVisible refuses a write that would leave object id outside the actor's tenant (a tenant
// user naming another tenant, or another tenant's rack).
func (tb *table[T]) stayVisible(ctx context.Context, q querier, id int64) error {
	ok, err := inScope(ctx, q, tb.name, id)
	if err != nil {
		return err
	}
	if !ok {
		return dcim.Errorf(dcim.EForbidden, "a tenant user may only write its own tenant's %s, in its own racks", tb.objType)
	}
	return nil
}

// SeriesScope is what of the time series a tenant sees: its devices by site and name, and its racks
// by site, room and name.
type SeriesScope struct {
	devices map[[2]string]bool
	racks   map[[3]string]bool
	// rackNames: by site and rack name, whether every rack of that name in the site is the tenant's
	// (a series naming a rack but no room is the tenant's only then).
	rackNames map[[2]string]bool
}

// Sees reports whether a series with these labels is the tenant's: it names one of its devices,
// or, naming no device, one of its racks.
func (sc SeriesScope) Sees(site, room, rack, device string) bool {
	switch {
	case site == "":
		return false
	case device != "":
		return sc.devices[[2]string{site, device}]
	case rack == "":
		return false
	case room != "":
		return sc.racks[[3]string{site, room, rack}]
	default:
		return sc.rackNames[[2]string{site, rack}]
	}
}

// TenantSeriesScope reads a tenant's devices and racks by name.
func (s *Store) TenantSeriesScope(ctx context.Context, tenant int64) (SeriesScope, error) {
	sc := SeriesScope{devices: map[[2]string]bool{}, racks: map[[3]string]bool{}, rackNames: map[[2]string]bool{}}
	rows, err := s.db.QueryContext(ctx, `SELECT s.name, d.name FROM devices d JOIN sites s ON s.id = d.site_id
		WHERE d.id IN (SELECT id FROM devices WHERE `+strings.ReplaceAll(tenantDevices, "$T", "$1")+`)`, tenant)
	if err != nil {
		return sc, fmt.Errorf("tenant devices: %w", err)
	}
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			rows.Close()
			return sc, err
		}
		sc.devices[k] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sc, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT s.name, rm.name, r.name, r.tenant_id = $1 FROM racks r
		JOIN sites s ON s.id = r.site_id JOIN rooms rm ON rm.id = r.room_id
		WHERE s.id IN (SELECT site_id FROM racks WHERE tenant_id = $1)`, tenant)
	if err != nil {
		return sc, fmt.Errorf("tenant racks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k [3]string
		var mine sql.NullBool
		if err := rows.Scan(&k[0], &k[1], &k[2], &mine); err != nil {
			return sc, err
		}
		if mine.Bool {
			sc.racks[k] = true
		}
		byName := [2]string{k[0], k[2]}
		if prev, seen := sc.rackNames[byName]; !seen {
			sc.rackNames[byName] = mine.Bool
		} else {
			sc.rackNames[byName] = prev && mine.Bool
		}
	}
	return sc, rows.Err()
}

// TenantPowerNodes returns the power nodes a tenant user sees: those that are its devices (the
// rack PDUs in its racks).
func (s *Store) TenantPowerNodes(ctx context.Context, tenant int64) (map[int64]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM power_nodes WHERE device_id IN (SELECT id FROM devices WHERE `+
		strings.ReplaceAll(tenantDevices, "$T", "$1")+`)`, tenant)
	if err != nil {
		return nil, fmt.Errorf("tenant power nodes: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
