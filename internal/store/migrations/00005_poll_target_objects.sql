-- +goose Up
-- A poll target may be a power node with no device of its own (a UPS or meter polled directly), a
-- cooling unit (a CRAH's card, a CDU's Redfish service) or a sensor point (a probe), so that its
-- readings carry that object's identity (issue #4).
ALTER TABLE poll_targets ADD COLUMN power_node_id BIGINT REFERENCES power_nodes(id);
ALTER TABLE poll_targets ADD COLUMN cooling_unit_id BIGINT REFERENCES cooling_units(id);
ALTER TABLE poll_targets ADD COLUMN sensor_point_id BIGINT REFERENCES sensor_points(id);
CREATE INDEX poll_targets_power_node ON poll_targets(power_node_id);
CREATE INDEX poll_targets_cooling_unit ON poll_targets(cooling_unit_id);
CREATE INDEX poll_targets_sensor_point ON poll_targets(sensor_point_id);

-- +goose Down
DROP INDEX poll_targets_sensor_point;
DROP INDEX poll_targets_cooling_unit;
DROP INDEX poll_targets_power_node;
ALTER TABLE poll_targets DROP COLUMN sensor_point_id;
ALTER TABLE poll_targets DROP COLUMN cooling_unit_id;
ALTER TABLE poll_targets DROP COLUMN power_node_id;
