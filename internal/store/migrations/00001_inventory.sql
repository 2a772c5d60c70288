-- +goose Up
-- Written once for both engines: {{.ID}}, {{.TS}} and {{.Float}} are filled per dialect (see migrate.go).

CREATE TABLE tenants (
    id {{.ID}},
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL
);

CREATE TABLE tags (
    id {{.ID}},
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL
);

CREATE TABLE tagged_items (
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    tag_id BIGINT NOT NULL REFERENCES tags(id),
    PRIMARY KEY (object_type, object_id, tag_id)
);
CREATE INDEX tagged_items_tag ON tagged_items(tag_id);

CREATE TABLE sites (
    id {{.ID}},
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    facility TEXT NOT NULL DEFAULT '',
    tenant_id BIGINT REFERENCES tenants(id),
    time_zone TEXT NOT NULL DEFAULT '',
    physical_address TEXT NOT NULL DEFAULT '',
    latitude {{.Float}},
    longitude {{.Float}},
    grid_region TEXT NOT NULL DEFAULT '',
    emission_factor {{.Float}},
    emission_factor_source TEXT NOT NULL DEFAULT '',
    emission_factor_year INTEGER,
    supply_voltage_ln {{.Float}},
    supply_voltage_ll {{.Float}},
    supply_frequency {{.Float}},
    description TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL
);
CREATE INDEX sites_tenant ON sites(tenant_id);

CREATE TABLE rooms (
    id {{.ID}},
    site_id BIGINT NOT NULL REFERENCES sites(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    tile_size {{.Float}} NOT NULL,
    grid_rows INTEGER NOT NULL DEFAULT 0,
    grid_columns INTEGER NOT NULL DEFAULT 0,
    floor_load_rating {{.Float}},
    tenant_id BIGINT REFERENCES tenants(id),
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (site_id, name)
);
CREATE INDEX rooms_tenant ON rooms(tenant_id);

CREATE TABLE rack_rows (
    id {{.ID}},
    room_id BIGINT NOT NULL REFERENCES rooms(id),
    site_id BIGINT NOT NULL REFERENCES sites(id),
    name TEXT NOT NULL,
    aisle TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (room_id, name)
);

CREATE TABLE racks (
    id {{.ID}},
    name TEXT NOT NULL,
    facility_id TEXT,
    site_id BIGINT NOT NULL REFERENCES sites(id),
    room_id BIGINT NOT NULL REFERENCES rooms(id),
    row_id BIGINT REFERENCES rack_rows(id),
    tenant_id BIGINT REFERENCES tenants(id),
    status TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    serial TEXT NOT NULL DEFAULT '',
    asset_tag TEXT UNIQUE,
    u_height INTEGER NOT NULL,
    starting_unit INTEGER NOT NULL,
    desc_units BOOLEAN NOT NULL,
    width INTEGER NOT NULL,
    outer_width {{.Float}},
    outer_depth {{.Float}},
    outer_height {{.Float}},
    outer_unit TEXT NOT NULL DEFAULT '',
    weight {{.Float}},
    max_weight {{.Float}},
    weight_unit TEXT NOT NULL DEFAULT '',
    airflow TEXT NOT NULL DEFAULT '',
    grid_row INTEGER,
    grid_column INTEGER,
    description TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (room_id, name),
    UNIQUE (site_id, facility_id)
);
CREATE INDEX racks_site ON racks(site_id);
CREATE INDEX racks_row ON racks(row_id);
CREATE INDEX racks_tenant ON racks(tenant_id);

CREATE TABLE rack_reservations (
    id {{.ID}},
    rack_id BIGINT NOT NULL REFERENCES racks(id),
    units TEXT NOT NULL,
    tenant_id BIGINT REFERENCES tenants(id),
    description TEXT NOT NULL,
    expires {{.TS}},
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL
);
CREATE INDEX rack_reservations_rack ON rack_reservations(rack_id);
CREATE INDEX rack_reservations_tenant ON rack_reservations(tenant_id);

CREATE TABLE manufacturers (
    id {{.ID}},
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL
);

CREATE TABLE device_types (
    id {{.ID}},
    manufacturer_id BIGINT NOT NULL REFERENCES manufacturers(id),
    model TEXT NOT NULL,
    slug TEXT NOT NULL,
    part_number TEXT NOT NULL DEFAULT '',
    u_height {{.Float}} NOT NULL,
    is_full_depth BOOLEAN NOT NULL,
    airflow TEXT NOT NULL DEFAULT '',
    weight {{.Float}},
    weight_unit TEXT NOT NULL DEFAULT '',
    subdevice_role TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    power_ports TEXT NOT NULL DEFAULT '[]',
    power_outlets TEXT NOT NULL DEFAULT '[]',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (manufacturer_id, model),
    UNIQUE (manufacturer_id, slug)
);

CREATE TABLE devices (
    id {{.ID}},
    name TEXT NOT NULL,
    device_type_id BIGINT NOT NULL REFERENCES device_types(id),
    role TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    tenant_id BIGINT REFERENCES tenants(id),
    serial TEXT NOT NULL DEFAULT '',
    asset_tag TEXT UNIQUE,
    site_id BIGINT NOT NULL REFERENCES sites(id),
    rack_id BIGINT REFERENCES racks(id),
    position {{.Float}},
    face TEXT NOT NULL DEFAULT '',
    mount_side TEXT NOT NULL DEFAULT '',
    airflow TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (site_id, name)
);
CREATE INDEX devices_rack ON devices(rack_id);
CREATE INDEX devices_type ON devices(device_type_id);
CREATE INDEX devices_tenant ON devices(tenant_id);

CREATE TABLE power_ports (
    id {{.ID}},
    device_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT '',
    maximum_draw INTEGER,
    allocated_draw INTEGER,
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (device_id, name)
);

CREATE TABLE power_outlets (
    id {{.ID}},
    device_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT '',
    power_port_id BIGINT REFERENCES power_ports(id) ON DELETE SET NULL,
    feed_leg TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (device_id, name)
);
CREATE INDEX power_outlets_port ON power_outlets(power_port_id);

CREATE TABLE changes (
    id {{.ID}},
    time {{.TS}} NOT NULL,
    actor TEXT NOT NULL,
    request_id TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    object_repr TEXT NOT NULL DEFAULT '',
    pre_change TEXT,
    post_change TEXT
);
CREATE INDEX changes_object ON changes(object_type, object_id);
CREATE INDEX changes_time ON changes(time);

CREATE TABLE tokens (
    id {{.ID}},
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    write_enabled BOOLEAN NOT NULL,
    created {{.TS}} NOT NULL,
    expires {{.TS}},
    last_used {{.TS}}
);

-- +goose Down
DROP TABLE tokens;
DROP TABLE changes;
DROP TABLE power_outlets;
DROP TABLE power_ports;
DROP TABLE devices;
DROP TABLE device_types;
DROP TABLE manufacturers;
DROP TABLE rack_reservations;
DROP TABLE racks;
DROP TABLE rack_rows;
DROP TABLE rooms;
DROP TABLE sites;
DROP TABLE tagged_items;
DROP TABLE tags;
DROP TABLE tenants;
