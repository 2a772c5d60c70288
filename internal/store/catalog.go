package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// UpsertDeviceType creates or updates a device type keyed by manufacturer name and model, creating
// the manufacturer if needed: the catalogue import is idempotent, and every check and change-log
// entry of an ordinary write applies.
func (s *Store) UpsertDeviceType(ctx context.Context, manufacturer string, dt dcim.DeviceType) (created bool, err error) {
	err = s.write(ctx, func(t *tx) error {
		var mID int64
		err := t.QueryRowContext(ctx, "SELECT id FROM manufacturers WHERE name = $1", manufacturer).Scan(&mID)
		if errors.Is(err, sql.ErrNoRows) {
			m, err := s.Manufacturers().createTx(ctx, t, dcim.Manufacturer{Name: manufacturer})
			if err != nil {
				return dcim.Prefix(err, "manufacturer")
			}
			mID = m.ID
		} else if err != nil {
			return err
		}
		dt.ManufacturerID = mID
		var id int64
		err = t.QueryRowContext(ctx, "SELECT id FROM device_types WHERE manufacturer_id = $1 AND model = $2", mID, dt.Model).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			created = true
			_, err = s.DeviceTypes().createTx(ctx, t, dt)
			return err
		}
		if err != nil {
			return err
		}
		old, err := deviceTypeTable.get(ctx, t, s.dialect, id, true)
		if err != nil {
			return err
		}
		dt.Meta = dcim.Meta{ID: id}
		if dt.Tags == nil {
			dt.Tags = old.Tags
		}
		_, err = s.DeviceTypes().updateTx(ctx, t, dt)
		return err
	})
	return created, err
}
