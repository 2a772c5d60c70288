-- +goose Up
-- The power chain, cooling and sensor points (issue #3). Written once for both engines, as 00001.

ALTER TABLE sites ADD COLUMN allocated_fraction {{.Float}};
ALTER TABLE devices ADD COLUMN power_redundant BOOLEAN;

CREATE TABLE power_nodes (
    id {{.ID}},
    site_id BIGINT NOT NULL REFERENCES sites(id),
    room_id BIGINT REFERENCES rooms(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    side TEXT NOT NULL DEFAULT '',
    phases INTEGER NOT NULL,
    voltage {{.Float}} NOT NULL,
    lines TEXT NOT NULL DEFAULT '',
    outlet_wiring TEXT NOT NULL DEFAULT '',
    primary_voltage {{.Float}},
    rated_kw {{.Float}},
    rated_kva {{.Float}},
    rated_amps {{.Float}},
    power_factor {{.Float}} NOT NULL,
    derating {{.Float}} NOT NULL,
    modules INTEGER,
    module_kw {{.Float}},
    redundant_modules INTEGER NOT NULL DEFAULT 0,
    inlets INTEGER NOT NULL DEFAULT 0,
    device_id BIGINT UNIQUE REFERENCES devices(id),
    description TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (site_id, name)
);
CREATE INDEX power_nodes_room ON power_nodes(room_id);

CREATE TABLE power_edges (
    id {{.ID}},
    from_id BIGINT NOT NULL REFERENCES power_nodes(id),
    to_id BIGINT NOT NULL REFERENCES power_nodes(id),
    priority INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (from_id, to_id)
);
CREATE INDEX power_edges_to ON power_edges(to_id);

ALTER TABLE power_ports ADD COLUMN outlet_id BIGINT REFERENCES power_outlets(id);
ALTER TABLE power_ports ADD COLUMN power_node_id BIGINT REFERENCES power_nodes(id);
ALTER TABLE power_ports ADD COLUMN lines TEXT NOT NULL DEFAULT '';
ALTER TABLE power_ports ADD COLUMN voltage {{.Float}};
CREATE UNIQUE INDEX power_ports_outlet ON power_ports(outlet_id);
CREATE INDEX power_ports_node ON power_ports(power_node_id);

CREATE TABLE cooling_zones (
    id {{.ID}},
    site_id BIGINT NOT NULL REFERENCES sites(id),
    room_id BIGINT NOT NULL REFERENCES rooms(id),
    name TEXT NOT NULL,
    redundancy TEXT NOT NULL,
    rack_ids TEXT NOT NULL DEFAULT '[]',
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (room_id, name)
);

CREATE TABLE cooling_units (
    id {{.ID}},
    site_id BIGINT NOT NULL REFERENCES sites(id),
    room_id BIGINT NOT NULL REFERENCES rooms(id),
    zone_id BIGINT REFERENCES cooling_zones(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    capacity_kw {{.Float}} NOT NULL,
    power_node_id BIGINT REFERENCES power_nodes(id),
    rack_id BIGINT REFERENCES racks(id),
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (site_id, name)
);
CREATE INDEX cooling_units_zone ON cooling_units(zone_id);

CREATE TABLE sensor_points (
    id {{.ID}},
    site_id BIGINT NOT NULL REFERENCES sites(id),
    room_id BIGINT NOT NULL REFERENCES rooms(id),
    rack_id BIGINT REFERENCES racks(id),
    cooling_unit_id BIGINT REFERENCES cooling_units(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    quantity TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (site_id, name)
);
CREATE INDEX sensor_points_rack ON sensor_points(rack_id);

-- +goose Down
DROP TABLE sensor_points;
DROP TABLE cooling_units;
DROP TABLE cooling_zones;
DROP INDEX power_ports_node;
DROP INDEX power_ports_outlet;
ALTER TABLE power_ports DROP COLUMN voltage;
ALTER TABLE power_ports DROP COLUMN lines;
ALTER TABLE power_ports DROP COLUMN power_node_id;
ALTER TABLE power_ports DROP COLUMN outlet_id;
DROP TABLE power_edges;
DROP TABLE power_nodes;
ALTER TABLE devices DROP COLUMN power_redundant;
ALTER TABLE sites DROP COLUMN allocated_fraction;
